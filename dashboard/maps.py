"""pydeck maps that draw Sweden from our own polygons: no tile server, no internet.

The base layer is Sweden's county polygons from ``data/geo/`` (served by
:mod:`dashboard.services`), filled by a plan's share per county; plans are drawn on top.
Borders are gaps: the polygons, shrunk by about a pixel at the map's zoom, are drawn over the
full polygons in a border colour. Each deck.gl layer *type* costs a shader compilation per page
load (0.3-0.7 s each with the software WebGL of headless Chromium), so the maps use as few as
they can: polygon fills (no stroked paths), one scatterplot type for dots and reach circles,
and text with an SDF halo instead of a background layer. ``Deck`` is built with ``map_provider=None``
and pydeck's default style sentinel: Streamlit's frontend then drops the base map entirely.
(``map_style=None`` alone is NOT enough: Streamlit reads a missing style as "pick a Carto base
map for the theme" and the browser would fetch tiles from the internet.)

Two pydeck traps this module avoids (both made the first version draw an opaque box):

* pydeck turns every *string* keyword into a deck.gl accessor expression (``"@@=meters"``).
  Enum-like props such as ``radiusUnits``, ``widthUnits``, ``characterSet`` or
  ``getAlignmentBaseline`` must be passed as quoted literals (``"'meters'"``), see
  :func:`literal`; otherwise deck.gl receives a function where it expects a unit name and
  draws 45 km discs as if they were world-sized.
* Per-feature colours of a ``GeoJsonLayer`` are read with the accessor ``"properties.fill"``
  (a string, which pydeck turns into ``"@@=properties.fill"``); the colour arrays must be
  plain ``[r, g, b, a]`` lists of ints in every feature's ``properties``.

Views are fitted in Web Mercator with deck.gl's 512 px tile convention (:func:`view_for`).
"""

from __future__ import annotations

import json
import math
from collections.abc import Mapping, Sequence
from typing import Any

import pydeck as pdk
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
    [31, 119, 180], [255, 127, 14], [44, 160, 44], [214, 39, 40], [148, 103, 189],
    [140, 86, 75], [227, 119, 194], [127, 127, 127], [188, 189, 34], [23, 190, 207],
]


def literal(value: str) -> str:
    """A string prop pydeck must pass through as a string, not as an accessor expression."""
    return f"'{value}'"


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
    return [int(round(a[i] + t * (b[i] - a[i]))) for i in range(3)] + [alpha]


def share_tiles_layer(geojson: Mapping[str, Any], shares: Mapping[str, float | None] | None = None,
                      *, focus: Sequence[str] = (), layer_id: str = "counties",
                      label: str = "served share", key: str = "county_code") -> pdk.Layer:
    """Polygons (counties, or kommuner) filled by the share of their county (red low, green high).

    A feature whose ``key`` (``county_code``, or ``kommun_code`` for kommun shares) has a
    share gets :func:`share_colour`; one whose county is in ``focus`` (the
    scenario's counties) without a share is grey "no data"; the rest of Sweden is plain land.
    Each feature carries its own ``fill`` (read with the accessor ``properties.fill``) and the
    tooltip fields ``name`` and ``detail``. Fill only: draw it over :func:`borders_layer` with
    polygons shrunk by a gap (:func:`dashboard.services.tiles_geojson`) and the gaps are borders.
    """
    shares = shares or {}
    features = []
    for feature in geojson["features"]:
        props = dict(feature["properties"])
        code = props[key]
        value = shares.get(code)
        county = props.get("county_name", code)
        where = "" if "county_name" in props else f" in {county}"
        if code in shares:
            props["fill"] = share_colour(value)
            props["detail"] = f"{label}{where}: " + ("no data" if value is None else f"{100 * value:.1f} %")
        elif props["county_code"] in focus:
            props["fill"] = list(NO_DATA)
            props["detail"] = f"{label}{where}: no data"
        else:
            props["fill"] = list(OUTSIDE)
            props["detail"] = "not in this plan"
        props["name"] = props.get("kommun_name", county)
        features.append({"type": "Feature", "geometry": feature["geometry"], "properties": props})
    return pdk.Layer(
        "GeoJsonLayer", {"type": "FeatureCollection", "features": features}, id=layer_id,
        stroked=False, filled=True, get_fill_color="properties.fill", pickable=True,
        auto_highlight=True, highlight_color=[0, 0, 0, 40],
    )


def borders_layer(geojson: Mapping[str, Any], *, layer_id: str = "borders",
                  colour_: Sequence[int] = BORDER) -> pdk.Layer:
    """The full polygons in the border colour, under the shrunk tiles (fill shader only)."""
    return pdk.Layer("GeoJsonLayer", geojson, id=layer_id, stroked=False, filled=True,
                     get_fill_color=list(colour_), pickable=False)


def base_layer(geojson: Mapping[str, Any], *, layer_id: str = "base", fill: Sequence[int] = LAND,
               line: Sequence[int] = BORDER, line_width_px: float = 1.0, filled: bool = True,
               stroked: bool = True, pickable: bool = False) -> pdk.Layer:
    """Polygons in one flat colour (``stroked=False``: fill only, e.g. over :func:`borders_layer`)."""
    return pdk.Layer(
        "GeoJsonLayer", geojson, id=layer_id, stroked=stroked, filled=filled, get_fill_color=list(fill),
        get_line_color=list(line), line_width_units=literal("pixels"), get_line_width=line_width_px,
        line_width_min_pixels=line_width_px, pickable=pickable,
    )


def points_layer(data: Any, *, layer_id: str, radius_px: float = 7, colour_column: str = "colour",
                 pickable: bool = True) -> pdk.Layer:
    """Dots of ``radius_px`` screen pixels at ``lon``/``lat`` of each row, with a white rim."""
    return pdk.Layer(
        "ScatterplotLayer", data, id=layer_id, get_position=["lon", "lat"],
        get_fill_color=colour_column, get_line_color=[255, 255, 255, 255], stroked=True, filled=True,
        radius_units=literal("pixels"), get_radius=radius_px, line_width_units=literal("pixels"),
        get_line_width=2, pickable=pickable,
    )


def reach_layer(data: Any, radius_m: float, *, layer_id: str = "reach",
                line_column: str = "reach_colour") -> pdk.Layer:
    """Thin translucent circles of ``radius_m`` metres (ground distance) around each row."""
    return pdk.Layer(
        "ScatterplotLayer", data, id=layer_id, get_position=["lon", "lat"],
        get_line_color=line_column, stroked=True, filled=False, radius_units=literal("meters"),
        get_radius=radius_m, line_width_units=literal("pixels"), get_line_width=1.5,
        pickable=False,
    )


def labels_layer(data: Any, *, layer_id: str, text_column: str = "label", size: int = 13,
                 offset_px: Sequence[int] = (0, -10)) -> pdk.Layer:
    """Text with a white halo above ``lon``/``lat`` (unit names, stop order).

    The halo is the SDF outline of the glyphs, not ``background=True``: a background adds a
    second shader program, which costs ~0.4 s per page load with software WebGL.
    """
    return pdk.Layer(
        "TextLayer", data, id=layer_id, get_position=["lon", "lat"], get_text=text_column,
        get_size=size, size_units=literal("pixels"), get_color=[20, 20, 20, 255],
        get_text_anchor=literal("middle"), get_alignment_baseline=literal("bottom"),
        get_pixel_offset=list(offset_px), character_set=literal("auto"),
        font_family=literal("sans-serif"), font_weight=600,
        font_settings={"sdf": True, "fontSize": 32, "buffer": 6}, outline_width=3,
        outline_color=[255, 255, 255, 235], pickable=False,
    )


def paths_layer(data: Any, *, layer_id: str = "routes") -> pdk.Layer:
    """Routes as polylines: rows with ``path`` ([[lon, lat], ...]) and ``colour``."""
    return pdk.Layer(
        "PathLayer", data, id=layer_id, get_path="path", get_color="colour",
        width_units=literal("pixels"), get_width=3, pickable=True, joint_rounded=True, cap_rounded=True,
    )


class _Deck(pdk.Deck):
    """A Deck serialised compactly (pydeck indents its JSON: a map's coordinates triple in size)."""

    def to_json(self) -> str:  # noqa: D102 - same contract as pydeck's
        return json.dumps(self, sort_keys=True, default=default_serialize, separators=(",", ":"))


class PrebuiltDeck(pdk.Deck):
    """A Deck whose JSON was made earlier (e.g. cached with ``st.cache_data``) and is sent as is."""

    def __init__(self, spec_json: str, *, tooltip: dict[str, Any] | bool = True) -> None:
        super().__init__(layers=[], map_provider=None, tooltip=tooltip)
        self._spec_json = spec_json

    def to_json(self) -> str:  # noqa: D102
        return self._spec_json


def deck(layers: Sequence[pdk.Layer], *, view: pdk.ViewState | None = None,
         tooltip: dict[str, Any] | bool = True, height: int = MAP_HEIGHT_PX) -> pdk.Deck:
    """A Deck with no base map (see the module docstring) over Sweden by default."""
    return _Deck(
        layers=list(layers), initial_view_state=view or sweden_view(), map_provider=None,
        tooltip=tooltip, height=height,
    )


def _mercator_y(lat: float) -> float:
    """Web-Mercator y in radians of a latitude (clamped to the projection's range)."""
    lat = max(-85.05, min(85.05, lat))
    return math.log(math.tan(math.pi / 4 + math.radians(lat) / 2))


def _inverse_mercator_y(y: float) -> float:
    return math.degrees(2 * math.atan(math.exp(y)) - math.pi / 2)


def view_for(lons: Sequence[float], lats: Sequence[float], *, fallback: pdk.ViewState | None = None,
             width_px: int = MAP_WIDTH_PX, height_px: int = MAP_HEIGHT_PX, padding: float = 0.06,
             max_zoom: float = 10.0) -> pdk.ViewState:
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
    zoom = min(math.log2(width_px * usable * 2 * math.pi / (512 * span_x)),
               math.log2(height_px * usable * 2 * math.pi / (512 * span_y)))
    return pdk.ViewState(latitude=round(_inverse_mercator_y((y_min + y_max) / 2), 5),
                         longitude=round((lon_min + lon_max) / 2, 5),
                         zoom=round(max(0.0, min(max_zoom, zoom)), 3), pitch=0, bearing=0)


def sweden_view(*, width_px: int = MAP_WIDTH_PX, height_px: int = MAP_HEIGHT_PX) -> pdk.ViewState:
    """All of Sweden."""
    x0, y0, x1, y1 = SWEDEN_BOUNDS
    return view_for([x0, x1], [y0, y1], width_px=width_px, height_px=height_px)


def fits(view: Mapping[str, float], lons: Sequence[float], lats: Sequence[float], *,
         width_px: int = MAP_WIDTH_PX, height_px: int = MAP_HEIGHT_PX) -> tuple[float, float]:
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
    scale = 512 * 2 ** view.zoom / (2 * math.pi)  # pixels per radian
    named = view.zoom >= NAMED_LABELS_ZOOM
    by_site: dict[str, dict[str, Any]] = {}
    for row in sites.sort_values("unit").itertuples():
        entry = by_site.setdefault(str(row.site_id), {"name": str(row.site_name), "lon": float(row.lon),
                                                      "lat": float(row.lat), "units": []})
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
        labels.append({"lon": round(sum(m["lon"] for m in group) / len(group), 5),
                       "lat": round(sum(m["lat"] for m in group) / len(group), 5), "label": text})
    return labels


def placement_map(sites: Any, shares: Mapping[str, float | None], focus: Sequence[str],
                  radius_m: float, kommun_shares: Mapping[str, float | None] | None = None,
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
    return (_placement_map(frame, dict(shares), tuple(sorted(focus)), float(radius_m),
                           dict(kommun_shares or {})), PLACEMENT_TOOLTIP)


PLACEMENT_TOOLTIP = {"html": "<b>{name}</b><br/>{detail}", "style": {"fontSize": "12px"}}
REGIONAL_COUNTIES = 4  # up to this many counties in focus: kommun borders are drawn too
COUNTY_GAP_PX = 1.4
KOMMUN_GAP_PX = 0.9


@st.cache_data(show_spinner=False, max_entries=256)
def _placement_map(sites: Any, shares: dict[str, float | None], focus: tuple[str, ...],
                   radius_m: float, kommun_shares: dict[str, float | None] | None = None) -> str:
    from dashboard import services

    all_codes = set(services.county_names())
    regional = 0 < len(focus) < len(all_codes)
    view = view_for(*services.county_bounds(list(focus))) if regional else sweden_view()
    kommuner = regional and len(focus) <= REGIONAL_COUNTIES
    layers = [
        borders_layer(services.tiles_geojson("county", view.zoom)),
        share_tiles_layer(
            services.tiles_geojson("county", view.zoom, gap_px=COUNTY_GAP_PX,
                                   counties=sorted(all_codes - set(focus)) if kommuner else None),
            shares, focus=focus if regional else (), layer_id="counties"),
    ]
    if kommun_shares:  # kommuner coloured by their own served share (a choropleth per kommun)
        in_plan = sorted({k[:2] for k in kommun_shares} | set(focus))
        layers.append(share_tiles_layer(
            services.tiles_geojson("kommun", view.zoom, counties=in_plan, gap_px=KOMMUN_GAP_PX),
            kommun_shares, focus=focus, layer_id="kommuner", key="kommun_code"))
    elif kommuner:  # older plans without kommun shares: kommuner coloured by county share
        layers.append(share_tiles_layer(
            services.tiles_geojson("kommun", view.zoom, counties=focus, gap_px=KOMMUN_GAP_PX),
            shares, focus=focus, layer_id="kommuner"))
    rows = []
    for row in sites.sort_values("unit").itertuples():
        rows.append({
            "lon": round(float(row.lon), 5), "lat": round(float(row.lat), 5), "unit": int(row.unit),
            "colour": colour(int(row.unit) - 1), "reach_colour": colour(int(row.unit) - 1, 170),
            "name": f"Unit {int(row.unit)} · {row.site_name}",
            "detail": f"{row.county_name}; {float(row.expected_patients):.0f} expected patients this week",
        })
    layers += [
        reach_layer(rows, radius_m),
        points_layer(rows, layer_id="sites", radius_px=6),
        labels_layer(site_labels(sites, view), layer_id="unit_labels", size=13),
    ]
    return deck(layers, view=view, tooltip=PLACEMENT_TOOLTIP).to_json()


def share_legend_html(label: str = "Served share by county") -> str:
    """A small colour bar for :func:`share_colour` (HTML for ``st.html``)."""
    stops = ", ".join(f"rgb({r},{g},{b}) {p}%" for p in (0, 25, 50, 75, 100)
                      for r, g, b, _ in [share_colour(p / 100)])
    grey = "rgb({},{},{})".format(*NO_DATA[:3])
    return (
        '<div style="display:flex;align-items:center;gap:.6rem;font-size:.8rem;color:#555">'
        f"<span>{label}</span><span>0 %</span>"
        f'<span style="display:inline-block;width:180px;height:10px;background:linear-gradient(90deg, {stops});'
        'border:1px solid #999"></span><span>100 %</span>'
        f'<span style="display:inline-block;width:12px;height:10px;background:{grey};border:1px solid #999">'
        "</span><span>no data</span></div>"
    )
