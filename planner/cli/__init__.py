"""The ``planner`` command line: one Typer app with a sub-app per area.

Errors the user can fix (:class:`planner.errors.PlannerError`, and a database that cannot be
reached or written) are printed as one readable message with exit code 2, never as a
traceback. Ctrl-C ends a command with exit code 130, SIGTERM during a solve with 143.
"""

from __future__ import annotations

import os
import sys
from typing import Annotated, Any, NoReturn

import typer
from rich.markup import escape
from typer.core import TyperGroup

from planner.cli._common import err_console, state
from planner.errors import PlannerError, Terminated


def _say(message: str) -> None:
    err_console.print(f"[bold red]error:[/] {escape(message)}", highlight=False, soft_wrap=True)


def _exit_now(code: int) -> NoReturn:
    # A solver thread may still be inside C code that Python cannot stop (planner.runs runs
    # planners in a worker thread); the run is already marked, so end the process here.
    sys.stdout.flush()
    sys.stderr.flush()
    os._exit(code)


class _Group(TyperGroup):
    def invoke(self, ctx: Any) -> Any:
        try:
            return super().invoke(ctx)
        except PlannerError as exc:
            _say(str(exc))
            raise typer.Exit(2) from None
        except KeyboardInterrupt:
            _say("interrupted (Ctrl-C); a run in progress is stored as 'interrupted'")
            _exit_now(130)
        except Terminated:
            _say("stopped by SIGTERM; a run in progress is stored as 'failed'")
            _exit_now(143)
        except Exception as exc:
            from planner.storage.database import database_error

            named = database_error(exc, state.db_url)  # e.g. a read-only file met mid-command
            if named is None:
                raise
            _say(str(named))
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
        compare,
        demand,
        demo,
        export_requests,  # noqa: F401
        export_roster,  # noqa: F401
        geo,
        runs,
        scenario,
        solve,
        sweep,
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
    app.command("compare")(compare.compare_command)
    app.command("sweep")(sweep.sweep_command)
    app.command("demo")(demo.demo)
    app.command("dashboard")(demo.dashboard)


_register()


def main() -> None:
    """Console-script entry point."""
    app()
