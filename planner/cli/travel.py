"""`planner geo travel-time FROM TO`: driving and ferry time between two Swedish places."""

from __future__ import annotations

from typing import Annotated

import typer
from rich.console import Console

from planner import geo, travel
from planner.cli._common import emit_json, fail
from planner.cli.geo import JsonOption, geo_app

PLACE_HELP = "Place name or 4-digit kommun code."


@geo_app.command("travel-time")
def travel_time(
    origin: Annotated[str, typer.Argument(metavar="FROM", help=PLACE_HELP)],
    destination: Annotated[str, typer.Argument(metavar="TO", help=PLACE_HELP)],
    json_output: JsonOption = False,
) -> None:
    """Travel time and road km on the proxy network (ferries included, e.g. to Visby)."""
    try:
        geo.ensure_geo_data()
        result = travel.travel_time(origin, destination)
    except geo.GeoError as exc:  # UnknownPlaceError carries its own suggestions
        fail(str(exc))
    if json_output:
        emit_json(result)
        return
    hours, minutes = divmod(round(result["minutes"]), 60)
    Console().print(
        f"{result['from']} -> {result['to']}: {hours} h {minutes:02d} min, {result['km']} km"
    )
