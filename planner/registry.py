"""The planners ``planner solve NAME`` can run, by name, in the order ``solve all`` runs them.

Plain imports, so tools and readers see every edge; a new planner adds its orchestration
module here (see ARCHITECTURE.md).
"""

from __future__ import annotations

from planner.orchestration.context import PlannerFn
from planner.orchestration.placement import run_placement
from planner.orchestration.routing import run_routing
from planner.orchestration.staffing import run_staffing

#: name -> planner function. Placement first: staffing and routing build on its stored plan.
PLANNERS: dict[str, PlannerFn] = {
    "placement": run_placement,
    "staffing": run_staffing,
    "routing": run_routing,
}

#: Every planner the project offers, in the order ``solve all`` runs them.
PLANNER_NAMES = tuple(PLANNERS)


def available_planners() -> list[str]:
    """Planner names that can run in this build (the built-in ones, then any added at run time)."""
    return [name for name in PLANNER_NAMES if name in PLANNERS] + sorted(
        set(PLANNERS) - set(PLANNER_NAMES)
    )
