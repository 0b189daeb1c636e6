"""The slots each clinician may be rostered on: the variables of the exact model and the moves of
the greedies."""

from __future__ import annotations

import datetime as dt

from staffing.problem import Problem
from staffing.timegrid import Grid, Slot


def _visit_days(problem: Problem) -> dict[str, set[int]]:
    """Day indices inside some return-visit window of each index clinician."""
    out: dict[str, set[int]] = {}
    for v in problem.visits:
        first, last = problem.day_index(v.window_start), problem.day_index(v.window_end)
        out.setdefault(v.index_clinician_id, set()).update(range(first, last + 1))
    return out


def candidate_slots(problem: Problem, keep_visits: bool = False) -> dict[str, set[Slot]]:
    """The slots each clinician may be rostered on: declared available, block offered that day,
    workable alone under the rest and break rules, and with demand for their profession there
    (when the problem has any demand at all).

    With ``keep_visits`` a slot without demand is a candidate too when its block takes return
    visits and the day lies in a window of one of the clinician's own return visits: working
    it keeps a patient with their clinician at no cost to cover (the exact model and the
    continuity warm start use it; the brute-force oracle found rosters that needed it).
    """
    grid = Grid(problem)
    index = {b.name: i for i, b in enumerate(problem.blocks)}
    demanded = {(day, block, prof) for (day, block, prof), h in problem.demand.items() if h > 0}
    use_demand = bool(problem.demand)
    visit_days = _visit_days(problem) if keep_visits else {}
    # whether a (day, block) is workable at all does not depend on who works it: once each
    workable: dict[tuple[dt.date, str], Slot | None] = {}

    def slot_of(day: dt.date, block: str) -> Slot | None:
        b, d = index[block], problem.day_index(day)
        ok = 0 <= d < problem.days and problem.blocks[b].offered_on(day)
        return (d, b) if ok and grid.slot_alone_ok(b, d) else None

    out: dict[str, set[Slot]] = {}
    for c in problem.clinicians:
        slots = set()
        owed = visit_days.get(c.clinician_id, set())
        for day, block in c.available:
            key = (day, block)
            if key not in workable:
                workable[key] = slot_of(day, block)
            slot = workable[key]
            if slot is None:
                continue
            d, b = slot
            needed = not use_demand or (day, block, c.profession) in demanded
            if not needed and not (d in owed and problem.blocks[b].followup_capacity > 0):
                continue
            slots.add((d, b))
        out[c.clinician_id] = slots
    return out
