"""The slots each clinician may be rostered on: the variables of the exact model and the moves of
the greedies."""

from __future__ import annotations

from staffing.problem import Problem
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
            if not grid.slot_alone_ok(b, d):
                continue
            if use_demand and (day, block, c.profession) not in demanded:
                continue
            slots.add((d, b))
        out[c.clinician_id] = slots
    return out
