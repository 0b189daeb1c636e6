"""Every placement stage honours one deadline: handed a deadline that has already passed, each
returns its fallback at once and says so. Nothing here measures time: a passed deadline makes
the outcome a matter of flags and plans, not of the machine's speed."""

from __future__ import annotations

import time

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from planner.placement import RegionContract, SolveParams, evaluate, solve
from planner.placement.bounds import capacity_bound, weekly_relaxation
from planner.placement.decompose import rolling_horizon
from planner.placement.model import OutOfTime, build_model
from planner.placement.regions import full_coverage, greedy_week
from planner.placement.search import best_path

from .test_placement import line_problem
from .test_regions import grid_problem


def passed() -> float:
    """A deadline one second ago."""
    return time.perf_counter() - 1.0


def contracted_problem():  # type: ignore[no-untyped-def]
    """The line problem over four weeks with two units, stays of two weeks and a contract of
    three unit-weeks in county 04 (only site B is there): every rule a quick plan must keep."""
    return line_problem(
        units=2,
        min_stay_weeks=2,
        weeks=("w1", "w2", "w3", "w4"),
        demand=np.array([[100.0, 0, 50, 0], [10, 10, 10, 10], [0, 100, 80, 100]]),
        region_contracts=(RegionContract("04", 3),),
    )


def test_week_by_week_after_the_deadline_places_every_week_by_the_quick_rule() -> None:
    """No MIP once the deadline has passed: all four weeks are placed by the quick rule and
    the plan still keeps the stays and the contract."""
    problem = contracted_problem()
    plan = rolling_horizon(problem, SolveParams(), passed(), None)
    assert plan is not None and plan.quick_weeks == 4
    assert (plan.counts.sum(axis=1) == 2).all()
    assert plan.counts[:, 1].sum() >= 3  # the contract's unit-weeks at B


def test_weekly_bounds_after_the_deadline_keep_the_capacity_bound() -> None:
    """No week is solved: each keeps the fleet-or-reachable-demand bound (their sum is the
    capacity bound) and a greedy placement of the whole fleet."""
    problem = contracted_problem()
    relaxation = weekly_relaxation(problem, SolveParams(), passed(), None)
    assert relaxation.skipped == 4
    assert relaxation.bound == pytest.approx(capacity_bound(problem))
    assert (relaxation.counts.sum(axis=1) == 2).all()


@pytest.mark.parametrize("max_full_model_size", [0, 150_000], ids=["decomposed", "full model"])
def test_solve_after_the_deadline_returns_a_feasible_plan_saying_so(
    max_full_model_size: int,
) -> None:
    """On both paths a solve whose deadline has passed returns a plan that breaks no rule,
    flagged as stopped by the time limit (never nothing, never a silent 'optimal')."""
    problem = contracted_problem()
    params = SolveParams(time_limit_s=60, max_full_model_size=max_full_model_size)
    solution = solve(problem, params, deadline=passed())
    assert solution.has_plan and solution.status == "FEASIBLE"
    assert solution.time_limited and "quick rule" in solution.message
    assert evaluate(problem, solution).violations == ()


def test_full_model_building_stops_at_the_deadline() -> None:
    """Building runs in Python and may outlast the limit: with a passed deadline it stops."""
    with pytest.raises(OutOfTime):
        build_model(contracted_problem(), SolveParams(), deadline=passed())


def test_best_path_gives_up_at_the_deadline() -> None:
    """The recombination's W x K flows stop at the deadline (None: keep the plan in hand)."""
    problem = line_problem()
    assert best_path(problem, np.array([[1, 0, 0], [0, 0, 1]]), passed()) is None


def test_a_solve_with_time_left_is_not_flagged() -> None:
    """The line problem solved to optimality within its limit carries no time-limit flag."""
    solution = solve(line_problem(), SolveParams(time_limit_s=10, relative_gap=0))
    assert solution.status == "OPTIMAL" and not solution.time_limited


@settings(max_examples=25, deadline=None)
@given(
    demand=st.lists(st.integers(0, 60), min_size=5, max_size=5),
    units=st.integers(1, 3),
    capacity=st.sampled_from([20, 40, 100]),
)
def test_greedy_week_counts_no_more_patients_than_its_placement_serves(
    demand: list[int], units: int, capacity: int
) -> None:
    """The greedy's patient count is a feasible allocation, so never above the max flow of its
    own placement, and it places the whole fleet."""
    problem = grid_problem(np.array(demand, float).reshape(5, 1), units=units, capacity=capacity)
    greedy = greedy_week(problem, 0)
    assert greedy is not None
    row, served = greedy
    assert row.sum() == units
    assert served <= full_coverage(problem, 0).served(row) + 1e-3
