"""OR-Library pmed instances: our p-median (MathOpt + HiGHS) against spopt (PuLP + CBC).

Both start from the same cost matrix (all-pairs shortest paths, last cost of a duplicated edge
counts) and are timed from the matrix to a solution: model building plus solving. The two run
alternately (ours first on odd instances, spopt first on even ones) so that load on a shared
machine hits both alike. spopt is a benchmark-only extra: ``pip install spopt pulp``.

    .venv/bin/python benchmarks/pmed_vs_spopt.py [--instances DIR] [--time-limit 60]
                                                  [--only pmed1,pmed2]
"""

from __future__ import annotations

import argparse
import csv
import re
import sys
import time
from pathlib import Path

from planner.placement.classic import PMedianProblem, evaluate_pmedian, read_pmed, solve_pmedian

DEFAULT_INSTANCES = Path("/work/shared/bench/pmed")


def run_ours(problem: PMedianProblem, time_limit: float) -> dict[str, object]:
    """Our solve from the cost matrix; the objective is checked against evaluate_pmedian."""
    started = time.perf_counter()
    solution = solve_pmedian(problem, time_limit_s=time_limit)
    seconds = time.perf_counter() - started
    assert solution.objective is not None
    check = evaluate_pmedian(problem, solution.facilities)
    if abs(check - solution.objective) > 1e-6 * max(1.0, check):
        raise AssertionError(f"objective {solution.objective} != evaluated {check}")
    return {"objective": check, "optimal": solution.status == "OPTIMAL", "seconds": seconds}


def run_spopt(problem: PMedianProblem, time_limit: float) -> dict[str, object]:
    """spopt's PMedian from the same matrix, solved by CBC through PuLP (no post-processing)."""
    import pulp
    from spopt.locate import PMedian

    started = time.perf_counter()
    model = PMedian.from_cost_matrix(
        problem.cost, problem.weights.reshape(-1, 1), p_facilities=problem.p
    )
    error = None
    try:
        model.solve(pulp.PULP_CBC_CMD(msg=False, timeLimit=time_limit), results=False)
    except RuntimeError as exc:  # spopt raises unless PuLP reports "Optimal"
        error = str(exc)
    seconds = time.perf_counter() - started
    found = (pulp.LpSolutionOptimal, pulp.LpSolutionIntegerFeasible)
    has_solution = model.problem.sol_status in found
    row: dict[str, object] = {
        "objective": pulp.value(model.problem.objective) if has_solution else None,
        "optimal": error is None and model.problem.sol_status == pulp.LpSolutionOptimal,
        "seconds": seconds,
    }
    if error is not None:
        row["error"] = error
    return row


def load_bks(folder: Path) -> dict[str, float]:
    """Best-known objective per instance name from ``bks.csv`` (empty if the file is absent)."""
    path = folder / "bks.csv"
    if not path.exists():
        return {}
    with path.open() as handle:
        return {row["instance"]: float(row["best_known"]) for row in csv.DictReader(handle)}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--instances",
        type=Path,
        default=DEFAULT_INSTANCES,
        help=f"folder with pmed*.txt and bks.csv (default {DEFAULT_INSTANCES})",
    )
    parser.add_argument(
        "--time-limit",
        type=float,
        default=60.0,
        help="seconds per instance and solver (default 60)",
    )
    parser.add_argument("--only", default="", help="comma-separated names, e.g. pmed1,pmed2")
    args = parser.parse_args(argv)

    files = sorted(
        args.instances.glob("pmed*.txt"), key=lambda f: int(re.sub(r"\D", "", f.stem) or 0)
    )
    if args.only:
        wanted = {name.strip() for name in args.only.split(",") if name.strip()}
        files = [f for f in files if f.stem in wanted]
    if not files:
        print(f"no pmed*.txt instances found in {args.instances}", file=sys.stderr)
        return 2
    bks = load_bks(args.instances)

    header = (
        f"{'instance':<9} {'n':>4} {'p':>4} {'best':>6} | {'ours':>6} {'opt':>3} "
        f"{'s':>7} | {'spopt':>7} {'opt':>3} {'s':>7} | {'spopt/ours':>10}"
    )
    print(header)
    print("-" * len(header))
    all_optimal, faster, matches = True, 0, 0
    for index, path in enumerate(files):
        instance = read_pmed(path)
        problem = instance.problem()
        if index % 2 == 0:
            ours = run_ours(problem, args.time_limit)
            theirs = run_spopt(problem, args.time_limit)
        else:
            theirs = run_spopt(problem, args.time_limit)
            ours = run_ours(problem, args.time_limit)
        best = bks.get(instance.name)
        all_optimal &= bool(ours["optimal"])
        matches += best is not None and abs(float(ours["objective"]) - best) < 1e-6  # type: ignore[arg-type]
        faster += float(ours["seconds"]) < float(theirs["seconds"])  # type: ignore[arg-type]
        ratio = float(theirs["seconds"]) / max(float(ours["seconds"]), 1e-9)  # type: ignore[arg-type]
        spopt_obj = "-" if theirs["objective"] is None else f"{theirs['objective']:.0f}"
        print(
            f"{instance.name:<9} {instance.n:>4} {instance.p:>4} "
            f"{'-' if best is None else f'{best:.0f}':>6} | "
            f"{ours['objective']:>6.0f} {'yes' if ours['optimal'] else 'no':>3} "
            f"{ours['seconds']:>7.2f} | {spopt_obj:>7} {'yes' if theirs['optimal'] else 'no':>3} "
            f"{theirs['seconds']:>7.2f} | {ratio:>10.1f}",
            flush=True,
        )
        if "error" in theirs:
            print(f"  spopt: {theirs['error']}", flush=True)
    print(
        f"summary: ours proven optimal on {'all' if all_optimal else 'NOT all'} "
        f"{len(files)} instances; equal to best-known on {matches}/{len(files)}; "
        f"faster than spopt on {faster}/{len(files)} (time limit {args.time_limit:g} s each)"
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
