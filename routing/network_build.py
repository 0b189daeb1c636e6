"""Building a :class:`~routing.network.TravelNetwork` from places, land, water and ferries.

:func:`build_network` joins neighbouring places by straight land edges (k nearest plus
Delaunay, with a trunk layer among larger places), adds the caller's links and the ferries,
and joins what is still apart by connectors; each step is one function below. The rules and
every figure are described in :class:`~routing.network.NetworkParams`. Geometry is done in
metres in an azimuthal equidistant projection centred on the places.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Collection, Iterable, Sequence
from dataclasses import dataclass

import networkx as nx
import numpy as np
import pyproj
import shapely
from shapely.geometry.base import BaseGeometry

from routing.network import FerryLink, NetworkParams, Place, TravelNetwork, haversine_km

#: The parameters :func:`build_network` uses when given none.
DEFAULT_PARAMS = NetworkParams()


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
        a, b = lookup.get((x1, y1)), lookup.get((x2, y2))
        if a is None or b is None or a == b:
            continue
        if math.hypot(x2 - x1, y2 - y1) <= max_m:
            pairs.add((min(a, b), max(a, b)))
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
    return np.asarray(ok, dtype=bool)


def build_network(
    places: Sequence[Place],
    land: BaseGeometry,
    params: NetworkParams = DEFAULT_PARAMS,
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
    group = ferry_only_groups(index, ferry_only)
    world = _Projected.of(places, land, water, params)
    graph: nx.Graph[str] = nx.Graph()
    for p in places:
        graph.add_node(p.id, name=p.name, lon=p.lon, lat=p.lat)
    roads = _Roads(graph, ids, world.lons, world.lats, params)
    add_land_roads(roads, places, world, group, params)
    add_links(roads, index, group, links)
    add_ferries(graph, index, ferries, params)
    add_connectors(graph, ids, index, world.xy, group, roads.add)
    return TravelNetwork(graph, params)


def ferry_only_groups(index: dict[str, int], ferry_only: Iterable[Collection[str]]) -> np.ndarray:
    """The group of each place: 0 for the mainland, ``g > 0`` for the ``g``-th ferry-only group."""
    group = np.zeros(len(index), dtype=np.int64)
    for g, members in enumerate(ferry_only, start=1):
        for pid in members:
            if pid not in index:
                raise ValueError(f"Ferry-only group {g} names unknown place {pid!r}.")
            if group[index[pid]]:
                raise ValueError(f"Place {pid!r} is in more than one ferry-only group.")
            group[index[pid]] = g
    return group


@dataclass(frozen=True)
class _Projected:
    """The places in metres (``xy``), with the land grown by the tolerance and the water
    shrunk by the margin, both prepared for fast predicates."""

    lons: np.ndarray
    lats: np.ndarray
    xy: np.ndarray
    land_m: BaseGeometry
    water_m: BaseGeometry | None

    @staticmethod
    def of(
        places: Sequence[Place],
        land: BaseGeometry,
        water: BaseGeometry | None,
        params: NetworkParams,
    ) -> _Projected:
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
        return _Projected(lons, lats, xy, land_m, water_m)


@dataclass(frozen=True)
class _Roads:
    """Adds road edges priced from the straight length: circuity for km, hop speed for minutes."""

    graph: nx.Graph[str]
    ids: Sequence[str]
    lons: np.ndarray
    lats: np.ndarray
    params: NetworkParams

    def add(self, i: int, j: int, mode: str) -> None:
        straight = float(haversine_km(self.lons[i], self.lats[i], self.lons[j], self.lats[j]))
        road = straight * self.params.circuity
        minutes = float(self.params.drive_minutes(road))
        self.graph.add_edge(self.ids[i], self.ids[j], km=road, minutes=minutes, mode=mode)


def add_land_roads(
    roads: _Roads,
    places: Sequence[Place],
    world: _Projected,
    group: np.ndarray,
    params: NetworkParams,
) -> None:
    """Road edges between neighbours (local, then the trunk layer among larger places) within
    one ferry-only group whose straight segment stays over land and off the water."""
    xy = world.xy
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
    for (i, j), ok in zip(pairs, _over_land(pairs, xy, world.land_m, world.water_m), strict=False):
        if ok:
            roads.add(i, j, "road")


def add_links(
    roads: _Roads, index: dict[str, int], group: np.ndarray, links: Iterable[tuple[str, str]]
) -> None:
    """The caller's road links (bridges), except across ferry-only groups."""
    for a, b in links:
        for end in (a, b):
            if end not in index:
                raise ValueError(f"Link {a!r}-{b!r} names unknown place {end!r}.")
        if a != b and group[index[a]] == group[index[b]]:
            roads.add(index[a], index[b], "road")


def add_ferries(
    graph: nx.Graph[str],
    index: dict[str, int],
    ferries: Iterable[FerryLink],
    params: NetworkParams,
) -> None:
    """Ferry edges (sailing plus boarding minutes), where faster than the edge already there."""
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


def add_connectors(
    graph: nx.Graph[str],
    ids: Sequence[str],
    index: dict[str, int],
    xy: np.ndarray,
    group: np.ndarray,
    add_road: Callable[[int, int, str], None],
) -> None:
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
