"""Sweden's geography for the pages, cached: names, localities, county boxes and map tiles.

Polygons are simplified for the map's zoom so a page ships ~100 kB, and can be shrunk by a
pixel gap so that, drawn over the full polygons, the gaps become borders (see
:func:`tiles_geojson` and :mod:`dashboard.maps`).
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import Any

import pandas as pd
import shapely
import streamlit as st

from dashboard.mercator import metres_per_px
from planner import geo


@st.cache_data(show_spinner=False)
def county_names() -> dict[str, str]:
    """County code -> name."""
    frame = geo.load_counties()
    return dict(zip(frame["county_code"], frame["county_name"], strict=True))


@st.cache_data(show_spinner=False)
def kommun_names() -> dict[str, str]:
    """Kommun code -> name."""
    frame = geo.load_municipalities()
    return dict(zip(frame["kommun_code"], frame["kommun_name"], strict=True))


@st.cache_data(show_spinner=False)
def localities() -> pd.DataFrame:
    """Localities as a plain table (id as text, name, kommun, county, lon, lat, population)."""
    frame = pd.DataFrame(geo.load_localities().drop(columns="geometry"))
    frame["locality_id"] = frame["locality_id"].astype(str)
    return frame[["locality_id", "name", "kommun_code", "county_code", "lon", "lat", "population"]]


def county_bounds(codes: Sequence[str]) -> tuple[list[float], list[float]]:
    """Longitudes and latitudes of the bounding-box corners of the given counties."""
    return _county_bounds(tuple(sorted(codes)))


@st.cache_data(show_spinner=False)
def _county_bounds(codes: tuple[str, ...]) -> tuple[list[float], list[float]]:
    frame = geo.load_counties()
    frame = frame[frame["county_code"].isin(codes)]
    if frame.empty:
        return [], []
    x0, y0, x1, y1 = frame.total_bounds
    return [float(x0), float(x1)], [float(y0), float(y1)]


def tiles_geojson(
    level: str, zoom: float, *, counties: Sequence[str] | None = None, gap_px: float = 0.0
) -> dict[str, Any]:
    """County (``level="county"``) or kommun polygons prepared for a map at ``zoom``.

    Simplified to half a pixel at that zoom and, with ``gap_px``, shrunk by half the gap on
    every side (in Web Mercator, so the gap is the same number of pixels everywhere): drawn
    over a layer of the full polygons in a border colour, the gaps become the borders. That
    draws borders with the polygon shader alone; a stroked GeoJsonLayer adds a path shader,
    which costs the browser ~0.7 s per page load with software WebGL. ``counties`` keeps
    only polygons in those counties. Cached per level, counties, zoom (0.1 steps) and gap.
    """
    codes = None if counties is None else tuple(sorted(counties))
    return _tiles(level, round(float(zoom), 1), codes, float(gap_px))


@st.cache_data(show_spinner=False, max_entries=64)
def _tiles(level: str, zoom: float, codes: tuple[str, ...] | None, gap_px: float) -> dict[str, Any]:
    if level == "county":
        frame = geo.load_counties()[["county_code", "county_name", "population", "geometry"]].copy()
    elif level == "kommun":
        frame = geo.load_municipalities()[
            ["kommun_code", "kommun_name", "county_code", "population", "geometry"]
        ].copy()
    else:
        raise ValueError(f"unknown level {level!r} (county or kommun)")
    if codes is not None:
        frame = frame[frame["county_code"].isin(codes)]
    m_per_px = metres_per_px(zoom)
    merc = frame.to_crs(3857)
    geometry = merc.geometry.simplify(0.5 * m_per_px, preserve_topology=True)
    if gap_px > 0:
        geometry = geometry.buffer(-gap_px / 2 * m_per_px, quad_segs=2)
    merc = merc.set_geometry(geometry)
    merc = merc[~merc.geometry.is_empty]
    frame = merc.to_crs(4326)
    grid = 0.001 if zoom < 7 else 0.0001  # <= ~1/3 px at the zoom drawn
    frame["geometry"] = shapely.set_precision(frame.geometry.values, grid)
    frame = frame[~frame.geometry.is_empty]
    return _light_geojson(frame, grid)


def _light_geojson(frame: Any, grid: float) -> dict[str, Any]:
    """A GeoDataFrame as compact GeoJSON: no bbox or ids, coordinates rounded to ``grid``."""
    data: dict[str, Any] = frame.__geo_interface__
    data.pop("bbox", None)
    digits = max(0, round(-math.log10(grid)))
    for feature in data["features"]:
        feature.pop("bbox", None)
        feature.pop("id", None)
        feature["geometry"] = {
            "type": feature["geometry"]["type"],
            "coordinates": _rounded(feature["geometry"]["coordinates"], digits),
        }
    return data


def _rounded(coords: Any, digits: int) -> Any:
    """Nested coordinate lists with every number rounded to ``digits`` decimals."""
    if isinstance(coords[0], (int, float)):
        return [round(float(c), digits) for c in coords]
    return [_rounded(c, digits) for c in coords]
