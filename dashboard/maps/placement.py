"""The mobile clinics map: share-coloured tiles, each unit's site, reach and label.

Built once per plan, week and county selection and cached as deck JSON
(:class:`dashboard.maps.layers.PrebuiltDeck` sends it as is).
"""

from __future__ import annotations

import math
from collections.abc import Collection, Mapping, Sequence
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
from dashboard.maps.marks import PixelFrame, dots_layer, reach_layer, spread_labels, text_layer
from dashboard.maps.style import TOOLTIP, colour
from dashboard.maps.view import sweden_view, view_for

#: Up to this many counties in focus, kommun borders are drawn too.
REGIONAL_COUNTIES = 4
#: The demand layer draws at most this many localities (the largest of the week): the
#: national demo has ~2,800 demand points, and each is a polygon the page ships.
MAX_DEMAND_POINTS = 400
#: The largest demand disc's radius in pixels of the first view (area grows with patients).
DEMAND_RADIUS_PX = 11.0
DEMAND_COLOUR = [25, 25, 25, 110]


def _units_text(units: Sequence[int]) -> str:
    """``[4, 5, 6, 7]`` -> ``4-7``; ``[1, 10]`` -> ``1, 10``."""
    units = sorted(set(units))
    if len(units) > 2 and units == list(range(units[0], units[-1] + 1)):
        return f"{units[0]}-{units[-1]}"
    return ", ".join(map(str, units))


def site_labels(sites: pd.DataFrame) -> list[dict[str, Any]]:
    """One label per site of the week, in unit order: its name and the units standing there
    (``Eskilstuna: units 2, 6``; ``Linköping: unit 1``).

    Every zoom shows the names; :func:`dashboard.maps.marks.spread_labels` then places the
    labels so that close sites' labels do not overlap.
    """
    by_site: dict[str, dict[str, Any]] = {}
    for row in sites.sort_values("unit").itertuples():
        entry = by_site.setdefault(
            str(row.site_id),
            {"name": str(row.site_name), "lon": float(row.lon), "lat": float(row.lat), "units": []},
        )
        entry["units"].append(int(row.unit))
    labels = []
    for entry in by_site.values():
        word = "unit" if len(entry["units"]) == 1 else "units"
        labels.append(
            {
                "lon": round(entry["lon"], 5),
                "lat": round(entry["lat"], 5),
                "label": f"{entry['name']}: {word} {_units_text(entry['units'])}",
            }
        )
    return labels


def demand_rows(demand: pd.DataFrame, kommun_names: Mapping[str, str]) -> list[dict[str, Any]]:
    """The week's demand points as dots (largest first, at most :data:`MAX_DEMAND_POINTS`):
    area proportional to expected patients, the place and its patients in the tooltip."""
    week = demand.sort_values(["patients", "locality_id"], ascending=[False, True]).head(
        MAX_DEMAND_POINTS
    )
    if week.empty:
        return []
    top = float(week["patients"].max())
    return [
        {
            "lon": round(float(r.lon), 5),
            "lat": round(float(r.lat), 5),
            "colour": DEMAND_COLOUR,
            "radius_px": round(max(1.5, DEMAND_RADIUS_PX * math.sqrt(float(r.patients) / top)), 2),
            "locality_id": str(r.locality_id),
            "patients": round(float(r.patients), 3),
            "name": str(r.name),
            "detail": f"{services.number(float(r.patients), 1)} expected patients in {r.week}, "
            f"left to the units ({kommun_names.get(str(r.kommun_code), r.kommun_code)})",
        }
        for r in week.itertuples()
    ]


def placement_map(
    sites: pd.DataFrame,
    shares: Mapping[str, float | None],
    focus: Sequence[str],
    radius_m: float,
    kommun_shares: Mapping[str, float | None] | None = None,
    *,
    demand: pd.DataFrame | None = None,
    planned: Collection[str] | None = None,
) -> tuple[str, dict[str, Any]]:
    """The mobile clinics map as deck JSON (cached) and its tooltip.

    ``sites``: the week's rows with ``unit``, ``site_id``, ``site_name``, ``county_name``,
    ``lon``, ``lat``, ``expected_patients``; ``shares``: served share by county code;
    ``kommun_shares``: served share by kommun code (when stored, the map colours kommuner);
    ``focus``: the counties to frame (the scenario's, within the user's access); all 21
    frame Sweden. ``demand``: the week's demand per locality
    (:func:`dashboard.services.unit_demand`), drawn as a layer when given; ``planned``: the
    county and kommun codes with demand left to the units (the rest are grey "not planned").
    """
    columns = ["unit", "site_id", "site_name", "county_name", "lon", "lat", "expected_patients"]
    frame = sites[columns].reset_index(drop=True)
    return (
        _placement_map(
            frame,
            dict(shares),
            tuple(sorted(focus)),
            float(radius_m),
            dict(kommun_shares or {}),
            None if demand is None else demand.reset_index(drop=True),
            None if planned is None else tuple(sorted(planned)),
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
    demand: pd.DataFrame | None,
    planned: tuple[str, ...] | None,
) -> str:
    """The map's deck JSON: tiles coloured by share, the week's demand, then reach rings, site
    dots and labels."""
    regional = 0 < len(focus) < len(services.county_names())
    view = view_for(*services.county_bounds(list(focus))) if regional else sweden_view()
    layers = _share_tiles(view, shares, focus, regional, kommun_shares, planned)
    rows = _site_rows(sites)
    frame = PixelFrame(view)
    if demand is not None:
        layers.append(
            dots_layer(
                demand_rows(demand, services.kommun_names()),
                frame,
                layer_id="demand",
                rim_px=1,
            )
        )
    layers += [
        reach_layer(rows, frame, radius_m),
        dots_layer(
            [{k: r[k] for k in ("lon", "lat", "unit", "colour", "name", "detail")} for r in rows],
            frame,
            layer_id="sites",
            radius_px=6,
        ),
        text_layer(
            spread_labels(site_labels(sites), frame, marks_px=8), frame, layer_id="unit_labels"
        ),
    ]
    return deck(layers, view=view, tooltip=TOOLTIP).to_json()


def _share_tiles(
    view: pdk.ViewState,
    shares: dict[str, float | None],
    focus: tuple[str, ...],
    regional: bool,
    kommun_shares: dict[str, float | None],
    planned: tuple[str, ...] | None = None,
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
            planned=planned,
        )
    elif kommuner:
        kommun_tiles = share_tiles_layer(
            services.tiles_geojson("kommun", view.zoom, counties=focus, gap_px=KOMMUN_GAP_PX),
            shares,
            focus=focus,
            layer_id="kommuner",
            county_names=names,
            planned=planned,
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
            planned=planned,
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
                "detail": f"{row.county_name}; "
                f"{services.number(float(row.expected_patients))} expected patients this week",
            }
        )
    return rows
