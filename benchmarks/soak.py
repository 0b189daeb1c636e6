"""Soak: mixed CLI commands from concurrent processes, then an integrity check (a benchmark, not a test).

Runs ``--commands`` planner commands (create a scenario, solve with short time limits, export,
list) from ``--processes`` concurrent workers against a fresh SQLite database and against a
fresh PostgreSQL database (a throw-away server on loopback, as the tests start one), then checks
what they left behind:

* every command ended with exit 0, or with exit 2 and a one-line ``error:`` (a refusal the user
  can act on, e.g. "no finished staffing run" while a solve is still running); any other exit
  or a traceback counts as a crash;
* the database is sound (SQLite ``PRAGMA integrity_check``), every run is ``finished``,
  ``failed`` or ``interrupted`` (none left ``running``), no result row belongs to a run that is
  not finished, each scenario's versions are 1..n without gaps and no two consecutive versions
  of a name hold the same content;
* every export written is re-readable (csv module; openpyxl for XLSX).

    .venv/bin/python benchmarks/soak.py --commands 50 --processes 4 --json

The command mix is drawn from ``--seed``, so a run can be repeated.
"""

from __future__ import annotations

import argparse
import csv
import json
import random
import subprocess
import sys
import tempfile
import time
from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from itertools import pairwise
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from tests.pgserver import create_database, pg_bindir, temporary_postgres  # noqa: E402

PLANNER = [sys.executable, "-m", "planner"]
NAMES = ("soak-a", "soak-b", "soak-c")
FINAL = {"finished", "failed", "interrupted"}


def scenario_toml(name: str, seed: int) -> str:
    """A tiny scenario (two counties, 12 clinicians, two weeks) with short time limits."""
    tiny = (ROOT / "planner" / "scenarios" / "tiny.toml").read_text(encoding="utf-8")
    tiny = tiny.replace('name = "tiny"', f'name = "{name}"').replace("seed = 7", f"seed = {seed}")
    return tiny.replace("time_limit_s = 10", "time_limit_s = 3").replace(
        "time_limit_s = 5", "time_limit_s = 2"
    )


@dataclass
class Outcome:
    """One command and how it ended."""

    args: list[str]
    code: int
    seconds: float
    stderr: str
    out: Path | None = None

    @property
    def kind(self) -> str:
        """ok, refused (exit 2 with a one-line named error) or crash."""
        if self.code == 0 and "Traceback" not in self.stderr:
            return "ok"
        lines = [line for line in self.stderr.splitlines() if line.strip()]
        if self.code == 2 and len(lines) == 1 and lines[0].startswith("error:"):
            return "refused"
        return "crash"


@dataclass
class Plan:
    """The commands of one soak, drawn from a seed."""

    commands: list[tuple[list[str], Path | None]] = field(default_factory=list)


def draw_commands(n: int, seed: int, folder: Path) -> Plan:
    """``n`` commands: creates, solves, exports and lists, in a seeded random order."""
    rng = random.Random(seed)
    plan = Plan()
    for i in range(n):
        name = rng.choice(NAMES)
        kind = rng.choices(
            ["create", "solve", "export_rows", "export_roster", "list"], [3, 4, 2, 2, 2]
        )[0]
        if kind == "create":
            path = folder / f"create-{i}.toml"
            # Two seeds per name: concurrent creates of one name with equal and unequal content.
            path.write_text(scenario_toml(name, rng.choice([7, 8])), encoding="utf-8")
            plan.commands.append((["scenario", "create", str(path)], None))
        elif kind == "solve":
            planner = rng.choice(["placement", "staffing", "routing"])
            plan.commands.append((["solve", planner, "--scenario", name], None))
        elif kind == "export_rows":
            table, planner = rng.choice(
                [("placement", "placement"), ("shift", "staffing"), ("route_stop", "routing")]
            )
            out = folder / f"rows-{i}.csv"
            args = ["export", "rows", "--scenario", name, "--table", table]
            plan.commands.append(([*args, "--planner", planner, "--out", str(out)], out))
        elif kind == "export_roster":
            fmt = rng.choice(["csv", "excel-csv", "xlsx"])
            out = folder / f"roster-{i}.{'xlsx' if fmt == 'xlsx' else 'csv'}"
            args = ["export", "roster", "--scenario", name, "--format", fmt, "--out", str(out)]
            plan.commands.append((args, out))
        else:
            what = rng.choice([["runs", "list", "--json"], ["scenario", "list", "--json"]])
            plan.commands.append((what, None))
    return plan


def run_command(url: str, args: list[str], out: Path | None) -> Outcome:
    """One CLI command in its own process."""
    started = time.perf_counter()
    done = subprocess.run(
        [*PLANNER, "--db", url, *args], capture_output=True, text=True, cwd=ROOT, timeout=600
    )
    return Outcome(args, done.returncode, time.perf_counter() - started, done.stderr, out)


def readable(path: Path) -> bool:
    """Whether an export can be read back."""
    try:
        if path.suffix == ".xlsx":
            import openpyxl

            openpyxl.load_workbook(path, read_only=True).close()
            return True
        with path.open(encoding="utf-8-sig", newline="") as handle:
            sample = handle.read(4096)
            handle.seek(0)
            delimiter = ";" if sample.count(";") > sample.count(",") else ","
            rows = list(csv.reader(handle, delimiter=delimiter))
        return bool(rows) and all(len(row) == len(rows[0]) for row in rows)
    except Exception:
        return False


def integrity(url: str) -> dict[str, object]:
    """What the database holds after the soak (see the module docstring)."""
    from sqlalchemy import func, or_, select, text

    from planner.storage import open_database
    from planner.storage.models import RESULT_TABLES, Run

    engine = open_database(url)
    report: dict[str, object] = {}
    with engine.connect() as conn:
        if engine.dialect.name == "sqlite":
            report["integrity_check"] = conn.execute(text("PRAGMA integrity_check")).scalar()
        statuses = Counter(
            status for (status,) in conn.execute(text("SELECT status FROM run")).all()
        )
        report["runs"] = dict(statuses)
        report["runs_not_final"] = sum(n for s, n in statuses.items() if s not in FINAL)
        orphans = 0
        for table in RESULT_TABLES:
            # Rows whose run is missing or did not finish: a half-written result.
            rows = table.__table__  # type: ignore[attr-defined]
            orphans += conn.execute(
                select(func.count())
                .select_from(rows.outerjoin(Run.__table__, Run.__table__.c.id == rows.c.run_id))
                .where(or_(Run.__table__.c.id.is_(None), Run.__table__.c.status != "finished"))
            ).scalar_one()
        report["rows_of_unfinished_runs"] = orphans
        versions: dict[str, list[tuple[int, str]]] = {}
        for name, version, digest in conn.execute(
            text("SELECT name, version, content_hash FROM scenario ORDER BY name, version")
        ).all():
            versions.setdefault(name, []).append((version, digest))
        report["scenario_versions"] = {name: len(v) for name, v in versions.items()}
        report["version_gaps"] = sum(
            [n for n, _ in v] != list(range(1, len(v) + 1)) for v in versions.values()
        )
        # A create stores a new version unless the latest one is identical: two consecutive
        # versions with one content mean a concurrent create was not seen.
        report["duplicate_contents"] = sum(
            a == b for v in versions.values() for (_, a), (_, b) in pairwise(v)
        )
    engine.dispose()
    return report


def soak(url: str, commands: int, processes: int, seed: int) -> dict[str, object]:
    """Set up three scenarios, run the drawn commands concurrently, check what is left."""
    folder = Path(tempfile.mkdtemp(prefix="planner-soak-"))
    for name in NAMES:
        path = folder / f"{name}.toml"
        path.write_text(scenario_toml(name, 7), encoding="utf-8")
        setup = run_command(url, ["scenario", "create", str(path)], None)
        if setup.kind != "ok":
            raise SystemExit(f"set-up failed: {setup.stderr.strip()}")
    plan = draw_commands(commands, seed, folder)
    started = time.perf_counter()
    with ThreadPoolExecutor(processes) as pool:
        outcomes = list(pool.map(lambda c: run_command(url, *c), plan.commands))
    seconds = time.perf_counter() - started
    # A listing is what reaps runs whose process is gone (none should be, but that is the check).
    run_command(url, ["runs", "list", "--json"], None)
    kinds = Counter(o.kind for o in outcomes)
    exports = [o.out for o in outcomes if o.out is not None and o.code == 0]
    return {
        "commands": len(outcomes),
        "processes": processes,
        "seconds": round(seconds, 1),
        "ok": kinds["ok"],
        "refused": kinds["refused"],
        "crashes": kinds["crash"],
        "by_command": dict(Counter(" ".join(o.args[:2]) for o in outcomes)),
        "refusals": sorted({o.stderr.strip()[:120] for o in outcomes if o.kind == "refused"}),
        "crash_details": [
            {"args": o.args, "code": o.code, "stderr": o.stderr.strip()[-400:]}
            for o in outcomes
            if o.kind == "crash"
        ],
        "exports_written": len(exports),
        "exports_unreadable": sum(not readable(p) for p in exports if p is not None),
        **integrity(url),
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--commands", type=int, default=50, help="commands per backend")
    parser.add_argument("--processes", type=int, default=4, help="concurrent CLI processes")
    parser.add_argument("--seed", type=int, default=1, help="seed of the command mix")
    parser.add_argument(
        "--backend", choices=["sqlite", "postgres", "both"], default="both", help="databases"
    )
    parser.add_argument("--json", action="store_true", help="print one JSON object at the end")
    args = parser.parse_args(argv)

    results: dict[str, dict[str, object]] = {}
    if args.backend in ("sqlite", "both"):
        db = Path(tempfile.mkdtemp(prefix="planner-soak-db-")) / "planner.db"
        results["sqlite"] = soak(f"sqlite:///{db}", args.commands, args.processes, args.seed)
    if args.backend in ("postgres", "both"):
        bindir = pg_bindir()
        if bindir is None:
            raise SystemExit("PostgreSQL is not installed (make test installs it)")
        with temporary_postgres(bindir) as server:
            url = create_database(server, "soak")
            results["postgres"] = soak(url, args.commands, args.processes, args.seed)
    sound = all(
        r["crashes"] == 0
        and r["runs_not_final"] == 0
        and r["rows_of_unfinished_runs"] == 0
        and r["version_gaps"] == 0
        and r["duplicate_contents"] == 0
        and r["exports_unreadable"] == 0
        and r.get("integrity_check", "ok") == "ok"
        for r in results.values()
    )
    if args.json:
        print(json.dumps({"sound": sound, **results}, ensure_ascii=False))
    else:
        for backend, r in results.items():
            print(f"{backend}: {json.dumps(r, ensure_ascii=False, indent=1)}")
        print("sound" if sound else "NOT SOUND")
    return 0 if sound else 1


if __name__ == "__main__":
    raise SystemExit(main())
