"""Searches side by side: the ``"portfolio"`` engine and OR-Tools' ``workers``.

The machine has more cores than one search uses (PyVRP and OR-Tools routing each use one),
and repeat runs of one search with other seeds differ by a few percent on hard instances. So
:func:`solve` runs ``max(2, params.workers)`` PyVRP searches with seeds ``seed, seed + 1, ...``
in forked processes (when that pays, :func:`pays`) and keeps the best plan by :func:`rank`, which asks
:func:`routing.kpi.evaluate` (feasible first, then fewest mandatory stops dropped, fewest
vehicles in ``vehicles_then_distance`` mode, then the objective). :func:`side_by_side` is the
machinery, also used for ``SolveParams(engine="ortools", workers=k)``.
"""

from __future__ import annotations

import dataclasses
import multiprocessing
import time
from collections.abc import Callable, Sequence
from concurrent.futures import ProcessPoolExecutor

from routing import pyvrp_engine
from routing.kpi import evaluate
from routing.params import ProgressCallback, SolveParams
from routing.problem import Problem
from routing.solution import Solution

#: The shortest time limit for which the portfolio starts a second search (see :func:`pays`).
MIN_SECONDS = 2.0

#: Seconds a forked worker needs to start and hand its plan back (taken off its time limit).
WORKER_OVERHEAD_S = 0.15

#: A search run in a worker: ``solve(problem, params)`` (module-level, so it can be pickled).
Search = Callable[[Problem, SolveParams], Solution]


def solve(
    problem: Problem, params: SolveParams, on_progress: ProgressCallback | None = None
) -> Solution:
    """The best of ``max(2, params.workers)`` PyVRP searches with consecutive seeds; with the
    default ``workers=1``, one search in this process when side by side does not pay (see
    :func:`pays`)."""
    from routing.solve import solve as dispatch

    if params.workers <= 1 and not pays(problem, params):
        return pyvrp_engine.solve(problem, params, on_progress)
    variants = [
        params.replace(engine="pyvrp", seed=params.seed + k, workers=1)
        for k in range(max(2, params.workers))
    ]
    return side_by_side(problem, variants, dispatch, on_progress)


def pays(problem: Problem, params: SolveParams) -> bool:
    """Whether a second search is worth its process: not for instances that stop early on
    their own (up to :data:`routing.pyvrp_engine.SMALL` stops, solved in well under a second)
    nor for a time limit under :data:`MIN_SECONDS` (starting a worker takes a good part of it;
    the planner's day routes get a fraction of a second each)."""
    return len(problem.stops) > pyvrp_engine.SMALL and params.time_limit >= MIN_SECONDS


def ortools_workers(
    problem: Problem, params: SolveParams, on_progress: ProgressCallback | None = None
) -> Solution:
    """``params.workers`` OR-Tools searches: worker k with ``seed + k`` and the k-th strategy
    of ``(first_solution, *also_try)`` first (one worker: the search in this process)."""
    from routing import ortools_engine
    from routing.solve import solve as dispatch

    if params.workers <= 1:
        return ortools_engine.solve(problem, params, on_progress)
    strategies = (params.first_solution, *params.also_try)
    variants = []
    for k in range(params.workers):
        order = strategies[k % len(strategies) :] + strategies[: k % len(strategies)]
        variants.append(
            params.replace(
                workers=1, seed=params.seed + k, first_solution=order[0], also_try=order[1:]
            )
        )
    return side_by_side(problem, variants, dispatch, on_progress)


def side_by_side(
    problem: Problem,
    variants: Sequence[SolveParams],
    run: Search,
    on_progress: ProgressCallback | None = None,
) -> Solution:
    """``run(problem, v)`` for every variant ``v``, each in its own forked process with
    :data:`WORKER_OVERHEAD_S` off its time limit; the best plan by :func:`rank`, its log lines
    prefixed by the worker's number."""
    t0 = time.monotonic()
    variants = [v.replace(time_limit=max(v.time_limit - WORKER_OVERHEAD_S, 0.05)) for v in variants]
    report = on_progress or (lambda fraction, message: None)
    report(0.0, f"{len(variants)} searches side by side")
    context = multiprocessing.get_context(
        "fork" if "fork" in multiprocessing.get_all_start_methods() else "spawn"
    )
    with ProcessPoolExecutor(max_workers=len(variants), mp_context=context) as pool:
        plans = list(pool.map(run, [problem] * len(variants), variants))
    best = min(plans, key=lambda sol: rank(problem, sol))
    log = tuple(f"worker {k}: {line}" for k, sol in enumerate(plans) for line in sol.log)
    report(1.0, "done")
    return dataclasses.replace(best, seconds=time.monotonic() - t0, log=log)


def rank(problem: Problem, sol: Solution) -> tuple[int, int, int, float]:
    """(infeasible, mandatory stops dropped, vehicles in ``vehicles_then_distance`` mode,
    cost by :func:`evaluate`): smaller is better."""
    ev = evaluate(problem, sol)
    index = problem.stop_index
    mandatory = sum(1 for i in ev.dropped if problem.stops[index[i]].drop_penalty is None)
    hierarchical = problem.objective.mode == "vehicles_then_distance"
    return (0 if ev.feasible else 1, mandatory, ev.vehicles if hierarchical else 0, ev.cost)
