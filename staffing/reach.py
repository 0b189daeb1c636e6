"""What it takes to reach the continuity target: requests, a re-solved roster, and other levers.

:func:`reach_target` asks the fewest clinicians for extra (day, block) slots and re-solves the
roster with every request accepted; the re-solved roster, not the request plan, is the judge
of the rate reached. Round 1 lifts the availability bound to the target with the least-cost
requests (:func:`staffing.requests.plan_requests`); the least cost of that lift is a lower
bound on any request set that reaches the target (the same-clinician rate never exceeds the
availability bound). When the re-solved roster still falls short (a block fills up, a rule
keeps the clinician off a slot), the next round asks for slots that keep the visits this
roster misses, within each clinician's days left, and re-solves from the last roster. After
each solve the greedy continuity repair takes what the time-limited solve left in reach
(:func:`_repaired`); once the target is met, requests it does not need are dropped
(:func:`_pruned`). The requests reported are those the final roster works, each with the
visits it keeps.

:func:`compare_levers` sets the other levers a planner can pull beside requests: wider
follow-up windows and digital follow-ups the index clinician answers on a day off.
"""

from __future__ import annotations

import datetime as dt
import math
import time
from collections import Counter, defaultdict
from dataclasses import dataclass, replace

from staffing.booking import book_follow_ups
from staffing.kpi import Kpis, evaluate
from staffing.misses import explain_misses, served_by_index
from staffing.problem import Problem, ReturnVisit
from staffing.requests import (
    CostFn,
    Request,
    RequestPlan,
    extra_day_limit,
    pick_requests,
    plan_requests,
    request_options,
    slot_conflicts,
    unreachable_visits,
    with_requests,
)
from staffing.solution import FollowUp, Solution
from staffing.solve import ProgressCallback, SolveParams, solve
from staffing.warmstart import continuity_repair

#: Re-solve rounds at most (round 1 included).
MAX_ROUNDS = 3

#: Requests the final prune tries at most (each try evaluates the roster once).
PRUNE_TRIALS = 25


@dataclass(frozen=True)
class Reach:
    """The requests, the roster re-solved with them and how far it got.

    ``plan`` is round 1's pick over the availability bound: its cost is ``lower_bound`` when
    proved. ``requests`` are the requests the final roster works (with the visits each keeps
    in ``keeps``); ``asked`` every request made over the rounds. ``problem`` is the problem
    with ``requests`` accepted, the one ``solution`` is a roster of.
    """

    target: float
    plan: RequestPlan
    requests: tuple[Request, ...]
    asked: tuple[Request, ...]
    rounds: int
    problem: Problem
    solution: Solution
    kpis: Kpis
    #: What the run's deadline cut short ("" when nothing).
    time_limit_note: str = ""

    @property
    def reached(self) -> bool:
        """Whether the re-solved roster meets the target with no hard rule broken."""
        rate = self.kpis.continuity_rate
        return rate is not None and rate >= self.target - 1e-9 and self.kpis.hard_violations == 0

    @property
    def lower_bound(self) -> float | None:
        """A proved lower bound on the cost of any request set reaching the target (None if
        none was proved)."""
        return self.plan.lower_bound

    @property
    def cost(self) -> float:
        """The total cost of the requests the final roster works."""
        return sum(r.cost for r in self.requests)


def kept_visits(problem: Problem, solution: Solution) -> int:
    """Return visits booked with their index clinician (the same-clinician rate's numerator)."""
    working = {(s.clinician_id, s.day, s.block) for s in solution.shifts}
    booked = {f.visit_id: f for f in solution.follow_ups}
    return sum(served_by_index(v, booked.get(v.visit_id), working) for v in problem.visits)


def _worked(problem: Problem, solution: Solution, asked: list[Request]) -> tuple[Request, ...]:
    """The asked requests the roster works, each with the visits it keeps there."""
    working = {(s.clinician_id, s.day, s.block) for s in solution.shifts}
    index = {v.visit_id: v.index_clinician_id for v in problem.visits}
    keeps: dict[tuple[str, dt.date | None, str | None], list[str]] = defaultdict(list)
    for f in solution.follow_ups:
        if f.clinician_id is not None and index.get(f.visit_id) == f.clinician_id:
            keeps[(f.clinician_id, f.day, f.block)].append(f.visit_id)
    out = []
    for r in asked:
        key = (r.clinician_id, r.day, r.block)
        if key in working:
            out.append(replace(r, keeps=tuple(sorted(keeps[key]))))
    return tuple(out)


def _repaired(problem: Problem, solution: Solution, deadline: float = math.inf) -> Solution:
    """The roster after the greedy continuity repair (legal shifts added where index clinicians
    can keep more visits, visits booked again) if that keeps more visits with no hard rule
    broken and no less cover; otherwise the roster as it is. CP-SAT stops at its time limit
    with a gap; the repair takes what is left in reach in about a second."""
    shifts = continuity_repair(problem, solution.shifts, deadline)
    if len(shifts) == len(solution.shifts):
        return solution
    trial = replace(
        solution,
        shifts=tuple(shifts),
        follow_ups=tuple(book_follow_ups(problem, shifts)),
        notes=(*solution.notes, "continuity repair after the solve"),
    )
    if kept_visits(problem, trial) <= kept_visits(problem, solution):
        return solution
    old, new = evaluate(problem, solution), evaluate(problem, trial)
    if new.hard_violations > old.hard_violations or (new.cover or 0) < (old.cover or 0) - 1e-12:
        return solution
    return trial


def _rebook(
    problem: Problem, solution: Solution, visit_ids: set[str], removed: tuple[str, dt.date, str]
) -> Solution:
    """The roster without the shift ``removed``; the visits booked there go to another worked
    block of their window with room (their index clinician's first), or stay unserved."""
    shifts = tuple(s for s in solution.shifts if (s.clinician_id, s.day, s.block) != removed)
    caps = {b.name: b.followup_capacity for b in problem.blocks}
    prof = {c.clinician_id: c.profession for c in problem.clinicians}
    booked = Counter(
        (f.clinician_id, f.day, f.block)
        for f in solution.follow_ups
        if f.clinician_id is not None and f.visit_id not in visit_ids
    )
    visits = {v.visit_id: v for v in problem.visits}
    follow_ups = []
    for f in solution.follow_ups:
        if f.visit_id not in visit_ids:
            follow_ups.append(f)
            continue
        v = visits[f.visit_id]
        open_ = [
            s
            for s in shifts
            if v.window_start <= s.day <= v.window_end
            and prof.get(s.clinician_id) == v.profession
            and booked[(s.clinician_id, s.day, s.block)] < caps.get(s.block, 0)
        ]
        open_.sort(key=lambda s: (s.clinician_id != v.index_clinician_id, s.day, s.block))
        if open_:
            s = open_[0]
            booked[(s.clinician_id, s.day, s.block)] += 1
            follow_ups.append(FollowUp(v.visit_id, s.clinician_id, s.day, s.block))
        else:
            follow_ups.append(FollowUp(v.visit_id, None, None, None))
    return replace(solution, shifts=shifts, follow_ups=tuple(follow_ups))


def _pruned(
    problem: Problem,
    solution: Solution,
    worked: tuple[Request, ...],
    goal: int,
    deadline: float = math.inf,
) -> tuple[tuple[Request, ...], Solution]:
    """Drop worked requests the target does not need: fewest kept visits first, while the
    roster still keeps ``goal`` visits and the slot is not needed for demand cover."""
    kept = kept_visits(problem, solution)
    out = list(worked)
    cover = evaluate(problem, solution).cover or 0
    trials = 0
    for r in sorted(worked, key=lambda r: (len(r.keeps), -r.cost, r.day, r.clinician_id)):
        if kept - len(r.keeps) < goal or trials >= PRUNE_TRIALS:
            break  # the rest keep as many or more
        if time.perf_counter() >= deadline:
            break  # every request kept so far is worked: more requests, never a broken roster
        trials += 1
        trial = _rebook(problem, solution, set(r.keeps), (r.clinician_id, r.day, r.block))
        trial_kept = kept_visits(problem, trial)
        if trial_kept < goal or (evaluate(problem, trial).cover or 0) < cover - 1e-12:
            continue
        solution, kept = trial, trial_kept
        out.remove(r)
    return tuple(out), solution


def reach_target(
    problem: Problem,
    params: SolveParams,
    target: float | None = None,
    *,
    max_extra_days: int = 4,
    cost: CostFn | None = None,
    before: Solution | None = None,
    on_progress: ProgressCallback | None = None,
    rounds: int = MAX_ROUNDS,
    deadline: float | None = None,
) -> Reach:
    """Requests and the re-solved roster reaching ``target`` (default the problem's); see the
    module docstring. ``params`` is each re-solve's; ``before`` the roster to start from.

    The rounds share one deadline (``time.perf_counter()``; by default ``params.time_limit_s``
    from now): each re-solve gets what is left, no round starts after it (round 1 always
    runs: past the deadline it returns its hint), and the repair and pruning stop at it."""
    if deadline is None:
        deadline = time.perf_counter() + params.time_limit_s
    target = problem.continuity_target if target is None else target
    plan = plan_requests(
        problem, target, max_extra_days=max_extra_days, cost=cost, deadline=deadline
    )
    asked = list(plan.requests)
    goal = math.ceil(target * len(problem.visits) - 1e-9)
    caps = {b.name: b.followup_capacity for b in problem.blocks}
    limit = extra_day_limit(problem, max_extra_days)
    current, solution, done = problem, before, 0
    cut: list[str] = []
    # Already there with nothing to ask: the roster before is the answer (no second solve).
    met = before is not None and not asked and kept_visits(problem, before) >= goal
    while not met:
        done += 1
        if on_progress:
            on_progress(None, f"round {done}: re-solving with {len(asked)} requests")
        current = with_requests(problem, asked)
        solved = solve(current, params, hint=solution, deadline=deadline)
        if solved.time_limited:
            cut.append(f"round {done}: {solved.message}")
        solution = _repaired(current, solved, deadline)
        short = goal - kept_visits(current, solution)
        if on_progress:
            on_progress(None, f"round {done}: {goal - short} visits kept, {goal} needed")
        if short <= 0 or done >= rounds:
            break
        if time.perf_counter() >= deadline:
            cut.append(f"no round after round {done}")
            break
        missed = {m.visit_id for m in explain_misses(current, solution) if m.reason != "left_pool"}
        days: dict[str, set[dt.date]] = defaultdict(set)
        for r in asked:
            days[r.clinician_id].add(r.day)
        limits: defaultdict[str, int] = defaultdict(lambda: limit)
        for cid, taken in days.items():
            limits[cid] = limit - len(taken)
        conflict = slot_conflicts(current)
        visits = [v for v in current.visits if v.visit_id in missed]
        options = [
            r
            for r in request_options(current, cost, visits)
            if (r.day in days[r.clinician_id] or limits[r.clinician_id] > 0)
            and not any(conflict(r, a) for a in asked if a.clinician_id == r.clinician_id)
        ]
        more = pick_requests(
            options,
            caps,
            short,
            limits,
            conflict=conflict,
            taken={cid: frozenset(d) for cid, d in days.items()},
            deadline=deadline,
        ).requests
        if not more:
            break
        asked += more
    assert solution is not None  # solved at least once, or the roster before met the target
    worked = _worked(current, solution, asked)
    if kept_visits(current, solution) > goal:
        worked, solution = _pruned(with_requests(problem, worked), solution, worked, goal, deadline)
        worked = _worked(with_requests(problem, worked), solution, list(worked))
    final = with_requests(problem, worked)
    return Reach(
        target=target,
        plan=plan,
        requests=worked,
        asked=tuple(asked),
        rounds=done,
        problem=final,
        solution=solution,
        kpis=evaluate(final, solution),
        time_limit_note="; ".join(cut),
    )


def widen_windows(problem: Problem, days: int) -> Problem:
    """Every follow-up window ``days`` longer (its end moved, within the horizon)."""
    if days < 0:
        raise ValueError(f"A window can only be widened by days >= 0, got {days}.")
    last = problem.start + dt.timedelta(days=problem.days - 1)
    visits = tuple(
        replace(v, window_end=min(last, v.window_end + dt.timedelta(days=days)))
        for v in problem.visits
    )
    return problem.replace(visits=visits)


def digital_kept(problem: Problem, share: float, cap_per_day: int) -> set[str]:
    """The visits out of the availability bound a digital follow-up keeps: the index clinician
    (still in the pool) answers it on a day of its window, at most ``cap_per_day`` a day each
    and at most ``share`` of all visits in all. Earliest window end first per clinician, which
    keeps the most under a daily cap; clinicians with the most such visits first."""
    if not 0 <= share <= 1 or cap_per_day < 0:
        raise ValueError(
            f"A digital share must be in [0, 1] and a cap >= 0, got {share} and {cap_per_day}."
        )
    budget = math.floor(share * len(problem.visits) + 1e-9)
    by_clinician: dict[str, list[ReturnVisit]] = defaultdict(list)
    for v in unreachable_visits(problem):
        by_clinician[v.index_clinician_id].append(v)
    kept: set[str] = set()
    for cid, visits in sorted(by_clinician.items(), key=lambda kv: (-len(kv[1]), kv[0])):
        c = problem.clinician(cid)
        used: dict[dt.date, int] = defaultdict(int)
        for v in sorted(visits, key=lambda v: (v.window_end, v.window_start, v.visit_id)):
            day = v.window_start
            while day <= v.window_end and len(kept) < budget:
                if not c.has_left(day) and used[day] < cap_per_day:
                    used[day] += 1
                    kept.add(v.visit_id)
                    break
                day += dt.timedelta(days=1)
    return kept


@dataclass(frozen=True)
class LeverResult:
    """One lever beside requests: the availability bound it reaches alone, and the requests
    still needed with it to lift the bound to the target (their least cost)."""

    lever: str
    setting: str
    bound: float
    requests: int
    requests_cost: float
    reachable: bool


#: The levers :func:`compare_levers` compares, in its order.
LEVERS = ("requests", "wider windows", "digital follow-ups")


def compare_levers(
    problem: Problem,
    target: float | None = None,
    *,
    window_days: int = 3,
    digital_share: float = 0.05,
    digital_cap: int = 4,
    max_extra_days: int = 4,
    cost: CostFn | None = None,
    alone: RequestPlan | None = None,
    deadline: float = math.inf,
) -> list[LeverResult]:
    """Requests alone, wider windows, digital follow-ups: what each reaches on the availability
    bound, and the requests still needed with it (exact, as :func:`plan_requests`). ``alone``:
    the plan of requests alone for the same target, limits and costs, if already made.

    A lever met after ``deadline`` (``time.perf_counter()``) is left out of the list (the
    caller names the missing ones), and the models of one begun before it stop at it."""
    target = problem.continuity_target if target is None else target
    n = len(problem.visits)
    out = []
    if alone is None:
        alone = plan_requests(
            problem, target, max_extra_days=max_extra_days, cost=cost, deadline=deadline
        )
    out.append(
        LeverResult(
            "requests",
            "none besides",
            alone.bound_before,
            len(alone.requests),
            alone.cost,
            alone.reachable,
        )
    )
    if time.perf_counter() >= deadline:
        return out
    wide = widen_windows(problem, window_days)
    with_wide = plan_requests(
        wide, target, max_extra_days=max_extra_days, cost=cost, deadline=deadline
    )
    out.append(
        LeverResult(
            "wider windows",
            f"+{window_days} days",
            with_wide.bound_before,
            len(with_wide.requests),
            with_wide.cost,
            with_wide.reachable,
        )
    )
    if time.perf_counter() >= deadline:
        return out
    digital = digital_kept(problem, digital_share, digital_cap)
    possible = round(alone.bound_before * n) + len(digital)
    need = max(0, math.ceil(target * n - 1e-9) - possible)
    rest = [v for v in unreachable_visits(problem) if v.visit_id not in digital]
    caps = {b.name: b.followup_capacity for b in problem.blocks}
    limits: defaultdict[str, int] = defaultdict(lambda: extra_day_limit(problem, max_extra_days))
    pick = pick_requests(
        request_options(problem, cost, rest), caps, need, limits, deadline=deadline
    )
    picked, kept = pick.requests, pick.kept
    out.append(
        LeverResult(
            "digital follow-ups",
            f"{round(100 * digital_share)} % of visits, {digital_cap} a day",
            possible / n if n else 1.0,
            len(picked),
            sum(r.cost for r in picked),
            kept >= need,
        )
    )
    return out
