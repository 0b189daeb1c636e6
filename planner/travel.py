"""Travel times in Sweden: the planner's adapter to the proxy road network in ``routing``.

The network's places are the built localities (``data/geo/localities.parquet``, node id =
``str(locality_id)``), its land is the union of the county polygons, and Gotland is reached only
by the two Destination Gotland ferries (domain.md: Nynäshamn/Oskarshamn - Visby, about 3 h 15 min).
Planners should depend on :func:`matrix_source` (a :class:`routing.matrix.MatrixSource`), so a
real routing engine's table can replace the proxy network later without touching them.
"""

from __future__ import annotations

import functools
import itertools
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TypedDict

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely
import shapely.ops
from shapely.geometry import LineString
from shapely.geometry.base import BaseGeometry

from planner import geo
from planner.paths import cache_dir, geo_dir
from routing.matrix import MatrixSource, NetworkMatrixSource
from routing.network import (
    FerryLink,
    NetworkParams,
    Place,
    TravelNetwork,
    haversine_km,
)
from routing.network_build import build_network

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


@dataclass(frozen=True)
class Bridge:
    """A real crossing of one of the lakes in ``lakes.parquet``: its line in WGS 84 (lon, lat).

    The water within :data:`BRIDGE_HALF_WIDTH_KM` of the line through ``points`` is cut out of
    the lake, so hops over the bridge are allowed, and the localities nearest the first and the
    last point (the towns the road joins) get a road edge of their own. Points read off a map
    (our reading)."""

    name: str
    road: str
    points: tuple[tuple[float, float], ...]


BRIDGE_HALF_WIDTH_KM = 1.5

BRIDGES: tuple[Bridge, ...] = (
    Bridge(
        "Stockholm city bridges (Västerbron, Centralbron, Essingeleden)",
        "E4/E20",
        ((18.03, 59.30), (18.06, 59.34)),
    ),
    Bridge(
        "Nockebybron, Drottningholmsbron, Tappströmsbron",
        "Rv 261 Stockholm-Ekerö",
        ((17.93, 59.33), (17.82, 59.29)),
    ),
    Bridge("Mälarbron, Södertälje", "E4/E20 Södertälje", ((17.60, 59.20), (17.66, 59.20))),
    Bridge(
        "Tosteröbron and Hjulstabron",
        "Rv 55 Strängnäs-Enköping",
        ((17.03, 59.377), (17.00, 59.42), (17.02, 59.53), (17.08, 59.636)),
    ),
    Bridge("Kvicksundsbron", "Rv 56 Eskilstuna-Västerås", ((16.30, 59.43), (16.34, 59.47))),
    Bridge("Sollerö bro", "Sollerön-Gesunda (Siljan)", ((14.55, 60.89), (14.61, 60.91))),
)
"""Bridges over Mälaren and Siljan; Vänern, Vättern and Hjälmaren have none across them."""


@dataclass(frozen=True)
class ReferenceTrip:
    """A real trip the network's times are checked against (each within 20 %)."""

    origin: str
    destination: str
    road: str
    km: float
    minutes: float


REFERENCE_TRIPS: tuple[ReferenceTrip, ...] = (
    ReferenceTrip("Stockholm", "Västerås", "E18", 107, 75),
    ReferenceTrip("Stockholm", "Uppsala", "E4", 70, 55),
    ReferenceTrip("Göteborg", "Borås", "Rv 40", 65, 50),
    ReferenceTrip("Malmö", "Lund", "E22", 20, 22),
    ReferenceTrip("Umeå", "Luleå", "E4", 264, 190),
    ReferenceTrip("Stockholm", "Göteborg", "E4/E20", 470, 285),
    ReferenceTrip("Stockholm", "Nyköping", "E4", 100, 70),
    ReferenceTrip("Eskilstuna", "Västerås", "Rv 56 (Kvicksundsbron)", 37, 35),
    ReferenceTrip("Strängnäs", "Enköping", "Rv 55 (Hjulstabron)", 34, 30),
    ReferenceTrip("Karlstad", "Örebro", "E18", 113, 80),
    ReferenceTrip("Jönköping", "Linköping", "E4", 130, 80),
    ReferenceTrip("Göteborg", "Malmö", "E6", 272, 170),
    ReferenceTrip("Örebro", "Eskilstuna", "E20", 100, 70),
)
"""Centre-to-centre drives without traffic: road km as signposted on the named road, minutes
as route planners typically give them, rounded to 5 min (22 for Malmö-Lund). Our reading of
published figures, not measured here; re-check against a route planner when one is at hand.
``data/geo/README.md`` lists them with the network's own times."""

TravelTime = TypedDict(
    "TravelTime",
    {
        "from": str,
        "to": str,
        "minutes": float,
        "km": float,
        "via": list[str],
        "lakes_crossed": list[str],
    },
)
"""What `travel_time` returns (and ``planner geo travel-time --json`` prints)."""

SWEDEN_PARAMS = NetworkParams()
"""The network parameters used for Sweden (the documented defaults of ``NetworkParams``)."""


def _nearest_locality(localities: pd.DataFrame, county: str, lon: float, lat: float) -> str:
    rows = localities[localities["county_code"].astype(str) == county]
    if rows.empty:
        raise geo.GeoError(f"no locality in county {county} to attach a ferry port to")
    dist = haversine_km(lon, lat, rows["lon"].to_numpy(), rows["lat"].to_numpy())
    return str(rows["locality_id"].iloc[int(dist.argmin())])


def lake_water(directory: Path | None = None) -> BaseGeometry:
    """The lakes of ``lakes.parquet`` less the :data:`BRIDGES` corridors (WGS 84)."""
    lakes = geo.load_lakes(directory).to_crs(geo.METRIC_CRS)
    water = shapely.union_all(lakes.geometry.values)
    # The bridge's own line, and the straight hop between the towns it joins (bridge_links).
    localities = geo.load_localities(directory)
    localities.index = localities["locality_id"].astype(str)
    lines = [LineString(b.points) for b in BRIDGES] + [
        LineString(
            [
                localities.loc[a, ["lon", "lat"]].to_list(),
                localities.loc[b, ["lon", "lat"]].to_list(),
            ]
        )
        for a, b in bridge_links(directory)
        if a != b
    ]
    corridors = (
        gpd.GeoSeries(lines, crs=geo.WGS84)
        .to_crs(geo.METRIC_CRS)
        .buffer(BRIDGE_HALF_WIDTH_KM * 1000.0)
    )
    water = water.difference(shapely.union_all(corridors.values))
    # GSHHG's intermediate outline puts some shore towns in the lake (Sigtuna, Stallarholmen):
    # such a locality gets a strip of land to the nearest shore, as wide as a bridge corridor.
    points = gpd.GeoSeries(
        gpd.points_from_xy(localities["lon"], localities["lat"]), crs=geo.WGS84
    ).to_crs(geo.METRIC_CRS)
    wet = points[points.within(water)]
    if not wet.empty:
        shore = water.boundary
        strips = [
            LineString(shapely.ops.nearest_points(p, shore)).buffer(BRIDGE_HALF_WIDTH_KM * 1000.0)
            for p in wet
        ]
        water = water.difference(shapely.union_all(strips))
    return gpd.GeoSeries([water], crs=geo.METRIC_CRS).to_crs(geo.WGS84).iloc[0]


def network_inputs(
    directory: Path | None = None,
) -> tuple[list[Place], BaseGeometry, list[FerryLink], list[set[str]], BaseGeometry]:
    """Places, land, ferries, ferry-only groups and lakes for Sweden, from the built files."""
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
    return places, land, ferries, [gotland], lake_water(directory)


def bridge_links(directory: Path | None = None) -> list[tuple[str, str]]:
    """For each bridge, the ids of the localities nearest its two ends (the towns it joins)."""
    localities = geo.load_localities(directory)
    lons, lats = localities["lon"].to_numpy(), localities["lat"].to_numpy()
    links = []
    for bridge in BRIDGES:
        ends = []
        for lon, lat in (bridge.points[0], bridge.points[-1]):
            nearest = int(haversine_km(lon, lat, lons, lats).argmin())
            ends.append(str(int(localities["locality_id"].iloc[nearest])))
        links.append((ends[0], ends[1]))
    return links


@functools.lru_cache(maxsize=4)
def _cached_network(directory: Path, stamp: tuple, params: NetworkParams) -> TravelNetwork:
    places, land, ferries, ferry_only, water = network_inputs(directory)
    return build_network(
        places,
        land,
        params,
        ferries,
        ferry_only=ferry_only,
        water=water,
        links=bridge_links(directory),
    )


def sweden_network(
    directory: Path | None = None, params: NetworkParams = SWEDEN_PARAMS
) -> TravelNetwork:
    """The Swedish travel network, built once per process (rebuilt if the geo files change)."""
    folder, stamp = _stamped(directory)
    return _cached_network(folder, stamp, params)


def _stamped(directory: Path | None) -> tuple[Path, tuple]:
    """The geo folder and a (name, mtime, size) stamp of the files the network is built from."""
    folder = (Path(directory) if directory is not None else geo_dir()).resolve()
    stamp = []
    for name in (geo.LOCALITIES_FILE, geo.COUNTIES_FILE, geo.LAKES_FILE):
        try:
            stat = (folder / name).stat()
        except FileNotFoundError:
            raise geo.GeoDataMissingError(
                f"{folder / name} is missing: run `planner data build` to create the geography"
                " files"
            ) from None
        stamp.append((name, stat.st_mtime_ns, stat.st_size))
    return folder, tuple(stamp)


def matrix_source(directory: Path | None = None, cache: Path | None = None) -> MatrixSource:
    """Travel tables on the Swedish network, cached under ``var/cache/travel`` by default."""
    folder = Path(cache) if cache is not None else cache_dir() / "travel"
    return NetworkMatrixSource(sweden_network(directory), folder)


@functools.lru_cache(maxsize=4)
def _lake_cores(folder: Path, stamp: tuple, margin_km: float) -> list[tuple[str, BaseGeometry]]:
    """Each lake (metric) as the network sees it: bridges cut out, shrunk by the margin."""
    water = gpd.GeoSeries([lake_water(folder)], crs=geo.WGS84).to_crs(geo.METRIC_CRS).iloc[0]
    water = water.buffer(-margin_km * 1000.0)
    lakes = geo.load_lakes(folder).to_crs(geo.METRIC_CRS)
    cores = []
    for lake in lakes.itertuples():
        core = water.intersection(lake.geometry)
        shapely.prepare(core)
        cores.append((str(lake.name), core))
    return cores


def hops_in_lakes(
    hops: Sequence[tuple[str, str]], directory: Path | None = None
) -> list[list[str]]:
    """For each hop (a pair of place ids), the lakes its straight line enters beyond the
    network's water margin (bridge corridors excepted); [] for a hop over land."""
    network = sweden_network(directory)
    folder, stamp = _stamped(directory)
    nodes = network.graph.nodes
    lines = (
        gpd.GeoSeries(
            [
                LineString([(nodes[u]["lon"], nodes[u]["lat"]), (nodes[v]["lon"], nodes[v]["lat"])])
                for u, v in hops
            ],
            crs=geo.WGS84,
        )
        .to_crs(geo.METRIC_CRS)
        .values
    )
    crossed: list[list[str]] = [[] for _ in hops]
    for name, core in _lake_cores(folder, stamp, network.params.water_margin_km):
        for i in np.flatnonzero(shapely.intersects(lines, core)):
            crossed[int(i)].append(name)
    return crossed


def lakes_crossed(nodes: Sequence[str], directory: Path | None = None) -> list[str]:
    """Names of the lakes a route's road hops cross (ferries excepted): [] keeps to land."""
    network = sweden_network(directory)
    hops = [
        (u, v)
        for u, v, mode in zip(nodes[:-1], nodes[1:], network_modes(network, nodes), strict=True)
        if mode != "ferry"
    ]
    return sorted({name for names in hops_in_lakes(hops, directory) for name in names})


def network_modes(network: TravelNetwork, nodes: Sequence[str]) -> list[str]:
    """The mode of each hop along ``nodes``."""
    return [network.graph.edges[u, v]["mode"] for u, v in itertools.pairwise(nodes)]


def travel_time(a: str, b: str, directory: Path | None = None) -> TravelTime:
    """Driving (and ferry) time between two places by name.

    {from, to, minutes, km, via, lakes_crossed}: ``via`` names the places the route passes,
    ``lakes_crossed`` the lakes its hops cross (empty unless the network is wrong). Names
    resolve through :func:`planner.geo.find_place`, which raises ``UnknownPlaceError`` with
    suggestions for names it does not know. ``from``/``to`` are the resolved names.
    """
    start = geo.find_place(a, directory)
    end = geo.find_place(b, directory)
    network = sweden_network(directory)
    route = network.route(str(start.locality_id), str(end.locality_id))
    return {
        "from": start.name,
        "to": end.name,
        "minutes": round(route.minutes, 1),
        "km": round(route.km, 1),
        "via": [str(network.graph.nodes[n]["name"]) for n in route.nodes[1:-1]],
        "lakes_crossed": lakes_crossed(route.nodes, directory),
    }
