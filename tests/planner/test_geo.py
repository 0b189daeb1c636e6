"""Tests for planner.geo (lookup and its build): the Swedish geography on SCB's numbers."""

from __future__ import annotations

import csv
import hashlib
import json
from pathlib import Path

import geopandas as gpd
import pandas as pd
import pytest
import shapely
from typer.testing import CliRunner

from planner import geo
from planner.cli import app
from planner.geo.calibrate import calibrate_to_kommuner, largest_remainder
from planner.geo.ids import part_id, spread_id, tatort_id
from planner.geo.rural import place_outside_tatorter

SCB_TATORTER_2020 = 2_017  # rows of data/geo/scb/tatorter_2020.csv
SCB_SWEDEN_2024 = 10_587_710


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


def _scb_kommuner() -> dict[str, int]:
    """SCB's 2024 kommun table, read here with the csv module (not the build's reader)."""
    with open(geo.scb_dir() / "kommun_population_2024.csv", encoding="utf-8") as handle:
        return {row["kommun_code"]: int(row["population"]) for row in csv.DictReader(handle)}


def test_scb_county_figures_add_up_to_the_national_total():
    """The county figures are the sums of SCB's kommun table: Sweden 10,587,710 on 31 Dec 2024."""
    assert sum(geo.COUNTY_POPULATION.values()) == geo.SWEDEN_POPULATION == SCB_SWEDEN_2024
    assert len(geo.COUNTY_POPULATION) == 21
    assert geo.COUNTY_POPULATION["01"] == 2_473_307  # PROVENANCE.md: Stockholm county


def test_scb_copy_matches_shared():
    """The repository's copy of SCB's tables is byte for byte the one in the shared folder."""
    from tests.conftest import shared_file

    for name in ("kommun_population_2024.csv", "tatorter_2020.csv"):
        shared = shared_file("data", "scb", name)
        assert (geo.scb_dir() / name).read_bytes() == shared.read_bytes(), name


def test_counts(built: Path, localities: gpd.GeoDataFrame, kommuner: gpd.GeoDataFrame):
    """21 counties, 290 kommuner, every SCB tätort once at its own point, >= 2,000 localities."""
    assert len(geo.load_counties(built)) == 21
    assert len(kommuner) == 290
    assert len(localities) >= 2_000
    assert (localities["kind"] == "tatort").sum() == SCB_TATORTER_2020
    assert set(localities["kind"]) <= {"tatort", "tatort_part", "geonames", "spread"}


def test_every_kommun_equals_scb_2024(localities: gpd.GeoDataFrame, kommuner: gpd.GeoDataFrame):
    """Every kommun's localities add up to SCB's 2024 figure exactly; Stockholm 995,574."""
    scb = _scb_kommuner()
    sums = localities.groupby("kommun_code")["population"].sum().to_dict()
    assert sums == scb
    assert dict(zip(kommuner["kommun_code"], kommuner["population"], strict=True)) == scb
    assert sums["0180"] == 995_574
    assert (sums["1480"], sums["1280"]) == (608_993, 365_644)
    assert int(localities["population"].sum()) == SCB_SWEDEN_2024


def test_county_rows_equal_scb(built: Path):
    """The county file carries SCB's 2024 county sums."""
    counties = geo.load_counties(built)
    assert (
        dict(zip(counties["county_code"], counties["population"], strict=False))
        == geo.COUNTY_POPULATION
    )


def test_every_locality_has_people(localities: gpd.GeoDataFrame):
    """No point without people: a part the kommun cap emptied is dropped."""
    assert (localities["population"] > 0).all()


def test_single_kommun_tatort_keeps_scb_figure(localities: gpd.GeoDataFrame):
    """A tätort wholly inside one kommun that has room keeps SCB's 2020 figure (Nyköping)."""
    nykoping = localities[localities["tatort_code"] == "0480TC107"]
    assert len(nykoping) == 1
    row = nykoping.iloc[0]
    assert (row["name"], row["kind"], row["kommun_code"]) == ("Nyköping", "tatort", "0480")
    assert row["locality_id"] == 100_480_107
    assert row["population"] == row["population_raw"] > 30_000


def test_stockholm_tatort_is_split_over_kommuner(localities: gpd.GeoDataFrame):
    """Stockholm's tätort (1.6 M, one SCB code) is shared by Stockholm, Solna, Sundbyberg ..."""
    parts = localities[localities["tatort_code"] == "0180TC101"]
    assert {"0180", "0183", "0184"} <= set(parts["kommun_code"])
    main = parts[parts["kind"] == "tatort"].iloc[0]
    assert (main["kommun_code"], main["population"]) == ("0180", 995_574)
    solna = parts[parts["kommun_code"] == "0184"].iloc[0]
    assert solna["name"] == "Stockholm (del i Solna)"
    assert solna["locality_id"] == 101_801_010_184
    # No part is larger than the main part: SCB files a tätort under its largest kommun.
    assert (parts["population_raw"] <= main["population_raw"]).all()


def test_people_outside_tatorter_are_placed(localities: gpd.GeoDataFrame):
    """A kommun with people outside tätorter has points for them: GeoNames places or spread."""
    rural = localities[localities["kind"].isin(["geonames", "spread"])]
    assert len(rural) > 100
    spread = rural[rural["kind"] == "spread"]
    # Spread points: -(kommun code + j * 10,000), named after the kommun.
    assert ((-spread["locality_id"]) % 10_000 == spread["kommun_code"].astype(int)).all()
    assert spread["name"].str.contains("landsbygd").all()
    geonames = rural[rural["kind"] == "geonames"]
    assert (geonames["locality_id"].between(1, 99_999_999)).all()
    assert (geonames["population_raw"] > 0).all()


def test_localities_assigned_consistently(localities: gpd.GeoDataFrame, kommuner: gpd.GeoDataFrame):
    """Every locality has a known kommun whose county matches the locality's county_code."""
    county_of = dict(zip(kommuner["kommun_code"], kommuner["county_code"], strict=False))
    assert localities["kommun_code"].notna().all()
    assert localities["kommun_code"].isin(county_of).all()
    assert (localities["kommun_code"].map(county_of) == localities["county_code"]).all()
    assert localities["locality_id"].is_monotonic_increasing
    assert localities["locality_id"].is_unique


def test_lakes_are_the_five_and_have_islands(built: Path):
    """lakes.parquet holds the five lakes; Mälaren's islands (Selaön) are holes, not water."""
    from shapely.geometry import Point

    lakes = geo.load_lakes(built).set_index("name")
    assert set(lakes.index) == {"Mälaren", "Vänern", "Vättern", "Hjälmaren", "Siljan"}
    areas = lakes.to_crs(geo.METRIC_CRS).area / 1e6
    assert 5_000 < areas["Vänern"] < 6_500  # SCB/SMHI: 5,650 km²
    assert 1_500 < areas["Vättern"] < 2_100  # 1,890 km²
    assert not lakes.loc["Mälaren", "geometry"].contains(Point(17.2, 59.43))  # Selaön


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
    assert largest_remainder([1, 1, 1], 10) == [4, 3, 3]
    assert largest_remainder([0, 5, 5], 7) == [0, 4, 3]
    assert sum(largest_remainder([3, 7, 11, 13], 1_000_003)) == 1_000_003


def test_locality_ids_decode():
    """Tätort ids read as 1KKKKNNN, parts as 1KKKKNNNPPPP (data/geo/README.md)."""
    assert tatort_id("0180TC101") == 100_180_101
    assert tatort_id("2584TB238") == 102_584_238
    assert part_id("0180TC101", "0184") == 101_801_010_184


def test_spread_ids_count_down_by_kommun():
    """Spread point j of kommun KKKK is -(KKKK + j x 10,000): Kiruna 2584 -> -2584, -12584."""
    assert [spread_id("2584", j) for j in range(3)] == [-2584, -12584, -22584]


@pytest.fixture
def four_kommuner() -> tuple[pd.DataFrame, pd.Series]:
    """Tätort points in four made-up kommuner, one per case of the calibration rule.

    0001 has 80 + 40 = 120 people at its points but 100 in total (scaled down, none left);
    0002 has 20 of its 50 (30 left); 0003 has no point (all 10 left); 0004's tätort of 5 and
    part of 1 share a total of 1, so the part is scaled to nobody and dropped.
    """
    parts = pd.DataFrame(
        {
            "locality_id": [11, 12, 21, 41, 42],
            "kommun_code": ["0001", "0001", "0002", "0004", "0004"],
            "kind": ["tatort", "tatort", "tatort", "tatort", "tatort_part"],
            "population_raw": [80, 40, 20, 5, 1],
        }
    )
    totals = pd.Series({"0001": 100, "0002": 50, "0003": 10, "0004": 1}, name="population")
    return parts, totals


def test_calibration_meets_every_kommun_total(four_kommuner):
    """Points over their kommun are scaled by largest remainder; the rest is what is left."""
    parts, totals = four_kommuner
    kept, rest = calibrate_to_kommuner(parts, totals)
    assert dict(zip(kept["locality_id"], kept["population"], strict=True)) == {
        11: 67,
        12: 33,
        21: 20,
        41: 1,
    }
    assert rest == {"0001": 0, "0002": 30, "0003": 10, "0004": 0}


def test_people_outside_tatorter_spread_over_a_grid():
    """A 50 x 50 km kommun with no tätort and no GeoNames place, easy to draw on paper.

    Aligned to the 40 km grid it covers a 40 x 40, a 40 x 10 and a 10 x 40 km cell (the
    10 x 10 corner is under the 10 % sliver limit): three spread points share its 101 people
    34, 34, 33, with ids -(1 + j x 10,000).
    """
    kommuner = gpd.GeoDataFrame(
        {"kommun_code": ["0001"], "kommun_name": ["Testby"]},
        geometry=[shapely.box(0, 0, 50_000, 50_000)],
        crs=geo.METRIC_CRS,
    )
    no_places = gpd.GeoDataFrame(
        {"kommun_code": [], "population_raw": []}, geometry=[], crs=geo.METRIC_CRS
    )
    no_tatorter = pd.DataFrame({"x_sweref99tm": [], "y_sweref99tm": [], "area_ha": []})
    rows, spread_kommuner = place_outside_tatorter({"0001": 101}, kommuner, no_places, no_tatorter)
    assert spread_kommuner == 1
    assert list(rows["locality_id"]) == [-1, -10001, -20001]
    assert list(rows["name"]) == ["Testby landsbygd 1", "Testby landsbygd 2", "Testby landsbygd 3"]
    assert list(rows["population"]) == [34, 34, 33]
    assert set(rows["kind"]) == {"spread"}


def test_rebuild_reports_id_changes(built: Path, tmp_path: Path):
    """A build over older files names what changed and which CSV columns it affects."""
    import shutil

    for name in geo.GEO_FILES:
        shutil.copy(built / name, tmp_path / name)
    assert geo.build_geo_data(tmp_path)["id_changes"] == {"changed": False}
    old = gpd.read_parquet(tmp_path / geo.LOCALITIES_FILE)
    old.loc[0, "locality_id"] = 42  # an id the new build does not have
    old.to_parquet(tmp_path / geo.LOCALITIES_FILE)
    changes = geo.build_geo_data(tmp_path)["id_changes"]
    assert changes["changed"] and changes["removed"] == 1 and changes["added"] == 1
    assert any("referral CSV column locality_id" in item for item in changes["affected"])


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
        "population": SCB_SWEDEN_2024,
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
    """A kommun name without a tätort of that name resolves to the kommun's largest point."""
    assert geo.find_place("Göteborg", built).kommun_code == "1480"
    solna = geo.find_place("Solna", built)
    assert (solna.name, solna.kommun_code) == ("Stockholm (del i Solna)", "0184")


def test_find_place_ambiguous_name_picks_most_populous(built: Path, localities: gpd.GeoDataFrame):
    """With several localities of one name, the most populous wins."""
    twins = localities[localities["name"] == "Ekeby"]
    assert len(twins) >= 2
    assert geo.find_place("Ekeby", built).population == twins["population"].max()


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
    assert (info["counties"], info["municipalities"], info["population"]) == (
        21,
        290,
        SCB_SWEDEN_2024,
    )
    assert info["localities"] >= 2_000


def test_cli_data_build_json(tmp_path: Path, monkeypatch: pytest.MonkeyPatch):
    """`planner data build --json` builds into PLANNER_GEO_DIR and prints the summary last."""
    monkeypatch.setenv("PLANNER_GEO_DIR", str(tmp_path))
    result = CliRunner().invoke(app, ["data", "build", "--json"])
    assert result.exit_code == 0, result.output
    summary = json.loads(result.stdout.strip().splitlines()[-1])
    assert summary["population"] == SCB_SWEDEN_2024
    assert all((tmp_path / name).is_file() for name in geo.GEO_FILES)


def test_population_map_png(built: Path, tmp_path: Path):
    """The map is a real PNG of some size."""
    out = geo.render_population_map(tmp_path / "map.png", built)
    data = out.read_bytes()
    assert data[:8] == b"\x89PNG\r\n\x1a\n"
    assert len(data) > 50_000
