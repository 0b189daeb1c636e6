"""The dashboard's only bridge to the library: reads, caches, access rules and background solves.

Pages import this module and nothing under ``planner``/``staffing``; this module holds no
optimisation logic (it reads stored runs and hands solves to :func:`planner.runs.execute`).

Caching
    A finished run never changes, so everything keyed by a run id (KPIs, result rows) is cached
    with ``st.cache_data`` for the life of the server. Which run is the latest of a scenario is
    a small query that is NOT cached, so a plan stored by the CLI or another user shows up on
    the next page load. The geography (polygons simplified for the browser) is cached too.

Solves
    :func:`start_solve` runs the planners in a separate process (``multiprocessing``, spawn), so a
    CP-SAT or HiGHS solve holds neither the server's GIL nor its event loop: other users' pages
    keep loading. Progress comes back through the planners' ``on_progress(fraction, message)``
    protocol over a queue into a :class:`SolveJob` that pages poll (``st.fragment(run_every=…)``).
    The run itself is stored by ``execute`` like a CLI run (atomic; failed runs are marked).

Access
    Without an ``[auth]`` section in Streamlit secrets the app is the embedded single-user tool
    (``planner dashboard`` listens on localhost only) and everyone sees all counties. With
    ``[auth]`` every page requires ``st.login`` (OIDC), and the ``[roles]`` section maps a
    user's email to the county codes they may see (``"*"`` = all of Sweden)::

        [roles]
        "ops.manager@example.se" = ["*"]          # operations manager: every county
        "planner.sormland@example.se" = ["04"]    # regional planner, Region Sörmland
        "scheduler@example.se" = ["04", "05"]

    A logged-in user who is not listed sees no county (and is told so). Emails compare
    case-insensitively.
"""

from __future__ import annotations

import datetime as dt
import io
import math
import multiprocessing
import queue
import threading
import time
import uuid
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

import pandas as pd
import streamlit as st

from planner import geo
from planner.errors import PlannerError
from planner.registry import PLANNER_NAMES, available_planners
from planner.scenario import Scenario, scenario_from_dict
from planner.storage import (
    database_url,
    get_scenario,
    latest_run,
    list_runs,
    list_scenarios,
    open_database,
    run_kpis,
    run_rows,
    save_scenario,
)
from planner.storage.models import FollowUpAssignment, Placement, RouteStop, Shift, Shipment
from planner.weeks import week_monday

#: The target the staffing alert compares the same-clinician rate with (provider: 96 %).
CONTINUITY_LINE = 0.96
ALL_COUNTIES = "*"

_TABLES = {
    "placement": Placement,
    "shift": Shift,
    "follow_up": FollowUpAssignment,
    "route_stop": RouteStop,
    "shipment": Shipment,
}

PLANNER_TITLES = {
    "placement": "Mobile clinics",
    "staffing": "Staffing",
    "routing": "Spirometers",
}


# --------------------------------------------------------------------------------------------
# Database


def db_url() -> str:
    """The database the dashboard reads (``PLANNER_DATABASE_URL`` or ``var/planner.db``)."""
    return database_url()


@st.cache_resource(show_spinner=False)
def _engine(url: str):  # type: ignore[no-untyped-def]
    return open_database(url)


def engine():  # type: ignore[no-untyped-def]
    """The migrated engine of :func:`db_url` (one per URL and server)."""
    return _engine(db_url())


def scenarios() -> list[dict[str, Any]]:
    """Stored scenarios (latest version of each name); not cached, so new ones show at once."""
    return list_scenarios(engine())


def default_scenario(names: Sequence[str]) -> str | None:
    """``demo`` when stored, else the first stored scenario, else None."""
    if not names:
        return None
    return "demo" if "demo" in names else names[0]


def scenario(name: str) -> tuple[int, Scenario]:
    """Latest stored version number and the parsed scenario."""
    record, parsed = get_scenario(engine(), name)
    return record.version, parsed


def planner_names() -> list[str]:
    """Every planner the project offers (available in this build or not), in solve order."""
    names = list(PLANNER_NAMES)
    return names + [n for n in available_planners() if n not in names]


def runnable_planners() -> list[str]:
    """Planners that can run in this build."""
    return available_planners()


@dataclass(frozen=True)
class Plan:
    """The latest finished run of one planner on a scenario, as pages show it."""

    planner: str
    run_id: int
    solver_status: str | None
    seconds: float | None
    finished_at: dt.datetime | None
    message: str | None
    kpis: dict[str, float | None]


def plans(name: str, version: int | None = None) -> dict[str, Plan]:
    """planner -> its latest finished run on ``name`` (latest version); missing planners left out."""
    out: dict[str, Plan] = {}
    for planner in planner_names():
        run = latest_run(engine(), name, planner, version=version)
        if run is not None:
            out[planner] = Plan(
                planner,
                run.id,
                run.solver_status,
                run.seconds,  # type: ignore[arg-type]
                run.finished_at,
                run.message,
                kpis(run.id),
            )  # type: ignore[arg-type]
    return out


def kpis(run_id: int) -> dict[str, float | None]:
    """A finished run's KPIs by name (cached: finished runs never change)."""
    return _kpis(db_url(), run_id)


@st.cache_data(show_spinner=False, max_entries=256)
def _kpis(url: str, run_id: int) -> dict[str, float | None]:
    return run_kpis(_engine(url), run_id)


def rows(run_id: int, table: str) -> pd.DataFrame:
    """A finished run's result rows of ``table`` (placement, shift, follow_up, route_stop, shipment)."""
    return _rows(db_url(), run_id, table)


@st.cache_data(show_spinner=False, max_entries=64)
def _rows(url: str, run_id: int, table: str) -> pd.DataFrame:
    model = _TABLES[table]
    records = run_rows(_engine(url), run_id, model)
    columns = list(model.model_fields)
    frame = pd.DataFrame([r.model_dump() for r in records], columns=columns)
    return frame.drop(columns=["run_id"])


def recent_runs(name: str | None = None, limit: int = 20) -> pd.DataFrame:
    """Recent runs (all statuses), newest first."""
    return pd.DataFrame(list_runs(engine(), name, limit=limit))


def no_plan_message(planner: str, scenario_name: str) -> str:
    """What a page says when a planner has stored nothing for the scenario."""
    if planner not in runnable_planners():
        return (
            f"No {planner} plan stored yet for {scenario_name}: the {planner} planner is not "
            f"part of this build yet. Once it is, run `planner solve {planner} --scenario "
            f"{scenario_name}`."
        )
    return (
        f"No {planner} plan stored yet for {scenario_name} — run "
        f"`planner solve {planner} --scenario {scenario_name}` (or use the Scenarios page)."
    )


# --------------------------------------------------------------------------------------------
# Geography (cached; polygons simplified for the map's zoom so a page ships ~100 kB)


@st.cache_data(show_spinner=False)
def county_names() -> dict[str, str]:
    """County code -> name."""
    frame = geo.load_counties()
    return dict(zip(frame["county_code"], frame["county_name"], strict=True))


@st.cache_data(show_spinner=False)
def kommun_names() -> dict[str, str]:
    """Kommun code -> name."""
    frame = geo.load_municipalities()
    return dict(zip(frame["kommun_code"], frame["kommun_name"], strict=True))


def _light_geojson(frame: Any, grid: float) -> dict[str, Any]:
    """A GeoDataFrame as compact GeoJSON: no bbox or ids, coordinates rounded to ``grid``."""
    data = frame.__geo_interface__
    data.pop("bbox", None)
    digits = max(0, round(-math.log10(grid)))
    for feature in data["features"]:
        feature.pop("bbox", None)
        feature.pop("id", None)
        feature["geometry"] = {
            "type": feature["geometry"]["type"],
            "coordinates": _rounded(feature["geometry"]["coordinates"], digits),
        }
    return data


def _rounded(coords: Any, digits: int) -> Any:
    if isinstance(coords[0], (int, float)):
        return [round(float(c), digits) for c in coords]
    return [_rounded(c, digits) for c in coords]


#: Web-Mercator metres per screen pixel at zoom 0 with deck.gl's 512 px world.
MERCATOR_M_PER_PX_Z0 = 2 * math.pi * 6_378_137 / 512


def tiles_geojson(
    level: str, zoom: float, *, counties: Sequence[str] | None = None, gap_px: float = 0.0
) -> dict[str, Any]:
    """County (``level="county"``) or kommun polygons prepared for a map at ``zoom``.

    Simplified to half a pixel at that zoom and, with ``gap_px``, shrunk by half the gap on
    every side (in Web Mercator, so the gap is the same number of pixels everywhere): drawn
    over a layer of the full polygons in a border colour, the gaps become the borders. That
    draws borders with the polygon shader alone; a stroked GeoJsonLayer adds a path shader,
    which costs the browser ~0.7 s per page load with software WebGL. ``counties`` keeps
    only polygons in those counties. Cached per level, counties, zoom (0.1 steps) and gap.
    """
    codes = None if counties is None else tuple(sorted(counties))
    return _tiles(level, round(float(zoom), 1), codes, float(gap_px))


@st.cache_data(show_spinner=False, max_entries=64)
def _tiles(level: str, zoom: float, codes: tuple[str, ...] | None, gap_px: float) -> dict[str, Any]:
    import shapely

    if level == "county":
        frame = geo.load_counties()[["county_code", "county_name", "population", "geometry"]].copy()
    elif level == "kommun":
        frame = geo.load_municipalities()[
            ["kommun_code", "kommun_name", "county_code", "population", "geometry"]
        ].copy()
    else:
        raise ValueError(f"unknown level {level!r} (county or kommun)")
    if codes is not None:
        frame = frame[frame["county_code"].isin(codes)]
    m_per_px = MERCATOR_M_PER_PX_Z0 / 2**zoom
    merc = frame.to_crs(3857)
    geometry = merc.geometry.simplify(0.5 * m_per_px, preserve_topology=True)
    if gap_px > 0:
        geometry = geometry.buffer(-gap_px / 2 * m_per_px, quad_segs=2)
    merc = merc.set_geometry(geometry)
    merc = merc[~merc.geometry.is_empty]
    frame = merc.to_crs(4326)
    grid = 0.001 if zoom < 7 else 0.0001  # <= ~1/3 px at the zoom drawn
    frame["geometry"] = shapely.set_precision(frame.geometry.values, grid)
    frame = frame[~frame.geometry.is_empty]
    return _light_geojson(frame, grid)


def county_bounds(codes: Sequence[str]) -> tuple[list[float], list[float]]:
    """Longitudes and latitudes of the bounding-box corners of the given counties."""
    return _county_bounds(tuple(sorted(codes)))


@st.cache_data(show_spinner=False)
def _county_bounds(codes: tuple[str, ...]) -> tuple[list[float], list[float]]:
    frame = geo.load_counties()
    frame = frame[frame["county_code"].isin(codes)]
    if frame.empty:
        return [], []
    x0, y0, x1, y1 = frame.total_bounds
    return [float(x0), float(x1)], [float(y0), float(y1)]


@st.cache_data(show_spinner=False)
def localities() -> pd.DataFrame:
    """Localities as a plain table (id as text, name, kommun, county, lon, lat, population)."""
    frame = pd.DataFrame(geo.load_localities().drop(columns="geometry"))
    frame["locality_id"] = frame["locality_id"].astype(str)
    return frame[["locality_id", "name", "kommun_code", "county_code", "lon", "lat", "population"]]


def clinician_home_counties(name: str, version: int) -> dict[str, str]:
    """Clinician id -> home county, from the scenario's seeded clinician pool.

    The store keeps shifts, not the pool; the staffing planner builds its pool with
    :func:`planner.demo_data.clinician_pool` from the scenario's seed, start week and horizon,
    so the same call gives the same people. Used only to filter the roster by county.
    """
    return _home_counties(db_url(), name, version)


@st.cache_data(show_spinner=False, max_entries=16)
def _home_counties(url: str, name: str, version: int) -> dict[str, str]:
    from planner.demo_data import clinician_pool

    _, parsed = get_scenario(_engine(url), name, version)
    s = parsed.staffing
    pool = clinician_pool(
        s.clinicians, week_monday(parsed.scenario.start_week), s.horizon_days, parsed.scenario.seed
    )
    return {c.clinician_id: c.home_county for c in pool}


# --------------------------------------------------------------------------------------------
# Access


def _secrets_section(name: str) -> dict[str, Any]:
    try:
        if not st.secrets.load_if_toml_exists():
            return {}
        section = st.secrets.get(name)
    except Exception:
        return {}
    return dict(section) if section is not None else {}


def auth_enabled() -> bool:
    """True when an ``[auth]`` section is configured in Streamlit secrets."""
    return bool(_secrets_section("auth"))


@dataclass(frozen=True)
class Access:
    """Who is looking and which counties they may see (None = all)."""

    email: str | None
    counties: frozenset[str] | None

    def allows(self, county_code: str) -> bool:
        """Whether rows of this county may be shown."""
        return self.counties is None or county_code in self.counties

    @property
    def everything(self) -> bool:
        """No county restriction."""
        return self.counties is None


def access_for(email: str | None, roles: dict[str, Any]) -> Access:
    """Counties ``email`` may see under the ``[roles]`` mapping (see the module docstring)."""
    if not email:
        return Access(None, frozenset())
    wanted = email.strip().lower()
    for key, value in roles.items():
        if str(key).strip().lower() != wanted:
            continue
        codes = [value] if isinstance(value, str) else list(value)
        if ALL_COUNTIES in codes:
            return Access(email, None)
        return Access(email, frozenset(str(c).zfill(2) for c in codes))
    return Access(email, frozenset())


def current_access() -> Access:
    """Access of this session: everything without auth; the role's counties with it."""
    if not auth_enabled():
        return Access(None, None)
    email = st.user.get("email") if st.user.get("is_logged_in") else None
    return access_for(email, _secrets_section("roles"))


# --------------------------------------------------------------------------------------------
# Exports of the roster


def roster_csv(shifts: pd.DataFrame) -> bytes:
    """The roster as CSV (staffing's exporter when present, else the stored columns)."""
    try:
        from staffing.export import write_csv
    except ImportError:
        return shifts.to_csv(index=False).encode()
    return _via_file(write_csv, shifts, "roster.csv")


def roster_xlsx(shifts: pd.DataFrame) -> bytes | None:
    """The roster as XLSX (a sheet per week), or None when the exporter is not available."""
    try:
        from staffing.export import write_xlsx
    except ImportError:
        return None
    return _via_file(write_xlsx, shifts, "roster.xlsx")


def roster_ics(shifts: pd.DataFrame, clinician_id: str, run_id: int) -> bytes | None:
    """One clinician's shifts as iCalendar (SEQUENCE = run id), or None without the exporter."""
    try:
        from staffing.export import calendar_for
    except ImportError:
        return None
    return calendar_for(clinician_id, _records(shifts), sequence=run_id).to_ical()


def _records(shifts: pd.DataFrame) -> list[Any]:
    out = []
    for rec in shifts.to_dict("records"):
        rec = {k: (None if isinstance(v, float) and pd.isna(v) else v) for k, v in rec.items()}
        for key in ("start", "end"):
            rec[key] = pd.Timestamp(rec[key]).to_pydatetime()
        rec["day"] = pd.Timestamp(rec["day"]).date()
        out.append(Shift(**{k: v for k, v in rec.items() if k in Shift.model_fields}))
    return out


def _via_file(writer, shifts: pd.DataFrame, filename: str) -> bytes:  # type: ignore[no-untyped-def]
    import tempfile
    from pathlib import Path

    with tempfile.TemporaryDirectory(prefix="dashboard-export-") as tmp:
        path = Path(tmp) / filename
        writer(_records(shifts), path)
        return path.read_bytes()


# --------------------------------------------------------------------------------------------
# Scenario copies


def copy_scenario(
    base: Scenario, new_name: str, description: str, changes: dict[str, dict[str, Any]]
) -> dict[str, Any]:
    """Store a copy of ``base`` under ``new_name`` with section keys changed; returns name/version.

    Validation is the scenario model's own (strict); a bad value raises ``ScenarioError`` with
    the key named.
    """
    data = base.to_dict()
    data["scenario"] = {**data["scenario"], "name": new_name, "description": description}
    for section, values in changes.items():
        data[section] = {**data[section], **values}
    parsed = scenario_from_dict(data, source="dashboard form")
    record = save_scenario(engine(), parsed, source=f"dashboard copy of {base.name}")
    return {"name": record.name, "version": record.version}


# --------------------------------------------------------------------------------------------
# Background solves


@dataclass
class SolveJob:
    """A solve started from a page: planners run one after another in a child process."""

    id: str
    scenario: str
    planners: list[str]
    started: float = field(default_factory=time.time)
    planner: str | None = None
    fraction: float = 0.0
    message: str = "starting"
    done: bool = False
    error: str | None = None
    finished: list[dict[str, Any]] = field(default_factory=list)

    @property
    def overall(self) -> float:
        """Progress over all planners of the job, in [0, 1]."""
        if self.done:
            return 1.0
        n = max(len(self.planners), 1)
        index = self.planners.index(self.planner) if self.planner in self.planners else 0
        return min(1.0, (index + max(0.0, min(1.0, self.fraction))) / n)


def _solve_worker(url: str, scenario_name: str, planners: list[str], out: Any) -> None:
    """Child process: run each planner through ``execute`` and report over ``out``."""
    from planner.runs import execute
    from planner.storage import open_database as _open

    eng = _open(url)
    for planner in planners:
        out.put(("progress", planner, 0.0, f"{planner}: starting"))

        def report(fraction: float | None, message: str, _p: str = planner) -> None:
            out.put(("progress", _p, fraction, message))

        try:
            result = execute(eng, scenario_name, planner, on_progress=report)
        except Exception as exc:
            out.put(("error", planner, None, str(exc)))
            return
        out.put(("finished", planner, 1.0, result.to_dict()))
    out.put(("done", None, 1.0, "all planners finished"))


class _JobBoard:
    """Jobs of this server process (shared by every session)."""

    def __init__(self) -> None:
        self.jobs: dict[str, SolveJob] = {}
        self.lock = threading.Lock()


@st.cache_resource(show_spinner=False)
def _board() -> _JobBoard:
    return _JobBoard()


def start_solve(scenario_name: str, planners: Iterable[str]) -> SolveJob:
    """Start solving ``scenario_name`` with ``planners`` in a child process; returns the job."""
    wanted = [p for p in planners if p in runnable_planners()]
    if not wanted:
        raise PlannerError("no runnable planner selected")
    job = SolveJob(uuid.uuid4().hex[:12], scenario_name, wanted)
    ctx = multiprocessing.get_context("spawn")
    out = ctx.Queue()
    process = ctx.Process(
        target=_solve_worker,
        args=(db_url(), scenario_name, wanted, out),
        name=f"solve-{scenario_name}",
        daemon=True,
    )
    process.start()
    board = _board()
    with board.lock:
        board.jobs[job.id] = job
    threading.Thread(
        target=_follow, args=(job, process, out), daemon=True, name=f"follow-{job.id}"
    ).start()
    return job


def _follow(job: SolveJob, process: Any, out: Any) -> None:
    while True:
        try:
            kind, planner, fraction, payload = out.get(timeout=0.5)
        except queue.Empty:
            if not process.is_alive():
                if not job.done:
                    job.error = job.error or f"solver process ended (exit code {process.exitcode})"
                    job.done = True
                return
            continue
        if kind == "progress":
            job.planner, job.message = planner, str(payload)
            if fraction is not None:
                job.fraction = float(fraction)
        elif kind == "finished":
            job.finished.append(payload)
            job.fraction = 1.0
        elif kind == "error":
            job.error, job.done = str(payload), True
        elif kind == "done":
            job.done, job.message = True, str(payload)
        if job.done:
            process.join(timeout=5)
            return


def job(job_id: str) -> SolveJob | None:
    """A job of this server by id."""
    return _board().jobs.get(job_id)


def wait(job_id: str, timeout: float = 120.0) -> SolveJob:
    """Block until a job is done (for tests and scripts)."""
    deadline = time.monotonic() + timeout
    found = job(job_id)
    while found is not None and not found.done and time.monotonic() < deadline:
        time.sleep(0.2)
    if found is None:
        raise LookupError(job_id)
    return found


def excel_bytes(frame: pd.DataFrame) -> bytes:
    """A table as a one-sheet XLSX (for comparison downloads)."""
    buffer = io.BytesIO()
    frame.to_excel(buffer, index=True)
    return buffer.getvalue()
