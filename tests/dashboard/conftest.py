"""The dashboard's fixtures: one tiny scenario solved once by the real planners, and the app."""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

APP = Path(__file__).resolve().parents[2] / "dashboard" / "app.py"


@pytest.fixture(scope="session")
def solved_db(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """SQLite URL of a database holding ``tiny`` solved by every available planner (once)."""
    from planner.registry import available_planners
    from planner.runs import execute
    from planner.scenario import builtin_scenario_path, load_scenario
    from planner.storage import open_database, save_scenario

    folder = tmp_path_factory.mktemp("dashboard-db")
    url = f"sqlite:///{folder / 'planner.db'}"
    saved = os.environ.get("PLANNER_VAR_DIR")
    os.environ["PLANNER_VAR_DIR"] = str(folder / "var")
    try:
        engine = open_database(url)
        save_scenario(engine, load_scenario(builtin_scenario_path("tiny")), source="tiny")
        for planner in available_planners():
            execute(engine, "tiny", planner)
        engine.dispose()
    finally:
        if saved is None:
            os.environ.pop("PLANNER_VAR_DIR", None)
        else:
            os.environ["PLANNER_VAR_DIR"] = saved
    yield url


def copy_database(url: str, path: Path) -> str:
    """A consistent copy of the SQLite database at ``url`` in ``path`` (SQLite's backup API:
    the database runs in WAL mode, so copying its main file alone can miss committed pages or
    catch a checkpoint half-way); returns the copy's URL."""
    import sqlite3

    with sqlite3.connect(url.removeprefix("sqlite:///")) as source, sqlite3.connect(path) as to:
        source.backup(to)
    return f"sqlite:///{path}"


@pytest.fixture
def writable_db(solved_db: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> str:
    """A copy of the solved database for a test that stores scenarios or runs (the session's
    database stays as every other test expects it), and the app pointed at it."""
    url = copy_database(solved_db, tmp_path / "planner.db")
    monkeypatch.setenv("PLANNER_DATABASE_URL", url)
    return url


@pytest.fixture
def app_db(solved_db: str, monkeypatch: pytest.MonkeyPatch) -> str:
    """Point the app (and services) at the solved database for this test."""
    monkeypatch.setenv("PLANNER_DATABASE_URL", solved_db)
    return solved_db


@pytest.fixture
def stored_runs(app_db: str) -> dict[str, tuple[int, dict[str, Any]]]:
    """planner -> (run id, KPIs) of the latest finished runs on tiny, read straight from the store.

    Every planner of this build has a run: the dashboard's tests need no "not solved" branch.
    """
    from planner.registry import PLANNER_NAMES
    from planner.storage import latest_run, open_database, run_kpis

    engine = open_database(app_db)
    out = {}
    for planner in PLANNER_NAMES:
        run = latest_run(engine, "tiny", planner)
        if run is not None and run.id is not None:
            out[planner] = (run.id, run_kpis(engine, run.id))
    engine.dispose()
    assert sorted(out) == sorted(PLANNER_NAMES), "every planner solved tiny"
    return out


@pytest.fixture
def app_test(app_db: str):
    """A fresh AppTest of the dashboard entry point (not run yet)."""
    from streamlit.testing.v1 import AppTest

    return AppTest.from_file(str(APP), default_timeout=60)
