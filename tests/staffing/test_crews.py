"""explain_crews(): every site-day short of its crew gets one named reason, from the roster."""

from __future__ import annotations

from staffing import (
    CREWS_ELSEWHERE,
    Clinician,
    Problem,
    ShiftAssignment,
    Solution,
    SolveParams,
    digital_blocks,
    explain_crews,
    solve,
)
from tests.staffing.conftest import MONDAY, day, one_week, van

FAST = SolveParams(time_limit_s=1, num_workers=2, deterministic=True)


def roster(*shifts: tuple[str, int, str]) -> Solution:
    """A roster from (clinician, day index, block) triples."""
    return Solution("HAND", tuple(ShiftAssignment(day(d), b, c) for c, d, b in shifts))


def test_nobody_declared(desk_or_van: Problem) -> None:
    """The unit also stands on Tuesday, when ANN did not declare: not_declared, none declared."""
    problem = desk_or_van.replace(
        blocks=(*digital_blocks(), van(0, 1)),
        demand={**desk_or_van.demand, (day(1), "mobile:S1", "doctor"): 8.0},
    )
    gaps = explain_crews(problem, roster(("ANN", 0, "mobile:S1")))
    assert [(g.day, g.site_id, g.county_code, g.reason, g.declared, g.missing) for g in gaps] == [
        (day(1), "S1", "04", "not_declared", 0, 1)
    ]


def test_a_free_doctor_left_off_is_not_rostered(desk_or_van: Problem) -> None:
    """ANN declared the site-day and nothing keeps her off an empty roster: not_rostered."""
    (gap,) = explain_crews(desk_or_van, roster())
    assert (gap.reason, gap.declared, gap.blocked_by) == ("not_rostered", 1, ())


def test_doctor_at_the_desk_is_blocked_by_overlap(desk_or_van: Problem) -> None:
    """ANN works the digital morning, which overlaps the site-day: blocked by that rule."""
    (gap,) = explain_crews(desk_or_van, roster(("ANN", 0, "07-12")))
    assert (gap.reason, gap.blocked_by) == ("blocked", (("No overlapping shifts", 1),))


def test_night_before_blocks_by_daily_rest() -> None:
    """BO works Monday night (22-07); Tuesday's site-day starts an hour after it ends."""
    bo = Clinician(
        "BO",
        "doctor",
        20.0,
        frozenset({(day(0), "22-07"), (day(1), "mobile:S1")}),
        home_county="04",
    )
    problem = one_week(
        [bo],
        demand={(day(0), "22-07", "doctor"): 8.5, (day(1), "mobile:S1", "doctor"): 8.0},
        blocks=(*digital_blocks(), van(1)),
    )
    (gap,) = explain_crews(problem, roster(("BO", 0, "22-07")))
    assert (gap.day, gap.reason, gap.blocked_by) == (day(1), "blocked", (("Daily rest", 1),))


def two_vans_one_doctor() -> Problem:
    """Two units in county 04 on Monday and one doctor of the county: one of them stays empty."""
    ann = Clinician(
        "ANN",
        "doctor",
        20.0,
        frozenset({(day(0), "mobile:S1"), (day(0), "mobile:S2")}),
        home_county="04",
    )
    demand = {(day(0), "mobile:S1", "doctor"): 8.0, (day(0), "mobile:S2", "doctor"): 8.0}
    return one_week([ann], demand=demand, blocks=(*digital_blocks(), van(0), van(0, site="S2")))


def test_doctor_crewing_the_other_unit_is_named() -> None:
    """The solver crews one unit; the other's only doctor crews the first: blocked, and why."""
    problem = two_vans_one_doctor()
    solution = solve(problem, FAST)
    assert len(solution.shifts) == 1
    (gap,) = explain_crews(problem, solution)
    assert gap.block != solution.shifts[0].block
    assert (gap.reason, gap.declared, gap.blocked_by) == ("blocked", 1, ((CREWS_ELSEWHERE, 1),))
    assert gap.to_dict()["day"] == MONDAY.isoformat()


def test_crewed_roster_has_no_gaps(desk_or_van: Problem) -> None:
    """A roster that gives every site-day its crew explains nothing."""
    assert explain_crews(desk_or_van, roster(("ANN", 0, "mobile:S1"))) == []
