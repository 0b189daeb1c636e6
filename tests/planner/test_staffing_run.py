"""The staffing run: problem from a scenario, solve, evaluate, rows stored on SQLite and PostgreSQL."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest
from sqlalchemy import text
from sqlalchemy.engine import Engine

from planner import runs
from planner.demand import demand_hours
from planner.orchestration.context import RunContext
from planner.orchestration.staffing import (
    STOCKHOLM,
    build_instance,
    build_problem,
    explain_deadline,
    mobile_days_from_placements,
    pool_crew_gaps,
    pool_gap_message,
    run_staffing,
    search_deadline,
)
from planner.scenario import Scenario, builtin_scenario_path, load_scenario
from planner.storage import run_rows, save_scenario
from planner.storage.models import FollowUpAssignment, Placement, Shift


@pytest.fixture
def tiny() -> Scenario:
    """The built-in tiny scenario (12 clinicians, 14 days, 60 return visits), 2-s solves."""
    return load_scenario(builtin_scenario_path("tiny")).replace(staffing={"time_limit_s": 2.0})


def test_problem_from_scenario_is_seeded(tiny: Scenario) -> None:
    """Same scenario, same problem; holidays and demand come in as data."""
    a, b = build_problem(tiny), build_problem(tiny)
    assert (
        a.clinicians == b.clinicians and a.visits == b.visits and dict(a.demand) == dict(b.demand)
    )
    assert (len(a.clinicians), a.days, len(a.visits)) == (12, 14, 60)
    assert a.start == dt.date(2026, 11, 2)
    other = build_problem(tiny.replace(scenario={"seed": 8}))
    assert other.clinicians != a.clinicians


def test_demand_has_weekday_block_and_holiday_shape() -> None:
    """Mondays outdo Saturdays, mornings outdo evenings, nights are for doctors, and a holiday
    (Christmas Day 2026, a Friday) is as quiet as a Sunday."""
    need = demand_hours(dt.date(2026, 12, 21), 7, 300)
    monday, friday, saturday, sunday = (dt.date(2026, 12, d) for d in (21, 25, 26, 27))
    assert need[(monday, "07-12", "doctor")] > need[(saturday, "07-12", "doctor")]
    assert need[(monday, "07-12", "doctor")] > need[(monday, "17-22", "doctor")]
    assert {p for (_, b, p) in need if b == "22-07"} == {"doctor"}
    assert need[(friday, "07-12", "doctor")] == need[(sunday, "07-12", "doctor")]


def test_run_stores_roster_and_kpis(engine: Engine, tiny: Scenario) -> None:
    """A finished run holds one Shift per rostered block, one FollowUpAssignment per return
    visit, and the KPIs with the bound and the baseline; no hard rule is broken."""
    save_scenario(engine, tiny)
    result = runs.execute(engine, "tiny", "staffing")
    assert result.run.status == "finished" and result.run.solver_status in ("OPTIMAL", "FEASIBLE")
    k = result.kpis
    assert k["hard_violations"] == 0
    assert (
        0 <= k["baseline_rate"] <= 1 and 0 <= k["continuity_rate"] <= k["availability_bound"] <= 1
    )
    assert k["continuity_rate"] >= k["baseline_rate"]
    assert k["continuity_target"] == pytest.approx(0.96)
    shifts = run_rows(engine, result.run.id, Shift)
    follow_ups = run_rows(engine, result.run.id, FollowUpAssignment)
    assert len(follow_ups) == 60 and shifts
    same = sum(f.same_clinician for f in follow_ups) / 60
    assert same == pytest.approx(k["continuity_rate"])
    problem = build_problem(tiny)
    blocks = {b.name: b for b in problem.blocks}
    for s in shifts:
        assert (s.day, s.block) in problem.clinician(s.clinician_id).available
        local = s.start.astimezone(STOCKHOLM).replace(tzinfo=None)
        assert local == dt.datetime.combine(s.day, dt.time()) + dt.timedelta(
            hours=blocks[s.block].start
        )
    with engine.connect() as conn:
        counted = conn.execute(
            text("SELECT count(*) FROM shift WHERE run_id = :r"), {"r": result.run.id}
        ).scalar()
    assert counted == len(shifts)


def test_run_names_why_each_visit_missed(engine: Engine, tiny: Scenario) -> None:
    """Every return visit not kept with its index clinician has one stored reason; the reason
    KPIs, the JSON report (by reason, profession, county, clinician) and the rows agree, and the
    two availability reasons are the visits above the availability bound."""
    save_scenario(engine, tiny)
    result = runs.execute(engine, "tiny", "staffing")
    k = result.kpis
    follow_ups = run_rows(engine, result.run.id, FollowUpAssignment)
    missed = [f for f in follow_ups if not f.same_clinician]
    assert k["misses"] == len(missed) == sum(f.miss_reason is not None for f in follow_ups)
    reasons = {name[len("misses_reason_") :]: n for name, n in k.items() if "_reason_" in name}
    assert set(reasons) == {
        "left_pool",
        "not_available",
        "blocks_full",
        "booked_elsewhere",
        "not_rostered",
    }
    assert sum(reasons.values()) == len(missed)
    assert reasons["left_pool"] + reasons["not_available"] == round(
        60 * (1 - k["availability_bound"])
    )
    report = result.to_dict()["misses"]
    assert report["total"] == len(missed)
    for group in ("by_profession", "by_county", "by_clinician"):
        assert sum(sum(c.values()) for c in report[group].values()) == len(missed)
    assert sum(report["not_rostered_by"].values()) == reasons["not_rostered"]
    assert {f.miss_reason for f in missed} <= set(reasons)


def test_short_pool_says_which_cells_are_short(tiny: Scenario) -> None:
    """Three clinicians cannot cover the tiny demand: the message names days, blocks and
    professions, and the roster still comes back."""
    outcome = run_staffing(
        tiny.replace(staffing={"clinicians": 3, "return_visits": 10, "time_limit_s": 1.0})
    )
    assert outcome.message and outcome.message.startswith("demand cover short by")
    assert "2026-11-0" in outcome.message and " h" in outcome.message
    assert any(
        p in outcome.message for p in ("doctor", "psychologist", "physiotherapist", "midwife")
    )
    assert outcome.kpis["cover"] < 1 and outcome.kpis["hard_violations"] == 0
    assert any(isinstance(r, Shift) for r in outcome.rows)


def test_mobile_clinic_days_become_blocks_for_local_clinicians() -> None:
    """A mobile-clinic day (the placement plan's hook) is a block offered on that day only, open
    to clinicians whose home county is the site's, with its own demand."""
    from planner.orchestration.staffing import MobileDay, build_instance
    from staffing import cover_first, evaluate

    start = dt.date(2026, 11, 2)
    plain = build_instance(12, 7, 10, 7, start)
    county = plain.clinicians[0].home_county
    mobile = MobileDay(
        "S1", county, start + dt.timedelta(days=2), plain.clinicians[0].profession, 8.0
    )
    problem = build_instance(12, 7, 10, 7, start, mobile_days=[mobile])
    block = problem.block("mobile:S1")
    assert block.kind == "mobile" and block.days == {mobile.day} and block.hours == 8.0
    assert problem.demand[(mobile.day, "mobile:S1", mobile.profession)] == 8.0
    local = {c.clinician_id for c in problem.clinicians if c.home_county == county}
    open_to = {
        c.clinician_id for c in problem.clinicians if any(b == "mobile:S1" for _, b in c.available)
    }
    assert open_to <= local
    assert evaluate(problem, cover_first(problem)).hard_violations == 0


def placed(week: str, site_id: str, name: str, county: str, unit: int = 1) -> Placement:
    """A placement row as the placement run stores it (no run id, no coordinates)."""
    return Placement(  # type: ignore[call-arg]  # run_id: set when stored
        week=week,
        unit=unit,
        site_id=site_id,
        site_name=name,
        kommun_code="",
        county_code=county,
        lon=0.0,
        lat=0.0,
    )


def test_site_day_without_a_doctor_is_named_with_its_reason(tiny: Scenario) -> None:
    """Two units in week 45: Södertälje (Stockholms län, a doctor declared every business day)
    gets a doctor each day; Köping (Västmanlands län, no doctor in the tiny pool) cannot, and
    the message says so by the site's and the county's names; the pool alone agrees."""
    rows = (
        placed("2026-W45", "S01", "Södertälje", "01"),
        placed("2026-W45", "S19", "Köping", "19", 2),
    )
    context = RunContext(placements=rows)
    outcome = run_staffing(tiny.replace(staffing={"time_limit_s": 2.0}), None, context)
    k = outcome.kpis
    assert (k["mobile_site_days"], k["mobile_site_days_unstaffed"]) == (10, 5)
    assert (k["mobile_crew_gaps_not_declared"], k["mobile_crew_gaps_blocked"]) == (5, 0)
    assert k["hard_violations"] == 0
    assert outcome.message and outcome.message.startswith(
        "mobile units without their crew on 5 of 10 site-days: Köping 2026-11-02 (no doctor of "
        "Västmanlands län declared that day); Köping 2026-11-03"
    )
    assert "mobile:" not in outcome.message and "mobile Köping doctor 8,0 h" in outcome.message
    gaps = outcome.report["mobile_crews"]
    assert {(g["site_name"], g["reason"], g["declared"]) for g in gaps} == {
        ("Köping", "not_declared", 0)
    }
    crews = [r for r in outcome.rows if isinstance(r, Shift) and r.kind == "mobile"]
    assert sorted(r.day.day for r in crews if r.site_id == "S01") == [2, 3, 4, 5, 6]
    pool = pool_crew_gaps(tiny, mobile_days_from_placements(tiny, context))
    assert [(g.sites, g.county_code, g.declared) for g in pool] == [(("Köping",), "19", 0)] * 5
    assert [g.day for g in pool] == [dt.date(2026, 11, d) for d in (2, 3, 4, 5, 6)]


def test_crew_gaps_in_words() -> None:
    """Each reason reads as a sentence with the county's name and what keeps people off."""
    from planner.orchestration.staffing import crew_gap_text
    from staffing import CREWS_ELSEWHERE, CrewGap

    def gap(reason: str, crew: int, declared: int, *why: tuple[str, int]) -> CrewGap:
        return CrewGap(
            dt.date(2026, 11, 13), "mobile:K", "K", "19", "doctor", crew, 0, declared, reason, why
        )

    counties = {"19": "Västmanlands län"}
    assert crew_gap_text(gap("not_declared", 1, 0), counties) == (
        "no doctor of Västmanlands län declared that day"
    )
    assert crew_gap_text(gap("not_declared", 2, 1, ("Daily rest", 1)), counties) == (
        "only 1 doctor of Västmanlands län declared that day for a crew of 2; "
        "kept off it: daily rest (1)"
    )
    assert crew_gap_text(gap("blocked", 1, 1, (CREWS_ELSEWHERE, 1)), {}) == (
        "the doctor of county 19 who declared that day is kept off it: "
        "crews another site that day (1)"
    )
    assert crew_gap_text(
        gap("blocked", 1, 2, ("Weekly maximum hours", 1), (CREWS_ELSEWHERE, 1)), counties
    ) == (
        "the 2 doctors of Västmanlands län who declared that day are kept off it: "
        "weekly maximum hours (1), crews another site that day (1)"
    )


def test_issue_15_site_days_have_no_doctor_in_the_demo_pool() -> None:
    """The site-days of issue 15 (Köping 13 Nov, Mariefred 19 and 20 Nov) are the only ones of
    their unit-weeks that no doctor of the county declared in the demo's pool: no roster can
    crew them, and the placement run can tell from the pool alone."""
    demo = load_scenario(builtin_scenario_path("demo"))
    rows = (
        placed("2026-W46", "K", "Köping", "19"),
        placed("2026-W47", "M", "Mariefred", "04"),
    )
    days = mobile_days_from_placements(demo, RunContext(placements=rows))
    gaps = pool_crew_gaps(demo, days)
    assert [(g.sites[0], g.day.day, g.declared, g.missing) for g in gaps] == [
        ("Köping", 13, 0, 1),
        ("Mariefred", 19, 0, 1),
        ("Mariefred", 20, 0, 1),
    ]
    message = pool_gap_message(gaps, {"19": "Västmanlands län", "04": "Södermanlands län"})
    assert message == (
        "staffing pool: 3 placed unit-days in the staffing horizon cannot get a crew: "
        "Köping 2026-11-13 (no doctor of Västmanlands län declared it for the unit); "
        "Mariefred 2026-11-19 (no doctor of Södermanlands län declared it for the unit); "
        "Mariefred 2026-11-20 (no doctor of Södermanlands län declared it for the unit)"
    )


def test_rule_modes_round_trip_through_the_scenario(tiny: Scenario, tmp_path: Path) -> None:
    """``[staffing] soft_rules``/``hard_rules`` reach the Problem; unset, they stay out of the
    stored parameters (hashes of older scenarios hold); a bad name names the key."""
    from planner.errors import ScenarioError
    from planner.scenario import scenario_from_dict

    assert "soft_rules" not in tiny.to_dict()["staffing"]
    modes = tiny.replace(
        staffing={
            "soft_rules": ["Max consecutive days", "Weekly rest"],
            "hard_rules": ["Fair share of nights"],
        }
    )
    again = scenario_from_dict(modes.to_dict())
    assert again == modes and again.content_hash() == modes.content_hash() != tiny.content_hash()
    toml = tmp_path / "modes.toml"
    toml.write_text(
        '[scenario]\nname = "modes"\n[staffing]\nsoft_rules = ["Daily rest"]\n'
        'hard_rules = ["Preferred blocks"]\n',
        encoding="utf-8",
    )
    loaded = load_scenario(toml)
    problem = build_problem(
        loaded.replace(staffing={"clinicians": 4, "return_visits": 4, "horizon_days": 7})
    )
    assert problem.soft_rules == {"Daily rest"} and problem.hard_rules == {"Preferred blocks"}
    assert not problem.is_hard("Daily rest") and problem.is_hard("Preferred blocks")
    assert build_problem(modes).soft_rules == {"Max consecutive days", "Weekly rest"}
    for bad, reason in ((["Max consec"], "valid names"), (["Availability"], "cannot be made soft")):
        with pytest.raises(ScenarioError, match=r"staffing\.soft_rules") as err:
            tiny.replace(staffing={"soft_rules": bad})
        assert reason in str(err.value)
    with pytest.raises(
        ScenarioError, match=r"staffing\.hard_rules: Rule 'Contract hours' cannot be made hard"
    ):
        tiny.replace(staffing={"hard_rules": ["Contract hours"]})


def test_working_time_limits_come_from_the_library(tiny: Scenario) -> None:
    """The scenario's limit keys take WorkRules' defaults and bounds; build_problem passes the
    scenario's values and keeps the library's default for limits a scenario cannot set."""
    import dataclasses

    from planner.errors import ScenarioError
    from planner.scenario import StaffingParams
    from staffing import WorkRules

    defaults = WorkRules()
    limits = [
        f.name for f in dataclasses.fields(WorkRules) if f.name in StaffingParams.model_fields
    ]
    assert limits == [
        "max_weekly_hours",
        "daily_rest_hours",
        "weekly_rest_hours",
        "max_hours_without_break",
        "max_consecutive_days",
        "mertid_hours_per_4_weeks",
    ]
    assert all(getattr(StaffingParams(), n) == getattr(defaults, n) for n in limits)
    changed = tiny.replace(staffing={"max_consecutive_days": 3, "daily_rest_hours": 12.0})
    assert changed.staffing.work_rules() == WorkRules(max_consecutive_days=3, daily_rest_hours=12.0)
    assert build_problem(changed).rules == WorkRules(max_consecutive_days=3, daily_rest_hours=12.0)
    with pytest.raises(
        ScenarioError,
        match=r"staffing\.max_consecutive_days: Input should be greater than or equal to 1 \(got 0\)",
    ):
        tiny.replace(staffing={"max_consecutive_days": 0})
    with pytest.raises(
        ScenarioError, match=r"staffing\.max_weekly_hours: Input should be greater than 0 \(got 0\)"
    ):
        tiny.replace(staffing={"max_weekly_hours": 0})


def test_search_leaves_time_for_kpis_and_rows_in_proportion_to_size() -> None:
    """A 3-clinician week keeps nearly the whole limit for the search; a year of 1,000
    clinicians stops the search half-way through a 10 s limit (the cap) so its KPIs and rows
    fit in the limit, and 5.9 s early with a minute."""
    small = build_instance(3, 7, 10, 1, dt.date(2026, 11, 2))
    big = build_instance(1000, 366, 10, 1, dt.date(2026, 11, 2))
    assert 100.0 - search_deadline(small, 100.0, 10.0) < 0.01
    assert search_deadline(big, 100.0, 10.0) == pytest.approx(95.0)
    assert search_deadline(big, 100.0, 60.0) == pytest.approx(100.0 - 1.6e-5 * 366_000)


def test_explanations_get_at_least_a_second_and_at_most_five() -> None:
    """Past the run's end the misses still get 1 s; with a minute left they get 5 s."""
    import time

    now = time.perf_counter()
    assert explain_deadline(now - 100) - now == pytest.approx(1.0, abs=0.05)
    assert explain_deadline(now + 60) - now == pytest.approx(5.0, abs=0.05)
    assert explain_deadline(now + 2) - now == pytest.approx(2.0, abs=0.05)
