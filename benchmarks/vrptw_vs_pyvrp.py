"""Our routing engine (routing.solve) against PyVRP run alone on Solomon-format VRPTW instances.

    .venv/bin/python benchmarks/vrptw_vs_pyvrp.py [--instances DIR] [--time-limit 10]
        [--only C101,R101] [--engine pyvrp|ortools|portfolio] [--workers K]
        [--pyvrp-fleet-cost | --no-pyvrp-fleet-cost] [--csv OUT]

Per instance, one solver after the other (never in parallel), each given the same wall-clock
limit: ours with ``SolveParams(time_limit, engine, workers)`` (``--engine`` defaults to the
default engine of ``routing.SolveParams``), then PyVRP alone with its default settings and one
seed. Both plans are checked and measured by ``routing.evaluate`` on exact Euclidean
distances (floats), so the figures are comparable with the BKS in ``bks.csv``. The same
script reads the 200-customer Gehring-Homberger files (same format; ``--instances DIR``).

PyVRP-alone setup (the fairest we found; see benchmarks/README.md, "vrptw"):
* the Solomon fleet (``NUMBER``) as ``num_available``, capacity, depot window as the shift;
* integer data as PyVRP needs: distance ``round(100 * d)``, duration ``ceil(100 * d)``
  (rounding durations *up* keeps PyVRP's plans feasible in exact arithmetic; PyVRP's own
  examples use the DIMACS x10 truncation, which can return plans that miss a window by a
  fraction under exact distances);
* the hierarchical objective (vehicles first) by a fixed cost per vehicle larger than any
  plan's distance (PyVRP minimises distance alone otherwise); ``--no-pyvrp-fleet-cost`` runs
  the plain distance objective instead.
"""

from __future__ import annotations

import argparse
import csv
import math
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from routing import Route, Solution, SolveParams, evaluate, schedule, solve  # noqa: E402
from routing.solomon import SolomonInstance, read  # noqa: E402

DEFAULT_DIR = Path("/work/shared/bench/solomon")
PYVRP_SCALE = 100
CLIENT_OFFSET = 0  # ScheduledActivity.idx of a client is 0-based among clients (guarded below)


def load_bks(folder: Path) -> dict[str, tuple[int, float]]:
    """instance -> (vehicles, distance) from ``bks.csv`` (empty if the file is missing)."""
    path = folder / "bks.csv"
    if not path.exists():
        return {}
    with path.open(newline="") as handle:
        return {
            r["instance"]: (int(r["vehicles"]), float(r["best_known"]))
            for r in csv.DictReader(handle)
        }


def run_ours(
    inst: SolomonInstance, seconds: float, engine: str | None = None, workers: int = 1
) -> tuple[Solution, float]:
    """Our engine (``engine``, else the default) with ``workers``; (solution, wall seconds)."""
    params = SolveParams(time_limit=seconds, workers=workers)
    if engine:
        params = params.replace(engine=engine)
    t0 = time.perf_counter()
    sol = solve(inst.problem, params)
    return sol, time.perf_counter() - t0


def run_pyvrp(
    inst: SolomonInstance, seconds: float, fleet_cost: bool, seed: int = 1
) -> tuple[Solution, float]:
    """PyVRP's ``Model.solve`` under ``MaxRuntime(seconds)``; its routes as our Solution."""
    from pyvrp import Model
    from pyvrp.stop import MaxRuntime

    n = len(inst.demand)
    dist = inst.problem.distance
    model = Model()
    locs = [model.add_location(float(x), float(y)) for x, y in inst.coords]
    depot = model.add_depot(
        locs[0], tw_early=int(inst.ready[0] * PYVRP_SCALE), tw_late=int(inst.due[0] * PYVRP_SCALE)
    )
    bound = math.ceil(dist.max() * PYVRP_SCALE) * (2 * n + 1)
    model.add_vehicle_type(
        num_available=inst.vehicles,
        capacity=inst.capacity,
        start_depot=depot,
        end_depot=depot,
        fixed_cost=bound if fleet_cost else 0,
        tw_early=int(inst.ready[0] * PYVRP_SCALE),
        tw_late=int(inst.due[0] * PYVRP_SCALE),
    )
    for i in range(1, n):
        model.add_client(
            locs[i],
            delivery=inst.demand[i],
            service_duration=math.ceil(inst.service[i] * PYVRP_SCALE),
            tw_early=math.ceil(inst.ready[i] * PYVRP_SCALE),
            tw_late=math.floor(inst.due[i] * PYVRP_SCALE),
        )
    for i in range(n):
        for j in range(n):
            if i != j:
                model.add_edge(
                    locs[i],
                    locs[j],
                    distance=round(dist[i, j] * PYVRP_SCALE),
                    duration=math.ceil(dist[i, j] * PYVRP_SCALE - 1e-7),
                )
    t0 = time.perf_counter()
    result = model.solve(stop=MaxRuntime(seconds), seed=seed, display=False)
    elapsed = time.perf_counter() - t0
    ids = [s.id for s in inst.problem.stops]  # client k (1-based after the depot) is ids[k - 1]
    routes: list[Route] = []
    for k, route in enumerate(result.best.routes()):
        stops = [ids[a.idx - CLIENT_OFFSET] for a in route if a.is_client()]
        routes.append(schedule(inst.problem, k, stops))
    ours = sum(r.distance for r in routes)
    if abs(ours - result.best.distance() / PYVRP_SCALE) > 0.5 / PYVRP_SCALE * (
        len(ids) + 2 * len(routes)
    ):  # rounding per arc
        raise RuntimeError(
            "PyVRP route read-back does not match its own distance (client index offset?)."
        )
    served = {s for r in routes for s in r.stops}
    dropped = tuple(s for s in ids if s not in served)
    return Solution(tuple(routes), dropped, "pyvrp", elapsed), elapsed


def compare(a: tuple[int, float], b: tuple[int, float]) -> str:
    """Lexicographic (vehicles, distance) of ours ``a`` against PyVRP's ``b`` (1e-6 ties)."""
    if a[0] != b[0]:
        return "better" if a[0] < b[0] else "worse"
    if abs(a[1] - b[1]) <= 1e-6 * max(1.0, b[1]):
        return "tie"
    return "better" if a[1] < b[1] else "worse"


def main(argv: list[str] | None = None) -> int:
    """Run the comparison and print the table and summary."""
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--instances", type=Path, default=DEFAULT_DIR)
    ap.add_argument("--time-limit", type=float, default=10.0)
    ap.add_argument("--only", default="", help="comma-separated instance names, e.g. C101,R101")
    ap.add_argument(
        "--pyvrp-fleet-cost",
        action=argparse.BooleanOptionalAction,
        default=True,
        help="give PyVRP a fixed cost per vehicle (hierarchical objective); default on",
    )
    ap.add_argument("--csv", type=Path, help="also write the rows to this CSV file")
    ap.add_argument(
        "--engine",
        choices=["pyvrp", "ortools", "portfolio"],
        help=f"our engine (default: {SolveParams().engine!r}, routing's default)",
    )
    ap.add_argument(
        "--workers",
        type=int,
        default=1,
        help="our engine's searches side by side, one process each (PyVRP alone uses one core)",
    )
    args = ap.parse_args(argv)

    files = sorted(args.instances.glob("*.txt"))
    if args.only:
        wanted = {w.strip().upper() for w in args.only.split(",") if w.strip()}
        files = [f for f in files if f.stem.upper() in wanted]
    if not files:
        print(f"no instances in {args.instances}", file=sys.stderr)
        return 2
    bks = load_bks(args.instances)
    header = (
        f"{'instance':9} {'BKS veh':>7} {'BKS dist':>9} | {'ours veh':>8} {'ours dist':>9} {'feas':>5} "
        f"{'s':>5} | {'pyvrp veh':>9} {'pyvrp dist':>10} {'feas':>5} {'s':>5} | result"
    )
    print(header)
    print("-" * len(header))
    rows = []
    for path in files:
        inst = read(path)
        ours, t_ours = run_ours(inst, args.time_limit, args.engine, args.workers)
        e_ours = evaluate(inst.problem, ours)
        theirs, t_theirs = run_pyvrp(inst, args.time_limit, args.pyvrp_fleet_cost)
        e_theirs = evaluate(inst.problem, theirs)
        a = (e_ours.vehicles, e_ours.distance) if e_ours.feasible else (10**9, math.inf)
        b = (e_theirs.vehicles, e_theirs.distance) if e_theirs.feasible else (10**9, math.inf)
        verdict = compare(a, b)
        bv, bd = bks.get(path.stem, (0, float("nan")))
        row = {
            "instance": path.stem,
            "bks_vehicles": bv,
            "bks_distance": bd,
            "ours_vehicles": e_ours.vehicles,
            "ours_distance": round(e_ours.distance, 2),
            "ours_feasible": e_ours.feasible,
            "ours_seconds": round(t_ours, 1),
            "pyvrp_vehicles": e_theirs.vehicles,
            "pyvrp_distance": round(e_theirs.distance, 2),
            "pyvrp_feasible": e_theirs.feasible,
            "pyvrp_seconds": round(t_theirs, 1),
            "result": verdict,
        }
        rows.append(row)
        print(
            f"{path.stem:9} {bv:>7} {bd:>9.2f} | {e_ours.vehicles:>8} {e_ours.distance:>9.2f} "
            f"{e_ours.feasible!s:>5} {t_ours:>5.1f} | {e_theirs.vehicles:>9} {e_theirs.distance:>10.2f} "
            f"{e_theirs.feasible!s:>5} {t_theirs:>5.1f} | {verdict}",
            flush=True,
        )
    better = sum(r["result"] == "better" for r in rows)
    worse = sum(r["result"] == "worse" for r in rows)
    ties = sum(r["result"] == "tie" for r in rows)
    infeasible = sum(not r["ours_feasible"] for r in rows)
    both = [
        r
        for r in rows
        if r["bks_vehicles"]
        and r["ours_vehicles"] == r["bks_vehicles"] == r["pyvrp_vehicles"]
        and r["ours_feasible"]
        and r["pyvrp_feasible"]
    ]

    def gap(key: str) -> float:
        return (
            100 * sum(r[key] / r["bks_distance"] - 1 for r in both) / len(both)
            if both
            else float("nan")
        )

    at_bks_ours = sum(r["ours_vehicles"] == r["bks_vehicles"] for r in rows)
    at_bks_theirs = sum(r["pyvrp_vehicles"] == r["bks_vehicles"] for r in rows)
    print()
    print(
        f"instances {len(rows)}: ours better {better}, worse {worse}, tie {ties}; "
        f"ours infeasible {infeasible}"
    )
    print(f"at the BKS vehicle count: ours {at_bks_ours}, PyVRP {at_bks_theirs}")
    print(
        f"mean distance gap to BKS over the {len(both)} instances where both reach the BKS "
        f"vehicle count: ours {gap('ours_distance'):.2f} %, PyVRP {gap('pyvrp_distance'):.2f} %"
    )
    if args.csv:
        with args.csv.open("w", newline="") as handle:
            writer = csv.DictWriter(handle, fieldnames=list(rows[0]))
            writer.writeheader()
            writer.writerows(rows)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
