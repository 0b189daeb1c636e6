"""Read OR-Library p-median instances (Beasley's ``pmed1`` .. ``pmed40``) into a cost matrix.

The format is a header ``n_vertices n_edges p`` followed by ``n_edges`` lines ``i j cost``
(undirected edges, vertices numbered from 1). Distances are all-pairs shortest paths over the
edges. When a vertex pair is listed more than once, the **last** cost listed counts (the
OR-Library convention; taking the minimum gives other optima, e.g. 5718 instead of 5819 for
pmed1). Every vertex is both a client (weight 1) and a candidate median.

>>> inst = read_pmed("pmed1.txt")                                    # doctest: +SKIP
>>> solve_pmedian(inst.problem()).objective                           # doctest: +SKIP
5819.0
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import numpy as np

from planner.placement.classic.problems import PMedianProblem
from planner.placement.errors import OrLibraryFormatError


@dataclass(frozen=True, eq=False)
class PMedInstance:
    """An OR-Library p-median instance: its name, shortest-path distances and p."""

    name: str
    distances: np.ndarray
    p: int
    n_edges: int

    @property
    def n(self) -> int:
        """Number of vertices (clients = candidate medians)."""
        return int(self.distances.shape[0])

    def problem(self) -> PMedianProblem:
        """The p-median problem: every vertex a client of weight 1 and a candidate median."""
        return PMedianProblem.from_cost_matrix(self.distances, None, self.p)


def read_pmed(path: str | Path) -> PMedInstance:
    """Read an OR-Library pmed file; the last cost of a duplicated edge counts."""
    path = Path(path)
    try:
        text = path.read_text()
    except OSError as exc:
        reason = exc.strerror or exc
        raise OrLibraryFormatError(f"{path}: cannot read the file ({reason})") from None
    return parse_pmed(text, name=path.stem, source=str(path))


def parse_pmed(text: str, *, name: str = "pmed", source: str = "<text>") -> PMedInstance:
    """Parse the text of an OR-Library pmed file (see :func:`read_pmed`)."""
    lines = [(no, line.split()) for no, line in enumerate(text.splitlines(), start=1)]
    lines = [(no, fields) for no, fields in lines if fields]
    if not lines:
        raise OrLibraryFormatError(f"{source}: the file is empty")
    header_no, header = lines[0]
    n, n_edges, p = _ints(header, 3, source, header_no, "header 'n_vertices n_edges p'")
    if n < 1:
        raise OrLibraryFormatError(f"{source}, line {header_no}: n_vertices must be >= 1, got {n}")
    if not 1 <= p <= n:
        raise OrLibraryFormatError(
            f"{source}, line {header_no}: p must be between 1 and n_vertices={n}, got {p}"
        )
    edge_lines = lines[1:]
    if len(edge_lines) != n_edges:
        raise OrLibraryFormatError(
            f"{source}: the header (line {header_no}) announces {n_edges} edges, "
            f"the file has {len(edge_lines)} edge lines"
        )
    # Dict assignment in file order: a later line for the same pair overwrites (last one wins).
    edges: dict[tuple[int, int], int] = {}
    for no, fields in edge_lines:
        i, j, cost = _ints(fields, 3, source, no, "edge 'i j cost'")
        for vertex in (i, j):
            if not 1 <= vertex <= n:
                raise OrLibraryFormatError(
                    f"{source}, line {no}: vertex {vertex} is outside 1..{n}"
                )
        if cost < 0:
            raise OrLibraryFormatError(f"{source}, line {no}: edge cost {cost} is negative")
        edges[(min(i, j), max(i, j))] = cost
    distances = shortest_paths(n, edges)
    if not np.isfinite(distances).all():
        i, j = (int(v) + 1 for v in np.argwhere(~np.isfinite(distances))[0])
        raise OrLibraryFormatError(
            f"{source}: the graph is not connected (no path from vertex {i} to vertex {j})"
        )
    return PMedInstance(name=name, distances=distances, p=p, n_edges=n_edges)


def shortest_paths(n: int, edges: dict[tuple[int, int], int]) -> np.ndarray:
    """All-pairs shortest path lengths (vertices 1..n) over undirected edges; inf if unreachable.

    Floyd-Warshall vectorised with numpy: n outer steps of an n x n minimum, about 0.1 s for
    n = 400 and 1 s for n = 900.
    """
    dist = np.full((n, n), np.inf)
    np.fill_diagonal(dist, 0.0)
    for (i, j), cost in edges.items():
        if i != j:
            dist[i - 1, j - 1] = dist[j - 1, i - 1] = cost
    for k in range(n):
        np.minimum(dist, dist[:, k, None] + dist[None, k, :], out=dist)
    return dist


def _ints(fields: list[str], count: int, source: str, no: int, what: str) -> tuple[int, ...]:
    if len(fields) != count:
        raise OrLibraryFormatError(
            f"{source}, line {no}: expected the {what} ({count} integers), got {' '.join(fields)!r}"
        )
    try:
        return tuple(int(field) for field in fields)
    except ValueError:
        raise OrLibraryFormatError(
            f"{source}, line {no}: expected the {what} ({count} integers), got {' '.join(fields)!r}"
        ) from None
