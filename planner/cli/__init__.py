"""The ``planner`` command line: one Typer app with a sub-app per area.

Errors the user can fix (:class:`planner.errors.PlannerError`) are printed as one readable
message with exit code 2, never as a traceback.
"""

from __future__ import annotations

from typing import Annotated, Any

import typer
from rich.markup import escape
from typer.core import TyperGroup

from planner.cli._common import err_console, state
from planner.errors import PlannerError


class _Group(TyperGroup):
    def invoke(self, ctx: Any) -> Any:
        try:
            return super().invoke(ctx)
        except PlannerError as exc:
            err_console.print(
                f"[bold red]error:[/] {escape(str(exc))}", highlight=False, soft_wrap=True
            )
            raise typer.Exit(2) from None


app = typer.Typer(
    name="planner",
    cls=_Group,
    help="Operations and logistics planner for clinics and mobile units.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)


@app.callback()
def _root(
    db: Annotated[
        str | None,
        typer.Option(
            "--db",
            help="Database URL (default: $PLANNER_DATABASE_URL, else SQLite in var/planner.db).",
        ),
    ] = None,
) -> None:
    """Operations and logistics planner for clinics and mobile units."""
    state.db_url = db


def _register() -> None:
    # Imported here so that `planner --help` lists every area and each module stays small.
    from planner.cli import bench, demo, geo, runs, scenario, solve

    app.add_typer(scenario.app, name="scenario", help="Create, list and show scenarios.")
    app.add_typer(solve.app, name="solve", help="Run a planner on a stored scenario.")
    app.add_typer(runs.app, name="runs", help="Stored runs and their KPIs.")
    app.add_typer(runs.export_app, name="export", help="Export a stored plan's rows.")
    app.add_typer(geo.geo_app, name="geo", help="Swedish places, population and travel times.")
    app.add_typer(geo.data_app, name="data", help="Build the data files in data/geo/.")
    app.add_typer(bench.bench_app, name="bench", help="Benchmarks (quality and speed, not tests).")
    app.command("demo")(demo.demo)
    app.command("dashboard")(demo.dashboard)
    # Modules that add commands to the sub-apps above (or bring their own `NAME_app`).
    for optional in (
        "travel",
        "demand",
        "bench_pmed",
        "bench_placement",
        "bench_staffing",
        "bench_vrptw",
        "export_roster",
    ):
        _register_optional(optional)


def _register_optional(name: str) -> None:
    # Areas that add commands to an existing sub-app or bring their own (demand).
    import importlib

    try:
        module = importlib.import_module(f"planner.cli.{name}")
    except ModuleNotFoundError as exc:
        if exc.name != f"planner.cli.{name}":
            raise
        return
    sub = getattr(module, f"{name}_app", None) if "_" not in name else None
    if sub is not None:
        app.add_typer(sub, name=name, help=(module.__doc__ or "").strip().splitlines()[0])


_register()


def main() -> None:
    """Console-script entry point."""
    app()
