"""`planner bench ...`: quality and speed runs on public or seeded instances (not tests).

Each benchmark lives in its own module that adds a command to :data:`bench_app`
(``bench_pmed``, ``bench_spirometry``, ``bench_staffing``, ``bench_vrptw``); every command prints one JSON object as
the last line with ``--json``.
"""

from __future__ import annotations

import typer

bench_app = typer.Typer(no_args_is_help=True)


@bench_app.callback()
def _bench() -> None:
    """Benchmarks: public instances (OR-Library, Solomon) and seeded realistic ones."""
