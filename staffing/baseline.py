"""The cover-first scheduler: what a planner gets without continuity as an objective.

1. Roster for cover: walk the demand cells in time order and, for each, add the legal
   available clinicians of the profession who are furthest below their contract hours
   (preferred blocks first) until the cell is covered.
2. Fill contract hours: clinicians still under their weekly contract get more blocks where
   the demand is least covered, still ignoring return visits.
3. Book follow-ups afterwards (:func:`book_follow_ups`): each return visit goes to its index
   clinician on the first day of its window where they work with spare capacity, else to
   another clinician of the profession who works in the window.

Every move is checked with the problem's hard rules of :mod:`staffing.rules` (and with the
rules the problem made soft: a greedy never bends a rule), so the roster breaks none of them;
it is also the solver's starting hint.
"""

from __future__ import annotations

import datetime as dt
from collections import Counter, defaultdict
from collections.abc import Iterable, Mapping

from staffing.problem import Problem
from staffing.rules import clinician_hard_rules
from staffing.solution import FollowUp, ShiftAssignment, Solution
from staffing.timegrid import Grid, Slot


def candidate_slots(problem: Problem) -> dict[str, set[Slot]]:
    """The slots each clinician may be rostered on: declared available, block offered that day,
    workable alone under the rest and break rules, and with demand for their profession there
    (when the problem has any demand at all)."""
    grid = Grid(problem)
    index = {b.name: i for i, b in enumerate(problem.blocks)}
    demanded = {(day, block, prof) for (day, block, prof), h in problem.demand.items() if h > 0}
    use_demand = bool(problem.demand)
    out: dict[str, set[Slot]] = {}
    for c in problem.clinicians:
        slots = set()
        for day, block in c.available:
            b = index[block]
            d = problem.day_index(day)
            if not 0 <= d < problem.days or not problem.blocks[b].offered_on(day):
                continue
            if not grid.slot_alone_ok(b):
                continue
            if use_demand and (day, block, c.profession) not in demanded:
                continue
            slots.add((d, b))
        out[c.clinician_id] = slots
    return out


class _Roster:
    """Shifts per clinician with a legality check on every addition."""

    def __init__(self, problem: Problem) -> None:
        self.problem = problem
        self.grid = Grid(problem)
        self.slots: dict[str, list[Slot]] = defaultdict(list)
        self.by_id = {c.clinician_id: c for c in problem.clinicians}
        self.rules = clinician_hard_rules(problem)

    def try_add(self, cid: str, slot: Slot) -> bool:
        current = self.slots[cid]
        if slot in current:
            return False
        trial = sorted([*current, slot], key=self.grid.interval)
        c = self.by_id[cid]
        for rule in self.rules:
            if rule(self.problem, self.grid, c, trial):
                return False
        self.slots[cid] = trial
        return True

    def minutes(self, cid: str, period: int | None = None) -> int:
        return sum(
            self.problem.blocks[b].minutes
            for d, b in self.slots[cid]
            if period is None or d // 7 == period
        )

    def shifts(self) -> list[ShiftAssignment]:
        p = self.problem
        return sorted(
            ShiftAssignment(p.start + dt.timedelta(days=d), p.blocks[b].name, cid)
            for cid, slots in self.slots.items()
            for d, b in slots
        )


def cover_first_roster(problem: Problem) -> list[ShiftAssignment]:
    """Steps 1 and 2: a roster built for cover and contract hours, blind to return visits."""
    roster = _Roster(problem)
    cand = candidate_slots(problem)
    index = {b.name: i for i, b in enumerate(problem.blocks)}
    by_slot: dict[tuple[Slot, str], list[str]] = defaultdict(list)
    for c in problem.clinicians:
        for slot in cand[c.clinician_id]:
            by_slot[(slot, c.profession)].append(c.clinician_id)
    contract = {c.clinician_id: max(c.contract_hours, 1e-6) for c in problem.clinicians}
    prefers = {c.clinician_id: c.preferred_blocks for c in problem.clinicians}
    need: dict[tuple[Slot, str], int] = {}
    for (day, block, prof), hours in problem.demand.items():
        if hours > 0:
            need[((problem.day_index(day), index[block]), prof)] = round(hours * 60)

    def cells_in_time_order() -> list[tuple[Slot, str]]:
        grid = Grid(problem)
        return sorted(need, key=lambda k: (grid.interval(k[0]), k[1]))

    # 1. cover
    for key in cells_in_time_order():
        (slot, prof) = key
        block = problem.blocks[slot[1]]
        order = sorted(
            by_slot.get(key, []),
            key=lambda cid: (
                roster.minutes(cid) / 60 / contract[cid],
                block.name not in prefers[cid] and bool(prefers[cid]),
                cid,
            ),
        )
        for cid in order:
            if need[key] <= 0:
                break
            if roster.try_add(cid, slot):
                need[key] -= block.minutes
    # 2. contract hours, where demand is least covered
    grid = Grid(problem)
    for c in sorted(problem.clinicians, key=lambda c: c.clinician_id):
        cid = c.clinician_id
        for p, days in enumerate(grid.periods):
            target = c.contract_hours * len(days) / 7 * 60
            options = sorted(
                (s for s in cand[cid] if s[0] // 7 == p),
                key=lambda s: (
                    -need.get((s, c.profession), 0),
                    problem.blocks[s[1]].name not in c.preferred_blocks
                    and bool(c.preferred_blocks),
                    s,
                ),
            )
            for slot in options:
                block = problem.blocks[slot[1]]
                if roster.minutes(cid, p) + block.minutes > target + block.minutes / 2:
                    continue
                if roster.try_add(cid, slot):
                    key = (slot, c.profession)
                    if key in need:
                        need[key] -= block.minutes
    return roster.shifts()


def _load(problem: Problem, shifts: Iterable[ShiftAssignment]) -> _Roster:
    roster = _Roster(problem)
    index = {b.name: i for i, b in enumerate(problem.blocks)}
    for s in shifts:
        roster.slots[s.clinician_id].append((problem.day_index(s.day), index[s.block]))
    for cid in roster.slots:
        roster.slots[cid].sort(key=roster.grid.interval)
    return roster


def contract_fill(problem: Problem, shifts: Iterable[ShiftAssignment]) -> list[ShiftAssignment]:
    """Add legal shifts for clinicians below their weekly contract, where demand is least
    covered (a warm start for the contract stage: only adds, so cover and continuity hold)."""
    roster = _load(problem, shifts)
    cand = candidate_slots(problem)
    index = {b.name: i for i, b in enumerate(problem.blocks)}
    need: Counter[tuple[Slot, str]] = Counter()
    for (day, block, prof), hours in problem.demand.items():
        need[((problem.day_index(day), index[block]), prof)] += round(hours * 60)
    for cid, slots in roster.slots.items():
        for slot in slots:
            need[(slot, roster.by_id[cid].profession)] -= problem.blocks[slot[1]].minutes
    for c in sorted(problem.clinicians, key=lambda c: c.clinician_id):
        cid = c.clinician_id
        for p, days in enumerate(roster.grid.periods):
            target = c.contract_hours * len(days) / 7 * 60
            options = sorted(
                (s for s in cand[cid] if s[0] // 7 == p),
                key=lambda s: (
                    -need[(s, c.profession)],
                    problem.blocks[s[1]].name not in c.preferred_blocks
                    and bool(c.preferred_blocks),
                    s,
                ),
            )
            for slot in options:
                block = problem.blocks[slot[1]]
                if roster.minutes(cid, p) + block.minutes > target + block.minutes / 2:
                    continue
                if roster.try_add(cid, slot):
                    need[(slot, c.profession)] -= block.minutes
    return roster.shifts()


def continuity_repair(
    problem: Problem, shifts: list[ShiftAssignment] | tuple[ShiftAssignment, ...]
) -> list[ShiftAssignment]:
    """Add legal shifts so that more index clinicians work inside their patients' windows.

    A greedy warm start for the solver, not a scheduler's method: shifts are only added (so
    cover never drops), each addition passes the hard rules, and each clinician gets the slot
    that serves most of their still-unmatched return visits (ties: most demand left uncovered,
    preferred block, earliest).
    """
    roster = _load(problem, shifts)
    index = {b.name: i for i, b in enumerate(problem.blocks)}
    cand = candidate_slots(problem)
    caps = [b.followup_capacity for b in problem.blocks]
    staffed: Counter[tuple[Slot, str]] = Counter()
    for cid, slots in roster.slots.items():
        for slot in slots:
            staffed[(slot, roster.by_id[cid].profession)] += problem.blocks[slot[1]].minutes
    need = {
        ((problem.day_index(d), index[b]), p): round(h * 60)
        for (d, b, p), h in problem.demand.items()
    }
    by_clinician: dict[str, list] = defaultdict(list)
    for v in sorted(
        problem.visits,
        key=lambda v: ((v.window_end - v.window_start).days, v.window_end, v.visit_id),
    ):
        by_clinician[v.index_clinician_id].append(v)
    for cid, visits in sorted(by_clinician.items()):
        c = roster.by_id[cid]
        while True:
            room: Counter[int] = Counter()
            for d, b in roster.slots[cid]:
                room[d] += caps[b]
            unmatched = []
            for v in visits:
                days = range(problem.day_index(v.window_start), problem.day_index(v.window_end) + 1)
                day = next((d for d in days if room[d] > 0), None)
                if day is None:
                    unmatched.append(days)
                else:
                    room[day] -= 1
            if not unmatched:
                break
            options = []
            for slot in cand[cid]:
                if slot in roster.slots[cid] or caps[slot[1]] == 0:
                    continue
                served = min(caps[slot[1]], sum(slot[0] in days for days in unmatched))
                if served:
                    key = (slot, c.profession)
                    gap = need.get(key, 0) - staffed[key]
                    pref = (
                        problem.blocks[slot[1]].name in c.preferred_blocks or not c.preferred_blocks
                    )
                    options.append((-served, -gap, not pref, slot))
            added = False
            for *_, slot in sorted(options):
                if roster.try_add(cid, slot):
                    staffed[(slot, c.profession)] += problem.blocks[slot[1]].minutes
                    added = True
                    break
            if not added:
                break
    return roster.shifts()


def book_follow_ups(
    problem: Problem,
    shifts: list[ShiftAssignment] | tuple[ShiftAssignment, ...],
    same_day: Mapping[str, dt.date] | None = None,
) -> list[FollowUp]:
    """Book every return visit into a worked block with spare capacity.

    Visits in ``same_day`` (visit id -> day) go to their index clinician on that day first.
    Then, in order of window end, each remaining visit goes to its index clinician on the first
    worked day of its window with room, else to the clinician of the profession with the most
    room in the window (earliest day first), else stays unserved.
    """
    caps = {b.name: b.followup_capacity for b in problem.blocks}
    prof = {c.clinician_id: c.profession for c in problem.clinicians}
    room: Counter[tuple[str, dt.date, str]] = Counter()
    by_day: dict[tuple[str, dt.date], list[str]] = defaultdict(list)
    by_prof_day: dict[tuple[str, dt.date], list[str]] = defaultdict(list)
    order = {b.name: i for i, b in enumerate(problem.blocks)}
    for s in sorted(set(shifts), key=lambda s: (s.day, order.get(s.block, 0), s.clinician_id)):
        room[(s.clinician_id, s.day, s.block)] = caps.get(s.block, 0)
        by_day[(s.clinician_id, s.day)].append(s.block)
        if (
            s.clinician_id in prof
            and s.clinician_id not in by_prof_day[(prof[s.clinician_id], s.day)]
        ):
            by_prof_day[(prof[s.clinician_id], s.day)].append(s.clinician_id)

    def take(cid: str, day: dt.date) -> str | None:
        for block in by_day.get((cid, day), []):
            if room[(cid, day, block)] > 0:
                room[(cid, day, block)] -= 1
                return block
        return None

    booked: dict[str, FollowUp] = {}
    same_day = same_day or {}
    for v in problem.visits:
        day = same_day.get(v.visit_id)
        if day is not None and v.window_start <= day <= v.window_end:
            block = take(v.index_clinician_id, day)
            if block is not None:
                booked[v.visit_id] = FollowUp(v.visit_id, v.index_clinician_id, day, block)
    rest = sorted(
        (v for v in problem.visits if v.visit_id not in booked),
        key=lambda v: (v.window_end, v.window_start, v.visit_id),
    )
    for v in rest:
        days = [
            v.window_start + dt.timedelta(days=i)
            for i in range((v.window_end - v.window_start).days + 1)
        ]
        for day in days:
            block = take(v.index_clinician_id, day)
            if block is not None:
                booked[v.visit_id] = FollowUp(v.visit_id, v.index_clinician_id, day, block)
                break
    for v in rest:
        if v.visit_id in booked:
            continue
        days = [
            v.window_start + dt.timedelta(days=i)
            for i in range((v.window_end - v.window_start).days + 1)
        ]
        best = None
        for day in days:
            for cid in by_prof_day.get((v.profession, day), []):
                spare = sum(room[(cid, day, b)] for b in by_day[(cid, day)])
                if spare > 0 and (best is None or spare > best[0]):
                    best = (spare, cid, day)
            if best is not None:
                break
        if best is not None:
            _, cid, day = best
            block = take(cid, day)
            booked[v.visit_id] = FollowUp(v.visit_id, cid, day, block)
        else:
            booked[v.visit_id] = FollowUp(v.visit_id)
    return [booked[v.visit_id] for v in problem.visits]


def cover_first(problem: Problem) -> Solution:
    """The cover-first baseline: roster for cover and contract, then book follow-ups."""
    import time

    started = time.perf_counter()
    shifts = cover_first_roster(problem)
    follow_ups = book_follow_ups(problem, shifts)
    return Solution(
        "BASELINE", tuple(shifts), tuple(follow_ups), seconds=time.perf_counter() - started
    )
