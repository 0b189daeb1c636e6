"""The daily spirometer plan: how each referral gets its device, the courier routes, the KPIs.

Pure like :mod:`routing.fleet` and :mod:`routing.solve`: the caller gives travel tables indexed
by place ids; nothing here reads files or a database.

* :func:`choose_mode` - the documented mode rule per referral;
* :class:`DayRouter` - a :class:`routing.cycle.Router` that builds one :class:`routing.problem.Problem`
  per business day and hub (deliveries and pickups on the same routes, time windows, device
  capacity, maximum route duration, objective ``cost`` = per km + per route) and solves it;
* :func:`plan` - fleet simulation with the router: the day-by-day plan;
* :func:`evaluate` - KPIs and named violations from the plan alone: every route is re-checked
  with :func:`routing.kpi.evaluate` (time windows, capacity, duration), the device cycle with
  :func:`routing.cycle.check_cycle`, the on-time share from the dates.

Mode rule (``choose_mode``), in order of preference, among the modes that bring the device in
time with a device free at once:

1. ``courier`` when the hub is within ``courier_reach_minutes`` of the patient's place and a
   single-stop route there and back fits a driver shift (day routes from the hub);
2. ``mobile`` when a mobile clinic stands within reach of the place on a business day between
   the parcel's arrival and the due day (the patient is shown how to use the device);
3. ``parcel`` to a pickup point.

When no mode is in time the earliest one is taken and the referral is reported by name.
"""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field

import numpy as np

from routing import kpi
from routing.cycle import (
    Calendar,
    CycleParams,
    CycleViolation,
    Request,
    Simulation,
    check_cycle,
    device_day,
    earliest_device_day,
    ready_day,
)
from routing.fleet import simulate
from routing.params import SolveParams
from routing.problem import Depot, Objective, Problem, Stop, Vehicle
from routing.solution import Solution
from routing.solve import solve


@dataclass(frozen=True)
class CourierParams:
    """Own courier routes from a hub (minutes from midnight; costs in SEK).

    Defaults are our assumptions: deliveries and pickups 08-17, a driver shift from 07 to 19
    of at most ``max_route_minutes`` (breaks included), 10 minutes per stop.
    """

    vehicles_per_hub: int = 1
    capacity: int = 20
    max_route_minutes: float = 480.0
    window_start: float = 8 * 60.0
    window_end: float = 17 * 60.0
    shift_start: float = 7 * 60.0
    shift_end: float = 19 * 60.0
    stop_minutes: float = 10.0
    reach_minutes: float = 120.0
    cost_per_km: float = 8.0
    cost_per_route: float = 1500.0
    #: drop penalty of a stop, in SEK: above any route, so stops are dropped only when they
    #: cannot fit (then they go by parcel)
    drop_penalty: float = 100_000.0


@dataclass(frozen=True)
class Referral:
    """A referral as the mode rule sees it."""

    id: str
    place: str
    date: dt.date
    hub: str
    hub_minutes: float
    handover_days: tuple[dt.date, ...] = ()


@dataclass(frozen=True)
class ModeChoice:
    """The chosen mode and, when nothing is in time, why."""

    request: Request
    in_time: bool
    reason: str = ""


def courier_fits(minutes: float, courier: CourierParams) -> bool:
    """A single-stop route hub -> place -> hub fits the reach, the shift and the windows."""
    if not (
        courier.vehicles_per_hub > 0 and math.isfinite(minutes) and minutes <= courier.reach_minutes
    ):
        return False
    there = courier.shift_start + minutes
    start = max(there, courier.window_start)
    back = start + courier.stop_minutes + minutes
    return (
        start <= courier.window_end
        and back <= courier.shift_end
        and 2 * minutes + courier.stop_minutes <= courier.max_route_minutes
    )


def choose_mode(
    referral: Referral, calendar: Calendar, cycle: CycleParams, courier: CourierParams
) -> ModeChoice:
    """The mode of one referral by the rule in the module docstring."""
    options: list[Request] = []
    if courier_fits(referral.hub_minutes, courier):
        options.append(Request(referral.id, referral.hub, referral.place, referral.date, "courier"))
    if referral.handover_days:
        options.append(
            Request(
                referral.id,
                referral.hub,
                referral.place,
                referral.date,
                "mobile",
                referral.handover_days,
            )
        )
    options.append(Request(referral.id, referral.hub, referral.place, referral.date, "parcel"))
    due = calendar.add(referral.date, cycle.service_level_days)
    for option in options:
        got = device_day(option, ready_day(option, calendar, cycle), calendar, cycle)
        if got[0] == option.mode and got[1] <= due:
            return ModeChoice(option, True)
    best = min(options, key=lambda o: earliest_device_day(o, calendar, cycle))
    reasons = [f"{o.mode} brings it on {earliest_device_day(o, calendar, cycle)}" for o in options]
    if not courier_fits(referral.hub_minutes, courier):
        reasons.append(
            f"no courier: {referral.hub} is {referral.hub_minutes:.0f} min away"
            if courier.vehicles_per_hub > 0
            else "no courier: no vehicles"
        )
    if not referral.handover_days:
        reasons.append("no mobile clinic within reach")
    return ModeChoice(best, False, f"due {due}; " + ", ".join(reasons))


# --------------------------------------------------------------------------------------------
# Daily routes
# --------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class DayRoutes:
    """One day's routing problem of one hub, its solution, and the place id of each location."""

    day: dt.date
    hub: str
    problem: Problem
    solution: Solution
    places: tuple[str, ...]


class DayRouter:
    """Builds and solves the courier routes of one day and hub (a ``routing.cycle.Router``).

    ``places`` lists the place ids of the travel tables ``minutes``/``km`` (square, same
    order); every hub and courier place must be in it. Stop ids are ``"D:{referral}"`` for a
    delivery (one device out) and ``"P:{referral}"`` for a pickup (one device back).
    """

    def __init__(
        self,
        places: Sequence[str],
        minutes: np.ndarray,
        km: np.ndarray,
        courier: CourierParams,
        params: SolveParams,
        on_route: Callable[[DayRoutes], None] | None = None,
    ) -> None:
        self.index = {p: i for i, p in enumerate(places)}
        self.minutes = np.asarray(minutes, dtype=float)
        self.km = np.asarray(km, dtype=float)
        self.courier = courier
        self.params = params
        self.on_route = on_route
        self.days: list[DayRoutes] = []

    @staticmethod
    def locations(
        hub: str, deliveries: Sequence[Request], pickups: Sequence[Request]
    ) -> tuple[str, ...]:
        """The place ids of a day problem's locations: the hub first, then each stop's place once."""
        return tuple(dict.fromkeys([hub] + [r.place for r in (*deliveries, *pickups)]))

    def problem(
        self, hub: str, deliveries: Sequence[Request], pickups: Sequence[Request]
    ) -> Problem:
        """The routing problem: the hub as depot, its vehicles, one stop per device moved."""
        c = self.courier
        locs = self.locations(hub, deliveries, pickups)
        rows = [self.index[p] for p in locs]
        sub = np.ix_(rows, rows)
        where = {p: i for i, p in enumerate(locs)}
        stops = [
            Stop(
                f"D:{r.id}",
                where[r.place],
                delivery=1,
                tw_start=c.window_start,
                tw_end=c.window_end,
                service=c.stop_minutes,
                drop_penalty=c.drop_penalty,
            )
            for r in deliveries
        ]
        stops += [
            Stop(
                f"P:{r.id}",
                where[r.place],
                pickup=1,
                tw_start=c.window_start,
                tw_end=c.window_end,
                service=c.stop_minutes,
                drop_penalty=c.drop_penalty,
            )
            for r in pickups
        ]
        vehicles = [
            Vehicle(f"v{k + 1}", 0, c.capacity, c.shift_start, c.shift_end, c.max_route_minutes)
            for k in range(c.vehicles_per_hub)
        ]
        big = 10 * 24 * 60.0  # unreachable pairs (ferries aside, none within reach)
        minutes = np.where(np.isfinite(self.minutes[sub]), self.minutes[sub], big)
        km = np.where(np.isfinite(self.km[sub]), self.km[sub], big)
        return Problem(
            (Depot(hub, 0),),
            tuple(vehicles),
            tuple(stops),
            minutes,
            km,
            Objective("cost", per_km=c.cost_per_km, per_vehicle=c.cost_per_route),
        )

    def __call__(
        self, day: dt.date, hub: str, deliveries: Sequence[Request], pickups: Sequence[Request]
    ) -> tuple[set[str], set[str]]:
        problem = self.problem(hub, deliveries, pickups)
        solution = solve(problem, self.params)
        routes = DayRoutes(day, hub, problem, solution, self.locations(hub, deliveries, pickups))
        self.days.append(routes)
        if self.on_route:
            self.on_route(routes)
        dropped_d = {s[2:] for s in solution.dropped if s.startswith("D:")}
        dropped_p = {s[2:] for s in solution.dropped if s.startswith("P:")}
        return dropped_d, dropped_p


# --------------------------------------------------------------------------------------------
# Plan and evaluation
# --------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Plan:
    """A simulated pool with the routes that carried it."""

    requests: tuple[Request, ...]
    simulation: Simulation
    routes: tuple[DayRoutes, ...]
    calendar: Calendar
    cycle: CycleParams
    horizon: tuple[dt.date, dt.date]  # [first day, day after the last]
    devices_needed: int


def plan(
    requests: Sequence[Request],
    pools: Mapping[str, int],
    calendar: Calendar,
    cycle: CycleParams,
    router: DayRouter | None,
    horizon: tuple[dt.date, dt.date],
) -> Plan:
    """Simulate the pool day by day with ``router`` planning the courier routes."""
    sim = simulate(requests, pools, calendar, cycle, router)
    return Plan(
        tuple(requests),
        sim,
        tuple(router.days) if router else (),
        calendar,
        cycle,
        horizon,
        sum(pools.values()),
    )


@dataclass(frozen=True)
class Kpis:
    """Plan KPIs (names as the dashboard reads them) and every broken rule."""

    values: dict[str, float]
    violations: tuple[str, ...] = field(default=())


def utilisation(
    loans: Sequence[tuple[dt.date | None, dt.date | None]],
    devices: int,
    horizon: tuple[dt.date, dt.date],
) -> float:
    """Device-days out of the hub (``[ship, back)``) inside the horizon over pool x horizon days."""
    first, end = horizon
    days = (end - first).days
    if devices <= 0 or days <= 0:
        return 0.0
    used = 0
    for ship, back in loans:
        if ship is None:
            continue
        a, b = max(ship, first), min(back or end, end)
        used += max(0, (b - a).days)
    return used / (devices * days)


def evaluate(plan: Plan, parcel_cost: float, courier: CourierParams) -> Kpis:
    """KPIs recomputed from the plan's stop orders and dates, with named violations."""
    cal, cycle = plan.calendar, plan.cycle
    violations: list[str] = []
    km = minutes = route_cost = 0.0
    routes = dropped = 0
    delivered: dict[str, dt.date] = {}
    picked: dict[str, dt.date] = {}
    for day in plan.routes:
        ev = kpi.evaluate(day.problem, day.solution)
        km += ev.distance
        minutes += ev.duration
        routes += ev.vehicles
        route_cost += courier.cost_per_km * ev.distance + courier.cost_per_route * ev.vehicles
        dropped += len(ev.dropped)
        violations += [
            f"{v.rule} at {day.day} {day.hub} {v.where}: {v.message}" for v in ev.violations
        ]
        for r in day.solution.routes:
            for s in r.stops:
                (delivered if s.startswith("D:") else picked)[s[2:]] = day.day
    cycle_violations: tuple[CycleViolation, ...] = check_cycle(
        plan.simulation, cal, cycle, plan.requests
    )
    violations += [f"{v.rule} at {v.where}: {v.message}" for v in cycle_violations]
    loans = plan.simulation.loans
    for loan in loans:  # the loans and the routes tell the same story
        if loan.mode == "courier" and delivered.get(loan.request) != loan.ship:
            violations.append(f"Courier delivery not on a route at referral {loan.request}")
        if loan.return_mode == "courier" and picked.get(loan.request) != loan.back:
            violations.append(f"Courier pickup not on a route at referral {loan.request}")
    n = len(loans)
    on_time = sum(
        1
        for x in loans
        if x.device_date is not None
        and x.device_date <= cal.add(x.referral_date, cycle.service_level_days)
    )
    waits = [
        cal.between(x.referral_date, x.device_date) for x in loans if x.device_date is not None
    ]
    parcels = sum(1 for x in loans if x.mode in ("parcel", "mobile") and x.ship is not None)
    parcels += sum(1 for x in loans if x.return_mode == "parcel")
    values = {
        "referrals": n,
        "on_time_share": on_time / n if n else 1.0,
        "mean_days_to_device": float(np.mean(waits)) if waits else 0.0,
        "courier_km": km,
        "driver_hours": minutes / 60.0,
        "routes": routes,
        "courier_cost_sek": route_cost,
        "parcels": parcels,
        "parcel_cost_sek": parcels * parcel_cost,
        "handovers": sum(1 for x in loans if x.mode == "mobile" and x.ship is not None),
        "courier_deliveries": sum(1 for x in loans if x.mode == "courier"),
        "courier_pickups": sum(1 for x in loans if x.return_mode == "courier"),
        "devices_needed": plan.devices_needed,
        "device_utilisation": utilisation(
            [(x.ship, x.back) for x in loans], plan.devices_needed, plan.horizon
        ),
        "dropped_stops": dropped,
        "unserved": sum(1 for x in loans if x.ship is None),
        "violations": len(violations),
    }
    values["total_cost_sek"] = values["courier_cost_sek"] + values["parcel_cost_sek"]
    return Kpis(values, tuple(violations))


__all__ = [
    "CourierParams",
    "DayRouter",
    "DayRoutes",
    "Kpis",
    "ModeChoice",
    "Plan",
    "Referral",
    "choose_mode",
    "courier_fits",
    "evaluate",
    "plan",
    "utilisation",
]
