"""One week on its own, bounded and planned region by region.

A single week of the placement problem is a capacitated maximal covering problem. Its LP
relaxation is weak where units fill up: the LP spreads fractions of units over many dense
areas at full capacity, so HiGHS's bound on a week of the 26-week benchmark stays 3-5 % open
however long it runs. This module bounds a week differently:

1. :func:`coverage` reduces the week: demand points with the same reachable sites merge into
   groups, and a site whose reach is contained in another site's is dropped (a unit there can
   move to the larger site and serve the same patients).
2. :func:`split_regions` clusters the sites into regions of at most ``max_sites`` sites,
   merging first the pairs that share the most demand.
3. Every region gets a table: the patients it serves with 0..U units, as a lower bound (a
   placement found by greedy search or a MIP) and an upper bound. A region sees ALL the demand
   its sites reach, so demand shared by two regions is counted in both: the tables relax the
   week, and the best split of the U units over the regions (a small knapsack, :func:`allocate`)
   bounds it. Only the table entries the best split uses are solved exactly (a MIP of one
   region with k units), until the split uses exact entries only or time is up.
4. The regions' placements, joined, are a plan for the week; a swap search
   (:func:`improve`) then moves single units while that serves more patients.

Measured on the 26-week benchmark (regions of at most 50-60 sites): the six weeks where HiGHS on
the whole week ends 3-5 % open are closed exactly in 10-35 s each; weeks where little demand
is shared end 0.3-2 % open (demand counted in two regions), and weeks where HiGHS closes
quickly are better left to it (benchmarks/README.md, section placement).
"""

from __future__ import annotations

import functools
import heapq
import time
from collections import defaultdict
from dataclasses import dataclass

import numpy as np
from ortools.graph.python import max_flow
from ortools.math_opt.python import mathopt

from planner.placement.mip import solve_mip
from planner.placement.problem import PlacementProblem

_SCALE = 1000  # max-flow capacities are integers: patients are counted in 1/1000


@dataclass(frozen=True)
class Coverage:
    """One week as a covering problem: which merged demand groups each kept site reaches."""

    sites: np.ndarray  # (S,) indices into problem.sites
    reach: np.ndarray  # (S, G) bool
    demand: np.ndarray  # (G,) patients per group
    capacity: float  # patients per unit

    def served(self, units: np.ndarray) -> float:
        """Most patients ``units`` (S,) units per site serve (a max flow; 1/1000 patient)."""
        S, G = self.reach.shape
        site, group = np.nonzero(self.reach & (units > 0)[:, None])
        demand = np.round(self.demand * _SCALE).astype(np.int64)
        flow = max_flow.SimpleMaxFlow()
        # nodes: 0 source, 1 sink, 2.. groups, 2+G.. sites
        flow.add_arcs_with_capacity(
            np.concatenate([np.zeros(G, np.int64), 2 + group, 2 + G + np.arange(S)]),
            np.concatenate([2 + np.arange(G), 2 + G + site, np.ones(S, np.int64)]),
            np.concatenate(
                [demand, demand[group], np.round(units * self.capacity * _SCALE).astype(np.int64)]
            ),
        )
        flow.solve(0, 1)
        return flow.optimal_flow() / _SCALE

    def subset(self, rows: np.ndarray) -> Coverage:
        """The sites ``rows`` with the groups they reach (ALL of those groups' demand); groups
        that differ only in sites outside ``rows`` merge (smaller region models)."""
        reach, demand = _merge(self.reach[rows], self.demand)
        return Coverage(self.sites[rows], reach, demand, self.capacity)


def coverage(problem: PlacementProblem, week: int) -> Coverage:
    """Week ``week`` reduced: groups of points with equal reach, dominated sites dropped."""
    demand = problem.unit_demand[:, week]
    reach = problem.reach
    points = np.flatnonzero((demand > 0) & reach.any(axis=0))
    sites = np.flatnonzero(reach[:, points].any(axis=1))
    matrix, totals = _merge(reach[np.ix_(sites, points)], demand[points])
    keep = _undominated(matrix)
    matrix, totals = _merge(matrix[keep], totals)
    return Coverage(sites[keep], matrix, totals, problem.capacity_per_week)


def full_coverage(problem: PlacementProblem, week: int) -> Coverage:
    """Week ``week`` with every candidate site kept (for judging whole plans): the groups of
    :func:`_merge`, found once per problem (the reach is the same every week)."""
    matrix, columns, group = _full_groups(problem)
    demand = np.where(problem.fixed_covered, 0.0, problem.demand[:, week])
    totals = np.bincount(group, weights=demand[columns], minlength=matrix.shape[1])
    return Coverage(np.arange(len(problem.sites)), matrix, totals, problem.capacity_per_week)


@functools.lru_cache(maxsize=1)
def _full_groups(problem: PlacementProblem) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """:func:`_merge`'s groups of every point a site reaches: the (S, G) matrix, the reached
    points and each one's group (a week's totals are a weighted count: 30 ms -> 0.1 ms a week
    at 2,120 sites x 2,799 points). Problems hash by identity."""
    reach = problem.reach
    columns = np.flatnonzero(reach.any(axis=0))
    keys = [reach[:, j].tobytes() for j in columns]
    order = sorted(set(keys))
    index = {k: g for g, k in enumerate(order)}
    group = np.array([index[k] for k in keys], dtype=np.int64)
    first = {k: j for j, k in zip(columns.tolist(), keys, strict=True)}
    matrix = (
        np.stack([reach[:, first[k]] for k in order], axis=1)
        if order
        else np.zeros((reach.shape[0], 0), bool)
    )
    return matrix, columns, group


def _merge(reach: np.ndarray, demand: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Columns (groups) with the same reaching sites added up; unreached ones dropped."""
    merged: dict[bytes, float] = defaultdict(float)
    columns: dict[bytes, np.ndarray] = {}
    for j in range(reach.shape[1]):
        if reach[:, j].any():
            key = reach[:, j].tobytes()
            merged[key] += float(demand[j])
            columns[key] = reach[:, j]
    keys = sorted(merged)
    if not keys:
        return np.zeros((reach.shape[0], 0), bool), np.zeros(0)
    return np.stack([columns[k] for k in keys], axis=1), np.array([merged[k] for k in keys])


def _undominated(reach: np.ndarray) -> np.ndarray:
    """Sites whose reach no other site's contains (of equal ones, the first is kept)."""
    counts = reach.astype(np.int32)
    common = counts @ counts.T
    size = counts.sum(axis=1)
    keep = size > 0
    for s in range(len(size)):
        contains = (common[s] == size[s]) & keep  # t reaches everything s reaches
        contains[s] = False
        if np.any(contains & ((size > size[s]) | (np.arange(len(size)) < s))):
            keep[s] = False
    return keep


def split_regions(cov: Coverage, max_sites: int) -> list[np.ndarray]:
    """Clusters of at most ``max_sites`` sites; pairs sharing the most demand merge first."""
    weighted = cov.reach * cov.demand[None, :]
    shared = weighted @ cov.reach.T.astype(float)
    np.fill_diagonal(shared, 0.0)
    members = {s: [s] for s in range(len(cov.sites))}
    while True:
        i, j = (int(k) for k in np.unravel_index(int(np.argmax(shared)), shared.shape))
        if shared[i, j] <= 0:
            break
        if len(members[i]) + len(members[j]) > max_sites:
            shared[i, j] = shared[j, i] = 0.0
            continue
        members[i] += members.pop(j)
        shared[i, :] += shared[j, :]
        shared[:, i] += shared[:, j]
        shared[i, i] = 0.0
        shared[j, :] = 0.0
        shared[:, j] = 0.0
    return [np.array(sorted(m)) for m in sorted(members.values())]


def allocate(tables: np.ndarray) -> tuple[np.ndarray, float]:
    """Best split of U units over regions: tables (R, U+1) of patients with k units in
    region r -> (units per region, total). A knapsack solved by dynamic programming."""
    R, width = tables.shape
    best = np.full(width, -np.inf)
    best[0] = 0.0
    choice = np.zeros((R, width), dtype=int)
    for r in range(R):
        # new[a] = max over k <= a of best[a - k] + tables[r, k]
        options = np.full((width, width), -np.inf)
        for k in range(width):
            options[k:, k] = best[: width - k] + tables[r, k]
        choice[r] = np.argmax(options, axis=1)
        best = options[np.arange(width), choice[r]]
    units = np.zeros(R, dtype=int)
    left = width - 1
    for r in range(R - 1, -1, -1):
        units[r] = choice[r, left]
        left -= units[r]
    return units, float(best[width - 1])


def greedy(cov: Coverage, units: int) -> list[np.ndarray]:
    """Placements with 0..units units, each adding the unit that serves most (greedy)."""
    placement = np.zeros(len(cov.sites), dtype=int)
    out = [placement.copy()]
    current = 0.0
    for _ in range(units):
        gains = []
        for s in range(len(cov.sites)):
            placement[s] += 1
            gains.append(cov.served(placement))
            placement[s] -= 1
        s = int(np.argmax(gains))
        placement[s] += 1
        if gains[s] <= current + 1e-9:  # nothing more to serve: the rest stand anywhere useful
            placement[s] -= 1
            placement[int(np.argmax(cov.reach @ cov.demand))] += 1
        current = max(current, gains[s])
        out.append(placement.copy())
    return out


def greedy_week(
    problem: PlacementProblem,
    w: int,
    lower: np.ndarray | None = None,
    spread: dict[tuple[str, int], int] | None = None,
) -> tuple[np.ndarray, float] | None:
    """A greedy placement of week ``w`` on its own: (units per site (S,), patients it serves
    at least). Places the ``lower`` (S,) units first, then at least ``spread[(county, 0)]``
    units in each county (None when such a county has no site), then one unit at a time
    where the most unserved demand is in reach; each unit serves up to its capacity of that
    demand (each reached point in proportion, a feasible allocation, so the count is a lower
    bound on what the placement serves). A few matrix-vector products per unit: a year of
    weeks at the scale of Sweden takes under a second (measured 0.7 s for 104 weeks, 264
    sites, 1,717 points); within 1 % of the weekly MIP on the weeks checked."""
    S, U, cap = len(problem.sites), problem.units, problem.capacity_per_week
    reach = problem.reach
    weights = _reach_weights(problem)
    counties = np.array([site.county_code for site in problem.sites])
    residual = np.where(problem.fixed_covered, 0.0, problem.demand[:, w]).astype(float)
    start = float(residual.sum())
    row = np.zeros(S, dtype=int)

    def place(s: int) -> None:
        row[s] += 1
        total = residual[reach[s]].sum()
        if total > 0:
            residual[reach[s]] *= max(0.0, 1.0 - cap / total)

    lower = np.zeros(S, dtype=int) if lower is None else lower
    for s in np.flatnonzero(lower):
        for _ in range(int(lower[s])):
            place(int(s))
    for (county, _), need in (spread or {}).items():
        in_county = counties == county
        if not in_county.any():
            return None
        while row[in_county].sum() < need and row.sum() < U:
            place(int(np.argmax(np.where(in_county, weights @ residual, -1.0))))
    # Lazy: a site's gain (the unserved demand it reaches) only falls as units are placed, so
    # a gain computed earlier bounds it; only the top of the heap is computed again. The same
    # site as the argmax over every site (ties: the first), at a few dot products per unit
    # instead of a (sites x points) product: 0.9 s -> 0.02 s a week at 2,120 sites x 2,799
    # points.
    heap: list[tuple[float, int]] = [(-float(g), i) for i, g in enumerate(weights @ residual)]
    heapq.heapify(heap)
    while row.sum() < U:
        while True:
            site = heapq.heappop(heap)[1]
            fresh = (-float(weights[site] @ residual), site)
            if not heap or fresh <= heap[0]:
                break
            heapq.heappush(heap, fresh)
        place(site)
        heapq.heappush(heap, (-float(weights[site] @ residual), site))  # it may take another
    return row, start - float(residual.sum())


@functools.lru_cache(maxsize=1)
def _reach_weights(problem: PlacementProblem) -> np.ndarray:
    """:attr:`PlacementProblem.reach` as floats, made once per problem (a week's greedy asks
    for it again; converting 6 million cells takes ~15 ms). Problems hash by identity."""
    return problem.reach.astype(float)


def improve(cov: Coverage, placement: np.ndarray, deadline: float) -> tuple[np.ndarray, float]:
    """Move single units to other sites while that serves more patients (first improvement)."""
    placement = placement.copy()
    best = cov.served(placement)
    improved = True
    while improved and time.perf_counter() < deadline:
        improved = False
        for s in np.flatnonzero(placement):
            for t in range(len(placement)):
                if t == s:
                    continue
                placement[s] -= 1
                placement[t] += 1
                value = cov.served(placement)
                if value > best + 1e-6:
                    best, improved = value, True
                    break
                placement[s] += 1
                placement[t] -= 1
            if improved or time.perf_counter() >= deadline:
                break
    return placement, best


def region_mip(
    cov: Coverage, units: int, time_limit_s: float
) -> tuple[str, float | None, float | None, np.ndarray | None]:
    """Exactly ``units`` units in one region: (status, patients, bound, placement)."""
    model = mathopt.Model(name="region")
    cap = cov.capacity
    y = [model.add_integer_variable(lb=0, ub=units) for _ in range(len(cov.sites))]
    model.add_linear_constraint(sum(y) == units)
    by_site: dict[int, list] = defaultdict(list)
    served = []
    for g in range(len(cov.demand)):
        row = []
        for s in map(int, np.flatnonzero(cov.reach[:, g])):
            x = model.add_variable(lb=0, ub=float(cov.demand[g]))
            # a site serves a group only where a unit stands (tightens the LP)
            model.add_linear_constraint(x - min(float(cov.demand[g]), cap) * y[s] <= 0)
            row.append(x)
            by_site[s].append(x)
        model.add_linear_constraint(sum(row) <= float(cov.demand[g]))
        served.extend(row)
    for s, xs in by_site.items():
        model.add_linear_constraint(sum(xs) - cap * y[s] <= 0)
    model.maximize(sum(served))
    outcome = solve_mip(model, time_limit_s=max(time_limit_s, 0.05), relative_gap_tolerance=1e-5)
    placement = None
    if outcome.has_solution:
        values = outcome.result.variable_values()
        placement = np.array([round(values[v]) for v in y])
    return outcome.status, outcome.objective, outcome.bound, placement


@dataclass
class WeekPlan:
    """A week on its own: units per site (of problem.sites), patients served, proven bound."""

    counts: np.ndarray  # (S_problem,)
    served: float
    bound: float


def solve_week(
    problem: PlacementProblem, week: int, seconds: float, max_sites: int = 50
) -> WeekPlan:
    """Bound and plan one week (relocation, stays, contracts and floors left out)."""
    started = time.perf_counter()
    deadline = started + seconds
    U, cap = problem.units, problem.capacity_per_week
    cov = coverage(problem, week)
    counts = np.zeros(len(problem.sites), dtype=int)
    if U == 0 or not len(cov.sites):
        if U:
            counts[0] = U
        return WeekPlan(counts, 0.0, 0.0)
    regions = split_regions(cov, max_sites)
    parts = [cov.subset(r) for r in regions]
    k = np.arange(U + 1)
    upper = np.array([np.minimum(k * cap, part.demand.sum()) for part in parts])
    placements = [greedy(part, U) for part in parts]
    lower = np.array(
        [[part.served(p) for p in table] for part, table in zip(parts, placements, strict=True)]
    )
    tries = np.zeros_like(upper)
    while time.perf_counter() < deadline:
        split, _ = allocate(upper)
        loose = [
            (upper[r, n] - lower[r, n], r)
            for r, n in enumerate(split)
            if upper[r, n] - lower[r, n] > 1e-4 * max(1.0, upper[r, n])
        ]
        if not loose:
            break
        _, r = max(loose)
        n = int(split[r])
        tries[r, n] += 1
        left = deadline - time.perf_counter()
        _, value, bound, placement = region_mip(parts[r], n, min(left, 1.5 * 2 ** tries[r, n]))
        if bound is not None:
            upper[r, n] = min(upper[r, n], bound)
        if value is not None and placement is not None and value > lower[r, n]:
            placements[r][n] = placement
            lower[r, n] = parts[r].served(placement)
        # patients never fall when a unit is added, and rise by at most one unit's capacity
        upper[r] = np.minimum.accumulate(upper[r][::-1])[::-1]
        upper[r, 1:] = np.minimum(upper[r, 1:], upper[r, :-1] + cap)
        upper[r] = np.maximum(upper[r], lower[r])
    _, bound = allocate(upper)
    split, _ = allocate(lower)
    joined = np.zeros(len(cov.sites), dtype=int)
    for r, n in enumerate(split):
        joined[regions[r]] += placements[r][n]
    joined, served = improve(cov, joined, max(deadline, time.perf_counter() + 0.2 * seconds))
    counts[cov.sites] = joined
    return WeekPlan(counts, served, max(bound, served))
