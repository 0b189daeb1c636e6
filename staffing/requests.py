"""The fewest availability requests that lift the availability bound to a target.

A return visit whose index clinician declared no slot in its window that takes return visits
cannot be kept by any roster (reason ``not_available`` of :mod:`staffing.misses`). A *request*
asks one clinician to work one more (day, block); it can keep up to the block's follow-up
capacity of that clinician's such visits whose windows hold the day. :func:`plan_requests`
picks requests of least total cost so that the availability bound of
:func:`staffing.kpi.evaluate` reaches the target, with at most ``max_extra_days`` extra days per
clinician per four weeks (pro rata; people are asked, not ordered) and no two requests of one
clinician that the working-time rules forbid together (rest, overlap, span, break).

The pick is exact (:func:`pick_requests`): a request keeps only its own clinician's visits, so
each clinician's least cost of keeping 1, 2, ... visits is a tiny CP-SAT model, and a knapsack
over those curves picks how many each keeps. Its cost is therefore a proved lower bound on any
request set that reaches the target (a roster never beats its availability bound). A greedy
baseline (most visits kept per cost first) is reported beside it. When the target is out of
reach it says so and gives the highest bound the limits allow, with its requests.

Whether a roster can work the requested slots together with the rest of its week (weekly hours,
contract and mertid) is for the re-solve to judge: :func:`with_requests` gives the problem with
the requests accepted, and :func:`staffing.reach.reach_target` re-solves it.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import heapq
import itertools
import math
import time
from collections import defaultdict
from collections.abc import Callable, Iterable, Mapping
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
    lower_bound: float | None
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


def request_options(
    problem: Problem, cost: CostFn | None = None, visits: Iterable[ReturnVisit] | None = None
) -> list[Request]:
    """Every request that could keep at least one of ``visits`` (default: the unreachable
    ones): a slot of the visit's window that takes return visits, not declared, workable
    alone, before the clinician leaves."""
    grid = Grid(problem)
    owed: dict[tuple[str, int, int], list[str]] = defaultdict(list)
    for v in unreachable_visits(problem) if visits is None else visits:
        c = problem.clinician(v.index_clinician_id)
        for d, b in window_slots(problem, v):
            day = day_of(problem, d)
            if (
                not c.has_left(day)
                and (day, problem.blocks[b].name) not in c.available
                and grid.slot_alone_ok(b, d)
            ):
                owed[(c.clinician_id, d, b)].append(v.visit_id)
    out = []
    for (cid, d, b), kept in sorted(owed.items()):
        c, block, day = problem.clinician(cid), problem.blocks[b], day_of(problem, d)
        price = 1.0 if cost is None else float(cost(c, day, block))
        if not math.isfinite(price) or price < 0:
            raise ValueError(f"A request's cost must be a number >= 0, got {price} for {cid}.")
        out.append(Request(cid, day, block.name, price, tuple(kept)))
    return out


def _greedy(
    options: list[Request],
    caps: dict[str, int],
    need: int,
    limits: Mapping[str, int],
) -> tuple[list[Request], int]:
    """Most newly kept visits per cost first (ties: the cheaper, then the earlier option), until
    ``need`` are kept or nothing helps: the requests and the visits they keep (``limits``:
    extra days left per clinician). No deadline: 0.06 s for a year of 1,000 clinicians.

    Lazy: an option's gain only falls as visits are kept and a clinician's days fill up, so a
    key computed earlier bounds it from above; only the top of the heap is computed again
    (the same picks as scanning every option each time, which took minutes for a year of
    1,000 clinicians).
    """
    kept: set[str] = set()
    days: dict[str, set[dt.date]] = defaultdict(set)
    chosen: list[Request] = []

    def key(i: int) -> tuple[float, float, int] | None:
        r = options[i]
        if (
            r.day not in days[r.clinician_id]
            and len(days[r.clinician_id]) >= limits[r.clinician_id]
        ):
            return None
        gain = min(caps[r.block], len(set(r.keeps) - kept))
        return (-gain / max(r.cost, 1e-9), r.cost, i) if gain else None  # heap order: best first

    heap = [k for i in range(len(options)) if (k := key(i)) is not None]
    heapq.heapify(heap)
    while len(kept) < need and heap:
        i = heapq.heappop(heap)[2]
        fresh = key(i)
        if fresh is None:
            continue  # helps no more (or its clinician's days are full): never again
        if heap and fresh > heap[0]:
            heapq.heappush(heap, fresh)  # another option may be better now
            continue
        best = options[i]
        chosen.append(best)
        days[best.clinician_id].add(best.day)
        kept |= set(sorted(set(best.keeps) - kept)[: caps[best.block]])
    return chosen, len(kept)


@dataclass(frozen=True)
class _Step:
    """The least-cost requests of one clinician keeping ``kept`` of their visits."""

    kept: int
    cost: int  # in hundredths
    requests: tuple[Request, ...]
    proved: bool
    floor: int  # a proved lower bound on ``cost`` (equal to it when proved)


@dataclass(frozen=True)
class Pick:
    """What :func:`pick_requests` found: the requests, the visits they keep, whether their
    cost is proved least, and a proved lower bound on the least cost (None when a tiny model
    stopped without deciding whether more visits can be kept)."""

    requests: tuple[Request, ...]
    kept: int
    proved: bool
    lower_bound: float | None


#: Whether two requests of one clinician cannot both be worked (rest, overlap, span, break).
Conflict = Callable[[Request, Request], bool]


def slot_conflicts(problem: Problem) -> Conflict:
    """Two requests conflict when the working-time rules forbid working both slots
    (:meth:`staffing.timegrid.Grid.pair_conflict`: overlap, daily rest, span, break)."""
    grid = Grid(problem)
    index = {b.name: i for i, b in enumerate(problem.blocks)}

    def conflict(a: Request, b: Request) -> bool:
        return grid.pair_conflict(
            (problem.day_index(a.day), index[a.block]), (problem.day_index(b.day), index[b.block])
        )

    return conflict


def _clinician_curve(
    options: list[Request],
    caps: dict[str, int],
    limit: int,
    seconds: float,
    conflict: Conflict | None = None,
    taken: frozenset[dt.date] = frozenset(),
    deadline: float = math.inf,
) -> tuple[list[_Step], bool]:
    """One clinician's least cost of keeping 1, 2, ... of their visits (until no more can be
    kept within ``limit`` extra days besides the days ``taken`` already, with no two requests
    in ``conflict``): a tiny CP-SAT model per count. The flag says whether the curve is
    complete (it ends where no more can be kept, not where a model or ``deadline`` ran out of
    time)."""
    if time.perf_counter() >= deadline:
        return [], False
    visits = sorted({v for r in options for v in r.keeps})
    m = cp_model.CpModel()
    r = [m.new_bool_var(f"r{i}") for i in range(len(options))]
    assign: dict[str, list[cp_model.IntVar]] = defaultdict(list)
    days: dict[dt.date, cp_model.IntVar] = {}
    for i, req in enumerate(options):
        xs = [m.new_bool_var(f"a{i},{v}") for v in req.keeps]
        m.add(sum(xs) <= caps[req.block] * r[i])
        for v, x in zip(req.keeps, xs, strict=True):
            assign[v].append(x)
        if req.day not in days:
            days[req.day] = m.new_bool_var(f"day{req.day}")
        m.add_implication(r[i], days[req.day])
    for xs in assign.values():
        m.add(sum(xs) <= 1)
    m.add(sum(var for d, var in days.items() if d not in taken) <= limit)
    if conflict is not None:
        for i, j in itertools.combinations(range(len(options)), 2):
            if conflict(options[i], options[j]):
                m.add_bool_or([r[i].Not(), r[j].Not()])
    kept = sum(x for xs in assign.values() for x in xs)
    at_least = [m.new_bool_var(f"keep>={k}") for k in range(len(visits) + 1)]
    for k, lit in enumerate(at_least):
        m.add(kept >= k).only_enforce_if(lit)
    m.minimize(sum(round(req.cost * _SCALE) * x for req, x in zip(options, r, strict=True)))
    steps: list[_Step] = []
    for k in range(1, len(visits) + 1):
        left = deadline - time.perf_counter()
        if left <= 0:
            return steps, False  # the run's deadline: the curve may go on
        solver = cp_model.CpSolver()
        solver.parameters.max_time_in_seconds = min(seconds, left)
        solver.parameters.num_workers = 1
        solver.parameters.catch_sigint_signal = False  # Ctrl-C is the caller's (see solve.py)
        m.clear_assumptions()
        m.add_assumptions([at_least[k]])
        status = solver.solve(m)
        if status == cp_model.INFEASIBLE:
            return steps, True  # no more can be kept
        if status not in (cp_model.OPTIMAL, cp_model.FEASIBLE):
            return steps, False  # undecided in time: the curve may go on
        picked = tuple(req for req, x in zip(options, r, strict=True) if solver.value(x))
        cost = round(solver.objective_value)
        floor = (
            cost if status == cp_model.OPTIMAL else math.ceil(solver.best_objective_bound - 1e-6)
        )
        steps.append(_Step(k, cost, picked, status == cp_model.OPTIMAL, floor))
    return steps, True


def _combine(curves: list[list[_Step]], need: int, floors: bool = False) -> tuple[list[_Step], int]:
    """The least-cost choice of one step (or none) per clinician keeping ``need`` visits in all,
    or the most that can be kept: a knapsack over the curves (their proved floors with
    ``floors``). Returns the steps and the visits they keep."""
    reach = min(need, sum(c[-1].kept for c in curves if c))
    inf = math.inf
    best: list[float] = [0.0] + [inf] * reach
    back: list[list[tuple[int, int] | None]] = []  # per clinician: kept -> (previous, step)
    for curve in curves:
        nxt = list(best)
        choice: list[tuple[int, int] | None] = [
            (j, -1) if best[j] < inf else None for j in range(reach + 1)
        ]
        for j in range(reach + 1):
            if best[j] == inf:
                continue
            for s, step in enumerate(curve):
                t = min(reach, j + step.kept)
                value = best[j] + (step.floor if floors else step.cost)
                if value < nxt[t]:
                    nxt[t], choice[t] = value, (j, s)
        best = nxt
        back.append(choice)
    steps: list[_Step] = []
    j = reach
    for curve, choice in zip(reversed(curves), reversed(back), strict=True):
        prev = choice[j]
        assert prev is not None  # every reachable count has a way back
        if prev[1] >= 0:
            steps.append(curve[prev[1]])
        j = prev[0]
    return steps, reach


def pick_requests(
    options: list[Request],
    caps: dict[str, int],
    need: int,
    limits: Mapping[str, int],
    seconds: float = 5.0,
    *,
    conflict: Conflict | None = None,
    taken: Mapping[str, frozenset[dt.date]] | None = None,
    deadline: float = math.inf,
) -> Pick:
    """The least-cost requests keeping ``need`` of the visits the options name (or the most
    that can be kept, if fewer), with a proved lower bound on that least cost.

    Exact by decomposition: a request keeps only its own clinician's visits, so each
    clinician's least cost for 1, 2, ... kept visits is solved alone (:func:`_clinician_curve`)
    and a knapsack over those curves (:func:`_combine`) picks the counts. ``limits``: extra
    days each clinician may still be asked for, besides the days already ``taken``;
    ``conflict``: pairs of requests one clinician cannot both work. Past ``deadline``
    (``time.perf_counter()``) no more curve is solved: the pick keeps what the curves so far
    give, unproved."""
    if need <= 0:
        return Pick((), 0, True, 0.0)
    by_clinician: dict[str, list[Request]] = defaultdict(list)
    for r in options:
        by_clinician[r.clinician_id].append(r)
    curves, complete = [], True
    for cid, opts in sorted(by_clinician.items()):
        curve, done = _clinician_curve(
            opts,
            caps,
            limits[cid],
            seconds,
            conflict,
            (taken or {}).get(cid, frozenset()),
            deadline,
        )
        curves.append(curve)
        complete &= done
    steps, kept = _combine(curves, need)
    picked = tuple(r for s in steps for r in s.requests)
    proved = complete and all(s.proved for c in curves for s in c)
    floor_steps, _ = _combine(curves, kept, floors=True)
    bound = sum(s.floor for s in floor_steps) / _SCALE if complete else None
    return Pick(picked, kept, proved, bound)


def plan_requests(
    problem: Problem,
    target: float | None = None,
    *,
    max_extra_days: int = 4,
    cost: CostFn | None = None,
    seconds: float = 5.0,
    deadline: float = math.inf,
) -> RequestPlan:
    """The fewest (least-cost) requests lifting the availability bound to ``target`` (default
    the problem's continuity target); see the module docstring. ``seconds``: per tiny model;
    no model runs past ``deadline`` (``time.perf_counter()``; the plan is then unproved and
    may fall short)."""
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
    limits: defaultdict[str, int] = defaultdict(lambda: extra_day_limit(problem, max_extra_days))
    caps = {b.name: b.followup_capacity for b in problem.blocks}
    options = request_options(problem, cost)
    greedy, _ = _greedy(options, caps, need, limits)
    pick = pick_requests(
        options, caps, need, limits, seconds, conflict=slot_conflicts(problem), deadline=deadline
    )
    picked, kept, proved = pick.requests, pick.kept, pick.proved
    price = sum(r.cost for r in picked)
    return RequestPlan(
        target=target,
        bound_before=possible / n if n else 1.0,
        bound_after=(possible + kept) / n if n else 1.0,
        reachable=kept >= need,
        requests=tuple(picked),
        cost=price,
        lower_bound=price if proved else pick.lower_bound,
        proved=proved,
        greedy=tuple(greedy),
        greedy_cost=sum(r.cost for r in greedy),
    )


def extra_day_limit(problem: Problem, max_extra_days: int) -> int:
    """Extra days one clinician may be asked for over the horizon: ``max_extra_days`` per four
    weeks, pro rata (rounded down)."""
    return math.floor(max_extra_days * problem.days / 28)


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
