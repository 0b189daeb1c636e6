"""The planners ``planner solve NAME`` can run, by name, in the order ``solve all`` runs them.

Plain imports, so tools and readers see every edge; a new planner adds its orchestration
module here (see ARCHITECTURE.md).
"""

from __future__ import annotations

from planner.orchestration.context import PlannerFn
from planner.orchestration.continuity import run_continuity
from planner.orchestration.placement import run_placement
from planner.orchestration.routing import run_routing
from planner.orchestration.staffing import run_staffing

#: name -> planner function. Placement first: staffing and routing build on its stored plan.
PLANNERS: dict[str, PlannerFn] = {
    "placement": run_placement,
    "staffing": run_staffing,
    # What it takes to reach the continuity target: requests and the roster re-solved with them.
    "continuity": run_continuity,
    "routing": run_routing,
}

#: The scenario section whose ``time_limit_s`` a planner runs under, when not its own name.
PLANNER_SECTION: dict[str, str] = {"continuity": "staffing"}

#: How people call each planner's plan (CLI summaries, dashboard pages).
PLANNER_TITLES: dict[str, str] = {
    "placement": "Mobile clinics",
    "staffing": "Staffing",
    "continuity": "Continuity (requests)",
    "routing": "Spirometers",
}

#: Result table -> the planners whose runs write it, the usual one first (every run writes
#: ``run_kpi``). ``planner export rows`` picks the planner from the table with it.
TABLE_PLANNERS: dict[str, tuple[str, ...]] = {
    "placement": ("placement",),
    "shift": ("staffing", "continuity"),
    "follow_up": ("staffing", "continuity"),
    "availability_request": ("continuity",),
    "route_stop": ("routing",),
    "shipment": ("routing",),
    "courier_route": ("routing",),
}

#: Every planner the project offers, in the order ``solve all`` runs them.
PLANNER_NAMES = tuple(PLANNERS)


def available_planners() -> list[str]:
    """Planner names that can run in this build (the built-in ones, then any added at run time)."""
    return [name for name in PLANNER_NAMES if name in PLANNERS] + sorted(
        set(PLANNERS) - set(PLANNER_NAMES)
    )
