"""Routing: vehicle routing with time windows, the spirometer loan cycle, a travel network.

A pure library (no planner, no dashboard, no files but the caller's). The public names:

* the VRP: :class:`Problem` of :class:`Depot`, :class:`Vehicle`, :class:`Stop` and an
  :class:`Objective` (:mod:`routing.problem`); :func:`solve` with :class:`SolveParams`
  (:mod:`routing.solve`, :mod:`routing.params`) -> :class:`Solution` of :class:`Route`
  (:mod:`routing.solution`); :func:`evaluate` -> :class:`Evaluation` (:mod:`routing.kpi`);
* the spirometer loan cycle: :class:`Calendar`, :class:`CycleParams`, :class:`Request`,
  :class:`Loan`, :func:`check_cycle` (:mod:`routing.cycle`); :func:`simulate` and
  :func:`fleet_size` (:mod:`routing.fleet`);
* Solomon instances: :mod:`routing.solomon`.
"""

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
from routing.params import ProgressCallback, SolveParams
from routing.problem import Depot, Objective, Problem, Stop, Vehicle, VRPError
from routing.solution import Route, Solution
from routing.solve import solve

__all__ = [
    "Calendar",
    "CycleParams",
    "CycleViolation",
    "Depot",
    "Evaluation",
    "FleetError",
    "FleetSize",
    "HubFleet",
    "Loan",
    "Objective",
    "Problem",
    "ProgressCallback",
    "Request",
    "Route",
    "Router",
    "Simulation",
    "Solution",
    "SolveParams",
    "Stop",
    "VRPError",
    "Vehicle",
    "Violation",
    "check_cycle",
    "evaluate",
    "fleet_size",
    "schedule",
    "simulate",
    "smallest_pool",
    "solve",
]
