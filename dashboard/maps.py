"""pydeck maps that draw Sweden from our own polygons: no tile server, no internet.

The base layer is a ``GeoJsonLayer`` of the county (or kommun) polygons from ``data/geo/``
(served by :mod:`dashboard.services`); plans are drawn on top. ``Deck`` is built with
``map_provider=None`` and pydeck's default style sentinel: Streamlit's frontend then drops the
base map entirely. (``map_style=None`` alone is NOT enough: Streamlit reads a missing style as
"pick a Carto base map for the theme" and the browser would fetch tiles from the internet.)
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import Any

import pydeck as pdk

#: Sweden's bounding box centre and a zoom that fits the country in ~600 px height.
SWEDEN_VIEW = pdk.ViewState(latitude=62.6, longitude=17.0, zoom=3.8, pitch=0)
LAND = [236, 236, 230, 255]
BORDER = [150, 150, 150, 255]
UNIT_COLOURS = [
    [31, 119, 180], [255, 127, 14], [44, 160, 44], [214, 39, 40], [148, 103, 189],
    [140, 86, 75], [227, 119, 194], [127, 127, 127], [188, 189, 34], [23, 190, 207],
]


def colour(index: int, alpha: int = 255) -> list[int]:
    """A distinct colour for unit/route ``index`` (cycles after ten)."""
    return [*UNIT_COLOURS[index % len(UNIT_COLOURS)], alpha]


def share_colour(share: float | None) -> list[int]:
    """Red (low) -> yellow -> green (high) for a share in [0, 1]; grey when unknown."""
    if share is None:
        return [210, 210, 210, 200]
    s = max(0.0, min(1.0, float(share)))
    if s < 0.5:
        return [215, int(48 + 2 * s * (200 - 48)), 39, 210]
    return [int(215 - 2 * (s - 0.5) * (215 - 26)), int(200 - 2 * (s - 0.5) * (200 - 150)), int(39 + 2 * (s - 0.5) * (80 - 39)), 210]


def base_layer(geojson: dict[str, Any], *, layer_id: str = "base", fill: Sequence[int] = LAND,
               line: Sequence[int] = BORDER, line_width_px: float = 0.8, pickable: bool = False) -> pdk.Layer:
    """The polygons as a flat land layer with thin borders."""
    return pdk.Layer(
        "GeoJsonLayer", geojson, id=layer_id, stroked=True, filled=True, get_fill_color=list(fill),
        get_line_color=list(line), line_width_min_pixels=line_width_px, pickable=pickable,
    )


def choropleth_layer(geojson: dict[str, Any], values: dict[str, float | None], key: str,
                     *, label: str, layer_id: str = "choropleth") -> pdk.Layer:
    """Polygons coloured by ``values[feature.properties[key]]``; tooltip shows ``label``."""
    features = []
    for feature in geojson["features"]:
        props = dict(feature["properties"])
        value = values.get(props[key])
        props["fill"] = share_colour(value)
        props["value_text"] = "no data" if value is None else f"{100 * value:.1f} %"
        props["label"] = label
        features.append({**feature, "properties": props})
    return pdk.Layer(
        "GeoJsonLayer", {"type": "FeatureCollection", "features": features}, id=layer_id,
        stroked=True, filled=True, get_fill_color="properties.fill", get_line_color=BORDER,
        line_width_min_pixels=0.8, pickable=True, auto_highlight=True,
    )


def points_layer(data: Any, *, layer_id: str, radius_px: float = 7, colour_column: str = "colour",
                 pickable: bool = True) -> pdk.Layer:
    """Dots at ``lon``/``lat`` of each row, coloured by the row's ``colour`` column."""
    return pdk.Layer(
        "ScatterplotLayer", data, id=layer_id, get_position=["lon", "lat"],
        get_fill_color=colour_column, get_line_color=[40, 40, 40, 255], stroked=True,
        line_width_min_pixels=1, radius_units="pixels", get_radius=radius_px, pickable=pickable,
    )


def reach_layer(data: Any, radius_m: float, *, layer_id: str = "reach") -> pdk.Layer:
    """Translucent discs of ``radius_m`` metres around each row's ``lon``/``lat``."""
    return pdk.Layer(
        "ScatterplotLayer", data, id=layer_id, get_position=["lon", "lat"],
        get_fill_color="reach_colour", get_line_color="colour", stroked=True, filled=True,
        line_width_min_pixels=1, radius_units="meters", get_radius=radius_m, pickable=False,
    )


def labels_layer(data: Any, *, layer_id: str, text_column: str = "label", size: int = 12) -> pdk.Layer:
    """Text at ``lon``/``lat`` (unit numbers, stop order)."""
    return pdk.Layer(
        "TextLayer", data, id=layer_id, get_position=["lon", "lat"], get_text=text_column,
        get_size=size, get_color=[20, 20, 20, 255], get_alignment_baseline="'bottom'",
        get_pixel_offset=[0, -8], pickable=False,
    )


def paths_layer(data: Any, *, layer_id: str = "routes") -> pdk.Layer:
    """Routes as polylines: rows with ``path`` ([[lon, lat], ...]) and ``colour``."""
    return pdk.Layer(
        "PathLayer", data, id=layer_id, get_path="path", get_color="colour", width_units="pixels",
        get_width=3, pickable=True, joint_rounded=True, cap_rounded=True,
    )


def deck(layers: Sequence[pdk.Layer], *, view: pdk.ViewState | None = None,
         tooltip: dict[str, Any] | bool = True, height: int = 620) -> pdk.Deck:
    """A Deck with no base map (see the module docstring) over Sweden by default."""
    return pdk.Deck(
        layers=list(layers), initial_view_state=view or SWEDEN_VIEW, map_provider=None,
        tooltip=tooltip, height=height,
    )


def view_for(lons: Sequence[float], lats: Sequence[float], *, fallback: pdk.ViewState | None = None,
             width_px: int = 900, height_px: int = 600) -> pdk.ViewState:
    """A Web-Mercator view that frames the given points (Sweden when there are none)."""
    if len(lons) == 0:
        return fallback or SWEDEN_VIEW
    lon_min, lon_max, lat_min, lat_max = min(lons), max(lons), min(lats), max(lats)
    mid = (lat_min + lat_max) / 2
    stretch = 1 / max(math.cos(math.radians(mid)), 0.2)  # Mercator stretches latitude
    span_lon = max(lon_max - lon_min, 0.3) * 1.15
    span_lat = max(lat_max - lat_min, 0.15) * 1.15 * stretch
    zoom = min(math.log2(width_px * 360 / (256 * span_lon)), math.log2(height_px * 360 / (256 * span_lat)))
    return pdk.ViewState(latitude=mid, longitude=(lon_min + lon_max) / 2, zoom=max(3.5, min(10.0, zoom)))
