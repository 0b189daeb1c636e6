"""Web-Mercator arithmetic in deck.gl's convention: the world is 512 px wide at zoom 0.

Shared by the map tiles (:mod:`dashboard.services.geography` simplifies polygons to a pixel at
a zoom) and the maps (:mod:`dashboard.maps` fits views and shapes marks in pixels). Pure
functions of numbers; no dashboard or library imports.
"""

from __future__ import annotations

import math

#: deck.gl's (and Web Mercator's) earth radius in metres.
EARTH_RADIUS_M = 6_378_137.0
#: Width of deck.gl's world in pixels at zoom 0.
WORLD_PX = 512


def px_per_radian(zoom: float) -> float:
    """Screen pixels per radian of longitude (and of Mercator y) at ``zoom``."""
    return WORLD_PX * 2**zoom / (2 * math.pi)


def metres_per_px(zoom: float) -> float:
    """Web-Mercator metres (EPSG:3857 units) per screen pixel at ``zoom``."""
    return 2 * math.pi * EARTH_RADIUS_M / WORLD_PX / 2**zoom


def mercator_y(lat: float) -> float:
    """Web-Mercator y in radians of a latitude (clamped to the projection's range)."""
    lat = max(-85.05, min(85.05, lat))
    return math.log(math.tan(math.pi / 4 + math.radians(lat) / 2))


def inverse_mercator_y(y: float) -> float:
    """The latitude of a Web-Mercator y in radians."""
    return math.degrees(2 * math.atan(math.exp(y)) - math.pi / 2)
