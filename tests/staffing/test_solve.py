"""solve(): feasible on tiny instances, agrees with evaluate(), deterministic, beats cover-first."""

from __future__ import annotations

import datetime as dt

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from staffing import (
    Clinician,
    Problem,
    ReturnVisit,
    ShiftAssignment,
    Solution,
    SolveParams,
    WorkRules,
    cover_first,
    digital_blocks,
    evaluate,
    solve,
)
from staffing.model import RosterModel
from staffing.timegrid import Grid
from tests.staffing.conftest import MONDAY, day, van

FAST = SolveParams(time_limit_s=1, num_workers=2, deterministic=True)


def test_conflict_patterns_of_the_digital_blocks(lone_doctor: Problem) -> None:
    """Same day: blocks 5 h apart (07-12 with 17-22, 12-17 with the night), 07-12 with the night,
    and 17-22 with the night (a 14-h period); next day: evening or night before a morning,
    night before an afternoon or evening. Back-to-back day blocks are allowed."""
    names = [b.name for b in lone_doctor.blocks]
    found = {(names[a], names[b], d) for a, b, d in Grid(lone_doctor).pair_patterns}
    assert found == {
        ("07-12", "17-22", 0),
        ("12-17", "22-07", 0),
        ("17-22", "22-07", 0),
        ("07-12", "22-07", 0),
        ("17-22", "07-12", 1),
        ("22-07", "07-12", 1),
        ("22-07", "12-17", 1),
        ("22-07", "17-22", 1),
    }
    assert Grid(lone_doctor).chain_patterns == []


def test_tiny_solve_is_feasible_and_evaluate_agrees(small_clinic: Problem) -> None:
    """Zero hard violations; the stage objectives equal what evaluate() measures."""
    solution = solve(small_clinic, FAST)
    assert solution.is_feasible()
    kpis = evaluate(small_clinic, solution)
    assert kpis.hard_violations == 0, [v.describe() for v in kpis.violations if v.hard]
    stages = {s.name: s for s in solution.stages}
    assert round(kpis.shortfall_hours * 60) == stages["cover"].objective
    same = round(kpis.continuity_rate * len(small_clinic.visits))
    assert same == -stages["continuity"].objective
    assert kpis.continuity_rate <= kpis.availability_bound
    assert 0 < kpis.upc <= 1 and 0 <= kpis.coc <= 1 and 0 <= kpis.secon <= 1


def test_solve_is_deterministic(small_clinic: Problem) -> None:
    """The same problem and seed give the same roster."""
    first, second = solve(small_clinic, FAST), solve(small_clinic, FAST)
    assert first.shifts == second.shifts and first.follow_ups == second.follow_ups


def test_continuity_first_beats_cover_first(two_doctors_one_visit: Problem) -> None:
    """Cover-first gives BEA's patient to ANN; the solver rosters BEA on Monday instead, with
    the same cover."""
    base = evaluate(two_doctors_one_visit, cover_first(two_doctors_one_visit))
    best = evaluate(two_doctors_one_visit, solve(two_doctors_one_visit, FAST))
    assert base.continuity_rate == 0.0 and best.continuity_rate == 1.0
    assert base.cover == best.cover == 1.0
    assert base.hard_violations == best.hard_violations == 0


def test_short_pool_names_the_short_cells(lone_doctor: Problem) -> None:
    """Two doctors needed on Monday night but only one exists: the short cell is named, the
    rest of the roster still comes back."""
    problem = lone_doctor.replace(
        demand={(day(0), "22-07", "doctor"): 17.0, (day(2), "07-12", "doctor"): 5.0}
    )
    solution = solve(problem, FAST)
    kpis = evaluate(problem, solution)
    assert [(v.day, v.block, v.profession, v.amount) for v in kpis.shortages()] == [
        (day(0), "22-07", "doctor", 8.5)
    ]
    assert kpis.hard_violations == 0


def test_placed_unit_gets_its_doctor_before_digital_cover(desk_or_van: Problem) -> None:
    """The desk would cover 10 h and the van 8 h, so cover alone (and the cover-first
    baseline) leaves the unit empty; priced above every demand minute, the crew wins and ANN
    goes to the van (10 h of digital demand go short)."""
    desk = Solution(
        "HAND",
        (ShiftAssignment(day(0), "07-12", "ANN"), ShiftAssignment(day(0), "12-17", "ANN")),
    )
    old = evaluate(desk_or_van, desk)
    assert (old.shortfall_hours, old.mobile_site_days_unstaffed) == (8.0, 1)
    assert cover_first(desk_or_van).shifts == desk.shifts
    solution = solve(desk_or_van, FAST)
    assert solution.shifts == (ShiftAssignment(day(0), "mobile:S1", "ANN"),)
    cover = solution.stages[0]
    assert (cover.name, cover.status, cover.objective) == ("cover", "OPTIMAL", 600)
    kpis = evaluate(desk_or_van, solution)
    assert (kpis.shortfall_hours, kpis.mobile_site_days_unstaffed, kpis.hard_violations) == (
        10.0,
        0,
        0,
    )


def test_crew_weight_outweighs_all_cover(desk_or_van: Problem) -> None:
    """One crew member is priced at the problem's demand minutes plus one (18 h: 1,081), so no
    cover can pay for an empty site-day; the desk roster costs 1,081 + 480, the van 600."""
    model = RosterModel(desk_or_van)
    assert model.has_crews and model.crew_weight == 18 * 60 + 1
    desk = model.values_from(
        Solution(
            "HAND",
            (ShiftAssignment(day(0), "07-12", "ANN"), ShiftAssignment(day(0), "12-17", "ANN")),
        )
    )
    van_day = model.values_from(Solution("HAND", (ShiftAssignment(day(0), "mobile:S1", "ANN"),)))
    assert model.stage_values(desk)[0] == 1081 + 480 and model.stage_values(van_day)[0] == 600


def test_site_day_nobody_can_crew_is_bounded_not_infeasible(desk_or_van: Problem) -> None:
    """A second site-day on Tuesday that nobody declared: the cover stage's counting bound
    holds its missing crew member, the stage is proved optimal there, and the roster comes
    back with that one site-day short."""
    problem = desk_or_van.replace(
        blocks=(*digital_blocks(), van(0, 1)),
        demand={**desk_or_van.demand, (day(1), "mobile:S1", "doctor"): 8.0},
    )
    model = RosterModel(problem)
    weight = model.crew_weight
    assert (model.crew_bound, model.lower_bounds[0]) == (1, weight + 480)
    solution = solve(problem, FAST)
    cover = solution.stages[0]
    assert (cover.status, cover.objective) == ("OPTIMAL", weight + 480 + 600)
    kpis = evaluate(problem, solution)
    assert (kpis.mobile_site_days, kpis.mobile_site_days_unstaffed) == (2, 1)


def test_without_placed_units_cover_is_the_shortfall(small_clinic: Problem) -> None:
    """Without mobile site-days there is no crew term: the stages and their objectives are
    those of before."""
    model = RosterModel(small_clinic)
    assert not model.has_crews and model.crew_bound == 0
    assert [name for name, _ in model.objectives] == [
        "cover",
        "continuity",
        "contract",
        "preferences and fairness",
    ]


def test_model_size_is_pruned(small_clinic: Problem) -> None:
    """Visit variables exist only on window days where the index clinician can work."""
    model = RosterModel(small_clinic)
    for visit_id, d in model.y:
        visit = next(v for v in small_clinic.visits if v.visit_id == visit_id)
        assert visit.window_start <= small_clinic.start + dt.timedelta(days=d) <= visit.window_end
    assert model.size()["visit_vars"] <= sum(
        (v.window_end - v.window_start).days + 1 for v in small_clinic.visits
    )


@st.composite
def small_problems(draw: st.DrawFn) -> Problem:
    """Random 1-week problems: up to 4 clinicians, random availability, demand and visits."""
    names = ("07-12", "12-17", "17-22", "22-07")
    n = draw(st.integers(1, 4))
    people = []
    for i in range(n):
        slots = draw(st.sets(st.tuples(st.integers(0, 6), st.sampled_from(names)), max_size=16))
        people.append(
            Clinician(
                f"C{i}",
                draw(st.sampled_from(["doctor", "psychologist"])),
                draw(st.sampled_from([0.0, 5.0, 10.0, 20.0])),
                frozenset((day(d), b) for d, b in slots),
            )
        )
    demand = {}
    cells = sorted({(d, b, c.profession) for c in people for d, b in c.available})
    if cells:  # demand mostly where someone can work, plus a cell nobody can staff
        for cell in draw(st.lists(st.sampled_from(cells), max_size=10)):
            demand[cell] = draw(st.sampled_from([2.0, 5.0, 9.0]))
    if draw(st.booleans()):
        demand[(day(3), "22-07", "midwife")] = 8.5
    visits = []
    for k in range(draw(st.integers(0, 6))):
        c = people[draw(st.integers(0, n - 1))]
        start = draw(st.integers(0, 6))
        end = draw(st.integers(start, 6))
        visits.append(
            ReturnVisit(f"V{k}", f"P{k}", c.profession, c.clinician_id, day(start), day(end))
        )
    rules = WorkRules(
        max_consecutive_days=draw(st.integers(2, 6)),
        seam_break_minutes=draw(st.sampled_from([0, 30])),
    )
    return Problem(MONDAY, 7, digital_blocks(), tuple(people), tuple(visits), demand, rules=rules)


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(small_problems())
def test_any_small_problem_solves_within_the_hard_rules(problem: Problem) -> None:
    """Baseline and solver never break a hard rule; the solver covers at least as much."""
    base = evaluate(problem, cover_first(problem))
    best = evaluate(
        problem, solve(problem, SolveParams(time_limit_s=1, num_workers=2, deterministic=True))
    )
    assert base.hard_violations == 0, [v.describe() for v in base.violations if v.hard]
    assert best.hard_violations == 0, [v.describe() for v in best.violations if v.hard]
    assert best.shortfall_hours <= base.shortfall_hours + 1e-6
    if best.continuity_rate is not None:
        assert best.continuity_rate <= best.availability_bound
