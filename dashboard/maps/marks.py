"""Marks on a map (dots, reach circles, routes, text) shaped in pixels and sent as polygons.

Marks are shaped in Python, in the pixels of the map's first view (:class:`PixelFrame`), and
drawn with the same deck.gl layer as the tiles (:func:`dashboard.maps.layers.polygons_layer`):
dots with a white rim (:func:`dots_layer`), reach circles of a ground radius as thin rings
(:func:`reach_layer`), routes as bands with round joints (:func:`routes_layer`), and text as
the glyph outlines of DejaVu Sans Bold with a white halo (:func:`text_layer`, via matplotlib's
``TextPath``). They are exact in the first view and scale with the map when the user zooms
(a label zoomed in twice is four times as large).
"""

from __future__ import annotations

import functools
import json
import math
from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np
import pydeck as pdk
import shapely
import shapely.affinity
from shapely.geometry.base import BaseGeometry

from dashboard.maps.layers import polygons_layer
from dashboard.maps.style import HALO_COLOUR, LABEL_COLOUR, RIM_COLOUR
from dashboard.mercator import EARTH_RADIUS_M, mercator_y, px_per_radian

#: How far a circle's polygon may stray from the true circle, in pixels (sets its vertex count).
CIRCLE_TOLERANCE_PX = 0.2
#: Labels are the glyph outlines of this font (shipped with matplotlib), in bold.
LABEL_FONT = "DejaVu Sans"


class PixelFrame:
    """Web-Mercator pixels of a map's first view (deck.gl's 512 px world at ``view.zoom``, y up).

    Marks are shaped in these pixels and drawn as polygons: true to their pixel size in the
    first view, they grow and shrink with the map when the user zooms, like the tiles.
    """

    def __init__(self, view: pdk.ViewState | Mapping[str, float]) -> None:
        """``view``: a ViewState, or a deck spec's ``initialViewState``."""
        self.zoom = float(view["zoom"] if isinstance(view, Mapping) else view.zoom)
        self.scale = px_per_radian(self.zoom)

    def to_px(self, lon: float, lat: float) -> tuple[float, float]:
        """The pixel position of a point."""
        return math.radians(lon) * self.scale, mercator_y(lat) * self.scale

    def px_per_metre(self, lat: float) -> float:
        """Pixels per ground metre at ``lat`` (Web Mercator stretches by 1 / cos(lat))."""
        return self.scale / (EARTH_RADIUS_M * math.cos(math.radians(lat)))

    def geometry(self, geom: BaseGeometry) -> dict[str, Any]:
        """A shapely geometry in these pixels as a GeoJSON geometry in lon/lat (~1/20 px precise)."""
        digits = max(4, min(7, math.ceil(math.log10(20 * self.scale * math.pi / 180))))

        def lonlat(xy: Any) -> Any:
            lon = np.degrees(xy[:, 0] / self.scale)
            lat = np.degrees(2 * np.arctan(np.exp(xy[:, 1] / self.scale)) - np.pi / 2)
            return np.round(np.column_stack([lon, lat]), digits)

        result: dict[str, Any] = json.loads(shapely.to_geojson(shapely.transform(geom, lonlat)))
        return result

    def feature(
        self,
        geom: BaseGeometry,
        fill: Sequence[int],
        name: str = "",
        detail: str = "",
        **properties: Any,
    ) -> dict[str, Any]:
        """A GeoJSON feature of a pixel geometry, with its fill and tooltip fields."""
        return {
            "type": "Feature",
            "geometry": self.geometry(geom),
            "properties": {"fill": list(fill), "name": name, "detail": detail, **properties},
        }


def _circle(x: float, y: float, r: float) -> shapely.Polygon:
    """A polygon within :data:`CIRCLE_TOLERANCE_PX` of the circle of radius ``r`` px."""
    n = (
        12
        if r <= CIRCLE_TOLERANCE_PX
        else max(12, min(128, math.ceil(math.pi / math.acos(1 - CIRCLE_TOLERANCE_PX / r))))
    )
    return shapely.Polygon(
        [
            (x + r * math.cos(2 * math.pi * i / n), y + r * math.sin(2 * math.pi * i / n))
            for i in range(n)
        ]
    )


def _ring(x: float, y: float, r_outer: float, r_inner: float) -> BaseGeometry:
    """The band between two concentric circles (a polygon with a hole)."""
    return _circle(x, y, r_outer).difference(_circle(x, y, max(r_inner, 0.0)))


def dots_layer(
    rows: Sequence[Mapping[str, Any]],
    frame: PixelFrame,
    *,
    layer_id: str,
    radius_px: float = 6,
    rim_px: float = 2,
) -> pdk.Layer:
    """A dot of ``radius_px`` (or the row's own ``radius_px``) at each row's ``lon``/``lat`` in
    its ``colour``, with a white rim (none when ``rim_px`` is 0).

    Rows also give the tooltip's ``name`` and ``detail``; their other keys (``lon`` and ``lat``
    too) go into both features' properties (rim and dot).
    """
    features = []
    for row in rows:
        x, y = frame.to_px(row["lon"], row["lat"])
        r = float(row.get("radius_px", radius_px))
        props = {"name": "", "detail": "", **{k: v for k, v in row.items() if k != "colour"}}
        if rim_px > 0:
            features.append(frame.feature(_ring(x, y, r + rim_px, r), RIM_COLOUR, **props))
        features.append(frame.feature(_circle(x, y, r), row["colour"], **props))
    return polygons_layer(features, layer_id=layer_id)


def reach_layer(
    rows: Sequence[Mapping[str, Any]],
    frame: PixelFrame,
    radius_m: float,
    *,
    layer_id: str = "reach",
    width_px: float = 1.5,
    colour_key: str = "reach_colour",
) -> pdk.Layer:
    """A circle of ``radius_m`` ground metres around each row, a ``width_px`` line in the first view."""
    features = []
    for row in rows:
        x, y = frame.to_px(row["lon"], row["lat"])
        r = radius_m * frame.px_per_metre(row["lat"])
        features.append(
            frame.feature(
                _ring(x, y, r + width_px / 2, r - width_px / 2),
                row[colour_key],
                row.get("name", ""),
                f"reach: {radius_m / 1000:.0f} km",
                radius_m=radius_m,
            )
        )
    return polygons_layer(features, layer_id=layer_id)


def routes_layer(
    rows: Sequence[Mapping[str, Any]],
    frame: PixelFrame,
    *,
    layer_id: str = "routes",
    width_px: float = 3,
) -> pdk.Layer:
    """Polylines (rows with ``path`` [[lon, lat], ...], ``colour``, tooltip ``name``/``detail``)
    as bands ``width_px`` wide with round joints and ends."""
    features = []
    for row in rows:
        points = [frame.to_px(lon, lat) for lon, lat in row["path"]]
        line = shapely.LineString(points) if len(points) > 1 else shapely.Point(points[0])
        props = {k: v for k, v in row.items() if k not in ("path", "colour")}
        features.append(
            frame.feature(line.buffer(width_px / 2, quad_segs=4), row["colour"], **props)
        )
    return polygons_layer(features, layer_id=layer_id)


def text_layer(
    rows: Sequence[Mapping[str, Any]],
    frame: PixelFrame,
    *,
    layer_id: str,
    size_px: float = 12,
    offset_px: float = 9,
    halo_px: float = 2.0,
    leader_px: float = 1.0,
) -> pdk.Layer:
    """Each row's ``label`` centred ``offset_px`` above its ``lon``/``lat``, with a white halo.

    A row with ``dx``/``dy`` (pixels, y up; from :func:`spread_labels`) has its label's centre
    there instead, and a thin leader line from its point when the label stands off it. The
    text is its glyph outlines (:data:`LABEL_FONT` bold, matplotlib's ``TextPath``, filled
    even-odd so "o" keeps its hole), the halo the band around them: one feature each per
    label, carrying ``label``, its anchor ``lon``/``lat`` and the row's ``name``/``detail``
    (the label itself when the row has none) for the tooltip.
    """
    features = []
    for row in rows:
        text = _text_outline(str(row["label"]), size_px)
        if text is None:
            continue
        x, y = frame.to_px(row["lon"], row["lat"])
        x0, y0, x1, y1 = text.bounds
        if "dx" in row:
            cx, cy = x + row["dx"], y + row["dy"]
            text = shapely.affinity.translate(text, cx - (x0 + x1) / 2, cy - (y0 + y1) / 2)
        else:
            text = shapely.affinity.translate(text, x - (x0 + x1) / 2, y + offset_px - y0)
        halo = text.buffer(halo_px, quad_segs=2).difference(text)
        props = {
            "name": row.get("name", str(row["label"])),
            "detail": row.get("detail", ""),
            "label": str(row["label"]),
            "lon": row["lon"],
            "lat": row["lat"],
        }
        if row.get("leader"):
            box = shapely.box(*text.bounds).buffer(halo_px)
            line = shapely.LineString([(x, y), shapely.centroid(box).coords[0]]).difference(box)
            if not line.is_empty:
                leader = line.buffer(leader_px / 2, quad_segs=2)
                features.append(frame.feature(leader, LABEL_COLOUR, part="leader", **props))
        features.append(frame.feature(halo, HALO_COLOUR, part="halo", **props))
        features.append(frame.feature(text, LABEL_COLOUR, part="text", **props))
    return polygons_layer(features, layer_id=layer_id)


#: Where :func:`spread_labels` tries a label's centre, as (x, y) steps of (half its width plus
#: the gap, half its height plus the gap): above, below, right, left, then the corners.
_LABEL_SPOTS = ((0, 1), (0, -1), (1, 0), (-1, 0), (1, 1), (-1, 1), (1, -1), (-1, -1))


def spread_labels(
    rows: Sequence[Mapping[str, Any]],
    frame: PixelFrame,
    *,
    size_px: float = 12,
    gap_px: float = 9,
    marks_px: float = 8,
    rings: int = 4,
    halo_px: float = 2.0,
) -> list[dict[str, Any]]:
    """The rows with ``dx``/``dy`` (label centre, in pixels from the point) so that no two
    labels overlap each other or a point's mark (a ``marks_px`` disc) in the first view.

    Greedy, in row order (put the most important first): each label takes the first free spot
    around its point (:data:`_LABEL_SPOTS`), then the same spots ``rings`` times further out
    with a leader line (``leader``) to the point; when every spot is taken, the least crowded.
    Labels are polygons that scale with the map, so what is apart in the first view stays
    apart at every zoom (close sites' labels do not merge into "2, 6, 8").
    """
    points = [frame.to_px(r["lon"], r["lat"]) for r in rows]
    taken: list[BaseGeometry] = [
        shapely.Point(x, y).buffer(marks_px, quad_segs=4) for x, y in points
    ]
    out = []
    for row, (x, y) in zip(rows, points, strict=True):
        text = _text_outline(str(row["label"]), size_px)
        x0, y0, x1, y1 = text.bounds if text is not None else (0.0, 0.0, 0.0, 0.0)
        half_w, half_h = (x1 - x0) / 2 + halo_px, (y1 - y0) / 2 + halo_px
        best: tuple[float, float, float, bool] | None = None
        for ring in range(rings):
            for sx, sy in _LABEL_SPOTS:
                dx = sx * (half_w + gap_px * (1 + 2 * ring)) if sx else 0.0
                dy = sy * (half_h + gap_px * (1 + 2 * ring)) if sy else 0.0
                box = shapely.box(
                    x + dx - half_w, y + dy - half_h, x + dx + half_w, y + dy + half_h
                )
                crowd = sum(box.intersection(t).area for t in taken)
                if best is None or crowd < best[0]:
                    best = (crowd, dx, dy, ring > 0)
                if crowd == 0:
                    break
            if best is not None and best[0] == 0:
                break
        assert best is not None
        _, dx, dy, leader = best
        taken.append(
            shapely.box(x + dx - half_w, y + dy - half_h, x + dx + half_w, y + dy + half_h)
        )
        out.append({**row, "dx": round(dx, 2), "dy": round(dy, 2), "leader": leader})
    return out


def label_boxes(
    rows: Sequence[Mapping[str, Any]], frame: PixelFrame, size_px: float = 12
) -> list[BaseGeometry]:
    """The pixel boxes of labels placed by :func:`spread_labels` (for checks and tests)."""
    boxes = []
    for row in rows:
        text = _text_outline(str(row["label"]), size_px)
        x0, y0, x1, y1 = text.bounds if text is not None else (0.0, 0.0, 0.0, 0.0)
        x, y = frame.to_px(row["lon"], row["lat"])
        cx, cy = x + row["dx"], y + row["dy"]
        w, h = (x1 - x0) / 2, (y1 - y0) / 2
        boxes.append(shapely.box(cx - w, cy - h, cx + w, cy + h))
    return boxes


@functools.lru_cache(maxsize=1024)
def _text_outline(text: str, size_px: float) -> BaseGeometry | None:
    """``text`` at a font size of ``size_px`` as a shapely (multi)polygon, baseline at y = 0."""
    from matplotlib.font_manager import FontProperties
    from matplotlib.textpath import TextPath

    path = TextPath(
        (0, 0), text, size=size_px, prop=FontProperties(family=LABEL_FONT, weight="bold")
    )
    shape: BaseGeometry | None = None
    for ring in path.to_polygons(closed_only=True):
        points = np.asarray(ring)
        if len(points) >= 4:
            polygon = shapely.Polygon(points).buffer(0)
            # Even-odd fill: a ring inside another (the hole of an "o") cuts it out.
            shape = polygon if shape is None else shape.symmetric_difference(polygon)
    return None if shape is None or shape.is_empty else shape.simplify(0.05)
