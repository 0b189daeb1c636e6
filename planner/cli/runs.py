"""`planner runs list|show` and `planner export rows`."""

from __future__ import annotations

import csv
from enum import Enum
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console
from rich.table import Table
from sqlmodel import SQLModel

from planner.cli._common import emit_json, open_db, output_file
from planner.errors import PlannerError
from planner.registry import TABLE_PLANNERS
from planner.storage import get_run, id_of, latest_run, list_runs, run_kpis, run_rows
from planner.storage.models import RESULT_TABLES

app = typer.Typer(no_args_is_help=True)
export_app = typer.Typer(no_args_is_help=True)
JsonOpt = Annotated[bool, typer.Option("--json", help="Print one JSON object as the last line.")]
_TABLES: dict[str, type[SQLModel]] = {str(table.__tablename__): table for table in RESULT_TABLES}


@app.command("list")
def list_(
    scenario: Annotated[str | None, typer.Option("--scenario", "-s")] = None,
    limit: int = 50,
    json_out: JsonOpt = False,
) -> None:
    """Recent runs, newest first."""
    runs = list_runs(open_db(), scenario, limit)
    if json_out:
        emit_json({"runs": runs})
        return
    table = Table("id", "scenario", "v", "planner", "status", "solver", "seconds", "started")
    for r in runs:
        seconds = "" if r["seconds"] is None else f"{r['seconds']:.1f}"
        table.add_row(
            str(r["id"]),
            r["scenario"],
            str(r["version"]),
            r["planner"],
            r["status"],
            r["solver_status"] or "",
            seconds,
            r["started_at"][:19],
        )
    Console().print(table)


@app.command("show")
def show(run_id: int, json_out: JsonOpt = False) -> None:
    """One run: its planner, status, message and KPIs."""
    engine = open_db()
    run = get_run(engine, run_id)  # RunNotFoundError (exit 2) for an id that is not stored
    kpis = run_kpis(engine, run_id)
    if json_out:
        emit_json(
            {
                "run_id": run_id,
                "planner": run.planner,
                "status": run.status,
                "solver_status": run.solver_status,
                "seconds": run.seconds,
                "message": run.message,
                "kpis": kpis,
            }
        )
        return
    typer.echo(f"{run.planner}: run {run_id} {run.status} {run.solver_status or ''}")
    if run.message:
        typer.echo(f"  {run.message}")
    for name, value in kpis.items():
        typer.echo(f"{name:32s} {value}")


class RowsFormat(str, Enum):
    """Export formats of a result table."""

    csv = "csv"
    xlsx = "xlsx"


@export_app.command("rows")
def export_rows(
    scenario: Annotated[str, typer.Option("--scenario", "-s")],
    table: Annotated[str, typer.Option(help=f"One of: {', '.join(_TABLES)}.")],
    out: Annotated[Path, typer.Option(help="File to write.")],
    planner: Annotated[
        str | None,
        typer.Option(
            help="Planner whose latest finished run is exported (default: the planner that "
            "writes the table; for run_kpi: placement)."
        ),
    ] = None,
    fmt: Annotated[
        RowsFormat, typer.Option("--format", help="csv (comma, UTF-8) or xlsx (one sheet).")
    ] = RowsFormat.csv,
) -> None:
    """Write the rows of one result table of the latest finished run as CSV or XLSX (text
    that a spreadsheet would run as a formula starts with an apostrophe)."""
    from staffing.export import spreadsheet_safe, write_table_xlsx

    if table not in _TABLES:
        raise PlannerError(f"unknown table {table!r}; choose one of {', '.join(_TABLES)}")
    output_file(out)
    writers = TABLE_PLANNERS.get(table)
    if planner is None:
        planner = writers[0] if writers else "placement"
    elif writers is not None and planner not in writers:
        raise PlannerError(
            f"the {planner} planner writes no {table} rows; {table} comes from "
            f"{' or '.join(writers)} (leave out --planner to use {writers[0]})"
        )
    engine = open_db()
    run = latest_run(engine, scenario, planner)
    if run is None:
        raise PlannerError(f"scenario {scenario!r} has no finished {planner} run to export")
    rows = run_rows(engine, id_of(run), _TABLES[table])
    columns = list(_TABLES[table].model_fields)
    if fmt is RowsFormat.xlsx:
        write_table_xlsx(out, columns, ([getattr(r, c) for c in columns] for r in rows), table)
        typer.echo(f"wrote {len(rows)} rows to {out}")
        return
    tmp = out.with_suffix(out.suffix + ".part")  # never leave a half-written file at `out`
    try:
        with tmp.open("w", newline="", encoding="utf-8") as handle:
            writer = csv.writer(handle)
            writer.writerow(columns)
            for row in rows:
                writer.writerow([spreadsheet_safe(getattr(row, c)) for c in columns])
        tmp.replace(out)
    finally:
        tmp.unlink(missing_ok=True)
    typer.echo(f"wrote {len(rows)} rows to {out}")
