"""The scenario and run store on SQLite and on a real PostgreSQL server.

Every test here runs twice through the ``engine`` fixture: once on an SQLite file, once on a
fresh database of the PostgreSQL server that the test run started on loopback.
"""

from __future__ import annotations

import datetime as dt
import os
import signal
import subprocess
import sys
import textwrap
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import inspect, text
from sqlalchemy.engine import Engine
from sqlmodel import SQLModel

from planner import registry, runs
from planner.errors import RunFailedError, ScenarioNotFoundError
from planner.scenario import Scenario, builtin_scenario_path, load_scenario
from planner.storage import (
    RunOutcome,
    get_scenario,
    latest_run,
    list_runs,
    list_scenarios,
    reap_stale_runs,
    run_kpis,
    run_rows,
    save_scenario,
    start_run,
)
from planner.storage.models import Placement, Run, Shift


@pytest.fixture
def tiny() -> Scenario:
    """The shipped two-unit scenario: small, valid, and stable across versions of the code."""
    return load_scenario(builtin_scenario_path("tiny"))


def placements(n: int, week: str = "2026-W45") -> list[Placement]:
    """``n`` placement rows at made-up sites; values are arbitrary but distinct per unit."""
    return [
        Placement(
            week=week,
            unit=u,
            site_id=f"S{u}",
            site_name=f"Site {u}",
            kommun_code="0480",
            county_code="04",
            lon=17.0 + u / 10,
            lat=58.75,
            expected_patients=10.0 * u,
            covered_population=1000 * u,
        )
        for u in range(n)
    ]


@pytest.fixture
def counting_planner() -> Iterator[str]:
    """A stand-in planner that stores 3 placements and KPI n=3: its rows are easy to count."""

    def plan(scenario: Scenario, on_progress, context) -> RunOutcome:  # type: ignore[no-untyped-def]
        if on_progress:
            on_progress(0.5, "half way")
        return RunOutcome(
            solver_status="OPTIMAL",
            kpis={"n": 3, "share": 0.5},
            rows=placements(3),
            objective=3.0,
            bound=3.0,
        )

    registry.PLANNERS["counting"] = plan
    yield "counting"
    registry.PLANNERS.pop("counting", None)


@pytest.fixture
def failing_planner() -> Iterator[str]:
    """A stand-in planner that yields two rows and then raises while its rows are written."""

    def rows():  # type: ignore[no-untyped-def]
        yield from placements(2, week="2026-W46")
        raise RuntimeError("solver crashed mid-write")

    def plan(scenario: Scenario, on_progress, context) -> RunOutcome:  # type: ignore[no-untyped-def]
        return RunOutcome(solver_status="FEASIBLE", kpis={"n": 2}, rows=rows())

    registry.PLANNERS["failing"] = plan
    yield "failing"
    registry.PLANNERS.pop("failing", None)


def test_migrations_match_models(engine: Engine) -> None:
    """Alembic's head schema equals the SQLModel classes: no change lacks a migration."""
    with engine.connect() as conn:
        diff = compare_metadata(MigrationContext.configure(conn), SQLModel.metadata)
    assert diff == []
    tables = set(inspect(engine).get_table_names())
    assert {
        "scenario",
        "run",
        "run_kpi",
        "placement",
        "shift",
        "follow_up",
        "route_stop",
        "shipment",
        "courier_route",
        "alembic_version",
    } <= tables


def test_scenario_versions_follow_content(engine: Engine, tiny: Scenario) -> None:
    """Saving the same scenario twice keeps version 1; a change makes version 2."""
    first = save_scenario(engine, tiny, source="tiny.toml")
    again = save_scenario(engine, tiny)
    assert (first.version, again.version, again.id) == (1, 1, first.id)
    second = save_scenario(engine, tiny.replace(placement={"units": 3}))
    assert second.version == 2
    record, latest = get_scenario(engine, "tiny")
    assert (record.version, latest.placement.units) == (2, 3)
    _old_record, old = get_scenario(engine, "tiny", version=1)
    assert old.placement.units == 2
    assert old == tiny  # JSON round trip keeps every parameter
    assert [s["name"] for s in list_scenarios(engine)] == ["tiny"]
    assert list_scenarios(engine)[0]["version"] == 2


def test_unknown_scenario_lists_known_ones(engine: Engine, tiny: Scenario) -> None:
    """Asking for a missing scenario names what is stored."""
    save_scenario(engine, tiny)
    with pytest.raises(ScenarioNotFoundError, match="no scenario 'nope'; stored scenarios: tiny"):
        get_scenario(engine, "nope")
    with pytest.raises(ScenarioNotFoundError, match="version 9"):
        get_scenario(engine, "tiny", version=9)


def test_run_stores_rows_kpis_and_status(
    engine: Engine, tiny: Scenario, counting_planner: str
) -> None:
    """A finished run has its rows, KPIs and status, all readable with SQL."""
    save_scenario(engine, tiny)
    seen: list[str] = []
    result = runs.execute(engine, "tiny", counting_planner, on_progress=lambda f, m: seen.append(m))
    assert seen == ["half way"]
    assert result.run.status == "finished"
    assert result.run.solver_status == "OPTIMAL"
    assert result.kpis == {"n": 3.0, "share": 0.5}
    assert result.run.seconds is not None and result.run.seconds >= 0
    stored = run_rows(engine, result.run.id, Placement)
    assert [(p.unit, p.site_id, p.covered_population) for p in stored] == [
        (0, "S0", 0),
        (1, "S1", 1000),
        (2, "S2", 2000),
    ]
    with engine.connect() as conn:
        count = conn.execute(
            text("SELECT count(*) FROM placement WHERE run_id = :r"), {"r": result.run.id}
        ).scalar_one()
    assert count == 3
    assert latest_run(engine, "tiny", counting_planner).id == result.run.id


def test_failed_run_writes_nothing_and_keeps_earlier_results(
    engine: Engine, tiny: Scenario, counting_planner: str, failing_planner: str
) -> None:
    """A run that fails mid-write leaves no rows, is marked failed, and earlier plans stay."""
    save_scenario(engine, tiny)
    good = runs.execute(engine, "tiny", counting_planner)
    with pytest.raises(RunFailedError, match="solver crashed mid-write"):
        runs.execute(engine, "tiny", failing_planner)
    failed = [r for r in list_runs(engine) if r["planner"] == failing_planner]
    assert failed[0]["status"] == "failed"
    assert "solver crashed mid-write" in failed[0]["message"]
    with engine.connect() as conn:
        rows = conn.execute(text("SELECT run_id, count(*) FROM placement GROUP BY run_id")).all()
    assert rows == [(good.run.id, 3)]
    assert run_kpis(engine, failed[0]["id"]) == {}
    assert run_kpis(engine, good.run.id)["n"] == 3.0


def test_unknown_planner_is_named(engine: Engine, tiny: Scenario) -> None:
    """Asking for a planner this build lacks says so by name, and stores no run."""
    save_scenario(engine, tiny)
    with pytest.raises(Exception, match="planner 'warp-drive' is not available"):
        runs.execute(engine, "tiny", "warp-drive")
    assert list_runs(engine) == []


_KILLED_WRITER = textwrap.dedent(
    """
    import sys, time
    from planner.scenario import builtin_scenario_path, load_scenario
    from planner.storage import RunOutcome, finish_run, open_database, save_scenario, start_run
    from planner.storage.models import Placement

    engine = open_database(sys.argv[1])
    record = save_scenario(engine, load_scenario(builtin_scenario_path("tiny")))
    run = start_run(engine, record, "slow", seed=1, time_limit_s=None)

    def rows():
        for u in range(1000):
            yield Placement(week="2026-W47", unit=u, site_id="K", site_name="K", kommun_code="0480",
                            county_code="04", lon=17.0, lat=58.7)
            if u == 5:
                print("WRITING", run.id, flush=True)
                time.sleep(60)  # killed here, inside the open transaction

    finish_run(engine, run.id, RunOutcome(solver_status="FEASIBLE", kpis={}, rows=rows()))
    """
)


def test_killed_run_is_marked_failed_and_leaves_no_rows(
    engine: Engine, db_url: str, tiny: Scenario, counting_planner: str, tmp_path: Path
) -> None:
    """A process killed while writing its results leaves nothing half-written; the next
    process marks that run failed and earlier results are intact."""
    save_scenario(engine, tiny)
    good = runs.execute(engine, "tiny", counting_planner)
    script = tmp_path / "writer.py"
    script.write_text(_KILLED_WRITER)
    env = {**os.environ, "PYTHONPATH": str(Path(__file__).resolve().parents[2])}
    proc = subprocess.Popen(
        [sys.executable, str(script), db_url],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env=env,
    )
    try:
        line = proc.stdout.readline()  # type: ignore[union-attr]
        assert line.startswith("WRITING"), proc.stderr.read()  # type: ignore[union-attr]
        killed_id = int(line.split()[1])
    finally:
        proc.send_signal(signal.SIGKILL)
        proc.wait(timeout=30)
    time.sleep(0.2)  # PostgreSQL notices the dropped connection and rolls back
    assert reap_stale_runs(engine) == [killed_id]
    with engine.connect() as conn:
        status, message = conn.execute(
            text("SELECT status, message FROM run WHERE id = :r"), {"r": killed_id}
        ).one()
        counts = conn.execute(text("SELECT run_id, count(*) FROM placement GROUP BY run_id")).all()
    assert status == "failed" and "interrupted" in message
    assert counts == [(good.run.id, 3)]


def test_running_run_of_a_live_process_is_not_reaped(engine: Engine, tiny: Scenario) -> None:
    """Only runs whose process is gone are marked failed, never one still working."""
    record = save_scenario(engine, tiny)
    run = start_run(engine, record, "x", seed=0, time_limit_s=None)
    assert reap_stale_runs(engine) == []
    assert list_runs(engine)[0]["status"] == "running"
    assert run.pid == os.getpid()


def test_aware_datetimes_round_trip(engine: Engine, tiny: Scenario, counting_planner: str) -> None:
    """Shift times in Europe/Stockholm come back as the same instant (stored in UTC)."""
    from zoneinfo import ZoneInfo

    from planner.storage import finish_run

    record = save_scenario(engine, tiny)
    run = start_run(engine, record, "staffing-test", seed=0, time_limit_s=None)
    start = dt.datetime(2026, 11, 2, 7, 0, tzinfo=ZoneInfo("Europe/Stockholm"))
    shift = Shift(
        clinician_id="C1",
        profession="doctor",
        day=start.date(),
        block="07-12",
        start=start,
        end=start + dt.timedelta(hours=5),
    )
    finish_run(engine, run.id, RunOutcome(solver_status="OPTIMAL", kpis={}, rows=[shift]))
    (back,) = run_rows(engine, run.id, Shift)
    assert back.start == start and back.end - back.start == dt.timedelta(hours=5)
    assert back.day == dt.date(2026, 11, 2)
    assert isinstance(run, Run)


def test_rows_made_without_init_are_stored_like_any_row(engine: Engine, tiny: Scenario) -> None:
    """A run's rows made with ``model_construct`` (no SQLAlchemy state, as the routing run makes
    its shipments) and with ``__init__`` are stored alike, in order, with the run's id."""
    from planner.storage import finish_run
    from planner.storage.models import Shipment

    record = save_scenario(engine, tiny)
    run = start_run(engine, record, "routing-test", seed=0, time_limit_s=None)
    day = dt.date(2026, 11, 2)
    values = [
        {"referral_id": f"R{k}", "locality_id": "1", "mode": "parcel", "referral_date": day}
        for k in range(4)
    ]
    made = [
        Shipment.model_construct(**v, on_time=True) if k % 2 else Shipment(**v)  # type: ignore[call-arg]
        for k, v in enumerate(values)
    ]
    finish_run(engine, run.id, RunOutcome("FEASIBLE", {}, [*made, *placements(2)]))
    stored = run_rows(engine, run.id, Shipment)
    assert [(s.referral_id, s.on_time, s.ship_date, s.run_id) for s in stored] == [
        ("R0", False, None, run.id),
        ("R1", True, None, run.id),
        ("R2", False, None, run.id),
        ("R3", True, None, run.id),
    ]
    assert [p.unit for p in run_rows(engine, run.id, Placement)] == [0, 1]
