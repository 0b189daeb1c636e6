"""The placement planner end to end on the real Swedish data: scenario -> stored plan."""

from __future__ import annotations

import json

import pytest
from sqlalchemy import text
from sqlalchemy.engine import Engine
from typer.testing import CliRunner

from planner.cli import app
from planner.errors import PlannerError, RunFailedError
from planner.orchestration.placement import build_problem, placement_errors
from planner.placement import PlacementInputError, evaluate
from planner.runs import execute
from planner.scenario import Scenario, builtin_scenario_path, load_scenario
from planner.storage import run_rows, save_scenario
from planner.storage.models import Placement

from .test_placement import line_problem


@pytest.fixture(scope="module")
def tiny() -> Scenario:
    """Two units in Södermanland and Östergötland for two weeks: solves to optimality in a second."""
    return load_scenario(builtin_scenario_path("tiny"))


def test_problem_from_scenario(tiny: Scenario) -> None:
    """Only the two counties' localities; Nyköping's reach is covered by its clinic."""
    problem = build_problem(tiny)
    assert {p.county_code for p in problem.points} == {"04", "05"}
    assert {s.county_code for s in problem.sites} <= {"04", "05"}
    assert problem.weeks == ("2026-W45", "2026-W46")
    nykoping = [i for i, p in enumerate(problem.points) if p.kommun_code == "0480"]
    assert problem.fixed_covered[nykoping].any()
    assert problem.demand.sum() > 0


def test_solve_stores_rows_matching_kpis(engine: Engine, tiny: Scenario) -> None:
    """One row per unit and week; their patients add up to the served KPI (both backends); the
    site-days the staffing pool cannot crew are counted and named."""
    save_scenario(engine, tiny)
    result = execute(engine, "tiny", "placement")
    assert result.run.solver_status == "OPTIMAL"
    rows = run_rows(engine, result.run.id, Placement)
    assert len(rows) == 2 * 2
    assert {r.week for r in rows} == {"2026-W45", "2026-W46"}
    assert sum(r.expected_patients for r in rows) == pytest.approx(
        result.kpis["served_patients"], abs=0.05
    )
    assert result.kpis["violations"] == 0
    assert 0 < result.kpis["served_share"] <= 1
    # the tiny staffing pool has no doctor in Södermanland or Östergötland: the run says that
    # none of the 2 units x 10 business days can get its crew
    assert result.kpis["mobile_crews_without_clinician"] == 20
    assert 0 < result.kpis["mobile_site_days"] <= 20
    assert result.run.message and "staffing pool: 20 placed unit-days" in result.run.message
    with engine.connect() as conn:
        counties = conn.execute(text("SELECT DISTINCT county_code FROM placement")).scalars().all()
    assert set(counties) <= {"04", "05"}


def test_kpis_are_reproducible_from_the_stored_plan(tiny: Scenario) -> None:
    """evaluate() on the same plan gives the same numbers: no hidden solver state."""
    from planner.placement import SolveParams, solve

    problem = build_problem(tiny)
    solution = solve(problem, SolveParams(time_limit_s=10))
    first, second = evaluate(problem, solution), evaluate(problem, solution)
    assert first.to_dict() == second.to_dict()
    assert first.plan_value == pytest.approx(solution.objective, rel=1e-3)


def test_impossible_contract_says_which(engine: Engine, tiny: Scenario) -> None:
    """A contract for a county outside the planned region names that county, run stored failed."""
    bad = tiny.replace(
        scenario={"name": "tiny-bad"},
        placement={"region_contracts": [{"county_code": "25", "unit_weeks": 1}]},
    )
    save_scenario(engine, bad)
    with pytest.raises(RunFailedError, match="county 25 needs 1 unit-weeks but no candidate site"):
        execute(engine, "tiny-bad", "placement")


def test_cli_solve_placement_json(tmp_path) -> None:  # type: ignore[no-untyped-def]
    """`planner solve placement --scenario tiny --json` ends with the KPIs as JSON."""
    runner = CliRunner()
    db = f"sqlite:///{tmp_path / 'p.db'}"
    assert (
        runner.invoke(app, ["--db", db, "scenario", "create", "--builtin", "tiny"]).exit_code == 0
    )
    result = runner.invoke(app, ["--db", db, "solve", "placement", "--scenario", "tiny", "--json"])
    assert result.exit_code == 0, result.output
    payload = json.loads(result.output.strip().splitlines()[-1])
    for key in (
        "served_share",
        "population_in_reach",
        "mean_travel_minutes",
        "relocation_km",
        "min_county_share",
        "unit_utilisation",
        "gap",
    ):
        assert key in payload["kpis"]
    assert payload["solver_status"] == "OPTIMAL"


def test_kommun_shares_add_up_to_served(tiny: Scenario) -> None:
    """Per-kommun served shares, weighted by each kommun's demand, give the served total."""
    from planner.placement import SolveParams, solve

    problem = build_problem(tiny)
    kpis = evaluate(problem, solve(problem, SolveParams(time_limit_s=10)))
    demand: dict[str, float] = {}
    for p, point in enumerate(problem.points):
        demand[point.kommun_code] = demand.get(point.kommun_code, 0.0) + float(
            problem.unit_demand[p].sum()
        )
    assert {k[:2] for k in kpis.kommun_served_share} <= {"04", "05"}
    served = sum(share * demand[k] for k, share in kpis.kommun_served_share.items())
    assert served == pytest.approx(kpis.served_patients, rel=1e-6)
    assert all(0 <= s <= 1 + 1e-9 for s in kpis.kommun_served_share.values())


def test_small_points_merge_into_the_nearest_larger_one_of_their_kommun() -> None:
    """Four points easy to follow: a village 3 km from town A joins it with its demand, a
    village 30 km away stays, and a village beside a town of another kommun never joins it."""
    import pandas as pd

    from planner.orchestration.placement import merge_small_points

    localities = pd.DataFrame(
        {
            "locality_id": [1, 2, 3, 4],
            "kommun_code": ["0001", "0001", "0001", "0002"],
            "population": [5_000, 300, 400, 200],
            # 0.027 degrees of latitude is about 3 km; 0.27 about 30 km
            "lon": [15.0, 15.0, 15.0, 15.0],
            "lat": [59.0, 59.027, 59.27, 59.001],
        }
    )
    table = pd.DataFrame(
        {"W1": [10.0, 1.0, 2.0, 0.5], "W2": [20.0, 2.0, 4.0, 1.0]},
        index=pd.Index([1, 2, 3, 4], name="locality_id"),
    )
    merged, demand = merge_small_points(localities, table, 1_000, 10.0)
    assert merged["locality_id"].to_list() == [1, 3, 4]
    assert merged["population"].to_list() == [5_300, 400, 200]
    assert demand.loc[1].to_list() == [11.0, 22.0]
    assert demand.loc[3].to_list() == [2.0, 4.0] and demand.loc[4].to_list() == [0.5, 1.0]
    assert float(demand.to_numpy().sum()) == float(table.to_numpy().sum())
    same, _ = merge_small_points(localities, table, 0, 10.0)
    assert same is localities


def test_placement_errors_reach_the_app_as_planner_errors() -> None:
    """A placement library error leaves the adapter as the app's PlannerError with the same
    message (so the CLI prints it as before), the library's error kept as its cause."""
    with pytest.raises(PlannerError) as info, placement_errors():
        line_problem(units=-1)
    assert str(info.value) == "placement problem: units is -1; must be >= 0"
    assert type(info.value) is PlannerError
    assert isinstance(info.value.__cause__, PlacementInputError)


def test_planner_errors_pass_through_unchanged() -> None:
    """An app error raised inside the adapter's block is not wrapped a second time."""
    original = PlannerError("placement: no plan found within 1 s (solver status NO_SOLUTION)")
    with pytest.raises(PlannerError) as info, placement_errors():
        raise original
    assert info.value is original
