"""`planner bench staffing`: continuity-first rostering on a seeded realistic instance."""

from __future__ import annotations

import datetime as dt
import time
from typing import Annotated, Any

import typer

from planner.cli._common import dim_progress, emit_json
from planner.cli.bench import bench_app
from planner.runs import ProgressCallback
from staffing import Solution, SolveParams, cover_first

#: A Monday in ISO week 45 (the demo scenario's start: flu season, no holiday in 4 weeks).
BENCH_START = dt.date(2026, 11, 2)
#: Seconds kept for evaluating the roster after the solver stops.
EVALUATE_MARGIN_S = 6.0


def run_benchmark(
    clinicians: int,
    days: int,
    seed: int,
    time_limit: float,
    visits: int | None = None,
    start: dt.date = BENCH_START,
    on_progress: ProgressCallback | None = None,
) -> dict[str, Any]:
    """Build, solve and evaluate; ``seconds`` is the whole wall time (build included)."""
    from planner.orchestration.staffing import build_instance, run_problem

    started = time.perf_counter()
    if visits is None:
        visits = round(4000 * clinicians / 300 * days / 28)
    problem = build_instance(clinicians, days, visits, seed, start)
    build_s = time.perf_counter() - started
    budget = max(1.0, time_limit - build_s - EVALUATE_MARGIN_S)
    # run_problem computes the baseline first; its time is taken out of the solver's budget.
    t0 = time.perf_counter()
    baseline = cover_first(problem)
    budget = max(1.0, budget - (time.perf_counter() - t0) - 0.5)
    solution, kpis, note = run_problem(
        problem,
        SolveParams(time_limit_s=budget, num_workers=2, seed=seed),
        on_progress,
        baseline=baseline,
    )
    seconds = time.perf_counter() - started
    rate, bound = kpis["continuity_rate"], kpis["availability_bound"]
    return {
        "continuity_rate": kpis["continuity_rate"],
        "availability_bound": kpis["availability_bound"],
        "baseline_rate": kpis["baseline_rate"],
        "cover": kpis["cover"],
        "hard_violations": int(kpis["hard_violations"] or 0),
        "seconds": round(seconds, 1),
        "status": solution.status,
        "share_of_bound": rate / bound if rate is not None and bound else None,
        "gain_points": kpis.get("continuity_gain_points"),
        "baseline_cover": kpis["baseline_cover"],
        "continuity_target": kpis["continuity_target"],
        "instance": {
            "clinicians": clinicians,
            "days": days,
            "return_visits": visits,
            "seed": seed,
            "start": start.isoformat(),
            "shift_vars": solution_size(solution, "shift_vars"),
            "visit_vars": solution_size(solution, "visit_vars"),
        },
        "stages": [
            {
                "name": s.name,
                "status": s.status,
                "objective": s.objective,
                "bound": s.bound,
                "seconds": round(s.seconds, 1),
            }
            for s in solution.stages
        ],
        "mean_abs_contract_deviation_h": kpis["mean_abs_contract_deviation_h"],
        "shortage": note,
    }


def solution_size(solution: Solution, key: str) -> int | None:
    """A model size the solve noted (``shift_vars``, ``visit_vars``), if any."""
    for note in solution.notes:
        name, _, value = note.partition("=")
        if name == key:
            return int(value)
    return None


@bench_app.command("staffing")
def staffing(
    clinicians: Annotated[int, typer.Option(help="Clinicians in the seeded pool.")] = 300,
    days: Annotated[int, typer.Option(help="Days in the horizon.")] = 28,
    seed: Annotated[int, typer.Option(help="Seed of the instance and the solver.")] = 1,
    time_limit: Annotated[
        float, typer.Option("--time-limit", help="Seconds for the whole run.")
    ] = 120.0,
    visits: Annotated[
        int | None,
        typer.Option(help="Return visits (default: 4000 per 300 clinicians and 28 days)."),
    ] = None,
    json_out: Annotated[
        bool, typer.Option("--json", help="Print one JSON object as the last line.")
    ] = False,
) -> None:
    """Continuity vs its availability bound and the cover-first baseline, on 2 workers."""

    progress = dim_progress(json_out)
    result = run_benchmark(clinicians, days, seed, time_limit, visits, on_progress=progress)
    if json_out:
        emit_json(result)
        return
    for key, value in result.items():
        typer.echo(f"{key:30s} {value}")
