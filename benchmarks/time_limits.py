"""Time limits at the largest sizes: every planner on scenarios at the maxima the scenario
allows, each with a 10 s limit, through the CLI (a benchmark, not a test: it times).

Issue 16 item 6: "every planner must honour its time limit within a few seconds, at any size".
For each case the script stores a scenario made from the demo (the changed keys are listed
below), runs ``planner solve PLANNER --json`` on a fresh SQLite database and reports:

* ``wall``: the whole command (imports, reading demand and travel data, solving, storing);
* ``run``: the stored run's seconds (from the run's start to its plan stored);
* ``search``: the planner's own search seconds where it reports them (placement
  ``solver_seconds``);
* ``over``: ``run`` minus the limit, and whether the plan says the limit cut it short.

    .venv/bin/python benchmarks/time_limits.py [--only staffing-max] [--limit 10] [--json]

Needs the built geography (``make run`` or ``planner geo build``); about 3 minutes in all.
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import tempfile
import time
import tomllib
from pathlib import Path
from typing import Any

import tomli_w

ROOT = Path(__file__).resolve().parents[1]
PLANNER = [sys.executable, "-m", "planner"]

#: One hub in each county's seat (21 hubs: 20 vehicles each is 420 courier vehicles).
COUNTY_SEATS = (
    "Stockholm", "Uppsala", "Nyköping", "Linköping", "Jönköping", "Växjö", "Kalmar", "Visby",
    "Karlskrona", "Malmö", "Halmstad", "Göteborg", "Karlstad", "Örebro", "Västerås", "Falun",
    "Gävle", "Härnösand", "Östersund", "Umeå", "Luleå",
)  # fmt: skip

#: case -> (planner, changes to the demo scenario by section); the maxima are the scenario's
#: own bounds (planner/scenario.py, planner/scenario_bounds.py).
CASES: dict[str, tuple[str, dict[str, dict[str, Any]]]] = {
    "placement-104-weeks": (
        "placement",
        {"scenario": {"horizon_weeks": 104}, "placement": {"counties": []}},
    ),
    "placement-100-units": (
        "placement",
        {"scenario": {"horizon_weeks": 104}, "placement": {"counties": [], "units": 100}},
    ),
    "placement-every-locality": (
        "placement",
        {
            "scenario": {"horizon_weeks": 104},
            "placement": {
                "counties": [],
                "units": 100,
                "radius_minutes": 600,
                "candidate_min_population": 0,
                "demand_merge_population": 0,
            },
        },
    ),
    "staffing-max": (
        "staffing",
        {"staffing": {"clinicians": 1000, "horizon_days": 366, "return_visits": 20000}},
    ),
    "continuity-max": (
        "continuity",
        {"staffing": {"clinicians": 1000, "horizon_days": 366, "return_visits": 20000}},
    ),
    "routing-max": (
        "routing",
        {
            "scenario": {"horizon_weeks": 104},
            "placement": {"counties": []},
            "demand": {"asthma_referrals_per_100k": 450.0, "spirometry_share": 1.0},
        },
    ),
    "routing-fleet": (
        "routing",
        {
            "placement": {"counties": []},
            "routing": {"hubs": list(COUNTY_SEATS), "vehicles_per_hub": 20},
        },
    ),
}

#: The KPI holding a planner's own search time (staffing's solve_seconds counts the CP-SAT
#: stages only: 0 when the baseline used the time).
SEARCH_KPI = {"placement": "solver_seconds"}


def scenario_file(
    folder: Path, name: str, changes: dict[str, dict[str, Any]], limit: float
) -> Path:
    """The demo scenario with ``changes`` and every time limit set to ``limit``."""
    data = tomllib.loads((ROOT / "planner" / "scenarios" / "demo.toml").read_text("utf-8"))
    data["scenario"]["name"] = name
    for section, values in changes.items():
        data.setdefault(section, {}).update(values)
    for section in ("placement", "staffing", "routing"):
        data[section]["time_limit_s"] = limit
    data["staffing"].pop("continuity_time_limit_s", None)  # unset: the limit x rounds
    path = folder / f"{name}.toml"
    path.write_text(tomli_w.dumps(data), encoding="utf-8")
    return path


def run_case(folder: Path, case: str, limit: float) -> dict[str, Any]:
    """Store the case's scenario and solve it; the timings and what the plan says."""
    planner, changes = CASES[case]
    db = ["--db", f"sqlite:///{folder / 'bench.db'}"]
    path = scenario_file(folder, case, changes, limit)
    subprocess.run([*PLANNER, *db, "scenario", "create", str(path)], check=True, cwd=ROOT)
    started = time.perf_counter()
    done = subprocess.run(
        [*PLANNER, *db, "solve", planner, "-s", case, "--json"],
        capture_output=True,
        text=True,
        cwd=ROOT,
    )
    wall = time.perf_counter() - started
    if done.returncode != 0:
        return {"case": case, "planner": planner, "error": done.stderr.strip()[-300:]}
    result = json.loads(done.stdout[done.stdout.index("{") :])
    kpis = result["kpis"]
    allowed = result.get("time_limit_s") or limit
    return {
        "case": case,
        "planner": planner,
        "limit": allowed,
        "wall": round(wall, 1),
        "run": round(result["seconds"], 1),
        "search": kpis.get(SEARCH_KPI.get(planner, "")),
        "over": round(result["seconds"] - allowed, 1),
        "cut_short": bool(kpis.get("time_limit_reached")),
        "quality": result["quality"]["words"],
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--only", choices=sorted(CASES), action="append")
    parser.add_argument("--limit", type=float, default=10.0)
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args()
    rows = []
    with tempfile.TemporaryDirectory() as tmp:
        for case in args.only or list(CASES):
            rows.append(run_case(Path(tmp), case, args.limit))
            if not args.json:
                r = rows[-1]
                print(
                    f"{r['case']:26} {r.get('planner', ''):11} limit {r.get('limit', '-'):>5} s  "
                    f"wall {r.get('wall', '-'):>5} s  run {r.get('run', '-'):>5} s  "
                    f"search {r.get('search') or '-':>6}  over {r.get('over', '-'):>5} s  "
                    f"cut short {r.get('cut_short', '-')}  {r.get('error', '')}",
                    flush=True,
                )
    if args.json:
        print(json.dumps(rows, indent=2))


if __name__ == "__main__":
    main()
