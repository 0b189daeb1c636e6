"""`planner geo ...` and `planner data ...`: Swedish places and the data files behind them."""

from __future__ import annotations

from dataclasses import asdict
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console
from rich.table import Table

from planner import geo
from planner.cli._common import emit_json, err_console, fail, output_file

geo_app = typer.Typer(no_args_is_help=True)
data_app = typer.Typer(no_args_is_help=True)

JsonOption = Annotated[bool, typer.Option("--json", help="Print one JSON object as the last line.")]


@data_app.command("build")
def data_build(json_output: JsonOption = False) -> None:
    """Build counties, kommuner, localities and lakes into data/geo/ from SCB's tables (offline)."""
    try:
        if json_output:
            emit_json(geo.build_geo_data())
            return
        # Progress goes to stderr, so stdout keeps only the summary.
        with err_console.status("Building geography data") as status:

            def show(step: str) -> None:
                status.update(step)
                err_console.print(f"[dim]-[/] {step}")

            summary = geo.build_geo_data(on_progress=show)
    except geo.GeoError as exc:
        fail(str(exc))
    table = Table(title=f"Built {summary['out_dir']}", show_header=False)
    for key, value in summary.items():
        if key != "out_dir":
            table.add_row(key, f"{value:,}" if isinstance(value, int) else str(value))
    Console().print(table)


@geo_app.command("info")
def geo_info(json_output: JsonOption = False) -> None:
    """Counts of counties, kommuner and localities and the total population (builds if missing)."""
    try:
        geo.ensure_geo_data()
        info = geo.geo_info()
    except geo.GeoError as exc:
        fail(str(exc))
    if json_output:
        emit_json(info)
        return
    table = Table(title="Swedish geography (population: SCB 31 Dec 2024)", show_header=False)
    for key, value in info.items():
        table.add_row(key, f"{value:,}")
    Console().print(table)


@geo_app.command("map")
def geo_map(
    out: Annotated[Path, typer.Option("--out", help="PNG file to write.")],
) -> None:
    """Write a PNG map of kommun population density with the locality points."""
    if out.suffix.lower() != ".png":
        fail(f"--out must be a .png file, got {out}")
    output_file(out)
    try:
        geo.ensure_geo_data()
        path = geo.render_population_map(out)
    except geo.GeoError as exc:
        fail(str(exc))
    Console().print(f"wrote {path}")


@geo_app.command("place")
def geo_place(
    query: Annotated[str, typer.Argument(help="Locality name or 4-digit kommun code.")],
    json_output: JsonOption = False,
) -> None:
    """Look up a place by name or kommun code."""
    try:
        geo.ensure_geo_data()
        place = geo.find_place(query)
    except geo.UnknownPlaceError as exc:
        fail(str(exc))
    if json_output:
        emit_json(asdict(place))
        return
    Console().print(
        f"{place.name} (kommun {place.kommun_code}, county {place.county_code}): "
        f"{place.population:,} inhabitants at {place.lat:.4f} N, {place.lon:.4f} E"
    )
