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
assumption. This module holds the network's data types and its queries: :class:`TravelNetwork`
answers point-to-point questions (:func:`shortest_paths`, Dijkstra on minutes). The network is
built by :func:`routing.network_build.build_network`; whole travel-time tables come from
:mod:`routing.matrix`.

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
from collections.abc import Collection, Sequence
from dataclasses import asdict, dataclass
from functools import cached_property
from typing import Any

import networkx as nx
import numpy as np
from numpy.typing import ArrayLike

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

    def replace(self, **changes: Any) -> NetworkParams:
        """A copy with some fields changed (checked by ``__post_init__``)."""
        return dataclasses.replace(self, **changes)

    def speed_kmh(self, road_km: float | np.ndarray) -> float | np.ndarray:
        """Average speed of one hop of ``road_km`` road kilometres."""
        grow = 1.0 - np.exp(-np.asarray(road_km, dtype=float) / self.speed_scale_km)
        return self.local_kmh + (self.highway_kmh - self.local_kmh) * grow

    def drive_minutes(self, road_km: float | np.ndarray) -> float | np.ndarray:
        """Driving minutes of one hop of ``road_km`` road kilometres."""
        road_km = np.asarray(road_km, dtype=float)
        return 60.0 * road_km / self.speed_kmh(road_km)


def haversine_km(lon1: ArrayLike, lat1: ArrayLike, lon2: ArrayLike, lat2: ArrayLike) -> np.ndarray:
    """Great-circle distance in km (vectorised over numpy arrays)."""
    x1, y1, x2, y2 = (np.radians(np.asarray(v, dtype=float)) for v in (lon1, lat1, lon2, lat2))
    h = np.sin((y2 - y1) / 2) ** 2 + np.cos(y1) * np.cos(y2) * np.sin((x2 - x1) / 2) ** 2
    return 2 * EARTH_RADIUS_KM * np.arcsin(np.sqrt(np.clip(h, 0.0, 1.0)))


@dataclass(frozen=True)
class TravelRoute:
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

    def __init__(self, graph: nx.Graph[str], params: NetworkParams) -> None:
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
        mode: str
        for _, _, mode in self.graph.edges(data="mode"):
            counts[mode] += 1
        return counts

    def is_connected(self) -> bool:
        """True when every place can reach every other place."""
        return self.graph.number_of_nodes() > 0 and nx.is_connected(self.graph)

    def check_ids(self, *place_ids: str) -> None:
        """Raise ``KeyError`` naming the ids that are not places of the network."""
        missing = [p for p in place_ids if p not in self.graph]
        if missing:
            names = ", ".join(map(str, missing))
            raise KeyError(f"Unknown place id(s) in the travel network: {names}.")

    def route(self, a: str, b: str) -> TravelRoute:
        """The fastest route from ``a`` to ``b``; raises ``nx.NetworkXNoPath`` if none."""
        self.check_ids(a, b)
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
        return TravelRoute(
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
