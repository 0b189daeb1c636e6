"""Infeasible placements explained by the named constraints they cannot meet."""

from __future__ import annotations

import numpy as np

from planner.placement import RegionContract, SolveParams
from planner.placement.diagnose import diagnose, precheck

from .test_placement import line_problem

PARAMS = SolveParams(time_limit_s=10, relative_gap=0)


def test_diagnose_names_the_floors_one_unit_cannot_meet() -> None:
    """One week, one unit that serves only the point beside it: counties 01 (100 patients),
    04 (10) and 25 (90) each want half their demand served. The unit can serve one county, so
    the elastic model serves 01 (the smallest total shortfall: 5 + 45) and names the others,
    each served 0 %."""
    problem = line_problem(
        weeks=("2026-W45",),
        demand=np.array([[100.0], [10.0], [90.0]]),
        equity="floor",
        county_floor_share=0.5,
    )
    precheck(problem)  # each floor alone can be met: only the elastic solve sees the conflict
    assert diagnose(problem, PARAMS) == (
        "the placement cannot be planned: "
        "county floor 50% cannot be met in county 04: at most 0.0% together with the other "
        "constraints; "
        "county floor 50% cannot be met in county 25: at most 0.0% together with the other "
        "constraints"
    )


def test_diagnose_names_the_contract_a_minimum_stay_blocks() -> None:
    """One unit, two weeks, a two-week minimum stay: it cannot visit both B (county 04) and C
    (county 25), one unit-week each. Staying at C serves more (100 patients in week 2), so the
    contract of county 04 is the one short, by one unit-week."""
    problem = line_problem(
        min_stay_weeks=2,
        region_contracts=(RegionContract("04", 1), RegionContract("25", 1)),
    )
    precheck(problem)  # 2 unit-weeks wanted, 2 available: only the elastic solve sees it
    assert diagnose(problem, PARAMS) == (
        "the placement cannot be planned: region contract for county 04 needs 1 unit-weeks; "
        "short by 1 together with the other constraints"
    )
