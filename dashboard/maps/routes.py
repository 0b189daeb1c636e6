"""The spirometer courier map: one day's routes as bands through their stops, in visiting order."""

from __future__ import annotations

from typing import Any

import pandas as pd
import pydeck as pdk

from dashboard import services
from dashboard.maps.layers import COUNTY_GAP_PX, borders_layer, deck, land_layer
from dashboard.maps.marks import PixelFrame, dots_layer, routes_layer, spread_labels, text_layer
from dashboard.maps.style import TOOLTIP, colour
from dashboard.maps.view import counties_in, view_box, view_for

#: The courier map is lower than the mobile clinics map: a day's routes span a region.
ROUTE_MAP_HEIGHT_PX = 560


def route_map(stops: pd.DataFrame) -> pdk.Deck:
    """The day's routes over the land of the counties near them, framed with 10 % padding.

    ``stops``: the day's located stops sorted by route and visiting order, with ``route_id``,
    ``seq``, ``kind`` (``start``/``end`` at the hub), ``place`` (a name), ``lon`` and ``lat``,
    and optionally ``route`` (its name for people; the id otherwise). Each route is a band in
    its own colour, each stop a dot, each place one label, set apart from its neighbours'
    (:func:`~dashboard.maps.marks.spread_labels`) so close stops' numbers do not overlap.
    """
    if "route" not in stops:
        stops = stops.assign(route=stops["route_id"].astype(str))
    route_ids = sorted(stops["route_id"].unique())
    colour_of = {r: colour(i) for i, r in enumerate(route_ids)}
    stops = stops.assign(colour=stops["route_id"].map(colour_of))
    view = view_for(
        list(stops["lon"]), list(stops["lat"]), height_px=ROUTE_MAP_HEIGHT_PX, padding=0.1
    )
    frame = PixelFrame(view)
    paths = []
    for r in route_ids:
        route = stops[stops["route_id"] == r]
        paths.append(
            {
                "path": route[["lon", "lat"]].values.tolist(),
                "colour": colour_of[r],
                "name": str(route["route"].iloc[0]),
                "detail": f"{len(route)} stops",
                "route_id": str(r),
            }
        )
    stop_rows = [
        {
            "lon": float(s.lon),
            "lat": float(s.lat),
            "colour": s.colour,
            "route_id": str(s.route_id),
            "seq": int(s.seq),
            "name": f"{s.route}, stop {int(s.seq)}: {s.place}",
            "detail": str(s.kind),
        }
        for s in stops.itertuples()
    ]
    layers = [
        *_land_near(view),
        routes_layer(paths, frame),
        dots_layer(stop_rows, frame, layer_id="stops", radius_px=5),
        text_layer(
            spread_labels(_place_labels(stops), frame, marks_px=7), frame, layer_id="stop_order"
        ),
    ]
    return deck(layers, view=view, height=ROUTE_MAP_HEIGHT_PX, tooltip=TOOLTIP)


def _place_labels(stops: pd.DataFrame) -> list[dict[str, Any]]:
    """One label per place: "Nyköping hub" where a route starts and ends, "2 · 5" where a route
    passes twice, not two numbers drawn over each other."""
    texts = stops.assign(
        text=[
            f"{p} hub" if k in ("start", "end") else str(q)
            for p, k, q in zip(stops["place"], stops["kind"], stops["seq"], strict=True)
        ]
    )
    labels = texts.groupby(["lon", "lat"], as_index=False).agg(
        label=("text", lambda t: " · ".join(dict.fromkeys(t))), name=("place", "first")
    )
    records: list[dict[str, Any]] = labels.to_dict("records")
    return records


def _land_near(view: pdk.ViewState) -> list[pdk.Layer]:
    """Borders and land of the counties near the view only (a day's routes span a region; the
    whole coastline at this zoom would be most of the map's data)."""
    near = counties_in(
        view_box(view, height_px=ROUTE_MAP_HEIGHT_PX, margin=0.5),
        {c: services.county_bounds([c]) for c in services.county_names()},
    )
    return [
        borders_layer(services.tiles_geojson("county", view.zoom, counties=near)),
        land_layer(
            services.tiles_geojson("county", view.zoom, counties=near, gap_px=COUNTY_GAP_PX)
        ),
    ]
