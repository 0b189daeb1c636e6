"""The plan for horizons too large for one MIP, and the week-by-week plan both paths use.

:func:`decomposed` bounds every week on its own (:mod:`planner.placement.bounds`), keeps a
shortlist of sites, plans week by week on it (:func:`rolling_horizon`), polishes each week with
its neighbours fixed (:func:`polish`) and, without minimum stays or contracts, recombines the
plan with the weeks' own best placements (:func:`relink`).
"""

from __future__ import annotations

import time
from dataclasses import dataclass

import numpy as np

from planner.placement.bounds import (
    RegionalBounds,
    WeeklyRelaxation,
    capacity_bound,
    weekly_relaxation,
)
from planner.placement.mip import solve_mip
from planner.placement.model import build_model
from planner.placement.plan import plan_value, relocation_cost, site_ids, track_units
from planner.placement.problem import PlacementProblem, SolveParams
from planner.placement.progress import ProgressCallback, scaled
from planner.placement.regions import full_coverage, greedy_week
from planner.placement.search import best_path, improve_plan, transition_cost


def candidate_sites(problem: PlacementProblem, weekly: np.ndarray, neighbours: int) -> np.ndarray:
    """Sites worth keeping in the coupled model: every site a week's own best plan uses, its
    nearest sites (to stay or move to instead), the initial sites and, for each contracted
    county, its sites that reach the most demand."""
    minutes = problem.site_site_minutes
    keep = set(np.flatnonzero(weekly.sum(axis=0) > 0).tolist())
    for s in list(keep):
        order = [int(t) for t in np.argsort(minutes[s], kind="stable") if t != s]
        keep.update(order[:neighbours])
    if problem.initial_sites is not None:
        keep.update(problem.site_index(s) for s in problem.initial_sites)
    reach_demand = problem.reach.astype(float) @ problem.unit_demand.sum(axis=1)
    for contract in problem.region_contracts:
        in_county = [
            s for s, site in enumerate(problem.sites) if site.county_code == contract.county_code
        ]
        keep.update(sorted(in_county, key=lambda s: -reach_demand[s])[: max(3, neighbours)])
    return np.array(sorted(keep), dtype=int)


def restrict(problem: PlacementProblem, sites: np.ndarray) -> PlacementProblem:
    """The same problem with only ``sites`` as candidates."""
    return problem.replace(
        sites=tuple(problem.sites[s] for s in sites),
        site_point_minutes=problem.site_point_minutes[sites],
        site_site_minutes=problem.site_site_minutes[np.ix_(sites, sites)],
        site_site_km=problem.site_site_km[np.ix_(sites, sites)],
    )


@dataclass(frozen=True)
class WeekByWeek:
    """A plan built one week at a time: units per site and week, its objective (served value
    minus direct relocation costs), and how many weeks the deadline left to :func:`quick_week`."""

    counts: np.ndarray  # (W, S)
    objective: float
    quick_weeks: int = 0


def decomposed(
    problem: PlacementProblem,
    params: SolveParams,
    on_progress: ProgressCallback | None,
    deadline: float,
) -> tuple[np.ndarray, float, float, str, bool] | None:
    """For horizons too large for one MIP: every week on its own first (a bound, and the sites
    worth considering), then the plan week by week on that shortlist, polished, and (without
    minimum stays or contracts) recombined with the weeks' own best placements
    (:func:`relink`), while a spare process bounds the weeks HiGHS left open region by region
    (:class:`RegionalBounds`). Every stage stops at its share of the time up to ``deadline``
    (a ``time.perf_counter()`` value). Returns (counts (W, S), objective, bound, how,
    time_limited) or None; ``time_limited`` says the deadline cut a stage short (weeks left
    without their own bound, or placed by :func:`quick_week`), and ``how`` says which.

    The objective is served value minus direct relocation costs, the bound the sum of the
    weekly relaxations' bounds (capped by the fleet-capacity bound).
    """
    started = time.perf_counter()
    share = params.decomposition_bound_share
    # model building and HiGHS overrun a little
    deadline = started + max(deadline - started, 0.0) * 0.93
    relaxation = weekly_relaxation(
        problem,
        params,
        started + (deadline - started) * share,
        scaled(on_progress, 0.0, share),
    )
    keep = candidate_sites(problem, relaxation.counts, params.shortlist_neighbours)
    rest = scaled(on_progress, share, 1.0)
    # the spare core bounds the weeks HiGHS left open, region by region
    regional = (
        RegionalBounds.start(problem, relaxation, deadline, workers=params.regional_workers)
        if params.threads > 1
        else None
    )
    searchable = problem.min_stay_weeks == 1 and not problem.region_contracts
    plan: tuple[np.ndarray, float] | None = None
    quick = 0
    try:
        if not len(keep):  # no week had time for its own placement: keep every site
            keep = np.arange(len(problem.sites))
        small = restrict(problem, keep)
        served = np.zeros(len(problem.weeks))
        # most of the time week by week; then a polish with HiGHS, then the unit-week search
        until = time.perf_counter() + 0.6 * (deadline - time.perf_counter())
        week_by_week = rolling_horizon(small, params, until, rest, served)
        how = (
            f"planned week by week on {len(keep)} shortlisted sites; bound from weekly relaxations"
        )
        if week_by_week is not None:
            quick = week_by_week.quick_weeks
            polish_until = (
                deadline - 0.6 * (deadline - time.perf_counter()) if searchable else deadline
            )
            polished, _ = polish(small, params, week_by_week.counts, served, polish_until)
            counts = np.zeros((len(problem.weeks), len(problem.sites)), dtype=int)
            counts[:, keep] = polished
            if searchable:
                counts = relink(problem, counts, relaxation, regional, deadline)
            plan = counts, plan_value(problem, counts)
        else:  # the shortlist cannot meet the contracts: every site, week by week
            week_by_week = rolling_horizon(problem, params, deadline, rest)
            how = "planned week by week; bound from weekly relaxations"
            if week_by_week is not None:
                plan, quick = (
                    (week_by_week.counts, week_by_week.objective),
                    week_by_week.quick_weeks,
                )
    finally:
        if regional is not None:
            regional.collect(relaxation)
            regional.stop()
    if regional is not None and regional.sent:
        how += f" ({regional.sent} weeks bounded region by region)"
    if plan is None:
        return None
    W = len(problem.weeks)
    cut = [
        f"{relaxation.skipped} of {W} weeks without their own bound" if relaxation.skipped else "",
        f"{quick} of {W} weeks placed by the quick rule" if quick else "",
    ]
    limited = any(cut)
    if limited:
        how += "; time limit reached: " + ", ".join(c for c in cut if c)
    return plan[0], plan[1], min(relaxation.bound, capacity_bound(problem)), how, limited


def relink(
    problem: PlacementProblem,
    counts: np.ndarray,
    relaxation: WeeklyRelaxation,
    regional: RegionalBounds | None,
    deadline: float,
) -> np.ndarray:
    """Recombine until ``deadline``: the best path through the plan's own weeks and every
    week's own best placement (:func:`~planner.placement.search.best_path`), then the
    unit-week search from it; the weekly placements the regional process has sent so far
    join the candidates each round. Returns the best plan found (never worse than ``counts``).

    Measured on the 26-week benchmark: the path alone adds 0.2-0.4 % to the week-by-week
    plan, the search after it 0.1 % more."""
    best, best_value = counts, plan_value(problem, counts)
    while time.perf_counter() < deadline - 1.0:
        if regional is not None:
            regional.collect(relaxation)
        path = best_path(problem, np.vstack([best, relaxation.counts]), deadline - 1.0)
        if path is None:
            break
        trial = improve_plan(problem, path, deadline, extra=relaxation.counts)
        value = plan_value(problem, trial)
        if value > best_value + 1e-6 * max(1.0, abs(best_value)):
            best, best_value = trial, value
            continue
        # nothing better from what is known: wait for the next week the regional process
        # bounds (its placement may recombine better), until it is done or time is up
        if regional is None or not regional.wait(deadline - time.perf_counter() - 1.0):
            break
    return best


def rolling_horizon(
    problem: PlacementProblem,
    params: SolveParams,
    deadline: float,
    on_progress: ProgressCallback | None,
    keep_served: np.ndarray | None = None,
) -> WeekByWeek | None:
    """A feasible plan built one week at a time (units that must stay are kept; region
    contracts are spread evenly over the remaining weeks), each week a MIP until ``deadline``
    (a ``time.perf_counter()`` value) and :func:`quick_week` after it. Returns the plan, or
    None if it cannot find one; the patients served each week go into ``keep_served`` when
    given.

    Each week's model sees only that week (measured: a two-week window decides moves with
    the next week in view, but its larger models solve worse in the same time: 26 weeks on 99
    shortlisted sites in 25 s, 18.4 M against 19.2 M SEK)."""
    W, S, U, L = len(problem.weeks), len(problem.sites), problem.units, problem.min_stay_weeks
    counts = np.zeros((W, S), dtype=int)
    needed = {c.county_code: c.unit_weeks for c in problem.region_contracts}
    previous = problem.initial_sites
    stayed = [L] * U if previous is not None else []
    served = np.zeros(W)
    quick = 0
    for w in range(W):
        if on_progress:
            on_progress(w / W, f"week-by-week start: {problem.weeks[w]}")
        lower = np.zeros((S, 1), dtype=int)
        if previous is not None:
            for u, site_id in enumerate(previous):
                if stayed[u] < L:
                    lower[problem.site_index(site_id), 0] += 1
        spread = {(c, 0): -(-left // (W - w)) for c, left in needed.items() if left > 0}
        if sum(spread.values()) > U:
            return None
        week = problem.replace(
            weeks=(problem.weeks[w],),
            demand=problem.demand[:, w : w + 1],
            region_contracts=(),
            initial_sites=previous,
        )
        left = deadline - time.perf_counter()
        if left <= 0:  # out of time: no MIP for the weeks still to place
            before = counts[w - 1] if w > 0 else None
            quick_row = quick_week(problem, w, lower[:, 0], spread, before)
            if quick_row is None:
                return None
            counts[w] = quick_row
            served[w] = full_coverage(problem, w).served(counts[w])
            quick += 1
        else:
            built = build_model(week, params, y_lower=lower, county_min_units=spread)
            left = deadline - time.perf_counter()
            outcome = solve_mip(
                built.model,
                time_limit_s=max(left / (W - w), 0.2),
                relative_gap_tolerance=max(params.relative_gap, 1e-3),
            )
            if not outcome.has_solution:
                return None
            values = outcome.result.variable_values()
            for (s, _), var in built.y.items():
                counts[w, s] = round(values[var])
            served[w] = sum(values[var] for var in built.x.values())
        sites = track_units(week, counts[w : w + 1])[0]
        if previous is not None:
            stayed = [stayed[u] + 1 if sites[u] == previous[u] else 1 for u in range(U)]
        else:
            stayed = [1] * U
        previous = sites
        for site_id in sites:
            county = problem.sites[problem.site_index(site_id)].county_code
            if county in needed:
                needed[county] -= 1
    if any(left > 0 for left in needed.values()):
        return None
    if keep_served is not None:
        keep_served[:] = served
    value = float(served.sum()) * problem.value_per_patient - relocation_cost(problem, counts)
    return WeekByWeek(counts, value, quick)


def quick_week(
    problem: PlacementProblem,
    w: int,
    lower: np.ndarray,
    spread: dict[tuple[str, int], int],
    before: np.ndarray | None,
) -> np.ndarray | None:
    """Units per site (S,) in week ``w`` without a MIP, for the weeks a deadline leaves no
    time: the week before's placement when it meets the county spread (staying costs
    nothing), else the :func:`greedy_week` one; whichever serves more after relocation. Keeps
    the ``lower`` (S,) units that must stay and at least ``spread[(county, 0)]`` units in each
    county; None when a county in ``spread`` has no site."""
    greedy = greedy_week(problem, w, lower, spread)
    if greedy is None:
        return None
    row = greedy[0]
    counties = np.array([site.county_code for site in problem.sites])
    if before is None or any(
        before[counties == county].sum() < need for (county, _), need in spread.items()
    ):
        return row
    cov, cost = full_coverage(problem, w), problem.move_cost()
    options = [row, before.copy()]
    worth = [
        cov.served(o) * problem.value_per_patient - transition_cost(cost, before, o)
        for o in options
    ]
    return options[int(np.argmax(worth))]


def polish(
    problem: PlacementProblem,
    params: SolveParams,
    counts: np.ndarray,
    served: np.ndarray,
    deadline: float,
) -> tuple[np.ndarray, float]:
    """Improve a plan one week at a time with both neighbouring weeks fixed, so a week's move is
    priced with the move after it too (the week-by-week plan sees only the move into a week).
    Sweeps the weeks until one sweep changes nothing or ``deadline``; returns (counts, objective).
    Plans with minimum stays above one week or region contracts are returned unchanged (a
    single week's change could break them)."""
    W, S = counts.shape
    value = problem.value_per_patient

    def total(c: np.ndarray, s: np.ndarray) -> float:
        return float(s.sum()) * value - relocation_cost(problem, c)

    best = total(counts, served)
    if W < 2 or problem.min_stay_weeks > 1 or problem.region_contracts:
        return counts, best
    changed = True
    while changed and time.perf_counter() < deadline - 1.0:
        changed = False
        for w in range(W):
            left = deadline - time.perf_counter()
            if left < 1.0:
                break
            end = min(W, w + 2)
            before = problem.initial_sites if w == 0 else site_ids(problem, counts[w - 1])
            window = problem.replace(
                weeks=problem.weeks[w:end],
                demand=problem.demand[:, w:end],
                region_contracts=(),
                initial_sites=before,
            )
            fixed_next = np.zeros((S, end - w), dtype=int)
            if end - w == 2:
                fixed_next[:, 1] = counts[w + 1]  # all units placed: the lower bound fixes the week
            built = build_model(window, params, y_lower=fixed_next)
            outcome = solve_mip(
                built.model,
                time_limit_s=min(left - 0.5, max(1.0, left / W)),
                relative_gap_tolerance=max(params.relative_gap, 1e-4),
            )
            if not outcome.has_solution:
                continue
            values = outcome.result.variable_values()
            trial = counts.copy()
            for (s, k), var in built.y.items():
                if k == 0:
                    trial[w, s] = round(values[var])
            trial_served = served.copy()
            trial_served[w] = sum(values[var] for (_, _, k), var in built.x.items() if k == 0)
            candidate = total(trial, trial_served)
            if candidate > best + 1e-6 * max(1.0, abs(best)):
                counts, served, best, changed = trial, trial_served, candidate, True
    return counts, best
