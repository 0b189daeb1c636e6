"""`planner export roster --scenario NAME --format csv|excel-csv|xlsx|ics --out PATH`."""

from __future__ import annotations

from enum import Enum
from pathlib import Path
from typing import Annotated

import typer
from sqlalchemy.engine import Engine

from planner.cli._common import open_db, output_file, output_folder
from planner.cli.runs import export_app
from planner.errors import PlannerError
from planner.storage import latest_run, run_rows
from planner.storage.models import Placement, Shift


class RosterFormat(str, Enum):
    """Export formats of a roster."""

    csv = "csv"
    excel_csv = "excel-csv"
    xlsx = "xlsx"
    ics = "ics"


def load_roster(
    engine: Engine, scenario: str, version: int | None = None
) -> tuple[int, list[Shift]]:
    """The run id and stored shifts of the latest finished staffing run of a scenario."""
    run = latest_run(engine, scenario, "staffing", version=version)
    if run is None:
        raise PlannerError(
            f"scenario {scenario!r} has no finished staffing run to export; "
            f"run `planner solve staffing --scenario {scenario}` first"
        )
    assert run.id is not None  # a stored run has its id
    return run.id, run_rows(engine, run.id, Shift)


def site_names(engine: Engine, scenario: str, version: int | None = None) -> dict[str, str]:
    """Site id -> place name of the mobile clinics' sites, from the latest finished placement
    run of the scenario (empty without one: the exports then show the site ids)."""
    run = latest_run(engine, scenario, "placement", version=version)
    if run is None or run.id is None:
        return {}
    return {p.site_id: p.site_name for p in run_rows(engine, run.id, Placement)}


def export_roster(
    engine: Engine,
    scenario: str,
    fmt: RosterFormat | str,
    out: Path,
    version: int | None = None,
) -> list[Path]:
    """Write the stored roster in ``fmt``; returns the files written (ics: one per clinician)."""
    from staffing.export import write_csv, write_ics, write_xlsx

    run_id, shifts = load_roster(engine, scenario, version)
    sites = site_names(engine, scenario, version)
    fmt = RosterFormat(fmt)
    if fmt in (RosterFormat.csv, RosterFormat.excel_csv):
        return [write_csv(shifts, out, sites, excel=fmt is RosterFormat.excel_csv)]
    if fmt is RosterFormat.xlsx:
        return [write_xlsx(shifts, out, sites=sites)]
    if out.exists() and not out.is_dir():
        raise PlannerError(
            f"{out} is a file; iCalendar export writes one .ics per clinician into a folder"
        )
    # SEQUENCE = run id: a later run's export supersedes the earlier events with the same UID.
    return write_ics(shifts, out, sequence=run_id, sites=sites)


@export_app.command("roster")
def roster(
    scenario: Annotated[str, typer.Option("--scenario", "-s", help="Stored scenario name.")],
    fmt: Annotated[
        RosterFormat,
        typer.Option(
            "--format",
            help="csv (comma, UTF-8, for tools), excel-csv (semicolon, BOM: opens in columns in "
            "Swedish Excel), xlsx, or ics (a folder, one calendar per clinician).",
        ),
    ],
    out: Annotated[
        Path, typer.Option(help="File to write (ics: a folder, one file per clinician).")
    ],
    version: Annotated[int | None, typer.Option(help="Scenario version (default: latest).")] = None,
) -> None:
    """Export the roster of the latest finished staffing run (CSV, XLSX or iCalendar)."""
    output_folder(out) if fmt is RosterFormat.ics else output_file(out)
    paths = export_roster(open_db(), scenario, fmt, out, version)
    where = out if fmt is not RosterFormat.ics else f"{len(paths)} calendars in {out}"
    typer.echo(f"wrote the {scenario} roster as {fmt.value} to {where}")
