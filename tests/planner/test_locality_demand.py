"""The demand the mobile clinics map draws: the placement planner's own demand, per locality."""

from __future__ import annotations

import pytest

from planner.orchestration.placement import build_problem, locality_demand
from planner.scenario import builtin_scenario_path, load_scenario


def test_locality_demand_is_what_the_units_were_asked_to_serve() -> None:
    """tiny (Södermanland and Östergötland, a fixed clinic in Nyköping): per county and week the
    rows add up to the problem's demand left to the units (within 1 %: the problem merges small
    villages into towns before it tests the fixed clinic's reach); Nyköping itself is covered
    by its clinic, so it has no row; every row has a place name and positive patients."""
    scenario = load_scenario(builtin_scenario_path("tiny"))
    demand = locality_demand(scenario)
    problem = build_problem(scenario)
    assert set(demand["week"]) == set(problem.weeks)
    totals = demand.groupby("county_code")["patients"].sum().to_dict()
    assert totals.keys() == problem.county_demand().keys()
    for county, total in problem.county_demand().items():
        assert totals[county] == pytest.approx(total, rel=0.01)
    assert "Nyköping" not in set(demand["name"])
    assert (demand["patients"] > 0).all() and demand["name"].notna().all()
