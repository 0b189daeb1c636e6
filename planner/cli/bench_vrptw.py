"""`planner bench vrptw FILE`: our routing engine (the default, or ``--engine``) on one Solomon
VRPTW instance."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from planner.cli._common import emit_json, err_console
from planner.cli.bench import bench_app
from planner.errors import PlannerError


class BenchInputError(PlannerError, ValueError):
    """A benchmark instance file that cannot be read; the message names the file and line."""


@bench_app.command("vrptw")
def vrptw(
    file: Annotated[
        Path,
        typer.Argument(help="A Solomon-format VRPTW file (e.g. shared/bench/solomon/C101.txt)."),
    ],
    time_limit: Annotated[
        float, typer.Option("--time-limit", help="Seconds for the solver.")
    ] = 10.0,
    seed: Annotated[int, typer.Option("--seed", help="The search's random seed.")] = 0,
    engine: Annotated[
        str | None,
        typer.Option(
            "--engine", help="pyvrp, ortools or portfolio (default: routing's default engine)."
        ),
    ] = None,
    workers: Annotated[
        int, typer.Option("--workers", help="Searches side by side, one process each.")
    ] = 1,
    json_out: Annotated[
        bool, typer.Option("--json", help="Print one JSON object as the last line.")
    ] = False,
) -> None:
    """Solve one Solomon instance: fewest vehicles, then least (exact Euclidean) distance."""
    from routing import SolveParams, VRPError, evaluate, solve
    from routing.solomon import read

    try:
        instance = read(file)
        params = SolveParams(time_limit=time_limit, seed=seed, workers=workers)
        if engine is not None:
            params = params.replace(engine=engine)
    except VRPError as exc:
        raise BenchInputError(str(exc)) from None
    solution = solve(instance.problem, params)
    check = evaluate(instance.problem, solution)
    routes = [[int(s) for s in route.stops] for route in solution.routes if route.stops]
    result = {
        "instance": instance.name,
        "vehicles": check.vehicles,
        "distance": round(check.distance, 6),
        "feasible": check.feasible,
        "seconds": round(solution.seconds, 3),
        "routes": routes,
    }
    if json_out:
        emit_json(result)
        return
    typer.echo(
        f"{instance.name}: {check.vehicles} vehicles, distance {check.distance:.2f}, "
        f"{'feasible' if check.feasible else 'INFEASIBLE'} in {solution.seconds:.1f} s"
    )
    for k, stops in enumerate(routes, start=1):
        typer.echo(f"  route {k}: " + " ".join(map(str, stops)))
    for v in check.violations:
        err_console.print(f"  {v.rule}: {v.message}", highlight=False)
