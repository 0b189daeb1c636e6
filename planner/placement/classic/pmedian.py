"""The p-median problem solved with MathOpt + HiGHS (the problem: :class:`PMedianProblem`).

How the p-median is kept fast (measured on OR-Library pmed1..20, see benchmarks/README.md):

* the compact formulation of Cornuejols, Nemhauser & Wolsey (1980) as tightened by Elloumi
  (2010): per client only the *distinct* distances up to the (m - p + 1)-th smallest matter, and
  one continuous variable per distance level replaces a row of assignment variables. Its LP
  bound equals that of the strong assignment formulation (within 1 % of the optimum on the pmed
  instances we looked at, equal to it on pmed1);
* the level constraints are chained (``z[k] >= z[k-1] - sum(y at level k)``), so each facility
  appears once per client instead of once per level: O(m) non-zeros per client, not O(m^2);
* the model is written as a ``ModelProto`` straight from numpy arrays;
* a greedy + vertex-substitution (Teitz-Bart) heuristic runs first and its value becomes HiGHS's
  ``objective_bound`` cutoff, so HiGHS fixes most facilities shut by reduced cost at the root
  and can skip its own primal heuristics. Its facilities are returned when HiGHS finds nothing
  better. (MathOpt accepts solution hints for HiGHS but, with ortools 9.15, HiGHS never
  reports using one, so hints are not used.)
"""

from __future__ import annotations

import math
import time

import numpy as np
from ortools.math_opt import model_pb2
from ortools.math_opt.python import mathopt

from planner.placement.classic.problems import (
    LocationSolution,
    PMedianProblem,
    evaluate_pmedian,
    nearest,
)
from planner.placement.classic.proto import model_proto, open_facilities
from planner.placement.mip import relative_gap, solve_mip
from planner.placement.progress import ProgressCallback


def pmedian_heuristic(problem: PMedianProblem, *, max_seconds: float = 5.0) -> tuple[int, ...]:
    """A good set of p facilities: greedy addition, then first-improvement swaps.

    Each swap pass tries, for every open facility, all closed ones at once (numpy over the
    cost matrix, using the nearest and second-nearest open distance of every demand point).
    Stops at a local optimum or after ``max_seconds``; deterministic.
    """
    started = time.perf_counter()
    cost, w, p = problem.cost, problem.weights, problem.p
    m = problem.n_facilities
    keep = w > 0
    if not keep.any():
        return tuple(range(p))
    cost, w = cost[keep], w[keep]

    # Greedy: add the facility that lowers the total most.
    current = np.full(cost.shape[0], np.inf)
    chosen: list[int] = []
    is_open = np.zeros(m, dtype=bool)
    for _ in range(p):
        totals = w @ np.minimum(cost, current[:, None]) if chosen else w @ cost
        totals[is_open] = np.inf
        j = int(np.argmin(totals))
        chosen.append(j)
        is_open[j] = True
        current = np.minimum(current, cost[:, j])

    def twonearest(open_idx: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        sub = cost[:, open_idx]
        if len(open_idx) == 1:
            return open_idx[np.zeros(len(sub), dtype=int)], sub[:, 0], np.full(len(sub), np.inf)
        part = np.argpartition(sub, 1, axis=1)[:, :2]
        d = np.take_along_axis(sub, part, axis=1)
        swap = d[:, 1] < d[:, 0]
        part[swap] = part[swap][:, ::-1]
        d[swap] = d[swap][:, ::-1]
        return open_idx[part[:, 0]], d[:, 0], d[:, 1]

    open_idx = np.array(sorted(chosen))
    best = float(w @ current)
    improved = True
    while improved and time.perf_counter() - started < max_seconds:
        improved = False
        for pos in range(p):
            near, d1, d2 = twonearest(open_idx)
            out = open_idx[pos]
            base = np.where(near == out, d2, d1)  # distance once `out` closes
            totals = w @ np.minimum(cost, base[:, None])
            totals[is_open] = np.inf
            j = int(np.argmin(totals))
            if totals[j] < best - 1e-9 * max(1.0, abs(best)):
                best = float(totals[j])
                is_open[out], is_open[j] = False, True
                open_idx[pos] = j
                improved = True
            if time.perf_counter() - started >= max_seconds:
                break
    return tuple(sorted(int(j) for j in open_idx))


def _pmedian_proto(problem: PMedianProblem) -> model_pb2.ModelProto:
    """Elloumi's formulation with chained level constraints; variables 0..m-1 are y."""
    m, p = problem.n_facilities, problem.p
    # Row 0: sum(y) == p. Then per client, one row per distance level but the last.
    rows: list[np.ndarray] = [np.zeros(m, dtype=np.int64)]
    cols: list[np.ndarray] = [np.arange(m, dtype=np.int64)]
    coefs: list[np.ndarray] = [np.ones(m)]
    con_lb: list[np.ndarray] = [np.array([float(p)])]
    obj_z: list[np.ndarray] = []
    offset = 0.0
    next_row, next_var = 1, m
    reach = m - p + 1  # some open facility is always among the `reach` nearest
    for i in np.flatnonzero(problem.weights > 0):
        w = float(problem.weights[i])
        order = np.argsort(problem.cost[i], kind="stable")[:reach]
        dist = problem.cost[i, order]
        levels = np.unique(dist)
        offset += w * float(levels[0])
        k_count = len(levels) - 1  # z variables / rows for this client
        if k_count == 0:
            continue
        level_of = np.searchsorted(levels, dist)
        inside = level_of < k_count  # facilities at the last level never matter
        z = next_var + np.arange(k_count, dtype=np.int64)
        r = next_row + np.arange(k_count, dtype=np.int64)
        # sum(y at level k) + z[k] - z[k-1] >= 0  (>= 1 for k = 0, where there is no z[-1])
        rows += [r[level_of[inside]], r, r[1:]]
        cols += [order[inside].astype(np.int64), z, z[:-1]]
        coefs += [np.ones(int(inside.sum())), np.ones(k_count), -np.ones(k_count - 1)]
        lb = np.zeros(k_count)
        lb[0] = 1.0
        con_lb.append(lb)
        obj_z.append(w * np.diff(levels))
        next_row += k_count
        next_var += k_count
    n_z = next_var - m
    lb_all = np.concatenate(con_lb)
    ub_all = np.full(len(lb_all), np.inf)
    ub_all[0] = float(p)
    return model_proto(
        var_lb=np.zeros(next_var),
        var_ub=np.concatenate([np.ones(m), np.full(n_z, np.inf)]),
        var_int=np.concatenate([np.ones(m, dtype=bool), np.zeros(n_z, dtype=bool)]),
        obj=np.concatenate([np.zeros(m), *obj_z]) if obj_z else np.zeros(m),
        offset=offset,
        maximize=False,
        con_lb=lb_all,
        con_ub=ub_all,
        rows=np.concatenate(rows),
        cols=np.concatenate(cols),
        coefs=np.concatenate(coefs),
    )


#: Relative gap within which a solution counts as optimal (the default of ``solve_mip``).
GAP_TOLERANCE = 1e-4

#: HiGHS settings for the p-median once a heuristic incumbent sets the cutoff. Measured on
#: pmed1..20 (benchmarks/README.md): HiGHS's own primal heuristics (sub-MIPs) and long cut
#: rounds cost most of the time on the small-p instances and barely move the bound there.
_PMEDIAN_HIGHS = {
    "mip_heuristic_effort": 0.0,
    "mip_heuristic_run_rins": False,
    "mip_heuristic_run_rens": False,
    "mip_pool_soft_limit": 1,
}


def solve_pmedian(
    problem: PMedianProblem,
    time_limit_s: float = 60.0,
    on_progress: ProgressCallback | None = None,
) -> LocationSolution:
    """Solve a p-median problem to proven optimality within ``time_limit_s`` if possible.

    A greedy + swap heuristic (:func:`pmedian_heuristic`) runs first. HiGHS then searches only
    for strictly better solutions (its ``objective_bound`` cutoff is set just below the
    heuristic's value), which lets it fix most facilities shut by reduced cost at the root.
    The better of the two is returned; "OPTIMAL" means proven within a relative gap of
    :data:`GAP_TOLERANCE` (exactly, when all costs and weights are integers).
    """
    started = time.perf_counter()
    heuristic = np.array(
        pmedian_heuristic(problem, max_seconds=max(0.05, 0.1 * time_limit_s)), dtype=int
    )
    best_value = evaluate_pmedian(problem, heuristic)
    integral = _integral_objective(problem)
    # Nothing strictly better than the heuristic can lie in (cutoff, best_value).
    margin = 0.5 if integral else 0.5 * GAP_TOLERANCE * max(1.0, abs(best_value))
    cutoff = best_value - margin
    model = mathopt.Model.from_model_proto(_pmedian_proto(problem))
    remaining = max(0.05, time_limit_s - (time.perf_counter() - started))
    outcome = solve_mip(
        model,
        time_limit_s=remaining,
        on_progress=on_progress,
        label="p-median",
        highs_options={**_PMEDIAN_HIGHS, "objective_bound": cutoff},
    )
    facilities, objective = heuristic, best_value
    if outcome.has_solution and outcome.objective is not None and outcome.objective < best_value:
        solved = open_facilities(model, outcome.result, problem.n_facilities)
        if len(solved) == problem.p:
            facilities, objective = solved, outcome.objective
    # HiGHS bounds only solutions below the cutoff; the heuristic accounts for the rest.
    if outcome.status == "INFEASIBLE":
        bound: float | None = cutoff  # proven: nothing below the cutoff
    elif outcome.bound is not None:
        bound = min(outcome.bound, cutoff, objective)
    else:
        bound = None
    if bound is not None and integral:
        bound = float(math.ceil(bound - 1e-6))
    gap = relative_gap(objective, bound)
    proven = (
        gap is not None
        and bound is not None
        and (gap <= GAP_TOLERANCE or objective - bound <= 1e-6)
    )
    return LocationSolution(
        status="OPTIMAL" if proven else "FEASIBLE",
        facilities=tuple(int(j) for j in facilities),
        assignment=tuple(int(j) for j in nearest(problem.cost, facilities)),
        objective=objective,
        bound=bound,
        gap=gap,
        seconds=time.perf_counter() - started,
    )


def _integral_objective(problem: PMedianProblem) -> bool:
    """True when every solution's objective is an integer (integer weights and costs)."""
    w = problem.weights
    used = problem.cost[w > 0]
    return bool(np.all(w == np.round(w)) and np.all(used == np.round(used)))
