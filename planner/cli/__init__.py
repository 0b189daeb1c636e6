"""The ``planner`` command line: one Typer app with a sub-app per area."""

from __future__ import annotations

import typer

app = typer.Typer(
    name="planner",
    help="Operations and logistics planner for clinics and mobile units.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)


def _register() -> None:
    # Imported here so that `planner --help` lists every area and each module stays small.
    from planner.cli import geo

    app.add_typer(geo.geo_app, name="geo", help="Swedish places, population and travel times.")
    app.add_typer(geo.data_app, name="data", help="Build the data files in data/geo/.")


_register()


def main() -> None:
    """Console-script entry point."""
    app()
