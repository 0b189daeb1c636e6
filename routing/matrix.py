"""Travel-time tables: the one interface planners use to ask "how far from here to there".

:class:`MatrixSource` is a small protocol. :class:`NetworkMatrixSource` answers from the proxy
network in :mod:`routing.network` (Dijkstra from each needed origin, cached on disk);
:class:`StaticMatrixSource` serves a precomputed table, which is how a real routing engine's
table (OSRM ``/table``, Valhalla ``sources_to_targets``) plugs in without touching planners.
"""

from __future__ import annotations

import hashlib
import os
import tempfile
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Protocol, runtime_checkable

import numpy as np

from routing.network import TravelNetwork, shortest_paths

CACHE_VERSION = "1"


@dataclass(frozen=True, eq=False)
class TravelMatrix:
    """Minutes and km from each origin (rows) to each destination (columns).

    Unreachable pairs hold ``inf``. The arrays are read-only.
    """

    origins: tuple[str, ...]
    destinations: tuple[str, ...]
    minutes: np.ndarray
    km: np.ndarray

    def __post_init__(self) -> None:
        object.__setattr__(self, "origins", tuple(self.origins))
        object.__setattr__(self, "destinations", tuple(self.destinations))
        shape = (len(self.origins), len(self.destinations))
        for name in ("minutes", "km"):
            array = np.array(getattr(self, name), dtype=float)  # a private, read-only copy
            if array.shape != shape:
                raise ValueError(f"TravelMatrix {name} has shape {array.shape}, expected {shape}.")
            if np.any(array < 0) or np.any(np.isnan(array)):
                raise ValueError(f"Cannot have negative or NaN travel {name}.")
            array.setflags(write=False)
            object.__setattr__(self, name, array)

    def lookup(self, origin: str, destination: str) -> tuple[float, float]:
        """(minutes, km) for one pair; raises ``KeyError`` for ids not in the table."""
        i = self.origins.index(origin) if origin in self.origins else None
        j = self.destinations.index(destination) if destination in self.destinations else None
        if i is None or j is None:
            raise KeyError(f"No travel entry for {origin!r} -> {destination!r}.")
        return float(self.minutes[i, j]), float(self.km[i, j])

    def subset(self, origins: Sequence[str], destinations: Sequence[str]) -> TravelMatrix:
        """The rows and columns for the given ids (each must be in this table)."""
        row = {o: i for i, o in enumerate(self.origins)}
        col = {d: j for j, d in enumerate(self.destinations)}
        missing = [o for o in origins if o not in row] + [d for d in destinations if d not in col]
        if missing:
            raise KeyError(f"Not in this travel table: {', '.join(missing[:10])}.")
        r = [row[o] for o in origins]
        c = [col[d] for d in destinations]
        return TravelMatrix(
            tuple(origins), tuple(destinations), self.minutes[np.ix_(r, c)], self.km[np.ix_(r, c)]
        )


@runtime_checkable
class MatrixSource(Protocol):
    """Anything that can produce an origins x destinations travel table."""

    def matrix(self, origins: Sequence[str], destinations: Sequence[str]) -> TravelMatrix:
        """Minutes and km from each origin to each destination."""
        ...


class StaticMatrixSource:
    """Serves sub-tables of one precomputed table (for example an OSRM ``/table`` response)."""

    def __init__(self, table: TravelMatrix) -> None:
        self.table = table

    def matrix(self, origins: Sequence[str], destinations: Sequence[str]) -> TravelMatrix:
        """The requested rows and columns; raises ``KeyError`` for ids not in the table."""
        return self.table.subset(origins, destinations)


class NetworkMatrixSource:
    """Travel tables from a :class:`TravelNetwork`, optionally cached as ``.npz`` files.

    Runs one Dijkstra (on minutes, stopping once all targets are settled) per distinct origin,
    or per distinct destination when there are fewer of those (the network is undirected, so
    the table is the transpose). ``km`` is the length of the fastest path. The cache key is the
    network fingerprint plus the exact origin and destination lists, so a changed network or
    request never reads a stale table.
    """

    def __init__(self, network: TravelNetwork, cache_dir: Path | None = None) -> None:
        self.network = network
        self.cache_dir = Path(cache_dir) if cache_dir is not None else None

    def cache_path(self, origins: Sequence[str], destinations: Sequence[str]) -> Path | None:
        """Where the table for this request is (or would be) cached; None without a cache."""
        if self.cache_dir is None:
            return None
        digest = hashlib.sha256()
        digest.update(f"v{CACHE_VERSION}|{self.network.fingerprint()}|".encode())
        digest.update("\x1f".join(origins).encode() + b"\x1e" + "\x1f".join(destinations).encode())
        return self.cache_dir / f"travel-{digest.hexdigest()[:32]}.npz"

    def matrix(self, origins: Sequence[str], destinations: Sequence[str]) -> TravelMatrix:
        """Minutes and km from each origin to each destination (``inf`` where unreachable)."""
        origins, destinations = tuple(map(str, origins)), tuple(map(str, destinations))
        self.network.check_ids(*dict.fromkeys(origins + destinations))
        path = self.cache_path(origins, destinations)
        if path is not None and path.exists():
            try:
                with np.load(path) as data:
                    return TravelMatrix(origins, destinations, data["minutes"], data["km"])
            except (OSError, ValueError, KeyError):
                pass  # a damaged cache file is recomputed and overwritten
        minutes, km = compute_tables(self.network, origins, destinations)
        if path is not None:
            _write_atomic(path, minutes, km)
        return TravelMatrix(origins, destinations, minutes, km)


def compute_tables(
    network: TravelNetwork, origins: Sequence[str], destinations: Sequence[str]
) -> tuple[np.ndarray, np.ndarray]:
    """(minutes, km) arrays for origins x destinations on ``network``, without caching."""
    index = network.index
    rows = [index[o] for o in origins]
    cols = [index[d] for d in destinations]
    transpose = len(set(cols)) < len(set(rows))
    sources, targets = (cols, rows) if transpose else (rows, cols)
    target_set = set(targets)
    minutes = np.empty((len(sources), len(targets)))
    km = np.empty((len(sources), len(targets)))
    done: dict[int, int] = {}
    for r, s in enumerate(sources):
        if s in done:
            minutes[r], km[r] = minutes[done[s]], km[done[s]]
            continue
        m, k, _ = shortest_paths(network.adjacency, s, target_set)
        minutes[r], km[r] = m[targets], k[targets]
        done[s] = r
    # The trip overhead (NetworkParams) is paid once per trip between two different places.
    overhead = network.params.trip_overhead_minutes
    if overhead:
        minutes += overhead * (np.asarray(sources)[:, None] != np.asarray(targets)[None, :])
    if transpose:
        return minutes.T.copy(), km.T.copy()
    return minutes, km


def _write_atomic(path: Path, minutes: np.ndarray, km: np.ndarray) -> None:
    """Write an ``.npz`` next to its final name, then rename (safe with concurrent readers)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=path.stem, suffix=".tmp.npz", dir=path.parent)
    try:
        with os.fdopen(fd, "wb") as handle:
            np.savez(handle, minutes=minutes, km=km)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
