"""A travel network that stands in for a road network: places joined by straight land edges.

There is no road data here on purpose. Places (towns, villages) become nodes; two places are
joined when they are neighbours (k nearest + Delaunay triangulation, up to a maximum length)
and the straight segment between them stays over land, so the network never drives across a
lake or the sea. A straight-line distance is turned into a road distance with a circuity
factor, and a road distance into minutes with a speed that grows with the hop length (short
hops are local roads, long hops are highways). Ferries are explicit links; places that the
land edges leave unconnected are joined by the shortest possible "connector" edge, except
inside ferry-only groups (islands such as Gotland), which are reached only by their ferries.

Every figure is a parameter in :class:`NetworkParams`, with its source or marked as our
assumption. The result, :class:`TravelNetwork`, answers point-to-point questions; whole
travel-time tables come from :mod:`routing.matrix`.

The library is pure: it takes places and a land polygon in WGS 84 (lon/lat) and knows nothing
about the planner, Sweden's files or the dashboard.
"""

from __future__ import annotations

import dataclasses
import hashlib
import heapq
import itertools
import json
import math
from collections.abc import Collection, Iterable, Sequence
from dataclasses import asdict, dataclass
from functools import cached_property

import networkx as nx
import numpy as np
import pyproj
import shapely
from shapely.geometry.base import BaseGeometry

EARTH_RADIUS_KM = 6371.0088
MODES = ("road", "ferry", "connector")


@dataclass(frozen=True)
class Place:
    """A node of the network: a stable id, a readable name and WGS 84 coordinates.

    ``population`` is optional; it only matters for the trunk-road layer (see
    :attr:`NetworkParams.trunk_min_population`).
    """

    id: str
    name: str
    lon: float
    lat: float
    population: float = 0.0

    def __post_init__(self) -> None:
        if not (-180.0 <= self.lon <= 180.0 and -90.0 <= self.lat <= 90.0):
            raise ValueError(
                f"Place {self.id!r} has coordinates ({self.lon}, {self.lat}) outside lon/lat range."
            )


@dataclass(frozen=True)
class FerryLink:
    """A scheduled ferry between two places: sailing ``minutes`` and sea distance ``km``."""

    a: str
    b: str
    minutes: float
    km: float
    name: str

    def __post_init__(self) -> None:
        if self.minutes <= 0 or self.km < 0:
            raise ValueError(f"Ferry {self.name!r} needs positive minutes and non-negative km.")
        if self.a == self.b:
            raise ValueError(f"Ferry {self.name!r} starts and ends at the same place {self.a!r}.")


@dataclass(frozen=True)
class NetworkParams:
    """How straight lines between places become a road network. Defaults are for Sweden.

    Road distance of a hop = straight-line (great-circle) km x ``circuity``. Published detour
    indexes (road km / straight-line km) for national road networks are mostly 1.2-1.4
    (Ballou, Rahardja and Sakai 2002, Transportation Research A 36: about 1.2-1.3 in Europe and
    the US); Swedish long trips are at the low end (Stockholm-Göteborg about 470 road km for
    397 km straight, 1.18) and short ones higher. A route here is a chain of hops that itself
    zigzags 5-10 %, so the hop factor is 1.20 and whole routes come out at about 1.25-1.35,
    the range of the literature. Our calibration, not a measured figure.

    Speed of a hop with road length ``d`` km (our assumption, not a sourced figure):
    ``v(d) = local_kmh + (highway_kmh - local_kmh) * (1 - exp(-d / speed_scale_km))``.
    A 5 km hop averages about 71 km/h, a 20 km hop about 92 km/h (country roads at 70-90 km/h,
    long stretches at 100), a 60 km hop about 107 km/h (motorway and 2+1 roads at 100-120
    km/h). Driving time = d / v(d), and every trip adds ``trip_overhead_minutes`` (5) for the
    streets at both ends. Calibrated on a table of 13 real Swedish trips
    (``planner.travel.REFERENCE_TRIPS``: Stockholm-Västerås, Malmö-Lund, Umeå-Luleå, ...): the
    worst trip is 17 % off, most within 10 %; too slow around Stockholm, too fast on short
    urban trips. Good enough for planning, not for navigation.

    Neighbour rule: every place is joined to its ``k_neighbours`` nearest places and to its
    Delaunay neighbours, both only up to ``max_edge_km`` straight-line. Places with at least
    ``trunk_min_population`` inhabitants also form a trunk layer (their own k nearest and
    Delaunay neighbours among trunk places, up to ``trunk_max_edge_km``), standing in for the
    national roads that join towns directly; without it a long trip would be a chain of slow
    village-to-village hops. Every edge must pass the land check.

    Land check: the straight segment must lie within the land polygon grown by
    ``land_tolerance_km`` (computed in metres in an azimuthal equidistant projection centred on
    the places). The tolerance absorbs the simplification of coarse boundary files, where
    coastal towns fall just outside the polygon; it must stay well below the width of lakes
    and sounds that roads do not cross.

    Inland water: lakes (given as ``water`` to :func:`build_network`) are not land, whatever the
    land polygon says. A segment may not enter a lake deeper than ``water_margin_km`` from its
    shore: the margin lets hops run along a shore and reach lakeside towns whose points sit on
    a coarse outline, and it keeps straits narrower than twice the margin crossable (bridges
    elsewhere are the caller's to cut out of the water). Our assumption.

    Trip overhead: ``trip_overhead_minutes`` is added once to every trip between two different
    places (:meth:`TravelNetwork.route` and :mod:`routing.matrix`): getting out of the start
    and into the end on streets, which the hop speeds do not see.

    Ferries: the sailing time plus ``ferry_boarding_minutes`` (check-in closes before departure
    and unloading takes time; 30 min is our assumption, in line with car check-in times of
    Swedish ferry operators).

    Connectors: a group of places with no land edge to the rest (islands joined by bridges,
    coastal points outside a simplified polygon) is joined by the single shortest edge to
    another group, priced like a road hop of the same length; mode 'connector' marks them.
    """

    circuity: float = 1.20
    local_kmh: float = 60.0
    highway_kmh: float = 110.0
    speed_scale_km: float = 20.0
    k_neighbours: int = 6
    delaunay: bool = True
    max_edge_km: float = 120.0
    trunk_min_population: float = 20_000.0
    trunk_k_neighbours: int = 4
    trunk_max_edge_km: float = 250.0
    land_tolerance_km: float = 2.0
    water_margin_km: float = 0.5
    ferry_boarding_minutes: float = 30.0
    trip_overhead_minutes: float = 5.0

    def __post_init__(self) -> None:
        if self.circuity < 1.0:
            raise ValueError("Cannot have a circuity factor below 1 (roads are never shorter).")
        if not 0 < self.local_kmh <= self.highway_kmh:
            raise ValueError("Speeds must satisfy 0 < local_kmh <= highway_kmh.")
        if self.speed_scale_km <= 0 or self.max_edge_km <= 0 or self.trunk_max_edge_km <= 0:
            raise ValueError("Length scales (speed_scale_km, max edge lengths) must be positive.")
        if self.k_neighbours < 0 or self.trunk_k_neighbours < 0:
            raise ValueError("Neighbour counts cannot be negative.")
        if (
            min(
                self.land_tolerance_km,
                self.ferry_boarding_minutes,
                self.water_margin_km,
                self.trip_overhead_minutes,
            )
            < 0
        ):
            raise ValueError(
                "Cannot have a negative land tolerance, water margin, boarding allowance or trip"
                " overhead."
            )

    def replace(self, **changes: object) -> NetworkParams:
        """A copy with some fields changed."""
        return dataclasses.replace(self, **changes)

    def speed_kmh(self, road_km: float | np.ndarray) -> float | np.ndarray:
        """Average speed of one hop of ``road_km`` road kilometres."""
        grow = 1.0 - np.exp(-np.asarray(road_km, dtype=float) / self.speed_scale_km)
        return self.local_kmh + (self.highway_kmh - self.local_kmh) * grow

    def drive_minutes(self, road_km: float | np.ndarray) -> float | np.ndarray:
        """Driving minutes of one hop of ``road_km`` road kilometres."""
        road_km = np.asarray(road_km, dtype=float)
        return 60.0 * road_km / self.speed_kmh(road_km)


def haversine_km(lon1, lat1, lon2, lat2) -> np.ndarray:
    """Great-circle distance in km (vectorised over numpy arrays)."""
    lon1, lat1, lon2, lat2 = (
        np.radians(np.asarray(v, dtype=float)) for v in (lon1, lat1, lon2, lat2)
    )
    h = (
        np.sin((lat2 - lat1) / 2) ** 2
        + np.cos(lat1) * np.cos(lat2) * np.sin((lon2 - lon1) / 2) ** 2
    )
    return 2 * EARTH_RADIUS_KM * np.arcsin(np.sqrt(np.clip(h, 0.0, 1.0)))


@dataclass(frozen=True)
class Route:
    """One fastest route: the place ids in order, total minutes and km, and each leg's mode."""

    nodes: tuple[str, ...]
    minutes: float
    km: float
    modes: tuple[str, ...]


class TravelNetwork:
    """An undirected travel network; edges carry ``minutes``, ``km`` and ``mode``.

    Routes minimise minutes (a trip between two places adds the params' trip overhead); ``km`` is the length of that fastest route (ties broken by the
    shorter km, then by node order, so answers are deterministic). Treat as immutable.
    """

    def __init__(self, graph: nx.Graph, params: NetworkParams) -> None:
        for u, v, data in graph.edges(data=True):
            mode, minutes, km = data.get("mode"), data.get("minutes", -1), data.get("km", -1)
            if mode not in MODES or minutes < 0 or km < 0:
                raise ValueError(f"Edge {u}-{v} needs minutes >= 0, km >= 0 and a mode in {MODES}.")
        self.graph = graph
        self.params = params

    def __repr__(self) -> str:
        modes = self.mode_counts()
        return f"TravelNetwork({self.graph.number_of_nodes()} places, edges {modes})"

    def __contains__(self, place_id: object) -> bool:
        return place_id in self.graph

    @cached_property
    def node_ids(self) -> tuple[str, ...]:
        """All place ids in a fixed (sorted) order."""
        return tuple(sorted(self.graph.nodes))

    @cached_property
    def index(self) -> dict[str, int]:
        """Position of each place id in :attr:`node_ids`."""
        return {node: i for i, node in enumerate(self.node_ids)}

    @cached_property
    def adjacency(self) -> list[list[tuple[int, float, float]]]:
        """``adjacency[i]`` lists ``(j, minutes, km)`` for the neighbours of node ``i``."""
        adj: list[list[tuple[int, float, float]]] = [[] for _ in self.node_ids]
        for u, v, data in self.graph.edges(data=True):
            i, j = self.index[u], self.index[v]
            adj[i].append((j, float(data["minutes"]), float(data["km"])))
            adj[j].append((i, float(data["minutes"]), float(data["km"])))
        for row in adj:
            row.sort()
        return adj

    def mode_counts(self) -> dict[str, int]:
        """Number of edges of each mode."""
        counts = dict.fromkeys(MODES, 0)
        for _, _, mode in self.graph.edges(data="mode"):
            counts[mode] += 1
        return counts

    def is_connected(self) -> bool:
        """True when every place can reach every other place."""
        return self.graph.number_of_nodes() > 0 and nx.is_connected(self.graph)

    def _check(self, *place_ids: str) -> None:
        missing = [p for p in place_ids if p not in self.graph]
        if missing:
            names = ", ".join(map(str, missing))
            raise KeyError(f"Unknown place id(s) in the travel network: {names}.")

    def route(self, a: str, b: str) -> Route:
        """The fastest route from ``a`` to ``b``; raises ``nx.NetworkXNoPath`` if none."""
        self._check(a, b)
        ia, ib = self.index[a], self.index[b]
        minutes, km, pred = shortest_paths(self.adjacency, ia, {ib})
        if not math.isfinite(minutes[ib]):
            raise nx.NetworkXNoPath(f"No route from {a!r} to {b!r}.")
        order = [ib]
        while order[-1] != ia:
            order.append(int(pred[order[-1]]))
        nodes = tuple(self.node_ids[i] for i in reversed(order))
        modes = tuple(self.graph.edges[u, v]["mode"] for u, v in itertools.pairwise(nodes))
        overhead = self.params.trip_overhead_minutes if ia != ib else 0.0
        return Route(
            nodes=nodes, minutes=float(minutes[ib]) + overhead, km=float(km[ib]), modes=modes
        )

    def minutes(self, a: str, b: str) -> float:
        """Minutes of the fastest route from ``a`` to ``b``."""
        return self.route(a, b).minutes

    def km(self, a: str, b: str) -> float:
        """Kilometres along the fastest route (not the shortest-km route) from ``a`` to ``b``."""
        return self.route(a, b).km

    def path(self, a: str, b: str) -> list[str]:
        """Place ids along the fastest route from ``a`` to ``b``, both ends included."""
        return list(self.route(a, b).nodes)

    @cached_property
    def _fingerprint(self) -> str:
        digest = hashlib.sha256()
        digest.update(json.dumps(asdict(self.params), sort_keys=True).encode())
        for node in self.node_ids:
            data = self.graph.nodes[node]
            digest.update(f"n|{node}|{data.get('lon', 0):.6f}|{data.get('lat', 0):.6f}\n".encode())
        edges = sorted(
            (min(u, v), max(u, v), d["mode"], round(d["minutes"], 4), round(d["km"], 4))
            for u, v, d in self.graph.edges(data=True)
        )
        for edge in edges:
            digest.update(("e|" + "|".join(map(str, edge)) + "\n").encode())
        return digest.hexdigest()

    def fingerprint(self) -> str:
        """A stable hash of the nodes, edges and parameters; equal networks share it."""
        return self._fingerprint


def shortest_paths(
    adjacency: Sequence[Sequence[tuple[int, float, float]]],
    source: int,
    targets: Collection[int] | None = None,
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Dijkstra on minutes from one source; returns (minutes, km, predecessor) per node.

    ``km`` is the length of the fastest path (ties on minutes go to the shorter km). With
    ``targets`` the search stops once all of them are settled; unsettled nodes keep ``inf``
    and predecessor -1.
    """
    n = len(adjacency)
    minutes = np.full(n, np.inf)
    km = np.full(n, np.inf)
    pred = np.full(n, -1, dtype=np.int64)
    best = [math.inf] * n
    best_km = [math.inf] * n
    done = [False] * n
    remaining = set(targets) if targets is not None else None
    best[source] = 0.0
    best_km[source] = 0.0
    heap: list[tuple[float, float, int]] = [(0.0, 0.0, source)]
    push, pop = heapq.heappush, heapq.heappop
    while heap:
        t, d, i = pop(heap)
        if done[i]:
            continue
        done[i] = True
        minutes[i] = t
        km[i] = d
        if remaining is not None:
            remaining.discard(i)
            if not remaining:
                break
        for j, w, k in adjacency[i]:
            if done[j]:
                continue
            nt = t + w
            nd = d + k
            if nt < best[j] or (nt == best[j] and nd < best_km[j]):
                best[j] = nt
                best_km[j] = nd
                pred[j] = i
                push(heap, (nt, nd, j))
    return minutes, km, pred


# --------------------------------------------------------------------------------------------
# Building


def _projector(lons: np.ndarray, lats: np.ndarray) -> pyproj.Transformer:
    """WGS 84 -> azimuthal equidistant metres centred on the places (good to ~1 % over Sweden)."""
    lon0 = float(np.mean(lons)) if len(lons) else 0.0
    lat0 = float(np.mean(lats)) if len(lats) else 0.0
    crs = pyproj.CRS.from_proj4(
        f"+proj=aeqd +lat_0={lat0:.6f} +lon_0={lon0:.6f} +datum=WGS84 +units=m"
    )
    return pyproj.Transformer.from_crs("EPSG:4326", crs, always_xy=True)


def _knn_pairs(xy: np.ndarray, k: int, max_m: float) -> set[tuple[int, int]]:
    """Pairs (i<j) where j is among the k nearest of i (or i of j), within ``max_m`` metres."""
    n = len(xy)
    pairs: set[tuple[int, int]] = set()
    if n < 2 or k == 0:
        return pairs
    k = min(k, n - 1)
    chunk = 512
    for start in range(0, n, chunk):
        block = xy[start : start + chunk]
        dist = np.hypot(block[:, None, 0] - xy[None, :, 0], block[:, None, 1] - xy[None, :, 1])
        dist[np.arange(len(block)), np.arange(start, start + len(block))] = np.inf
        nearest = np.argpartition(dist, k - 1, axis=1)[:, :k]
        for row, cols in enumerate(nearest):
            i = start + row
            for j in cols:
                if dist[row, j] <= max_m:
                    pairs.add((min(i, int(j)), max(i, int(j))))
    return pairs


def _delaunay_pairs(xy: np.ndarray, max_m: float) -> set[tuple[int, int]]:
    """Delaunay edges (i<j) up to ``max_m`` metres; coincident points map to the first index."""
    if len(xy) < 3:
        return set()
    lookup: dict[tuple[float, float], int] = {}
    for i, (x, y) in enumerate(xy):
        lookup.setdefault((float(x), float(y)), i)
    edges = shapely.delaunay_triangles(shapely.multipoints(xy), only_edges=True)
    pairs: set[tuple[int, int]] = set()
    for line in shapely.get_parts(edges):
        (x1, y1), (x2, y2) = shapely.get_coordinates(line)
        i, j = lookup.get((x1, y1)), lookup.get((x2, y2))
        if i is None or j is None or i == j:
            continue
        if math.hypot(x2 - x1, y2 - y1) <= max_m:
            pairs.add((min(i, j), max(i, j)))
    return pairs


def _over_land(
    pairs: list[tuple[int, int]],
    xy: np.ndarray,
    land_m: BaseGeometry,
    water_m: BaseGeometry | None = None,
) -> np.ndarray:
    """Boolean mask: which straight segments lie within the (buffered, prepared) land and
    touch no (shrunk, prepared) water."""
    if not pairs:
        return np.zeros(0, dtype=bool)
    idx = np.asarray(pairs)
    coords = np.stack([xy[idx[:, 0]], xy[idx[:, 1]]], axis=1)
    lines = shapely.linestrings(coords)
    ok = shapely.covered_by(lines, land_m)
    if water_m is not None and not water_m.is_empty:
        ok &= ~shapely.intersects(lines, water_m)
    return ok


def build_network(
    places: Sequence[Place],
    land: BaseGeometry,
    params: NetworkParams = NetworkParams(),
    ferries: Iterable[FerryLink] = (),
    *,
    ferry_only: Iterable[Collection[str]] = (),
    water: BaseGeometry | None = None,
    links: Iterable[tuple[str, str]] = (),
) -> TravelNetwork:
    """Build the travel network over ``places`` on ``land`` (a WGS 84 (Multi)Polygon).

    ``water`` (WGS 84 (Multi)Polygon, optional) is inland water that no road edge may cross
    (see :attr:`NetworkParams.water_margin_km`). ``links`` are pairs of place ids joined by a
    road edge whatever the land and water say (bridges the neighbour rule does not find),
    priced like any road hop of the same straight length.

    ``ferry_only`` lists groups of place ids (islands) that may be reached from outside the
    group only by a ferry: no road or connector edge ever joins a member to a non-member.
    The result may still be disconnected (a ferry-only island without a ferry); check
    :meth:`TravelNetwork.is_connected`.
    """
    ids = [p.id for p in places]
    if len(set(ids)) != len(ids):
        dupes = sorted({i for i in ids if ids.count(i) > 1})
        raise ValueError(f"Place ids must be unique; repeated: {', '.join(dupes[:10])}.")
    if land.is_empty or land.geom_type not in ("Polygon", "MultiPolygon"):
        raise ValueError("Land must be a non-empty shapely Polygon or MultiPolygon in lon/lat.")
    index = {pid: i for i, pid in enumerate(ids)}
    group = np.zeros(len(places), dtype=np.int64)  # 0 = mainland, g > 0 = ferry-only group g
    for g, members in enumerate(ferry_only, start=1):
        for pid in members:
            if pid not in index:
                raise ValueError(f"Ferry-only group {g} names unknown place {pid!r}.")
            if group[index[pid]]:
                raise ValueError(f"Place {pid!r} is in more than one ferry-only group.")
            group[index[pid]] = g

    lons = np.array([p.lon for p in places], dtype=float)
    lats = np.array([p.lat for p in places], dtype=float)
    transformer = _projector(lons, lats)
    x, y = transformer.transform(lons, lats)
    xy = np.column_stack([x, y])
    land_m = shapely.transform(
        land, lambda c: np.column_stack(transformer.transform(c[:, 0], c[:, 1]))
    )
    if params.land_tolerance_km > 0:
        land_m = land_m.buffer(params.land_tolerance_km * 1000.0)
    shapely.prepare(land_m)
    water_m = None
    if water is not None and not water.is_empty:
        water_m = shapely.transform(
            water, lambda c: np.column_stack(transformer.transform(c[:, 0], c[:, 1]))
        ).buffer(-params.water_margin_km * 1000.0)
        shapely.prepare(water_m)

    graph = nx.Graph()
    for p in places:
        graph.add_node(p.id, name=p.name, lon=p.lon, lat=p.lat)

    def add_road(i: int, j: int, mode: str) -> None:
        straight = float(haversine_km(lons[i], lats[i], lons[j], lats[j]))
        road = straight * params.circuity
        minutes = float(params.drive_minutes(road))
        graph.add_edge(ids[i], ids[j], km=road, minutes=minutes, mode=mode)

    # Candidate road edges: local neighbours, then the trunk layer among larger places.
    candidates = _knn_pairs(xy, params.k_neighbours, params.max_edge_km * 1000.0)
    if params.delaunay:
        candidates |= _delaunay_pairs(xy, params.max_edge_km * 1000.0)
    trunk = np.flatnonzero(np.array([p.population for p in places]) >= params.trunk_min_population)
    if len(trunk) >= 2:
        sub = _knn_pairs(xy[trunk], params.trunk_k_neighbours, params.trunk_max_edge_km * 1000.0)
        if params.delaunay:
            sub |= _delaunay_pairs(xy[trunk], params.trunk_max_edge_km * 1000.0)
        candidates |= {(int(trunk[a]), int(trunk[b])) for a, b in sub}
    pairs = sorted((i, j) for i, j in candidates if group[i] == group[j])
    for (i, j), ok in zip(pairs, _over_land(pairs, xy, land_m, water_m), strict=False):
        if ok:
            add_road(i, j, "road")

    for a, b in links:
        for end in (a, b):
            if end not in index:
                raise ValueError(f"Link {a!r}-{b!r} names unknown place {end!r}.")
        if a != b and group[index[a]] == group[index[b]]:
            add_road(index[a], index[b], "road")

    for ferry in ferries:
        for end in (ferry.a, ferry.b):
            if end not in index:
                raise ValueError(f"Ferry {ferry.name!r} ends at unknown place {end!r}.")
        minutes = ferry.minutes + params.ferry_boarding_minutes
        current = graph.get_edge_data(ferry.a, ferry.b)
        if current is None or current["minutes"] > minutes:
            graph.add_edge(
                ferry.a,
                ferry.b,
                km=float(ferry.km),
                minutes=float(minutes),
                mode="ferry",
                name=ferry.name,
            )

    _add_connectors(graph, ids, index, xy, group, add_road)
    return TravelNetwork(graph, params)


def _add_connectors(graph, ids, index, xy, group, add_road) -> None:
    """Join components by their shortest allowed straight edge (Borůvka rounds), mode 'connector'.

    Each round, every component picks the shortest edge from one of its places to a place of
    another component in the same ferry-only group (mainland with mainland); those edges are
    added and the round repeats until nothing changes.
    """
    while True:
        components = list(nx.connected_components(graph))
        if len(components) <= 1:
            return
        label = np.empty(len(ids), dtype=np.int64)
        for c, members in enumerate(components):
            label[[index[m] for m in members]] = c
        chosen: set[tuple[int, int]] = set()
        for c, members in enumerate(components):
            inside = np.array(sorted(index[m] for m in members))
            outside = np.flatnonzero(label != c)
            dist = np.hypot(
                xy[inside][:, None, 0] - xy[outside][None, :, 0],
                xy[inside][:, None, 1] - xy[outside][None, :, 1],
            )
            dist[group[inside][:, None] != group[outside][None, :]] = np.inf
            if not np.isfinite(dist).any():
                continue
            a, b = np.unravel_index(np.argmin(dist), dist.shape)
            i, j = int(inside[a]), int(outside[b])
            chosen.add((min(i, j), max(i, j)))
        if not chosen:
            return
        for i, j in sorted(chosen):
            add_road(i, j, "connector")
