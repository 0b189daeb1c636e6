"""Why return visits miss their index clinician: one named reason per miss, from the roster."""

from __future__ import annotations

import dataclasses
import datetime as dt
import time

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from staffing import (
    Clinician,
    FollowUp,
    Problem,
    ReturnVisit,
    ShiftAssignment,
    Solution,
    WorkRules,
    cover_first,
    digital_blocks,
    evaluate,
)
from staffing.misses import (
    COVER,
    MISS_REASONS,
    NO_DEMAND,
    NO_RULE,
    RosterView,
    explain_misses,
    miss_summary,
    objections,
    unexplained,
)
from staffing.rules import RULES
from tests.staffing.conftest import MONDAY, day, one_week


def visit(vid: str, owner: str, first: int, last: int) -> ReturnVisit:
    """A doctor's return visit owed by ``owner`` in the window of days ``first``..``last``."""
    return ReturnVisit(vid, "P" + vid, "doctor", owner, day(first), day(last))


def mornings(*days: int) -> frozenset:
    """Availability for the 07-12 block on the given days."""
    return frozenset((day(i), "07-12") for i in days)


@pytest.fixture
def every_reason() -> tuple[Problem, Solution]:
    """Four doctors, one follow-up per morning block, no demand, a hand-made roster: ANN works
    Monday (V1 fills it, so V2 finds it full) and is free Wednesday (V5, not rostered though
    nothing forbids it); BEA left on Thursday (V3); CAT is only free Tuesday (V4, window
    Thursday-Saturday); DAN works Tuesday with room but V6 was left unbooked."""
    people = [
        Clinician("ANN", "doctor", 10.0, mornings(0, 2)),
        Clinician("BEA", "doctor", 10.0, mornings(0), left_on=day(3)),
        Clinician("CAT", "doctor", 10.0, mornings(1)),
        Clinician("DAN", "doctor", 10.0, mornings(*range(7))),
    ]
    visits = [
        visit("V1", "ANN", 0, 0),
        visit("V2", "ANN", 0, 0),
        visit("V3", "BEA", 3, 4),
        visit("V4", "CAT", 3, 5),
        visit("V5", "ANN", 2, 2),
        visit("V6", "DAN", 1, 1),
    ]
    problem = one_week(
        people, visits=visits, blocks=digital_blocks(followup_capacity=1, night_followups=0)
    )
    roster = Solution(
        "HAND",
        (ShiftAssignment(day(0), "07-12", "ANN"), ShiftAssignment(day(1), "07-12", "DAN")),
        (
            FollowUp("V1", "ANN", day(0), "07-12"),
            *(FollowUp(v) for v in ("V2", "V3", "V4", "V5", "V6")),
        ),
    )
    return problem, roster


def test_each_reason_on_its_visit(every_reason: tuple[Problem, Solution]) -> None:
    """V1 is kept; V2-V6 miss for the five reasons, in that order of the fixture."""
    misses = explain_misses(*every_reason)
    assert [(m.visit_id, m.reason, m.detail) for m in misses] == [
        ("V2", "blocks_full", None),
        ("V3", "left_pool", None),
        ("V4", "not_available", None),
        ("V5", "not_rostered", NO_RULE),
        ("V6", "booked_elsewhere", None),
    ]


def test_past_the_deadline_every_reason_stays_but_not_rostered_is_unexplained(
    every_reason: tuple[Problem, Solution],
) -> None:
    """The reasons need no rule: all five stay; what kept ANN off Wednesday (V5) needs the
    rules around the slot, so a passed deadline leaves it out, and the summary counts it."""
    misses = explain_misses(*every_reason, deadline=time.perf_counter() - 1.0)
    assert [(m.visit_id, m.reason, m.detail) for m in misses] == [
        ("V2", "blocks_full", None),
        ("V3", "left_pool", None),
        ("V4", "not_available", None),
        ("V5", "not_rostered", None),
        ("V6", "booked_elsewhere", None),
    ]
    assert unexplained(misses) == 1 and miss_summary(misses)["not_rostered_unexplained"] == 1
    assert unexplained(explain_misses(*every_reason)) == 0


def test_summary_counts_every_reason(every_reason: tuple[Problem, Solution]) -> None:
    """One miss per reason; ANN has two (full Monday, unrostered Wednesday)."""
    summary = miss_summary(explain_misses(*every_reason))
    assert summary["total"] == 5
    assert summary["by_reason"] == dict.fromkeys(MISS_REASONS, 1)
    assert summary["not_rostered_by"] == {NO_RULE: 1}
    assert summary["by_profession"] == {"doctor": dict.fromkeys(MISS_REASONS, 1)}
    assert summary["by_clinician"] == {
        "ANN": {"blocks_full": 1, "not_rostered": 1},
        "BEA": {"left_pool": 1},
        "CAT": {"not_available": 1},
        "DAN": {"booked_elsewhere": 1},
    }


@pytest.fixture
def crowded_clinic(small_clinic: Problem) -> Problem:
    """The small clinic with one follow-up per block, 40 return visits (owners in turn, windows
    of 1-3 days) and D4 leaving on day 10: enough misses of four kinds to count."""
    people = list(small_clinic.clinicians)
    d4 = people[3]
    people[3] = dataclasses.replace(
        d4, available=frozenset(a for a in d4.available if a[0] < day(10)), left_on=day(10)
    )
    owners = ["D1", "D2", "D3", "D4", "S1"]
    visits = [
        ReturnVisit(
            f"V{k}",
            f"P{k}",
            "psychologist" if owners[k % 5] == "S1" else "doctor",
            owners[k % 5],
            day(k % 12),
            day(min(13, k % 12 + k % 3)),
        )
        for k in range(40)
    ]
    return small_clinic.replace(
        clinicians=tuple(people),
        visits=tuple(visits),
        blocks=digital_blocks(followup_capacity=1, night_followups=1),
    )


def test_reasons_add_up_to_the_misses(crowded_clinic: Problem) -> None:
    """On the crowded clinic's cover-first roster the misses are the visits the rate leaves
    out, and the two availability reasons are exactly the visits above the availability bound."""
    roster = cover_first(crowded_clinic)
    kpis = evaluate(crowded_clinic, roster)
    misses = explain_misses(crowded_clinic, roster)
    summary = miss_summary(misses)
    assert summary["by_reason"] == {
        "left_pool": 1,
        "not_available": 4,
        "blocks_full": 2,
        "booked_elsewhere": 0,
        "not_rostered": 2,
    }
    assert kpis.continuity_rate is not None and kpis.availability_bound is not None
    assert (
        sum(summary["by_reason"].values()) == len(misses) == round(40 * (1 - kpis.continuity_rate))
    )
    above_bound = [m for m in misses if m.reason in ("left_pool", "not_available")]
    assert len(above_bound) == round(40 * (1 - kpis.availability_bound))


def _two_weekdays(**demand: float) -> Problem:
    """ANN (contract 10 h, weekly maximum 10 h) works Monday and Tuesday mornings and is free
    Wednesday morning, where her visit V1 falls; ``demand`` gives morning hours per day name."""
    ann = Clinician("ANN", "doctor", 10.0, mornings(0, 1, 2))
    index = {"mon": 0, "tue": 1, "wed": 2}
    return one_week(
        [ann],
        rules=WorkRules(max_weekly_hours=10.0),
        visits=[visit("V1", "ANN", 2, 2)],
        demand={(day(index[k]), "07-12", "doctor"): h for k, h in demand.items()},
    )


def _monday_tuesday() -> Solution:
    shifts = (ShiftAssignment(day(0), "07-12", "ANN"), ShiftAssignment(day(1), "07-12", "ANN"))
    return Solution("HAND", shifts, (FollowUp("V1"),))


def test_a_hard_rule_wins_when_a_swap_costs_no_cover() -> None:
    """No demand Monday or Tuesday: giving up either would make room, so the weekly maximum
    is what kept ANN off Wednesday."""
    problem = _two_weekdays(wed=5.0)
    (miss,) = explain_misses(problem, _monday_tuesday())
    assert (miss.reason, miss.detail) == ("not_rostered", "Weekly maximum hours")


def test_cover_wins_when_every_swap_leaves_demand_short() -> None:
    """ANN alone covers Monday and Tuesday mornings: a swap would leave one of them short."""
    problem = _two_weekdays(mon=5.0, tue=5.0, wed=5.0)
    (miss,) = explain_misses(problem, _monday_tuesday())
    assert (miss.reason, miss.detail) == ("not_rostered", COVER)


def test_no_demand_is_named_when_nothing_forbids_the_slot() -> None:
    """ANN works only Monday; nothing forbids Wednesday morning, but no demand called her there."""
    problem = _two_weekdays(mon=5.0, tue=5.0)
    monday = Solution("HAND", (ShiftAssignment(day(0), "07-12", "ANN"),), (FollowUp("V1"),))
    (miss,) = explain_misses(problem, monday)
    assert (miss.reason, miss.detail) == ("not_rostered", NO_DEMAND)


def test_a_soft_rule_is_named_when_no_hard_rule_objects() -> None:
    """A zero-hour contract: one more block would only bend the contract-hours rule."""
    ann = Clinician("ANN", "doctor", 0.0, mornings(2))
    problem = one_week([ann], visits=[visit("V1", "ANN", 2, 2)])
    (miss,) = explain_misses(problem, Solution("HAND", (), (FollowUp("V1"),)))
    assert (miss.reason, miss.detail) == ("not_rostered", "Contract hours")


def test_the_easiest_slot_names_the_reason() -> None:
    """Two free slots in the window, one blocked by the weekly maximum and one by nothing but
    the contract: the contract (soft, easier to bend) is named."""
    ann = Clinician("ANN", "doctor", 5.0, mornings(0, 1, 7))
    problem = Problem(
        MONDAY,
        8,
        digital_blocks(),
        (ann,),
        (visit("V1", "ANN", 1, 7),),
        rules=WorkRules(max_weekly_hours=5.0),
    )
    roster = Solution("HAND", (ShiftAssignment(day(0), "07-12", "ANN"),), (FollowUp("V1"),))
    (miss,) = explain_misses(problem, roster)
    assert (miss.reason, miss.detail) == ("not_rostered", "Contract hours")


def test_a_leaver_cannot_declare_availability_after_leaving() -> None:
    """Availability on or after the leaving day is rejected with the clinician and the day."""
    with pytest.raises(ValueError, match="ANN leaves the pool on 2026-11-03 but declares"):
        Clinician("ANN", "doctor", 10.0, mornings(0, 1), left_on=day(1))


def whole_roster_objections(
    roster: RosterView, c: Clinician, before: list, slot: tuple[int, int], hard: bool
) -> list[str]:
    """The plain definition: every rule read on the whole roster before and after."""
    problem, grid = roster.problem, roster.grid
    after = sorted([*before, slot], key=grid.interval)
    out = []
    for rule in RULES:
        if rule.per_clinician is None or problem.is_hard(rule.name) != hard:
            continue
        old = sum(v.amount for v in rule.per_clinician(problem, grid, c, before))
        new = sum(v.amount for v in rule.per_clinician(problem, grid, c, after))
        if new > old + 1e-9:
            out.append(rule.name)
    return out


@settings(max_examples=100, deadline=None)
@given(
    runs=st.lists(st.tuples(st.integers(0, 48), st.integers(1, 21), st.integers(0, 3)), max_size=6),
    slot=st.tuples(st.integers(0, 48), st.integers(0, 3)),
    max_days=st.integers(2, 12),
    weekly_rest=st.sampled_from([24.0, 36.0, 60.0]),
    hard=st.booleans(),
)
def test_objections_near_the_slot_are_those_of_the_whole_roster(
    runs: list[tuple[int, int, int]],
    slot: tuple[int, int],
    max_days: int,
    weekly_rest: float,
    hard: bool,
) -> None:
    """A doctor free in every block for seven weeks (the October clock change in the first)
    on a roster that may break any rule (long runs of days, short rests, night after
    evening): the rules that object to one more slot, read on the stretch around it, are
    exactly those read on the whole roster. The roster is runs of one block on
    consecutive days, up to three weeks long."""
    worked = {(d, b) for first, length, b in runs for d in range(first, min(49, first + length))}
    rules = WorkRules(max_consecutive_days=max_days, weekly_rest_hours=weekly_rest)
    start = MONDAY - dt.timedelta(days=14)  # 19 October 2026: the clocks change on the 25th
    blocks = digital_blocks()
    free = frozenset((start + dt.timedelta(days=d), b.name) for d in range(49) for b in blocks)
    doc = Clinician("D1", "doctor", 20.0, free)
    problem = Problem(start, 49, blocks, (doc,), (), {}, rules=rules)
    shifts = tuple(
        ShiftAssignment(start + dt.timedelta(days=d), blocks[b].name, "D1") for d, b in worked
    )
    roster = RosterView(problem, Solution("BASELINE", shifts))
    before = [s for s in roster.slots.get("D1", []) if s != slot]
    assert objections(roster, doc, before, slot, hard) == whole_roster_objections(
        roster, doc, before, slot, hard
    )
