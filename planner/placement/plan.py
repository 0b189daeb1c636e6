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
    (so the per-unit minimum stay holds whenever the per-site one does)."""
    weeks, units = [], problem.units
    km = problem.site_site_km
    if problem.initial_sites is not None:
        previous = [problem.site_index(s) for s in problem.initial_sites]
        stayed = [problem.min_stay_weeks] * units
    else:
        previous, stayed = [], []
    for w in range(len(problem.weeks)):
        slots = [s for s in range(len(problem.sites)) for _ in range(counts[w, s])]
        if len(slots) != units:
            raise AssertionError(f"week {w}: {len(slots)} units placed, expected {units}")
        if not previous:
            current = slots
            stayed = [1] * units
        else:
            lsa = linear_sum_assignment.SimpleLinearSumAssignment()
            for u, s in enumerate(previous):
                for j, t in enumerate(slots):
                    move = 0 if s == t else round(km[s, t] * 1000) + 1_000_000
                    # tie-break: moving a unit that has stayed less time costs a little more
                    move += 0 if s == t else max(0, problem.min_stay_weeks - stayed[u])
                    lsa.add_arc_with_cost(u, j, move)
            if lsa.solve() != lsa.OPTIMAL:
                raise AssertionError("unit matching failed")
            current = [slots[lsa.right_mate(u)] for u in range(units)]
            stayed = [stayed[u] + 1 if current[u] == previous[u] else 1 for u in range(units)]
        weeks.append(tuple(problem.sites[s].id for s in current))
        previous = current
    return tuple(weeks)
