"""`planner export requests --scenario NAME --format csv|excel-csv|xlsx --out PATH`."""

from __future__ import annotations

from enum import Enum
from pathlib import Path
from typing import Annotated

import typer
from sqlalchemy.engine import Engine

from planner.cli._common import open_db, output_file
from planner.cli.runs import export_app
from planner.errors import PlannerError
from planner.storage import latest_run, run_rows
from planner.storage.models import AvailabilityRequest


class RequestFormat(str, Enum):
    """Export formats of the request list."""

    csv = "csv"
    excel_csv = "excel-csv"
    xlsx = "xlsx"


def export_requests(
    engine: Engine,
    scenario: str,
    fmt: RequestFormat | str,
    out: Path,
    version: int | None = None,
) -> tuple[Path, int]:
    """Write the latest continuity run's requests in ``fmt``: the file and the row count."""
    from planner import geo
    from staffing.export_requests import lines, write_requests_csv, write_requests_xlsx

    run = latest_run(engine, scenario, "continuity", version=version)
    if run is None or run.id is None:
        raise PlannerError(
            f"scenario {scenario!r} has no finished continuity run to export; "
            f"run `planner solve continuity --scenario {scenario}` first"
        )
    counties = geo.load_counties()
    names = dict(zip(counties["county_code"], counties["county_name"], strict=True))
    rows = lines(run_rows(engine, run.id, AvailabilityRequest), counties=names)
    fmt = RequestFormat(fmt)
    if fmt is RequestFormat.xlsx:
        return write_requests_xlsx(rows, out), len(rows)
    return write_requests_csv(rows, out, excel=fmt is RequestFormat.excel_csv), len(rows)


@export_app.command("requests")
def requests(
    scenario: Annotated[str, typer.Option("--scenario", "-s", help="Stored scenario name.")],
    fmt: Annotated[
        RequestFormat,
        typer.Option(
            "--format",
            help="csv (comma, UTF-8, for tools), excel-csv (semicolon, BOM: opens in columns "
            "in Swedish Excel) or xlsx.",
        ),
    ],
    out: Annotated[Path, typer.Option(help="File to write.")],
    version: Annotated[int | None, typer.Option(help="Scenario version (default: latest).")] = None,
) -> None:
    """Export the availability requests of the latest continuity run (who to ask, for which
    day and block, and the return visits each request keeps)."""
    path, count = export_requests(open_db(), scenario, fmt, output_file(out), version)
    typer.echo(f"wrote {count} requests of {scenario} as {fmt.value} to {path}")
