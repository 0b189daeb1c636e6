"""`planner demo` (the main job behind `make run`) and `planner dashboard`."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path
from typing import Annotated, Any

import typer

from planner.cli._common import emit_json, err_console, open_db, progress
from planner.cli.solve import print_summary
from planner.kpis import swedish_number
from planner.paths import REPO_ROOT
from planner.registry import available_planners
from planner.runs import RunResult, execute
from planner.scenario import builtin_scenario_path, load_scenario
from planner.storage import latest_run, run_kpis, save_scenario

JsonOpt = Annotated[bool, typer.Option("--json", help="Print one JSON object as the last line.")]


def demo(
    scenario: Annotated[str, typer.Option(help="Built-in scenario to use.")] = "demo",
    force: Annotated[bool, typer.Option(help="Solve again even if a stored plan exists.")] = False,
    json_out: JsonOpt = False,
) -> None:
    """Build missing data, store the demo scenario, solve it if no plan is stored, print KPIs."""
    from planner.geo import ensure_geo_data, geo_info

    say = (lambda _m: None) if json_out else (lambda m: err_console.print(f"[bold cyan]>[/] {m}"))
    say("checking the geography in data/geo/ (built once, then reused)")
    with progress("building geography", json_out):
        ensure_geo_data()
    engine = open_db()
    record = save_scenario(engine, load_scenario(builtin_scenario_path(scenario)), source=scenario)
    say(f"scenario {record.name} version {record.version} is stored")
    plans: dict[str, dict] = {}
    for name in available_planners():
        run = None if force else latest_run(engine, record.name, name, version=record.version)
        if run is None:
            say(f"solving {name} (no stored plan yet)")
            with progress(f"{name} on {record.name}", json_out) as on_progress:
                result = execute(
                    engine, record.name, name, version=record.version, on_progress=on_progress
                )
            run = result.run
        else:
            say(f"{name}: using stored run {run.id}")
        assert run.id is not None  # a stored run has its id
        plans[name] = RunResult(run, run_kpis(engine, run.id)).to_dict()
    summary: dict[str, Any] = {
        "scenario": record.name,
        "version": record.version,
        "geo": geo_info(),
        "plans": plans,
    }
    if json_out:
        emit_json(summary)
        return
    geo = summary["geo"]
    typer.echo(
        f"Geography: {geo['counties']} counties, {geo['municipalities']} municipalities, "
        f"{geo['localities']} localities, population {swedish_number(geo['population'])}"
    )
    if not plans:
        typer.echo("No planner is part of this build yet: the scenario is stored, no plan to show.")
    for plan in plans.values():
        print_summary(plan)


def dashboard(
    port: Annotated[int, typer.Option(help="Port on localhost.")] = 8501,
    address: Annotated[str, typer.Option(help="Address to listen on.")] = "localhost",
) -> None:
    """Serve the Streamlit dashboard (localhost only by default)."""
    app_path = REPO_ROOT / "dashboard" / "app.py"
    if not Path(app_path).exists():
        err_console.print(
            "The dashboard is not part of this build yet; `planner demo` shows the KPIs."
        )
        raise typer.Exit(0)
    cmd = [
        sys.executable,
        "-m",
        "streamlit",
        "run",
        str(app_path),
        "--server.address",
        address,
        "--server.port",
        str(port),
        "--server.headless",
        "true",
        "--browser.gatherUsageStats",
        "false",
    ]
    err_console.print(f"dashboard on http://{address}:{port} (Ctrl-C stops it)")
    raise typer.Exit(subprocess.call(cmd, env=os.environ.copy()))
