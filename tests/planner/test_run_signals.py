"""Runs that end honestly (issue 16, items 11 and 12), with real processes and real signals.

``planner solve`` is started as a child process on a scenario whose time limits are long; once
its run is stored as 'running' it gets Ctrl-C (SIGINT), SIGTERM or SIGKILL. Ctrl-C must end it
within seconds as 'interrupted' (exit 130), SIGTERM as 'failed', "stopped by SIGTERM" (exit
143), and after SIGKILL the next command that lists or shows runs marks it failed.
"""

from __future__ import annotations

import datetime as dt
import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from sqlalchemy.engine import Engine
from typer.testing import CliRunner

from planner.cli import app
from planner.scenario import builtin_scenario_path, load_scenario
from planner.storage import list_runs, open_database, save_scenario, start_run
from planner.storage.models import Run
from planner.storage.store import STALE_AFTER, session

ROOT = Path(__file__).resolve().parents[2]
#: Long enough that no planner finishes before the signal arrives.
LONG_S = 600


@pytest.fixture
def long_demo(tmp_path: Path) -> str:
    """An SQLite database holding the shipped demo with every time limit at 600 s: any planner
    on it is still working when the test signals it."""
    source = builtin_scenario_path("demo").read_text(encoding="utf-8")
    lines = [
        f"time_limit_s = {LONG_S}" if line.startswith("time_limit_s") else line
        for line in source.splitlines()
    ]
    path = tmp_path / "demo.toml"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    url = f"sqlite:///{tmp_path / 'signals.db'}"
    engine = open_database(url)
    save_scenario(engine, load_scenario(path))
    engine.dispose()
    return url


#: A progress line of the staffing planner once CP-SAT searches (its stage or a solution).
IN_CP_SAT = ("stage ", "objective")


def solving(
    url: str, planner: str, after: tuple[str, ...] = ()
) -> tuple[subprocess.Popen[str], int]:
    """Start `planner solve PLANNER -s demo` and wait until its run is stored as running (and,
    with ``after``, until a progress line on stderr holds one of those words)."""
    proc = subprocess.Popen(
        [sys.executable, "-m", "planner", "--db", url, "solve", planner, "-s", "demo"],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env={**os.environ, "PYTHONPATH": str(ROOT)},
    )
    engine = open_database(url)
    deadline = time.monotonic() + 120
    try:
        while time.monotonic() < deadline:
            running = [r for r in list_runs(engine) if r["status"] == "running"]
            if running:
                assert proc.stderr is not None
                while after and not any(word in proc.stderr.readline() for word in after):
                    assert proc.poll() is None, "the solve ended before the signal"
                time.sleep(1.0)  # into the planner's own work
                return proc, running[0]["id"]
            assert proc.poll() is None, proc.communicate()[1][-2000:]
            time.sleep(0.1)
    finally:
        engine.dispose()
    proc.kill()
    raise AssertionError("the run never started")


def run_row(url: str, run_id: int) -> Run:
    """The stored run, read by a separate engine as another process would."""
    engine = open_database(url)
    with session(engine) as db:
        run = db.get(Run, run_id)
    engine.dispose()
    assert run is not None
    return run


def ended(proc: subprocess.Popen[str], within: float = 20.0) -> tuple[int, str]:
    """Exit code and stderr of a signalled process, which must end ``within`` seconds."""
    _, err = proc.communicate(timeout=within)
    return proc.returncode, err


@pytest.mark.parametrize("planner", ["placement", "staffing", "continuity", "routing"])
def test_ctrl_c_stops_every_planner_as_interrupted(long_demo: str, planner: str) -> None:
    """Ctrl-C ends the solve within seconds: exit 130, the run 'interrupted', nothing stored
    (staffing: while CP-SAT searches, which used to swallow Ctrl-C)."""
    proc, run_id = solving(long_demo, planner, IN_CP_SAT if planner == "staffing" else ())
    proc.send_signal(signal.SIGINT)
    code, err = ended(proc)
    assert code == 130, err[-2000:]
    assert "Traceback" not in err and "interrupted" in err
    run = run_row(long_demo, run_id)
    assert run.status == "interrupted" and "Ctrl-C" in (run.message or "")
    assert run.finished_at is not None and run.solver_status is None  # no plan stored
    listed = CliRunner().invoke(app, ["--db", long_demo, "runs", "list", "--json"])
    assert json.loads(listed.output.splitlines()[-1])["runs"][0]["status"] == "interrupted"


def test_sigterm_ends_the_run_as_failed_at_once(long_demo: str) -> None:
    """SIGTERM: exit 143 within seconds, the run failed with "stopped by SIGTERM"."""
    proc, run_id = solving(long_demo, "staffing", IN_CP_SAT)
    proc.send_signal(signal.SIGTERM)
    code, err = ended(proc)
    assert code == 143, err[-2000:]
    run = run_row(long_demo, run_id)
    assert (run.status, run.message) == ("failed", "stopped by SIGTERM")


@pytest.mark.parametrize("command", [("runs", "list"), ("runs", "show"), ("scenario", "list")])
def test_a_killed_run_is_failed_by_the_next_command_that_looks(
    long_demo: str, command: tuple[str, ...]
) -> None:
    """After SIGKILL the next command, not only the next solve, marks the run failed."""
    proc, run_id = solving(long_demo, "staffing")
    proc.send_signal(signal.SIGKILL)
    proc.communicate(timeout=30)
    assert run_row(long_demo, run_id).status == "running"  # nobody has looked yet
    args = [*command, str(run_id)] if command[1] == "show" else list(command)
    result = CliRunner().invoke(app, ["--db", long_demo, *args, "--json"])
    assert result.exit_code == 0, result.output
    run = run_row(long_demo, run_id)
    assert run.status == "failed" and f"process {proc.pid}" in (run.message or "")
    if command[1] == "show":
        assert json.loads(result.output.splitlines()[-1])["status"] == "failed"


def test_a_run_on_another_host_is_stale_only_when_its_heartbeat_stops(engine: Engine) -> None:
    """A run on another host (a shared PostgreSQL) whose heartbeat is recent stays running;
    one whose heartbeat is older than STALE_AFTER is marked failed, naming its host."""
    record = save_scenario(engine, load_scenario(builtin_scenario_path("tiny")))
    now = dt.datetime.now(dt.UTC)
    ids = {}
    for name, beat in (("alive", now), ("gone", now - STALE_AFTER - dt.timedelta(seconds=5))):
        run = start_run(engine, record, name, seed=0, time_limit_s=None)
        with session(engine) as db:
            stored = db.get(Run, run.id)
            assert stored is not None
            stored.host, stored.pid, stored.heartbeat_at = "elsewhere", 4242, beat
            db.add(stored)
            db.commit()
        ids[name] = run.id
    from planner.storage import reap_stale_runs

    assert reap_stale_runs(engine) == [ids["gone"]]
    statuses = {r["planner"]: (r["status"], r["message"]) for r in list_runs(engine)}
    assert statuses["alive"] == ("running", None)
    assert statuses["gone"][0] == "failed" and "elsewhere" in statuses["gone"][1]
