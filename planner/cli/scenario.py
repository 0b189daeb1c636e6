"""`planner scenario create|list|show`."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console
from rich.table import Table

from planner.cli._common import emit_json, open_db
from planner.scenario import builtin_scenario_path, check_places, load_scenario
from planner.storage import get_scenario, list_scenarios, save_scenario

app = typer.Typer(no_args_is_help=True)
JsonOpt = Annotated[bool, typer.Option("--json", help="Print one JSON object as the last line.")]


@app.command("create")
def create(
    file: Annotated[
        Path | None, typer.Argument(help="Scenario TOML file.", show_default=False)
    ] = None,
    builtin: Annotated[
        str | None, typer.Option("--builtin", help="Store a shipped scenario: demo or tiny.")
    ] = None,
    json_out: JsonOpt = False,
) -> None:
    """Validate a scenario file and store it as a new version (nothing is stored if invalid).

    Validation covers every key's bounds, county codes, the place names (hubs, fixed clinics,
    candidate sites) against the geography and where routing.referrals_csv may be read from.
    """
    if file is not None and builtin is None:
        path = file
    elif file is None and builtin is not None:
        path = builtin_scenario_path(builtin)
    else:
        raise typer.BadParameter("give either a FILE or --builtin NAME")
    scenario = load_scenario(path)
    check_places(scenario, source=str(path))  # what solving looks up, before anything is stored
    record = save_scenario(
        open_db(), scenario, source=str(path), input_folder=Path(path).absolute().parent
    )
    result = {"name": record.name, "version": record.version, "content_hash": record.content_hash}
    if json_out:
        emit_json(result)
    else:
        typer.echo(f"stored scenario {record.name} version {record.version}")


@app.command("list")
def list_(json_out: JsonOpt = False) -> None:
    """List stored scenarios (latest version of each)."""
    rows = list_scenarios(open_db())
    if json_out:
        emit_json({"scenarios": rows})
        return
    table = Table("name", "version", "description", "created")
    for row in rows:
        table.add_row(row["name"], str(row["version"]), row["description"], row["created_at"][:19])
    Console().print(table)


@app.command("show")
def show(
    name: str,
    version: Annotated[int | None, typer.Option(help="Version (default: latest).")] = None,
    json_out: JsonOpt = False,
) -> None:
    """Show a stored scenario's parameters."""
    record, scenario = get_scenario(open_db(), name, version)
    result = {"name": record.name, "version": record.version, "params": scenario.to_dict()}
    if json_out:
        emit_json(result)
        return
    import tomli_w

    typer.echo(
        f"# {record.name} version {record.version} (stored {record.created_at:%Y-%m-%d %H:%M} UTC)"
    )
    typer.echo(tomli_w.dumps(scenario.to_dict()))
