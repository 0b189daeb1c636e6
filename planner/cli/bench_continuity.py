"""`planner bench continuity`: what it takes to reach the same-clinician target, measured.

On the seeded instance of ``planner bench staffing``: the roster as declared (continuity and
availability bound before), then :func:`staffing.reach.reach_target` (the least-cost requests,
their proved lower bound, the greedy baseline, and the roster re-solved with them). The time
limit is the whole run's: :data:`SOLVE_SHARE` of it for the roster before and for each of up to
:data:`BENCH_ROUNDS` re-solves (the request pick and evaluation take the rest).
"""

from __future__ import annotations

import time
from typing import Annotated, Any

import typer

from planner.cli._common import dim_progress, emit_json
from planner.cli.bench import bench_app
from planner.cli.bench_staffing import BENCH_START
from planner.runs import ProgressCallback

#: Re-solve rounds the bench allows.
BENCH_ROUNDS = 3
#: Share of the time limit each solve gets (the roster before and each round).
SOLVE_SHARE = 0.21


def run_continuity_benchmark(
    clinicians: int,
    days: int,
    seed: int,
    target: float,
    time_limit: float,
    visits: int | None = None,
    on_progress: ProgressCallback | None = None,
) -> dict[str, Any]:
    """Build, solve as declared, reach the target; ``seconds`` is the whole wall time."""
    from planner.orchestration.staffing import build_instance
    from staffing import SolveParams, evaluate, solve
    from staffing.reach import reach_target

    if not 0 <= target <= 1:
        raise typer.BadParameter(f"--target must be a share between 0 and 1, got {target}")
    started = time.perf_counter()
    if visits is None:
        visits = round(4000 * clinicians / 300 * days / 28)
    problem = build_instance(clinicians, days, visits, seed, BENCH_START)
    params = SolveParams(time_limit_s=max(1.0, time_limit * SOLVE_SHARE), num_workers=2, seed=seed)
    before = solve(problem, params, on_progress=on_progress)
    k0 = evaluate(problem, before)
    reach = reach_target(
        problem,
        params,
        target,
        before=before,
        on_progress=on_progress,
        rounds=BENCH_ROUNDS,
        deadline=started + time_limit,  # --time-limit is the whole run's
    )
    k1 = reach.kpis
    return {
        "continuity_before": k0.continuity_rate,
        "bound_before": k0.availability_bound,
        "target": target,
        "requests": len(reach.requests),
        "requests_lower_bound": reach.lower_bound,
        "greedy_requests": len(reach.plan.greedy),
        "continuity_after": k1.continuity_rate,
        "hard_violations": k1.hard_violations,
        "seconds": round(time.perf_counter() - started, 1),
        "reached": reach.reached,
        "requests_asked": len(reach.asked),
        "rounds": reach.rounds,
        "bound_after": k1.availability_bound,
        "cover_before": k0.cover,
        "cover_after": k1.cover,
        "instance": {"clinicians": clinicians, "days": days, "return_visits": visits, "seed": seed},
    }


@bench_app.command("continuity")
def continuity(
    clinicians: Annotated[int, typer.Option(help="Clinicians in the seeded pool.")] = 300,
    days: Annotated[int, typer.Option(help="Days in the horizon.")] = 28,
    seed: Annotated[int, typer.Option(help="Seed of the instance and the solver.")] = 1,
    target: Annotated[float, typer.Option(help="Same-clinician share to reach.")] = 0.96,
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
    """Requests that lift continuity to the target: count, lower bound, greedy, rate after."""

    progress = dim_progress(json_out)
    result = run_continuity_benchmark(
        clinicians, days, seed, target, time_limit, visits, on_progress=progress
    )
    if json_out:
        emit_json(result)
        return
    for key, value in result.items():
        typer.echo(f"{key:24s} {value}")
