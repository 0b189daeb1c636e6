"""Continuity-first rostering benchmark (issue 5): a thin wrapper around `planner bench staffing`.

    .venv/bin/python benchmarks/staffing_bench.py --seeds 1 2 3 --time-limit 120

runs the seeded realistic instance (300 clinicians, 28 days, ~4,000 return visits; see
``planner/orchestration/staffing.py`` for its documented parameters) once per seed and prints
one JSON line per seed. Not part of the test run.
"""

from __future__ import annotations

import argparse
import json

from planner.cli.bench_staffing import run_benchmark


def main() -> None:
    """Run the benchmark for each seed and print its JSON line."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seeds", type=int, nargs="+", default=[1])
    parser.add_argument("--clinicians", type=int, default=300)
    parser.add_argument("--days", type=int, default=28)
    parser.add_argument("--time-limit", type=float, default=120.0)
    args = parser.parse_args()
    for seed in args.seeds:
        result = run_benchmark(args.clinicians, args.days, seed, args.time_limit)
        print(json.dumps(result, ensure_ascii=False, default=str), flush=True)


if __name__ == "__main__":
    main()
