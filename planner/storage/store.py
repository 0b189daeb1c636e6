"""Reading and writing scenarios and runs.

The write path of a run is what keeps the store trustworthy:

1. :func:`start_run` commits a ``run`` row with status ``running`` and the writer's host and pid;
   :func:`beat` renews its heartbeat while it works.
2. :func:`finish_run` writes every result row, the KPIs and the final status in ONE transaction,
   and only while the run is still 'running'. If anything fails (or the process is killed)
   nothing of it is visible, and earlier runs' results are untouched.
3. :func:`fail_run` marks a run failed (or 'interrupted') with its message;
   :func:`reap_stale_runs` marks failed the runs whose process is gone (killed, power cut): on
   this host the pid is gone, on any host the heartbeat stopped. So no run stays 'running'.
"""

from __future__ import annotations

import datetime as dt
import functools
import os
import socket
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from sqlalchemy import Table, delete, func, insert, update
from sqlalchemy import inspect as sa_inspect
from sqlalchemy.engine import Engine
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, SQLModel, col, select

from planner.errors import RunNotFoundError, ScenarioConflictError, ScenarioNotFoundError
from planner.scenario import Scenario, scenario_from_dict
from planner.storage.database import session
from planner.storage.models import (
    RESULT_TABLES,
    Run,
    RunKpi,
    ScenarioRecord,
    SweepVariant,
    utcnow,
)


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


#: How often :func:`save_scenario` tries again after another process took the same version.
SAVE_ATTEMPTS = 20


def save_scenario(
    engine: Engine,
    scenario: Scenario,
    source: str | None = None,
    input_folder: str | Path | None = None,
) -> ScenarioRecord:
    """Store ``scenario`` as a new version of its name, unless the latest version is identical.

    ``input_folder`` is where its input files may be read from besides ``$PLANNER_DATA_DIR``
    (the scenario file's folder; a copy passes its base's); every solve checks it again.

    Safe when several processes store the same name at once: the unique (name, version) key
    turns away all but one writer of a version; the others read again and store the next
    version, or return the one just stored when its content is the same.
    """
    digest = scenario.content_hash()
    for _ in range(SAVE_ATTEMPTS):
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
                input_folder=None if input_folder is None else str(input_folder),
            )
            db.add(record)
            try:
                db.commit()
            except IntegrityError:  # another process stored this version first: read again
                db.rollback()
                continue
            db.refresh(record)
            return record
    raise ScenarioConflictError(
        f"scenario {scenario.name!r}: other processes kept storing new versions at the same "
        f"time ({SAVE_ATTEMPTS} tries); try again"
    )


def input_folder_of(engine: Engine, scenario: Scenario) -> str | None:
    """The input folder of the stored version ``scenario`` is (same name and content), for a
    copy or variant to keep: it reads the same files. None when not stored or without one."""
    with session(engine) as db:
        record = db.exec(
            select(ScenarioRecord).where(
                ScenarioRecord.name == scenario.name,
                ScenarioRecord.content_hash == scenario.content_hash(),
            )
        ).first()
    return None if record is None else record.input_folder


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
        heartbeat_at=utcnow(),
    )
    with session(engine) as db:
        db.add(run)
        db.commit()
        db.refresh(run)
    return run


def finish_run(engine: Engine, run_id: int, outcome: RunOutcome) -> Run:
    """Write a run's rows, KPIs and final status atomically; on any error nothing is written.

    Raises :class:`LookupError` when the run is gone or no longer 'running' (interrupted, or
    reaped as stale): its end is already stored and stays as it is.
    """
    with session(engine) as db:
        # Claim the run first: the row stays locked until the commit (SQLite: the database),
        # so a concurrent fail_run either comes before (and nothing is written) or after.
        claimed = db.exec(
            update(Run)
            .where(col(Run.id) == run_id, col(Run.status) == "running")
            .values(status="finished")
        )
        if claimed.rowcount != 1:
            db.rollback()
            raise LookupError(f"run {run_id} is not running any more")
        run = db.get(Run, run_id)
        if run is None:
            raise LookupError(f"no run {run_id}")
        insert_rows(db, run_id, outcome.rows)
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


def insert_rows(db: Session, run_id: int, rows: Iterable[SQLModel]) -> None:
    """Insert a run's result rows with ``run_id``: one multi-row INSERT per table and set of
    columns, in the rows' order, inside the caller's transaction.

    Rows are read, never changed or attached to the session, so they may also be made with
    ``Model.model_construct`` (no SQLAlchemy state: ~7 us a row instead of ~50 us). A row's
    ``id`` is kept when set, else the database gives one. The ORM's unit of work took ~50 us a
    row more (95,000 shipments of a national routing run: seconds)."""
    batches: dict[tuple[Table, tuple[str, ...]], list[dict[str, Any]]] = {}
    for row in rows:
        table, names = _columns(type(row))
        own = vars(row)  # the values of a new row (getattr only for one not loaded: ~3x slower)
        values = {
            name: own[attr] if attr in own else getattr(row, attr)
            for attr, name in names
            if name != "run_id"
        }
        values["run_id"] = run_id
        if values.get("id") is None:
            values.pop("id", None)
        batches.setdefault((table, tuple(values)), []).append(values)
    for (table, _), batch in batches.items():
        db.exec(insert(table), params=batch)


@functools.cache
def _columns(model: type[SQLModel]) -> tuple[Table, tuple[tuple[str, str], ...]]:
    """A result model's table and its (attribute, column) names."""
    mapper = sa_inspect(model)
    table = mapper.local_table
    assert isinstance(table, Table)
    return table, tuple((a.key, a.columns[0].name) for a in mapper.column_attrs)


#: The statuses a run ends in; 'interrupted' is a run stopped by Ctrl-C (nothing stored).
END_STATUSES = ("finished", "failed", "interrupted")


def fail_run(engine: Engine, run_id: int, message: str, status: str = "failed") -> None:
    """Mark a 'running' run failed, or ``status`` 'interrupted' (its partial rows were never
    committed); a run that already ended keeps its status."""
    if status not in END_STATUSES[1:]:
        raise ValueError(f"a run cannot end as {status!r}")
    finished = utcnow()
    with session(engine) as db:
        run = db.get(Run, run_id)
        if run is None or run.status != "running":
            return
        db.exec(
            update(Run)
            .where(col(Run.id) == run_id, col(Run.status) == "running")
            .values(
                status=status,
                message=message[:2000],
                finished_at=finished,
                seconds=(finished - _aware(run.started_at)).total_seconds(),
            )
        )
        db.commit()


def beat(engine: Engine, run_id: int) -> None:
    """Renew a running run's heartbeat (see :data:`STALE_AFTER`)."""
    with session(engine) as db:
        db.exec(
            update(Run)
            .where(col(Run.id) == run_id, col(Run.status) == "running")
            .values(heartbeat_at=utcnow())
        )
        db.commit()


def _process_alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:  # exists, owned by someone else
        return True
    return True


#: How often a working run renews its heartbeat (:func:`planner.runs.execute` does it).
HEARTBEAT = dt.timedelta(seconds=30)
#: A run whose heartbeat is older than this is stale on any host: several beats were missed.
STALE_AFTER = dt.timedelta(minutes=5)


def _stale(run: Run, host: str, now: dt.datetime) -> bool:
    if run.host == host:
        if run.pid == os.getpid():
            return False  # this very process: it knows whether it still works on the run
        if not _process_alive(run.pid):
            return True
    # Another host (or a pid now used by another process): only the heartbeat can tell.
    return now - _aware(run.heartbeat_at or run.started_at) > STALE_AFTER


def reap_stale_runs(engine: Engine) -> list[int]:
    """Mark failed the 'running' runs whose process is gone (on this host: its pid has ended;
    on any host: its heartbeat is older than :data:`STALE_AFTER`); return their ids."""
    host, now = socket.gethostname(), utcnow()
    with session(engine) as db:
        stale = [
            run
            for run in db.exec(select(Run).where(Run.status == "running")).all()
            if _stale(run, host, now)
        ]
    for run in stale:
        where = f"process {run.pid} on {run.host}" if run.host != host else f"process {run.pid}"
        fail_run(engine, id_of(run), f"interrupted: {where} ended before the run finished")
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


def get_run(engine: Engine, run_id: int) -> Run:
    """One stored run by id; :class:`RunNotFoundError` when there is no such run."""
    with session(engine) as db:
        run = db.get(Run, run_id)
    if run is None:
        raise RunNotFoundError(f"no run {run_id}; `planner runs list` shows the stored runs")
    return run


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


def record_sweep(
    engine: Engine, sweep: str, base: str, variants: Iterable[tuple[str, int, dict[str, Any]]]
) -> None:
    """Store which scenarios (name, version, varied values) form ``sweep``, replacing what an
    earlier sweep of the same name stored: a sweep is its latest set of variants."""
    with session(engine) as db:
        db.exec(delete(SweepVariant).where(col(SweepVariant.sweep) == sweep))
        for name, version, parameters in variants:
            db.add(
                SweepVariant(
                    sweep=sweep, scenario=name, version=version, base=base, parameters=parameters
                )
            )
        db.commit()


def list_sweeps(engine: Engine) -> list[dict[str, Any]]:
    """Stored sweeps, newest first: name, base scenario, variant count and varied keys."""
    with session(engine) as db:
        rows = db.exec(select(SweepVariant).order_by(col(SweepVariant.created_at).desc())).all()
    sweeps: dict[str, dict[str, Any]] = {}
    for row in rows:
        entry = sweeps.setdefault(
            row.sweep,
            {"sweep": row.sweep, "base": row.base, "variants": 0, "keys": [], "created_at": ""},
        )
        entry["variants"] += 1
        entry["keys"] = sorted({*entry["keys"], *row.parameters})
        entry["created_at"] = max(entry["created_at"], _aware(row.created_at).isoformat())
    return list(sweeps.values())


def sweep_variants(engine: Engine, sweep: str) -> list[SweepVariant]:
    """The variants of one stored sweep, by scenario name."""
    with session(engine) as db:
        return list(
            db.exec(
                select(SweepVariant)
                .where(col(SweepVariant.sweep) == sweep)
                .order_by(col(SweepVariant.scenario))
            ).all()
        )


def _aware(value: dt.datetime) -> dt.datetime:
    return value if value.tzinfo else value.replace(tzinfo=dt.UTC)
