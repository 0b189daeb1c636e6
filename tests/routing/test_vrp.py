"""The routing engine on tiny instances whose best plans can be worked out by hand."""

from __future__ import annotations

import math

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from routing import (
    Depot,
    Objective,
    Problem,
    Route,
    Solution,
    SolveParams,
    Stop,
    Vehicle,
    VRPError,
    evaluate,
    schedule,
    solve,
)

FAST = SolveParams(time_limit=0.3)


def line_matrix(positions: list[float]) -> np.ndarray:
    """Distances between points on a line: ``|x_i - x_j|`` (also used as travel time)."""
    x = np.array(positions, dtype=float)
    return np.abs(x[:, None] - x[None, :])


def line_problem(
    stops: list[Stop],
    positions: list[float],
    vehicles: list[Vehicle] | None = None,
    depots: tuple[Depot, ...] = (Depot("hub", 0),),
    **kw: object,
) -> Problem:
    """A problem on a line; location ``i`` sits at ``positions[i]``, the depot at location 0."""
    m = line_matrix(positions)
    fleet = vehicles or [Vehicle("v1", 0, capacity=100)]
    return Problem(
        depots=depots, vehicles=tuple(fleet), stops=tuple(stops), duration=m, distance=m, **kw
    )


@pytest.fixture
def four_on_a_line() -> Problem:
    """Depot at 0 and stops at 1, 2, 3, 4 on a line: one vehicle, best route 0-1-2-3-4-0 = 8."""
    stops = [Stop(name, i + 1, delivery=1) for i, name in enumerate("abcd")]
    return line_problem(stops, [0, 1, 2, 3, 4])


def ids(solution: Solution) -> list[list[str]]:
    """The stop orders of the used routes."""
    return [list(r.stops) for r in solution.routes if r.stops]


def turns_once(routes: list[list[str]]) -> bool:
    """One route over a, b, c, d (at 1, 2, 3, 4) that rises to d and then falls."""
    if len(routes) != 1 or sorted(routes[0]) != ["a", "b", "c", "d"]:
        return False
    x = ["abcd".index(s) + 1 for s in routes[0]]
    peak = x.index(4)
    return x[: peak + 1] == sorted(x[: peak + 1]) and x[peak:] == sorted(x[peak:], reverse=True)


def test_four_stops_on_a_line_take_the_obvious_route(four_on_a_line: Problem) -> None:
    """One route of distance 8: out to 4 and back, turning only once (1, 2, 3, 4 in order, or
    e.g. a, b, d, c, which also costs 1 + 1 + 2 + 1 + 3 = 8; any second turn costs more)."""
    sol = solve(four_on_a_line, FAST)
    assert turns_once(ids(sol))
    assert sol.distance == pytest.approx(8.0)
    assert evaluate(four_on_a_line, sol).feasible
    assert sol.status == "feasible"


def test_time_windows_force_the_order() -> None:
    """Windows allow only 2, 4, 1, 3 (stops b, d, a, c) although going out and back is shorter."""
    stops = [
        Stop("a", 1, tw_start=7, tw_end=7.5),
        Stop("b", 2, tw_start=0, tw_end=2),
        Stop("c", 3, tw_start=9, tw_end=9.5),
        Stop("d", 4, tw_start=4, tw_end=4.5),
    ]
    problem = line_problem(stops, [0, 1, 2, 3, 4])
    sol = solve(problem, FAST)
    assert ids(sol) == [["b", "d", "a", "c"]]
    route = sol.routes[0]
    assert route.arrivals == (2.0, 4.0, 7.0, 9.0)
    assert evaluate(problem, sol).feasible


def test_capacity_forces_two_vehicles() -> None:
    """Four deliveries of 6 on vehicles of capacity 12: two vehicles, each with two stops."""
    stops = [Stop(name, i + 1, delivery=6) for i, name in enumerate("abcd")]
    fleet = [Vehicle(f"v{k}", 0, capacity=12) for k in range(3)]
    problem = line_problem(stops, [0, 1, 2, 3, 4], fleet)
    sol = solve(problem, FAST)
    check = evaluate(problem, sol)
    assert check.feasible and check.vehicles == 2
    assert sorted(sorted(r) for r in ids(sol)) == [["a", "b"], ["c", "d"]]
    assert all(r.start_load == 12 for r in sol.routes)


def test_pickup_and_delivery_loads_along_the_route() -> None:
    """Capacity 10 with a delivery of 10 and a pickup of 10: the delivery must come first."""
    stops = [Stop("pick", 1, pickup=10), Stop("drop", 2, delivery=10)]
    problem = line_problem(stops, [0, 1, 2], [Vehicle("v1", 0, capacity=10)])
    sol = solve(problem, FAST)
    assert ids(sol) == [["drop", "pick"]]
    route = sol.routes[0]
    assert route.start_load == 10 and route.loads == (0, 10)
    assert evaluate(problem, sol).feasible
    wrong = Solution((schedule(problem, 0, ["pick", "drop"]),))
    assert [v.rule for v in evaluate(problem, wrong).violations] == ["Capacity exceeded"]


def test_max_route_duration_splits_the_route() -> None:
    """Stops 5 away on either side: 20 for one route, over the 12 allowed, so two routes of 10."""
    stops = [Stop("west", 1), Stop("east", 2)]
    fleet = [Vehicle(f"v{k}", 0, capacity=10, max_duration=12) for k in range(2)]
    problem = line_problem(stops, [0, -5, 5], fleet)
    sol = solve(problem, FAST)
    assert sol.vehicles_used == 2
    assert all(r.duration == pytest.approx(10) for r in sol.routes)
    assert evaluate(problem, sol).feasible


def test_route_duration_leaves_late_instead_of_waiting() -> None:
    """A stop 2 away opening at 50: leave at 48, so the route takes 4, not 52."""
    problem = line_problem(
        [Stop("a", 1, tw_start=50, tw_end=60)],
        [0, 2],
        [Vehicle("v1", 0, capacity=1, max_duration=5)],
    )
    route = schedule(problem, 0, ["a"])
    assert (route.departure, route.starts, route.end, route.duration) == (48.0, (50.0,), 52.0, 4.0)
    assert evaluate(problem, solve(problem, FAST)).feasible


def test_unservable_stop_is_dropped_and_named() -> None:
    """A stop 5 away whose window closes at 1 cannot be reached: dropped by name, the rest served."""
    stops = [Stop("near", 1), Stop("far", 2, tw_start=0, tw_end=1)]
    problem = line_problem(stops, [0, 1, 5])
    sol = solve(problem, FAST)
    assert sol.dropped == ("far",)
    assert ids(sol) == [["near"]]
    assert sol.status == "infeasible"
    assert [v.rule for v in evaluate(problem, sol).violations] == ["Mandatory stop dropped"]


def test_optional_stop_is_dropped_when_its_penalty_is_cheaper() -> None:
    """An optional stop 50 away with penalty 10 costs less to drop than the 100 to serve it."""
    stops = [Stop("near", 1), Stop("remote", 2, drop_penalty=10)]
    problem = line_problem(stops, [0, 1, 50])
    sol = solve(problem, FAST)
    assert sol.dropped == ("remote",) and sol.status == "feasible"
    check = evaluate(problem, sol)
    assert check.feasible and check.cost == pytest.approx(2 + 10)


def test_two_depots_serve_their_own_side() -> None:
    """Depots at 0 and 10, stops at 1 and 9, cost per km only: each from its near depot, 4 km."""
    stops = [Stop("a", 2), Stop("b", 3)]
    fleet = [Vehicle("west", 0, capacity=5), Vehicle("east", 1, capacity=5)]
    problem = line_problem(
        stops,
        [0, 10, 1, 9],
        fleet,
        depots=(Depot("W", 0), Depot("E", 1)),
        objective=Objective("cost", per_km=1),
    )
    sol = solve(problem, FAST)
    assert {r.vehicle: r.stops for r in sol.routes} == {"west": ("a",), "east": ("b",)}
    assert sol.distance == pytest.approx(4.0)


def test_two_depots_fewest_vehicles_first() -> None:
    """The same two depots under vehicles-then-distance: one vehicle does both stops (18)."""
    stops = [Stop("a", 2), Stop("b", 3)]
    fleet = [Vehicle("west", 0, capacity=5), Vehicle("east", 1, capacity=5)]
    problem = line_problem(stops, [0, 10, 1, 9], fleet, depots=(Depot("W", 0), Depot("E", 1)))
    sol = solve(problem, FAST)
    assert sol.vehicles_used == 1 and sol.distance == pytest.approx(18.0)


def test_cost_objective_trades_vehicles_for_distance() -> None:
    """Per-vehicle cost 100 makes one long route (8) beat two short ones; cost 0 keeps either."""
    stops = [Stop("west", 1), Stop("east", 2)]
    fleet = [Vehicle(f"v{k}", 0, capacity=10) for k in range(2)]
    problem = line_problem(
        stops, [0, -2, 2], fleet, objective=Objective("cost", per_km=1, per_vehicle=100)
    )
    sol = solve(problem, FAST)
    assert sol.vehicles_used == 1
    assert evaluate(problem, sol).cost == pytest.approx(108)


@pytest.mark.parametrize(
    ("broken", "rule"),
    [
        (
            lambda p: Solution(
                (
                    Route("v1", ("a", "b", "c", "d"), (), (), (), 0, 0, 0, 0),
                    Route("v1", (), (), (), (), 0, 0, 0, 0),
                )
            ),
            "Vehicle used twice",
        ),
        (
            lambda p: Solution(
                (
                    schedule(p, 0, ["a", "b", "c", "d"]),
                    Route("ghost", ("a",), (), (), (), 0, 0, 0, 0),
                )
            ),
            "Unknown vehicle",
        ),
        (
            lambda p: Solution((Route("v1", ("a", "b", "c", "d", "zz"), (), (), (), 0, 0, 0, 0),)),
            "Unknown stop",
        ),
        (
            lambda p: Solution((schedule(p, 0, ["a", "b", "c", "d"]), schedule(p, 1, ["a"]))),
            "Stop served twice",
        ),
        (
            lambda p: Solution((schedule(p, 0, ["a", "b", "c"]),), dropped=("d",)),
            "Mandatory stop dropped",
        ),
        (lambda p: Solution((schedule(p, 0, ["a", "b", "c"]),)), "Stop neither served nor dropped"),
    ],
)
def test_evaluate_names_bookkeeping_violations(four_on_a_line: Problem, broken, rule: str) -> None:
    """Hand-made plans that break one bookkeeping rule each are caught by that rule's name."""
    problem = four_on_a_line.replace(vehicles=(Vehicle("v1", 0, 100), Vehicle("v2", 0, 100)))
    rules = {v.rule for v in evaluate(problem, broken(problem)).violations}
    assert rule in rules


def test_evaluate_names_time_shift_duration_and_capacity_violations(
    four_on_a_line: Problem,
) -> None:
    """Going 4, 3, 2, 1 misses a's window, returns late, runs long and overloads: four names."""
    stops = list(four_on_a_line.stops)
    stops[0] = Stop("a", 1, delivery=1, tw_start=0, tw_end=2)
    problem = four_on_a_line.replace(
        stops=tuple(stops), vehicles=(Vehicle("v1", 0, capacity=3, shift_end=7, max_duration=6),)
    )
    check = evaluate(problem, Solution((schedule(problem, 0, ["d", "c", "b", "a"]),)))
    amounts = {v.rule: v.amount for v in check.violations}
    assert amounts == {
        "Time window missed": pytest.approx(7 - 2),  # reaches a at 7
        "Shift end exceeded": pytest.approx(8 - 7),
        "Route too long": pytest.approx(8 - 6),
        "Capacity exceeded": pytest.approx(4 - 3),
    }
    assert not check.feasible


def test_bad_input_raises_a_named_error() -> None:
    """A reversed window is rejected with the stop's id and both ends in the message."""
    with pytest.raises(VRPError, match=r"stop 12: time window \[300, 200\] ends before it starts"):
        line_problem([Stop("12", 1, tw_start=300, tw_end=200)], [0, 1])
    with pytest.raises(VRPError, match="stop s: location 7 is outside the matrix"):
        line_problem([Stop("s", 7)], [0, 1])
    with pytest.raises(VRPError, match=r"duration matrix: entry \[0\]\[1\] is -1"):
        Problem((Depot("d", 0),), (), (), np.array([[0, -1], [1, 0]]), np.zeros((2, 2)))
    with pytest.raises(VRPError, match="vehicle v: depot index 3"):
        line_problem([], [0, 1], [Vehicle("v", 3, 1)])


def test_same_seed_same_result() -> None:
    """Two runs with the same seed and a solution limit (PyVRP's iterations, not the clock)
    give the same routes."""
    rng = np.random.default_rng(7)
    xy = rng.uniform(0, 100, size=(31, 2))
    m = np.hypot(*(xy[:, None, :] - xy[None, :, :]).transpose(2, 0, 1))
    stops = tuple(
        Stop(f"s{i}", i, delivery=int(rng.integers(1, 10)), service=5) for i in range(1, 31)
    )
    fleet = tuple(Vehicle(f"v{k}", 0, capacity=40, shift_end=1000) for k in range(10))
    problem = Problem((Depot("d", 0),), fleet, stops, m, m)
    params = SolveParams(time_limit=5, solution_limit=500, seed=3)
    first, second = solve(problem, params), solve(problem, params)
    assert ids(first) == ids(second)
    assert evaluate(problem, first).feasible
    assert math.isclose(first.distance, second.distance)


def test_off_grid_point_window_does_not_crash() -> None:
    """A zero-width window at 1.6875 (no point on the 1/1000 grid) still gives a plan (found by
    the property test below: OR-Tools used to fail on the empty integer range)."""
    problem = line_problem([Stop("a", 1, tw_start=1.6875, tw_end=1.6875)], [0, 0])
    sol = solve(problem, FAST)
    assert ids(sol) == [["a"]] and evaluate(problem, sol).feasible


def test_no_vehicles_returns_every_stop_dropped() -> None:
    """A hub with no vehicles is not an error: every stop comes back dropped, status infeasible."""
    problem = line_problem([Stop("a", 1)], [0, 1]).replace(vehicles=())
    sol = solve(problem, FAST)
    assert sol.dropped == ("a",) and sol.routes == () and sol.status == "infeasible"


@settings(max_examples=12, deadline=None, derandomize=True)
@given(
    xs=st.lists(st.floats(0, 30, allow_nan=False), min_size=3, max_size=7),
    data=st.data(),
)
def test_solver_plans_break_no_rule_but_dropped_stops(xs: list[float], data: st.DataObject) -> None:
    """Random small instances (float distances, windows, pickups, two depots): evaluate() finds
    nothing wrong with a solved plan except mandatory stops it had to drop."""
    pts = [(x, data.draw(st.floats(0, 30, allow_nan=False))) for x in xs]
    xy = np.array(pts)
    m = np.hypot(*(xy[:, None, :] - xy[None, :, :]).transpose(2, 0, 1))
    depots = (Depot("A", 0), Depot("B", 1))
    stops = []
    for i in range(2, len(pts)):  # windows in whole units, like minutes (see SolveParams.scale)
        start = data.draw(st.integers(0, 60))
        stops.append(
            Stop(
                f"s{i}",
                i,
                delivery=data.draw(st.integers(0, 4)),
                pickup=data.draw(st.integers(0, 4)),
                tw_start=start,
                tw_end=start + data.draw(st.integers(0, 60)),
                service=data.draw(st.floats(0, 5)),
                drop_penalty=data.draw(st.none() | st.floats(0, 50)),
            )
        )
    fleet = [
        Vehicle(
            f"v{k}",
            k % 2,
            capacity=data.draw(st.integers(3, 8)),
            shift_end=150,
            max_duration=data.draw(st.floats(40, 150)),
        )
        for k in range(data.draw(st.integers(1, 3)))
    ]
    problem = Problem(depots, tuple(fleet), tuple(stops), m, m)
    sol = solve(problem, SolveParams(time_limit=0.2))
    check = evaluate(problem, sol)
    assert {v.rule for v in check.violations} <= {"Mandatory stop dropped"}
    assert check.served + len(sol.dropped) == len(stops)
    assert (sol.status == "feasible") == check.feasible


def test_only_cheap_optional_stops_use_no_vehicle() -> None:
    """Fewest vehicles first: one optional stop with penalty 3 is dropped, zero routes, no crash."""
    problem = line_problem([Stop("opt", 1, drop_penalty=3)], [0, 10])
    sol = solve(problem, FAST)
    assert sol.routes == () and sol.dropped == ("opt",) and sol.status == "feasible"


def test_side_by_side_searches_keep_the_best_plan(four_on_a_line: Problem) -> None:
    """Two forked searches (the portfolio engine) on the four-stop line: both find a distance-8
    route; the plan kept is one, and the log names both workers (so both really ran)."""
    sol = solve(four_on_a_line, FAST.replace(engine="portfolio", workers=2, time_limit=1.0))
    assert turns_once(ids(sol))
    assert sol.distance == pytest.approx(8.0)
    assert sol.status == "feasible"
    assert {line.split(":")[0] for line in sol.log} == {"worker 0", "worker 1"}


def test_side_by_side_searches_still_name_an_unservable_stop() -> None:
    """The portfolio ranks infeasible plans last but still returns one, naming the dropped stop."""
    stops = [Stop("near", 1), Stop("far", 2, tw_start=0, tw_end=1)]
    problem = line_problem(stops, [0, 1, 5])
    sol = solve(problem, FAST.replace(engine="portfolio", workers=2))
    assert sol.dropped == ("far",)
    assert sol.status == "infeasible"


def test_replace_keeps_the_rest_and_validates_again(four_on_a_line: Problem) -> None:
    """replace() changes only the named fields, and a bad new value raises a named error."""
    cheaper = four_on_a_line.replace(objective=Objective("cost", per_km=2.0))
    assert cheaper.objective == Objective("cost", per_km=2.0)
    assert cheaper.stops == four_on_a_line.stops
    assert np.array_equal(cheaper.duration, four_on_a_line.duration)
    with pytest.raises(VRPError, match="stop z: location 9 is outside the matrix"):
        four_on_a_line.replace(stops=[Stop("z", 9)])
