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
from dataclasses import replace

import numpy as np

from planner.placement.bounds import capacity_bound
from planner.placement.decompose import WeekByWeek, decomposed, rolling_horizon
from planner.placement.diagnose import diagnose, precheck
from planner.placement.errors import PlacementInfeasibleError
from planner.placement.mip import relative_gap, solve_mip
from planner.placement.model import OutOfTime, build_model, demand_groups
from planner.placement.plan import track_units
from planner.placement.problem import PlacementProblem, PlacementSolution, SolveParams
from planner.placement.progress import ProgressCallback, scaled


def solve(
    problem: PlacementProblem,
    params: SolveParams | None = None,
    on_progress: ProgressCallback | None = None,
    *,
    deadline: float | None = None,
) -> PlacementSolution:
    """Place the units week by week. Raises :class:`PlacementInfeasibleError` naming the
    constraints that cannot be met; a time limit returns the best plan found and its gap.

    Every stage shares one deadline: ``deadline`` (a ``time.perf_counter()`` value, e.g. set
    by a caller whose own work counts against the limit) or ``params.time_limit_s`` from now.
    A stage that meets the deadline returns what it has (a week left to its capacity bound,
    weeks placed by :func:`~planner.placement.decompose.quick_week`, the full model not
    built), and the solution says so (``time_limited``, ``message``)."""
    params = params or SolveParams()
    precheck(problem)
    started = time.perf_counter()
    if deadline is None:
        deadline = started + params.time_limit_s
    multi_week = len(problem.weeks) > 1 and problem.equity != "maximin"
    size = model_size(problem)
    if multi_week and size > params.max_full_model_size:
        # Too large for HiGHS to return within the limit (its root LP alone can overrun it).
        plan = decomposed(problem, params, on_progress, deadline)
        if plan is None:
            return PlacementSolution(
                status="NO_SOLUTION",
                unit_sites=(),
                seconds=time.perf_counter() - started,
                message="no plan found week by week that meets the region contracts (the full "
                f"model, {size:,} served-patient variables, is too large to try instead)",
            )
        counts, objective, bound, how, limited = plan
        return PlacementSolution(
            status="FEASIBLE",
            unit_sites=track_units(problem, counts),
            objective=objective,
            bound=bound,
            gap=relative_gap(objective, bound),
            seconds=time.perf_counter() - started,
            message=how,
            time_limited=limited,
        )
    warm = None
    if multi_week:
        # HiGHS's own primal heuristics struggle on the full horizon, and it ignores MathOpt
        # solution hints, so a quick week-by-week plan is kept as the fallback incumbent.
        warm = rolling_horizon(
            problem,
            params,
            started + (deadline - started) * params.warm_start_share,
            scaled(on_progress, 0.0, params.warm_start_share),
        )
    return _full_model(problem, params, on_progress, started, deadline, warm)


def _full_model(
    problem: PlacementProblem,
    params: SolveParams,
    on_progress: ProgressCallback | None,
    started: float,
    deadline: float,
    warm: WeekByWeek | None,
) -> PlacementSolution:
    """The whole horizon as one MIP; the week-by-week plan ``warm`` wins when it is better,
    and stands alone when the deadline passes while the model is being built."""
    try:
        # building is Python and may take longer than the limit (it stops at the deadline);
        # with a plan in hand, HiGHS is left half a second at least
        built = build_model(problem, params, deadline=deadline - 0.5 if warm else deadline)
    except OutOfTime:
        if warm is None:  # every week placed by the quick rule (the deadline has passed)
            warm = rolling_horizon(problem, params, time.perf_counter(), None)
        if warm is None:
            return PlacementSolution(
                status="NO_SOLUTION",
                unit_sites=(),
                seconds=time.perf_counter() - started,
                message=f"no plan found within {params.time_limit_s:g} s",
                time_limited=True,
            )
        return _warm_solution(problem, params, started, warm, "full model not built in time")
    # after building; HiGHS overruns its limit on this model (measured 3.1 s over 20.7 s on the
    # demo: the root LP is not interrupted), so it is asked for a little less
    remaining = max(0.85 * (deadline - time.perf_counter()), 1.0)
    outcome = solve_mip(
        built.model,
        time_limit_s=remaining,
        relative_gap_tolerance=params.relative_gap,
        on_progress=scaled(on_progress, params.warm_start_share if warm else 0.0, 1.0),
        label="placing units",
    )
    seconds = time.perf_counter() - started
    if outcome.status == "INFEASIBLE":
        # the diagnosis (an elastic solve) gets what is left of the time, a second at least
        left = max(deadline - time.perf_counter(), 1.0)
        raise PlacementInfeasibleError(diagnose(problem, replace(params, time_limit_s=left)))
    counts: np.ndarray | None = None
    objective: float | None = None
    if outcome.has_solution:
        values = outcome.result.variable_values()
        counts = np.zeros((len(problem.weeks), len(problem.sites)), dtype=int)
        for (s, w), var in built.y.items():
            counts[w, s] = round(values[var])
        objective = outcome.objective
    if warm is not None and (objective is None or warm.objective > objective + 1e-6):
        # the week-by-week plan is better than what HiGHS found
        counts, objective = warm.counts, warm.objective
    if counts is None:
        return PlacementSolution(
            status=outcome.status,
            unit_sites=(),
            seconds=seconds,
            bound=outcome.bound,
            message=f"no plan found within {params.time_limit_s:g} s",
            time_limited=True,
        )
    gap = relative_gap(objective, outcome.bound)
    status = "OPTIMAL" if gap is not None and gap <= max(params.relative_gap, 1e-9) else "FEASIBLE"
    quick = warm.quick_weeks if warm is not None and counts is warm.counts else 0
    return PlacementSolution(
        status=status,
        unit_sites=track_units(problem, counts),
        objective=objective,
        bound=outcome.bound,
        gap=gap,
        seconds=seconds,
        message=_limit_note(len(problem.weeks), quick) if quick else "",
        time_limited=status != "OPTIMAL",
    )


def _warm_solution(
    problem: PlacementProblem,
    params: SolveParams,
    started: float,
    warm: WeekByWeek,
    why: str,
) -> PlacementSolution:
    """The week-by-week plan on its own, stopped by the time limit (no bound: no full model)."""
    notes = [why] + (
        [_limit_note(len(problem.weeks), warm.quick_weeks)] if warm.quick_weeks else []
    )
    return PlacementSolution(
        status="FEASIBLE",
        unit_sites=track_units(problem, warm.counts),
        objective=warm.objective,
        bound=capacity_bound(problem),
        gap=relative_gap(warm.objective, capacity_bound(problem)),
        seconds=time.perf_counter() - started,
        message=f"planned week by week; time limit {params.time_limit_s:g} s reached: "
        + ", ".join(notes),
        time_limited=True,
    )


def _limit_note(weeks: int, quick: int) -> str:
    return f"{quick} of {weeks} weeks placed by the quick rule"


def model_size(problem: PlacementProblem) -> int:
    """Number of served-patient variables of the full model (what makes it large)."""
    groups, _, demand = demand_groups(problem)
    reach = problem.reach
    per_group = np.array([reach[:, g[0]].sum() for g in groups]) if groups else np.zeros(0)
    return int(((demand > 0) * per_group[:, None]).sum()) if groups else 0
