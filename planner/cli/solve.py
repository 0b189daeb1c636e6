"""`planner solve placement|staffing|continuity|routing|all --scenario NAME`."""

from __future__ import annotations

from collections.abc import Callable
from typing import Annotated

import typer

from planner.cli._common import emit_json, open_db, progress
from planner.errors import PlannerUnavailableError
from planner.kpis import HEADLINES, describe, format_value
from planner.quality import run_time_words, status_words
from planner.registry import PLANNER_NAMES, PLANNER_TITLES, available_planners
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


#: Items of the planner's note printed after a solve; the rest is behind `planner runs show`.
NOTE_ITEMS = 3


def print_summary(result: dict) -> None:
    """One screen a person can read: the plan's quality in words, the headline KPIs with
    their units, the first items of the planner's note; the detail is behind ``--json`` and
    ``planner runs show``."""
    quality = result["quality"]["words"]
    typer.echo(
        f"{PLANNER_TITLES.get(result['planner'], result['planner'])} plan, run "
        f"{result['run_id']}: {quality} ({status_words(result['solver_status'])}; "
        f"{run_time_words(result['seconds'], result.get('time_limit_s'))})"
    )
    kpis = result["kpis"]
    for name in HEADLINES.get(result["planner"], ()):
        if name in kpis:
            typer.echo(f"  {describe(name).label:34s} {format_value(name, kpis[name])}")
    items = [i.strip() for i in (result.get("message") or "").replace(". ", "; ").split("; ")]
    items = [i for i in items if i]
    for item in items[:NOTE_ITEMS]:
        typer.echo(f"  - {item}")
    hidden = len(items) - NOTE_ITEMS
    more = f"{hidden} more note{'s' * (hidden > 1)} and " if hidden > 0 else ""
    typer.echo(f"  ({more}all {len(kpis)} KPIs: planner runs show {result['run_id']})")


def _make_command(planner: str) -> Callable[..., None]:
    def command(
        scenario: ScenarioOpt, version: VersionOpt = None, json_out: JsonOpt = False
    ) -> None:
        result = _solve_one(planner, scenario, version, json_out)
        emit_json(result) if json_out else print_summary(result)

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
            print_summary(result)
