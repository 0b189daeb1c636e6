"""One test per named rule: a tiny hand-made roster and the exact penalty it earns."""

from __future__ import annotations

import pytest

from staffing import (
    Block,
    Clinician,
    FollowUp,
    Problem,
    ReturnVisit,
    ShiftAssignment,
    Solution,
    WorkRules,
    evaluate,
)
from staffing.rules import RULES, RULES_BY_NAME, Violation
from tests.staffing.conftest import MONDAY, day, everywhere, one_week


def roster(*shifts: tuple[str, int, str], follow_ups: tuple[FollowUp, ...] = ()) -> Solution:
    """A roster from (clinician, day index, block) triples."""
    return Solution("HAND", tuple(ShiftAssignment(day(d), b, c) for c, d, b in shifts), follow_ups)


def violations(rule: str, problem: Problem, solution: Solution) -> list[Violation]:
    """The violations of one named rule."""
    return RULES_BY_NAME[rule].check(problem, solution)


def amounts(rule: str, problem: Problem, solution: Solution) -> list[float]:
    """The amounts of one rule's violations."""
    return [round(v.amount, 6) for v in violations(rule, problem, solution)]


def test_every_rule_is_named_and_classified() -> None:
    """Seventeen rules, ten hard; names are unique."""
    assert len(RULES) == len(RULES_BY_NAME) == 17
    assert sum(r.hard for r in RULES) == 10


def test_availability(lone_doctor: Problem) -> None:
    """A shift on an undeclared (day, block) costs the block's hours."""
    problem = lone_doctor.replace(
        clinicians=(Clinician("ANN", "doctor", 10.0, frozenset({(day(0), "07-12")})),)
    )
    found = violations("Availability", problem, roster(("ANN", 0, "07-12"), ("ANN", 1, "07-12")))
    assert [(v.day, v.block, v.amount, v.hard) for v in found] == [(day(1), "07-12", 5.0, True)]


def test_no_overlapping_shifts() -> None:
    """07-12 and a custom 08-13 block overlap by 4 hours."""
    blocks = (Block("07-12", 7, 12), Block("08-13", 8, 13))
    ann = Clinician("ANN", "doctor", 10.0, everywhere(7, ("07-12", "08-13")))
    assert amounts(
        "No overlapping shifts",
        one_week([ann], blocks=blocks),
        roster(("ANN", 0, "07-12"), ("ANN", 0, "08-13")),
    ) == [4.0]


def test_daily_rest_gap(lone_doctor: Problem) -> None:
    """17-22 then 07-12 next morning leaves 9 h of rest: 2 h short of 11."""
    assert amounts("Daily rest", lone_doctor, roster(("ANN", 0, "17-22"), ("ANN", 1, "07-12"))) == [
        2.0
    ]


def test_daily_rest_span(lone_doctor: Problem) -> None:
    """17-22 then the night 22-07 is one 14-h work period: 1 h over the 13 h the rest allows."""
    assert amounts("Daily rest", lone_doctor, roster(("ANN", 0, "17-22"), ("ANN", 0, "22-07"))) == [
        1.0
    ]
    assert (
        amounts("Daily rest", lone_doctor, roster(("ANN", 0, "07-12"), ("ANN", 0, "12-17"))) == []
    )


def test_break_within_5h(lone_doctor: Problem) -> None:
    """Back-to-back blocks are fine with a seam break; without one they are 10 h: 5 h over."""
    double = roster(("ANN", 0, "07-12"), ("ANN", 0, "12-17"))
    assert amounts("Break within 5 h", lone_doctor, double) == []
    no_seam = lone_doctor.replace(rules=WorkRules(seam_break_minutes=0))
    assert amounts("Break within 5 h", no_seam, double) == [5.0]
    long_block = one_week(
        [Clinician("ANN", "doctor", 10, everywhere(7, ("06-12",)))], blocks=(Block("06-12", 6, 12),)
    )
    assert amounts("Break within 5 h", long_block, roster(("ANN", 0, "06-12"))) == [1.0]


def test_night_block_has_its_break(lone_doctor: Problem) -> None:
    """The 9-h night block has a break at 02:00, so its longest stretch is 4.5 h."""
    assert amounts("Break within 5 h", lone_doctor, roster(("ANN", 0, "22-07"))) == []


def test_weekly_rest(lone_doctor: Problem) -> None:
    """12-17 every day leaves at most 19 h free in the week: 17 h short of 36."""
    problem = lone_doctor.replace(rules=WorkRules(max_consecutive_days=7))
    assert amounts("Weekly rest", problem, roster(*(("ANN", d, "12-17") for d in range(7)))) == [
        17.0
    ]
    # Monday-Wednesday and Friday-Sunday mornings: Wednesday 12:00 to Friday 07:00 is 43 h.
    ok = roster(*(("ANN", d, "07-12") for d in (0, 1, 2, 4, 5, 6)))
    assert amounts("Weekly rest", problem, ok) == []


def test_max_consecutive_days(lone_doctor: Problem) -> None:
    """Seven mornings in a row are one day over the limit of six."""
    found = violations(
        "Max consecutive days", lone_doctor, roster(*(("ANN", d, "07-12") for d in range(7)))
    )
    assert [(v.day, v.amount, v.unit) for v in found] == [(day(0), 1, "days")]


def test_weekly_maximum_hours(lone_doctor: Problem) -> None:
    """Three 5-h blocks against a 10-h weekly maximum: 5 h over."""
    problem = lone_doctor.replace(rules=WorkRules(max_weekly_hours=10))
    assert amounts(
        "Weekly maximum hours",
        problem,
        roster(("ANN", 0, "07-12"), ("ANN", 1, "07-12"), ("ANN", 2, "07-12")),
    ) == [5.0]


def test_mertid_limit() -> None:
    """Contract 5 h/week, 20 h worked in a 7-day horizon: 15 h above contract vs a 12 h cap
    (48 h per 4 weeks, pro rata): 3 h over."""
    ann = Clinician("ANN", "doctor", 5.0, everywhere(7))
    problem = one_week([ann])
    assert amounts("Mertid limit", problem, roster(*(("ANN", d, "07-12") for d in range(4)))) == [
        3.0
    ]


def test_contract_hours(lone_doctor: Problem) -> None:
    """One 5-h block against a 10-h weekly contract: 5 h off."""
    assert amounts("Contract hours", lone_doctor, roster(("ANN", 0, "07-12"))) == [5.0]
    assert (
        amounts("Contract hours", lone_doctor, roster(("ANN", 0, "07-12"), ("ANN", 2, "07-12")))
        == []
    )


def test_preferred_blocks(lone_doctor: Problem) -> None:
    """ANN prefers mornings: an afternoon costs one block, a morning nothing."""
    assert amounts(
        "Preferred blocks", lone_doctor, roster(("ANN", 0, "07-12"), ("ANN", 1, "12-17"))
    ) == [1]


def _two_night_doctors() -> Problem:
    """ANN and BEA (equal contracts, nights allowed); night demand on 2 days = 2 blocks in all,
    so each has a fair share of 1 night and may work 1 + tolerance 1 = 2."""
    people = [Clinician(c, "doctor", 10.0, everywhere(7)) for c in ("ANN", "BEA")]
    demand = {
        (day(0), "22-07", "doctor"): 8.5,
        (day(1), "22-07", "doctor"): 8.5,
        (day(5), "07-12", "doctor"): 5.0,
    }
    return one_week(people, demand=demand)


def test_fair_share_of_nights() -> None:
    """Three nights when two are allowed: one block over."""
    found = violations(
        "Fair share of nights",
        _two_night_doctors(),
        roster(("ANN", 0, "22-07"), ("ANN", 1, "22-07"), ("ANN", 2, "22-07")),
    )
    assert [(v.clinician_id, v.amount) for v in found] == [("ANN", 1)]


def test_fair_share_of_weekends() -> None:
    """Weekend demand of one block gives each a share of 1/2, so 1 + 1 allowed: three is one over."""
    found = violations(
        "Fair share of weekends",
        _two_night_doctors(),
        roster(("BEA", 5, "07-12"), ("BEA", 5, "17-22"), ("BEA", 6, "12-17")),
    )
    assert [(v.clinician_id, v.amount) for v in found] == [("BEA", 1)]


def _visits(n: int) -> tuple[ReturnVisit, ...]:
    return tuple(ReturnVisit(f"V{k}", f"P{k}", "doctor", "ANN", day(0), day(1)) for k in range(n))


def test_follow_up_capacity_per_block(lone_doctor: Problem) -> None:
    """Seven return visits in one 07-12 block of capacity 6: one over."""
    problem = lone_doctor.replace(visits=_visits(7))
    booked = tuple(FollowUp(f"V{k}", "ANN", day(0), "07-12") for k in range(7))
    found = violations(
        "Follow-up capacity per block", problem, roster(("ANN", 0, "07-12"), follow_ups=booked)
    )
    assert [(v.block, v.amount, v.unit) for v in found] == [("07-12", 1, "visits")]


def test_follow_up_placement(lone_doctor: Problem) -> None:
    """A visit booked outside its window, and one in a block not worked: two misplaced."""
    problem = lone_doctor.replace(visits=_visits(3))
    booked = (
        FollowUp("V0", "ANN", day(0), "07-12"),
        FollowUp("V1", "ANN", day(3), "07-12"),
        FollowUp("V2", "ANN", day(1), "12-17"),
    )
    solution = roster(("ANN", 0, "07-12"), ("ANN", 3, "07-12"), follow_ups=booked)
    assert amounts("Follow-up placement", problem, solution) == [1, 1]


def test_demand_cover_names_the_short_cell(lone_doctor: Problem) -> None:
    """10 h of doctors needed on Monday morning, one 5-h doctor there: 5 h short, named."""
    problem = lone_doctor.replace(demand={(day(0), "07-12", "doctor"): 10.0})
    found = violations("Demand cover", problem, roster(("ANN", 0, "07-12")))
    assert [(v.day, v.block, v.profession, v.amount, v.hard) for v in found] == [
        (MONDAY, "07-12", "doctor", 5.0, False)
    ]


def test_mobile_crew(desk_or_van: Problem) -> None:
    """A site-day with nobody on it misses its one doctor; two units at one site (16 h) with
    one doctor miss one; a second doctor where one is needed earns nothing (counted as extra)."""
    found = violations("Mobile crew", desk_or_van, roster(("ANN", 0, "07-12")))
    assert [(v.day, v.block, v.profession, v.amount, v.unit, v.hard) for v in found] == [
        (MONDAY, "mobile:S1", "doctor", 1, "clinicians", False)
    ]
    assert amounts("Mobile crew", desk_or_van, roster(("ANN", 0, "mobile:S1"))) == []
    two_units = desk_or_van.replace(
        demand={**desk_or_van.demand, (day(0), "mobile:S1", "doctor"): 16.0}
    )
    assert amounts("Mobile crew", two_units, roster(("ANN", 0, "mobile:S1"))) == [1]
    bea = Clinician("BEA", "doctor", 20.0, frozenset({(day(0), "mobile:S1")}), home_county="04")
    pair = desk_or_van.replace(clinicians=(*desk_or_van.clinicians, bea))
    both = roster(("ANN", 0, "mobile:S1"), ("BEA", 0, "mobile:S1"))
    assert amounts("Mobile crew", pair, both) == []
    kpis = evaluate(pair, both)
    assert (kpis.mobile_site_days, kpis.mobile_site_days_unstaffed) == (1, 0)
    assert (kpis.mobile_crew_missing, kpis.mobile_crew_extra) == (0, 1)


def test_return_visit_unserved(lone_doctor: Problem) -> None:
    """A visit nobody takes counts one."""
    problem = lone_doctor.replace(visits=_visits(2))
    solution = roster(
        ("ANN", 0, "07-12"), follow_ups=(FollowUp("V0", "ANN", day(0), "07-12"), FollowUp("V1"))
    )
    assert amounts("Return visit unserved", problem, solution) == [1]


@pytest.mark.parametrize(
    "bad, message",
    [
        ({"days": 0}, "at least one day"),
        ({"continuity_target": 1.5}, "share between 0 and 1"),
        ({"visits": (ReturnVisit("V", "P", "nurse", "ANN", day(0), day(1)),)}, "is a doctor"),
        (
            {"visits": (ReturnVisit("V", "P", "doctor", "ZED", day(0), day(1)),)},
            "unknown clinician",
        ),
        ({"demand": {(day(9), "07-12", "doctor"): 1.0}}, "outside the horizon"),
    ],
)
def test_bad_problems_are_rejected(lone_doctor: Problem, bad: dict, message: str) -> None:
    """Bad input raises in the constructor with a sentence naming the problem."""
    with pytest.raises(ValueError, match=message):
        lone_doctor.replace(**bad)


@pytest.mark.parametrize(
    "bad, message",
    [
        ({"max_weekly_hours": 0}, "WorkRules.max_weekly_hours must be positive."),
        ({"max_hours_without_break": -1}, "WorkRules.max_hours_without_break must be positive."),
        ({"daily_rest_hours": -1}, "WorkRules.daily_rest_hours cannot be negative."),
        ({"seam_break_minutes": -30}, "WorkRules.seam_break_minutes cannot be negative."),
        ({"fair_share_tolerance": -1}, "WorkRules.fair_share_tolerance cannot be negative."),
        ({"max_consecutive_days": 0}, "WorkRules.max_consecutive_days must be at least 1."),
        ({"daily_rest_hours": 24}, "WorkRules.daily_rest_hours must be under 24."),
        (
            {"weekly_rest_hours": 169},
            r"WorkRules.weekly_rest_hours cannot exceed a week \(168 h\).",
        ),
        ({"max_weekly_hours": 169}, r"WorkRules.max_weekly_hours cannot exceed a week \(168 h\)."),
        ({"max_consecutive_days": 367}, "WorkRules.max_consecutive_days must be at most 366."),
        (
            {"mertid_hours_per_4_weeks": 1e12},
            "WorkRules.mertid_hours_per_4_weeks must be at most 672.",
        ),
        (
            {"max_hours_without_break": float("inf")},
            "WorkRules.max_hours_without_break must be at most 24.",
        ),
        (
            {"daily_rest_hours": float("nan")},
            "WorkRules.daily_rest_hours must be a number, not NaN.",
        ),
    ],
)
def test_bad_work_rules_are_rejected(bad: dict, message: str) -> None:
    """Each limit's bound (declared once, in the field's metadata) names the limit."""
    with pytest.raises(ValueError, match=f"^{message}$"):
        WorkRules(**bad)
