"""Local search on a whole plan: served value minus relocation cost, one unit-week at a time.

The week-by-week plans decide each week with at most its neighbours in view; this search
prices every change with both moves it touches. A step takes one unit of week ``w`` from its
site to another site (one used the week before or after, or by the week's own best placement)
and is kept when the patients it gains (a max flow, :class:`~planner.placement.regions.Coverage`)
are worth more than the relocation it adds (least-cost matching of the units of consecutive
weeks). Only for plans without minimum stays above one week or region contracts, which a
single unit-week change could break.
"""

from __future__ import annotations

import time

import numpy as np
from ortools.graph.python import linear_sum_assignment

from planner.placement.problem import PlacementProblem
from planner.placement.regions import full_coverage


def transition_cost(cost: np.ndarray, before: np.ndarray, after: np.ndarray) -> float:
    """Least cost of moving units placed as ``before`` (S,) to ``after`` (S,): units that
    stay cost nothing, the others are matched at least total cost."""
    stay = np.minimum(before, after)
    leave = np.repeat(np.arange(len(before)), before - stay)
    arrive = np.repeat(np.arange(len(after)), after - stay)
    if not len(leave):
        return 0.0
    if len(leave) == 1:
        return float(cost[leave[0], arrive[0]])
    sub = cost[np.ix_(leave, arrive)]
    lsa = linear_sum_assignment.SimpleLinearSumAssignment()
    scaled = np.round(sub * 100).astype(np.int64)
    n = len(leave)
    lsa.add_arcs_with_cost(np.repeat(np.arange(n), n), np.tile(np.arange(n), n), scaled.ravel())
    lsa.solve()
    return float(sum(sub[i, lsa.right_mate(i)] for i in range(n)))


def improve_plan(
    problem: PlacementProblem, counts: np.ndarray, deadline: float, extra: np.ndarray | None = None
) -> np.ndarray:
    """Better ``counts`` (W, S) by single unit-week moves until none helps or ``deadline``.

    ``extra`` (W, S) marks more sites worth trying in a week (e.g. its own best placement)."""
    W, S = counts.shape
    counts = counts.copy()
    cost = problem.move_cost()
    value = problem.value_per_patient
    covs = [full_coverage(problem, w) for w in range(W)]
    served = np.array([covs[w].served(counts[w]) for w in range(W)])
    initial = np.zeros(S, dtype=int)
    if problem.initial_sites is not None:
        for site_id in problem.initial_sites:
            initial[problem.site_index(site_id)] += 1

    def moves(w: int, row: np.ndarray) -> float:
        """Relocation into week w and out of it, with week w placed as ``row``."""
        total = 0.0
        if w > 0:
            total += transition_cost(cost, counts[w - 1], row)
        elif problem.initial_sites is not None:
            total += transition_cost(cost, initial, row)
        if w + 1 < W:
            total += transition_cost(cost, row, counts[w + 1])
        return total

    changed = True
    while changed and time.perf_counter() < deadline:
        changed = False
        for w in range(W):
            targets = set()
            for k in (w - 1, w + 1):
                if 0 <= k < W:
                    targets.update(np.flatnonzero(counts[k]).tolist())
            if extra is not None:
                targets.update(np.flatnonzero(extra[w]).tolist())
            if w == 0 and problem.initial_sites is not None:
                targets.update(np.flatnonzero(initial).tolist())
            current = served[w] * value - moves(w, counts[w])
            improved = True
            while improved and time.perf_counter() < deadline:
                improved = False
                row = counts[w]
                for s in np.flatnonzero(row):
                    for t in targets:
                        if t == s:
                            continue
                        row[s] -= 1
                        row[t] += 1
                        gain = covs[w].served(row)
                        candidate = gain * value - moves(w, row)
                        if candidate > current + 1e-6:
                            served[w], current, improved, changed = gain, candidate, True, True
                            break
                        row[s] += 1
                        row[t] -= 1
                    if improved:
                        break
    return counts


def best_path(
    problem: PlacementProblem, candidates: np.ndarray, deadline: float | None = None
) -> np.ndarray | None:
    """The best plan that stands, each week, in one of the ``candidates`` (K, S) placements
    (e.g. every week's own best placement and the rows of other plans): a longest path over
    weeks x candidates, served value minus least-cost relocation. Rows that do not place
    every unit are ignored; at least one must. Returns counts (W, S), or None when
    ``deadline`` (a ``time.perf_counter()`` value) passes first (W x K max flows and K x K
    matchings take seconds on a year of weeks)."""
    W = len(problem.weeks)
    cand = np.unique(candidates[candidates.sum(axis=1) == problem.units], axis=0)
    K = len(cand)
    cost = problem.move_cost()

    def out_of_time() -> bool:
        return deadline is not None and time.perf_counter() > deadline

    value = np.zeros((W, K))
    for w in range(W):
        if out_of_time():
            return None
        cov = full_coverage(problem, w)
        value[w] = [cov.served(row) for row in cand]
    value *= problem.value_per_patient
    move = np.zeros((K, K))  # (from, to)
    for k, a in enumerate(cand):
        if out_of_time():
            return None
        move[k] = [transition_cost(cost, a, b) for b in cand]
    best = value[0].copy()
    if problem.initial_sites is not None:
        initial = np.zeros(cand.shape[1], dtype=int)
        for site_id in problem.initial_sites:
            initial[problem.site_index(site_id)] += 1
        best -= np.array([transition_cost(cost, initial, b) for b in cand])
    came = np.zeros((W, K), dtype=int)
    for w in range(1, W):
        through = best[:, None] - move  # (from, to)
        came[w] = np.argmax(through, axis=0)
        best = value[w] + through[came[w], np.arange(K)]
    path = [int(np.argmax(best))]
    for w in range(W - 1, 0, -1):
        path.append(int(came[w, path[-1]]))
    return cand[path[::-1]].copy()
