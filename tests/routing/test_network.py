"""Tests for routing.network and routing.matrix on a tiny hand-made world."""

from __future__ import annotations

import math

import networkx as nx
import numpy as np
import pytest
import shapely
from shapely.geometry import LineString, Point, box

import routing.matrix as matrix_module
from routing import FerryLink, NetworkParams, Place, build_network, shortest_paths
from routing.matrix import MatrixSource, NetworkMatrixSource, StaticMatrixSource, TravelMatrix
from routing.network_build import add_ferries, ferry_only_groups

# Near the equator a degree is about 111 km both ways, so the geometry is easy to picture.
LAKE = box(0.4, 0.3, 0.6, 0.7)
MAINLAND = box(0.0, 0.0, 1.0, 1.0).difference(LAKE)
ISLAND = box(1.5, 0.4, 1.7, 0.6)
WORLD = shapely.union_all([MAINLAND, ISLAND])

A = Place("A", "West", 0.2, 0.5)
B = Place("B", "East", 0.8, 0.5)
C = Place("C", "North", 0.5, 0.85)  # nearer the lake than D: the northern way round is shorter
D = Place("D", "South", 0.5, 0.1)
F = Place("F", "Island", 1.6, 0.5)
G = Place("G", "Skerry", 0.5, 1.05)  # 5.5 km off the north shore: only a connector reaches it
MAINLAND_PLACES = [A, B, C, D]

# One speed for every hop and no detour: minutes = km, so expected values are plain distances.
FLAT = NetworkParams(
    circuity=1.0,
    local_kmh=60.0,
    highway_kmh=60.0,
    land_tolerance_km=1.0,
    ferry_boarding_minutes=0.0,
    trip_overhead_minutes=0.0,
)


def great_circle_km(p: Place, q: Place) -> float:
    """Haversine written out here, independently of routing.network."""
    la1, la2 = math.radians(p.lat), math.radians(q.lat)
    h = (
        math.sin((la2 - la1) / 2) ** 2
        + math.cos(la1) * math.cos(la2) * math.sin(math.radians(q.lon - p.lon) / 2) ** 2
    )
    return 2 * 6371.0088 * math.asin(math.sqrt(h))


@pytest.fixture
def lake_world():
    """Four mainland places around a lake: west and east can only meet by going round it."""
    return build_network(MAINLAND_PLACES, WORLD, FLAT)


@pytest.fixture
def island_world():
    """The lake world plus an island reached by a 50-minute ferry from the east shore."""
    ferry = FerryLink("B", "F", minutes=50.0, km=88.0, name="East-Island")
    return build_network([*MAINLAND_PLACES, F], WORLD, FLAT, [ferry], ferry_only=[{"F"}])


def test_no_edge_crosses_the_lake(lake_world):
    """West-east and north-south would cross the lake, so those edges do not exist."""
    assert not lake_world.graph.has_edge("A", "B")
    assert not lake_world.graph.has_edge("C", "D")
    assert lake_world.graph.has_edge("A", "C") and lake_world.graph.has_edge("D", "B")
    for u, v in lake_world.graph.edges:
        segment = LineString(
            [(lake_world.graph.nodes[n]["lon"], lake_world.graph.nodes[n]["lat"]) for n in (u, v)]
        )
        assert not segment.intersects(LAKE.buffer(-0.02)), (u, v)


def test_route_goes_round_the_lake_the_short_way(lake_world):
    """West to east takes the northern shore, and minutes equal km at a flat 60 km/h."""
    route = lake_world.route("A", "B")
    expected = great_circle_km(A, C) + great_circle_km(C, B)
    assert route.nodes == ("A", "C", "B")
    assert route.minutes == pytest.approx(expected, rel=1e-9)
    assert route.km == pytest.approx(expected, rel=1e-9)
    assert lake_world.is_connected()


def test_speed_grows_with_hop_length():
    """Default speeds: a short hop is slower per km than a long one, and circuity scales km."""
    params = NetworkParams()
    assert (
        params.speed_kmh(5.0)
        < params.speed_kmh(30.0)
        < params.speed_kmh(150.0)
        <= params.highway_kmh
    )
    net = build_network([A, C], WORLD, params)
    straight = great_circle_km(A, C)
    assert net.km("A", "C") == pytest.approx(straight * params.circuity, rel=1e-9)
    assert net.minutes("A", "C") == pytest.approx(
        60 * straight * params.circuity / params.speed_kmh(straight * params.circuity)
        + params.trip_overhead_minutes
    )


def test_trip_overhead_is_paid_once_per_trip():
    """The overhead is added once to a trip of several hops, never to staying put."""
    with_overhead = build_network(MAINLAND_PLACES, WORLD, FLAT.replace(trip_overhead_minutes=4.0))
    plain = build_network(MAINLAND_PLACES, WORLD, FLAT)
    assert with_overhead.route("A", "B").nodes == ("A", "C", "B")
    assert with_overhead.minutes("A", "B") == pytest.approx(plain.minutes("A", "B") + 4.0)
    assert with_overhead.minutes("A", "A") == 0.0


def test_ferry_time_counts_with_boarding(island_world):
    """The island is reached by the ferry; its sailing time plus boarding is on the clock."""
    boarded = build_network(
        [*MAINLAND_PLACES, F],
        WORLD,
        FLAT.replace(ferry_boarding_minutes=30.0),
        [FerryLink("B", "F", 50.0, 88.0, "East-Island")],
        ferry_only=[{"F"}],
    )
    route = island_world.route("A", "F")
    assert route.nodes[-2:] == ("B", "F") and route.modes[-1] == "ferry"
    assert route.minutes == pytest.approx(island_world.minutes("A", "B") + 50.0)
    assert route.km == pytest.approx(island_world.km("A", "B") + 88.0)
    assert boarded.minutes("A", "F") == pytest.approx(route.minutes + 30.0)


def test_ferry_is_used_only_when_it_is_faster():
    """A slow ferry across the lake is ignored; a quick one is taken, and km follows the fast path."""
    slow = build_network(MAINLAND_PLACES, WORLD, FLAT, [FerryLink("A", "B", 500.0, 1.0, "slow")])
    quick = build_network(MAINLAND_PLACES, WORLD, FLAT, [FerryLink("A", "B", 5.0, 70.0, "quick")])
    road_km = great_circle_km(A, C) + great_circle_km(C, B)
    assert slow.route("A", "B").modes == ("road", "road")
    assert slow.km("A", "B") == pytest.approx(road_km)  # the fastest path's km, not the 1 km ferry
    assert quick.route("A", "B").modes == ("ferry",)
    assert (quick.minutes("A", "B"), quick.km("A", "B")) == (5.0, 70.0)


def test_connector_joins_an_offshore_place_by_its_shortest_edge():
    """The skerry off the north shore gets exactly one 'connector' edge, to the nearest place."""
    net = build_network([*MAINLAND_PLACES, G], WORLD, FLAT)
    assert net.is_connected()
    assert list(net.graph.edges("G", data="mode")) == [("G", "C", "connector")]
    assert net.km("G", "C") == pytest.approx(great_circle_km(G, C))
    assert net.mode_counts()["connector"] == 1


def test_ferry_only_island_never_gets_a_road_or_connector():
    """Without its ferry a ferry-only island stays cut off; unmarked, it would get a connector."""
    cut_off = build_network([*MAINLAND_PLACES, F], WORLD, FLAT, ferry_only=[{"F"}])
    assert not cut_off.is_connected()
    assert cut_off.graph.degree("F") == 0
    unmarked = build_network([*MAINLAND_PLACES, F], WORLD, FLAT)
    assert unmarked.graph.edges["F", "B"]["mode"] == "connector"


def test_island_group_is_joined_inside_but_not_to_the_mainland():
    """Two places on a ferry-only island are joined to each other, and to the mainland only by ferry."""
    f2 = Place("F2", "Island north", 1.6, 0.58)
    net = build_network(
        [*MAINLAND_PLACES, F, f2],
        WORLD,
        FLAT,
        [FerryLink("B", "F", 50.0, 88.0, "ferry")],
        ferry_only=[{"F", "F2"}],
    )
    assert net.graph.has_edge("F", "F2")
    outside = [
        (u, v, m)
        for u, v, m in net.graph.edges(data="mode")
        if ({u, v} & {"F", "F2"}) and not {u, v} <= {"F", "F2"}
    ]
    assert outside == [("B", "F", "ferry")] or outside == [("F", "B", "ferry")]
    assert net.route("A", "F2").modes.count("ferry") == 1


def test_bad_input_raises_with_a_sentence():
    """Repeated ids, unknown ferry ends and a line instead of land are refused."""
    with pytest.raises(ValueError, match="unique"):
        build_network([A, A], WORLD, FLAT)
    with pytest.raises(ValueError, match="unknown place"):
        build_network([A, B], WORLD, FLAT, [FerryLink("A", "Z", 10.0, 1.0, "nowhere")])
    with pytest.raises(ValueError, match="Polygon"):
        build_network([A, B], LineString([(0, 0), (1, 1)]), FLAT)
    with pytest.raises(ValueError, match="circuity"):
        NetworkParams(circuity=0.9)


def test_fingerprint_is_stable_and_sensitive():
    """Same inputs give the same fingerprint; other parameters or places give another."""
    one = build_network(MAINLAND_PLACES, WORLD, FLAT).fingerprint()
    assert one == build_network(list(reversed(MAINLAND_PLACES)), WORLD, FLAT).fingerprint()
    assert one != build_network(MAINLAND_PLACES, WORLD, FLAT.replace(circuity=1.1)).fingerprint()
    assert one != build_network([*MAINLAND_PLACES, G], WORLD, FLAT).fingerprint()


def test_matrix_equals_hand_computed_values(island_world, tmp_path):
    """Each cell is the sum of its legs' distances (minutes = km at 60 km/h) plus the ferry."""
    ac, cb, ad = great_circle_km(A, C), great_circle_km(C, B), great_circle_km(A, D)
    table = NetworkMatrixSource(island_world, tmp_path).matrix(
        ["A", "B"], ["A", "B", "C", "D", "F"]
    )
    expected_minutes = [
        [0.0, ac + cb, ac, ad, ac + cb + 50.0],
        [ac + cb, 0.0, cb, great_circle_km(D, B), 50.0],
    ]
    expected_km = [
        [0.0, ac + cb, ac, ad, ac + cb + 88.0],
        [ac + cb, 0.0, cb, great_circle_km(D, B), 88.0],
    ]
    np.testing.assert_allclose(table.minutes, expected_minutes, rtol=1e-9)
    np.testing.assert_allclose(table.km, expected_km, rtol=1e-9)
    assert table.lookup("B", "F") == (50.0, 88.0)


def test_matrix_with_more_origins_than_destinations_matches(island_world):
    """The transposed computation (fewer destinations) gives the same cells as point queries."""
    ids = ["A", "B", "C", "D", "F"]
    table = NetworkMatrixSource(island_world).matrix(ids, ["F", "A"])
    for i, o in enumerate(ids):
        for j, d in enumerate(["F", "A"]):
            assert table.minutes[i, j] == pytest.approx(island_world.minutes(o, d))
            assert table.km[i, j] == pytest.approx(island_world.km(o, d))


def test_unreachable_pairs_are_infinite():
    """A ferry-only island without a ferry is unreachable: inf, not an error or a zero."""
    net = build_network([*MAINLAND_PLACES, F], WORLD, FLAT, ferry_only=[{"F"}])
    table = NetworkMatrixSource(net).matrix(["A"], ["B", "F"])
    assert (
        np.isfinite(table.minutes[0, 0])
        and np.isinf(table.minutes[0, 1])
        and np.isinf(table.km[0, 1])
    )


def test_unknown_ids_are_refused(lake_world):
    """Asking for a place the network does not have names it."""
    with pytest.raises(KeyError, match="Z"):
        NetworkMatrixSource(lake_world).matrix(["A"], ["Z"])


def test_cache_hit_is_a_file_read(island_world, tmp_path, monkeypatch):
    """A second source on the same cache folder returns the same arrays without any Dijkstra."""
    origins, destinations = ["A", "F"], ["B", "C", "D"]
    first = NetworkMatrixSource(island_world, tmp_path).matrix(origins, destinations)
    assert len(list(tmp_path.glob("*.npz"))) == 1

    def no_search(*args, **kwargs):
        raise AssertionError("the cached table should have been read, not recomputed")

    monkeypatch.setattr(matrix_module, "compute_tables", no_search)
    second = NetworkMatrixSource(island_world, tmp_path).matrix(origins, destinations)
    np.testing.assert_array_equal(second.minutes, first.minutes)
    np.testing.assert_array_equal(second.km, first.km)
    with pytest.raises(AssertionError, match="cached"):
        NetworkMatrixSource(island_world, tmp_path).matrix(destinations, origins)  # other request


def test_cache_key_changes_with_the_network(island_world, lake_world, tmp_path):
    """Two networks never share a cache file for the same request."""
    ids = ["A", "B"]
    assert NetworkMatrixSource(island_world, tmp_path).cache_path(ids, ids) != NetworkMatrixSource(
        lake_world, tmp_path
    ).cache_path(ids, ids)
    assert NetworkMatrixSource(lake_world).cache_path(ids, ids) is None


def test_static_source_serves_its_table():
    """A precomputed table (as an OSRM /table reply would give) is served by id, in request order."""
    table = TravelMatrix(
        ("x", "y"), ("p", "q", "r"), np.array([[1, 2, 3], [4, 5, 6]]), np.ones((2, 3))
    )
    sub = StaticMatrixSource(table).matrix(["y"], ["r", "p"])
    assert sub.origins == ("y",) and sub.destinations == ("r", "p")
    np.testing.assert_array_equal(sub.minutes, [[6.0, 4.0]])
    with pytest.raises(KeyError, match="z"):
        StaticMatrixSource(table).matrix(["z"], ["p"])


def test_travel_matrix_checks_shape_and_is_read_only():
    """A table with the wrong shape or negative times is refused; its arrays cannot be edited."""
    with pytest.raises(ValueError, match="shape"):
        TravelMatrix(("x",), ("p", "q"), np.zeros((2, 2)), np.zeros((1, 2)))
    with pytest.raises(ValueError, match="negative"):
        TravelMatrix(("x",), ("p",), np.array([[-1.0]]), np.zeros((1, 1)))
    table = TravelMatrix(("x",), ("p",), np.zeros((1, 1)), np.zeros((1, 1)))
    with pytest.raises(ValueError):
        table.minutes[0, 0] = 3.0


def test_both_sources_satisfy_the_protocol(lake_world):
    """Planners can take either source as a MatrixSource."""
    static = StaticMatrixSource(TravelMatrix(("x",), ("x",), np.zeros((1, 1)), np.zeros((1, 1))))
    assert isinstance(NetworkMatrixSource(lake_world), MatrixSource)
    assert isinstance(static, MatrixSource)
    assert not isinstance(object(), MatrixSource)


def test_places_outside_lon_lat_range_are_refused():
    """A point given in metres by mistake is caught when the Place is made."""
    with pytest.raises(ValueError, match="lon/lat"):
        Place("x", "metres", 674_000.0, 6_580_000.0)
    assert Point(A.lon, A.lat).within(MAINLAND)


def test_ferry_only_group_gets_no_road_even_on_shared_land():
    """A ferry-only place inside the mainland polygon (a coarse outline) still gets no road edge."""
    net = build_network(
        MAINLAND_PLACES, WORLD, FLAT, [FerryLink("D", "B", 20.0, 30.0, "D-B")], ferry_only=[{"D"}]
    )
    assert list(net.graph.edges("D", data="mode")) == [("D", "B", "ferry")]
    assert net.route("A", "D").modes[-1] == "ferry"


def test_ties_on_minutes_go_to_the_shorter_km():
    """Two equally fast paths: the table reports the km of the shorter one, so answers are stable."""
    adjacency = [
        [(1, 1.0, 5.0), (2, 2.0, 20.0)],
        [(0, 1.0, 5.0), (2, 1.0, 5.0)],
        [(0, 2.0, 20.0), (1, 1.0, 5.0)],
    ]
    minutes, km, pred = shortest_paths(adjacency, 0)
    assert (minutes[2], km[2], pred[2]) == (2.0, 10.0, 1)


def test_matrix_adds_the_trip_overhead_off_the_diagonal(tmp_path):
    """A travel table pays the overhead on every trip between two places, as route() does."""
    net = build_network(MAINLAND_PLACES, WORLD, FLAT.replace(trip_overhead_minutes=4.0))
    table = NetworkMatrixSource(net, tmp_path).matrix(["A", "B"], ["A", "B", "C"])
    assert table.minutes[0, 0] == 0.0 and table.minutes[1, 1] == 0.0
    assert table.minutes[0, 1] == pytest.approx(net.minutes("A", "B"))
    assert table.minutes[1, 2] == pytest.approx(net.minutes("B", "C"))


def test_ferry_only_groups_number_the_islands_and_refuse_bad_members():
    """Three places, the last two an island group: groups are [0, 1, 1]; an unknown member
    or a place in two groups is refused with its id."""
    index = {"A": 0, "F": 1, "G": 2}
    assert ferry_only_groups(index, [{"F", "G"}]).tolist() == [0, 1, 1]
    assert ferry_only_groups(index, []).tolist() == [0, 0, 0]
    with pytest.raises(ValueError, match="group 1 names unknown place 'Z'"):
        ferry_only_groups(index, [{"Z"}])
    with pytest.raises(ValueError, match="'F' is in more than one"):
        ferry_only_groups(index, [{"F"}, {"F", "G"}])


def test_add_ferries_keeps_the_faster_edge():
    """Two ferries over one pair, 40 and 30 minutes with 10 minutes boarding: the edge is the
    30-minute one (40 minutes with boarding); a slower one afterwards changes nothing."""
    graph = nx.Graph()
    params = NetworkParams(ferry_boarding_minutes=10.0)
    slow = FerryLink("A", "F", minutes=40.0, km=5.0, name="slow")
    quick = FerryLink("A", "F", minutes=30.0, km=6.0, name="quick")
    add_ferries(graph, {"A": 0, "F": 1}, [slow, quick, slow], params)
    assert graph.edges["A", "F"] == {"km": 6.0, "minutes": 40.0, "mode": "ferry", "name": "quick"}
