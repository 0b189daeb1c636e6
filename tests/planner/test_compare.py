"""Scenario comparison (planner.compare and `planner compare`)."""

from __future__ import annotations

from pathlib import Path

import pytest
from typer.testing import CliRunner

from planner.compare import StoredPlan, compare, flatten

REFERENCE = {
    "scenario": {"name": "base", "description": "ten units", "seed": 42},
    "placement": {"units": 10, "radius_minutes": 45.0, "counties": ["04", "05"]},
}
TWELVE = {
    "scenario": {"name": "twelve", "description": "twelve units", "seed": 42},
    "placement": {"units": 12, "radius_minutes": 45.0, "counties": ["04"]},
}


def plan(kpis: dict[str, float | None], **run: object) -> StoredPlan:
    """A stored plan: proven optimal in 30 s unless the test says otherwise."""
    fields = {"solver_status": "OPTIMAL", "objective": 1.0, "bound": 1.0, "time_limit_s": 30.0}
    return StoredPlan(**{**fields, **run}, kpis=kpis)  # type: ignore[arg-type]


def test_parameters_that_differ_side_by_side_with_county_names() -> None:
    """Only units and counties differ (names and descriptions identify, they do not plan);
    county codes read as names."""
    result = compare(
        {"base": REFERENCE, "twelve": TWELVE},
        {"base": {}, "twelve": {}},
        {"04": "Södermanlands län", "05": "Östergötlands län"},
    )
    assert [(p.key, p.values) for p in result.parameters] == [
        (
            "placement.counties",
            {"base": "Södermanlands län, Östergötlands län", "twelve": "Södermanlands län"},
        ),
        ("placement.units", {"base": "10", "twelve": "12"}),
    ]


def test_kpis_change_against_the_reference_in_their_units() -> None:
    """Absolute and relative change against the first scenario; shares in points."""
    plans = {
        "base": {"placement": plan({"served_share": 0.80, "served_patients": 1000.0})},
        "twelve": {"placement": plan({"served_share": 0.86, "served_patients": 1100.0})},
    }
    result = compare({"base": REFERENCE, "twelve": TWELVE}, plans)
    share, patients = result.kpis
    assert share.change["twelve"] == pytest.approx(0.06)
    assert share.relative["twelve"] == pytest.approx(0.075)
    assert share.shown("twelve") == "86,0 %"
    assert share.shown_change("twelve") == "+6,0 points, +7,5 %"
    assert patients.shown_change("twelve") == "+100 patients, +10,0 %"
    assert result.warnings == []
    assert result.to_dict()["kpis"][0]["relative_change"] == {"twelve": pytest.approx(0.075)}


def test_warnings_name_what_distorts_the_comparison() -> None:
    """A missing plan, a plan far from proven, different time limits, and a change smaller
    than the plans' gap are each named."""
    plans = {
        "base": {
            "placement": plan({"served_share": 0.80}, objective=100.0, bound=105.0),
            "routing": plan({"total_cost_sek": 1000.0}),
        },
        "twelve": {
            "placement": plan(
                {"served_share": 0.81},
                solver_status="FEASIBLE",
                objective=100.0,
                bound=180.0,
                time_limit_s=10.0,
            )
        },
    }
    warnings = compare({"base": REFERENCE, "twelve": TWELVE}, plans).warnings
    assert "placement: the plan of twelve is far from proven or not usable" in warnings[0]
    assert warnings[1] == (
        "placement: the solves had different time limits (base 30 s, twelve 10 s)."
    )
    assert "Served share change by less than the plans' own gap (up to 80,0 %)" in warnings[2]
    assert warnings[3] == "routing: no stored plan for twelve."


def test_flatten_keeps_lists_and_dotted_keys() -> None:
    """Sections become dotted keys; lists and tables of contracts stay values."""
    assert flatten({"a": {"b": 1, "c": [1, 2]}, "d": None}) == {"a.b": 1, "a.c": [1, 2], "d": None}


def test_compare_command(tmp_path: Path) -> None:
    """`planner compare` reads stored scenarios; one scenario, or an unknown one, is a named
    error (exit 2)."""
    from planner.cli import app
    from planner.scenario import builtin_scenario_path, load_scenario
    from planner.storage import finish_run, get_scenario, open_database, save_scenario, start_run
    from planner.storage.store import RunOutcome

    url = f"sqlite:///{tmp_path / 'c.db'}"
    engine = open_database(url)
    tiny = load_scenario(builtin_scenario_path("tiny"))
    for scenario, share in (
        (tiny, 0.8),
        (tiny.replace(scenario={"name": "tiny-3"}, placement={"units": 3}), 0.9),
    ):
        save_scenario(engine, scenario)
        record, _ = get_scenario(engine, scenario.name)
        run = start_run(engine, record, "placement", seed=0, time_limit_s=10.0)
        assert run.id is not None
        finish_run(engine, run.id, RunOutcome("OPTIMAL", {"served_share": share}, [], 1.0, 1.0))
    runner = CliRunner()
    result = runner.invoke(app, ["--db", url, "compare", "tiny", "tiny-3", "--json"])
    assert result.exit_code == 0, result.output
    import json

    payload = json.loads(result.output.strip().splitlines()[-1])
    assert payload["parameters"] == [
        {"key": "placement.units", "values": {"tiny": "2", "tiny-3": "3"}}
    ]
    assert payload["kpis"][0]["change"]["tiny-3"] == pytest.approx(0.1)
    text = runner.invoke(app, ["--db", url, "compare", "tiny", "tiny-3"])
    assert "90,0 % (+10,0 points, +12,5 %)" in text.output
    alone = runner.invoke(app, ["--db", url, "compare", "tiny"])
    assert alone.exit_code == 2 and "two scenarios or more" in alone.output
    unknown = runner.invoke(app, ["--db", url, "compare", "tiny", "nope"])
    assert unknown.exit_code == 2 and "nope" in unknown.output
