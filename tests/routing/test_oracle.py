"""Every engine against brute force: all orders and splits of a few stops, judged by evaluate().

Each instance is small enough (5-6 stops, 1-2 vehicles) that :func:`all_plans` lists every
plan: each stop on one vehicle or, if optional, dropped, in every order. The best feasible one
by :func:`routing.evaluate` (fewest vehicles first in ``vehicles_then_distance`` mode) is the
optimum, and each engine must find a plan of exactly that cost. The data are integers (so no
rounding inside an engine can reorder two plans), distance and travel time are different
metrics (travel time weighs east-west twice), service times are not zero and the time windows
bind; :func:`test_the_instances_tell_distance_from_travel_time` checks that pricing routes by
travel time plus service instead of distance picks a worse plan on these instances, so an
engine (or an ``evaluate``) with that bug fails here.
"""

from __future__ import annotations

import itertools
from collections.abc import Iterator
from dataclasses import dataclass, field

import numpy as np
import pytest

from routing import (
    Depot,
    Objective,
    Problem,
    Solution,
    SolveParams,
    Stop,
    Vehicle,
    evaluate,
    schedule,
    solve,
)


@dataclass(frozen=True)
class Case:
    """A seeded instance and its optimum (vehicles, cost) found by enumeration."""

    seed: int
    stops: int
    vehicles: int
    optional: int = 0
    objective: Objective = field(default_factory=Objective)
    depots: int = 1
    capacity: int = 100
    max_duration: float = float("inf")
    pickups: bool = False


CASES = {
    "five stops, two vehicles, fewest vehicles first": Case(2, 5, 2),
    "six stops, two vehicles": Case(10, 6, 2),
    "five stops, one vehicle": Case(34, 5, 1),
    "five stops, capacity splits them, cost per km and per vehicle": Case(
        8, 5, 2, objective=Objective("cost", per_km=2.0, per_vehicle=15.0), capacity=9
    ),
    "five stops, two optional, cost mode": Case(
        1, 5, 2, optional=2, objective=Objective("cost", per_km=1.0, per_vehicle=5.0)
    ),
    "five stops, two depots, deliveries and pickups, route length bound": Case(
        32, 5, 2, depots=2, capacity=8, max_duration=70.0, pickups=True
    ),
}

#: The optimum (vehicles, cost) of each case, worked out once by :func:`best_plan`.
OPTIMUM = {
    "five stops, two vehicles, fewest vehicles first": (2, 59.0),
    "six stops, two vehicles": (2, 62.0),
    "five stops, one vehicle": (1, 38.0),
    "five stops, capacity splits them, cost per km and per vehicle": (2, 130.0),
    "five stops, two optional, cost mode": (1, 65.0),
    "five stops, two depots, deliveries and pickups, route length bound": (2, 51.0),
}


def make_problem(case: Case) -> Problem:
    """Integer points in a 20 x 20 square (depots near the middle); distance the rounded
    Euclidean one, travel time ``2 |dx| + |dy|``; service 2-5; windows of width 20-45 opening
    in [0, 60]; deliveries (and pickups) of 1-4 units; optional stops at penalty 8-20."""
    rng = np.random.default_rng(case.seed)
    xy = rng.integers(0, 21, size=(case.depots + case.stops, 2))
    xy[: case.depots] = rng.integers(8, 13, size=(case.depots, 2))
    dx = np.abs(xy[:, None, 0] - xy[None, :, 0])
    dy = np.abs(xy[:, None, 1] - xy[None, :, 1])
    distance = np.rint(np.hypot(dx, dy))
    duration = 2.0 * dx + dy
    stops = []
    for k in range(case.stops):
        start = int(rng.integers(0, 61))
        stops.append(
            Stop(
                f"s{k}",
                case.depots + k,
                delivery=int(rng.integers(1, 5)),
                pickup=int(rng.integers(1, 5)) if case.pickups else 0,
                tw_start=start,
                tw_end=start + int(rng.integers(20, 46)),
                service=int(rng.integers(2, 6)),
                drop_penalty=float(rng.integers(8, 21)) if k < case.optional else None,
            )
        )
    fleet = [
        Vehicle(
            f"v{j}",
            j % case.depots,
            capacity=case.capacity,
            shift_end=200.0,
            max_duration=case.max_duration,
        )
        for j in range(case.vehicles)
    ]
    depots = [Depot(f"d{j}", j) for j in range(case.depots)]
    return Problem(tuple(depots), tuple(fleet), tuple(stops), duration, distance, case.objective)


def all_plans(problem: Problem) -> Iterator[Solution]:
    """Every plan: each stop on a vehicle (or dropped, if optional), in every order."""
    ids = [s.id for s in problem.stops]
    drop = len(problem.vehicles)
    choices = [
        range(drop + 1) if s.drop_penalty is not None else range(drop) for s in problem.stops
    ]
    for assignment in itertools.product(*choices):
        groups = [[i for i, a in zip(ids, assignment, strict=True) if a == v] for v in range(drop)]
        dropped = tuple(i for i, a in zip(ids, assignment, strict=True) if a == drop)
        for orders in itertools.product(*(itertools.permutations(g) for g in groups)):
            routes = tuple(schedule(problem, v, list(o)) for v, o in enumerate(orders) if o)
            yield Solution(routes, dropped)


def key(problem: Problem, sol: Solution) -> tuple[int, float]:
    """(vehicles in ``vehicles_then_distance`` mode, cost) by evaluate: smaller is better."""
    ev = evaluate(problem, sol)
    hierarchical = problem.objective.mode == "vehicles_then_distance"
    return (ev.vehicles if hierarchical else 0, ev.cost)


def best_plan(problem: Problem) -> tuple[int, float]:
    """The optimum (vehicles, cost) over all feasible plans."""
    feasible = (p for p in all_plans(problem) if evaluate(problem, p).feasible)
    best = min(feasible, key=lambda p: key(problem, p))
    ev = evaluate(problem, best)
    return ev.vehicles, ev.cost


@pytest.mark.parametrize("name", CASES)
def test_enumeration_finds_the_recorded_optimum(name: str) -> None:
    """Brute force over every plan of the case gives the recorded optimum (vehicles, cost)."""
    assert best_plan(make_problem(CASES[name])) == OPTIMUM[name]


@pytest.mark.parametrize("name", CASES)
def test_the_time_windows_bind(name: str) -> None:
    """Without windows the optimum is strictly cheaper (or uses fewer vehicles): they bind."""
    problem = make_problem(CASES[name])
    open_stops = [
        Stop(s.id, s.location, s.delivery, s.pickup, service=s.service, drop_penalty=s.drop_penalty)
        for s in problem.stops
    ]
    assert key_of(problem, best_plan(problem.replace(stops=open_stops))) < key_of(
        problem, OPTIMUM[name]
    )


def travel_plus_service_cost(problem: Problem, sol: Solution) -> tuple[int, float]:
    """:func:`key` with routes priced by travel time plus service instead of distance (the
    planted bug of issue 14)."""
    ev = evaluate(problem, sol)
    obj = problem.objective
    time = 0.0
    for route in sol.routes:
        v = problem.vehicles[problem.vehicle_index[route.vehicle]]
        stops = [problem.stops[problem.stop_index[s]] for s in route.stops]
        locs = [problem.depots[v.depot].location, *(s.location for s in stops)]
        locs.append(locs[0])
        time += sum(float(problem.duration[a, b]) for a, b in itertools.pairwise(locs))
        time += sum(s.service for s in stops)
    if obj.mode == "cost":
        penalties = ev.cost - obj.per_km * ev.distance - obj.per_vehicle * ev.vehicles
        return 0, obj.per_km * time + obj.per_vehicle * ev.vehicles + penalties
    return ev.vehicles, time + ev.cost - ev.distance


def test_the_instances_tell_distance_from_travel_time() -> None:
    """The plan that is best when routes are priced by travel time plus service is worse by
    evaluate than the optimum on every case (so that bug fails here)."""
    worse = 0
    for name, case in CASES.items():
        problem = make_problem(case)
        feasible = [p for p in all_plans(problem) if evaluate(problem, p).feasible]
        wrong = min(feasible, key=lambda p, problem=problem: travel_plus_service_cost(problem, p))
        worse += key(problem, wrong) > key_of(problem, OPTIMUM[name])
    assert worse == len(CASES)


def key_of(problem: Problem, optimum: tuple[int, float]) -> tuple[int, float]:
    """:func:`key` of a recorded optimum (vehicles, cost)."""
    hierarchical = problem.objective.mode == "vehicles_then_distance"
    return (optimum[0] if hierarchical else 0, optimum[1])


@pytest.mark.parametrize("engine", ["pyvrp", "ortools", "portfolio"])
@pytest.mark.parametrize("name", CASES)
def test_engine_finds_the_optimum(name: str, engine: str) -> None:
    """Each engine's plan is feasible and costs exactly the enumerated optimum (the portfolio
    with two searches in two processes, which it would not start for so few stops)."""
    problem = make_problem(CASES[name])
    workers = 2 if engine == "portfolio" else 1
    sol = solve(problem, SolveParams(engine=engine, time_limit=1.0, workers=workers))
    check = evaluate(problem, sol)
    assert check.feasible, [v.message for v in check.violations]
    vehicles, cost = key_of(problem, OPTIMUM[name])
    assert key(problem, sol) == (vehicles, pytest.approx(cost))
