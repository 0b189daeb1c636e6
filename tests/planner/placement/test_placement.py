"""The multi-period placement model on tiny instances whose optimum is known by hand."""

from __future__ import annotations

import itertools
import time

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from planner.placement import (
    DemandPoint,
    PlacementInfeasibleError,
    PlacementInputError,
    PlacementProblem,
    PlacementSolution,
    RegionContract,
    Site,
    SolveParams,
    evaluate,
    solve,
)
from planner.placement.bounds import weekly_relaxation
from planner.placement.decompose import polish, rolling_horizon
from planner.placement.kpi import RULES

PARAMS = SolveParams(time_limit_s=10, relative_gap=0)


def line_problem(**changes) -> PlacementProblem:  # type: ignore[no-untyped-def]
    """Three sites on a road, A - B - C, 50 minutes (= 50 km) apart; one point next to each.

    Week 1 the demand is at A (100), week 2 at C (100); B always has 10. One unit of capacity
    200, radius 20 min, so a unit serves only the point next to it. Values are chosen so the
    arithmetic is easy: 10 per patient, 1 per km, and driving time worth
    200/2400*10 = 0.8333 per minute, so moving A -> C costs 100 + 83.33 = 183.33.
    """
    sites = (Site("A", "A", "01"), Site("B", "B", "04"), Site("C", "C", "25"))
    points = (
        DemandPoint("a", "01", population=1000),
        DemandPoint("b", "04", population=100),
        DemandPoint("c", "25", population=1000),
    )
    pos = np.array([0.0, 50.0, 100.0])
    between = np.abs(pos[:, None] - pos[None, :])
    base = {
        "sites": sites,
        "points": points,
        "weeks": ("2026-W45", "2026-W46"),
        "demand": np.array([[100.0, 0.0], [10.0, 10.0], [0.0, 100.0]]),
        "site_point_minutes": between + 5,
        "site_site_minutes": between,
        "site_site_km": between,
        "units": 1,
        "radius_minutes": 20,
        "capacity_per_week": 200,
        "relocation_cost_per_km": 1.0,
        "value_per_patient": 10.0,
        "working_minutes_per_week": 2400,
    }
    base.update(changes)
    return PlacementProblem(**base)  # type: ignore[arg-type]


def test_unit_follows_the_demand() -> None:
    """Week 1 at A, week 2 at C: 200 patients minus one A -> C move (183.33)."""
    problem = line_problem()
    solution = solve(problem, PARAMS)
    assert solution.status == "OPTIMAL"
    assert solution.unit_sites == (("A",), ("C",))
    assert solution.objective == pytest.approx(2000 - 183.333, abs=0.01)
    kpis = evaluate(problem, solution)
    assert kpis.served_patients == pytest.approx(200)
    assert kpis.relocation_km == pytest.approx(100)
    assert kpis.relocations == 1
    assert kpis.plan_value == pytest.approx(solution.objective, abs=0.01)
    assert kpis.served_share == pytest.approx(200 / 220)
    assert kpis.unit_week_patients == ((100.0,), (100.0,))
    assert kpis.violations == ()


def test_minimum_stay_keeps_the_unit() -> None:
    """With a two-week minimum stay the unit cannot move: one week of 100 patients is all."""
    problem = line_problem(min_stay_weeks=2)
    solution = solve(problem, PARAMS)
    assert solution.unit_sites in ((("A",), ("A",)), (("C",), ("C",)))
    assert evaluate(problem, solution).served_patients == pytest.approx(100)


def test_fixed_clinic_covers_its_reach() -> None:
    """A fixed clinic next to A takes A's demand, so the unit stays at C for both weeks...
    or moves there: staying at C gives 100, B gives 20; C both weeks is best."""
    problem = line_problem(fixed_covered=np.array([True, False, False]))
    solution = solve(problem, PARAMS)
    kpis = evaluate(problem, solution)
    assert solution.unit_sites[1] == ("C",)
    assert kpis.served_patients == pytest.approx(
        100 + (10 if solution.unit_sites[0] == ("B",) else 0)
    )
    assert kpis.demand_fixed_clinics == pytest.approx(100)
    assert kpis.served_share_incl_fixed == pytest.approx((kpis.served_patients + 100) / 220)


def test_region_contract_pulls_a_unit() -> None:
    """County 04 buys one unit-week: the unit spends a week at B and the plan says so."""
    problem = line_problem(region_contracts=(RegionContract("04", 1),))
    solution = solve(problem, PARAMS)
    assert "B" in {s for week in solution.unit_sites for s in week}
    assert evaluate(problem, solution).violations == ()


def test_maximin_equity_spreads_service() -> None:
    """Maximising the worst county's share puts two units where one alone would starve a county."""
    problem = line_problem(units=2, equity="maximin", capacity_per_week=60)
    solution = solve(problem, PARAMS)
    kpis = evaluate(problem, solution)
    # County 04 (B) has 20 patients; it is only served if a unit visits B.
    assert kpis.county_served_share["04"] > 0
    assert kpis.min_county_share > 0


def test_impossible_contract_is_named_before_solving() -> None:
    """Contracts asking for more unit-weeks than the fleet has say so, with the numbers."""
    problem = line_problem(region_contracts=(RegionContract("04", 3),))
    with pytest.raises(
        PlacementInfeasibleError, match="need 3 unit-weeks in total but 1 units x 2 weeks give 2"
    ):
        solve(problem, PARAMS)


def test_unreachable_county_floor_is_named() -> None:
    """A floor in a county that no site reaches names the county and its reachable share."""
    far = line_problem().site_point_minutes.copy()
    far[:, 1] = 999  # nobody reaches point b (county 04)
    problem = line_problem(site_point_minutes=far, equity="floor", county_floor_share=0.3)
    with pytest.raises(
        PlacementInfeasibleError, match=r"county floor 30% cannot be met in county 04: only 0\.0%"
    ):
        solve(problem, PARAMS)


def test_conflicting_floors_are_diagnosed_by_name() -> None:
    """Each floor alone is reachable, together they are not: the elastic re-solve names them."""
    problem = line_problem(
        weeks=("2026-W45",),
        demand=np.array([[100.0], [10.0], [100.0]]),
        equity="floor",
        county_floor_share=0.5,
    )
    with pytest.raises(PlacementInfeasibleError, match="county floor 50% cannot be met in county"):
        solve(problem, PARAMS)


def test_bad_input_names_the_field() -> None:
    """Negative travel data and wrong shapes are rejected with the field and the index."""
    bad = line_problem().site_point_minutes.copy()
    bad[1, 2] = -4
    with pytest.raises(PlacementInputError, match=r"site_point_minutes\[1, 2\] is -4"):
        line_problem(site_point_minutes=bad)
    with pytest.raises(PlacementInputError, match="demand has shape"):
        line_problem(demand=np.zeros((2, 2)))
    with pytest.raises(PlacementInputError, match="duplicate site id 'A'"):
        line_problem(sites=(Site("A", "A", "01"), Site("A", "B", "04"), Site("C", "C", "25")))


def test_rules_catch_a_hand_made_bad_plan() -> None:
    """A plan with a missing unit and a too-short stay is reported rule by rule."""
    problem = line_problem(
        units=1,
        min_stay_weeks=2,
        weeks=("w1", "w2", "w3"),
        demand=np.ones((3, 3)),
        region_contracts=(RegionContract("25", 2),),
    )
    bad = PlacementSolution(status="FEASIBLE", unit_sites=(("A",), ("B",), ()))
    found = [v for rule in RULES.values() for v in rule(problem, bad)]
    assert [(v.rule, v.where, v.amount) for v in found] == [
        ("units per week", "w3", 1),
        ("minimum stay", "unit 0 at A from w1", 1),
        ("minimum stay", "unit 0 at B from w2", 1),
        ("region contract", "25", 2),
    ]


def brute_force_value(problem: PlacementProblem) -> float:
    """Best plan value over every per-unit site sequence that breaks no rule."""
    ids = [s.id for s in problem.sites]
    W, U = len(problem.weeks), problem.units
    best = -np.inf
    for combo in itertools.product(ids, repeat=U * W):
        weeks = tuple(tuple(combo[w * U : (w + 1) * U]) for w in range(W))
        candidate = PlacementSolution(status="FEASIBLE", unit_sites=weeks)
        kpis = evaluate(problem, candidate)
        if not kpis.violations:
            best = max(best, kpis.plan_value)
    return best


@settings(max_examples=15, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    demand=st.lists(st.integers(0, 120), min_size=6, max_size=6),
    units=st.integers(1, 2),
    min_stay=st.integers(1, 2),
    capacity=st.sampled_from([50, 150]),
)
def test_solver_matches_brute_force(
    demand: list[int], units: int, min_stay: int, capacity: int
) -> None:
    """On random 3-site, 2-week instances the solver's plan is worth the brute-force best."""
    problem = line_problem(
        demand=np.array(demand, float).reshape(3, 2),
        units=units,
        min_stay_weeks=min_stay,
        capacity_per_week=capacity,
    )
    solution = solve(problem, SolveParams(time_limit_s=10, relative_gap=0, move_neighbours=2))
    kpis = evaluate(problem, solution)
    assert kpis.violations == ()
    assert kpis.plan_value == pytest.approx(brute_force_value(problem), abs=1e-3)


def test_week_by_week_path_is_feasible_and_bounded() -> None:
    """Forced onto the decomposed path, the plan breaks no rule and stays under its bound."""
    problem = line_problem(
        units=2,
        min_stay_weeks=2,
        weeks=("w1", "w2", "w3"),
        demand=np.array([[100.0, 0, 50], [10, 10, 10], [0, 100, 80]]),
        region_contracts=(RegionContract("04", 2),),
    )
    solution = solve(problem, SolveParams(time_limit_s=5, max_full_model_size=0))
    kpis = evaluate(problem, solution)
    assert solution.status == "FEASIBLE" and "week by week" in solution.message
    assert kpis.violations == ()
    assert solution.objective <= solution.bound
    assert kpis.plan_value == pytest.approx(solution.objective, abs=0.01)


def test_weekly_relaxation_bound_is_the_sum_of_week_optima() -> None:
    """One unit, demand at A in week 1 and at C in week 2: alone, each week serves 100 + 0
    (the unit stands next to the 100), so the relaxed bound is 2 x 100 x 10 = 2000, above the
    true optimum 2000 - 183.33 (the move A -> C), and the fleet-capacity bound (2 x 110 x 10)."""
    problem = line_problem()
    relaxation = weekly_relaxation(problem, SolveParams(), time.perf_counter() + 5, None)
    assert relaxation.bound == pytest.approx(2000.0, abs=1e-3)
    assert relaxation.values.tolist() == pytest.approx([1000.0, 1000.0])
    assert relaxation.counts.tolist() == [[1, 0, 0], [0, 0, 1]]
    assert relaxation.bound >= brute_force_value(problem) - 1e-6


@settings(max_examples=10, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    demand=st.lists(st.integers(0, 120), min_size=6, max_size=6),
    units=st.integers(1, 2),
    min_stay=st.integers(1, 2),
)
def test_decomposed_bound_is_valid(demand: list[int], units: int, min_stay: int) -> None:
    """On random 3-site, 2-week instances the decomposed path's bound is never below the
    brute-force optimum and its plan never above it."""
    problem = line_problem(
        demand=np.array(demand, float).reshape(3, 2), units=units, min_stay_weeks=min_stay
    )
    solution = solve(problem, SolveParams(time_limit_s=5, max_full_model_size=0))
    best = brute_force_value(problem)
    assert solution.bound >= best - 1e-6
    assert evaluate(problem, solution).plan_value <= best + 1e-6


def test_polish_prices_the_move_after_a_week() -> None:
    """Week 1: 30 patients at A, 29 at C; week 2: 100 at C. Week by week the unit takes A (300)
    and then drives to C (1000 - 183.33 for the move). Seeing week 2 fixed at C, polishing
    week 1 keeps the unit at C from the start: 290 + 1000 = 1290, the brute-force optimum."""
    problem = line_problem(demand=np.array([[30.0, 0.0], [0.0, 0.0], [29.0, 100.0]]))
    served = np.zeros(2)
    plan = rolling_horizon(problem, SolveParams(), time.perf_counter() + 5, None, served)
    assert plan is not None and plan.quick_weeks == 0
    counts, value = plan.counts, plan.objective
    assert counts.tolist() == [[1, 0, 0], [0, 0, 1]]
    assert value == pytest.approx(1300 - 183.333, abs=0.01)
    counts, value = polish(problem, SolveParams(), counts, served, time.perf_counter() + 10)
    assert counts.tolist() == [[0, 0, 1], [0, 0, 1]]
    assert (
        value
        == pytest.approx(1290.0, abs=0.01)
        == pytest.approx(brute_force_value(problem), abs=0.01)
    )
