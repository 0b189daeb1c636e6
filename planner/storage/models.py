"""SQLModel tables: scenarios, runs and every planner's results as plain rows.

Results are rows, not pickles, so that the dashboard and the exports read them with SQL. Each
result table carries ``run_id``; a run's rows are written in the same transaction that marks
the run finished (see :mod:`planner.storage.store`). Schema changes go through the Alembic
migrations in ``planner/migrations``; a test checks that the migrations and these classes agree.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import JSON, Column, UniqueConstraint
from sqlalchemy.orm import configure_mappers
from sqlmodel import Field, SQLModel


def utcnow() -> dt.datetime:
    """Timezone-aware UTC now (SQLModel stores aware datetimes and returns them in UTC)."""
    return dt.datetime.now(dt.UTC)


class ScenarioRecord(SQLModel, table=True):
    """One version of a named scenario; parameters as validated JSON."""

    __tablename__ = "scenario"
    __table_args__ = (UniqueConstraint("name", "version", name="uq_scenario_name_version"),)

    id: int | None = Field(default=None, primary_key=True)
    name: str = Field(index=True, max_length=63)
    version: int
    description: str = ""
    params: dict[str, Any] = Field(sa_column=Column(JSON, nullable=False))
    content_hash: str = Field(max_length=64)
    source: str | None = None
    # The folder its input files (routing.referrals_csv) may be read from besides
    # $PLANNER_DATA_DIR: the scenario file's, checked again at every solve; copies keep it.
    input_folder: str | None = Field(default=None, max_length=4096)
    created_at: dt.datetime = Field(default_factory=utcnow)


class SweepVariant(SQLModel, table=True):
    """One scenario of a sweep (``planner sweep``) and the values it varies, so the dashboard
    can draw the sweep's trade-off; a sweep is the set of rows with one ``sweep`` name."""

    __tablename__ = "sweep_variant"

    sweep: str = Field(primary_key=True, max_length=63)
    scenario: str = Field(primary_key=True, max_length=63)
    version: int
    base: str = Field(max_length=63)
    # Varied dotted key -> value, e.g. {"placement.units": 8}.
    parameters: dict[str, Any] = Field(sa_column=Column(JSON, nullable=False))
    created_at: dt.datetime = Field(default_factory=utcnow)


class Run(SQLModel, table=True):
    """One solve of one planner on one scenario version."""

    __tablename__ = "run"

    id: int | None = Field(default=None, primary_key=True)
    scenario_id: int = Field(foreign_key="scenario.id", index=True)
    planner: str = Field(max_length=32, index=True)
    # running -> finished | failed | interrupted (Ctrl-C). 'finished' says nothing about
    # quality: see solver_status.
    status: str = Field(default="running", max_length=16, index=True)
    solver_status: str | None = Field(default=None, max_length=32)
    message: str | None = None
    seed: int = 0
    time_limit_s: float | None = None
    started_at: dt.datetime = Field(default_factory=utcnow)
    finished_at: dt.datetime | None = None
    seconds: float | None = None
    objective: float | None = None
    bound: float | None = None
    # Who runs it: lets a later process mark a killed run as failed (same host: the pid is
    # gone; any host: the heartbeat, renewed while the run works, has stopped).
    host: str = Field(default="", max_length=255)
    pid: int = 0
    heartbeat_at: dt.datetime | None = None


class RunKpi(SQLModel, table=True):
    """A named KPI value of a run (from the planner's ``evaluate()``, not its objective)."""

    __tablename__ = "run_kpi"

    run_id: int = Field(foreign_key="run.id", primary_key=True)
    name: str = Field(primary_key=True, max_length=64)
    value: float | None = None


class Placement(SQLModel, table=True):
    """Where one mobile clinic stands in one week."""

    __tablename__ = "placement"

    id: int | None = Field(default=None, primary_key=True)
    run_id: int = Field(foreign_key="run.id", index=True)
    week: str = Field(max_length=8)
    unit: int
    site_id: str = Field(max_length=32)
    site_name: str
    kommun_code: str = Field(max_length=4)
    county_code: str = Field(max_length=2)
    lon: float
    lat: float
    expected_patients: float = 0.0
    covered_population: int = 0


class Shift(SQLModel, table=True):
    """One rostered shift of one clinician (digital block or mobile-clinic day)."""

    __tablename__ = "shift"

    id: int | None = Field(default=None, primary_key=True)
    run_id: int = Field(foreign_key="run.id", index=True)
    clinician_id: str = Field(max_length=32, index=True)
    profession: str = Field(max_length=32)
    day: dt.date
    block: str = Field(max_length=16)
    start: dt.datetime
    end: dt.datetime
    kind: str = Field(default="digital", max_length=16)
    site_id: str | None = Field(default=None, max_length=32)


class FollowUpAssignment(SQLModel, table=True):
    """Who handles a return visit, and whether it is the index clinician."""

    __tablename__ = "follow_up"

    id: int | None = Field(default=None, primary_key=True)
    run_id: int = Field(foreign_key="run.id", index=True)
    visit_id: str = Field(max_length=32)
    patient_id: str = Field(max_length=32)
    profession: str = Field(max_length=32)
    index_clinician_id: str = Field(max_length=32)
    assigned_clinician_id: str | None = Field(default=None, max_length=32)
    day: dt.date | None = None
    block: str | None = Field(default=None, max_length=16)
    same_clinician: bool = False
    # Why a visit not kept with its index clinician missed (staffing.misses.MISS_REASONS), and
    # for 'not_rostered' the rule or cover need that kept the clinician off; None when kept.
    miss_reason: str | None = Field(default=None, max_length=32)
    miss_detail: str | None = Field(default=None, max_length=64)


class RouteStop(SQLModel, table=True):
    """One stop of one courier route on one day, in visiting order."""

    __tablename__ = "route_stop"

    id: int | None = Field(default=None, primary_key=True)
    run_id: int = Field(foreign_key="run.id", index=True)
    day: dt.date
    route_id: str = Field(max_length=32)
    hub_id: str = Field(max_length=32)
    seq: int
    kind: str = Field(max_length=16)  # start | delivery | pickup | end
    place_id: str = Field(max_length=32)
    referral_id: str | None = Field(default=None, max_length=32)
    arrival_minute: float
    load: int = 0


class Shipment(SQLModel, table=True):
    """How one spirometry referral gets its device, and when it comes back."""

    __tablename__ = "shipment"

    id: int | None = Field(default=None, primary_key=True)
    run_id: int = Field(foreign_key="run.id", index=True)
    referral_id: str = Field(max_length=32)
    locality_id: str = Field(max_length=32)
    mode: str = Field(max_length=16)  # courier | parcel | mobile
    referral_date: dt.date
    ship_date: dt.date | None = None
    device_date: dt.date | None = None
    return_date: dt.date | None = None
    on_time: bool = False
    return_mode: str | None = Field(default=None, max_length=16)  # courier | parcel | mobile
    cost_sek: float | None = None  # this referral's share of the plan's bill


class CourierRoute(SQLModel, table=True):
    """One courier route of one day: its hub, stops, km, driver hours and cost."""

    __tablename__ = "courier_route"

    id: int | None = Field(default=None, primary_key=True)
    run_id: int = Field(foreign_key="run.id", index=True)
    day: dt.date
    route_id: str = Field(max_length=32)
    hub_id: str = Field(max_length=32)
    stops: int
    km: float
    hours: float
    cost_sek: float


class AvailabilityRequest(SQLModel, table=True):
    """One slot a clinician is asked to work so that return visits keep their clinician
    (``planner solve continuity``): the day and block, its cost and the visits it keeps."""

    __tablename__ = "availability_request"

    id: int | None = Field(default=None, primary_key=True)
    run_id: int = Field(foreign_key="run.id", index=True)
    clinician_id: str = Field(max_length=32)
    profession: str = Field(max_length=32)
    county_code: str | None = Field(default=None, max_length=8)
    day: dt.date
    block: str = Field(max_length=16)
    start: dt.datetime
    end: dt.datetime
    cost: float
    visits_kept: int
    # The return visits it keeps, comma-separated (a scheduler reads them in the export).
    visit_ids: str = ""


#: Result tables in the order their rows are written (and deleted).
RESULT_TABLES: tuple[type[SQLModel], ...] = (
    RunKpi,
    Placement,
    Shift,
    FollowUpAssignment,
    RouteStop,
    Shipment,
    CourierRoute,
    AvailabilityRequest,
)

# Set the mapped attributes up now, not at the first ORM object: a row made with
# ``Model.model_construct`` (the routing run's 95,000 shipments: no SQLModel ``__init__``) reads
# its values through them, and may be the first row of its process.
configure_mappers()
