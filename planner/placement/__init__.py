"""Mobile-clinic placement: where each unit stands each week (and the classic location models).

Public API: build a :class:`PlacementProblem`, call :func:`solve`, read KPIs with
:func:`evaluate`.
"""

from planner.placement.kpi import PlacementKpis, Violation, evaluate
from planner.placement.problem import (
    DemandPoint,
    PlacementInfeasibleError,
    PlacementInputError,
    PlacementProblem,
    PlacementSolution,
    RegionContract,
    Site,
    SolveParams,
)
from planner.placement.solve import solve

__all__ = [
    "DemandPoint",
    "PlacementInfeasibleError",
    "PlacementInputError",
    "PlacementKpis",
    "PlacementProblem",
    "PlacementSolution",
    "RegionContract",
    "Site",
    "SolveParams",
    "Violation",
    "evaluate",
    "solve",
]
