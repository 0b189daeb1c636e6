"""Single weeks bounded region by region, and the unit-week search on whole plans.

The oracle is always independent of the code under test: ``evaluate`` (networkx max flow,
point by point) and brute force over every placement.
"""

from __future__ import annotations

import itertools
import time

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from planner.placement import (
    DemandPoint,
    PlacementProblem,
    PlacementSolution,
    Site,
    SolveParams,
    evaluate,
    solve,
)
from planner.placement.bounds import RegionalBounds, WeeklyRelaxation
from planner.placement.plan import plan_value
from planner.placement.regions import allocate, coverage, full_coverage, solve_week, split_regions
from planner.placement.search import best_path, improve_plan, transition_cost

from .test_placement import line_problem


def grid_problem(demand: np.ndarray, units: int, capacity: float) -> PlacementProblem:
    """Five sites on a line 10 min apart, one point at each, radius 12 min: a unit at site i
    reaches points i-1, i, i+1, so neighbouring sites share demand (the hard case for regions)."""
    n = demand.shape[0]
    pos = np.arange(n) * 10.0
    between = np.abs(pos[:, None] - pos[None, :])
    return PlacementProblem(
        sites=tuple(Site(f"S{i}", f"S{i}", "01" if i < n // 2 else "03") for i in range(n)),
        points=tuple(
            DemandPoint(f"p{i}", "01" if i < n // 2 else "03", population=100) for i in range(n)
        ),
        weeks=tuple(f"2026-W{45 + w}" for w in range(demand.shape[1])),
        demand=demand,
        site_point_minutes=between,
        site_site_minutes=between,
        site_site_km=between,
        units=units,
        radius_minutes=12,
        capacity_per_week=capacity,
        value_per_patient=1.0,
    )


def week_served(problem: PlacementProblem, week: int, sites: tuple[str, ...]) -> float:
    """Patients served in one week by units at ``sites``, by ``evaluate`` (the oracle)."""
    one = problem.replace(weeks=(problem.weeks[week],), demand=problem.demand[:, week : week + 1])
    return evaluate(one, PlacementSolution(status="FEASIBLE", unit_sites=(sites,))).served_patients


def best_week(problem: PlacementProblem, week: int) -> float:
    """Brute force: the most patients any placement of the units serves in ``week``."""
    ids = [s.id for s in problem.sites]
    return max(
        week_served(problem, week, combo)
        for combo in itertools.combinations_with_replacement(ids, problem.units)
    )


def test_allocate_is_the_best_split() -> None:
    """Two regions, two units: both in region 0 give 10, one each 6 + 5 = 11, the DP says 11."""
    tables = np.array([[0.0, 6.0, 10.0], [0.0, 5.0, 6.0]])
    units, total = allocate(tables)
    assert units.tolist() == [1, 1] and total == 11.0


@settings(max_examples=30, deadline=None)
@given(st.lists(st.lists(st.integers(0, 20), min_size=3, max_size=3), min_size=1, max_size=4))
def test_allocate_matches_brute_force(increments: list[list[int]]) -> None:
    """Any tables (nondecreasing, from 0): the DP total equals the best of every split."""
    tables = np.array([[0, *np.cumsum(row)] for row in increments], float)
    R, U = tables.shape[0], tables.shape[1] - 1
    best = max(
        sum(tables[r, k[r]] for r in range(R))
        for k in itertools.product(range(U + 1), repeat=R)
        if sum(k) == U
    )
    units, total = allocate(tables)
    assert total == best and units.sum() == U
    assert sum(tables[r, units[r]] for r in range(R)) == total


def test_dominated_sites_are_dropped() -> None:
    """On the line A - B - C (reach: only the point next to each site), no site contains
    another's reach, but C reaches no demand in week 1. With a radius of 60 min A reaches a and
    b, B all three, C b and c: week 1 has demand at a and b only, so A and B reach the same
    (the first, A, is kept) and C's reach (b) is inside it."""
    problem = line_problem()
    assert coverage(problem, 0).sites.tolist() == [0, 1]
    wide = line_problem(radius_minutes=60)
    assert coverage(wide, 0).sites.tolist() == [0]


def test_served_agrees_with_evaluate() -> None:
    """The max flow behind the search gives what ``evaluate`` gives, placement by placement."""
    rng = np.random.default_rng(3)
    problem = grid_problem(rng.integers(0, 40, size=(5, 1)).astype(float), units=2, capacity=30)
    cov = full_coverage(problem, 0)
    for combo in itertools.combinations_with_replacement(range(5), 2):
        units = np.bincount(combo, minlength=5)
        sites = tuple(f"S{i}" for i in combo)
        assert cov.served(units) == pytest.approx(week_served(problem, 0, sites), abs=0.01)


@settings(max_examples=12, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    demand=st.lists(st.integers(0, 60), min_size=5, max_size=5),
    units=st.integers(1, 3),
    capacity=st.sampled_from([20, 45, 200]),
    max_sites=st.sampled_from([1, 2, 5]),
)
def test_week_bound_and_plan_bracket_the_optimum(
    demand: list[int], units: int, capacity: int, max_sites: int
) -> None:
    """Whatever the regions (one site each: demand shared between neighbours is counted twice),
    the week's bound is never below the brute-force optimum and its plan serves what it says."""
    problem = grid_problem(np.array(demand, float)[:, None], units, capacity)
    plan = solve_week(problem, 0, 5.0, max_sites=max_sites)
    best = best_week(problem, 0)
    sites = tuple(problem.sites[s].id for s in range(5) for _ in range(plan.counts[s]))
    assert plan.counts.sum() == units
    assert plan.served == pytest.approx(week_served(problem, 0, sites), abs=0.01)
    assert plan.served <= best + 0.01
    assert plan.bound >= best - 0.01
    if max_sites == 5:  # one region: its table is exact, so the bound is the optimum
        assert plan.bound == pytest.approx(best, abs=0.01)


def test_regions_merge_sites_that_share_demand() -> None:
    """Demand 10, 50, 0, 50, 10 along the line: sites 0 and 1 reach the same demand (0 is kept),
    so do 3 and 4 (3 is kept); site 2 shares point 1 with site 0 and point 3 with site 3, 50
    each. With two sites per region, the first pair that shares the most (0, 2) merges and
    site 3 is left on its own."""
    demand = np.array([[10.0], [50.0], [0.0], [50.0], [10.0]])
    problem = grid_problem(demand, units=2, capacity=100)
    cov = coverage(problem, 0)
    assert cov.sites.tolist() == [0, 2, 3]
    regions = [cov.sites[r].tolist() for r in split_regions(cov, 2)]
    assert regions == [[0, 2], [3]]


def test_transition_cost_matches_brute_force() -> None:
    """Least-cost matching of three units equals the cheapest of all 3! assignments (costs are
    distances between random points: with a triangle inequality, the unit at site 1 staying
    is part of some cheapest matching)."""
    rng = np.random.default_rng(5)
    xy = rng.uniform(0, 100, size=(6, 2))
    cost = np.hypot(*(xy[:, None, :] - xy[None, :, :]).transpose(2, 0, 1))
    before, after = np.array([1, 1, 0, 1, 0, 0]), np.array([0, 1, 1, 0, 0, 1])
    leave, arrive = [0, 1, 3], [1, 2, 5]
    best = min(
        sum(cost[a, b] for a, b in zip(leave, perm, strict=True))
        for perm in itertools.permutations(arrive)
    )
    assert transition_cost(cost, before, after) == pytest.approx(best, abs=0.02)
    assert transition_cost(cost, before, before) == 0.0


def test_search_prices_the_move_after_a_week() -> None:
    """The polish fixture: week by week the unit serves A's 30 then drives to C (1300 - 183.33);
    the search sees that standing at C from the start saves the move: 1290, the optimum."""
    problem = line_problem(demand=np.array([[30.0, 0.0], [0.0, 0.0], [29.0, 100.0]]))
    counts = improve_plan(problem, np.array([[1, 0, 0], [0, 0, 1]]), time.perf_counter() + 10)
    assert counts.tolist() == [[0, 0, 1], [0, 0, 1]]


@settings(max_examples=10, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    demand=st.lists(st.integers(0, 60), min_size=15, max_size=15),
    picks=st.lists(st.integers(0, 4), min_size=8, max_size=8),
)
def test_best_path_is_the_best_sequence_of_candidates(demand: list[int], picks: list[int]) -> None:
    """Three weeks, four candidate placements of two units: the path is worth the best of all
    4^3 sequences (brute force, each valued by ``evaluate``)."""
    problem = grid_problem(np.array(demand, float).reshape(5, 3), units=2, capacity=40)
    cands = np.zeros((4, 5), dtype=int)
    for k in range(4):
        cands[k, picks[2 * k]] += 1
        cands[k, picks[2 * k + 1]] += 1
    cands = np.vstack([cands, np.zeros((1, 5), dtype=int)])  # a row without units is ignored

    def worth(rows: np.ndarray) -> float:
        sites = tuple(
            tuple(problem.sites[s].id for s in range(5) for _ in range(row[s])) for row in rows
        )
        return evaluate(problem, PlacementSolution(status="FEASIBLE", unit_sites=sites)).plan_value

    best = max(worth(cands[list(seq)]) for seq in itertools.product(range(4), repeat=3))
    path = best_path(problem, cands)
    assert path is not None
    assert all((path[w] == cands[:4]).all(axis=1).any() for w in range(3))
    assert worth(path) == pytest.approx(best, abs=0.05)


@settings(max_examples=10, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(demand=st.lists(st.integers(0, 60), min_size=10, max_size=10), start=st.integers(0, 4))
def test_search_never_makes_a_plan_worse(demand: list[int], start: int) -> None:
    """From any plan, the searched plan places every unit and is worth at least as much."""
    problem = grid_problem(np.array(demand, float).reshape(5, 2), units=2, capacity=40)
    counts = np.zeros((2, 5), dtype=int)
    counts[:, start] = 2
    better = improve_plan(problem, counts, time.perf_counter() + 10)
    assert (better.sum(axis=1) == 2).all()
    assert plan_value(problem, better) >= plan_value(problem, counts) - 1e-6


def test_regional_process_tightens_open_weeks() -> None:
    """Weeks whose bound was left loose (here: set far above) come back bounded exactly by the
    forked regional processes (two: one week each), and the loose value is replaced by the
    week's best placement."""
    problem = grid_problem(
        np.array([[10.0, 40.0], [50.0, 0.0], [0.0, 5.0], [30.0, 40.0], [10.0, 0.0]]),
        units=2,
        capacity=45,
    )
    W, S = 2, 5
    relaxation = WeeklyRelaxation(np.zeros((W, S), dtype=int), np.zeros(W), np.full(W, 1e6))
    regional = RegionalBounds.start(
        problem, relaxation, time.perf_counter() + 20, workers=2, min_seconds=0.5
    )
    assert regional is not None and len(regional.processes) == 2
    for process in regional.processes:
        process.join(timeout=30)
    assert regional.collect(relaxation) == 2 and regional.finished
    regional.stop()
    for w in range(W):
        assert relaxation.bounds[w] == pytest.approx(best_week(problem, w), abs=0.01)
        assert relaxation.values[w] == pytest.approx(best_week(problem, w), abs=0.01)
        assert relaxation.counts[w].sum() == 2


def test_decomposed_solve_reports_a_valid_gap() -> None:
    """The decomposed path on a small horizon: every unit placed, no rule bent, objective equal
    to ``evaluate``'s plan value and not above the bound."""
    rng = np.random.default_rng(11)
    problem = grid_problem(rng.integers(0, 60, size=(5, 4)).astype(float), units=2, capacity=45)
    solution = solve(problem, SolveParams(time_limit_s=4, max_full_model_size=0))
    kpis = evaluate(problem, solution)
    assert kpis.violations == ()
    assert kpis.plan_value == pytest.approx(solution.objective, abs=0.05)
    assert solution.objective <= solution.bound + 1e-6


def _eager_greedy_week(problem: PlacementProblem, w: int) -> tuple[np.ndarray, float]:
    """The greedy as first written: the argmax over every site's reached unserved demand for
    each unit (the oracle for the lazy heap, which must place the same units)."""
    reach, cap = problem.reach, problem.capacity_per_week
    residual = problem.unit_demand[:, w].astype(float)
    start, row = float(residual.sum()), np.zeros(len(problem.sites), dtype=int)
    while row.sum() < problem.units:
        s = int(np.argmax(reach @ residual))
        row[s] += 1
        total = residual[reach[s]].sum()
        if total > 0:
            residual[reach[s]] *= max(0.0, 1.0 - cap / total)
    return row, start - float(residual.sum())


@pytest.mark.parametrize("seed", range(25))
def test_lazy_greedy_week_places_what_the_full_argmax_places(seed: int) -> None:
    """Five line sites with random whole demand (ties are common: equal sums), 1-7 units and
    a capacity of 1-30: the lazy greedy places the same units and serves the same patients as
    the argmax over every site, unit by unit; with more units than demand the spare units
    stand where the argmax puts them too."""
    from planner.placement.regions import greedy_week

    rng = np.random.default_rng(seed)
    problem = grid_problem(rng.integers(0, 4, size=(5, 2)).astype(float), 1 + seed % 7, 1 + seed)
    for w in range(2):
        lazy = greedy_week(problem, w)
        assert lazy is not None
        row, served = _eager_greedy_week(problem, w)
        assert lazy[0].tolist() == row.tolist() and lazy[1] == pytest.approx(served)


@pytest.mark.parametrize("seed", range(10))
def test_full_coverage_groups_once_what_merging_each_week_groups(seed: int) -> None:
    """Random line demand (zeros included) on the five-site line: each week's full coverage,
    from the groups found once per problem, equals merging that week's columns afresh (same
    groups in the same order, same totals to the last bit)."""
    from planner.placement.regions import _merge

    rng = np.random.default_rng(seed)
    problem = grid_problem(rng.integers(0, 5, size=(5, 3)).astype(float), 2, 10.0)
    for w in range(3):
        cov = full_coverage(problem, w)
        matrix, totals = _merge(problem.reach, problem.unit_demand[:, w])
        assert cov.reach.tolist() == matrix.tolist() and cov.demand.tolist() == totals.tolist()
