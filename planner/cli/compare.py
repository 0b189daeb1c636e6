"""`planner compare A B [C ...]`: what differs between stored scenarios and what it changes."""

from __future__ import annotations

from typing import Annotated

import typer
from rich.console import Console
from rich.table import Table

from planner.cli._common import emit_json, open_db
from planner.compare import compare, load_plans
from planner.errors import PlannerError


def compare_command(
    scenarios: Annotated[
        list[str], typer.Argument(help="Stored scenario names; the first is the reference.")
    ],
    json_out: Annotated[
        bool, typer.Option("--json", help="Print one JSON object as the last line.")
    ] = False,
) -> None:
    """Compare stored scenarios: the parameters that differ, about ten headline KPIs with the
    change against the first scenario, and warnings when the plans are not comparable."""
    from planner.orchestration.staffing import county_names

    if len(scenarios) < 2:
        raise PlannerError(
            "compare needs two scenarios or more, e.g. `planner compare demo demo-12`"
        )
    params, plans = load_plans(open_db(), scenarios)
    result = compare(params, plans, county_names())
    if json_out:
        emit_json(result.to_dict())
        return
    console = Console()
    others = result.scenarios[1:]
    table = Table("parameter", *result.scenarios, title="What differs")
    for parameter in result.parameters:
        table.add_row(parameter.key, *(parameter.values[n] for n in result.scenarios))
    if not result.parameters:
        table.add_row("(nothing: the scenarios plan the same)", *("" for _ in result.scenarios))
    console.print(table)
    table = Table(
        "KPI",
        result.reference + " (reference)",
        *(f"{n} (change)" for n in others),
        title="Headline KPIs",
    )
    for row in result.kpis:
        table.add_row(
            row.label,
            row.shown(result.reference),
            *(f"{row.shown(n)} ({row.shown_change(n) or 'n/a'})" for n in others),
        )
    console.print(table)
    for warning in result.warnings:
        console.print(f"[yellow]warning:[/] {warning}", highlight=False, soft_wrap=True)
