"""Warm starts for the solver: greedy additions of legal shifts to a roster.

:func:`continuity_repair` adds shifts so that index clinicians work inside their patients'
windows; :func:`contract_fill` adds shifts for clinicians below their weekly contract. Both only
add (so demand cover never drops) and every addition keeps the rules (:class:`LegalRoster`).
"""

from __future__ import annotations

import math
import time
from collections import Counter, defaultdict
from collections.abc import Iterable

from staffing.candidates import candidate_slots
from staffing.greedy import load_roster
from staffing.problem import Problem, ReturnVisit
from staffing.solution import ShiftAssignment
from staffing.timegrid import Slot


def contract_fill(
    problem: Problem, shifts: Iterable[ShiftAssignment], deadline: float = math.inf
) -> list[ShiftAssignment]:
    """Add legal shifts for clinicians below their weekly contract, where demand is least
    covered (a warm start for the contract stage: only adds, so cover and continuity hold).
    Past the ``deadline`` (``time.perf_counter()``) no more clinicians are filled."""
    if time.perf_counter() >= deadline:
        return list(shifts)  # building the roster alone takes seconds at the largest sizes
    roster = load_roster(problem, shifts)
    cand = candidate_slots(problem)
    index = {b.name: i for i, b in enumerate(problem.blocks)}
    need: Counter[tuple[Slot, str]] = Counter()
    for (day, name, prof), hours in problem.demand.items():
        need[((problem.day_index(day), index[name]), prof)] += round(hours * 60)
    for cid, slots in roster.slots.items():
        for slot in slots:
            need[(slot, roster.by_id[cid].profession)] -= roster.grid.minutes(slot)
    for c in sorted(problem.clinicians, key=lambda c: c.clinician_id):
        if time.perf_counter() >= deadline:
            break
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
                minutes = roster.grid.minutes(slot)
                if roster.minutes(cid, p) + minutes > target + minutes / 2:
                    continue
                if roster.try_add(cid, slot):
                    need[(slot, c.profession)] -= minutes
    return roster.shifts()


def continuity_repair(
    problem: Problem,
    shifts: list[ShiftAssignment] | tuple[ShiftAssignment, ...],
    deadline: float = math.inf,
) -> list[ShiftAssignment]:
    """Add legal shifts so that more index clinicians work inside their patients' windows.

    A greedy warm start for the solver, not a scheduler's method: shifts are only added (so
    cover never drops), each addition passes the hard rules, and each clinician gets the slot
    that serves most of their still-unmatched return visits (ties: most demand left uncovered,
    preferred block, earliest). Past the ``deadline`` no more clinicians are repaired.
    """
    if time.perf_counter() >= deadline:
        return list(shifts)
    roster = load_roster(problem, shifts)
    index = {b.name: i for i, b in enumerate(problem.blocks)}
    cand = candidate_slots(problem, keep_visits=True)
    caps = [b.followup_capacity for b in problem.blocks]
    staffed: Counter[tuple[Slot, str]] = Counter()
    for cid, slots in roster.slots.items():
        for slot in slots:
            staffed[(slot, roster.by_id[cid].profession)] += roster.grid.minutes(slot)
    need = {
        ((problem.day_index(d), index[b]), p): round(h * 60)
        for (d, b, p), h in problem.demand.items()
    }
    by_clinician: dict[str, list[ReturnVisit]] = defaultdict(list)
    for v in sorted(
        problem.visits,
        key=lambda v: ((v.window_end - v.window_start).days, v.window_end, v.visit_id),
    ):
        by_clinician[v.index_clinician_id].append(v)
    for cid, visits in sorted(by_clinician.items()):
        if time.perf_counter() >= deadline:
            break
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
                    staffed[(slot, c.profession)] += roster.grid.minutes(slot)
                    added = True
                    break
            if not added:
                break
    return roster.shifts()
