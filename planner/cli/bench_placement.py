"""`planner bench placement`: the placement model at scale (10 units x 26 weeks, all kommuner).

The issue's scale target: every kommun's seat as a candidate site, every locality as demand,
10 units over 26 weeks, within 1 % of optimal in 60 s. The gap printed is against the proven
bound of the same run (conservative: the bound may be far from the optimum); ``--reference``
adds a long run whose best plan and bound serve as the yardstick for the short one.
"""

from __future__ import annotations

import time
from typing import Annotated

import typer

from planner.cli._common import emit_json, progress
from planner.cli.bench import bench_app

JsonOpt = Annotated[bool, typer.Option("--json", help="Print one JSON object as the last line.")]


@bench_app.command("placement")
def bench_placement(
    weeks: Annotated[int, typer.Option(help="Horizon in weeks.")] = 26,
    units: Annotated[int, typer.Option(help="Mobile clinics.")] = 10,
    candidates: Annotated[str, typer.Option(help="kommun_seats or population.")] = "kommun_seats",
    time_limit: Annotated[
        float, typer.Option("--time-limit", help="Seconds for the solve.")
    ] = 60.0,
    reference: Annotated[float, typer.Option(help="Seconds for a reference run (0: none).")] = 0.0,
    json_out: JsonOpt = False,
) -> None:
    """Solve the demo scenario at scale and report value, bound, gap and time."""
    from planner.orchestration.placement import build_problem, placement_errors
    from planner.placement import SolveParams, evaluate, solve
    from planner.scenario import builtin_scenario_path, load_scenario

    scenario = load_scenario(builtin_scenario_path("demo")).replace(
        scenario={"horizon_weeks": weeks},
        placement={"units": units, "candidate_rule": candidates, "region_contracts": []},
    )
    started = time.perf_counter()
    with placement_errors():
        problem = build_problem(scenario)
        build_seconds = time.perf_counter() - started
        with progress("placement at scale", json_out) as on_progress:
            solution = solve(problem, SolveParams(time_limit_s=time_limit), on_progress)
        kpis = evaluate(problem, solution)
    result = {
        "sites": len(problem.sites),
        "points": len(problem.points),
        "weeks": weeks,
        "units": units,
        "status": solution.status,
        "objective": solution.objective,
        "bound": solution.bound,
        "gap": solution.gap,
        "seconds": round(solution.seconds, 2),
        "build_seconds": round(build_seconds, 2),
        "served_patients": round(kpis.served_patients, 1),
        "unit_utilisation": round(kpis.unit_utilisation, 4),
        "relocations": kpis.relocations,
    }
    if reference > 0:
        with progress("reference run", json_out) as on_progress:
            ref = solve(problem, SolveParams(time_limit_s=reference), on_progress)
        best = max(v for v in (ref.objective, solution.objective) if v is not None)
        bound = min(v for v in (ref.bound, solution.bound) if v is not None)
        result.update(
            {
                "reference_objective": ref.objective,
                "reference_bound": ref.bound,
                "gap_to_reference_best": (best - solution.objective) / abs(best)
                if solution.objective
                else None,
                "gap_to_best_bound": (bound - solution.objective) / abs(solution.objective)
                if solution.objective
                else None,
            }
        )
    if json_out:
        emit_json(result)
    else:
        for key, value in result.items():
            typer.echo(f"{key:24s} {value}")
