"""`planner solve placement|staffing|routing|all --scenario NAME`."""

from __future__ import annotations

from collections.abc import Callable
from typing import Annotated

import typer

from planner.cli._common import emit_json, open_db, progress
from planner.errors import PlannerUnavailableError
from planner.registry import PLANNER_NAMES, available_planners
from planner.runs import execute

app = typer.Typer(no_args_is_help=True)

ScenarioOpt = Annotated[str, typer.Option("--scenario", "-s", help="Stored scenario name.")]
VersionOpt = Annotated[int | None, typer.Option(help="Scenario version (default: latest).")]
JsonOpt = Annotated[bool, typer.Option("--json", help="Print one JSON object as the last line.")]


def _solve_one(planner: str, scenario: str, version: int | None, json_out: bool) -> dict:
    engine = open_db()
    with progress(f"{planner} on {scenario}", json_out) as on_progress:
        result = execute(engine, scenario, planner, version=version, on_progress=on_progress)
    return result.to_dict()


def _print(result: dict) -> None:
    typer.echo(
        f"{result['planner']}: run {result['run_id']} {result['solver_status']} "
        f"in {result['seconds']:.1f} s"
    )
    if result.get("message"):
        typer.echo(f"  {result['message']}")
    for name, value in result["kpis"].items():
        typer.echo(f"  {name:32s} {value}")


def _make_command(planner: str) -> Callable[..., None]:
    def command(
        scenario: ScenarioOpt, version: VersionOpt = None, json_out: JsonOpt = False
    ) -> None:
        result = _solve_one(planner, scenario, version, json_out)
        emit_json(result) if json_out else _print(result)

    command.__doc__ = f"Run the {planner} planner on a stored scenario and store its plan."
    return command


for _name in PLANNER_NAMES:
    app.command(_name)(_make_command(_name))


@app.command("all")
def solve_all(scenario: ScenarioOpt, version: VersionOpt = None, json_out: JsonOpt = False) -> None:
    """Run every available planner on the scenario, in order (placement first)."""
    planners = available_planners()
    if not planners:
        raise PlannerUnavailableError("no planner is available in this build yet")
    results = {name: _solve_one(name, scenario, version, json_out) for name in planners}
    if json_out:
        emit_json({"scenario": scenario, "runs": results})
    else:
        for result in results.values():
            _print(result)
