"""KPIs and named violations of a routing solution, recomputed from the stop orders alone.

:func:`schedule` times one vehicle's stops; :func:`evaluate` re-checks every rule of
:mod:`routing.problem` on a :class:`~routing.solution.Solution` without asking any solver (the
test oracle, and the judge of every engine's plan). One function per named rule family:
:func:`bookkeeping_violations` (who serves what), :func:`route_violations` (windows, shift,
duration, capacity of one route), :func:`dropped_violations` (stops no route serves).
"""

from __future__ import annotations

import dataclasses
import itertools
import math
from collections.abc import Sequence
from dataclasses import dataclass

from routing.problem import Problem, Vehicle
from routing.solution import Route, Solution

#: Tolerance of the time checks (floats from the schedule).
EPS = 1e-6


@dataclass(frozen=True)
class Violation:
    """One broken rule: its readable name, where, by how much, and a sentence."""

    rule: str
    where: str
    amount: float
    message: str


@dataclass(frozen=True)
class Evaluation:
    """KPIs and violations of a solution, recomputed from the stop orders only."""

    vehicles: int
    distance: float
    duration: float
    served: int
    dropped: tuple[str, ...]
    cost: float
    violations: tuple[Violation, ...]

    @property
    def feasible(self) -> bool:
        """True when no rule is broken."""
        return not self.violations

    def kpis(self) -> dict[str, float | int]:
        """The KPIs as a flat dict (for JSON and storage)."""
        return {
            "vehicles": self.vehicles,
            "distance": self.distance,
            "duration": self.duration,
            "served": self.served,
            "dropped": len(self.dropped),
            "cost": self.cost,
            "violations": len(self.violations),
        }


def schedule(problem: Problem, vehicle: int, stop_ids: Sequence[str]) -> Route:
    """The schedule, loads and distance of one vehicle serving ``stop_ids`` in this order.

    The return time as a function of the departure ``t`` is ``max(t + P, Q)`` (``P``: all
    travel and service; ``Q``: the return forced by the window starts), so leaving at
    ``Q - P`` gives both the earliest return and the shortest duration. The departure is that,
    kept within ``shift_start`` and the latest departure that still meets every window end
    (a backward pass). Windows that cannot be met show up as service starts after ``tw_end``
    (checked by :func:`evaluate`), not as an exception. Unknown ids raise ``KeyError``.
    """
    v = problem.vehicles[vehicle]
    depot = problem.depots[v.depot].location
    index = problem.stop_index
    stops = [problem.stops[index[s]] for s in stop_ids]
    locs = [depot] + [s.location for s in stops] + [depot]
    T, D = problem.duration, problem.distance
    legs = [float(T[a, b]) for a, b in itertools.pairwise(locs)]
    if not stops:
        return Route(v.id, (), (), (), (), 0, float(v.shift_start), float(v.shift_start), 0.0)
    total = sum(legs) + sum(s.service for s in stops)
    forced = -math.inf
    for k, s in enumerate(stops):
        forced = max(forced + legs[k], s.tw_start) + s.service
    forced += legs[-1]
    latest = v.shift_end - legs[-1]
    for k in range(len(stops) - 1, -1, -1):
        latest = min(stops[k].tw_end, latest - stops[k].service) - legs[k]
    leave = max(v.shift_start, min(forced - total, latest))
    t, arrivals, starts, loads = leave, [], [], []
    load = start_load = sum(s.delivery for s in stops)
    for k, s in enumerate(stops):
        t += legs[k]
        arrivals.append(t)
        t = max(t, s.tw_start)
        starts.append(t)
        t += s.service
        load = load - s.delivery + s.pickup
        loads.append(load)
    end = t + legs[-1]
    dist = float(sum(D[a, b] for a, b in itertools.pairwise(locs)))
    return Route(
        vehicle=v.id,
        stops=tuple(stop_ids),
        arrivals=tuple(arrivals),
        starts=tuple(starts),
        loads=tuple(loads),
        start_load=start_load,
        departure=float(leave),
        end=float(end),
        distance=dist,
    )


def evaluate(problem: Problem, solution: Solution) -> Evaluation:
    """Recompute KPIs and name every broken rule, from the stop orders alone.

    Rules: "Unknown vehicle", "Vehicle used twice", "Unknown stop", "Stop served twice",
    "Stop neither served nor dropped", "Mandatory stop dropped", "Time window missed",
    "Shift end exceeded", "Route too long" (max duration), "Capacity exceeded".
    """
    violations: list[Violation] = []
    vindex = problem.vehicle_index
    served: dict[str, str] = {}
    used: set[str] = set()
    vehicles = distance = duration = 0.0
    for plan in solution.routes:
        known = bookkeeping_violations(problem, plan, served, used, violations)
        if not known:
            continue
        vi = vindex[plan.vehicle]
        route = schedule(problem, vi, known)
        vehicles += 1
        distance += route.distance
        duration += route.duration
        violations += route_violations(problem, problem.vehicles[vi], route)
    dropped = tuple(s.id for s in problem.stops if s.id not in served)
    violations += dropped_violations(problem, dropped, set(solution.dropped))
    sindex = problem.stop_index
    penalty = 0.0
    for s_id in dropped:
        drop_penalty = problem.stops[sindex[s_id]].drop_penalty
        if drop_penalty is not None:
            penalty += drop_penalty
    obj = problem.objective
    if obj.mode == "cost":
        cost = obj.per_km * distance + obj.per_vehicle * vehicles + penalty
    else:
        cost = distance + penalty
    return Evaluation(
        vehicles=int(vehicles),
        distance=float(distance),
        duration=float(duration),
        served=len(served),
        dropped=dropped,
        cost=float(cost),
        violations=tuple(violations),
    )


def bookkeeping_violations(
    problem: Problem,
    route: Route,
    served: dict[str, str],
    used: set[str],
    violations: list[Violation],
) -> list[str]:
    """ "Unknown vehicle", "Vehicle used twice", "Unknown stop" and "Stop served twice" of one
    route, appended to ``violations``; ``served`` (stop id -> vehicle id) and ``used`` (vehicle
    ids) carry what earlier routes served. Returns the route's known stop ids to time (none for
    an unknown vehicle)."""
    sindex = problem.stop_index
    if route.vehicle not in problem.vehicle_index:
        violations.append(
            Violation(
                "Unknown vehicle",
                route.vehicle,
                1.0,
                f"vehicle {route.vehicle} is not in the problem.",
            )
        )
        return []
    if route.vehicle in used:
        violations.append(
            Violation(
                "Vehicle used twice", route.vehicle, 1.0, f"vehicle {route.vehicle} has two routes."
            )
        )
    used.add(route.vehicle)
    known = []
    for s in route.stops:
        if s not in sindex:
            violations.append(
                Violation(
                    "Unknown stop",
                    f"vehicle {route.vehicle}",
                    1.0,
                    f"stop {s} is not in the problem.",
                )
            )
            continue
        if s in served:
            violations.append(
                Violation(
                    "Stop served twice",
                    f"stop {s}",
                    1.0,
                    f"stop {s} is served by {served[s]} and {route.vehicle}.",
                )
            )
        served[s] = route.vehicle
        known.append(s)
    return known


def route_violations(problem: Problem, v: Vehicle, r: Route) -> list[Violation]:
    """ "Time window missed", "Shift end exceeded", "Route too long" and "Capacity exceeded"
    on the schedule ``r`` of vehicle ``v``."""
    violations: list[Violation] = []
    sindex = problem.stop_index
    for s_id, start in zip(r.stops, r.starts, strict=False):
        s = problem.stops[sindex[s_id]]
        if start > s.tw_end + EPS:
            violations.append(
                Violation(
                    "Time window missed",
                    f"stop {s_id}",
                    float(start - s.tw_end),
                    f"stop {s_id}: service starts at {start:g}, after its window "
                    f"[{s.tw_start:g}, {s.tw_end:g}] (vehicle {v.id}).",
                )
            )
    if r.end > v.shift_end + EPS:
        violations.append(
            Violation(
                "Shift end exceeded",
                f"vehicle {v.id}",
                float(r.end - v.shift_end),
                f"vehicle {v.id}: returns at {r.end:g}, after its shift end {v.shift_end:g}.",
            )
        )
    if r.duration > v.max_duration + EPS:
        violations.append(
            Violation(
                "Route too long",
                f"vehicle {v.id}",
                float(r.duration - v.max_duration),
                f"vehicle {v.id}: route takes {r.duration:g}, more than {v.max_duration:g}.",
            )
        )
    peak = max((r.start_load, *r.loads))
    if peak > v.capacity:
        violations.append(
            Violation(
                "Capacity exceeded",
                f"vehicle {v.id}",
                float(peak - v.capacity),
                f"vehicle {v.id}: carries {peak}, more than its capacity {v.capacity}.",
            )
        )
    return violations


def dropped_violations(
    problem: Problem, dropped: Sequence[str], listed: set[str]
) -> list[Violation]:
    """ "Stop neither served nor dropped" and "Mandatory stop dropped" for the stops no route
    serves (``listed``: the ids the solution says it dropped)."""
    violations: list[Violation] = []
    sindex = problem.stop_index
    for s_id in dropped:
        if s_id not in listed:
            violations.append(
                Violation(
                    "Stop neither served nor dropped",
                    f"stop {s_id}",
                    1.0,
                    f"stop {s_id} is on no route and not listed as dropped.",
                )
            )
        if problem.stops[sindex[s_id]].drop_penalty is None:
            violations.append(
                Violation(
                    "Mandatory stop dropped",
                    f"stop {s_id}",
                    1.0,
                    f"stop {s_id} is mandatory but not served.",
                )
            )
    return violations


def with_status(problem: Problem, solution: Solution) -> Solution:
    """The solution with ``status`` ``"feasible"`` when :func:`evaluate` finds no broken rule,
    else ``"infeasible"``."""
    status = "feasible" if evaluate(problem, solution).feasible else "infeasible"
    return dataclasses.replace(solution, status=status)
