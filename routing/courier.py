"""Own courier routes from a hub: their settings, the one-stop reach test, the daily router.

* :class:`CourierParams` - vehicles, capacity, windows, shift, costs (our assumptions);
* :func:`courier_fits` - whether a single-stop route to a place fits the reach, the shift and
  the windows (the ``courier`` option of the mode rule in :mod:`routing.spirometry`);
* :class:`DayRouter` - a :class:`routing.cycle.Router` that builds one
  :class:`routing.problem.Problem` per business day and hub (deliveries and pickups on the
  same routes, time windows, device capacity, maximum route duration, objective ``cost`` =
  per km + per route) and solves it with :func:`routing.solve.solve`.

Pure: the caller gives travel tables indexed by place ids.
"""

from __future__ import annotations

import datetime as dt
import math
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass

import numpy as np

from routing.cycle import Request
from routing.kpi import with_status
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

    ``deadline`` (``time.perf_counter()``): a day's solve gets at most the time left; a day
    met after it routes nothing (every stop goes by parcel, counted in ``skipped_days``).
    """

    def __init__(
        self,
        places: Sequence[str],
        minutes: np.ndarray,
        km: np.ndarray,
        courier: CourierParams,
        params: SolveParams,
        on_route: Callable[[DayRoutes], None] | None = None,
        deadline: float = math.inf,
    ) -> None:
        self.index = {p: i for i, p in enumerate(places)}
        self.minutes = np.asarray(minutes, dtype=float)
        self.km = np.asarray(km, dtype=float)
        self.courier = courier
        self.params = params
        self.on_route = on_route
        self.days: list[DayRoutes] = []
        self.deadline = deadline
        self.skipped_days = 0

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
        left = self.deadline - time.perf_counter()
        if left <= 0:  # past the deadline: no route, every stop dropped (it goes by parcel)
            self.skipped_days += 1
            solution = with_status(problem, Solution((), tuple(s.id for s in problem.stops)))
        else:
            limit = min(self.params.time_limit, left)
            solution = solve(problem, self.params.replace(time_limit=limit))
        routes = DayRoutes(day, hub, problem, solution, self.locations(hub, deliveries, pickups))
        self.days.append(routes)
        if self.on_route:
            self.on_route(routes)
        dropped_d = {s[2:] for s in solution.dropped if s.startswith("D:")}
        dropped_p = {s[2:] for s in solution.dropped if s.startswith("P:")}
        return dropped_d, dropped_p
