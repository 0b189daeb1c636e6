"""Reading and writing scenarios and runs.

The write path of a run is what keeps the store trustworthy:

1. :func:`start_run` commits a ``run`` row with status ``running`` and the writer's host and pid.
2. :func:`finish_run` writes every result row, the KPIs and the final status in ONE transaction.
   If anything fails (or the process is killed) nothing of it is visible, and earlier runs'
   results are untouched.
3. :func:`fail_run` marks a run failed with its message; :func:`reap_stale_runs` does the same
   for runs whose process on this host is gone (killed, power cut), so no run stays 'running'.
"""

from __future__ import annotations

import datetime as dt
import os
import socket
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import func
from sqlalchemy.engine import Engine
from sqlmodel import SQLModel, col, select

from planner.errors import ScenarioNotFoundError
from planner.scenario import Scenario, scenario_from_dict
from planner.storage.database import session
from planner.storage.models import RESULT_TABLES, Run, RunKpi, ScenarioRecord, utcnow


@dataclass
class RunOutcome:
    """What a planner hands back to be stored: status, KPIs and result rows (without run_id).

    ``report`` holds JSON-ready details the CLI prints beside the KPIs (e.g. staffing's miss
    counts by clinician); they are not stored as such: the KPIs and rows carry what is kept.
    """

    solver_status: str
    kpis: Mapping[str, float | int | None]
    rows: Iterable[SQLModel] = ()
    objective: float | None = None
    bound: float | None = None
    message: str | None = None
    extra: dict[str, Any] = field(default_factory=dict)
    report: dict[str, Any] = field(default_factory=dict)


def id_of(row: SQLModel) -> int:
    """The primary key of a stored row (a row read from or committed to the database has one)."""
    value = getattr(row, "id", None)
    if value is None:
        raise LookupError(f"this {type(row).__name__} is not stored yet")
    return int(value)


def save_scenario(engine: Engine, scenario: Scenario, source: str | None = None) -> ScenarioRecord:
    """Store ``scenario`` as a new version of its name, unless the latest version is identical."""
    digest = scenario.content_hash()
    with session(engine) as db:
        latest = db.exec(
            select(ScenarioRecord)
            .where(ScenarioRecord.name == scenario.name)
            .order_by(col(ScenarioRecord.version).desc())
        ).first()
        if latest is not None and latest.content_hash == digest:
            return latest
        record = ScenarioRecord(
            name=scenario.name,
            version=(latest.version + 1) if latest else 1,
            description=scenario.scenario.description,
            params=scenario.to_dict(),
            content_hash=digest,
            source=source,
        )
        db.add(record)
        db.commit()
        db.refresh(record)
        return record


def get_scenario(
    engine: Engine, name: str, version: int | None = None
) -> tuple[ScenarioRecord, Scenario]:
    """The stored record and parsed scenario (latest version unless ``version`` is given)."""
    with session(engine) as db:
        query = select(ScenarioRecord).where(ScenarioRecord.name == name)
        if version is not None:
            query = query.where(ScenarioRecord.version == version)
        record = db.exec(query.order_by(col(ScenarioRecord.version).desc())).first()
        if record is None:
            known = sorted(set(db.exec(select(ScenarioRecord.name)).all()))
            what = f"scenario {name!r}" + (f" version {version}" if version is not None else "")
            hint = f"; stored scenarios: {', '.join(known)}" if known else "; none is stored yet"
            raise ScenarioNotFoundError(f"no {what}{hint}")
    return record, scenario_from_dict(
        record.params, source=f"stored scenario {name} v{record.version}"
    )


def list_scenarios(engine: Engine) -> list[dict[str, Any]]:
    """One entry per scenario name: its latest version and how many versions exist."""
    with session(engine) as db:
        latest = (
            select(ScenarioRecord.name, func.max(ScenarioRecord.version).label("version"))
            .group_by(ScenarioRecord.name)
            .subquery()
        )
        records = db.exec(
            select(ScenarioRecord)
            .join(
                latest,
                (col(ScenarioRecord.name) == latest.c.name)
                & (col(ScenarioRecord.version) == latest.c.version),
            )
            .order_by(ScenarioRecord.name)
        ).all()
    return [
        {
            "name": r.name,
            "version": r.version,
            "description": r.description,
            "created_at": r.created_at.isoformat(),
        }
        for r in records
    ]


def start_run(
    engine: Engine, record: ScenarioRecord, planner: str, seed: int, time_limit_s: float | None
) -> Run:
    """Commit a new run in status 'running' and return it."""
    run = Run(
        scenario_id=id_of(record),
        planner=planner,
        seed=seed,
        time_limit_s=time_limit_s,
        host=socket.gethostname(),
        pid=os.getpid(),
    )
    with session(engine) as db:
        db.add(run)
        db.commit()
        db.refresh(run)
    return run


def finish_run(engine: Engine, run_id: int, outcome: RunOutcome) -> Run:
    """Write a run's rows, KPIs and final status atomically; on any error nothing is written."""
    with session(engine) as db:
        run = db.get(Run, run_id)
        if run is None:
            raise LookupError(f"no run {run_id}")
        for row in outcome.rows:
            row.run_id = run_id
            db.add(row)
        for name, value in outcome.kpis.items():
            db.add(RunKpi(run_id=run_id, name=name, value=None if value is None else float(value)))
        finished = utcnow()
        run.status = "finished"
        run.solver_status = outcome.solver_status
        run.objective = outcome.objective
        run.bound = outcome.bound
        run.message = outcome.message
        run.finished_at = finished
        run.seconds = (finished - _aware(run.started_at)).total_seconds()
        db.add(run)
        db.commit()  # the only commit: rows, KPIs and status land together or not at all
        db.refresh(run)
        return run


def fail_run(engine: Engine, run_id: int, message: str) -> None:
    """Mark a run failed (its partial rows were never committed)."""
    with session(engine) as db:
        run = db.get(Run, run_id)
        if run is None or run.status != "running":
            return
        run.status = "failed"
        run.message = message[:2000]
        run.finished_at = utcnow()
        run.seconds = (run.finished_at - _aware(run.started_at)).total_seconds()
        db.add(run)
        db.commit()


def _process_alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:  # exists, owned by someone else
        return True
    return True


def reap_stale_runs(engine: Engine) -> list[int]:
    """Mark 'running' runs of this host whose process is gone as failed; return their ids."""
    host = socket.gethostname()
    with session(engine) as db:
        stale = [
            run
            for run in db.exec(select(Run).where(Run.status == "running", Run.host == host)).all()
            if run.pid != os.getpid() and not _process_alive(run.pid)
        ]
    for run in stale:
        fail_run(
            engine, id_of(run), f"interrupted: process {run.pid} ended before the run finished"
        )
    return [id_of(run) for run in stale]


def latest_run(
    engine: Engine, scenario: str, planner: str, *, version: int | None = None
) -> Run | None:
    """The newest finished run of ``planner`` on the scenario (latest version by default)."""
    record, _ = get_scenario(engine, scenario, version)
    with session(engine) as db:
        return db.exec(
            select(Run)
            .where(Run.scenario_id == record.id, Run.planner == planner, Run.status == "finished")
            .order_by(col(Run.id).desc())
        ).first()


def list_runs(engine: Engine, scenario: str | None = None, limit: int = 50) -> list[dict[str, Any]]:
    """Recent runs, newest first, with their scenario name and version."""
    with session(engine) as db:
        query = select(Run, ScenarioRecord).join(
            ScenarioRecord, col(Run.scenario_id) == ScenarioRecord.id
        )
        if scenario is not None:
            query = query.where(ScenarioRecord.name == scenario)
        pairs = db.exec(query.order_by(col(Run.id).desc()).limit(limit)).all()
    return [
        {
            "id": run.id,
            "scenario": rec.name,
            "version": rec.version,
            "planner": run.planner,
            "status": run.status,
            "solver_status": run.solver_status,
            "seconds": run.seconds,
            "seed": run.seed,
            "started_at": run.started_at.isoformat(),
            "message": run.message,
        }
        for run, rec in pairs
    ]


def get_run(engine: Engine, run_id: int) -> Run | None:
    """One stored run by id (None when there is no such run)."""
    with session(engine) as db:
        return db.get(Run, run_id)


def run_kpis(engine: Engine, run_id: int) -> dict[str, float | None]:
    """KPIs of a run by name."""
    with session(engine) as db:
        rows = db.exec(select(RunKpi).where(RunKpi.run_id == run_id).order_by(RunKpi.name)).all()
    return {row.name: row.value for row in rows}


def run_rows(engine: Engine, run_id: int, table: type[SQLModel]) -> list[Any]:
    """All result rows of one table for a run, in insertion order."""
    if table not in RESULT_TABLES:
        raise ValueError(f"{table.__name__} is not a result table")
    with session(engine) as db:
        query = select(table).where(getattr(table, "run_id") == run_id)  # noqa: B009  (not on SQLModel)
        if hasattr(table, "id"):
            query = query.order_by(table.id)
        return list(db.exec(query).all())


def _aware(value: dt.datetime) -> dt.datetime:
    return value if value.tzinfo else value.replace(tzinfo=dt.UTC)
