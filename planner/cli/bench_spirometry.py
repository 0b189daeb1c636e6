"""`planner bench spirometry --scenario demo`: the plan decided by cost against both baselines.

Uses the stored runs of the scenario's version and solves what is not stored yet (the placement
first: its mobile clinics hand devices over; then the routing run, which computes the plan and
both baselines, courier-first and parcel-only, by the same simulation). A built-in scenario
of that name is stored first (a no-op when the stored version is the same). The last line with
``--json``: ``{total_cost_sek, courier_first_cost_sek, parcel_only_cost_sek, on_time_share,
devices, seconds}``; ``seconds`` is the routing run's own time (as stored).
"""

from __future__ import annotations

import contextlib
from typing import Annotated, Any

import typer

from planner.cli._common import emit_json, err_console, open_db, progress
from planner.cli.bench import bench_app
from planner.errors import ScenarioError
from planner.runs import execute
from planner.scenario import builtin_scenario_path, load_scenario
from planner.storage import get_scenario, latest_run, run_kpis, save_scenario


def stored_or_solved(scenario: str, json_out: bool) -> dict[str, Any]:
    """The routing KPIs and seconds of the scenario's latest version, solving what is missing."""
    engine = open_db()
    with contextlib.suppress(ScenarioError):  # not a built-in: the stored scenario is used
        save_scenario(engine, load_scenario(builtin_scenario_path(scenario)), source=scenario)
    record, _ = get_scenario(engine, scenario)
    run = None
    for planner in ("placement", "routing"):
        run = latest_run(engine, scenario, planner, version=record.version)
        if run is None:
            if not json_out:
                err_console.print(f"[bold cyan]>[/] solving {planner} (no stored plan yet)")
            with progress(f"{planner} on {scenario}", json_out) as on_progress:
                run = execute(
                    engine, scenario, planner, version=record.version, on_progress=on_progress
                ).run
        elif not json_out:
            err_console.print(f"[bold cyan]>[/] {planner}: using stored run {run.id}")
    assert run is not None and run.id is not None  # the routing run, stored
    kpis = run_kpis(engine, run.id)
    return {
        "total_cost_sek": kpis.get("total_cost_sek"),
        "courier_first_cost_sek": kpis.get("courier_first_cost_sek"),
        "parcel_only_cost_sek": kpis.get("parcel_only_cost_sek"),
        "on_time_share": kpis.get("on_time_share"),
        "devices": kpis.get("devices_needed"),
        "seconds": run.seconds,
    }


@bench_app.command("spirometry")
def spirometry(
    scenario: Annotated[str, typer.Option("--scenario", "-s", help="Scenario name.")] = "demo",
    json_out: Annotated[
        bool, typer.Option("--json", help="Print one JSON object as the last line.")
    ] = False,
) -> None:
    """Spirometer plan by cost against the courier-first and parcel-only baselines."""
    result = stored_or_solved(scenario, json_out)
    if json_out:
        emit_json(result)
        return
    for key, value in result.items():
        typer.echo(f"{key:24s} {value}")
