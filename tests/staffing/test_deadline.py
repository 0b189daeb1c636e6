"""Every staffing stage honours one deadline: handed a deadline that has already passed, each
returns what it has at once and says so. Nothing here measures time: a passed deadline makes
the outcome a matter of flags and rosters, not of the machine's speed."""

from __future__ import annotations

import datetime as dt
import time

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from planner.orchestration.staffing import run_problem
from staffing import (
    Clinician,
    Problem,
    ReturnVisit,
    SolveParams,
    WorkRules,
    cover_first,
    digital_blocks,
    evaluate,
    solve,
)
from staffing.greedy import LegalRoster
from staffing.model import OutOfTime, RosterModel
from staffing.reach import LEVERS, compare_levers, reach_target
from staffing.requests import plan_requests
from staffing.warmstart import continuity_repair

from .conftest import MONDAY, day, one_week

BLOCKS = digital_blocks()


def passed() -> float:
    """A deadline one second ago."""
    return time.perf_counter() - 1.0


def test_cover_first_after_the_deadline_keeps_an_empty_roster_saying_so(
    small_clinic: Problem,
) -> None:
    """No demand cell is walked: the roster is empty (it breaks no rule) and flagged."""
    baseline = cover_first(small_clinic, passed())
    assert baseline.shifts == () and baseline.time_limited
    assert "stopped at 0 of" in baseline.message
    assert not cover_first(small_clinic).time_limited


def test_continuity_repair_after_the_deadline_adds_nothing(small_clinic: Problem) -> None:
    """The repair stops before its first clinician: the roster comes back as given."""
    shifts = cover_first(small_clinic).shifts
    assert continuity_repair(small_clinic, shifts, passed()) == sorted(shifts)


def test_model_building_stops_at_the_deadline(small_clinic: Problem) -> None:
    """Building is Python and grows with clinicians x days: with a passed deadline it stops."""
    with pytest.raises(OutOfTime, match="0 of 5 clinicians"):
        RosterModel(small_clinic, passed())


def test_solve_after_the_deadline_returns_the_hint_flagged(small_clinic: Problem) -> None:
    """No stage runs: the cover-first hint is the roster, it keeps every hard rule, and the
    solution says the time limit cut the solve short (never a silent 'optimal')."""
    hint = cover_first(small_clinic)
    solution = solve(small_clinic, SolveParams(time_limit_s=60), hint=hint, deadline=passed())
    assert solution.status == "BASELINE" and solution.stages == ()
    assert solution.time_limited and "no solver stage ran" in solution.message
    assert set(hint.shifts) <= set(solution.shifts)
    assert evaluate(small_clinic, solution).hard_violations == 0


def test_a_solve_with_time_left_is_not_flagged(two_doctors_one_visit: Problem) -> None:
    """Two doctors and one visit solve to optimality within the limit: no flag, no message."""
    solution = solve(two_doctors_one_visit, SolveParams(time_limit_s=10))
    assert solution.status == "OPTIMAL" and not solution.time_limited and not solution.message


def test_run_problem_reports_the_time_limit_as_a_kpi(small_clinic: Problem) -> None:
    """The run's KPI ``time_limit_reached`` is 1 when the deadline has passed."""
    solution, kpis, _ = run_problem(small_clinic, SolveParams(time_limit_s=60), deadline=passed())
    assert kpis["time_limit_reached"] == 1.0 and solution.time_limited


@settings(max_examples=40, deadline=None)
@given(
    moves=st.lists(
        st.tuples(st.integers(0, 27), st.sampled_from(["07-12", "12-17", "17-22", "22-07"])),
        max_size=40,
    ),
    max_days=st.integers(2, 7),
    weekly_rest=st.sampled_from([24.0, 36.0, 60.0]),
)
def test_the_greedy_checks_a_move_as_the_whole_roster_would(
    moves: list[tuple[int, str]], max_days: int, weekly_rest: float
) -> None:
    """One clinician free in every block for four weeks (the October clock change in the
    first), tight rules: each move the windowed
    check accepts or refuses is exactly what every rule on the whole roster says."""
    rules = WorkRules(max_consecutive_days=max_days, weekly_rest_hours=weekly_rest)
    start = MONDAY - dt.timedelta(days=14)  # 19 October 2026: the clocks change on the 25th
    free = frozenset((start + dt.timedelta(days=d), b.name) for d in range(28) for b in BLOCKS)
    nurse = Clinician("N1", "doctor", 20.0, free)
    problem = Problem(start, 28, BLOCKS, (nurse,), (), {}, rules=rules)
    roster, whole = LegalRoster(problem), LegalRoster(problem)
    index = {b.name: i for i, b in enumerate(problem.blocks)}
    for d, name in moves:
        slot = (d, index[name])
        trial = sorted({*whole.slots["N1"], slot}, key=whole.grid.interval)
        keeps = slot not in whole.slots["N1"] and not any(
            rule(problem, whole.grid, nurse, trial) for rule in whole.rules
        )
        assert roster.try_add("N1", slot) == keeps
        if keeps:
            whole.slots["N1"] = trial
    assert roster.slots["N1"] == whole.slots["N1"]


def test_continuity_rounds_share_one_deadline(two_doctors_one_visit: Problem) -> None:
    """A target of every visit with a passed deadline: round 1 runs (its solve returns the
    hint at once), no second round starts, and the reach says what the limit cut."""
    reach = reach_target(
        two_doctors_one_visit, SolveParams(time_limit_s=60), 1.0, deadline=passed()
    )
    assert reach.rounds == 1
    assert "round 1" in reach.time_limit_note and "no solver stage ran" in reach.time_limit_note


def test_plan_requests_after_the_deadline_solves_no_model() -> None:
    """ANN declared only Monday morning and owes a visit on Wednesday-Thursday: one request
    keeps it, but past the deadline no curve is solved, so the plan asks nothing, is unproved
    and says the target is out of its reach (the greedy's request stays: it needs no solver)."""
    ann = Clinician("ANN", "doctor", 10.0, frozenset({(MONDAY, "07-12")}))
    visit = ReturnVisit("V1", "PV1", "doctor", "ANN", day(2), day(3))
    problem = one_week([ann], visits=[visit])
    plan = plan_requests(problem, 1.0, max_extra_days=8, deadline=passed())
    assert plan.requests == () and not plan.proved and not plan.reachable
    assert len(plan.greedy) == 1


def test_levers_after_the_deadline_keep_only_the_requests_alone(
    two_doctors_one_visit: Problem,
) -> None:
    """The requests-alone plan is the caller's; the two other levers are not compared."""
    alone = plan_requests(two_doctors_one_visit, 1.0)
    levers = compare_levers(two_doctors_one_visit, 1.0, alone=alone, deadline=passed())
    assert [lv.lever for lv in levers] == ["requests"]
    assert [lv.lever for lv in compare_levers(two_doctors_one_visit, 1.0, alone=alone)] == list(
        LEVERS
    )
