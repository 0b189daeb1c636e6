"""`planner demand ...`: look at the weekly demand model or at your own demand CSV."""

from __future__ import annotations

from enum import Enum
from pathlib import Path
from typing import Any

import pandas as pd
import typer
from rich.console import Console
from rich.table import Table

from planner.cli._common import emit_json, fail, output_file
from planner.demand import (
    SERVICES,
    DemandCsvError,
    DemandParams,
    Service,
    aggregate,
    load_demand_csv,
    weekly_demand,
    write_demand_csv,
)
from planner.errors import PlannerError
from planner.geo import load_localities
from planner.weeks import format_iso_week, iso_week_range

demand_app = typer.Typer(no_args_is_help=True, help="Weekly demand per service line.")


@demand_app.callback()
def _group() -> None:
    """Weekly demand per service line: the model, or your own CSV."""


class By(str, Enum):
    """Level of the per-week totals."""

    county = "county"
    kommun = "kommun"


_BY_COLUMN = {By.county: "county_code", By.kommun: "kommun_code"}


def _localities() -> pd.DataFrame:
    """The built locality table; exits with a message when it is not there."""
    try:
        return load_localities()
    except (FileNotFoundError, PlannerError) as exc:
        fail(
            "the locality table is not available yet (planner.geo / data/geo/localities.parquet): "
            f"{exc}"
        )


@demand_app.command("show")
def show(
    weeks: str | None = typer.Option(
        None, "--weeks", help="ISO weeks, e.g. 2026-W45:2026-W52 (inclusive) or 2026-W45."
    ),
    by: By | None = typer.Option(None, "--by", help="Totals per county or municipality."),
    service: Service | None = typer.Option(None, "--service", help="Only this service line."),
    csv_file: Path | None = typer.Option(
        None, "--csv", help="Your own demand CSV instead of the model (see load_demand_csv)."
    ),
    as_json: bool = typer.Option(False, "--json", help="Also print one JSON object last."),
) -> None:
    """Expected contacts per week and service line (national, or per county/municipality)."""
    if weeks is None and csv_file is None:
        fail("give --weeks (e.g. 2026-W45:2026-W52) or --csv FILE")
    try:
        week_list = iso_week_range(weeks) if weeks else None
    except ValueError as exc:
        fail(str(exc))
    demand = _demand(week_list, csv_file)
    services = [service.value] if service else list(SERVICES)
    demand = demand.loc[demand["service"].isin(services)]

    area = _BY_COLUMN[by] if by else None
    wide = _weekly_totals(demand, area, services)
    table = Table(title="Expected contacts per week" + (f" and {by.value}" if by else ""))
    table.add_column("week")
    if area:
        table.add_column(area)
    for s in services:
        table.add_column(s, justify="right")
    rows: list[dict[str, Any]] = []
    for rec in wide.to_dict("records"):
        week = format_iso_week(int(rec["iso_year"]), int(rec["iso_week"]))
        row: dict[str, Any] = {"week": week}
        if area:
            row[area] = rec[area]
        row.update({s: round(float(rec[s]), 3) for s in services})
        rows.append(row)
        labels = [week, str(rec[area])] if area else [week]
        table.add_row(*labels, *(f"{rec[s]:,.1f}" for s in services))
    Console().print(table)
    if as_json:
        emit_json(
            {
                "source": str(csv_file) if csv_file else "model",
                "by": by.value if by else "national",
                "weeks": sorted({r["week"] for r in rows}),
                "rows": rows,
                "totals": {s: round(float(wide[s].sum()), 3) for s in services},
            }
        )


def _demand(week_list: list[tuple[int, int]] | None, csv_file: Path | None) -> pd.DataFrame:
    """The long demand frame: your CSV (only ``week_list`` if given), else the model's weeks."""
    localities = _localities()
    if csv_file is None:
        return weekly_demand(localities, week_list or [], DemandParams())
    try:
        demand = load_demand_csv(csv_file, localities)
    except DemandCsvError as exc:
        fail(str(exc))
    except OSError as exc:
        fail(f"cannot read {csv_file}: {exc}")
    if week_list is not None:
        wanted = set(week_list)
        keys = zip(demand["iso_year"], demand["iso_week"], strict=True)
        demand = demand.loc[[k in wanted for k in keys]]
    return demand


def _weekly_totals(demand: pd.DataFrame, area: str | None, services: list[str]) -> pd.DataFrame:
    """One row per week (and ``area`` code), one column per service line, in week order."""
    totals = aggregate(demand, by=(area,) if area else ())
    wide = totals.pivot_table(
        index=[*([area] if area else []), "iso_year", "iso_week"],
        columns="service",
        values="demand",
        aggfunc="sum",
        fill_value=0.0,
    ).reset_index()
    for s in services:
        if s not in wide.columns:
            wide[s] = 0.0
    return wide.sort_values(["iso_year", "iso_week", *([area] if area else [])])


class Level(str, Enum):
    """Row level of an exported demand CSV."""

    locality = "locality"
    kommun = "kommun"


@demand_app.command("export")
def export(
    weeks: str = typer.Option(..., "--weeks", help="ISO weeks, e.g. 2026-W45:2026-W52."),
    out: Path = typer.Option(..., "--out", help="CSV file to write."),
    level: Level = typer.Option(Level.kommun, "--level", help="One row per kommun or locality."),
    as_json: bool = typer.Option(False, "--json", help="Also print one JSON object last."),
) -> None:
    """Write the model's demand as a CSV in the format `demand show --csv` reads (a template)."""
    try:
        week_list = iso_week_range(weeks)
    except ValueError as exc:
        fail(str(exc))
    output_file(out)
    demand = weekly_demand(_localities(), week_list, DemandParams())
    try:
        write_demand_csv(demand, out, level=level.value)
    except OSError as exc:
        fail(f"cannot write {out}: {exc}")
    Console(stderr=True).print(f"wrote {out} ({len(week_list)} weeks, one row per {level.value})")
    if as_json:
        emit_json({"path": str(out), "weeks": len(week_list), "level": level.value})
