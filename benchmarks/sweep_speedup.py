"""Sweep speed-up (issue 18): placement variants of the demo on a LocalCluster against the same
variants solved one after another, side by side. Not part of the test run.

    .venv/bin/python benchmarks/sweep_speedup.py                    # 8 variants, 60 s each
    .venv/bin/python benchmarks/sweep_speedup.py --variants 2 --time-limit 5   # a quick check

Each side gets a fresh SQLite database in a temporary folder (so nothing is skipped as already
stored). Prints one JSON object: wall times (the sweep's with and without starting the
cluster), the speed-up (target >= 1.8 with 2 workers on 2 idle cores) and, per variant, the
headline placement KPIs of both sides and whether they agree within the plans' own gap. Run it
on an idle machine: with other work on the cores the times say nothing.
"""

from __future__ import annotations

import argparse
import itertools
import json
import tempfile
import time
from pathlib import Path

from planner.runs import execute
from planner.scenario import builtin_scenario_path, load_scenario
from planner.storage import open_database, save_scenario
from planner.sweep import cluster, make_variants, run_sweep, store_variants

#: The grid the variants are taken from, in order: units, then reach in minutes.
UNITS = (8, 10, 12, 14)
REACH = (30.0, 45.0)


def main() -> None:
    """Run both sides and print the JSON report."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--variants", type=int, default=8, help="How many (at most 8).")
    parser.add_argument("--time-limit", type=float, default=60.0, help="Seconds per solve.")
    parser.add_argument("--workers", type=int, default=2)
    args = parser.parse_args()

    base = load_scenario(builtin_scenario_path("demo"))
    base = base.replace(placement={"time_limit_s": args.time_limit})
    choices = [
        {"placement.units": units, "placement.radius_minutes": reach}
        for units, reach in itertools.product(UNITS, REACH)
    ][: args.variants]
    variants = make_variants(base, choices)

    with tempfile.TemporaryDirectory(prefix="sweep-bench-") as folder:
        swept_url = f"sqlite:///{Path(folder) / 'swept.db'}"
        swept = open_database(swept_url)
        started = time.perf_counter()
        with cluster(workers=args.workers) as client:
            versions = store_variants(swept, base.name, variants)
            report = run_sweep(swept, swept_url, client, variants, versions, ["placement"])
        sweep_seconds = time.perf_counter() - started

        alone = open_database(f"sqlite:///{Path(folder) / 'alone.db'}")
        started = time.perf_counter()
        one_by_one = []
        for variant in variants:
            save_scenario(alone, variant.scenario)
            one_by_one.append(execute(alone, variant.name, "placement").to_dict())
        serial_seconds = time.perf_counter() - started

    rows, agree = [], True
    for swept_row, single in zip(report.results, one_by_one, strict=True):
        plan = swept_row["plans"].get("placement", {})
        gap = max((plan.get("quality") or {}).get("gap") or 0.0, single["quality"]["gap"] or 0.0)
        same = {}
        for kpi in ("served_share", "served_patients"):
            a, b = swept_row.get(kpi), single["kpis"].get(kpi)
            same[kpi] = a is not None and b is not None and abs(a - b) <= (gap + 1e-6) * abs(b)
        agree &= all(same.values())
        rows.append(
            {
                "scenario": swept_row["scenario"],
                "parameters": swept_row["parameters"],
                "sweep": {k: swept_row.get(k) for k in same},
                "one_by_one": {k: single["kpis"].get(k) for k in same},
                "gap": gap,
                "agree_within_gap": same,
            }
        )
    print(
        json.dumps(
            {
                "variants": len(variants),
                "workers": args.workers,
                "time_limit_s": args.time_limit,
                "sweep_seconds": round(sweep_seconds, 1),
                "sweep_solve_seconds": round(report.seconds, 1),
                "one_by_one_seconds": round(serial_seconds, 1),
                "speedup": round(serial_seconds / sweep_seconds, 2),
                "speedup_without_cluster_start": round(serial_seconds / report.seconds, 2),
                "failed": report.failed,
                "kpis_agree_within_gap": agree,
                "results": rows,
            },
            ensure_ascii=False,
            indent=1,
        )
    )


if __name__ == "__main__":
    main()
