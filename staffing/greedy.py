"""Greedy rostering that never breaks a rule: :class:`LegalRoster` accepts a shift only when it
keeps every hard rule of the problem (and every rule the problem made soft: a greedy never bends a
rule; only the solver does, where it pays).

The cover-first baseline (:mod:`staffing.baseline`) builds its roster with it; the solver's
warm starts (:mod:`staffing.warmstart`) add to a given roster with it.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Iterable

from staffing.problem import Problem
from staffing.rules import clinician_hard_rules
from staffing.solution import ShiftAssignment
from staffing.timegrid import Grid, Slot


class LegalRoster:
    """Shifts per clinician with a legality check on every addition."""

    def __init__(self, problem: Problem) -> None:
        self.problem = problem
        self.grid = Grid(problem)
        self.slots: dict[str, list[Slot]] = defaultdict(list)
        self.by_id = {c.clinician_id: c for c in problem.clinicians}
        self.rules = clinician_hard_rules(problem)

    def try_add(self, cid: str, slot: Slot) -> bool:
        """Add ``slot`` to the clinician's shifts if it keeps every rule; whether it was added."""
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
        """Worked minutes of a clinician (absolute time), over the horizon or in one 7-day period."""
        return sum(
            self.grid.minutes((d, b))
            for d, b in self.slots[cid]
            if period is None or d // 7 == period
        )

    def shifts(self) -> list[ShiftAssignment]:
        """The roster as sorted shift assignments."""
        p = self.problem
        return sorted(
            ShiftAssignment(p.start + dt.timedelta(days=d), p.blocks[b].name, cid)
            for cid, slots in self.slots.items()
            for d, b in slots
        )


def load_roster(problem: Problem, shifts: Iterable[ShiftAssignment]) -> LegalRoster:
    """A legal roster that starts from ``shifts`` (taken as given, not checked)."""
    roster = LegalRoster(problem)
    index = {b.name: i for i, b in enumerate(problem.blocks)}
    for s in shifts:
        roster.slots[s.clinician_id].append((problem.day_index(s.day), index[s.block]))
    for cid in roster.slots:
        roster.slots[cid].sort(key=roster.grid.interval)
    return roster
