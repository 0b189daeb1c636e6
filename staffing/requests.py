"""The fewest availability requests that lift the availability bound to a target (a first piece
of "what it takes to reach 96 %").

A return visit whose index clinician declared no slot in its window that takes return visits
cannot be kept by any roster (reason ``not_available`` of :mod:`staffing.misses`). A *request*
asks one clinician to work one more (day, block); it can keep up to the block's follow-up
capacity of that clinician's such visits whose windows hold the day. :func:`plan_requests`
picks requests of least total cost so that the availability bound of
:func:`staffing.kpi.evaluate` reaches the target, with at most ``max_extra_days`` extra days per
clinician per four weeks (pro rata; people are asked, not ordered). It reports the CP-SAT lower
bound on that cost and a greedy baseline (most visits kept per cost first); the pick is the
cheaper of CP-SAT's (started from the greedy) and the greedy's. When the target is out of reach
it says so and gives the highest bound the limits allow, with its requests. On the demo the
CP-SAT pick does not beat the greedy in 20 s and the bound is weak (see the report of issue 15).

Not yet here (see issue 15): working-time rules, contract and mertid are not part of the pick
(a requested slot must only be workable alone); :func:`with_requests` gives the problem to
re-solve, and the re-solved roster is the judge of what is actually reached.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import math
from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass

from ortools.sat.python import cp_model

from staffing.misses import window_slots
from staffing.problem import Block, Clinician, Problem, ReturnVisit
from staffing.rules.core import day_of
from staffing.timegrid import Grid

#: Cost of asking a clinician for one (day, block); default 1 each.
CostFn = Callable[[Clinician, dt.date, Block], float]

_SCALE = 100  # costs to CP-SAT integers (hundredths)


@dataclass(frozen=True)
class Request:
    """Ask ``clinician_id`` to work ``block`` on ``day``; ``keeps`` the visits it can keep."""

    clinician_id: str
    day: dt.date
    block: str
    cost: float
    keeps: tuple[str, ...]


@dataclass(frozen=True)
class RequestPlan:
    """The requests picked, their cost, the lower bound and the greedy baseline.

    ``bound_before`` / ``bound_after`` are availability bounds (shares of all return visits);
    ``reachable`` says whether ``bound_after`` meets ``target``; ``proved`` whether the cost
    is proved least (the lower bound equals it).
    """

    target: float
    bound_before: float
    bound_after: float
    reachable: bool
    requests: tuple[Request, ...]
    cost: float
    lower_bound: float
    proved: bool
    greedy: tuple[Request, ...]
    greedy_cost: float


def unreachable_visits(problem: Problem) -> list[ReturnVisit]:
    """Visits no roster can keep for lack of availability (their clinician has not left)."""
    out = []
    for v in problem.visits:
        c = problem.clinician(v.index_clinician_id)
        if c.has_left(v.window_start):
            continue
        slots = window_slots(problem, v)
        if not any((day_of(problem, d), problem.blocks[b].name) in c.available for d, b in slots):
            out.append(v)
    return out


def request_options(problem: Problem, cost: CostFn | None = None) -> list[Request]:
    """Every request that could keep at least one unreachable visit: a slot of the visit's
    window that takes return visits, not declared, workable alone, before the clinician
    leaves."""
    grid = Grid(problem)
    owed: dict[tuple[str, int, int], list[str]] = defaultdict(list)
    for v in unreachable_visits(problem):
        c = problem.clinician(v.index_clinician_id)
        for d, b in window_slots(problem, v):
            day = day_of(problem, d)
            if not c.has_left(day) and grid.slot_alone_ok(b, d):
                owed[(c.clinician_id, d, b)].append(v.visit_id)
    out = []
    for (cid, d, b), visits in sorted(owed.items()):
        c, block, day = problem.clinician(cid), problem.blocks[b], day_of(problem, d)
        price = 1.0 if cost is None else float(cost(c, day, block))
        out.append(Request(cid, day, block.name, price, tuple(visits)))
    return out


def _greedy(
    options: list[Request], caps: dict[str, int], need: int, limit: int
) -> tuple[list[Request], int]:
    """Most newly kept visits per cost first, until ``need`` are kept or nothing helps: the
    requests and the visits they keep."""
    kept: set[str] = set()
    days: dict[str, set[dt.date]] = defaultdict(set)
    chosen: list[Request] = []
    while len(kept) < need:
        best, best_key = None, None
        for r in options:
            if r in chosen or (
                r.day not in days[r.clinician_id] and len(days[r.clinician_id]) >= limit
            ):
                continue
            gain = min(caps[r.block], len(set(r.keeps) - kept))
            key = (gain / r.cost, -r.cost) if gain else None
            if key is not None and (best_key is None or key > best_key):
                best, best_key = r, key
        if best is None:
            break
        chosen.append(best)
        days[best.clinician_id].add(best.day)
        kept |= set(sorted(set(best.keeps) - kept)[: caps[best.block]])
    return chosen, len(kept)


def _exact(
    options: list[Request],
    caps: dict[str, int],
    need: int,
    limit: int,
    seconds: float,
    hint: list[Request],
) -> tuple[list[Request], int, float, bool]:
    """(requests, visits kept, lower bound, proved) of the least-cost pick keeping ``need``
    visits, or of the pick keeping the most when ``need`` is out of reach (``hint``: a pick
    to start from, e.g. the greedy's)."""
    m = cp_model.CpModel()
    r = [m.new_bool_var(f"r{i}") for i in range(len(options))]
    assign: dict[str, list[cp_model.IntVar]] = defaultdict(list)
    days: dict[tuple[str, dt.date], cp_model.IntVar] = {}
    for i, req in enumerate(options):
        xs = [m.new_bool_var(f"a{i},{v}") for v in req.keeps]
        m.add(sum(xs) <= caps[req.block] * r[i])
        for v, x in zip(req.keeps, xs, strict=True):
            assign[v].append(x)
        key = (req.clinician_id, req.day)
        if key not in days:
            days[key] = m.new_bool_var(f"day{key}")
        m.add_implication(r[i], days[key])
    kept = []
    for xs in assign.values():
        k = m.new_bool_var("")
        m.add(sum(xs) == k)
        kept.append(k)
    per: dict[str, list[cp_model.IntVar]] = defaultdict(list)
    for (cid, _), var in days.items():
        per[cid].append(var)
    for xs in per.values():
        m.add(sum(xs) <= limit)
    hinted = set(hint)
    for req, x in zip(options, r, strict=True):
        m.add_hint(x, req in hinted)
    solver = cp_model.CpSolver()
    solver.parameters.max_time_in_seconds = seconds
    solver.parameters.num_workers = 1
    m.maximize(sum(kept))
    if solver.solve(m) not in (cp_model.OPTIMAL, cp_model.FEASIBLE):
        return [], 0, 0.0, False
    most = round(solver.objective_value)
    goal = min(need, most)
    m.add(sum(kept) >= goal)
    m.minimize(sum(round(req.cost * _SCALE) * x for req, x in zip(options, r, strict=True)))
    status = solver.solve(m)
    picked = [req for req, x in zip(options, r, strict=True) if solver.value(x)]
    bound = solver.best_objective_bound / _SCALE
    return picked, goal, bound, status == cp_model.OPTIMAL


def plan_requests(
    problem: Problem,
    target: float | None = None,
    *,
    max_extra_days: int = 4,
    cost: CostFn | None = None,
    seconds: float = 10.0,
) -> RequestPlan:
    """The fewest (least-cost) requests lifting the availability bound to ``target`` (default
    the problem's continuity target); see the module docstring."""
    target = problem.continuity_target if target is None else target
    if not 0 <= target <= 1:
        raise ValueError(f"The target must be a share between 0 and 1, got {target}.")
    if max_extra_days < 0:
        raise ValueError(f"max_extra_days cannot be negative, got {max_extra_days}.")
    n = len(problem.visits)
    missing = len(unreachable_visits(problem))
    left = sum(
        problem.clinician(v.index_clinician_id).has_left(v.window_start) for v in problem.visits
    )
    possible = n - missing - left
    need = max(0, math.ceil(target * n - 1e-9) - possible)
    limit = math.floor(max_extra_days * problem.days / 28)
    caps = {b.name: b.followup_capacity for b in problem.blocks}
    options = request_options(problem, cost)
    greedy, greedy_kept = _greedy(options, caps, need, limit) if need else ([], 0)
    picked, kept, bound, proved = (
        _exact(options, caps, need, limit, seconds, greedy) if need else ([], 0, 0.0, True)
    )
    if greedy_kept >= kept and sum(r.cost for r in greedy) < sum(r.cost for r in picked):
        picked, kept = greedy, greedy_kept  # CP-SAT ran out of time above the greedy
    if options and need:
        # each request keeps at most its block's capacity: a bound CP-SAT may not prove in time
        most = max(min(caps[r.block], len(r.keeps)) for r in options)
        bound = max(bound, min(r.cost for r in options) * math.ceil(min(need, kept) / most))
    share = (possible + kept) / n if n else 1.0
    return RequestPlan(
        target=target,
        bound_before=possible / n if n else 1.0,
        bound_after=share,
        reachable=kept >= need,
        requests=tuple(picked),
        cost=sum(r.cost for r in picked),
        lower_bound=bound,
        proved=proved or sum(r.cost for r in picked) <= bound + 1e-9,
        greedy=tuple(greedy),
        greedy_cost=sum(r.cost for r in greedy),
    )


def with_requests(problem: Problem, requests: tuple[Request, ...] | list[Request]) -> Problem:
    """The problem with the requested (day, block) pairs added to the clinicians' availability
    (to re-solve the roster as if every request were accepted)."""
    extra: dict[str, set[tuple[dt.date, str]]] = defaultdict(set)
    for r in requests:
        extra[r.clinician_id].add((r.day, r.block))
    clinicians = tuple(
        dataclasses.replace(c, available=c.available | extra[c.clinician_id])
        if c.clinician_id in extra
        else c
        for c in problem.clinicians
    )
    return problem.replace(clinicians=clinicians)
