"""The daily spirometer plan: how each referral gets its device, the courier routes, the KPIs.

Pure like :mod:`routing.fleet` and :mod:`routing.solve`: the caller gives travel tables indexed
by place ids; nothing here reads files or a database.

* :func:`choose_mode` - the documented mode rule per referral (:class:`ModeRule`: for many);
* :func:`plan` - fleet simulation with a :class:`routing.courier.DayRouter` planning the
  courier routes of each business day and hub: the day-by-day plan;
* :func:`evaluate` - KPIs and named violations from the plan alone: every route is re-checked
  with :func:`routing.kpi.evaluate` (time windows, capacity, duration), the device cycle with
  :func:`routing.cycle.check_cycle`, the on-time share from the dates, the bill with
  :func:`routing.costs.price_plan`.

This rule is the **courier-first** baseline; the plan decided by cost is :mod:`routing.modes`.

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
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

import numpy as np

from routing import kpi
from routing.costs import Prices, price_plan
from routing.courier import CourierParams, DayRouter, DayRoutes, courier_fits
from routing.cycle import (
    Calendar,
    CycleParams,
    CycleViolation,
    Mode,
    Request,
    Simulation,
    check_cycle,
    device_day,
    earliest_device_day,
    ready_day,
)
from routing.fleet import simulate


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


class ModeRule:
    """:func:`choose_mode` for many referrals, the rule run once per distinct (courier in reach,
    hand-over days, referral date): national referrals share a few thousand."""

    def __init__(self, calendar: Calendar, cycle: CycleParams, courier: CourierParams) -> None:
        self.calendar, self.cycle, self.courier = calendar, cycle, courier
        self._known: dict[tuple[bool, int, dt.date], Mode | None] = {}  # None: late
        self._handovers: dict[int, int] = {}  # id of a hand-over tuple -> its number
        self._kept: list[tuple[dt.date, ...]] = []  # the tuples numbered (their ids stay theirs)

    def in_time(self, r: Referral) -> Mode | None:
        """The mode that brings the device in time, ``None`` when none does."""
        number = self._handovers.get(id(r.handover_days))
        if number is None:
            number = self._handovers[id(r.handover_days)] = len(self._kept)
            self._kept.append(r.handover_days)
        key = (courier_fits(r.hub_minutes, self.courier), number, r.date)
        if key not in self._known:
            choice = choose_mode(r, self.calendar, self.cycle, self.courier)
            self._known[key] = choice.request.mode if choice.in_time else None
        return self._known[key]

    def choose(self, r: Referral) -> ModeChoice:
        """:func:`choose_mode` of ``r``."""
        mode = self.in_time(r)
        if mode is None:
            return choose_mode(r, self.calendar, self.cycle, self.courier)
        handover = r.handover_days if mode == "mobile" else ()
        return ModeChoice(Request(r.id, r.hub, r.place, r.date, mode, handover), True)


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


def evaluate(plan: Plan, prices: Prices) -> Kpis:
    """KPIs recomputed from the plan's stop orders and dates, with named violations; the bill
    from :func:`routing.costs.price_plan`."""
    cal, cycle = plan.calendar, plan.cycle
    violations: list[str] = []
    km = minutes = 0.0
    routes = dropped = 0
    delivered: dict[str, dt.date] = {}
    picked: dict[str, dt.date] = {}
    for day in plan.routes:
        ev = kpi.evaluate(day.problem, day.solution)
        km += ev.distance
        minutes += ev.duration
        routes += ev.vehicles
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
    bill = price_plan(plan, prices)
    values = {
        "referrals": n,
        "on_time_share": on_time / n if n else 1.0,
        "mean_days_to_device": float(np.mean(waits)) if waits else 0.0,
        "courier_km": km,
        "driver_hours": minutes / 60.0,
        "routes": routes,
        "courier_cost_sek": bill.courier,
        "courier_km_cost_sek": bill.courier_km,
        "courier_hours_cost_sek": bill.courier_hours,
        "courier_routes_cost_sek": bill.courier_routes,
        "parcels": parcels,
        "parcel_cost_sek": bill.parcels,
        "device_cost_sek": bill.devices,
        "cleaning_cost_sek": bill.cleaning,
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
        "total_cost_sek": bill.total,
    }
    for mode in ("courier", "mobile", "parcel"):
        values[f"cost_per_{mode}_referral_sek"] = bill.by_mode.get(mode, 0.0)
    return Kpis(values, tuple(violations))
