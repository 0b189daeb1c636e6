"""`planner export roster --scenario NAME --format csv|excel-csv|xlsx|ics --out PATH`.

Every format names the clinicians' home counties and compares worked with contract hours over
the scenario's staffing horizon (:mod:`planner.rosters`). ``ics`` writes a folder a web server
can publish: a calendar per clinician of the pool (also without shifts, so one can subscribe
early) and an ``index.html``; with ``--base-url`` the index gives each subscription URL. A
re-export after a re-plan updates moved shifts and cancels removed ones (see
:mod:`planner.rosters` for where "the previous export" comes from).
"""

from __future__ import annotations

from enum import Enum
from pathlib import Path
from typing import Annotated
from urllib.parse import urlsplit

import typer
from sqlalchemy.engine import Engine

from planner.cli._common import open_db, output_file, output_folder
from planner.cli.runs import export_app
from planner.errors import PlannerError
from planner.storage import latest_run, run_rows
from planner.storage.models import Placement, Run, Shift


class RosterFormat(str, Enum):
    """Export formats of a roster."""

    csv = "csv"
    excel_csv = "excel-csv"
    xlsx = "xlsx"
    ics = "ics"


def load_roster(
    engine: Engine, scenario: str, version: int | None = None
) -> tuple[Run, list[Shift]]:
    """The latest finished staffing run of a scenario and its stored shifts."""
    run = latest_run(engine, scenario, "staffing", version=version)
    if run is None:
        raise PlannerError(
            f"scenario {scenario!r} has no finished staffing run to export; "
            f"run `planner solve staffing --scenario {scenario}` first"
        )
    assert run.id is not None  # a stored run has its id
    return run, run_rows(engine, run.id, Shift)


def check_base_url(base_url: str | None) -> None:
    """A ``--base-url`` is an http(s) URL without query or fragment (file names are appended)."""
    if base_url is None:
        return
    parts = urlsplit(base_url)
    if parts.scheme not in ("http", "https") or not parts.netloc or parts.query or parts.fragment:
        raise PlannerError(
            f"--base-url {base_url!r} must be an http:// or https:// address of the folder "
            "where the calendars are published, without ?query or #fragment"
        )


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
    base_url: str | None = None,
) -> list[Path]:
    """Write the stored roster in ``fmt``; returns the files written (ics: one calendar per
    clinician, beside the folder's ``index.html``)."""
    from planner.orchestration.staffing import county_names
    from planner.rosters import as_roster, earlier_rosters, roster_context, run_scenario
    from staffing.export import write_csv, write_ics, write_xlsx

    check_base_url(base_url)
    run, shifts = load_roster(engine, scenario, version)
    sites = site_names(engine, scenario, version)
    _, parsed = run_scenario(engine, run)
    ctx = roster_context(parsed, {s.block for s in shifts}, county_names())
    fmt = RosterFormat(fmt)
    if fmt in (RosterFormat.csv, RosterFormat.excel_csv):
        excel = fmt is RosterFormat.excel_csv
        return [
            write_csv(
                shifts, out, sites, excel, people=ctx.people, days=ctx.days, breaks=ctx.breaks
            )
        ]
    if fmt is RosterFormat.xlsx:
        return [write_xlsx(shifts, out, ctx.people, sites, days=ctx.days, breaks=ctx.breaks)]
    if out.exists() and not out.is_dir():
        raise PlannerError(
            f"{out} is a file; iCalendar export writes one .ics per clinician into a folder"
        )
    this = as_roster(run, shifts)
    return write_ics(
        shifts,
        out,
        sequence=this.sequence,
        stamp=this.stamp,
        clinician_ids=[p.clinician_id for p in ctx.people],
        sites=sites,
        earlier=earlier_rosters(engine, run),
        people=ctx.people,
        base_url=base_url,
        title=f"Rosters of {scenario}",
    )


@export_app.command("roster")
def roster(
    scenario: Annotated[str, typer.Option("--scenario", "-s", help="Stored scenario name.")],
    fmt: Annotated[
        RosterFormat,
        typer.Option(
            "--format",
            help="csv (comma, UTF-8, for tools), excel-csv (semicolon, BOM, decimal comma: "
            "opens in columns in Swedish Excel), xlsx (a sheet per week and one of contract "
            "hours), or ics (a folder: one calendar per clinician and an index.html).",
        ),
    ],
    out: Annotated[
        Path, typer.Option(help="File to write (ics: a folder, one file per clinician).")
    ],
    version: Annotated[int | None, typer.Option(help="Scenario version (default: latest).")] = None,
    base_url: Annotated[
        str | None,
        typer.Option(
            "--base-url",
            help="ics: the http(s) address where the folder will be published; the index then "
            "lists each clinician's subscription URL.",
        ),
    ] = None,
) -> None:
    """Export the roster of the latest finished staffing run (CSV, XLSX or iCalendar).

    A re-export after a re-plan updates moved shifts and cancels removed ones in the
    calendars (compared with the scenario's earlier staffing runs)."""
    output_folder(out) if fmt is RosterFormat.ics else output_file(out)
    paths = export_roster(open_db(), scenario, fmt, out, version, base_url)
    where = out if fmt is not RosterFormat.ics else f"{len(paths)} calendars in {out}"
    typer.echo(f"wrote the {scenario} roster as {fmt.value} to {where}")
