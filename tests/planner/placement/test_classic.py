"""Classic location models: p-median and MCLP from a cost matrix, checked against evaluate()."""

from __future__ import annotations

import dataclasses
import itertools
import re

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from planner.placement import PlacementError, PlacementInputError
from planner.placement.classic import (
    LocationSolution,
    MCLPProblem,
    PMedianProblem,
    evaluate_mclp,
    evaluate_pmedian,
    pmedian_heuristic,
    solve_mclp,
    solve_pmedian,
)


@pytest.fixture
def line4() -> PMedianProblem:
    """Four clients at 0, 1, 2 and 10 on a line, a candidate at each, p = 2: the only optimum
    opens 1 (centre of the left three) and 3 (the lone client at 10), objective 1 + 1 = 2."""
    x = np.array([0.0, 1.0, 2.0, 10.0])
    return PMedianProblem.from_cost_matrix(np.abs(x[:, None] - x[None, :]), None, p=2)


@pytest.fixture
def cover5() -> MCLPProblem:
    """Five demand points, three sites: site 0 covers {0, 1}, site 1 covers {1, 2, 3}, site 2
    covers {3, 4}; weights 5, 1, 1, 1, 4. With p = 2, {0, 2} covers 5+1+1+4 = 11, the pairs
    {0, 1} and {1, 2} only 8 and 7; demand point 2 stays uncovered."""
    covers = np.array([[1, 0, 0], [1, 1, 0], [0, 1, 0], [0, 1, 1], [0, 0, 1]], dtype=bool)
    cost = np.where(covers, 1.0, 5.0)
    return MCLPProblem.from_cost_matrix(cost, np.array([5, 1, 1, 1, 4]), service_radius=2, p=2)


def test_pmedian_line_opens_the_obvious_medians(line4: PMedianProblem) -> None:
    """The 4-client line: medians 1 and 3, the left three go to 1, objective 2, proven."""
    solution = solve_pmedian(line4, time_limit_s=10)
    assert solution.status == "OPTIMAL"
    assert solution.facilities == (1, 3)
    assert solution.assignment == (1, 1, 1, 3)
    assert solution.objective == pytest.approx(2.0)
    assert solution.bound == pytest.approx(2.0)


def test_pmedian_weights_move_the_median(line4: PMedianProblem) -> None:
    """A heavy client at 0 pulls the left median from 1 to 0 (weights 10, 1, 1, 1: 0 + 1 + 2)."""
    problem = line4.replace(weights=np.array([10.0, 1.0, 1.0, 1.0]))
    solution = solve_pmedian(problem, time_limit_s=10)
    assert solution.facilities == (0, 3)
    assert solution.objective == pytest.approx(3.0)


def test_mclp_hand_computed_optimum(cover5: MCLPProblem) -> None:
    """cover5 with p = 2: sites 0 and 2, weight 11 covered, point 2 assigned -1."""
    solution = solve_mclp(cover5, time_limit_s=10)
    assert solution.status == "OPTIMAL"
    assert solution.facilities == (0, 2)
    assert solution.objective == pytest.approx(11.0)
    assert solution.assignment == (0, 0, -1, 2, 2)


def test_mclp_one_facility_takes_the_heaviest_cover(cover5: MCLPProblem) -> None:
    """cover5 with p = 1: site 0 (weight 6) beats site 2 (5) and site 1 (3)."""
    solution = solve_mclp(cover5.replace(p=1), time_limit_s=10)
    assert solution.facilities == (0,)
    assert solution.objective == pytest.approx(6.0)


def test_evaluate_scores_any_facility_set(line4: PMedianProblem, cover5: MCLPProblem) -> None:
    """evaluate() needs no solver: line4 with {0, 3} costs 0+1+2+0, cover5 with {1} covers 3."""
    assert evaluate_pmedian(line4, [3, 0]) == 3.0
    assert evaluate_mclp(cover5, [1]) == 3.0
    with pytest.raises(PlacementInputError, match=r"facility index 4 is outside 0\.\.3"):
        evaluate_pmedian(line4, [0, 4])


def test_solution_objective_equals_evaluate_on_a_random_instance() -> None:
    """On a seeded 30 x 20 instance both solvers' objectives equal evaluate() of their picks."""
    rng = np.random.default_rng(7)
    cost = rng.integers(0, 100, size=(30, 20)).astype(float)
    weights = rng.integers(0, 5, size=30).astype(float)
    pm = PMedianProblem.from_cost_matrix(cost, weights, p=4)
    solution = solve_pmedian(pm, time_limit_s=10)
    assert len(solution.facilities) == 4
    assert solution.objective == pytest.approx(evaluate_pmedian(pm, solution.facilities))
    mc = MCLPProblem.from_cost_matrix(cost, weights, service_radius=20, p=3)
    solution = solve_mclp(mc, time_limit_s=10)
    assert solution.objective == pytest.approx(evaluate_mclp(mc, solution.facilities))


def test_pmedian_is_deterministic() -> None:
    """The same problem solved twice gives the same facilities and objective."""
    rng = np.random.default_rng(3)
    problem = PMedianProblem.from_cost_matrix(rng.random((25, 25)) * 50, None, p=5)
    first, second = solve_pmedian(problem), solve_pmedian(problem)
    assert (first.facilities, first.objective) == (second.facilities, second.objective)


def test_pmedian_under_a_tiny_time_limit_still_returns_p_facilities() -> None:
    """With 10 ms the heuristic incumbent comes back: p facilities, honest objective and bound."""
    rng = np.random.default_rng(11)
    problem = PMedianProblem.from_cost_matrix(rng.integers(0, 100, (120, 120)), None, p=8)
    solution = solve_pmedian(problem, time_limit_s=0.01)
    assert solution.status in ("OPTIMAL", "FEASIBLE")
    assert len(solution.facilities) == 8
    assert solution.objective == pytest.approx(evaluate_pmedian(problem, solution.facilities))
    assert solution.bound is None or solution.bound <= solution.objective + 1e-9


def test_heuristic_returns_p_distinct_facilities(line4: PMedianProblem) -> None:
    """Greedy + swaps finds the line4 optimum {1, 3} (a local optimum that is also global)."""
    assert pmedian_heuristic(line4) == (1, 3)


@pytest.mark.parametrize(
    ("build", "message"),
    [
        (
            lambda: PMedianProblem.from_cost_matrix(np.array([[0, 1, 2], [3, 4, -1.0]]), None, 1),
            "cost[1, 2] is negative (-1.0)",
        ),
        (
            lambda: PMedianProblem.from_cost_matrix(np.array([[0, np.nan], [1, 2]]), None, 1),
            "cost[0, 1] is not finite (nan)",
        ),
        (
            lambda: PMedianProblem.from_cost_matrix(np.array([[0, np.inf], [1, 2]]), None, 1),
            "cost[0, 1] is not finite (inf)",
        ),
        (
            lambda: PMedianProblem.from_cost_matrix(np.array([1.0, 2.0]), None, 1),
            "cost must be a 2-D matrix (demand x facilities), got 1 dimension(s)",
        ),
        (
            lambda: PMedianProblem.from_cost_matrix(np.ones((2, 3)), None, 0),
            "p must be between 1 and the number of facilities (3), got 0",
        ),
        (
            lambda: PMedianProblem.from_cost_matrix(np.ones((2, 3)), None, 4),
            "p must be between 1 and the number of facilities (3), got 4",
        ),
        (
            lambda: PMedianProblem.from_cost_matrix(np.ones((2, 3)), None, 1.5),
            "p must be an integer, got 1.5",
        ),
        (
            lambda: PMedianProblem.from_cost_matrix(np.ones((2, 3)), np.array([1.0, -2.0]), 1),
            "weights[1] must be a finite number >= 0, got -2.0",
        ),
        (
            lambda: PMedianProblem.from_cost_matrix(np.ones((2, 3)), np.ones(3), 1),
            "weights must have one entry per demand point (2), got shape (3,)",
        ),
        (
            lambda: MCLPProblem.from_cost_matrix(np.ones((2, 3)), None, -1.0, 1),
            "service_radius must be a finite number >= 0, got -1.0",
        ),
        (
            lambda: MCLPProblem.from_cost_matrix(np.array([[0.0, -3.0]]), None, 1.0, 1),
            "cost[0, 1] is negative (-3.0)",
        ),
    ],
)
def test_invalid_input_raises_a_named_error_with_the_location(build, message: str) -> None:  # type: ignore[no-untyped-def]
    """Bad matrices, weights, p or radius raise PlacementInputError saying what and where."""
    with pytest.raises(PlacementInputError, match=re.escape(message)) as info:
        build()
    assert isinstance(info.value, ValueError) and isinstance(info.value, PlacementError)


def test_problem_is_frozen_and_replace_validates_again(line4: PMedianProblem) -> None:
    """Fields cannot be set, the arrays are read-only, and replace() re-runs the checks."""
    with pytest.raises(dataclasses.FrozenInstanceError):
        line4.p = 3  # type: ignore[misc]
    with pytest.raises(ValueError):
        line4.cost[0, 0] = 5.0
    with pytest.raises(PlacementInputError, match="got 5"):
        line4.replace(p=5)


def test_location_solution_summary_reads_well() -> None:
    """summary() says status, objective, bound, gap, count and time in one line."""
    solution = LocationSolution("OPTIMAL", (1, 3), (1, 1, 1, 3), 2.0, 2.0, 0.0, 0.1234)
    assert solution.summary() == ("OPTIMAL: objective 2, bound 2, gap 0%, 2 facilities, 0.12 s")


@st.composite
def small_instances(draw: st.DrawFn) -> tuple[np.ndarray, np.ndarray, int]:
    """Up to 6 x 6 matrices of quarter units (non-integer data), weights 0..4, any valid p."""
    n = draw(st.integers(1, 6))
    m = draw(st.integers(1, 6))
    cost = np.array(draw(st.lists(st.integers(0, 40), min_size=n * m, max_size=n * m)))
    weights = np.array(draw(st.lists(st.integers(0, 4), min_size=n, max_size=n)), dtype=float)
    return cost.reshape(n, m) / 4.0, weights, draw(st.integers(1, m))


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(small_instances())
def test_pmedian_optimum_equals_brute_force(instance: tuple[np.ndarray, np.ndarray, int]) -> None:
    """On small random instances the p-median optimum equals the best of all p-subsets."""
    cost, weights, p = instance
    problem = PMedianProblem.from_cost_matrix(cost, weights, p)
    solution = solve_pmedian(problem, time_limit_s=10)
    brute = min(
        evaluate_pmedian(problem, subset)
        for subset in itertools.combinations(range(problem.n_facilities), p)
    )
    assert solution.status == "OPTIMAL"
    assert solution.objective == pytest.approx(brute, rel=1e-4, abs=1e-6)
    assert solution.objective == pytest.approx(evaluate_pmedian(problem, solution.facilities))
    assert solution.bound is not None and solution.bound <= solution.objective + 1e-6
    nearest = problem.cost[np.arange(problem.n_demand), list(solution.assignment)]
    assert np.allclose(nearest, problem.cost[:, list(solution.facilities)].min(axis=1))


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(small_instances(), st.integers(0, 10))
def test_mclp_optimum_equals_brute_force(
    instance: tuple[np.ndarray, np.ndarray, int], radius: int
) -> None:
    """On small random instances the MCLP optimum equals the best of all p-subsets."""
    cost, weights, p = instance
    problem = MCLPProblem.from_cost_matrix(cost, weights, service_radius=radius, p=p)
    solution = solve_mclp(problem, time_limit_s=10)
    brute = max(
        evaluate_mclp(problem, subset)
        for subset in itertools.combinations(range(problem.n_facilities), p)
    )
    assert solution.status == "OPTIMAL"
    assert len(solution.facilities) == p
    assert solution.objective == pytest.approx(brute, abs=1e-6)
    assert solution.objective == pytest.approx(evaluate_mclp(problem, solution.facilities))
