"""A plan as units per site and week (``counts``, shape (W, S)): the units' identities week by
week, the relocations they make, and the plan's value (what ``evaluate`` counts)."""

from __future__ import annotations

import numpy as np
from ortools.graph.python import linear_sum_assignment

from planner.placement.problem import PlacementProblem
from planner.placement.regions import full_coverage


def plan_value(problem: PlacementProblem, counts: np.ndarray) -> float:
    """Served value (max flow per week) minus direct relocation cost: what ``evaluate`` counts."""
    served = sum(full_coverage(problem, w).served(counts[w]) for w in range(len(problem.weeks)))
    return served * problem.value_per_patient - relocation_cost(problem, counts)


def site_ids(problem: PlacementProblem, row: np.ndarray) -> tuple[str, ...]:
    """One site id per unit for a week's units-per-site row."""
    return tuple(problem.sites[s].id for s in range(len(row)) for _ in range(int(row[s])))


def relocation_cost(problem: PlacementProblem, counts: np.ndarray) -> float:
    """Direct cost of the moves :func:`track_units` makes between consecutive weeks."""
    cost = problem.move_cost()
    plan = track_units(problem, counts)
    previous = problem.initial_sites
    total = 0.0
    for sites in plan:
        if previous is not None:
            total += sum(
                float(cost[problem.site_index(a), problem.site_index(b)])
                for a, b in zip(previous, sites, strict=True)
                if a != b
            )
        previous = sites
    return total


def track_units(problem: PlacementProblem, counts: np.ndarray) -> tuple[tuple[str, ...], ...]:
    """Give units identities: match each week's sites to the previous week's units at the
    least road km, breaking ties so that the unit that has stayed longest is the one to move
    (so the per-unit minimum stay holds whenever the per-site one does).

    A unit whose site stays in the plan keeps it: a move costs 1,000,000 plus its metres, so
    by the triangle inequality of road km breaking a stay never pays; of a site's units the
    ones that stayed shortest stay. Only the movers go to the assignment (100 units x 104
    weeks would be a million arcs a call otherwise).
    """
    weeks, units = [], problem.units
    km = problem.site_site_km
    if problem.initial_sites is not None:
        previous = [problem.site_index(s) for s in problem.initial_sites]
        stayed = [problem.min_stay_weeks] * units
    else:
        previous, stayed = [], []
    for w in range(len(problem.weeks)):
        placed = {int(s): int(n) for s, n in enumerate(counts[w]) if n}
        if sum(placed.values()) != units:
            raise AssertionError(f"week {w}: {sum(placed.values())} units placed, expected {units}")
        if not previous:
            current = [s for s, n in sorted(placed.items()) for _ in range(n)]
            stayed = [1] * units
        else:
            free = dict(placed)
            kept: list[int | None] = [None] * units
            for u in sorted(range(units), key=lambda u: (stayed[u], u)):
                if free.get(previous[u], 0) > 0:
                    kept[u] = previous[u]
                    free[previous[u]] -= 1
            movers = [u for u in range(units) if kept[u] is None]
            targets = [t for t, n in sorted(free.items()) for _ in range(n)]
            if movers:
                metres = np.rint(km[np.ix_([previous[u] for u in movers], targets)] * 1000)
                # tie-break: moving a unit that has stayed less time costs a little more
                extra = [max(0, problem.min_stay_weeks - stayed[u]) for u in movers]
                lsa = linear_sum_assignment.SimpleLinearSumAssignment()
                for i, row in enumerate(metres.astype(np.int64) + 1_000_000):
                    for j, move in enumerate(row.tolist()):
                        lsa.add_arc_with_cost(i, j, move + extra[i])
                if lsa.solve() != lsa.OPTIMAL:
                    raise AssertionError("unit matching failed")
                for i, u in enumerate(movers):
                    kept[u] = targets[lsa.right_mate(i)]
            current = [s for s in kept if s is not None]
            stayed = [stayed[u] + 1 if current[u] == previous[u] else 1 for u in range(units)]
        weeks.append(tuple(problem.sites[s].id for s in current))
        previous = current
    return tuple(weeks)
