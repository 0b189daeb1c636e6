"""Stored scenarios and runs as pages show them: the database, cached reads, scenario copies.

A finished run never changes, so everything keyed by a run id (KPIs, result rows) is cached
with ``st.cache_data`` for the life of the server. Which run is the latest of a scenario is a
small query that is NOT cached, so a plan stored by the CLI or another user shows up on the
next page load.

Every read a page makes goes through the signed-in user's counties here, in one place:
:func:`rows` filters each result table by the county its rows belong to (:data:`ROW_COUNTY`),
:func:`plans` drops the KPIs and notes of other counties, :func:`clinician_home_counties` lists
only clinicians of those counties. The unfiltered reads are private (``_rows``, ``_kpis``).
"""

from __future__ import annotations

import contextlib
import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import pandas as pd
import streamlit as st
from sqlalchemy.engine import Engine
from sqlalchemy.exc import OperationalError
from sqlmodel import SQLModel

from dashboard.services.access import authorize, current_access
from dashboard.services.explain import local_times
from dashboard.services.geography import county_names, localities
from planner.compare import COMPARE_KPIS, Comparison, compare
from planner.demo_data import clinician_pool
from planner.quality import PlanQuality, plan_quality, status_words
from planner.registry import PLANNER_NAMES, PLANNER_TITLES, available_planners
from planner.scenario import Scenario, check_places, scenario_from_dict
from planner.storage import (
    database_url,
    get_run,
    get_scenario,
    input_folder_of,
    latest_run,
    list_runs,
    list_scenarios,
    list_sweeps,
    open_database,
    reap_stale_runs,
    run_kpis,
    run_rows,
    save_scenario,
    sweep_variants,
)
from planner.storage.database import session
from planner.storage.models import (
    AvailabilityRequest,
    CourierRoute,
    FollowUpAssignment,
    Placement,
    RouteStop,
    ScenarioRecord,
    Shift,
    Shipment,
)
from planner.weeks import week_monday

#: Result tables a page reads, by the name it asks for.
RESULT_TABLES: dict[str, type[SQLModel]] = {
    "placement": Placement,
    "shift": Shift,
    "follow_up": FollowUpAssignment,
    "route_stop": RouteStop,
    "shipment": Shipment,
    "courier_route": CourierRoute,
    "availability_request": AvailabilityRequest,
}

#: What a result row's county is: ("place", column) = the county of the place (locality id, place
#: name or kommun code) in that column; ("clinician", column) = the home county of the clinician
#: in that column; ("county", column) = the county code stored in the row. A route stop is also
#: hidden when its route's hub lies outside the user's counties (see :func:`rows`).
ROW_COUNTY: dict[str, tuple[str, str]] = {
    "placement": ("county", "county_code"),
    "shift": ("clinician", "clinician_id"),
    "follow_up": ("clinician", "index_clinician_id"),
    "availability_request": ("clinician", "clinician_id"),
    "route_stop": ("place", "place_id"),
    "shipment": ("place", "locality_id"),
    "courier_route": ("place", "hub_id"),
}


def db_url() -> str:
    """The database the dashboard reads (``PLANNER_DATABASE_URL`` or ``var/planner.db``)."""
    return database_url()


@st.cache_resource(show_spinner=False)
def _engine(url: str) -> Engine:
    return open_database(url)


def engine() -> Engine:
    """The migrated engine of :func:`db_url` (one per URL and server)."""
    return _engine(db_url())


def scenarios() -> list[dict[str, Any]]:
    """Stored scenarios (latest version of each name); not cached, so new ones show at once.
    Every page starts here, so runs whose process is gone are marked failed here too."""
    with contextlib.suppress(OperationalError):  # a read-only database can still be read
        reap_stale_runs(engine())
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
    objective: float | None = None
    bound: float | None = None
    time_limit_s: float | None = None

    @property
    def quality(self) -> PlanQuality:
        """How good the plan is, in words (proven optimal, within X %, far from proven...)."""
        return plan_quality(
            self.solver_status, self.objective, self.bound, time_limit_s=self.time_limit_s
        )


def plans(name: str, version: int | None = None) -> dict[str, Plan]:
    """planner -> its latest finished run on ``name`` (latest version); missing planners left out.

    KPIs as the signed-in user may see them (:meth:`Access.kpis`); the planner's notes only for
    a user who sees every county (they name places and referrals anywhere)."""
    acc = current_access()
    out: dict[str, Plan] = {}
    for planner in planner_names():
        run = latest_run(engine(), name, planner, version=version)
        if run is None:
            continue
        assert run.id is not None, "a stored run has an id"
        out[planner] = Plan(
            planner,
            run.id,
            run.solver_status,
            run.seconds,
            run.finished_at,
            run.message if acc.everything else None,
            acc.kpis(_kpis(db_url(), run.id)),
            run.objective,
            run.bound,
            run.time_limit_s,
        )
    return out


#: How a run ended, in words (``planner runs list`` shows the stored word itself).
RUN_ENDINGS = {
    "running": "running",
    "finished": "finished",
    "failed": "failed",
    "interrupted": "interrupted (stopped by Ctrl-C, nothing stored)",
}


def runs(name: str, limit: int = 20) -> pd.DataFrame:
    """The scenario's latest runs, newest first, every planner and ending (also those that
    failed or were interrupted, which leave no plan): run, version, plan, ending, solver's
    word, seconds, start (Stockholm time), and the message for a user who sees every county
    (messages name places and referrals anywhere)."""
    acc = current_access()
    listed = list_runs(engine(), name, limit=limit)
    frame = pd.DataFrame(
        {
            "Run": [r["id"] for r in listed],
            "Version": [r["version"] for r in listed],
            "Plan": [PLANNER_TITLES.get(r["planner"], r["planner"]) for r in listed],
            "Ended": [RUN_ENDINGS.get(r["status"], r["status"]) for r in listed],
            "Solver": [
                status_words(r["solver_status"]) if r["solver_status"] else "" for r in listed
            ],
            "Seconds": [r["seconds"] for r in listed],
            "Started": local_times(pd.Series([r["started_at"] for r in listed], dtype=object)),
            "Message": [(r["message"] or "") if acc.everything else "" for r in listed],
            "planner": [r["planner"] for r in listed],
            "status": [r["status"] for r in listed],
        }
    )
    return frame


def comparison(names: Sequence[str]) -> Comparison:
    """Scenarios side by side (the first is the reference): the parameters that differ, the
    headline KPIs with their change, warnings; from the plans this user may see."""
    params = {name: scenario(name)[1].to_dict() for name in names}
    return compare(params, {name: plans(name) for name in names}, county_names())


def sweeps() -> list[dict[str, Any]]:
    """Stored sweeps (``planner sweep``), newest first: name, base, variants, varied keys."""
    return list_sweeps(engine())


def sweep_points(name: str) -> pd.DataFrame:
    """One row per variant of sweep ``name``: ``scenario``, ``version``, each varied key's value
    (column named by the dotted key; lists joined by ';'), ``solved`` (every planner it has a
    plan of) and the headline KPIs (:data:`planner.compare.COMPARE_KPIS`, column by KPI name) of
    its plans on that version, as this user may see them; KPIs without any value left out."""
    records = []
    for variant in sweep_variants(engine(), name):
        found = plans(variant.scenario, variant.version)
        values = {
            key: ";".join(map(str, v)) if isinstance(v, list) else v
            for key, v in variant.parameters.items()
        }
        kpis = {
            kpi: found[planner].kpis.get(kpi) if planner in found else None
            for planner, kpi in COMPARE_KPIS
        }
        records.append(
            {
                "scenario": variant.scenario,
                "version": variant.version,
                **values,
                "solved": ", ".join(found),
                **kpis,
            }
        )
    frame = pd.DataFrame(records)
    return frame.dropna(axis=1, how="all") if not frame.empty else frame


@st.cache_data(show_spinner=False, max_entries=256)
def _kpis(url: str, run_id: int) -> dict[str, float | None]:
    return run_kpis(_engine(url), run_id)


def rows(run_id: int, table: str) -> pd.DataFrame:
    """A finished run's result rows of ``table`` (a key of :data:`RESULT_TABLES`) that the
    signed-in user may see: rows of their counties only (:data:`ROW_COUNTY`); a row whose
    county is unknown only for a user who sees every county. A route stop also needs its
    route's hub in their counties, so a route from another county's hub shows nothing."""
    frame = _rows(db_url(), run_id, table)
    acc = current_access()
    if acc.everything:
        return frame
    keep = _row_counties(run_id, table, frame).isin(acc.counties or ())
    if table == "route_stop":
        keep &= _place_counties(frame["hub_id"]).isin(acc.counties or ())
    return frame[keep].reset_index(drop=True)


def _row_counties(run_id: int, table: str, frame: pd.DataFrame) -> pd.Series:
    """The county code of each row of ``frame`` ("" when unknown)."""
    kind, column = ROW_COUNTY[table]
    if kind == "county":
        return frame[column].fillna("").astype(str)
    if kind == "clinician":
        return frame[column].map(_run_homes(db_url(), run_id)).fillna("")
    return _place_counties(frame[column])


def _place_counties(places: pd.Series) -> pd.Series:
    """County codes of places stored by locality id, else by place name, else by kommun code
    (its first two digits); "" when none matches."""
    known = localities()
    by_id = dict(zip(known["locality_id"], known["county_code"], strict=True))
    by_name = dict(
        zip(
            known.drop_duplicates("name")["name"],
            known.drop_duplicates("name")["county_code"],
            strict=True,
        )
    )
    kommuner = set(known["kommun_code"])

    def county(place: object) -> str:
        key = str(place)
        if key in by_id:
            return str(by_id[key])
        if key in by_name:
            return str(by_name[key])
        return key[:2] if key in kommuner else ""

    return places.map(county)


@st.cache_data(show_spinner=False, max_entries=64)
def _rows(url: str, run_id: int, table: str) -> pd.DataFrame:
    model = RESULT_TABLES[table]
    records = run_rows(_engine(url), run_id, model)
    columns = list(model.model_fields)
    frame = pd.DataFrame([r.model_dump() for r in records], columns=columns)
    return frame.drop(columns=["run_id"])


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


def clinician_home_counties(name: str, version: int) -> dict[str, str]:
    """Clinician id -> home county, from the scenario's seeded clinician pool, for the
    clinicians of the signed-in user's counties.

    The store keeps shifts, not the pool; the staffing planner builds its pool with
    :func:`planner.demo_data.clinician_pool` from the scenario's seed, start week and horizon,
    so the same call gives the same people.
    """
    acc = current_access()
    homes = _home_counties(db_url(), name, version)
    return {cid: county for cid, county in homes.items() if acc.allows(county)}


@st.cache_data(show_spinner=False, max_entries=64)
def _run_homes(url: str, run_id: int) -> dict[str, str]:
    """Clinician id -> home county for the scenario version a run solved (all clinicians)."""
    run = get_run(_engine(url), run_id)
    with session(_engine(url)) as db:
        record = db.get(ScenarioRecord, run.scenario_id) if run is not None else None
    if record is None:
        return {}
    return _home_counties(url, record.name, record.version)


@st.cache_data(show_spinner=False, max_entries=16)
def _home_counties(url: str, name: str, version: int) -> dict[str, str]:
    _, parsed = get_scenario(_engine(url), name, version)
    s = parsed.staffing
    pool = clinician_pool(
        s.clinicians, week_monday(parsed.scenario.start_week), s.horizon_days, parsed.scenario.seed
    )
    return {c.clinician_id: c.home_county for c in pool}


def copy_scenario(
    base: Scenario, new_name: str, description: str, changes: dict[str, dict[str, Any]]
) -> dict[str, Any]:
    """Store a copy of ``base`` under ``new_name`` with section keys changed; returns name/version.

    Validation is the scenario model's own (strict) and the place names' (as `planner scenario
    create`); a bad value raises ``ScenarioError`` with the key named. Only a user with the
    ``create`` right may store, and a county-limited user only a scenario of their counties
    (:func:`~dashboard.services.access.authorize`: an ``AccessError`` says why not).
    """
    data = base.to_dict()
    data["scenario"] = {**data["scenario"], "name": new_name, "description": description}
    for section, values in changes.items():
        data[section] = {**data[section], **values}
    parsed = scenario_from_dict(data, source="dashboard form")
    authorize(current_access(), "create", parsed)
    check_places(parsed, source="dashboard form")
    record = save_scenario(
        engine(),
        parsed,
        source=f"dashboard copy of {base.name}",
        input_folder=input_folder_of(engine(), base),  # it reads the base's files
    )
    return {"name": record.name, "version": record.version}
