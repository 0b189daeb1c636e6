"""The PyVRP engine's mapping onto PyVRP and back, on stops along a line."""

from __future__ import annotations

import numpy as np
import pytest

from routing import Depot, Problem, SolveParams, Stop, Vehicle, evaluate, solve
from routing.pyvrp_engine import penalty_units, repair, to_pyvrp, vehicle_types

FAST = SolveParams(engine="pyvrp", time_limit=1.0)


def line(positions: list[float]) -> np.ndarray:
    """``|x_i - x_j|``: distance and travel time between points on a line."""
    x = np.array(positions, dtype=float)
    return np.abs(x[:, None] - x[None, :])


@pytest.fixture
def two_hubs() -> Problem:
    """Hubs W (location 0, at 0) and E (location 1, at 10); stops a, b, c at 2, 3 and 8 (b with
    window [1.2, 3.75] and service 0.5); two identical vehicles at W and one at E."""
    m = line([0, 10, 2, 3, 8])
    stops = (Stop("a", 2), Stop("b", 3, tw_start=1.2, tw_end=3.75, service=0.5), Stop("c", 4))
    fleet = (Vehicle("w1", 0, 5), Vehicle("w2", 0, 5), Vehicle("e1", 1, 5))
    return Problem((Depot("W", 0), Depot("E", 1)), fleet, stops, m, m)


def test_depots_come_first_then_one_client_per_stop(two_hubs: Problem) -> None:
    """PyVRP's locations are W, E, a, b, c; client k is stop k at location 2 + k; b's window
    and service in tenths: start 1.2 -> 12 (up), end 3.75 -> 37 (down), service 0.5 -> 5."""
    pv = to_pyvrp(two_hubs, scale=10)
    data = pv.data
    assert (data.num_depots, data.num_clients, data.num_locations) == (2, 3, 5)
    assert [c.location for c in data.clients()] == [2, 3, 4]
    assert pv.stops == (0, 1, 2) and pv.left_out == ()
    b = data.clients()[1]
    assert (b.tw_early, b.tw_late, b.service_duration) == (12, 37, 5)
    assert data.distance_matrix(0)[0].tolist() == [0, 100, 20, 30, 80]


def test_identical_vehicles_share_one_vehicle_type(two_hubs: Problem) -> None:
    """w1 and w2 differ only by id: one type of two at depot 0; e1 a type of one at depot 1."""
    assert vehicle_types(two_hubs) == [(0, 1), (2,)]
    types = to_pyvrp(two_hubs, scale=10).data.vehicle_types()
    assert [(t.num_available, t.start_depot) for t in types] == [(2, 0), (1, 1)]


def test_routes_of_one_type_go_to_different_vehicles() -> None:
    """Four deliveries of 3 at one hub with two vehicles of capacity 6: two routes, on w1 and
    w2 (never one vehicle twice), every rule kept."""
    m = line([0, 1, 2, 3, 4])
    stops = tuple(Stop(n, k + 1, delivery=3) for k, n in enumerate("abcd"))
    fleet = (Vehicle("w1", 0, 6), Vehicle("w2", 0, 6))
    problem = Problem((Depot("W", 0),), fleet, stops, m, m)
    sol = solve(problem, FAST)
    assert sorted(r.vehicle for r in sol.routes) == ["w1", "w2"]
    assert evaluate(problem, sol).feasible and sol.distance == pytest.approx(12.0)


def test_a_stop_no_vehicle_can_reach_in_time_is_left_out(two_hubs: Problem) -> None:
    """c (8 away from W, 2 from E) with window [0, 1]: no vehicle reaches it by 1, so it is not
    given to PyVRP and comes back dropped, the plan infeasible and saying why."""
    stops = (*two_hubs.stops[:2], Stop("c", 4, tw_start=0, tw_end=1))
    problem = two_hubs.replace(stops=stops)
    assert to_pyvrp(problem, scale=10).left_out == (2,)
    sol = solve(problem, FAST)
    assert sol.dropped == ("c",) and sol.status == "infeasible"
    assert [v.rule for v in evaluate(problem, sol).violations] == ["Mandatory stop dropped"]


def test_stops_that_fit_alone_but_not_together_are_searched_again_as_optional() -> None:
    """One vehicle, stops 5 west and 5 east whose service must start at exactly 5: each alone
    is fine, both are not. The second search (every stop optional) serves one and drops the
    other, named; the only broken rule is that drop."""
    m = line([0, -5, 5])
    stops = (Stop("west", 1, tw_start=5, tw_end=5), Stop("east", 2, tw_start=5, tw_end=5))
    problem = Problem((Depot("hub", 0),), (Vehicle("v", 0, 5),), stops, m, m)
    sol = solve(problem, FAST)
    assert len(sol.dropped) == 1 and [len(r.stops) for r in sol.routes] == [1]
    assert [v.rule for v in evaluate(problem, sol).violations] == ["Mandatory stop dropped"]
    assert any("all optional" in line for line in sol.log)


def test_repair_takes_off_the_stop_that_breaks_a_rule() -> None:
    """Route a (at 1), b (at -5), c (at 2, service must start at 2) reaches c at 14. Taking off
    a still reaches c at 12; taking off b or c leaves no violation, and b, the first such, goes."""
    m = line([0, 1, -5, 2])
    stops = (Stop("a", 1), Stop("b", 2), Stop("c", 3, tw_start=2, tw_end=2))
    problem = Problem((Depot("hub", 0),), (Vehicle("v", 0, 5),), stops, m, m)
    assert repair(problem, {0: [0, 1, 2]}) == {0: [0, 2]}
    assert repair(problem, {0: [0, 2]}) == {0: [0, 2]}


def test_two_stops_at_one_place_keep_their_own_locations() -> None:
    """A delivery and a pickup at the same place 4 away: one route of 8, both served."""
    m = line([0, 4])
    stops = (Stop("D:1", 1, delivery=1, service=10), Stop("P:1", 1, pickup=1, service=10))
    problem = Problem((Depot("hub", 0),), (Vehicle("v", 0, 1),), stops, m, m)
    assert to_pyvrp(problem, scale=1).data.num_locations == 3
    sol = solve(problem, FAST)
    assert evaluate(problem, sol).feasible and sol.distance == pytest.approx(8.0)
    assert sorted(sol.routes[0].stops) == ["D:1", "P:1"]


def test_penalty_units_make_one_unit_of_overload_cost_twice_a_vehicle() -> None:
    """At PyVRP's largest penalty of 100,000 per unit: a vehicle of 250,000 needs a factor of 5
    (5 x 100,000 >= 2 x 250,000); small costs need none."""
    assert [penalty_units(c) for c in (0, 50_000, 100_000, 250_000)] == [1, 1, 2, 5]
