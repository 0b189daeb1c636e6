"""The OR-Tools engine: three search phases on :mod:`routing.ortools_model`, one Solution.

Phases: (1) :func:`first_solution` on the whole fleet (``first_solution`` strategy and each of
``also_try``, then the metaheuristic for ``first_share`` of the time); in
``vehicles_then_distance`` mode (2) :func:`eliminate_routes`: drop the route with the fewest
stops and re-solve on one vehicle fewer, warm-started from the previous plan
(``ReadAssignmentFromRoutes``), every stop optional at a penalty above any distance, stopping
as soon as all are back in; (3) :func:`minimise_distance`: the metaheuristic on distance at
the fleet size reached. In ``cost`` mode phase 1 takes the whole time.

Plans are compared by :func:`plan_key`: (mandatory stops dropped, vehicles in hierarchical
mode, integer cost). The engine is called by :func:`routing.solve.solve` with at least one
stop and one vehicle.
"""

from __future__ import annotations

import dataclasses
import time

import numpy as np

from routing.kpi import schedule, with_status
from routing.ortools_model import ScaledProblem, Search, run_search
from routing.params import ProgressCallback, SolveParams
from routing.problem import Problem
from routing.solution import Solution

Routes = dict[int, list[int]]


class _Clock:
    """The solve's time budget, its log lines and its progress reports."""

    def __init__(self, params: SolveParams, on_progress: ProgressCallback | None) -> None:
        self.t0 = time.monotonic()
        self.deadline = self.t0 + params.time_limit
        self.time_limit = params.time_limit
        self.log: list[str] = []
        self.report: ProgressCallback = on_progress or (lambda fraction, message: None)

    def elapsed(self) -> float:
        return time.monotonic() - self.t0

    def left(self) -> float:
        return self.deadline - time.monotonic()

    def note(self, message: str) -> None:
        self.log.append(f"{self.elapsed():5.2f}s {message}")

    def progress(self, message: str) -> None:
        self.report(self.elapsed() / self.time_limit, message)


def solve(
    problem: Problem, params: SolveParams, on_progress: ProgressCallback | None = None
) -> Solution:
    """The best plan the three phases find within ``params.time_limit`` seconds."""
    clock = _Clock(params, on_progress)
    ints = ScaledProblem(problem, params.scale)
    hierarchical = problem.objective.mode == "vehicles_then_distance"
    clock.report(0.0, "first solution")
    best = first_solution(ints, params, clock, hierarchical)
    if hierarchical:
        best = eliminate_routes(ints, params, clock, best)
        if clock.left() > 0.05:
            best = minimise_distance(ints, params, clock, best)
    clock.report(1.0, "done")
    return to_solution(problem, best, clock.elapsed(), tuple(clock.log))


def first_solution(
    ints: ScaledProblem, params: SolveParams, clock: _Clock, hierarchical: bool
) -> Routes:
    """Phase 1: a first solution on the whole fleet by each strategy in turn, improved briefly;
    the best kept (every stop dropped if no strategy finds one)."""
    vehicles = list(range(len(ints.problem.vehicles)))
    budget = params.time_limit * (params.first_share if hierarchical else 1.0)
    strategies = (params.first_solution, *params.also_try)
    best: Routes = {v: [] for v in vehicles}
    for k, strategy in enumerate(strategies):
        share = (budget - clock.elapsed()) / (len(strategies) - k)
        search = Search(
            share,
            lns=params.lns == "all",
            fixed=ints.vehicle_m if hierarchical and params.fleet_cost else 0,
        )
        routes = run_search(
            ints, dataclasses.replace(params, first_solution=strategy), vehicles, search
        )
        if routes is not None and (k == 0 or plan_key(ints, routes) < plan_key(ints, best)):
            best = routes
        clock.note(f"first ({strategy}): {describe(ints, routes) if routes else 'none'}")
    return best


def eliminate_routes(
    ints: ScaledProblem, params: SolveParams, clock: _Clock, best: Routes
) -> Routes:
    """Phase 2 (fewest vehicles): remove the route with the fewest stops (ties by seed; after a
    failure the next one) until ``max_failures`` attempts in a row fail or time runs out."""
    vehicles = list(range(len(ints.problem.vehicles)))
    end_elim = clock.t0 + params.time_limit * (params.first_share + params.eliminate_share)
    failures = 0
    rng = np.random.default_rng(params.seed)
    while (
        time.monotonic() < end_elim - 0.05
        and failures < params.max_failures
        and not dropped_mandatory(ints, best)
    ):
        used = [v for v in vehicles if best.get(v)]
        if len(used) <= 1:
            break
        order = sorted(used, key=lambda v: (len(best[v]), rng.random()))
        victim = order[min(failures, len(order) - 1)]
        keep = [v for v in used if v != victim]
        clock.progress(f"{len(used) - 1} vehicles?")
        attempt = min(
            end_elim - time.monotonic(), max(0.1, params.attempt_share * params.time_limit)
        )
        search = Search(
            attempt,
            start={v: best[v] for v in keep},
            stop_when_complete=True,
            lns=params.lns in ("eliminate", "all"),
        )
        trial = run_search(ints, params, keep, search)
        if trial is not None and not dropped_mandatory(ints, trial):
            best = trial
            failures = 0
            clock.note(f"eliminated a route: {describe(ints, best)}")
        else:
            failures += 1
            clock.note(f"could not remove a route of {len(best[victim])} stops")
    return best


def minimise_distance(
    ints: ScaledProblem, params: SolveParams, clock: _Clock, best: Routes
) -> Routes:
    """Phase 3: distance at the fleet size reached (on the whole fleet while mandatory stops
    are still out), kept only when it is no worse."""
    clock.progress("distance")
    vehicles = list(range(len(ints.problem.vehicles)))
    used = [v for v in vehicles if best.get(v) or dropped_mandatory(ints, best)]
    search = Search(clock.left(), start={v: best[v] for v in used}, lns=params.lns == "all")
    trial = run_search(ints, params, used, search)
    if trial is not None and plan_key(ints, trial) <= plan_key(ints, best):
        best = trial
    clock.note(f"distance: {describe(ints, best)}")
    return best


def to_solution(problem: Problem, routes: Routes, seconds: float, log: tuple[str, ...]) -> Solution:
    """The used routes scheduled, the stops on no route dropped, the status evaluated."""
    out = []
    for v in sorted(routes):
        if routes[v]:
            out.append(schedule(problem, v, [problem.stops[s].id for s in routes[v]]))
    served = {s for r in routes.values() for s in r}
    dropped = tuple(s.id for i, s in enumerate(problem.stops) if i not in served)
    return with_status(problem, Solution(tuple(out), dropped, "unknown", seconds, log))


def dropped_mandatory(ints: ScaledProblem, routes: Routes) -> int:
    """Number of mandatory stops not on a route."""
    served = {s for r in routes.values() for s in r}
    return sum(1 for s in ints.mandatory if s not in served)


def plan_key(ints: ScaledProblem, routes: Routes) -> tuple[int, int, int]:
    """(mandatory dropped, vehicles, scaled cost) - smaller is better."""
    used = sum(1 for r in routes.values() if r)
    cost = ints.route_cost(routes)
    if ints.problem.objective.mode == "cost":
        return (dropped_mandatory(ints, routes), 0, cost)
    return (dropped_mandatory(ints, routes), used, cost)


def describe(ints: ScaledProblem, routes: Routes) -> str:
    """A log line's summary of a plan."""
    d, _, cost = plan_key(ints, routes)
    used = sum(1 for r in routes.values() if r)
    return f"{used} vehicles, cost {cost / ints.scale:.2f}, {d} mandatory dropped"
