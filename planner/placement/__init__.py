"""Mobile-clinic placement: where each unit stands each week (and the classic location models).

A pure library: it imports nothing from the rest of ``planner/`` (nor ``dashboard/``,
``staffing/``, ``routing/``); ``planner.orchestration.placement`` builds its problems from
scenario data and reports its errors as the app's.

Public API: build a :class:`PlacementProblem`, call :func:`solve`, read KPIs with
:func:`evaluate`. The classic p-median and maximal covering models are in
:mod:`planner.placement.classic`.
"""

from planner.placement.errors import (
    OrLibraryFormatError,
    PlacementError,
    PlacementInfeasibleError,
    PlacementInputError,
)
from planner.placement.kpi import PlacementKpis, Violation, evaluate
from planner.placement.problem import (
    DemandPoint,
    PlacementProblem,
    PlacementSolution,
    RegionContract,
    Site,
    SolveParams,
)
from planner.placement.progress import ProgressCallback
from planner.placement.solve import solve

__all__ = [
    "DemandPoint",
    "OrLibraryFormatError",
    "PlacementError",
    "PlacementInfeasibleError",
    "PlacementInputError",
    "PlacementKpis",
    "PlacementProblem",
    "PlacementSolution",
    "ProgressCallback",
    "RegionContract",
    "Site",
    "SolveParams",
    "Violation",
    "evaluate",
    "solve",
]
