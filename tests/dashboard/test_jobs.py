"""Runs the dashboard starts or shows end honestly (issue 16, item 12): a solver child killed
with SIGKILL has its run marked failed as soon as the job notices, and a page marks failed the
runs whose process is gone (started anywhere), not only the next solve."""

from __future__ import annotations

import os
import signal
import subprocess
import time
from pathlib import Path

import pytest

from dashboard import services
from planner.scenario import builtin_scenario_path, load_scenario
from planner.storage import get_run, list_runs, open_database, save_scenario, start_run
from planner.storage.models import Run
from planner.storage.store import session


@pytest.fixture
def long_tiny(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> str:
    """The dashboard's database (PLANNER_DATABASE_URL) holding the shipped tiny scenario
    with a 600 s staffing limit, so a solve of it is still working when the test kills it."""
    source = builtin_scenario_path("tiny").read_text(encoding="utf-8")
    path = tmp_path / "tiny.toml"
    path.write_text(
        "\n".join(
            "time_limit_s = 600" if line.startswith("time_limit_s") else line
            for line in source.splitlines()
        ),
        encoding="utf-8",
    )
    url = f"sqlite:///{tmp_path / 'dashboard.db'}"
    monkeypatch.setenv("PLANNER_DATABASE_URL", url)
    engine = open_database(url)
    save_scenario(engine, load_scenario(path))
    engine.dispose()
    return url


def test_killed_solver_child_has_its_run_failed_at_once(long_tiny: str) -> None:
    """SIGKILL to the job's child: the job ends with the exit code, the run is failed."""
    job = services.start_solve("tiny", ["staffing"])
    engine = open_database(long_tiny)
    deadline = time.monotonic() + 120
    running: list[dict] = []
    while not running and time.monotonic() < deadline:
        running = [r for r in list_runs(engine) if r["status"] == "running"]
        time.sleep(0.1)
    assert running, "the job's run never started"
    os.kill(get_run(engine, running[0]["id"]).pid, signal.SIGKILL)
    done = services.wait(job.id, timeout=60)
    assert done.error is not None and "-9" in done.error
    run = get_run(engine, running[0]["id"])
    assert run.status == "failed" and "ended before the run finished" in (run.message or "")


def test_page_marks_a_run_of_a_gone_process_failed(long_tiny: str) -> None:
    """A run whose process is gone (a finished `true`) is failed once a page lists scenarios."""
    engine = open_database(long_tiny)
    record, _ = services.store.get_scenario(engine, "tiny")
    run = start_run(engine, record, "staffing", seed=0, time_limit_s=None)
    gone = subprocess.Popen(["true"])
    gone.wait()
    with session(engine) as db:
        stored = db.get(Run, run.id)
        assert stored is not None
        stored.pid = gone.pid
        db.add(stored)
        db.commit()
    assert [s["name"] for s in services.scenarios()] == ["tiny"]
    assert get_run(engine, run.id or 0).status == "failed"
