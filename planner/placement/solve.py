"""``solve(problem, params, on_progress=None) -> PlacementSolution``: the entry point.

Two paths, chosen by the size of the full model (:func:`model_size`):

- the full multi-period MIP (:mod:`planner.placement.model`) solved by HiGHS, with a
  week-by-week plan (:func:`~planner.placement.decompose.rolling_horizon`) kept as the fallback
  incumbent;
- above ``params.max_full_model_size`` served-patient variables, the decomposition of
  :mod:`planner.placement.decompose`, bounded by :mod:`planner.placement.bounds`.

Infeasible problems raise :class:`~planner.placement.errors.PlacementInfeasibleError` with the
constraints named (:mod:`planner.placement.diagnose`). MathOpt objects never leave this call.
"""

from __future__ import annotations

import time

import numpy as np

from planner.placement.decompose import decomposed, rolling_horizon
from planner.placement.diagnose import diagnose, precheck
from planner.placement.errors import PlacementInfeasibleError
from planner.placement.mip import relative_gap, solve_mip
from planner.placement.model import build_model, demand_groups
from planner.placement.plan import track_units
from planner.placement.problem import PlacementProblem, PlacementSolution, SolveParams
from planner.placement.progress import ProgressCallback, scaled


def solve(
    problem: PlacementProblem,
    params: SolveParams | None = None,
    on_progress: ProgressCallback | None = None,
) -> PlacementSolution:
    """Place the units week by week. Raises :class:`PlacementInfeasibleError` naming the
    constraints that cannot be met; a time limit returns the best plan found and its gap."""
    params = params or SolveParams()
    precheck(problem)
    started = time.perf_counter()
    multi_week = len(problem.weeks) > 1 and problem.equity != "maximin"
    if multi_week and model_size(problem) > params.max_full_model_size:
        # Too large for HiGHS to return within the limit (its root LP alone can overrun it).
        plan = decomposed(problem, params, on_progress)
        if plan is not None:
            counts, objective, bound, how = plan
            return PlacementSolution(
                status="FEASIBLE",
                unit_sites=track_units(problem, counts),
                objective=objective,
                bound=bound,
                gap=relative_gap(objective, bound),
                seconds=time.perf_counter() - started,
                message=how,
            )
    warm = None
    if multi_week:
        # HiGHS's own primal heuristics struggle on the full horizon, and it ignores MathOpt
        # solution hints, so a quick week-by-week plan is kept as the fallback incumbent.
        budget = params.time_limit_s * params.warm_start_share
        warm = rolling_horizon(
            problem, params, budget, scaled(on_progress, 0.0, params.warm_start_share)
        )
    return _full_model(problem, params, on_progress, started, warm)


def _full_model(
    problem: PlacementProblem,
    params: SolveParams,
    on_progress: ProgressCallback | None,
    started: float,
    warm: tuple[np.ndarray, float] | None,
) -> PlacementSolution:
    """The whole horizon as one MIP; the week-by-week plan ``warm`` wins when it is better."""
    built = build_model(problem, params)
    # after building; HiGHS overruns its limit on this model (measured 3.1 s over 20.7 s on the
    # demo: the root LP is not interrupted), so it is asked for a little less
    remaining = max(0.85 * (params.time_limit_s - (time.perf_counter() - started)), 1.0)
    outcome = solve_mip(
        built.model,
        time_limit_s=remaining,
        relative_gap_tolerance=params.relative_gap,
        on_progress=scaled(on_progress, params.warm_start_share if warm else 0.0, 1.0),
        label="placing units",
    )
    seconds = time.perf_counter() - started
    if outcome.status == "INFEASIBLE":
        raise PlacementInfeasibleError(diagnose(problem, params))
    counts: np.ndarray | None = None
    objective: float | None = None
    if outcome.has_solution:
        values = outcome.result.variable_values()
        counts = np.zeros((len(problem.weeks), len(problem.sites)), dtype=int)
        for (s, w), var in built.y.items():
            counts[w, s] = round(values[var])
        objective = outcome.objective
    if warm is not None and (objective is None or warm[1] > objective + 1e-6):
        counts, objective = warm  # the week-by-week plan is better than what HiGHS found
    if counts is None:
        return PlacementSolution(
            status=outcome.status,
            unit_sites=(),
            seconds=seconds,
            bound=outcome.bound,
            message=f"no plan found within {params.time_limit_s:g} s",
        )
    gap = relative_gap(objective, outcome.bound)
    status = "OPTIMAL" if gap is not None and gap <= max(params.relative_gap, 1e-9) else "FEASIBLE"
    return PlacementSolution(
        status=status,
        unit_sites=track_units(problem, counts),
        objective=objective,
        bound=outcome.bound,
        gap=gap,
        seconds=seconds,
    )


def model_size(problem: PlacementProblem) -> int:
    """Number of served-patient variables of the full model (what makes it large)."""
    groups, _, demand = demand_groups(problem)
    reach = problem.reach
    per_group = np.array([reach[:, g[0]].sum() for g in groups]) if groups else np.zeros(0)
    return int(((demand > 0) * per_group[:, None]).sum()) if groups else 0
