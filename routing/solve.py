""":func:`solve`: the one entry point of the routing engines.

``solve(problem, params, on_progress=None) -> Solution`` is pure (no I/O, no globals) and
never raises for an infeasible instance. It handles what every engine shares (an empty
problem, ``params.workers`` searches side by side) and hands the rest to an engine module
from :data:`ENGINES`. There is one engine, OR-Tools (:mod:`routing.ortools_engine`); a second
one is a module with the same ``solve(problem, params, on_progress)`` and an entry in
:data:`ENGINES`, chosen by a field of :class:`~routing.params.SolveParams`.
"""

from __future__ import annotations

import dataclasses
import multiprocessing
import time
from collections.abc import Callable
from concurrent.futures import ProcessPoolExecutor

from routing import ortools_engine
from routing.kpi import evaluate, with_status
from routing.params import ProgressCallback, SolveParams
from routing.problem import Problem
from routing.solution import Solution

#: An engine: ``solve(problem, params, on_progress)`` on a problem with stops and vehicles.
Engine = Callable[[Problem, SolveParams, ProgressCallback | None], Solution]

#: The engines by name.
ENGINES: dict[str, Engine] = {"ortools": ortools_engine.solve}

#: The engine :func:`solve` runs.
DEFAULT_ENGINE = "ortools"

#: The settings :func:`solve` uses when given none.
DEFAULT_PARAMS = SolveParams()

#: Seconds a forked worker needs to start and hand its plan back (taken off its time limit).
WORKER_OVERHEAD_S = 0.15


def solve(
    problem: Problem,
    params: SolveParams = DEFAULT_PARAMS,
    *,
    on_progress: ProgressCallback | None = None,
) -> Solution:
    """The best plan found within ``params.time_limit`` seconds (see :class:`SolveParams`).

    Never raises for an infeasible instance: stops that cannot be served are dropped (named in
    :attr:`Solution.dropped`) and ``status`` says ``"infeasible"`` when a mandatory one is.
    ``on_progress(fraction, message)`` is called between phases. The engine's phases are
    described in :mod:`routing.ortools_engine`.
    """
    if params.workers > 1 and problem.stops and problem.vehicles:
        return _portfolio(problem, params, on_progress)
    if not problem.stops or not problem.vehicles:
        t0 = time.monotonic()
        sol = with_status(problem, Solution((), tuple(s.id for s in problem.stops)))
        return dataclasses.replace(sol, seconds=time.monotonic() - t0)
    return ENGINES[DEFAULT_ENGINE](problem, params, on_progress)


def _portfolio(
    problem: Problem, params: SolveParams, on_progress: ProgressCallback | None
) -> Solution:
    """``params.workers`` diverse searches in forked processes; the best plan by (feasible,
    fewest mandatory stops dropped, vehicles in hierarchical mode, objective)."""
    t0 = time.monotonic()
    strategies = (params.first_solution, *params.also_try)
    variants = []
    for k in range(params.workers):
        order = strategies[k % len(strategies) :] + strategies[: k % len(strategies)]
        variants.append(
            dataclasses.replace(
                params,
                workers=1,
                seed=params.seed + k,
                first_solution=order[0],
                also_try=order[1:],
                time_limit=max(params.time_limit - WORKER_OVERHEAD_S, 0.05),
            )
        )
    report = on_progress or (lambda fraction, message: None)
    report(0.0, f"{params.workers} searches side by side")
    context = multiprocessing.get_context(
        "fork" if "fork" in multiprocessing.get_all_start_methods() else "spawn"
    )
    with ProcessPoolExecutor(max_workers=params.workers, mp_context=context) as pool:
        plans = list(pool.map(solve, [problem] * len(variants), variants))
    hierarchical = problem.objective.mode == "vehicles_then_distance"

    index = problem.stop_index

    def rank(sol: Solution) -> tuple[int, int, int, float]:
        ev = evaluate(problem, sol)
        mandatory = sum(1 for i in sol.dropped if problem.stops[index[i]].drop_penalty is None)
        return (
            0 if ev.feasible else 1,
            mandatory,
            sol.vehicles_used if hierarchical else 0,
            ev.cost,
        )

    best = min(plans, key=rank)
    log = tuple(f"worker {k}: {line}" for k, sol in enumerate(plans) for line in sol.log)
    report(1.0, "done")
    return dataclasses.replace(best, seconds=time.monotonic() - t0, log=log)
