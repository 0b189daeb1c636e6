"""Where a map looks: Web-Mercator views that frame points (deck.gl's 512 px tile convention),
what a view shows, and which counties it meets."""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence

import pydeck as pdk

from dashboard.mercator import WORLD_PX, inverse_mercator_y, mercator_y, px_per_radian

#: Bounding box of Sweden (lon_min, lat_min, lon_max, lat_max) from data/geo/counties.parquet.
SWEDEN_BOUNDS = (11.13, 55.34, 24.15, 69.05)
#: The size the maps are fitted for: the main column of the wide layout in a ~1400 px window.
MAP_WIDTH_PX = 900
MAP_HEIGHT_PX = 620


def view_for(
    lons: Sequence[float],
    lats: Sequence[float],
    *,
    fallback: pdk.ViewState | None = None,
    width_px: int = MAP_WIDTH_PX,
    height_px: int = MAP_HEIGHT_PX,
    padding: float = 0.06,
    max_zoom: float = 10.0,
) -> pdk.ViewState:
    """The Web-Mercator view that frames the given points with ``padding`` (share of each side).

    deck.gl's world is ``512 * 2**zoom`` pixels wide; the zoom is the largest at which the
    bounding box fits in ``width_px`` x ``height_px`` minus the padding, the centre is the box's
    centre in projected coordinates. Sweden when there are no points.
    """
    if len(lons) == 0:
        return fallback or sweden_view(width_px=width_px, height_px=height_px)
    lon_min, lon_max, lat_min, lat_max = min(lons), max(lons), min(lats), max(lats)
    y_min, y_max = mercator_y(lat_min), mercator_y(lat_max)
    span_x = max(math.radians(lon_max - lon_min), 1e-4)  # radians of the 2*pi-wide world
    span_y = max(y_max - y_min, 1e-4)
    usable = 1 - 2 * padding
    zoom = min(
        math.log2(width_px * usable * 2 * math.pi / (WORLD_PX * span_x)),
        math.log2(height_px * usable * 2 * math.pi / (WORLD_PX * span_y)),
    )
    return pdk.ViewState(
        latitude=round(inverse_mercator_y((y_min + y_max) / 2), 5),
        longitude=round((lon_min + lon_max) / 2, 5),
        zoom=round(max(0.0, min(max_zoom, zoom)), 3),
        pitch=0,
        bearing=0,
    )


def sweden_view(*, width_px: int = MAP_WIDTH_PX, height_px: int = MAP_HEIGHT_PX) -> pdk.ViewState:
    """All of Sweden."""
    x0, y0, x1, y1 = SWEDEN_BOUNDS
    return view_for([x0, x1], [y0, y1], width_px=width_px, height_px=height_px)


def fits(
    view: Mapping[str, float],
    lons: Sequence[float],
    lats: Sequence[float],
    *,
    width_px: int = MAP_WIDTH_PX,
    height_px: int = MAP_HEIGHT_PX,
) -> tuple[float, float]:
    """How much of the viewport (width share, height share) the points' box fills in ``view``.

    Both at most 1 means the box is fully visible; the larger of the two near 1 means the
    view is not zoomed out further than needed. For tests and checks of stored specs.
    """
    scale = px_per_radian(view["zoom"])
    cx, cy = math.radians(view["longitude"]), mercator_y(view["latitude"])
    xs = [math.radians(x) for x in lons]
    ys = [mercator_y(y) for y in lats]
    half_w = max(abs(min(xs) - cx), abs(max(xs) - cx)) * scale
    half_h = max(abs(min(ys) - cy), abs(max(ys) - cy)) * scale
    return 2 * half_w / width_px, 2 * half_h / height_px


def view_box(
    view: pdk.ViewState,
    *,
    width_px: int = MAP_WIDTH_PX,
    height_px: int = MAP_HEIGHT_PX,
    margin: float = 0.0,
) -> tuple[float, float, float, float]:
    """(lon_min, lat_min, lon_max, lat_max) the view shows, widened by ``margin`` of its size
    on every side (``margin=1``: three times as wide and high)."""
    scale = px_per_radian(view.zoom)
    half_x = width_px * (0.5 + margin) / scale
    half_y = height_px * (0.5 + margin) / scale
    cx, cy = math.radians(view.longitude), mercator_y(view.latitude)
    return (
        math.degrees(cx - half_x),
        inverse_mercator_y(cy - half_y),
        math.degrees(cx + half_x),
        inverse_mercator_y(cy + half_y),
    )


def counties_in(
    box: Sequence[float], bounds: Mapping[str, tuple[list[float], list[float]]]
) -> list[str]:
    """Codes of the counties whose bounding box (``code -> ([x0, x1], [y0, y1])``) meets ``box``."""
    x0, y0, x1, y1 = box
    return sorted(
        code
        for code, (xs, ys) in bounds.items()
        if xs and xs[0] <= x1 and xs[1] >= x0 and ys[0] <= y1 and ys[1] >= y0
    )
