"""Classic single-period location models from a cost matrix: p-median and maximal covering.

The same engine as the multi-period placement model (MathOpt + HiGHS through
:func:`planner.placement.mip.solve_mip`) solves the two textbook models spopt offers:

* :class:`PMedianProblem` / :func:`solve_pmedian` (:mod:`.pmedian`): open ``p`` facilities,
  minimise the weighted distance from every demand point to its nearest open facility.
* :class:`MCLPProblem` / :func:`solve_mclp` (:mod:`.mclp`): open ``p`` facilities, maximise the
  demand weight within ``service_radius`` of an open facility.

Problems, solutions and the solver-free :func:`evaluate_pmedian` / :func:`evaluate_mclp` are in
:mod:`.problems`; both models are written by the shared builder in :mod:`.proto`; OR-Library
pmed instances are read by :mod:`.orlib`. MathOpt objects never leave the solve functions.
"""

from planner.placement.classic.mclp import solve_mclp
from planner.placement.classic.orlib import PMedInstance, parse_pmed, read_pmed
from planner.placement.classic.pmedian import GAP_TOLERANCE, pmedian_heuristic, solve_pmedian
from planner.placement.classic.problems import (
    LocationSolution,
    MCLPProblem,
    PMedianProblem,
    evaluate_mclp,
    evaluate_pmedian,
)

__all__ = [
    "GAP_TOLERANCE",
    "LocationSolution",
    "MCLPProblem",
    "PMedInstance",
    "PMedianProblem",
    "evaluate_mclp",
    "evaluate_pmedian",
    "parse_pmed",
    "pmedian_heuristic",
    "read_pmed",
    "solve_mclp",
    "solve_pmedian",
]
