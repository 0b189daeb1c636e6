"""Why a placement cannot be planned, in the words of its named constraints.

:func:`precheck` tests necessary conditions before any solve (contracts the fleet cannot
cover, floors no site can reach); :func:`diagnose` explains an infeasible model by solving its
elastic variant, where each region contract and county floor may fall short at a penalty.
"""

from __future__ import annotations

import numpy as np

from planner.placement.errors import PlacementInfeasibleError
from planner.placement.mip import solve_mip
from planner.placement.model import build_model
from planner.placement.problem import PlacementProblem, SolveParams


def precheck(problem: PlacementProblem) -> None:
    """Necessary conditions checked before any solve; all failures named at once."""
    reasons: list[str] = []
    W, U = len(problem.weeks), problem.units
    needed = sum(c.unit_weeks for c in problem.region_contracts)
    if needed > U * W:
        reasons.append(
            f"region contracts need {needed} unit-weeks in total but {U} units x "
            f"{W} weeks give {U * W}"
        )
    for contract in problem.region_contracts:
        if contract.unit_weeks > 0 and not any(
            s.county_code == contract.county_code for s in problem.sites
        ):
            reasons.append(
                f"region contract for county {contract.county_code} needs "
                f"{contract.unit_weeks} unit-weeks but no candidate site is in that county"
            )
    if problem.equity == "floor" and problem.county_floor_share > 0:
        reachable = problem.reach.any(axis=0)
        demand = problem.unit_demand.sum(axis=1)
        for county, total in sorted(problem.county_demand().items()):
            mask = np.array([p.county_code == county for p in problem.points])
            share = demand[mask & reachable].sum() / total if total > 0 else 1.0
            capacity_share = problem.capacity_per_week * U * W / total if total > 0 else 1.0
            best = min(share, capacity_share)
            if best + 1e-9 < problem.county_floor_share:
                why = (
                    "is within reach of a site"
                    if share <= capacity_share
                    else "fits the whole fleet's capacity"
                )
                reasons.append(
                    f"county floor {problem.county_floor_share:.0%} cannot be met in county "
                    f"{county}: only {best:.1%} of its demand {why}"
                )
    if reasons:
        raise PlacementInfeasibleError("the placement cannot be planned: " + "; ".join(reasons))


def diagnose(problem: PlacementProblem, params: SolveParams) -> str:
    """Which named constraints an infeasible problem cannot meet, by how much (elastic solve)."""
    built = build_model(problem, params, elastic=True)
    outcome = solve_mip(built.model, time_limit_s=params.time_limit_s, relative_gap_tolerance=1e-3)
    if not outcome.has_solution:
        return "the placement is infeasible and no diagnosis was found within the time limit"
    values = outcome.result.variable_values()
    county_demand = problem.county_demand()
    parts = []
    for county, var in built.slacks.get("region_contract", {}).items():
        short = values[var]
        if short > 1e-6:
            need = next(c.unit_weeks for c in problem.region_contracts if c.county_code == county)
            parts.append(
                f"region contract for county {county} needs {need} unit-weeks; "
                f"short by {short:.0f} together with the other constraints"
            )
    for county, var in built.slacks.get("county_floor", {}).items():
        short = values[var]
        if short > 1e-6:
            share = (problem.county_floor_share * county_demand[county] - short) / county_demand[
                county
            ]
            parts.append(
                f"county floor {problem.county_floor_share:.0%} cannot be met in county "
                f"{county}: at most {share:.1%} together with the other constraints"
            )
    if not parts:
        return "the placement is infeasible (units, flows and minimum stays conflict)"
    return "the placement cannot be planned: " + "; ".join(parts)
