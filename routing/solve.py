""":func:`solve`: the one entry point of the routing engines.

``solve(problem, params, on_progress=None) -> Solution`` is pure (no I/O, no globals) and
never raises for an infeasible instance. It answers an empty problem itself and hands the
rest to the engine ``params.engine`` names in :data:`ENGINES`: ``"portfolio"``
(:mod:`routing.portfolio`, PyVRP searches side by side where that pays, the default),
``"pyvrp"`` (:mod:`routing.pyvrp_engine`, one search) or ``"ortools"``
(:mod:`routing.ortools_engine`, several workers side by side when ``params.workers > 1``). A new engine is a module with the
same ``solve(problem, params, on_progress)`` and an entry here; :func:`routing.kpi.evaluate`
judges every engine's plan.
"""

from __future__ import annotations

import dataclasses
import time
from collections.abc import Callable

from routing import portfolio, pyvrp_engine
from routing.kpi import with_status
from routing.params import ProgressCallback, SolveParams
from routing.problem import Problem
from routing.solution import Solution

#: An engine: ``solve(problem, params, on_progress)`` on a problem with stops and vehicles.
Engine = Callable[[Problem, SolveParams, ProgressCallback | None], Solution]

#: The engines by name (the values of ``SolveParams.engine``).
ENGINES: dict[str, Engine] = {
    "pyvrp": pyvrp_engine.solve,
    "ortools": portfolio.ortools_workers,
    "portfolio": portfolio.solve,
}

#: The settings :func:`solve` uses when given none.
DEFAULT_PARAMS = SolveParams()

#: The engine :func:`solve` runs by default.
DEFAULT_ENGINE = DEFAULT_PARAMS.engine


def solve(
    problem: Problem,
    params: SolveParams = DEFAULT_PARAMS,
    *,
    on_progress: ProgressCallback | None = None,
) -> Solution:
    """The best plan found within ``params.time_limit`` seconds (see :class:`SolveParams`).

    Never raises for an infeasible instance: stops that cannot be served are dropped (named in
    :attr:`Solution.dropped`) and ``status`` says ``"infeasible"`` when a mandatory one is.
    ``on_progress(fraction, message)`` is called as the engine goes.
    """
    if not problem.stops or not problem.vehicles:
        t0 = time.monotonic()
        sol = with_status(problem, Solution((), tuple(s.id for s in problem.stops)))
        return dataclasses.replace(sol, seconds=time.monotonic() - t0)
    return ENGINES[params.engine](problem, params, on_progress)
