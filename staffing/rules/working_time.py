"""The hard rules on one clinician's working time, one function per named rule.

Availability, No overlapping shifts, Daily rest, Break within 5 h, Weekly rest, Max consecutive
days, Weekly maximum hours, Mertid limit: each reads a clinician's slots (sorted by start) the
way :mod:`staffing.timegrid` defines the law, and returns the violations with their default
mode (hard).
"""

from __future__ import annotations

import bisect
import itertools
from collections.abc import Sequence

from staffing.problem import Clinician, Problem
from staffing.rules.core import Violation, day_of, hours_per_period
from staffing.timegrid import Grid, Slot


def _work_periods(grid: Grid, slots: list[Slot]) -> list[list[Slot]]:
    """Slots grouped into work periods: a slot that starts at or before the previous end joins."""
    periods: list[list[Slot]] = []
    end = None
    for slot in slots:
        a, e = grid.interval(slot)
        if end is not None and a <= end:
            periods[-1].append(slot)
            end = max(end, e)
        else:
            periods.append([slot])
            end = e
    return periods


def availability(problem: Problem, grid: Grid, c: Clinician, slots: list[Slot]) -> list[Violation]:
    """Availability: a shift only on a (day, block) the clinician declared and the block is offered."""
    out = []
    for d, b in slots:
        block, day = problem.blocks[b], day_of(problem, d)
        if (day, block.name) not in c.available or not block.offered_on(day):
            out.append(
                Violation("Availability", True, block.hours, "h", c.clinician_id, day, block.name)
            )
    return out


def no_overlap(problem: Problem, grid: Grid, c: Clinician, slots: list[Slot]) -> list[Violation]:
    """No overlapping shifts: a clinician works one shift at a time (amount: hours of overlap)."""
    out = []
    for first, second in itertools.pairwise(slots):
        (_a1, e1), (a2, e2) = grid.interval(first), grid.interval(second)
        if a2 < e1:
            out.append(
                Violation(
                    "No overlapping shifts",
                    True,
                    (min(e1, e2) - a2) / 60,
                    "h",
                    c.clinician_id,
                    day_of(problem, second[0]),
                    problem.blocks[second[1]].name,
                )
            )
    return out


def daily_rest(problem: Problem, grid: Grid, c: Clinician, slots: list[Slot]) -> list[Violation]:
    """Daily rest: work periods span at most 24 h minus the rest, and are the rest apart
    (amount: hours missing)."""
    out = []
    periods = _work_periods(grid, slots)
    ends = []
    for period in periods:
        start = grid.interval(period[0])[0]
        end = max(grid.interval(s)[1] for s in period)
        if end - start > grid.max_span:
            out.append(
                Violation(
                    "Daily rest",
                    True,
                    (end - start - grid.max_span) / 60,
                    "h",
                    c.clinician_id,
                    day_of(problem, period[0][0]),
                )
            )
        ends.append((start, end, period[0]))
    for (_, end, _), (start, _, first) in itertools.pairwise(ends):
        if start - end < grid.rest:
            out.append(
                Violation(
                    "Daily rest",
                    True,
                    (grid.rest - (start - end)) / 60,
                    "h",
                    c.clinician_id,
                    day_of(problem, first[0]),
                )
            )
    return out


def break_within_5h(
    problem: Problem, grid: Grid, c: Clinician, slots: list[Slot]
) -> list[Violation]:
    """Break within 5 h: no worked stretch longer than the limit (amount: hours over it)."""
    out = []
    for period in _work_periods(grid, slots):
        stretch = grid.longest_stretch(period)
        if stretch > grid.stretch_limit:
            out.append(
                Violation(
                    "Break within 5 h",
                    True,
                    (stretch - grid.stretch_limit) / 60,
                    "h",
                    c.clinician_id,
                    day_of(problem, period[0][0]),
                )
            )
    return out


def weekly_rest(problem: Problem, grid: Grid, c: Clinician, slots: list[Slot]) -> list[Violation]:
    """Weekly rest: every full 7-day period has a free interval of the weekly rest (amount:
    hours missing from the longest free interval)."""
    need = round(problem.rules.weekly_rest_hours * 60)
    out = []
    spans = [grid.interval(s) for s in slots]
    first = 0  # slots before it end before the period (spans are sorted by start)
    periods = grid.full_period_bounds
    if spans and need <= 167 * 60:
        # a period without shifts keeps its rest (every period is at least 167 h long): only
        # the periods the shifts reach are read (a greedy checks a few days of a long roster)
        lo = bisect.bisect_right(periods, spans[0][0], key=lambda x: x[1][1])
        hi = bisect.bisect_left(periods, max(e for _, e in spans), key=lambda x: x[1][0])
        periods = periods[lo:hi]
    for p, (p0, p1) in periods:
        while first < len(spans) and spans[first][1] <= p0:
            first += 1
        busy = []
        i = first
        while i < len(spans) and spans[i][0] < p1:
            a, e = spans[i]
            if e > p0:
                busy.append((max(a, p0), min(e, p1)))
            i += 1
        busy.sort()
        longest, cursor = 0, p0
        for a, e in busy:
            longest = max(longest, a - cursor)
            cursor = max(cursor, e)
        longest = max(longest, p1 - cursor)
        if longest < need:
            out.append(
                Violation(
                    "Weekly rest",
                    True,
                    (need - longest) / 60,
                    "h",
                    c.clinician_id,
                    day_of(problem, 7 * p),
                )
            )
    return out


def max_consecutive_days(
    problem: Problem, grid: Grid, c: Clinician, slots: list[Slot]
) -> list[Violation]:
    """Max consecutive days: runs of working days (a shift's day is the day it starts) are at
    most the limit (amount: days over it)."""
    limit = problem.rules.max_consecutive_days
    runs: list[list[int]] = []  # runs of consecutive working days, in order
    for d in sorted({d for d, _ in slots}):
        if runs and d == runs[-1][-1] + 1:
            runs[-1].append(d)
        else:
            runs.append([d])
    return [
        Violation(
            "Max consecutive days",
            True,
            len(run) - limit,
            "days",
            c.clinician_id,
            day_of(problem, run[0]),
        )
        for run in runs
        if len(run) > limit
    ]


def weekly_max_hours(
    problem: Problem, grid: Grid, c: Clinician, slots: list[Slot]
) -> list[Violation]:
    """Weekly maximum hours: at most the regular maximum in each 7-day period (amount: hours over)."""
    out = []
    for p, hours in enumerate(hours_per_period(grid, slots)):
        if hours > problem.rules.max_weekly_hours + 1e-9:
            out.append(
                Violation(
                    "Weekly maximum hours",
                    True,
                    hours - problem.rules.max_weekly_hours,
                    "h",
                    c.clinician_id,
                    day_of(problem, 7 * p),
                )
            )
    return out


def mertid_cap(problem: Problem) -> float:
    """Hours above contract (mertid and overtime) allowed over the horizon: pro rata of 4 weeks."""
    return problem.rules.mertid_hours_per_4_weeks * problem.days / 28


def contract_per_period(grid: Grid, c: Clinician) -> list[float]:
    """Contract hours of each 7-day period (pro rata for a short last period)."""
    return [c.contract_hours * len(days) / 7 for days in grid.periods]


def mertid_limit(problem: Problem, grid: Grid, c: Clinician, slots: list[Slot]) -> list[Violation]:
    """Mertid limit: hours above contract summed over the weeks stay within the cap
    (48 h per 4 weeks, pro rata; amount: hours over the cap)."""
    over = mertid_over(problem, grid, c, hours_per_period(grid, slots))
    return [Violation("Mertid limit", True, over, "h", c.clinician_id)] if over else []


def mertid_over(problem: Problem, grid: Grid, c: Clinician, hours: Sequence[float]) -> float:
    """Hours above the mertid cap given the hours worked in each 7-day period (0 when within
    it; the greedy keeps the hours per period as it adds shifts)."""
    extra = sum(max(0.0, h - k) for h, k in zip(hours, contract_per_period(grid, c), strict=False))
    cap = mertid_cap(problem)
    return extra - cap if extra > cap + 1e-9 else 0.0
