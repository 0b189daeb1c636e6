"""``solve(problem, params, on_progress=None) -> PlacementSolution`` for the placement MIP."""

from __future__ import annotations

import contextlib
import multiprocessing
import multiprocessing.connection
import multiprocessing.process
import threading
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass

import numpy as np
from ortools.graph.python import linear_sum_assignment

from planner.placement.mip import relative_gap, solve_mip
from planner.placement.model import _county_demand, build_model, demand_groups
from planner.placement.problem import (
    PlacementInfeasibleError,
    PlacementProblem,
    PlacementSolution,
    SolveParams,
)
from planner.placement.regions import full_coverage, solve_week
from planner.placement.search import best_path, improve_plan

ProgressFn = Callable[[float | None, str], None]


def solve(
    problem: PlacementProblem,
    params: SolveParams | None = None,
    on_progress: ProgressFn | None = None,
) -> PlacementSolution:
    """Place the units week by week. Raises :class:`PlacementInfeasibleError` naming the
    constraints that cannot be met; a time limit returns the best plan found and its gap."""
    params = params or SolveParams()
    precheck(problem)
    started = time.perf_counter()
    W = len(problem.weeks)
    warm = None
    if W > 1 and problem.equity != "maximin" and model_size(problem) > params.max_full_model_size:
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
    if W > 1 and problem.equity != "maximin":
        # HiGHS's own primal heuristics struggle on the full horizon, and it ignores MathOpt
        # solution hints, so a quick week-by-week plan is kept as the fallback incumbent.
        budget = params.time_limit_s * params.warm_start_share
        warm = rolling_horizon(
            problem, params, budget, _scaled(on_progress, 0.0, params.warm_start_share)
        )
    built = build_model(problem, params)
    # after building; HiGHS overruns its limit on this model (measured 3.1 s over 20.7 s on the
    # demo: the root LP is not interrupted), so it is asked for a little less
    remaining = max(0.85 * (params.time_limit_s - (time.perf_counter() - started)), 1.0)
    outcome = solve_mip(
        built.model,
        time_limit_s=remaining,
        relative_gap_tolerance=params.relative_gap,
        on_progress=_scaled(on_progress, params.warm_start_share if warm else 0.0, 1.0),
        label="placing units",
    )
    seconds = time.perf_counter() - started
    if outcome.status == "INFEASIBLE":
        raise PlacementInfeasibleError(diagnose(problem, params))
    counts, objective = None, None
    if outcome.has_solution:
        values = outcome.result.variable_values()
        counts = np.zeros((W, len(problem.sites)), dtype=int)
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


def capacity_bound(problem: PlacementProblem) -> float:
    """A valid upper bound: each week the fleet serves at most its capacity and at most the
    demand any site reaches; relocation costs are never negative."""
    reachable = problem.reach.any(axis=0)
    weekly = problem.unit_demand[reachable].sum(axis=0)
    fleet = problem.units * problem.capacity_per_week
    return float(np.minimum(weekly, fleet).sum() * problem.value_per_patient)


def _scaled(on_progress: ProgressFn | None, low: float, high: float) -> ProgressFn | None:
    """Map a sub-step's progress in [0, 1] onto [low, high] of the whole solve."""
    if on_progress is None:
        return None

    def report(fraction: float | None, message: str) -> None:
        on_progress(None if fraction is None else low + (high - low) * fraction, message)

    return report


@dataclass
class WeeklyRelaxation:
    """Each week's own best placement (no relocation, stays, contracts or floors), its value
    and proven bound. The bounds add up to a bound on the whole horizon."""

    counts: np.ndarray  # (W, S) units per site in each week's own best placement
    values: np.ndarray  # (W,) that placement's served value
    bounds: np.ndarray  # (W,) proven bound of the week on its own

    @property
    def bound(self) -> float:
        """Bound on the whole horizon: relocation costs are >= 0 and the dropped rules only
        restrict, so no plan is worth more than the weeks' bounds together."""
        return float(self.bounds.sum())


def relax_week(
    problem: PlacementProblem,
    params: SolveParams,
    relaxation: WeeklyRelaxation,
    w: int,
    limit_s: Callable[[], float],
    lock: threading.Lock | None = None,
) -> None:
    """Solve week ``w`` on its own and keep what improves ``relaxation``.

    ``limit_s()`` is asked for the seconds once the model is built (building takes a good
    part of a second); ``lock`` serialises the (Python) building when weeks run in threads,
    HiGHS itself runs outside Python's lock."""
    week = problem.replace(
        weeks=(problem.weeks[w],),
        demand=problem.demand[:, w : w + 1],
        region_contracts=(),
        initial_sites=None,
        equity="none",
        county_floor_share=0.0,
        min_stay_weeks=1,
    )
    with lock or contextlib.nullcontext():
        built = build_model(week, params, strong=True)
        limit = limit_s()
    outcome = solve_mip(
        built.model,
        time_limit_s=max(limit, 0.2),
        relative_gap_tolerance=max(params.relative_gap, 1e-4),
    )
    if outcome.bound is not None:
        relaxation.bounds[w] = min(relaxation.bounds[w], outcome.bound)
    if outcome.has_solution and outcome.objective > relaxation.values[w]:  # type: ignore[operator]
        values = outcome.result.variable_values()
        relaxation.values[w] = outcome.objective
        for (s, _), var in built.y.items():
            relaxation.counts[w, s] = round(values[var])


def weekly_relaxation(
    problem: PlacementProblem, params: SolveParams, budget_s: float, on_progress: ProgressFn | None
) -> WeeklyRelaxation:
    """Every week solved on its own (:func:`relax_week`), ``params.threads`` at a time; a week
    that finishes early leaves its time to the weeks still waiting."""
    W, S = len(problem.weeks), len(problem.sites)
    cap_value = problem.units * problem.capacity_per_week * problem.value_per_patient
    reachable = (
        problem.unit_demand[problem.reach.any(axis=0)].sum(axis=0) * problem.value_per_patient
    )
    relaxation = WeeklyRelaxation(
        np.zeros((W, S), dtype=int), np.zeros(W), np.minimum(cap_value, reachable)
    )
    deadline = time.perf_counter() + budget_s
    lock = threading.Lock()
    started = [0]
    workers = max(1, min(params.threads, W))

    def share_left() -> float:  # called under the lock: this week's share of what is left
        started[0] += 1
        left = deadline - time.perf_counter()
        return min(left, left * workers / (W - started[0] + workers))

    def one_week(w: int) -> None:
        if on_progress:
            on_progress(started[0] / W, f"weekly bounds: {problem.weeks[w]}")
        relax_week(problem, params, relaxation, w, share_left, lock)

    with ThreadPoolExecutor(max_workers=workers) as pool:
        list(pool.map(one_week, range(W)))
    return relaxation


@dataclass
class RegionalBounds:
    """Forked processes that bound the weeks HiGHS left open region by region
    (:func:`planner.placement.regions.solve_week`), largest gap first, and what they sent.

    Forked processes (HiGHS solves in a child forked after the parent has used HiGHS were
    checked to run); where the platform cannot fork, the weeks keep HiGHS's bounds."""

    processes: list[multiprocessing.process.BaseProcess]
    pipes: list[multiprocessing.connection.Connection]  # those still open
    sent: int = 0  # weeks received so far

    @classmethod
    def start(
        cls,
        problem: PlacementProblem,
        relaxation: WeeklyRelaxation,
        deadline: float,
        workers: int = 1,
        min_seconds: float = 8.0,
    ) -> RegionalBounds | None:
        """Start ``workers`` processes on the open weeks of ``relaxation`` (dealt out in turn),
        each week with what is left of the time (at least ``min_seconds``: a hard week needs
        10-30 s to close, and a week given less ends looser than HiGHS). None when no week is
        open, time is short, or no fork is possible."""
        gaps = relaxation.bounds - relaxation.values
        open_weeks = [
            int(w)
            for w in np.argsort(-gaps, kind="stable")
            if gaps[w] > 1e-4 * max(1.0, relaxation.values[w])
        ]
        if not open_weeks or deadline - time.perf_counter() < min_seconds + 1.0:
            return None
        if (
            "fork" not in multiprocessing.get_all_start_methods()
            or multiprocessing.current_process().daemon
        ):
            return None  # no fork here, or a daemon process, which may not start children
        context = multiprocessing.get_context("fork")
        processes, pipes = [], []
        for k in range(min(workers, len(open_weeks))):
            receive, send = context.Pipe(duplex=False)
            process = context.Process(
                target=_regional_worker,
                daemon=True,
                args=(problem, open_weeks[k::workers], deadline, min_seconds, send),
            )
            process.start()
            send.close()
            processes.append(process)
            pipes.append(receive)
        return cls(processes, pipes)

    @property
    def finished(self) -> bool:
        """Every open week is done (or given up for lack of time)."""
        return not self.pipes

    def collect(self, relaxation: WeeklyRelaxation) -> int:
        """Fold the weekly bounds and placements sent so far into ``relaxation``; returns how
        many weeks have arrived in all."""
        for pipe in list(self.pipes):
            try:
                while pipe.poll():
                    w, bound, value, counts = pipe.recv()
                    relaxation.bounds[w] = min(relaxation.bounds[w], bound)
                    if value > relaxation.values[w]:
                        relaxation.values[w], relaxation.counts[w] = value, counts
                    self.sent += 1
            except EOFError:
                self.pipes.remove(pipe)
                pipe.close()
        return self.sent

    def wait(self, seconds: float) -> bool:
        """True when another week (or a process's end) arrives within ``seconds``."""
        return bool(self.pipes) and bool(
            multiprocessing.connection.wait(self.pipes, max(0.0, seconds))
        )

    def stop(self) -> None:
        """End the processes (a week in progress is dropped)."""
        for process in self.processes:
            process.terminate()
            process.join()
        for pipe in self.pipes:
            pipe.close()
        self.pipes = []


def _regional_worker(
    problem: PlacementProblem,
    weeks: list[int],
    deadline: float,
    min_seconds: float,
    send: multiprocessing.connection.Connection,
) -> None:
    value = problem.value_per_patient
    for w in weeks:
        left = deadline - time.perf_counter()
        if left < min_seconds:
            break
        plan = solve_week(problem, w, max(min_seconds, 0.6 * left) - 0.5)
        send.send((w, plan.bound * value, plan.served * value, plan.counts))
    send.close()


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


def decomposed(
    problem: PlacementProblem, params: SolveParams, on_progress: ProgressFn | None
) -> tuple[np.ndarray, float, float, str] | None:
    """For horizons too large for one MIP: every week on its own first (a bound, and the sites
    worth considering), then the plan week by week on that shortlist, polished, and (without
    minimum stays or contracts) recombined with the weeks' own best placements
    (:func:`relink`), while a spare process bounds the weeks HiGHS left open region by region
    (:class:`RegionalBounds`). Returns (counts (W, S), objective, bound, how) or None.

    The objective is served value minus direct relocation costs, the bound the sum of the
    weekly relaxations' bounds (capped by the fleet-capacity bound).
    """
    started = time.perf_counter()
    share = params.decomposition_bound_share
    deadline = started + params.time_limit_s * 0.93  # model building and HiGHS overrun a little
    relaxation = weekly_relaxation(
        problem, params, (deadline - started) * share, _scaled(on_progress, 0.0, share)
    )
    keep = candidate_sites(problem, relaxation.counts, params.shortlist_neighbours)
    rest = _scaled(on_progress, share, 1.0)
    # the spare core bounds the weeks HiGHS left open, region by region
    regional = (
        RegionalBounds.start(problem, relaxation, deadline, workers=params.regional_workers)
        if params.threads > 1
        else None
    )
    searchable = problem.min_stay_weeks == 1 and not problem.region_contracts
    try:
        small = restrict(problem, keep)
        served = np.zeros(len(problem.weeks))
        # most of the time week by week; then a polish with HiGHS, then the unit-week search
        budget = 0.6 * (deadline - time.perf_counter())
        plan = rolling_horizon(small, params, max(budget, 1.0), rest, served)
        how = (
            f"planned week by week on {len(keep)} shortlisted sites; bound from weekly relaxations"
        )
        if plan is not None:
            polish_until = (
                deadline - 0.6 * (deadline - time.perf_counter()) if searchable else deadline
            )
            plan = polish(small, params, plan[0], served, polish_until)
            counts = np.zeros((len(problem.weeks), len(problem.sites)), dtype=int)
            counts[:, keep] = plan[0]
            if searchable:
                counts = relink(problem, counts, relaxation, regional, deadline)
            plan = counts, _objective(problem, counts)
        else:  # the shortlist cannot meet the contracts: every site, week by week
            plan = rolling_horizon(problem, params, max(deadline - time.perf_counter(), 1.0), rest)
            how = "planned week by week; bound from weekly relaxations"
    finally:
        if regional is not None:
            regional.collect(relaxation)
            regional.stop()
    if regional is not None and regional.sent:
        how += f" ({regional.sent} weeks bounded region by region)"
    if plan is None:
        return None
    return plan[0], plan[1], min(relaxation.bound, capacity_bound(problem)), how


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
    best, best_value = counts, _objective(problem, counts)
    while time.perf_counter() < deadline - 1.0:
        if regional is not None:
            regional.collect(relaxation)
        path = best_path(problem, np.vstack([best, relaxation.counts]))
        trial = improve_plan(problem, path, deadline, extra=relaxation.counts)
        value = _objective(problem, trial)
        if value > best_value + 1e-6 * max(1.0, abs(best_value)):
            best, best_value = trial, value
            continue
        # nothing better from what is known: wait for the next week the regional process
        # bounds (its placement may recombine better), until it is done or time is up
        if regional is None or not regional.wait(deadline - time.perf_counter() - 1.0):
            break
    return best


def _objective(problem: PlacementProblem, counts: np.ndarray) -> float:
    """Served value (max flow per week) minus direct relocation cost: what ``evaluate`` counts."""
    served = sum(full_coverage(problem, w).served(counts[w]) for w in range(len(problem.weeks)))
    return served * problem.value_per_patient - relocation_cost(problem, counts)


def rolling_horizon(
    problem: PlacementProblem,
    params: SolveParams,
    budget_s: float,
    on_progress: ProgressFn | None,
    keep_served: np.ndarray | None = None,
) -> tuple[np.ndarray, float] | None:
    """A feasible plan built one week at a time (units that must stay are kept; region
    contracts are spread evenly over the remaining weeks). Returns (counts (W, S), objective:
    served value minus direct relocation costs) or None if it cannot find one; the patients
    served each week go into ``keep_served`` when given.

    Each week's model sees only that week (measured: a two-week window decides moves with
    the next week in view, but its larger models solve worse in the same time: 26 weeks on 99
    shortlisted sites in 25 s, 18.4 M against 19.2 M SEK)."""
    W, S, U, L = len(problem.weeks), len(problem.sites), problem.units, problem.min_stay_weeks
    counts = np.zeros((W, S), dtype=int)
    needed = {c.county_code: c.unit_weeks for c in problem.region_contracts}
    previous = problem.initial_sites
    stayed = [L] * U if previous is not None else []
    served, started = np.zeros(W), time.perf_counter()
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
        built = build_model(week, params, y_lower=lower, county_min_units=spread)
        left = budget_s - (time.perf_counter() - started)
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
    return counts, float(served.sum()) * problem.value_per_patient - relocation_cost(
        problem, counts
    )


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
            before = problem.initial_sites if w == 0 else _site_ids(problem, counts[w - 1])
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


def _site_ids(problem: PlacementProblem, row: np.ndarray) -> tuple[str, ...]:
    """One site id per unit for a week's units-per-site row."""
    return tuple(problem.sites[s].id for s in range(len(row)) for _ in range(int(row[s])))


def relocation_cost(problem: PlacementProblem, counts: np.ndarray) -> float:
    """Direct cost of the moves :func:`track_units` makes between consecutive weeks."""
    cost = problem.move_cost()
    plan = track_units(problem, counts)
    previous = problem.initial_sites
    total = 0.0
    for sites in plan:
        if previous is not None:
            total += sum(
                float(cost[problem.site_index(a), problem.site_index(b)])
                for a, b in zip(previous, sites, strict=True)
                if a != b
            )
        previous = sites
    return total


def track_units(problem: PlacementProblem, counts: np.ndarray) -> tuple[tuple[str, ...], ...]:
    """Give units identities: match each week's sites to the previous week's units at the
    least road km, breaking ties so that the unit that has stayed longest is the one to move
    (so the per-unit minimum stay holds whenever the per-site one does)."""
    weeks, units = [], problem.units
    km = problem.site_site_km
    if problem.initial_sites is not None:
        previous = [problem.site_index(s) for s in problem.initial_sites]
        stayed = [problem.min_stay_weeks] * units
    else:
        previous, stayed = [], []
    for w in range(len(problem.weeks)):
        slots = [s for s in range(len(problem.sites)) for _ in range(counts[w, s])]
        if len(slots) != units:
            raise AssertionError(f"week {w}: {len(slots)} units placed, expected {units}")
        if not previous:
            current = slots
            stayed = [1] * units
        else:
            lsa = linear_sum_assignment.SimpleLinearSumAssignment()
            for u, s in enumerate(previous):
                for j, t in enumerate(slots):
                    move = 0 if s == t else round(km[s, t] * 1000) + 1_000_000
                    # tie-break: moving a unit that has stayed less time costs a little more
                    move += 0 if s == t else max(0, problem.min_stay_weeks - stayed[u])
                    lsa.add_arc_with_cost(u, j, move)
            if lsa.solve() != lsa.OPTIMAL:
                raise AssertionError("unit matching failed")
            current = [slots[lsa.right_mate(u)] for u in range(units)]
            stayed = [stayed[u] + 1 if current[u] == previous[u] else 1 for u in range(units)]
        weeks.append(tuple(problem.sites[s].id for s in current))
        previous = current
    return tuple(weeks)


def precheck(problem: PlacementProblem) -> None:
    """Necessary conditions checked before any solve; all failures named at once."""
    reasons: list[str] = []
    W, U = len(problem.weeks), problem.units
    needed = sum(c.unit_weeks for c in problem.region_contracts)
    if needed > U * W:
        reasons.append(
            f"region contracts need {needed} unit-weeks in total but {U} units x "
            f"{W} weeks give {U * W}"
        )
    for contract in problem.region_contracts:
        if contract.unit_weeks > 0 and not any(
            s.county_code == contract.county_code for s in problem.sites
        ):
            reasons.append(
                f"region contract for county {contract.county_code} needs "
                f"{contract.unit_weeks} unit-weeks but no candidate site is in that county"
            )
    if problem.equity == "floor" and problem.county_floor_share > 0:
        reachable = problem.reach.any(axis=0)
        demand = problem.unit_demand.sum(axis=1)
        for county, total in sorted(_county_demand(problem).items()):
            mask = np.array([p.county_code == county for p in problem.points])
            share = demand[mask & reachable].sum() / total if total > 0 else 1.0
            capacity_share = problem.capacity_per_week * U * W / total if total > 0 else 1.0
            best = min(share, capacity_share)
            if best + 1e-9 < problem.county_floor_share:
                why = (
                    "is within reach of a site"
                    if share <= capacity_share
                    else "fits the whole fleet's capacity"
                )
                reasons.append(
                    f"county floor {problem.county_floor_share:.0%} cannot be met in county "
                    f"{county}: only {best:.1%} of its demand {why}"
                )
    if reasons:
        raise PlacementInfeasibleError("the placement cannot be planned: " + "; ".join(reasons))


def diagnose(problem: PlacementProblem, params: SolveParams) -> str:
    """Which named constraints an infeasible problem cannot meet, by how much (elastic solve)."""
    built = build_model(problem, params, elastic=True)
    outcome = solve_mip(built.model, time_limit_s=params.time_limit_s, relative_gap_tolerance=1e-3)
    if not outcome.has_solution:
        return "the placement is infeasible and no diagnosis was found within the time limit"
    values = outcome.result.variable_values()
    county_demand = _county_demand(problem)
    parts = []
    for county, var in built.slacks.get("region_contract", {}).items():
        short = values[var]
        if short > 1e-6:
            need = next(c.unit_weeks for c in problem.region_contracts if c.county_code == county)
            parts.append(
                f"region contract for county {county} needs {need} unit-weeks; "
                f"short by {short:.0f} together with the other constraints"
            )
    for county, var in built.slacks.get("county_floor", {}).items():
        short = values[var]
        if short > 1e-6:
            share = (problem.county_floor_share * county_demand[county] - short) / county_demand[
                county
            ]
            parts.append(
                f"county floor {problem.county_floor_share:.0%} cannot be met in county "
                f"{county}: at most {share:.1%} together with the other constraints"
            )
    if not parts:
        return "the placement is infeasible (units, flows and minimum stays conflict)"
    return "the placement cannot be planned: " + "; ".join(parts)
