"""Stored scenarios and runs as pages show them: the database, cached reads, scenario copies.

A finished run never changes, so everything keyed by a run id (KPIs, result rows) is cached
with ``st.cache_data`` for the life of the server. Which run is the latest of a scenario is a
small query that is NOT cached, so a plan stored by the CLI or another user shows up on the
next page load.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import pandas as pd
import streamlit as st
from sqlalchemy.engine import Engine
from sqlmodel import SQLModel

from planner.demo_data import clinician_pool
from planner.registry import PLANNER_NAMES, available_planners
from planner.scenario import Scenario, check_places, scenario_from_dict
from planner.storage import (
    database_url,
    get_scenario,
    latest_run,
    list_scenarios,
    open_database,
    run_kpis,
    run_rows,
    save_scenario,
)
from planner.storage.models import (
    AvailabilityRequest,
    CourierRoute,
    FollowUpAssignment,
    Placement,
    RouteStop,
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

#: How pages title each planner's plan.
PLANNER_TITLES = {
    "placement": "Mobile clinics",
    "staffing": "Staffing",
    "continuity": "Continuity (requests)",
    "routing": "Spirometers",
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
        if run is None:
            continue
        assert run.id is not None, "a stored run has an id"
        out[planner] = Plan(
            planner,
            run.id,
            run.solver_status,
            run.seconds,
            run.finished_at,
            run.message,
            kpis(run.id),
        )
    return out


def kpis(run_id: int) -> dict[str, float | None]:
    """A finished run's KPIs by name (cached: finished runs never change)."""
    return _kpis(db_url(), run_id)


@st.cache_data(show_spinner=False, max_entries=256)
def _kpis(url: str, run_id: int) -> dict[str, float | None]:
    return run_kpis(_engine(url), run_id)


def rows(run_id: int, table: str) -> pd.DataFrame:
    """A finished run's result rows of ``table`` (a key of :data:`RESULT_TABLES`)."""
    return _rows(db_url(), run_id, table)


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
    """Clinician id -> home county, from the scenario's seeded clinician pool.

    The store keeps shifts, not the pool; the staffing planner builds its pool with
    :func:`planner.demo_data.clinician_pool` from the scenario's seed, start week and horizon,
    so the same call gives the same people. Used only to filter the roster by county.
    """
    return _home_counties(db_url(), name, version)


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
    create`); a bad value raises ``ScenarioError`` with the key named.
    """
    data = base.to_dict()
    data["scenario"] = {**data["scenario"], "name": new_name, "description": description}
    for section, values in changes.items():
        data[section] = {**data[section], **values}
    parsed = scenario_from_dict(data, source="dashboard form")
    check_places(parsed, source="dashboard form")
    record = save_scenario(engine(), parsed, source=f"dashboard copy of {base.name}")
    return {"name": record.name, "version": record.version}
