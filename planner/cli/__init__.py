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
    # Imported here, after `app` exists, so that `planner --help` lists every area and each
    # module stays small. The second group adds commands to the sub-apps of the first
    # (`@bench_app.command(...)`), so importing them is what registers those commands.
    from planner.cli import (
        bench,
        bench_continuity,  # noqa: F401
        bench_placement,  # noqa: F401
        bench_pmed,  # noqa: F401
        bench_spirometry,  # noqa: F401
        bench_staffing,  # noqa: F401
        bench_vrptw,  # noqa: F401
        demand,
        demo,
        export_requests,  # noqa: F401
        export_roster,  # noqa: F401
        geo,
        runs,
        scenario,
        solve,
        travel,  # noqa: F401
    )

    app.add_typer(scenario.app, name="scenario", help="Create, list and show scenarios.")
    app.add_typer(solve.app, name="solve", help="Run a planner on a stored scenario.")
    app.add_typer(runs.app, name="runs", help="Stored runs and their KPIs.")
    app.add_typer(runs.export_app, name="export", help="Export a stored plan's rows.")
    app.add_typer(geo.geo_app, name="geo", help="Swedish places, population and travel times.")
    app.add_typer(geo.data_app, name="data", help="Build the data files in data/geo/.")
    app.add_typer(bench.bench_app, name="bench", help="Benchmarks (quality and speed, not tests).")
    app.add_typer(demand.demand_app, name="demand", help="Weekly demand per service line.")
    app.command("demo")(demo.demo)
    app.command("dashboard")(demo.dashboard)


_register()


def main() -> None:
    """Console-script entry point."""
    app()
