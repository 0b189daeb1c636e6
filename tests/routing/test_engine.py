"""The engine seam of solve() and the OR-Tools engine's integer bookkeeping, on a line."""

from __future__ import annotations

import math

import numpy as np
import pytest

from routing import Depot, Objective, Problem, Solution, SolveParams, Stop, Vehicle, solve
from routing.ortools_engine import describe, dropped_mandatory, plan_key, to_solution
from routing.ortools_model import ScaledProblem
from routing.solve import DEFAULT_ENGINE, ENGINES

#: distances on a line: the depot at 0, stops a, b, c at 1, 2 and 3.5.
POSITIONS = np.array([0.0, 1.0, 2.0, 3.5])
LINE = np.abs(POSITIONS[:, None] - POSITIONS[None, :])


@pytest.fixture
def three_on_a_line() -> Problem:
    """Depot at 0, stops a (1), b (2, window [4, 9.25]) and c (3.5, optional at penalty 10),
    two vehicles: every route's length is twice its farthest stop, so costs are mental
    arithmetic."""
    stops = (
        Stop("a", 1),
        Stop("b", 2, tw_start=4.0, tw_end=9.25),
        Stop("c", 3, drop_penalty=10.0),
    )
    vehicles = (Vehicle("v1", 0, 10, shift_end=20.0), Vehicle("v2", 0, 10))
    return Problem((Depot("hub", 0),), vehicles, stops, LINE, LINE)


def test_scaled_problem_rounds_starts_up_and_ends_down(three_on_a_line: Problem) -> None:
    """With scale 4: 9.25 -> 37 either way, 1.1 -> 5 up and 4 down; inf is the horizon."""
    ints = ScaledProblem(three_on_a_line, 4)
    assert (ints.up(9.25), ints.down(9.25)) == (37, 37)
    assert (ints.up(1.1), ints.down(1.1)) == (5, 4)
    assert ints.down(math.inf) == ints.horizon
    # horizon: latest finite end 20 + service 0 + longest leg 3.5 x (3 stops + 1), times 4, + 1
    assert ints.horizon == math.ceil((20.0 + 3.5 * 4) * 4) + 1
    assert ints.mandatory == [0, 1]
    assert ints.T[0].tolist() == [0, 4, 8, 14]


def test_route_cost_counts_distance_and_optional_drops(three_on_a_line: Problem) -> None:
    """Scale 2 (so 3.5 is a whole 7): a and b on v1 cost 2 x 4; dropping optional c adds its
    penalty 2 x 10; serving c on v2 instead adds 2 x 7 (0 -> 3.5 -> 0)."""
    ints = ScaledProblem(three_on_a_line, 2)
    assert ints.route_cost({0: [0, 1], 1: []}) == 8 + 20
    assert ints.route_cost({0: [0, 1], 1: [2]}) == 8 + 14


def test_plan_key_puts_mandatory_drops_first_then_vehicles(three_on_a_line: Problem) -> None:
    """Dropping mandatory b is worse than anything; one vehicle beats two in
    vehicles_then_distance mode, but not in cost mode."""
    ints = ScaledProblem(three_on_a_line, 2)
    one = {0: [0, 1, 2], 1: []}  # 7, scaled 14
    two = {0: [0, 1], 1: [2]}  # 4 + 7, scaled 22
    drop_b = {0: [0, 2], 1: []}  # 7, b out
    assert plan_key(ints, one) == (0, 1, 14)
    assert plan_key(ints, two) == (0, 2, 22)
    assert plan_key(ints, drop_b) == (1, 1, 14)
    assert dropped_mandatory(ints, drop_b) == 1
    assert describe(ints, two) == "2 vehicles, cost 11.00, 0 mandatory dropped"
    costly = ScaledProblem(three_on_a_line.replace(objective=Objective("cost")), 2)
    assert plan_key(costly, two) == (0, 0, 22)


def test_to_solution_schedules_the_routes_and_names_the_drops(three_on_a_line: Problem) -> None:
    """Routes {v1: a, b}: b waits for its window at 4 and v1 is back at 6; c is dropped;
    dropping an optional stop keeps the plan feasible."""
    sol = to_solution(three_on_a_line, {0: [0, 1], 1: []}, 0.5, ("a line",))
    assert [r.stops for r in sol.routes] == [("a", "b")]
    assert sol.routes[0].starts == (3.0, 4.0)  # leaves at 2, so it arrives at b just in time
    assert sol.routes[0].end == 6.0
    assert (sol.dropped, sol.status, sol.seconds, sol.log) == (("c",), "feasible", 0.5, ("a line",))


def test_solve_runs_the_engine_of_the_table(
    three_on_a_line: Problem, monkeypatch: pytest.MonkeyPatch
) -> None:
    """solve() hands a problem with stops and vehicles to ENGINES[DEFAULT_ENGINE] and returns
    its plan as it is (the seam a second engine plugs into)."""
    seen: list[tuple[Problem, SolveParams]] = []
    plan = Solution((), ("a", "b", "c"), "from the fake engine")

    def fake(problem: Problem, params: SolveParams, on_progress: object) -> Solution:
        seen.append((problem, params))
        return plan

    monkeypatch.setitem(ENGINES, DEFAULT_ENGINE, fake)
    params = SolveParams(time_limit=0.1)
    assert solve(three_on_a_line, params) is plan
    assert seen == [(three_on_a_line, params)]


def test_solve_answers_an_empty_problem_without_an_engine(
    three_on_a_line: Problem, monkeypatch: pytest.MonkeyPatch
) -> None:
    """No vehicles: every stop dropped, infeasible (a and b are mandatory), no engine run."""
    monkeypatch.setitem(ENGINES, DEFAULT_ENGINE, None)
    sol = solve(three_on_a_line.replace(vehicles=()), SolveParams(time_limit=0.1))
    assert (sol.routes, sol.dropped, sol.status) == ((), ("a", "b", "c"), "infeasible")
