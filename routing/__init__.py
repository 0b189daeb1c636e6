"""Routing: vehicle routing with time windows, the spirometer loan cycle, a travel network.

A pure library (no planner, no dashboard, no files but the caller's). The public names:

* the VRP: :class:`Problem` of :class:`Depot`, :class:`Vehicle`, :class:`Stop` and an
  :class:`Objective` (:mod:`routing.problem`); :func:`solve` with :class:`SolveParams`
  (:mod:`routing.solve`, :mod:`routing.params`) -> :class:`Solution` of :class:`Route`
  (:mod:`routing.solution`); :func:`evaluate` -> :class:`Evaluation` (:mod:`routing.kpi`);
* the spirometer loan cycle: :class:`Calendar`, :class:`CycleParams`, :class:`Request`,
  :class:`Loan`, :func:`check_cycle` (:mod:`routing.cycle`); :func:`simulate` and
  :func:`fleet_size` (:mod:`routing.fleet`);
* the travel network: :class:`Place`, :class:`FerryLink`, :class:`NetworkParams`,
  :class:`TravelNetwork` (:mod:`routing.network`), :func:`build_network`
  (:mod:`routing.network_build`), travel tables :class:`MatrixSource`, :class:`TravelMatrix`
  (:mod:`routing.matrix`);
* courier routes from a hub: :class:`CourierParams`, :func:`courier_fits`,
  :class:`DayRouter` (:mod:`routing.courier`);
* Solomon instances: :mod:`routing.solomon`.

The spirometer plan (mode rule, day-by-day plan, its KPIs) is used by module name,
:mod:`routing.spirometry`: its ``plan()`` and ``evaluate()`` are the plan's, not the VRP's; so
are the modes decided by cost, :mod:`routing.modes` (``ModeProblem`` -> ``solve`` ->
``ModeSolution``, ``evaluate``), with its prices and bills in :mod:`routing.costs` and its
CP-SAT model in :mod:`routing.modes_model`.
"""

from routing.courier import CourierParams, DayRouter, DayRoutes, courier_fits
from routing.cycle import (
    Calendar,
    CycleParams,
    CycleViolation,
    FleetError,
    Loan,
    Request,
    Router,
    Simulation,
    check_cycle,
)
from routing.fleet import FleetSize, HubFleet, fleet_size, simulate, smallest_pool
from routing.kpi import Evaluation, Violation, evaluate, schedule
from routing.matrix import MatrixSource, NetworkMatrixSource, StaticMatrixSource, TravelMatrix
from routing.network import (
    FerryLink,
    NetworkParams,
    Place,
    TravelNetwork,
    TravelRoute,
    haversine_km,
    shortest_paths,
)
from routing.network_build import build_network
from routing.params import ProgressCallback, SolveParams
from routing.problem import Depot, Objective, Problem, Stop, Vehicle, VRPError
from routing.solution import Route, Solution
from routing.solve import solve

__all__ = [
    "Calendar",
    "CourierParams",
    "CycleParams",
    "CycleViolation",
    "DayRouter",
    "DayRoutes",
    "Depot",
    "Evaluation",
    "FerryLink",
    "FleetError",
    "FleetSize",
    "HubFleet",
    "Loan",
    "MatrixSource",
    "NetworkMatrixSource",
    "NetworkParams",
    "Objective",
    "Place",
    "Problem",
    "ProgressCallback",
    "Request",
    "Route",
    "Router",
    "Simulation",
    "Solution",
    "SolveParams",
    "StaticMatrixSource",
    "Stop",
    "TravelMatrix",
    "TravelNetwork",
    "TravelRoute",
    "VRPError",
    "Vehicle",
    "Violation",
    "build_network",
    "check_cycle",
    "courier_fits",
    "evaluate",
    "fleet_size",
    "haversine_km",
    "schedule",
    "shortest_paths",
    "simulate",
    "smallest_pool",
    "solve",
]
