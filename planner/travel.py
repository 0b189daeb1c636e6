"""Travel times in Sweden: the planner's adapter to the proxy road network in ``routing``.

The network's places are the built localities (``data/geo/localities.parquet``, node id =
``str(locality_id)``), its land is the union of the county polygons, and Gotland is reached only
by the two Destination Gotland ferries (domain.md: Nynäshamn/Oskarshamn - Visby, about 3 h 15 min).
Planners should depend on :func:`matrix_source` (a :class:`routing.matrix.MatrixSource`), so a
real routing engine's table can replace the proxy network later without touching them.
"""

from __future__ import annotations

import functools
from dataclasses import dataclass
from pathlib import Path

import pandas as pd
import shapely
from shapely.geometry.base import BaseGeometry

from planner import geo
from planner.paths import cache_dir, geo_dir
from routing.matrix import MatrixSource, NetworkMatrixSource
from routing.network import (
    FerryLink,
    NetworkParams,
    Place,
    TravelNetwork,
    build_network,
    haversine_km,
)

GOTLAND_COUNTY = "09"
GOTLAND_SAILING_MINUTES = 195.0  # domain.md: "about 3 h 15 min" for both routes


@dataclass(frozen=True)
class FerryRoute:
    """A ferry given by its two ports: (name, county code, lon, lat) of each port."""

    name: str
    port_a: tuple[str, str, float, float]
    port_b: tuple[str, str, float, float]
    minutes: float


# Port coordinates are the ferry terminals (read off OpenStreetMap); each port is snapped to the
# nearest locality of its county, which is the town of the same name.
GOTLAND_FERRIES: tuple[FerryRoute, ...] = (
    FerryRoute(
        "Nynäshamn-Visby",
        ("Nynäshamn", "01", 17.955, 58.900),
        ("Visby", GOTLAND_COUNTY, 18.284, 57.642),
        GOTLAND_SAILING_MINUTES,
    ),
    FerryRoute(
        "Oskarshamn-Visby",
        ("Oskarshamn", "08", 16.458, 57.264),
        ("Visby", GOTLAND_COUNTY, 18.284, 57.642),
        GOTLAND_SAILING_MINUTES,
    ),
)

SWEDEN_PARAMS = NetworkParams()
"""The network parameters used for Sweden (the documented defaults of ``NetworkParams``)."""


def _nearest_locality(localities: pd.DataFrame, county: str, lon: float, lat: float) -> str:
    rows = localities[localities["county_code"].astype(str) == county]
    if rows.empty:
        raise geo.GeoError(f"no locality in county {county} to attach a ferry port to")
    dist = haversine_km(lon, lat, rows["lon"].to_numpy(), rows["lat"].to_numpy())
    return str(rows["locality_id"].iloc[int(dist.argmin())])


def network_inputs(
    directory: Path | None = None,
) -> tuple[list[Place], BaseGeometry, list[FerryLink], list[set[str]]]:
    """Places, land, ferries and ferry-only groups for Sweden, read from the built files."""
    localities = geo.load_localities(directory).sort_values("locality_id", ignore_index=True)
    counties = geo.load_counties(directory)
    land = shapely.union_all(counties.geometry.to_crs(geo.WGS84).values)
    places = [
        Place(str(int(r.locality_id)), str(r.name), float(r.lon), float(r.lat), float(r.population))
        for r in localities.itertuples(index=False)
    ]
    by_id = {p.id: p for p in places}
    ferries = []
    for route in GOTLAND_FERRIES:
        a = _nearest_locality(localities, *route.port_a[1:])
        b = _nearest_locality(localities, *route.port_b[1:])
        # Sea distance: great circle between the two towns (the sailing lines are nearly straight).
        km = float(haversine_km(by_id[a].lon, by_id[a].lat, by_id[b].lon, by_id[b].lat))
        ferries.append(FerryLink(a, b, route.minutes, km, route.name))
    on_gotland = localities["county_code"].astype(str) == GOTLAND_COUNTY
    gotland = {str(int(i)) for i in localities.loc[on_gotland, "locality_id"]}
    return places, land, ferries, [gotland]


@functools.lru_cache(maxsize=4)
def _cached_network(directory: Path, stamp: tuple, params: NetworkParams) -> TravelNetwork:
    places, land, ferries, ferry_only = network_inputs(directory)
    return build_network(places, land, params, ferries, ferry_only=ferry_only)


def sweden_network(
    directory: Path | None = None, params: NetworkParams = SWEDEN_PARAMS
) -> TravelNetwork:
    """The Swedish travel network, built once per process (rebuilt if the geo files change)."""
    folder = (Path(directory) if directory is not None else geo_dir()).resolve()
    stamp = []
    for name in (geo.LOCALITIES_FILE, geo.COUNTIES_FILE):
        try:
            stat = (folder / name).stat()
        except FileNotFoundError:
            raise geo.GeoDataMissingError(
                f"{folder / name} is missing: run `planner data build` to create the geography"
                " files"
            ) from None
        stamp.append((name, stat.st_mtime_ns, stat.st_size))
    return _cached_network(folder, tuple(stamp), params)


def matrix_source(directory: Path | None = None, cache: Path | None = None) -> MatrixSource:
    """Travel tables on the Swedish network, cached under ``var/cache/travel`` by default."""
    folder = Path(cache) if cache is not None else cache_dir() / "travel"
    return NetworkMatrixSource(sweden_network(directory), folder)


def travel_time(a: str, b: str, directory: Path | None = None) -> dict[str, object]:
    """Driving (and ferry) time between two places by name: {from, to, minutes, km}.

    Names resolve through :func:`planner.geo.find_place`, which raises ``UnknownPlaceError``
    with suggestions for names it does not know. ``from``/``to`` are the resolved names.
    """
    start = geo.find_place(a, directory)
    end = geo.find_place(b, directory)
    route = sweden_network(directory).route(str(start.locality_id), str(end.locality_id))
    return {
        "from": start.name,
        "to": end.name,
        "minutes": round(route.minutes, 1),
        "km": round(route.km, 1),
    }
