"""The dashboard's only bridge to the library: pages call these names and nothing else.

Pages (``dashboard/views``) and the maps import this package and nothing under ``planner``,
``staffing`` or ``routing``; it holds no optimisation logic (solves are handed to
:func:`planner.runs.execute` in a child process). One module per job:

* :mod:`~dashboard.services.store`: the database, stored scenarios and runs (finished runs'
  KPIs and rows cached for the life of the server), planner names, scenario copies;
* :mod:`~dashboard.services.geography`: county and kommun names, localities, county boxes and
  map tiles simplified for a zoom (cached);
* :mod:`~dashboard.services.access`: sign-in, the ``[roles]`` that limit users to counties and
  the ``[permissions]`` to store and solve scenarios (every read below goes through them);
* :mod:`~dashboard.services.exports`: roster CSV/XLSX/iCalendar, availability requests as
  CSV/Excel CSV/XLSX, and table XLSX downloads;
* :mod:`~dashboard.services.jobs`: background solves with progress for ``st.progress``;
* :mod:`~dashboard.services.explain`: miss reasons and continuity measures in plain words.
"""

from dashboard.services.access import (
    Access,
    AccessError,
    access_for,
    auth_enabled,
    authorize,
    current_access,
    within_counties,
)
from dashboard.services.demand import unit_demand
from dashboard.services.explain import (
    HEADLINES,
    PlanQuality,
    continuity_measures,
    format_kpi,
    format_share,
    kpi_better,
    kpi_change,
    kpi_help,
    kpi_info,
    local_times,
    miss_reasons,
    number,
    plan_quality,
    run_time_words,
    status_words,
)
from dashboard.services.exports import (
    earlier_rosters,
    excel_bytes,
    request_lines,
    requests_csv,
    requests_xlsx,
    roster_context,
    roster_csv,
    roster_ics,
    roster_xlsx,
)
from dashboard.services.geography import (
    county_bounds,
    county_names,
    kommun_names,
    localities,
    tiles_geojson,
)
from dashboard.services.jobs import SolveJob, job, start_solve, wait
from dashboard.services.store import (
    Plan,
    clinician_home_counties,
    comparison,
    copy_scenario,
    db_url,
    default_scenario,
    no_plan_message,
    planner_names,
    plans,
    rows,
    runnable_planners,
    runs,
    scenario,
    scenarios,
    sweep_points,
    sweeps,
)
from planner.registry import PLANNER_TITLES
from planner.scenario import Scenario

__all__ = [
    "HEADLINES",
    "PLANNER_TITLES",
    "Access",
    "AccessError",
    "Plan",
    "PlanQuality",
    "Scenario",
    "SolveJob",
    "access_for",
    "auth_enabled",
    "authorize",
    "clinician_home_counties",
    "comparison",
    "continuity_measures",
    "copy_scenario",
    "county_bounds",
    "county_names",
    "current_access",
    "db_url",
    "default_scenario",
    "earlier_rosters",
    "excel_bytes",
    "format_kpi",
    "format_share",
    "job",
    "kommun_names",
    "kpi_better",
    "kpi_change",
    "kpi_help",
    "kpi_info",
    "local_times",
    "localities",
    "miss_reasons",
    "no_plan_message",
    "number",
    "plan_quality",
    "planner_names",
    "plans",
    "request_lines",
    "requests_csv",
    "requests_xlsx",
    "roster_context",
    "roster_csv",
    "roster_ics",
    "roster_xlsx",
    "rows",
    "run_time_words",
    "runnable_planners",
    "runs",
    "scenario",
    "scenarios",
    "start_solve",
    "status_words",
    "sweep_points",
    "sweeps",
    "tiles_geojson",
    "unit_demand",
    "wait",
    "within_counties",
]
