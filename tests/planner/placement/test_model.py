"""Each named constraint of the placement MIP, on the line problem with the unit pinned by hand.

The line problem (``line_problem``: sites A - B - C, 100 patients at A in week 1 and at C in
week 2, 10 at B each week, one unit that serves only the point beside it, 10 per patient, a
move A -> C costs 183.33) is pinned to a plan through ``y_lower``: with one unit, a lower
bound of one unit at a site fixes the week. The model then either values the plan exactly or
is infeasible, whichever the constraint under test says.
"""

from __future__ import annotations

import numpy as np
import pytest

from planner.placement import DemandPoint, PlacementProblem, RegionContract, SolveParams
from planner.placement.mip import MipOutcome, solve_mip
from planner.placement.model import BuiltModel, build_model

from .test_placement import line_problem

A, B, C = 0, 1, 2
MOVE_A_TO_C = 100 + 100 * 200 / 2400 * 10  # 100 km at 1 per km + 100 minutes at 0.8333
PENALTY = 10 * 200 * 2 * 10  # value x capacity x weeks x 10: any slack outweighs any plan


def pinned(
    problem: PlacementProblem,
    plan: list[list[int]],
    *,
    elastic: bool = False,
    county_min_units: dict[tuple[str, int], int] | None = None,
) -> tuple[BuiltModel, MipOutcome]:
    """The model with at least one unit at each site of ``plan[w]`` in week w, solved."""
    lower = np.zeros((len(problem.sites), len(problem.weeks)), dtype=int)
    for w, sites in enumerate(plan):
        for s in sites:
            lower[s, w] += 1
    built = build_model(
        problem,
        SolveParams(move_neighbours=2),
        elastic=elastic,
        y_lower=lower,
        county_min_units=county_min_units,
    )
    return built, solve_mip(built.model, time_limit_s=10, relative_gap_tolerance=0)


def test_units_per_week_places_the_whole_fleet_and_no_more() -> None:
    """One unit cannot stand at A and B in the same week."""
    _, outcome = pinned(line_problem(), [[A, B], [C]])
    assert outcome.status == "INFEASIBLE"


def test_served_patients_are_capped_by_demand_and_capacity() -> None:
    """A then C serves 100 + 100 patients (the demand beside the unit); with a capacity of 60
    per week it serves 60 + 60. Each time minus the move."""
    _, outcome = pinned(line_problem(), [[A], [C]])
    assert outcome.objective == pytest.approx(2000 - MOVE_A_TO_C, abs=1e-6)
    _, outcome = pinned(line_problem(capacity_per_week=60), [[A], [C]])
    move = 100 + 100 * 60 / 2400 * 10  # driving time is worth less with a smaller capacity
    assert outcome.objective == pytest.approx(1200 - move, abs=1e-6)


def test_relocation_flows_price_a_move_and_not_a_stay() -> None:
    """Staying at A costs nothing (1000 for week 1's patients); moving A -> C costs 183.33."""
    _, stay = pinned(line_problem(), [[A], [A]])
    _, move = pinned(line_problem(), [[A], [C]])
    assert stay.objective == pytest.approx(1000.0, abs=1e-6)
    assert move.objective == pytest.approx(2000 - MOVE_A_TO_C, abs=1e-6)


def test_min_stay_forbids_leaving_after_one_week() -> None:
    """With a two-week minimum stay, A then C is infeasible and C, C is worth 1000."""
    problem = line_problem(min_stay_weeks=2)
    assert pinned(problem, [[A], [C]])[1].status == "INFEASIBLE"
    assert pinned(problem, [[C], [C]])[1].objective == pytest.approx(1000.0, abs=1e-6)


def test_county_spread_asks_for_a_unit_in_a_county() -> None:
    """One unit in county 04 (site B) in week 1 rules out a unit at A that week."""
    problem = line_problem()
    _, outcome = pinned(problem, [[A], [C]], county_min_units={("04", 0): 1})
    assert outcome.status == "INFEASIBLE"


def test_region_contract_shortfall_is_one_unit_week() -> None:
    """County 04 buys one unit-week; A then C gives it none: infeasible, and in the elastic
    model the shortfall is exactly 1, at the slack penalty."""
    problem = line_problem(region_contracts=(RegionContract("04", 1),))
    assert pinned(problem, [[A], [C]])[1].status == "INFEASIBLE"
    built, outcome = pinned(problem, [[A], [C]], elastic=True)
    slack = built.slacks["region_contract"]["04"]
    assert outcome.result.variable_values()[slack] == pytest.approx(1.0)
    assert outcome.objective == pytest.approx(2000 - MOVE_A_TO_C - PENALTY, abs=1e-6)


def test_county_floor_shortfall_is_the_unserved_share() -> None:
    """A 50 % floor: A then C serves none of county 04's 20 patients, so it is 10 short."""
    problem = line_problem(equity="floor", county_floor_share=0.5)
    assert pinned(problem, [[A], [C]])[1].status == "INFEASIBLE"
    built, outcome = pinned(problem, [[A], [C]], elastic=True)
    assert set(built.slacks["county_floor"]) == {"01", "04", "25"}
    shortfall = {
        c: outcome.result.variable_values()[v] for c, v in built.slacks["county_floor"].items()
    }
    assert shortfall == pytest.approx({"01": 0.0, "04": 10.0, "25": 0.0})


def test_worst_county_share_is_rewarded_first() -> None:
    """Points a and b in county 01 (120 patients), c in 25 (100). A then C serves 100 of 01's
    and all of 25's: the worst share is 100/120, worth the penalty weight on top of the plan."""
    problem = line_problem(
        points=(
            DemandPoint("a", "01", population=1000),
            DemandPoint("b", "01", population=100),
            DemandPoint("c", "25", population=1000),
        ),
        equity="maximin",
    )
    _, outcome = pinned(problem, [[A], [C]])
    assert outcome.objective == pytest.approx(2000 - MOVE_A_TO_C + PENALTY * 100 / 120, abs=1e-6)
