"""Tests for planner.travel: the Swedish travel network a Swedish user would sanity-check."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest
from typer.testing import CliRunner

from planner import geo, travel
from planner.cli import app
from routing.matrix import MatrixSource
from routing.network import TravelNetwork


@pytest.fixture(scope="session")
def geo_files(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """One build of the geography files into a temporary folder (never the repository's data/)."""
    out = tmp_path_factory.mktemp("geo")
    geo.build_geo_data(out)
    return out


@pytest.fixture(scope="session")
def sweden(geo_files: Path) -> TravelNetwork:
    """The Swedish network built from those files."""
    return travel.sweden_network(geo_files)


def _id(name: str, geo_files: Path) -> str:
    return str(geo.find_place(name, geo_files).locality_id)


def test_stockholm_goteborg_is_a_long_half_day(geo_files: Path):
    """Stockholm-Göteborg by car is about 4.5-6.5 h (route planners say about 4 h 40 min)."""
    result = travel.travel_time("Stockholm", "Göteborg", geo_files)
    assert 270 <= result["minutes"] <= 390
    assert 420 <= result["km"] <= 600  # about 470 road km
    assert result["from"] == "Stockholm"


def test_malmo_kiruna_is_more_than_fifteen_hours(geo_files: Path):
    """Malmö-Kiruna, end to end of Sweden, takes well over 15 h by road."""
    result = travel.travel_time("Malmö", "Kiruna", geo_files)
    assert result["minutes"] > 15 * 60
    assert 1_500 <= result["km"] <= 2_200  # about 1,900 road km


def test_visby_is_reached_only_by_ferry(sweden: TravelNetwork, geo_files: Path):
    """Stockholm-Visby uses a Gotland ferry and takes longer than the 3 h 15 min sailing."""
    route = sweden.route(_id("Stockholm", geo_files), _id("Visby", geo_files))
    assert "ferry" in route.modes
    assert route.minutes > travel.GOTLAND_SAILING_MINUTES
    ferry_ends = {
        sweden.graph.nodes[n]["name"]
        for u, v, m in sweden.graph.edges(data="mode")
        if m == "ferry"
        for n in (u, v)
    }
    assert ferry_ends == {"Nynäshamn", "Oskarshamn", "Visby"}


def test_gotland_has_no_road_to_the_mainland(sweden: TravelNetwork, geo_files: Path):
    """Every edge between a Gotland place and a mainland place is one of the two ferries."""
    localities = geo.load_localities(geo_files)
    gotland = {
        str(i)
        for i in localities.loc[localities["county_code"] == travel.GOTLAND_COUNTY, "locality_id"]
    }
    assert len(gotland) >= 5
    crossing = [
        m for u, v, m in sweden.graph.edges(data="mode") if (u in gotland) != (v in gotland)
    ]
    assert crossing == ["ferry", "ferry"]


def test_the_network_is_connected(sweden: TravelNetwork, geo_files: Path):
    """Every locality, Salem's synthetic point included, can reach every other."""
    assert sweden.is_connected()
    assert sweden.graph.number_of_nodes() == len(geo.load_localities(geo_files))


def test_travel_time_is_symmetric(sweden: TravelNetwork):
    """A to B and B to A take the same time (within 0.01 min) for a sample of pairs."""
    rng = np.random.default_rng(7)
    ids = list(sweden.node_ids)
    pairs = rng.choice(len(ids), size=(10, 2), replace=False)
    for i, j in pairs:
        assert sweden.minutes(ids[i], ids[j]) == pytest.approx(
            sweden.minutes(ids[j], ids[i]), abs=0.01
        )


def test_matrix_source_matches_point_queries_and_caches(
    geo_files: Path, sweden: TravelNetwork, tmp_path: Path
):
    """The planner's matrix source agrees with the network and writes its table to the cache."""
    source = travel.matrix_source(geo_files, tmp_path)
    assert isinstance(source, MatrixSource)
    ids = [_id(n, geo_files) for n in ("Stockholm", "Malmö", "Visby", "Kiruna")]
    table = source.matrix(ids[:2], ids)
    assert table.minutes[0, 2] == pytest.approx(sweden.minutes(ids[0], ids[2]))
    assert table.km[1, 3] == pytest.approx(sweden.km(ids[1], ids[3]))
    assert len(list(tmp_path.glob("*.npz"))) == 1


def test_cli_travel_time_json(geo_files: Path, monkeypatch: pytest.MonkeyPatch):
    """`planner geo travel-time Stockholm Göteborg --json` ends with {from, to, minutes, km}."""
    import planner.cli.travel  # noqa: F401  (registers the command, as planner.cli does)

    monkeypatch.setenv("PLANNER_GEO_DIR", str(geo_files))
    result = CliRunner().invoke(app, ["geo", "travel-time", "Stockholm", "Göteborg", "--json"])
    assert result.exit_code == 0, result.output
    answer = json.loads(result.stdout.strip().splitlines()[-1])
    assert set(answer) == {"from", "to", "minutes", "km", "via", "lakes_crossed"}
    assert 270 <= answer["minutes"] <= 390


def test_cli_unknown_place_suggests_names(geo_files: Path, monkeypatch: pytest.MonkeyPatch):
    """A misspelt place exits with code 2 and the suggestions, without a traceback."""
    import planner.cli.travel  # noqa: F401

    monkeypatch.setenv("PLANNER_GEO_DIR", str(geo_files))
    result = CliRunner().invoke(app, ["geo", "travel-time", "Stockholm", "Kirunaa", "--json"])
    assert result.exit_code == 2
    assert "Kiruna" in result.stderr and "did you mean" in result.stderr
    assert "Traceback" not in result.output
    assert result.stdout.strip() == ""


@pytest.mark.parametrize(
    "trip", travel.REFERENCE_TRIPS, ids=lambda t: f"{t.origin}-{t.destination}"
)
def test_reference_trip_within_twenty_percent(trip: travel.ReferenceTrip, geo_files: Path):
    """Each real trip of the reference table takes the network within 20 % of its real time."""
    result = travel.travel_time(trip.origin, trip.destination, geo_files)
    assert abs(result["minutes"] / trip.minutes - 1) <= 0.20, result
    assert result["lakes_crossed"] == [], result


def test_stockholm_vasteras_goes_round_malaren(geo_files: Path):
    """Stockholm-Västerås keeps north of Mälaren (like the E18): no hop over the lake."""
    from shapely.geometry import LineString

    result = travel.travel_time("Stockholm", "Västerås", geo_files)
    assert result["lakes_crossed"] == []
    lats = [geo.find_place(name, geo_files).lat for name in result["via"]]
    assert min(lats) > 59.3  # never south of the lake's eastern arms
    lake = geo.load_lakes(geo_files).set_index("name").loc["Mälaren", "geometry"]
    straight = LineString([(17.95, 59.32), (16.55, 59.61)])
    assert straight.intersects(lake)  # the straight line would cross it: the test can fail


def test_no_hop_crosses_the_five_lakes(sweden: TravelNetwork, geo_files: Path):
    """No road edge of the whole network enters a lake beyond the shore margin (bridges aside)."""
    nodes = sweden.graph.nodes
    roads = [(u, v) for u, v, mode in sweden.graph.edges(data="mode") if mode == "road"]
    crossing = [
        (nodes[u]["name"], nodes[v]["name"], lakes)
        for (u, v), lakes in zip(roads, travel.hops_in_lakes(roads, geo_files), strict=True)
        if lakes
    ]
    assert crossing == []


def test_lakes_block_a_hop_in_the_library():
    """Two places on either side of a lake get no road edge; a bridge link joins them."""
    import shapely
    from shapely.geometry import box

    from routing import NetworkParams, Place, build_network

    land = box(10.0, 59.0, 11.0, 59.2)
    lake = box(10.45, 59.0, 10.55, 59.2)  # a lake across the whole land strip, ~5.7 km wide
    places = [Place("w", "West", 10.3, 59.1), Place("e", "East", 10.7, 59.1)]
    params = NetworkParams(k_neighbours=1, delaunay=False)
    dry = build_network(places, land, params)
    assert dry.mode_counts()["road"] == 1
    wet = build_network(places, land, params, water=lake)
    assert wet.mode_counts() == {"road": 0, "ferry": 0, "connector": 1}
    bridged = build_network(places, land, params, water=lake, links=[("w", "e")])
    assert bridged.mode_counts() == {"road": 1, "ferry": 0, "connector": 0}
    assert shapely.is_valid(lake)
