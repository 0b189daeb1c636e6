"""`planner bench pmed FILE`: solve an OR-Library p-median instance (pmed1..40) and time it."""

from __future__ import annotations

import time
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer
from rich.console import Console

from planner.cli._common import emit_json, progress
from planner.cli.bench import bench_app

if TYPE_CHECKING:
    from planner.placement import ProgressCallback


def run_pmed(
    path: Path, time_limit: float, on_progress: ProgressCallback | None = None
) -> dict[str, Any]:
    """Read and solve one instance; ``seconds`` is the whole wall time (reading included)."""
    from planner.orchestration.placement import placement_errors
    from planner.placement.classic import read_pmed, solve_pmedian

    started = time.perf_counter()
    with placement_errors():
        instance = read_pmed(path)
        solution = solve_pmedian(
            instance.problem(), time_limit_s=time_limit, on_progress=on_progress
        )
    return {
        "instance": instance.name,
        "objective": _number(solution.objective),
        "optimal": solution.status == "OPTIMAL",
        "bound": _number(solution.bound),
        "seconds": round(time.perf_counter() - started, 3),
        "status": solution.status,
        "n": instance.n,
        "p": instance.p,
    }


def _number(value: float | None) -> float | int | None:
    if value is None:
        return None
    rounded = round(value, 6)
    return int(rounded) if rounded == int(rounded) else rounded


@bench_app.command("pmed")
def pmed(
    file: Annotated[Path, typer.Argument(help="OR-Library pmed file, e.g. pmed1.txt.")],
    time_limit: Annotated[
        float, typer.Option("--time-limit", help="Seconds for the whole solve.")
    ] = 60.0,
    json_out: Annotated[
        bool, typer.Option("--json", help="Print one JSON object as the last line.")
    ] = False,
) -> None:
    """p-median optimum of an OR-Library instance (last cost of a duplicated edge counts)."""
    with progress(f"p-median {file.name}", json_out) as on_progress:
        row = run_pmed(file, time_limit, on_progress)
    if json_out:
        emit_json(row)
        return
    proof = "optimal" if row["optimal"] else f"{row['status'].lower()}, bound {row['bound']}"
    Console().print(
        f"{row['instance']} (n={row['n']}, p={row['p']}): objective {row['objective']} "
        f"({proof}) in {row['seconds']:.2f} s",
        highlight=False,
    )
