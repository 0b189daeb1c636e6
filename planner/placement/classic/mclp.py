"""The maximal covering location problem solved with MathOpt + HiGHS."""

from __future__ import annotations

import time

import numpy as np
from ortools.math_opt import model_pb2
from ortools.math_opt.python import mathopt

from planner.placement.classic.problems import LocationSolution, MCLPProblem
from planner.placement.classic.proto import model_proto, open_facilities
from planner.placement.mip import solve_mip
from planner.placement.progress import ProgressCallback


def _mclp_proto(problem: MCLPProblem) -> model_pb2.ModelProto:
    """Variables 0..m-1 are y, then one x per demand point that some facility can cover."""
    m, p = problem.n_facilities, problem.p
    coverable = np.flatnonzero(problem.covers.any(axis=1) & (problem.weights > 0))
    n_x = len(coverable)
    x = m + np.arange(n_x, dtype=np.int64)
    r = 1 + np.arange(n_x, dtype=np.int64)
    ci, cj = np.nonzero(problem.covers[coverable])
    # Row 0: sum(y) == p; row 1 + k: x_k - sum(y covering k) <= 0.
    return model_proto(
        var_lb=np.zeros(m + n_x),
        var_ub=np.ones(m + n_x),
        var_int=np.concatenate([np.ones(m, dtype=bool), np.zeros(n_x, dtype=bool)]),
        obj=np.concatenate([np.zeros(m), problem.weights[coverable]]),
        offset=0.0,
        maximize=True,
        con_lb=np.concatenate([[float(p)], np.full(n_x, -np.inf)]),
        con_ub=np.concatenate([[float(p)], np.zeros(n_x)]),
        rows=np.concatenate([np.zeros(m, dtype=np.int64), r, r[ci]]),
        cols=np.concatenate([np.arange(m, dtype=np.int64), x, cj.astype(np.int64)]),
        coefs=np.concatenate([np.ones(m), np.ones(n_x), -np.ones(len(ci))]),
    )


def solve_mclp(
    problem: MCLPProblem,
    time_limit_s: float = 60.0,
    on_progress: ProgressCallback | None = None,
) -> LocationSolution:
    """Solve a maximal covering problem within ``time_limit_s``."""
    started = time.perf_counter()
    model = mathopt.Model.from_model_proto(_mclp_proto(problem))
    outcome = solve_mip(model, time_limit_s=time_limit_s, on_progress=on_progress, label="MCLP")
    facilities: np.ndarray = np.array([], dtype=int)
    assignment: tuple[int, ...] = ()
    if outcome.has_solution:
        facilities = open_facilities(model, outcome.result, problem.n_facilities)
        cover_cost = np.where(problem.covers[:, facilities], problem.cost[:, facilities], np.inf)
        best = np.argmin(cover_cost, axis=1)
        covered = np.isfinite(cover_cost[np.arange(problem.n_demand), best])
        assignment = tuple(int(j) for j in np.where(covered, facilities[best], -1))
    return LocationSolution(
        status=outcome.status,
        facilities=tuple(int(j) for j in facilities),
        assignment=assignment,
        objective=outcome.objective,
        bound=outcome.bound,
        gap=outcome.gap,
        seconds=time.perf_counter() - started,
    )
