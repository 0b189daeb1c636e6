"""Time geometry shared by the rules, the CP-SAT model and the baseline.

A *slot* is ``(day index, block index)``. Its interval is in minutes of absolute time from
local midnight of the horizon's first day: block times are Europe/Stockholm wall clock, so a
22-07 night is 600 minutes across the October change and 480 across the March one
(:func:`absolute_minute`). Every duration (hours worked, rest, stretches, weeks) is measured on
that time. The working-time rules are read the same way everywhere:

* **daily rest**: shifts that touch (one ends when the next starts) form one work period; a work
  period spans at most ``24 - daily_rest`` hours and two work periods are at least
  ``daily_rest`` hours apart. This is the conservative reading of "11 consecutive hours of rest
  in every 24 hours" (it never accepts a roster the law forbids).
* **break within 5 h**: a stretch is worked time without a break; a block's own breaks end a
  stretch, and so does the seam between two touching blocks when ``seam_break_minutes > 0``.
* **weekly rest**: in every full 7-day period from the horizon's start there is a free interval
  of ``weekly_rest`` hours inside the period. A trailing partial week is not checked.
* **weeks for hours**: 7-day periods from the start; the last may be shorter. A period runs
  from local midnight to local midnight (167 or 169 hours in the weeks of a clock change).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from dataclasses import dataclass, field
from functools import cache, cached_property
from zoneinfo import ZoneInfo

from staffing.problem import TIMEZONE, Problem

Slot = tuple[int, int]  # (day index, block index)
DAY = 1440
TZ = ZoneInfo(TIMEZONE)


@cache
def absolute_minute(start: dt.date, day: int, minute: int) -> int:
    """Minutes of absolute time from local midnight of ``start`` to the wall-clock time
    ``minute`` minutes after local midnight of day index ``day`` (may pass 24 h), in
    Europe/Stockholm. A time the clocks pass twice (October, 02:00-03:00) is read as its first
    occurrence and a skipped one (March) with the offset before the change, as ``zoneinfo``
    reads them (``fold=0``)."""
    origin = dt.datetime.combine(start, dt.time(), TZ)
    wall = origin + dt.timedelta(days=day, minutes=minute)  # aware + timedelta: wall clock
    return round((wall.astimezone(dt.UTC) - origin.astimezone(dt.UTC)).total_seconds() / 60)


def clock_changes(start: dt.date, days: int) -> bool:
    """Whether the Stockholm clock changes between local midnight of ``start - 1`` and of
    ``start + days + 2`` (the days a slot of the horizon can reach)."""
    offsets = {
        dt.datetime.combine(start + dt.timedelta(days=d), dt.time(), TZ).utcoffset()
        for d in range(-1, days + 3)
    }
    return len(offsets) > 1


@dataclass(frozen=True)
class Grid:
    """Slot intervals and the conflict patterns between slots for one problem."""

    problem: Problem
    #: Per-problem values computed once (e.g. fair-share allowances for the greedy).
    memo: dict = field(default_factory=dict, compare=False, repr=False)

    @cached_property
    def clock_changes(self) -> bool:
        """Whether a daylight-saving change falls in the horizon (then days differ in length
        and the day-0 patterns below do not hold on every day)."""
        return clock_changes(self.problem.start, self.problem.days)

    def at(self, day: int, minute: int) -> int:
        """Absolute minute of a wall-clock time (``minute`` after local midnight of ``day``)."""
        if not self.clock_changes:
            return day * DAY + minute
        return absolute_minute(self.problem.start, day, minute)

    @cached_property
    def _intervals(self) -> dict[Slot, tuple[int, int]]:
        return {}

    @cached_property
    def _minutes(self) -> dict[Slot, int]:
        return {}

    def interval(self, slot: Slot) -> tuple[int, int]:
        """Start and end minute of a slot (absolute time; each slot's computed once: the rules
        and greedies ask for the same slots again and again)."""
        known = self._intervals.get(slot)
        if known is None:
            d, b = slot
            block = self.problem.blocks[b]
            known = self._intervals[slot] = (
                self.at(d, round(block.start * 60)),
                self.at(d, round(block.end * 60)),
            )
        return known

    @cached_property
    def _segments(self) -> dict[Slot, list[tuple[int, int]]]:
        return {}

    def segments(self, slot: Slot) -> list[tuple[int, int]]:
        """Worked pieces of a slot (its interval minus the block's breaks, absolute time)."""
        known = self._segments.get(slot)
        if known is None:
            known = self._segments[slot] = self._find_segments(slot)
        return known

    def _find_segments(self, slot: Slot) -> list[tuple[int, int]]:
        d, b = slot
        block = self.problem.blocks[b]
        cuts = [round(block.start * 60)]
        for b0, b1 in sorted(block.breaks):
            cuts += [round(b0 * 60), round(b1 * 60)]
        cuts.append(round(block.end * 60))
        return [(self.at(d, cuts[i]), self.at(d, cuts[i + 1])) for i in range(0, len(cuts), 2)]

    def minutes(self, slot: Slot) -> int:
        """Worked minutes of a slot on absolute time (the block's minutes unless the clock
        changes during it)."""
        if not self.clock_changes:
            return self.problem.blocks[slot[1]].minutes
        known = self._minutes.get(slot)
        if known is None:
            known = self._minutes[slot] = sum(e - s for s, e in self.segments(slot))
        return known

    def period_bounds(self, period: int) -> tuple[int, int]:
        """Absolute minutes of local midnight starting and ending a full 7-day period."""
        return self.at(7 * period, 0), self.at(7 * period + 7, 0)

    @cached_property
    def max_span(self) -> int:
        """Longest work period in minutes allowed by the daily rest rule."""
        return round((24 - self.problem.rules.daily_rest_hours) * 60)

    @cached_property
    def rest(self) -> int:
        """Daily rest in minutes."""
        return round(self.problem.rules.daily_rest_hours * 60)

    @cached_property
    def stretch_limit(self) -> int:
        """Longest stretch without a break, minutes."""
        return round(self.problem.rules.max_hours_without_break * 60)

    def longest_stretch(self, slots: list[Slot]) -> int:
        """Longest worked stretch over touching slots (sorted by start)."""
        seam_break = self.problem.rules.seam_break_minutes > 0
        best = run = 0
        prev_end: int | None = None
        for slot in slots:
            for i, (s, e) in enumerate(self.segments(slot)):
                joins = prev_end == s and not (i == 0 and seam_break)
                run = (run if joins else 0) + (e - s)
                best = max(best, run)
                prev_end = e
        return best

    @cached_property
    def _alone_ok(self) -> dict[Slot, bool]:
        return {}

    def slot_alone_ok(self, b: int, day: int = 0) -> bool:
        """Whether a block can be worked at all on day index ``day`` under the rest and break
        rules (a night across the October change is an hour longer). Each slot's answer is
        computed once: every clinician available on it asks again."""
        slot = (day, b)
        known = self._alone_ok.get(slot)
        if known is None:
            s, e = self.interval(slot)
            known = self._alone_ok[slot] = (
                e - s <= self.max_span and self.longest_stretch([slot]) <= self.stretch_limit
            )
        return known

    def pair_conflict(self, first: Slot, second: Slot) -> bool:
        """Whether two slots cannot both be worked (overlap, short rest, span or stretch)."""
        (a1, e1), (a2, e2) = self.interval(first), self.interval(second)
        if (a2, e2) < (a1, e1):
            (a1, e1), (a2, e2), first, second = (a2, e2), (a1, e1), second, first
        if a2 < e1:
            return True
        gap = a2 - e1
        if gap > 0:
            return gap < self.rest
        return (e2 - a1) > self.max_span or self.longest_stretch(
            [first, second]
        ) > self.stretch_limit

    def pair_reasons(self, first: Slot, second: Slot) -> dict[str, int]:
        """Rule name -> minutes by which working both slots breaks it (empty: no conflict).

        ``No overlapping shifts`` for overlap; ``Daily rest`` for a short rest between them or a
        work period longer than the span; ``Break within 5 h`` for a stretch over the limit.
        Non-empty exactly when :meth:`pair_conflict` is true.
        """
        (a1, e1), (a2, e2) = self.interval(first), self.interval(second)
        if (a2, e2) < (a1, e1):
            (a1, e1), (a2, e2), first, second = (a2, e2), (a1, e1), second, first
        if a2 < e1:
            return {"No overlapping shifts": min(e1, e2) - a2}
        gap = a2 - e1
        if gap > 0:
            return {"Daily rest": self.rest - gap} if gap < self.rest else {}
        return self.chain_reasons([first, second])

    def chain_reasons(self, chain: list[Slot]) -> dict[str, int]:
        """For touching slots (sorted by start): rule name -> minutes over the span (``Daily
        rest``) or the stretch limit (``Break within 5 h``)."""
        out = {}
        span = max(self.interval(s)[1] for s in chain) - self.interval(chain[0])[0]
        if span > self.max_span:
            out["Daily rest"] = span - self.max_span
        stretch = self.longest_stretch(list(chain))
        if stretch > self.stretch_limit:
            out["Break within 5 h"] = stretch - self.stretch_limit
        return out

    @cached_property
    def pair_patterns(self) -> list[tuple[int, int, int]]:
        """Conflicting (block 1, block 2, day offset >= 0) patterns; offset 0 has b1 < b2."""
        out = []
        n = len(self.problem.blocks)
        for delta in range(3):
            for b1 in range(n):
                for b2 in range(n):
                    if delta == 0 and b2 <= b1:
                        continue
                    if self.pair_conflict((0, b1), (delta, b2)):
                        out.append((b1, b2, delta))
        return out

    @cached_property
    def chain_patterns(self) -> list[tuple[Slot, ...]]:
        """Chains of 3+ touching slots (day offsets from 0) that break the span or stretch limit
        although every touching pair in them is fine: at most ``len - 1`` of them can be worked."""
        n = len(self.problem.blocks)

        def touching_next(slot: Slot) -> Iterator[Slot]:
            _, end = self.interval(slot)
            for d in range(slot[0], slot[0] + 3):
                for b in range(n):
                    if self.interval((d, b))[0] == end:
                        yield (d, b)

        out: list[tuple[Slot, ...]] = []

        def extend(chain: tuple[Slot, ...]) -> None:
            for nxt in touching_next(chain[-1]):
                if self.pair_conflict(chain[-1], nxt) or len(chain) > 8:
                    continue
                new = (*chain, nxt)
                if any(self.pair_conflict(a, nxt) for a in chain[:-1]):
                    continue  # already excluded by a pair constraint
                span = self.interval(new[-1])[1] - self.interval(new[0])[0]
                if span > self.max_span or self.longest_stretch(list(new)) > self.stretch_limit:
                    out.append(new)
                else:
                    extend(new)

        for b in range(n):
            if self.slot_alone_ok(b):
                extend(((0, b),))
        return [c for c in out if len(c) >= 3]

    # -- weeks --------------------------------------------------------------------------------
    @cached_property
    def periods(self) -> list[list[int]]:
        """Day indices of each 7-day period from the start (the last may be shorter)."""
        days = self.problem.days
        return [list(range(p, min(p + 7, days))) for p in range(0, days, 7)]

    @cached_property
    def _rest_windows(self) -> dict[int, list[tuple[int, list[Slot]]]]:
        return {}

    def rest_windows(self, period: int) -> list[tuple[int, list[Slot]]]:
        """Candidate weekly-rest windows of a full period: (start minute, slots overlapping it).

        A free interval of the required length exists in the period exactly when one of these
        windows (starting at the period start or at the end of some slot) has no worked slot.
        The same for every clinician: computed once per period.
        """
        known = self._rest_windows.get(period)
        if known is None:
            known = self._rest_windows[period] = self._find_rest_windows(period)
        return known

    def _find_rest_windows(self, period: int) -> list[tuple[int, list[Slot]]]:
        length = round(self.problem.rules.weekly_rest_hours * 60)
        p0, p1 = self.period_bounds(period)
        n = len(self.problem.blocks)
        all_slots = [
            (d, b)
            for d in range(max(0, 7 * period - 2), min(self.problem.days, 7 * period + 7))
            for b in range(n)
        ]
        starts = {p0}
        for slot in all_slots:
            end = self.interval(slot)[1]
            if p0 < end and end + length <= p1:
                starts.add(end)
        out = []
        for t in sorted(starts):
            if t + length > p1:
                continue
            inside = [
                s for s in all_slots if self.interval(s)[0] < t + length and self.interval(s)[1] > t
            ]
            out.append((t, inside))
        return out

    @cached_property
    def full_period_bounds(self) -> list[tuple[int, tuple[int, int]]]:
        """Each full period with its bounds (:meth:`period_bounds`), computed once."""
        return [(p, self.period_bounds(p)) for p in self.full_periods()]

    def full_periods(self) -> list[int]:
        """Indices of the periods that have all 7 days."""
        return [i for i, days in enumerate(self.periods) if len(days) == 7]
