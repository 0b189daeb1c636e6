"""Durations on absolute time across both daylight-saving changes (Europe/Stockholm).

In 2026 the clocks go forward on Sunday 29 March (02:00 -> 03:00) and back on Sunday 25
October (03:00 -> 02:00); a 22-07 night starting the Saturday before spans each change.
"""

from __future__ import annotations

import datetime as dt
import io
from zoneinfo import ZoneInfo

import pytest

from staffing import (
    TIMEZONE,
    Clinician,
    Problem,
    ShiftAssignment,
    Solution,
    SolveParams,
    digital_blocks,
    evaluate,
    solve,
)
from staffing.export import ExportShift, write_csv
from staffing.rules import RULES_BY_NAME
from staffing.timegrid import Grid

MARCH = dt.date(2026, 3, 23)  # Monday; the night of Saturday 28 March loses an hour
OCTOBER = dt.date(2026, 10, 19)  # Monday; the night of Saturday 24 October gains one
NIGHT, SATURDAY = 3, 5  # block index of 22-07; day index of the Saturday
STOCKHOLM = ZoneInfo(TIMEZONE)


def week(start: dt.date, demand: dict | None = None) -> Problem:
    """One doctor (40 h contract) free for every digital block of the week from ``start``."""
    blocks = digital_blocks()
    ann = Clinician(
        "ANN",
        "doctor",
        40.0,
        frozenset((start + dt.timedelta(days=i), b.name) for i in range(7) for b in blocks),
    )
    return Problem(start, 7, blocks, (ann,), demand=demand or {})


def shifts(start: dt.date, *slots: tuple[int, str]) -> Solution:
    """ANN's hand-made roster of (day index, block name)."""
    return Solution(
        "HAND", tuple(ShiftAssignment(start + dt.timedelta(days=d), b, "ANN") for d, b in slots)
    )


@pytest.mark.parametrize(
    ("start", "elapsed", "worked", "stretch"),
    [(MARCH, 480, 450, 240), (OCTOBER, 600, 570, 330), (dt.date(2026, 11, 2), 540, 510, 270)],
)
def test_night_block_on_absolute_time(start: dt.date, elapsed: int, worked: int, stretch: int):
    """The Saturday night is 8 h elapsed in March, 10 h in October, 9 h otherwise; less the
    30-min break at 02:00 (the first 02:00 in October; in March 02:00 does not exist and is
    read as 03:00): its longest stretch is 4 h, 5.5 h, 4.5 h."""
    grid = Grid(week(start))
    a, e = grid.interval((SATURDAY, NIGHT))
    assert (e - a, grid.minutes((SATURDAY, NIGHT))) == (elapsed, worked)
    assert grid.longest_stretch([(SATURDAY, NIGHT)]) == stretch


def test_rostered_hours_count_the_hour_gained_or_lost() -> None:
    """A day block and the change night: 5 + 7.5 h in March, 5 + 9.5 h in October."""
    for start, hours in ((MARCH, 12.5), (OCTOBER, 14.5)):
        k = evaluate(week(start), shifts(start, (0, "07-12"), (SATURDAY, "22-07")))
        assert k.hours_by_clinician["ANN"][0] == hours
        assert k.to_dict()["rostered_hours"] == hours


def test_break_rule_reads_the_october_night_on_absolute_time() -> None:
    """October's night works 5.5 h after its 02:00 break: over the 5-h limit by 0.5 h; March's
    (3.5 h after it) is fine."""
    rule = RULES_BY_NAME["Break within 5 h"]
    october = rule.check(week(OCTOBER), shifts(OCTOBER, (SATURDAY, "22-07")))
    assert [(v.amount, v.day) for v in october] == [(0.5, dt.date(2026, 10, 24))]
    assert rule.check(week(MARCH), shifts(MARCH, (SATURDAY, "22-07"))) == []


def test_daily_rest_is_measured_on_absolute_time() -> None:
    """Saturday 17-22 then Sunday 07-12 across the March change: 9 h on the clock, 8 h
    elapsed, so 3 h short of the 11-h rest (not 2)."""
    rule = RULES_BY_NAME["Daily rest"]
    found = rule.check(week(MARCH), shifts(MARCH, (SATURDAY, "17-22"), (SATURDAY + 1, "07-12")))
    assert [v.amount for v in found] == [3.0]


def _wall(day: dt.date, hours: float) -> dt.datetime:
    """A block time as the planner stores it: wall clock in Stockholm."""
    return (dt.datetime.combine(day, dt.time()) + dt.timedelta(hours=hours)).replace(
        tzinfo=STOCKHOLM
    )


def test_export_writes_elapsed_hours(tmp_path) -> None:
    """The CSV gives the two change nights 8 and 10 hours, an ordinary one 9."""
    nights = [dt.date(2026, 3, 28), dt.date(2026, 10, 24), dt.date(2026, 11, 7)]
    rows = [ExportShift(d, _wall(d, 22), "ANN", "22-07", _wall(d, 31), "doctor") for d in nights]
    assert [r.hours for r in rows] == [8.0, 10.0, 9.0]
    text = write_csv(rows, tmp_path / "nights.csv").read_text()
    hours = [line.split(",")[6] for line in io.StringIO(text).read().splitlines()[1:]]
    assert hours == ["8", "10", "9"]


def test_solve_keeps_every_rule_across_the_october_change() -> None:
    """Night demand every night of the October week: the solver leaves the change night (its
    stretch is 5.5 h) unstaffed and breaks no hard rule on absolute time."""
    demand = {(OCTOBER + dt.timedelta(days=i), "22-07", "doctor"): 8.5 for i in range(7)}
    problem = week(OCTOBER, demand)
    solution = solve(problem, SolveParams(time_limit_s=5.0, num_workers=1, seed=1))
    kpis = evaluate(problem, solution)
    assert kpis.hard_violations == 0
    nights = {s.day for s in solution.shifts if s.block == "22-07"}
    assert dt.date(2026, 10, 24) not in nights and nights
