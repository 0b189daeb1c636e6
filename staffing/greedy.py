"""Greedy rostering that never breaks a rule: :class:`LegalRoster` accepts a shift only when it
keeps every hard rule of the problem (and every rule the problem made soft: a greedy never bends a
rule; only the solver does, where it pays).

The cover-first baseline (:mod:`staffing.baseline`) builds its roster with it; the solver's
warm starts (:mod:`staffing.warmstart`) add to a given roster with it.
"""

from __future__ import annotations

import bisect
import datetime as dt
from collections import defaultdict
from collections.abc import Iterable

from staffing.problem import Problem
from staffing.rules import (
    WINDOW_DAYS,
    WINDOWED_RULES,
    clinician_hard_rules,
    mertid_limit,
    mertid_over,
)
from staffing.solution import ShiftAssignment
from staffing.timegrid import DAY, Grid, Slot


class LegalRoster:
    """Shifts per clinician with a legality check on every addition.

    A check costs the same at any horizon: the roster before a move keeps every rule, so only
    the slots near the new one can break a rule of :data:`~staffing.rules.WINDOWED_RULES`
    (those rules are checked on that stretch of the roster); the other rules (the mertid cap,
    fair shares) read the whole roster. Worked minutes are kept per 7-day period as shifts
    are added, not summed again on every question.
    """

    def __init__(self, problem: Problem) -> None:
        self.problem = problem
        self.grid = Grid(problem)
        self.slots: dict[str, list[Slot]] = defaultdict(list)
        self.by_id = {c.clinician_id: c for c in problem.clinicians}
        self.rules = clinician_hard_rules(problem)
        self._windowed = tuple(r for r in self.rules if r in WINDOWED_RULES)
        # the mertid cap is read from the hours per period kept here
        self._mertid = mertid_limit in self.rules
        self._whole = tuple(
            r for r in self.rules if r not in WINDOWED_RULES and r is not mertid_limit
        )
        # the windowed rules look at most this far from a slot (a run of consecutive days on
        # either side, a 7-day period and the night reaching into it)
        self._reach = (max(WINDOW_DAYS, problem.rules.max_consecutive_days + 2)) * DAY
        self._intervals: dict[str, list[tuple[int, int]]] = defaultdict(list)
        self._minutes: defaultdict[str, int] = defaultdict(int)
        self._period_minutes: dict[str, list[int]] = defaultdict(
            lambda: [0] * len(self.grid.periods)
        )

    def try_add(self, cid: str, slot: Slot) -> bool:
        """Add ``slot`` to the clinician's shifts if it keeps every rule; whether it was added."""
        current = self.slots[cid]
        if slot in current:
            return False
        intervals = self._intervals[cid]
        start, end = interval = self.grid.interval(slot)
        at = bisect.bisect_right(intervals, interval)
        lo = bisect.bisect_left(intervals, (start - self._reach,))
        hi = bisect.bisect_right(intervals, (end + self._reach, end + self._reach))
        near = [*current[lo:at], slot, *current[at:hi]]
        c = self.by_id[cid]
        for rule in self._windowed:
            if rule(self.problem, self.grid, c, near):
                return False
        minutes = self.grid.minutes(slot)
        periods = self._period_minutes[cid]
        if self._mertid:
            hours = [m / 60 for m in periods]
            hours[slot[0] // 7] = (periods[slot[0] // 7] + minutes) / 60
            if mertid_over(self.problem, self.grid, c, hours):
                return False
        if self._whole:
            trial = [*current[:at], slot, *current[at:]]
            for rule in self._whole:
                if rule(self.problem, self.grid, c, trial):
                    return False
        current.insert(at, slot)
        intervals.insert(at, interval)
        periods[slot[0] // 7] += minutes
        self._minutes[cid] += minutes
        return True

    def minutes(self, cid: str, period: int | None = None) -> int:
        """Worked minutes of a clinician (absolute time), over the horizon or in one 7-day period."""
        if period is None:
            return self._minutes[cid]
        return self._period_minutes[cid][period]

    def shifts(self) -> list[ShiftAssignment]:
        """The roster as sorted shift assignments."""
        p = self.problem
        return sorted(
            ShiftAssignment(p.start + dt.timedelta(days=d), p.blocks[b].name, cid)
            for cid, slots in self.slots.items()
            for d, b in slots
        )

    def load(self, cid: str, slots: Iterable[Slot]) -> None:
        """Set a clinician's shifts as given (not checked)."""
        ordered = sorted(slots, key=self.grid.interval)
        self.slots[cid] = ordered
        self._intervals[cid] = [self.grid.interval(s) for s in ordered]
        per = self._period_minutes[cid] = [0] * len(self.grid.periods)
        for s in ordered:
            per[s[0] // 7] += self.grid.minutes(s)
        self._minutes[cid] = sum(per)


def load_roster(problem: Problem, shifts: Iterable[ShiftAssignment]) -> LegalRoster:
    """A legal roster that starts from ``shifts`` (taken as given, not checked)."""
    roster = LegalRoster(problem)
    index = {b.name: i for i, b in enumerate(problem.blocks)}
    given: defaultdict[str, list[Slot]] = defaultdict(list)
    for s in shifts:
        given[s.clinician_id].append((problem.day_index(s.day), index[s.block]))
    for cid, slots in given.items():
        roster.load(cid, slots)
    return roster
