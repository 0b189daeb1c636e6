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

import math
import time
from collections import defaultdict

from staffing.booking import book_follow_ups
from staffing.candidates import candidate_slots
from staffing.greedy import LegalRoster
from staffing.problem import Problem
from staffing.solution import ShiftAssignment, Solution
from staffing.timegrid import Grid, Slot


def cover_first_roster(
    problem: Problem, deadline: float = math.inf
) -> tuple[list[ShiftAssignment], str]:
    """Steps 1 and 2: a roster built for cover and contract hours, blind to return visits,
    and what the ``deadline`` (a ``time.perf_counter()`` value) cut short ("" when nothing:
    the roster so far keeps every rule, it only covers less)."""
    roster = LegalRoster(problem)
    cand = candidate_slots(problem)
    index = {b.name: i for i, b in enumerate(problem.blocks)}
    by_slot: dict[tuple[Slot, str], list[str]] = defaultdict(list)
    for c in problem.clinicians:
        for slot in cand[c.clinician_id]:
            by_slot[(slot, c.profession)].append(c.clinician_id)
    contract = {c.clinician_id: max(c.contract_hours, 1e-6) for c in problem.clinicians}
    prefers = {c.clinician_id: c.preferred_blocks for c in problem.clinicians}
    need: dict[tuple[Slot, str], int] = {}
    for (day, name, prof), hours in problem.demand.items():
        if hours > 0:
            need[((problem.day_index(day), index[name]), prof)] = round(hours * 60)

    def cells_in_time_order() -> list[tuple[Slot, str]]:
        grid = Grid(problem)
        return sorted(need, key=lambda k: (grid.interval(k[0]), k[1]))

    # 1. cover
    cells = cells_in_time_order()
    for done, key in enumerate(cells):
        if time.perf_counter() >= deadline:
            return roster.shifts(), (
                f"cover-first roster stopped at {done} of {len(cells)} demand cells, "
                "contract hours not filled"
            )
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
                need[key] -= roster.grid.minutes(slot)
    # 2. contract hours, where demand is least covered
    grid = Grid(problem)
    for done, c in enumerate(sorted(problem.clinicians, key=lambda c: c.clinician_id)):
        if time.perf_counter() >= deadline:
            return roster.shifts(), (
                f"cover-first roster: contract hours filled for {done} of "
                f"{len(problem.clinicians)} clinicians"
            )
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
                minutes = grid.minutes(slot)
                if roster.minutes(cid, p) + minutes > target + minutes / 2:
                    continue
                if roster.try_add(cid, slot):
                    key = (slot, c.profession)
                    if key in need:
                        need[key] -= minutes
    return roster.shifts(), ""


def cover_first(problem: Problem, deadline: float = math.inf) -> Solution:
    """The cover-first baseline: roster for cover and contract, then book follow-ups. Past the
    ``deadline`` the roster built so far is kept (flagged ``time_limited``, with what was cut)."""
    started = time.perf_counter()
    shifts, cut = cover_first_roster(problem, deadline)
    follow_ups = book_follow_ups(problem, shifts)
    return Solution(
        "BASELINE",
        tuple(shifts),
        tuple(follow_ups),
        seconds=time.perf_counter() - started,
        time_limited=bool(cut),
        message=cut,
    )
