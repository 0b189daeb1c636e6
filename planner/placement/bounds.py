"""Upper bounds for horizons too large for one MIP: every week on its own, and the weeks HiGHS
leaves open bounded region by region in forked processes.

A week solved alone (no relocation, stays, contracts or floors) can only be worth more than
the same week in any plan, so the weeks' bounds add up to a bound on the whole horizon
(:class:`WeeklyRelaxation`); each week's own best placement is also a candidate for the
recombination in :mod:`planner.placement.decompose`.
"""

from __future__ import annotations

import contextlib
import math
import multiprocessing
import multiprocessing.connection
import multiprocessing.process
import threading
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass

import numpy as np

from planner.placement.mip import solve_mip
from planner.placement.model import OutOfTime, build_model
from planner.placement.problem import PlacementProblem, SolveParams
from planner.placement.progress import ProgressCallback
from planner.placement.regions import greedy_week, solve_week


def capacity_bound(problem: PlacementProblem) -> float:
    """A valid upper bound: each week the fleet serves at most its capacity and at most the
    demand any site reaches; relocation costs are never negative."""
    reachable = problem.reach.any(axis=0)
    weekly = problem.unit_demand[reachable].sum(axis=0)
    fleet = problem.units * problem.capacity_per_week
    return float(np.minimum(weekly, fleet).sum() * problem.value_per_patient)


@dataclass
class WeeklyRelaxation:
    """Each week's own best placement (no relocation, stays, contracts or floors), its value
    and proven bound. The bounds add up to a bound on the whole horizon."""

    counts: np.ndarray  # (W, S) units per site in each week's own best placement
    values: np.ndarray  # (W,) that placement's served value
    bounds: np.ndarray  # (W,) proven bound of the week on its own
    skipped: int = 0  # weeks the deadline left to their capacity bound and a greedy placement

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
    limit_s: Callable[[], float | None],
    lock: threading.Lock | None = None,
    deadline: float = math.inf,
) -> bool:
    """Solve week ``w`` on its own and keep what improves ``relaxation``.

    ``limit_s()`` is asked for the seconds twice, before and after the model is built (building
    takes a good part of a second at the scale of Sweden): None before building means no time
    is left, and the week keeps its capacity bound (returns False). ``lock`` serialises the
    (Python) building when weeks run in threads, HiGHS itself runs outside Python's lock.
    Building stops at ``deadline`` (a ``time.perf_counter()`` value; the week then keeps its
    capacity bound too): at 2,120 sites x 2,799 points one week's model takes 10 s."""
    if limit_s() is None:
        return False  # before the week's copy: validating it takes 60 ms at that size
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
        if limit_s() is None:
            return False
        try:
            built = build_model(week, params, strong=True, deadline=deadline)
        except OutOfTime:
            return False
        limit = limit_s() or 0.0
    outcome = solve_mip(
        built.model,
        time_limit_s=max(limit, 0.2),
        relative_gap_tolerance=max(params.relative_gap, 1e-4),
    )
    if outcome.bound is not None:
        relaxation.bounds[w] = min(relaxation.bounds[w], outcome.bound)
    objective = outcome.objective
    if outcome.has_solution and objective is not None and objective > relaxation.values[w]:
        values = outcome.result.variable_values()
        relaxation.values[w] = objective
        for (s, _), var in built.y.items():
            relaxation.counts[w, s] = round(values[var])
    return True


def weekly_relaxation(
    problem: PlacementProblem,
    params: SolveParams,
    deadline: float,
    on_progress: ProgressCallback | None,
) -> WeeklyRelaxation:
    """Every week solved on its own (:func:`relax_week`), ``params.threads`` at a time, until
    ``deadline`` (a ``time.perf_counter()`` value); a week that finishes early leaves its time
    to the weeks still waiting. Weeks not started by the deadline keep the capacity bound
    (what the fleet or the reachable demand allows) and get a greedy placement
    (:func:`~planner.placement.regions.greedy_week`, well under a second for a year of
    weeks); ``skipped`` counts them."""
    W, S = len(problem.weeks), len(problem.sites)
    cap_value = problem.units * problem.capacity_per_week * problem.value_per_patient
    reachable = (
        problem.unit_demand[problem.reach.any(axis=0)].sum(axis=0) * problem.value_per_patient
    )
    relaxation = WeeklyRelaxation(
        np.zeros((W, S), dtype=int), np.zeros(W), np.minimum(cap_value, reachable)
    )
    lock = threading.Lock()
    started = [0]
    workers = max(1, min(params.threads, W))

    def share_left() -> float | None:  # under the lock: this week's share of what is left
        left = deadline - time.perf_counter()
        if left <= 0:
            return None
        return min(left, left * workers / (W - started[0] + workers))

    def one_week(w: int) -> None:
        with lock:
            started[0] += 1
        if on_progress:
            on_progress((started[0] - 1) / W, f"weekly bounds: {problem.weeks[w]}")
        if not relax_week(problem, params, relaxation, w, share_left, lock, deadline):
            with lock:
                relaxation.skipped += 1

    with ThreadPoolExecutor(max_workers=workers) as pool:
        list(pool.map(one_week, range(W)))
    # the weeks without time keep their capacity bound, and a greedy placement as the week's
    # own best (the shortlist and the recombination need one for every week)
    for w in np.flatnonzero(relaxation.counts.sum(axis=1) == 0):
        greedy = greedy_week(problem, int(w))
        if greedy is not None and greedy[1] * problem.value_per_patient > relaxation.values[w]:
            relaxation.counts[w] = greedy[0]
            relaxation.values[w] = greedy[1] * problem.value_per_patient
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
        processes: list[multiprocessing.process.BaseProcess] = []
        pipes: list[multiprocessing.connection.Connection] = []
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
