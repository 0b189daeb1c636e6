"""`planner geo ...` and `planner data ...` commands (filled in by the geography work)."""

from __future__ import annotations

import typer

geo_app = typer.Typer(no_args_is_help=True)
data_app = typer.Typer(no_args_is_help=True)
