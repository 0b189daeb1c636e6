"""The one deck.gl layer every map is made of, the tile layers built from it, and the Deck.

Every layer of every map is the same deck.gl layer: a fill-only ``GeoJsonLayer`` of polygons,
each feature with its own colour (``properties.fill``) and tooltip fields ``name`` and
``detail`` (:func:`polygons_layer`). That is for page-load time. Headless Chromium draws WebGL
in software (SwiftShader), where deck.gl's first frame is one long task and each shader program
costs ~0.3-0.45 s to compile, as does each further GPU pipeline state (layers whose colours
are constants rather than per-feature, or that are not pickable, get their own). The first
version used polygons, scatterplot dots and reach circles, and text: three programs, ~1.1 s
more per page load (measured, see ``benchmarks/README.md``).

The base is Sweden's county (and kommun) polygons from ``data/geo/`` (served by
:func:`dashboard.services.tiles_geojson`), filled by a plan's served share; borders are gaps:
the polygons, shrunk by about a pixel at the map's zoom, are drawn over the full polygons in a
border colour (:func:`borders_layer`, :data:`COUNTY_GAP_PX`).

``Deck`` is built with ``map_provider=None`` and pydeck's default style sentinel: Streamlit's
frontend then drops the base map entirely. (``map_style=None`` alone is NOT enough: Streamlit
reads a missing style as "pick a Carto base map for the theme" and the browser would fetch
tiles from the internet.) pydeck turns every *string* keyword into a deck.gl accessor
expression (``"properties.fill"`` becomes ``"@@=properties.fill"``, which is what the colour
accessor needs; an enum-like prop such as a unit name would have to be quoted, ``"'meters'"``,
or deck.gl receives a function: the first version drew 45 km discs world-sized that way).
Colour arrays must be plain ``[r, g, b, a]`` lists of ints.
"""

from __future__ import annotations

import json
from collections.abc import Collection, Mapping, Sequence
from typing import Any

import pydeck as pdk
from pydeck.bindings.json_tools import default_serialize

from dashboard import services
from dashboard.maps.style import (
    BORDER,
    LAND,
    NO_DATA,
    NOT_PLANNED,
    NOT_PLANNED_TEXT,
    share_colour,
)
from dashboard.maps.view import MAP_HEIGHT_PX, sweden_view

#: Border widths, in pixels of the map's first view: the gap between shrunk tiles.
COUNTY_GAP_PX = 1.4
KOMMUN_GAP_PX = 0.9


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
    planned: Collection[str] | None = None,
) -> pdk.Layer:
    """Polygons (counties, or kommuner) filled by their share (:func:`share_colour`).

    A feature whose ``key`` (``county_code``, or ``kommun_code`` for kommun shares) has a
    share gets :func:`share_colour`, unless ``planned`` (the codes with demand left to the
    units) is given and lacks it: then, like every feature outside ``focus`` (the scenario's
    counties), it is the neutral :data:`NOT_PLANNED` grey, "not planned" in its tooltip, not a
    0 % or 100 % that was never planned. One in ``focus`` without a share is "no data".
    Each feature keeps only its codes and carries its own ``fill`` and the tooltip fields
    ``name`` (county or kommun) and ``detail`` (the share in Swedish format; for a kommun also
    its county, named by ``county_names``). Draw it over :func:`borders_layer` with polygons
    shrunk by a gap (:func:`dashboard.services.tiles_geojson`) and the gaps are borders.
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
        if planned is not None and code not in planned and (code in shares or county in focus):
            props["fill"] = list(NOT_PLANNED)
            props["detail"] = NOT_PLANNED_TEXT + where
        elif code in shares:
            props["fill"] = share_colour(value)
            props["detail"] = f"{label}: " + services.format_share(value) + where
        elif county in focus:
            props["fill"] = list(NO_DATA)
            props["detail"] = f"{label}: no data{where}"
        else:
            props["fill"] = list(NOT_PLANNED)
            props["detail"] = "not planned (outside the plan's counties)"
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
