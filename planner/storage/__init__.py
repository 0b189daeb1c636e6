"""Storage: SQLModel tables, engine and migrations, and the scenario/run store."""

from planner.storage.database import database_url, make_engine, migrate, open_database
from planner.storage.store import (
    RunOutcome,
    beat,
    fail_run,
    finish_run,
    get_run,
    get_scenario,
    id_of,
    latest_run,
    list_runs,
    list_scenarios,
    reap_stale_runs,
    run_kpis,
    run_rows,
    save_scenario,
    start_run,
)

__all__ = [
    "RunOutcome",
    "beat",
    "database_url",
    "fail_run",
    "finish_run",
    "get_run",
    "get_scenario",
    "id_of",
    "latest_run",
    "list_runs",
    "list_scenarios",
    "make_engine",
    "migrate",
    "open_database",
    "reap_stale_runs",
    "run_kpis",
    "run_rows",
    "save_scenario",
    "start_run",
]
