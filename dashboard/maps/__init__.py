"""pydeck maps that draw Sweden from our own polygons: no tile server, no internet.

Every layer of every map is one deck.gl layer type, fill-only polygons with per-feature
colours, because each further shader program costs ~0.4 s of page load in software WebGL (see
:mod:`~dashboard.maps.layers`). One module per job:

* :mod:`~dashboard.maps.style`: colours, the share colour scale and legend, tooltip, sources;
* :mod:`~dashboard.maps.view`: Web-Mercator views that frame points, what a view shows;
* :mod:`~dashboard.maps.layers`: the one polygon layer, share-coloured and flat tile layers,
  the Deck without a base map;
* :mod:`~dashboard.maps.marks`: dots, reach rings, routes and text shaped in pixels
  (:class:`PixelFrame`) and sent as polygons;
* :mod:`~dashboard.maps.placement`: the mobile clinics map (cached as deck JSON);
* :mod:`~dashboard.maps.routes`: the spirometer courier map of one day's routes.

Map data (tiles, county names and boxes) comes from :mod:`dashboard.services`.
"""

from dashboard.maps.layers import (
    COUNTY_GAP_PX,
    KOMMUN_GAP_PX,
    PrebuiltDeck,
    borders_layer,
    deck,
    flat_layer,
    land_layer,
    polygons_layer,
    share_tiles_layer,
)
from dashboard.maps.marks import (
    PixelFrame,
    dots_layer,
    reach_layer,
    routes_layer,
    spread_labels,
    text_layer,
)
from dashboard.maps.placement import MAX_DEMAND_POINTS, placement_map, site_labels
from dashboard.maps.routes import ROUTE_MAP_HEIGHT_PX, route_map
from dashboard.maps.style import (
    RIM_COLOUR,
    SOURCES,
    TOOLTIP,
    colour,
    share_colour,
    share_legend_html,
)
from dashboard.maps.view import (
    MAP_HEIGHT_PX,
    MAP_WIDTH_PX,
    SWEDEN_BOUNDS,
    counties_in,
    fits,
    sweden_view,
    view_box,
    view_for,
)

__all__ = [
    "COUNTY_GAP_PX",
    "KOMMUN_GAP_PX",
    "MAP_HEIGHT_PX",
    "MAP_WIDTH_PX",
    "MAX_DEMAND_POINTS",
    "RIM_COLOUR",
    "ROUTE_MAP_HEIGHT_PX",
    "SOURCES",
    "SWEDEN_BOUNDS",
    "TOOLTIP",
    "PixelFrame",
    "PrebuiltDeck",
    "borders_layer",
    "colour",
    "counties_in",
    "deck",
    "dots_layer",
    "fits",
    "flat_layer",
    "land_layer",
    "placement_map",
    "polygons_layer",
    "reach_layer",
    "route_map",
    "routes_layer",
    "share_colour",
    "share_legend_html",
    "share_tiles_layer",
    "site_labels",
    "spread_labels",
    "sweden_view",
    "text_layer",
    "view_box",
    "view_for",
]
