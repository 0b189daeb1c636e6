"""Routing: vehicle routing with time windows, the spirometer loan cycle, a travel network.

A pure library (no planner, no dashboard, no files but the caller's). The public names:

* the VRP: :class:`Problem` of :class:`Depot`, :class:`Vehicle`, :class:`Stop` and an
  :class:`Objective` (:mod:`routing.problem`); :func:`solve` with :class:`SolveParams`
  (:mod:`routing.solve`, :mod:`routing.params`) -> :class:`Solution` of :class:`Route`
  (:mod:`routing.solution`); :func:`evaluate` -> :class:`Evaluation` (:mod:`routing.kpi`);
* Solomon instances: :mod:`routing.solomon`.
"""

from routing.kpi import Evaluation, Violation, evaluate, schedule
from routing.params import ProgressCallback, SolveParams
from routing.problem import Depot, Objective, Problem, Stop, Vehicle, VRPError
from routing.solution import Route, Solution
from routing.solve import solve

__all__ = [
    "Depot",
    "Evaluation",
    "Objective",
    "Problem",
    "ProgressCallback",
    "Route",
    "Solution",
    "SolveParams",
    "Stop",
    "VRPError",
    "Vehicle",
    "Violation",
    "evaluate",
    "schedule",
    "solve",
]
