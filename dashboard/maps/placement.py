"""The mobile clinics map: share-coloured tiles, each unit's site, reach and label.

Built once per plan, week and county selection and cached as deck JSON
(:class:`dashboard.maps.layers.PrebuiltDeck` sends it as is).
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from typing import Any

import pandas as pd
import pydeck as pdk
import streamlit as st

from dashboard import services
from dashboard.maps.layers import (
    COUNTY_GAP_PX,
    KOMMUN_GAP_PX,
    borders_layer,
    deck,
    share_tiles_layer,
)
from dashboard.maps.marks import PixelFrame, dots_layer, reach_layer, text_layer
from dashboard.maps.style import TOOLTIP, colour
from dashboard.maps.view import sweden_view, view_for
from dashboard.mercator import mercator_y, px_per_radian

#: From this zoom on, labels name the site ("Unit 1 · Linköping"); below, unit numbers only.
NAMED_LABELS_ZOOM = 6.0
#: Up to this many counties in focus, kommun borders are drawn too.
REGIONAL_COUNTIES = 4


def _units_text(units: Sequence[int]) -> str:
    """``[4, 5, 6, 7]`` -> ``4-7``; ``[1, 10]`` -> ``1, 10``."""
    units = sorted(set(units))
    if len(units) > 2 and units == list(range(units[0], units[-1] + 1)):
        return f"{units[0]}-{units[-1]}"
    return ", ".join(map(str, units))


def site_labels(
    sites: pd.DataFrame, view: pdk.ViewState, *, merge_px: float = 16
) -> list[dict[str, Any]]:
    """Labels of the week's sites that do not overlap at the view's zoom.

    Regional maps: one label per site, ``Unit 1 · Linköping`` (``Units 4-7 · Kristinehamn`` where
    units share a site). National maps: unit numbers only, and sites closer than ``merge_px``
    screen pixels share one label at their mean position (Stockholm's ``1, 10``).
    """
    scale = px_per_radian(view.zoom)
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
        x, y = math.radians(entry["lon"]) * scale, mercator_y(entry["lat"]) * scale
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
    sites: pd.DataFrame,
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
        TOOLTIP,
    )


@st.cache_data(show_spinner=False, max_entries=256)
def _placement_map(
    sites: pd.DataFrame,
    shares: dict[str, float | None],
    focus: tuple[str, ...],
    radius_m: float,
    kommun_shares: dict[str, float | None],
) -> str:
    """The map's deck JSON: tiles coloured by share, then reach rings, site dots and labels."""
    regional = 0 < len(focus) < len(services.county_names())
    view = view_for(*services.county_bounds(list(focus))) if regional else sweden_view()
    layers = _share_tiles(view, shares, focus, regional, kommun_shares)
    rows = _site_rows(sites)
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
    return deck(layers, view=view, tooltip=TOOLTIP).to_json()


def _share_tiles(
    view: pdk.ViewState,
    shares: dict[str, float | None],
    focus: tuple[str, ...],
    regional: bool,
    kommun_shares: dict[str, float | None],
) -> list[pdk.Layer]:
    """Borders, county tiles by county share and, when drawn, kommun tiles over them.

    Kommuner are drawn when the plan stores their own served shares (a choropleth per kommun)
    or, for older plans, on regional maps of up to :data:`REGIONAL_COUNTIES` counties
    (coloured by their county's share). County tiles lie under the kommun tiles: the gaps
    between kommuner show their county's colour, so county borders (grey) stand out from
    kommun borders.
    """
    all_codes = set(services.county_names())
    kommuner = regional and len(focus) <= REGIONAL_COUNTIES
    names = services.county_names()
    if kommun_shares:
        in_plan = sorted({k[:2] for k in kommun_shares} | set(focus))
        kommun_tiles = share_tiles_layer(
            services.tiles_geojson("kommun", view.zoom, counties=in_plan, gap_px=KOMMUN_GAP_PX),
            kommun_shares,
            focus=focus,
            layer_id="kommuner",
            key="kommun_code",
            county_names=names,
        )
    elif kommuner:
        kommun_tiles = share_tiles_layer(
            services.tiles_geojson("kommun", view.zoom, counties=focus, gap_px=KOMMUN_GAP_PX),
            shares,
            focus=focus,
            layer_id="kommuner",
            county_names=names,
        )
    else:
        kommun_tiles = None
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
    return layers


def _site_rows(sites: pd.DataFrame) -> list[dict[str, Any]]:
    """One row per unit (in unit order): position, colours and tooltip of its site."""
    rows = []
    for row in sites.sort_values("unit").itertuples():
        unit = int(row.unit)
        rows.append(
            {
                "lon": round(float(row.lon), 5),
                "lat": round(float(row.lat), 5),
                "unit": unit,
                "colour": colour(unit - 1),
                "reach_colour": colour(unit - 1, 170),
                "name": f"Unit {unit} · {row.site_name}",
                "detail": f"{row.county_name}; {float(row.expected_patients):.0f} expected patients this week",
            }
        )
    return rows
