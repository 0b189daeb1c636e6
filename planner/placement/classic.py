"""Classic single-period location models from a cost matrix: p-median and maximal covering.

The same engine as the multi-period placement model (MathOpt + HiGHS through
:func:`planner.placement.mip.solve_mip`) solves the two textbook models spopt offers:

* :class:`PMedianProblem` / :func:`solve_pmedian`: open ``p`` facilities, minimise the weighted
  distance from every demand point to its nearest open facility.
* :class:`MCLPProblem` / :func:`solve_mclp`: open ``p`` facilities, maximise the demand weight
  within ``service_radius`` of an open facility.

Problems are frozen and validated when built (:class:`PlacementInputError` names the bad entry);
:func:`evaluate_pmedian` and :func:`evaluate_mclp` score any set of facilities without a solver
and are the oracle the tests hold the solver to. MathOpt objects never leave the solve functions.

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

import dataclasses
import math
import time
from dataclasses import dataclass

import numpy as np
from ortools.math_opt import model_pb2
from ortools.math_opt.python import mathopt

from planner.placement.mip import ProgressFn, relative_gap, solve_mip
from planner.placement.problem import PlacementInputError

__all__ = [
    "LocationSolution",
    "MCLPProblem",
    "PMedianProblem",
    "PlacementInputError",
    "evaluate_mclp",
    "evaluate_pmedian",
    "pmedian_heuristic",
    "solve_mclp",
    "solve_pmedian",
]


# --------------------------------------------------------------------------------------------
# Problems
# --------------------------------------------------------------------------------------------


def _check_cost(cost: object) -> np.ndarray:
    arr = np.array(cost, dtype=float, copy=True)
    if arr.ndim != 2:
        raise PlacementInputError(
            f"cost must be a 2-D matrix (demand x facilities), got {arr.ndim} dimension(s)"
        )
    if arr.shape[0] < 1 or arr.shape[1] < 1:
        raise PlacementInputError(f"cost must have at least one row and column, got {arr.shape}")
    bad = ~np.isfinite(arr)
    if bad.any():
        i, j = (int(v) for v in np.argwhere(bad)[0])
        raise PlacementInputError(f"cost[{i}, {j}] is not finite ({arr[i, j]})")
    if (arr < 0).any():
        i, j = (int(v) for v in np.argwhere(arr < 0)[0])
        raise PlacementInputError(f"cost[{i}, {j}] is negative ({arr[i, j]})")
    arr.setflags(write=False)
    return arr


def _check_weights(weights: object, n_demand: int) -> np.ndarray:
    if weights is None:
        arr = np.ones(n_demand)
    else:
        arr = np.array(weights, dtype=float, copy=True)
        if arr.ndim == 2 and 1 in arr.shape:
            arr = arr.reshape(-1)  # spopt accepts a column vector
        if arr.shape != (n_demand,):
            raise PlacementInputError(
                f"weights must have one entry per demand point ({n_demand}), got shape {arr.shape}"
            )
        bad = ~np.isfinite(arr) | (arr < 0)
        if bad.any():
            i = int(np.flatnonzero(bad)[0])
            raise PlacementInputError(f"weights[{i}] must be a finite number >= 0, got {arr[i]}")
    arr.setflags(write=False)
    return arr


def _check_p(p: object, n_facilities: int) -> int:
    if isinstance(p, bool) or not isinstance(p, (int, np.integer)):
        raise PlacementInputError(f"p must be an integer, got {p!r}")
    if not 1 <= p <= n_facilities:
        raise PlacementInputError(
            f"p must be between 1 and the number of facilities ({n_facilities}), got {p}"
        )
    return int(p)


@dataclass(frozen=True, eq=False)
class PMedianProblem:
    r"""The p-median problem (Hakimi 1964; ReVelle & Swain 1970).

    Open exactly :math:`p` of the candidate facilities :math:`J` so that the weighted distance
    from every demand point :math:`i \in I` to its nearest open facility is smallest:

    .. math::

        \min \sum_{i \in I} \sum_{j \in J} a_i d_{ij} x_{ij}

        \text{s.t.} \quad \sum_{j \in J} x_{ij} = 1 \quad \forall i \in I,
        \qquad x_{ij} \le y_j \quad \forall i, j,
        \qquad \sum_{j \in J} y_j = p,

        x_{ij} \ge 0, \qquad y_j \in \{0, 1\}

    with :math:`a_i` the demand weight (``weights``), :math:`d_{ij}` the cost (``cost``),
    :math:`y_j = 1` when facility :math:`j` opens and :math:`x_{ij}` the share of :math:`i`
    served by :math:`j`. :func:`solve_pmedian` solves the equivalent, much smaller formulation
    of Elloumi (2010): with :math:`D_i^1 < \dots < D_i^{K_i}` the distinct distances of
    :math:`i` up to its :math:`(|J| - p + 1)`-th smallest,

    .. math::

        \min \sum_i a_i \Big(D_i^1 + \sum_{k=1}^{K_i - 1} (D_i^{k+1} - D_i^k)\, z_i^k\Big)
        \quad\text{s.t.}\quad
        z_i^k \ge 1 - \sum_{j:\, d_{ij} \le D_i^k} y_j,\; z_i^k \ge 0,\;
        \sum_j y_j = p,\; y_j \in \{0, 1\}

    (:math:`z_i^k = 1` when :math:`i` is farther than :math:`D_i^k` from every open facility).

    Build it with :meth:`from_cost_matrix`; change it with :func:`dataclasses.replace`.
    """

    cost: np.ndarray
    weights: np.ndarray
    p: int

    def __post_init__(self) -> None:
        cost = _check_cost(self.cost)
        object.__setattr__(self, "cost", cost)
        object.__setattr__(self, "weights", _check_weights(self.weights, cost.shape[0]))
        object.__setattr__(self, "p", _check_p(self.p, cost.shape[1]))

    @classmethod
    def from_cost_matrix(
        cls, cost: np.ndarray, weights: np.ndarray | None = None, p: int = 1
    ) -> PMedianProblem:
        """A p-median problem from a (demand x facilities) cost matrix; weights default to 1."""
        return cls(cost=cost, weights=weights, p=p)  # type: ignore[arg-type]

    @property
    def n_demand(self) -> int:
        """Number of demand points (rows of ``cost``)."""
        return int(self.cost.shape[0])

    @property
    def n_facilities(self) -> int:
        """Number of candidate facilities (columns of ``cost``)."""
        return int(self.cost.shape[1])

    def replace(self, **changes: object) -> PMedianProblem:
        """A copy with some fields changed (validated again)."""
        return dataclasses.replace(self, **changes)  # type: ignore[arg-type]


@dataclass(frozen=True, eq=False)
class MCLPProblem:
    r"""The maximal covering location problem (Church & ReVelle 1974).

    Open exactly :math:`p` facilities so that the demand weight within the service radius
    :math:`S` of at least one open facility is largest:

    .. math::

        \max \sum_{i \in I} a_i x_i

        \text{s.t.} \quad x_i \le \sum_{j \in N_i} y_j \quad \forall i \in I,
        \qquad \sum_{j \in J} y_j = p,

        0 \le x_i \le 1, \qquad y_j \in \{0, 1\}

    with :math:`N_i = \{j : d_{ij} \le S\}` the facilities that cover :math:`i`,
    :math:`a_i` the demand weight, :math:`y_j = 1` when :math:`j` opens and :math:`x_i = 1`
    when :math:`i` is covered (:math:`x` may be continuous: it is integral at every optimum
    with binary :math:`y`).

    Build it with :meth:`from_cost_matrix`; change it with :func:`dataclasses.replace`.
    """

    cost: np.ndarray
    weights: np.ndarray
    service_radius: float
    p: int

    def __post_init__(self) -> None:
        cost = _check_cost(self.cost)
        object.__setattr__(self, "cost", cost)
        object.__setattr__(self, "weights", _check_weights(self.weights, cost.shape[0]))
        radius = self.service_radius
        if isinstance(radius, bool) or not isinstance(radius, (int, float, np.number)):
            raise PlacementInputError(f"service_radius must be a number, got {radius!r}")
        if not math.isfinite(radius) or radius < 0:
            raise PlacementInputError(f"service_radius must be a finite number >= 0, got {radius}")
        object.__setattr__(self, "service_radius", float(radius))
        object.__setattr__(self, "p", _check_p(self.p, cost.shape[1]))

    @classmethod
    def from_cost_matrix(
        cls,
        cost: np.ndarray,
        weights: np.ndarray | None = None,
        service_radius: float = 0.0,
        p: int = 1,
    ) -> MCLPProblem:
        """An MCLP from a (demand x facilities) cost matrix; weights default to 1."""
        return cls(
            cost=cost,
            weights=weights,
            service_radius=service_radius,
            p=p,  # type: ignore[arg-type]
        )

    @property
    def n_demand(self) -> int:
        """Number of demand points (rows of ``cost``)."""
        return int(self.cost.shape[0])

    @property
    def n_facilities(self) -> int:
        """Number of candidate facilities (columns of ``cost``)."""
        return int(self.cost.shape[1])

    @property
    def covers(self) -> np.ndarray:
        """Boolean (demand x facilities) matrix: facility j covers demand point i."""
        return self.cost <= self.service_radius

    def replace(self, **changes: object) -> MCLPProblem:
        """A copy with some fields changed (validated again)."""
        return dataclasses.replace(self, **changes)  # type: ignore[arg-type]


@dataclass(frozen=True)
class LocationSolution:
    """A solved location problem: which facilities open, who goes where, and how sure we are.

    ``assignment[i]`` is the facility serving demand point ``i``: its nearest open facility for
    the p-median, the nearest open facility that covers it for the MCLP (-1 when uncovered).
    ``objective`` is the value of the returned facilities; ``bound`` the proven best possible
    value; ``gap`` their relative distance. ``status`` is "OPTIMAL" (proven within the
    solver's gap tolerance), "FEASIBLE", "INFEASIBLE" or "NO_SOLUTION".
    """

    status: str
    facilities: tuple[int, ...]
    assignment: tuple[int, ...]
    objective: float | None
    bound: float | None
    gap: float | None
    seconds: float

    def summary(self) -> str:
        """One line for people: status, objective, bound, gap and time."""
        obj = "-" if self.objective is None else f"{self.objective:g}"
        bound = "-" if self.bound is None else f"{self.bound:g}"
        gap = "-" if self.gap is None else f"{100 * self.gap:.3g}%"
        return (
            f"{self.status}: objective {obj}, bound {bound}, gap {gap}, "
            f"{len(self.facilities)} facilities, {self.seconds:.2f} s"
        )


# --------------------------------------------------------------------------------------------
# Evaluation (independent of any solver)
# --------------------------------------------------------------------------------------------


def _check_facilities(facilities: object, n_facilities: int) -> np.ndarray:
    arr = np.asarray(list(facilities), dtype=int)  # type: ignore[call-overload]
    if arr.size == 0:
        raise PlacementInputError("facilities must contain at least one facility index")
    if arr.min() < 0 or arr.max() >= n_facilities:
        bad = int(arr[(arr < 0) | (arr >= n_facilities)][0])
        raise PlacementInputError(f"facility index {bad} is outside 0..{n_facilities - 1}")
    return np.unique(arr)


def evaluate_pmedian(problem: PMedianProblem, facilities: object) -> float:
    """Weighted distance from every demand point to its nearest facility in ``facilities``."""
    open_ = _check_facilities(facilities, problem.n_facilities)
    nearest = problem.cost[:, open_].min(axis=1)
    return float(np.dot(problem.weights, nearest))


def evaluate_mclp(problem: MCLPProblem, facilities: object) -> float:
    """Demand weight within the service radius of at least one facility in ``facilities``."""
    open_ = _check_facilities(facilities, problem.n_facilities)
    covered = problem.covers[:, open_].any(axis=1)
    return float(problem.weights[covered].sum())


def _nearest(cost: np.ndarray, facilities: np.ndarray) -> np.ndarray:
    """Index (into the columns of ``cost``) of the nearest of ``facilities`` for every row;
    ties go to the lowest index."""
    return facilities[np.argmin(cost[:, facilities], axis=1)]


# --------------------------------------------------------------------------------------------
# p-median heuristic: greedy, then vertex substitution (Teitz & Bart 1968)
# --------------------------------------------------------------------------------------------


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

    def two_nearest(open_idx: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
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
            near, d1, d2 = two_nearest(open_idx)
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


# --------------------------------------------------------------------------------------------
# Models (written as ModelProto from numpy arrays; building through expressions is slow)
# --------------------------------------------------------------------------------------------


def _model_proto(
    *,
    var_lb: np.ndarray,
    var_ub: np.ndarray,
    var_int: np.ndarray,
    obj: np.ndarray,
    offset: float,
    maximize: bool,
    con_lb: np.ndarray,
    con_ub: np.ndarray,
    rows: np.ndarray,
    cols: np.ndarray,
    coefs: np.ndarray,
) -> model_pb2.ModelProto:
    proto = model_pb2.ModelProto(name="location")
    n_vars, n_cons = len(var_lb), len(con_lb)
    proto.variables.ids.extend(range(n_vars))
    proto.variables.lower_bounds.extend(var_lb.tolist())
    proto.variables.upper_bounds.extend(var_ub.tolist())
    proto.variables.integers.extend(var_int.tolist())
    proto.objective.maximize = maximize
    proto.objective.offset = float(offset)
    nz = np.flatnonzero(obj)
    proto.objective.linear_coefficients.ids.extend(nz.tolist())
    proto.objective.linear_coefficients.values.extend(obj[nz].tolist())
    proto.linear_constraints.ids.extend(range(n_cons))
    proto.linear_constraints.lower_bounds.extend(con_lb.tolist())
    proto.linear_constraints.upper_bounds.extend(con_ub.tolist())
    order = np.lexsort((cols, rows))  # row-major, columns increasing within a row
    proto.linear_constraint_matrix.row_ids.extend(rows[order].tolist())
    proto.linear_constraint_matrix.column_ids.extend(cols[order].tolist())
    proto.linear_constraint_matrix.coefficients.extend(coefs[order].tolist())
    return proto


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
    return _model_proto(
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


def _mclp_proto(problem: MCLPProblem) -> model_pb2.ModelProto:
    """Variables 0..m-1 are y, then one x per demand point that some facility can cover."""
    m, p = problem.n_facilities, problem.p
    coverable = np.flatnonzero(problem.covers.any(axis=1) & (problem.weights > 0))
    n_x = len(coverable)
    x = m + np.arange(n_x, dtype=np.int64)
    r = 1 + np.arange(n_x, dtype=np.int64)
    ci, cj = np.nonzero(problem.covers[coverable])
    # Row 0: sum(y) == p; row 1 + k: x_k - sum(y covering k) <= 0.
    return _model_proto(
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


def _open_facilities(model: mathopt.Model, result: mathopt.SolveResult, m: int) -> np.ndarray:
    y = [model.get_variable(j) for j in range(m)]
    values = np.asarray(result.variable_values(y), dtype=float)
    return np.flatnonzero(values > 0.5)


# --------------------------------------------------------------------------------------------
# Solve
# --------------------------------------------------------------------------------------------


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
    on_progress: ProgressFn | None = None,
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
        solved = _open_facilities(model, outcome.result, problem.n_facilities)
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
    proven = gap is not None and (gap <= GAP_TOLERANCE or objective - bound <= 1e-6)
    return LocationSolution(
        status="OPTIMAL" if proven else "FEASIBLE",
        facilities=tuple(int(j) for j in facilities),
        assignment=tuple(int(j) for j in _nearest(problem.cost, facilities)),
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


def solve_mclp(
    problem: MCLPProblem,
    time_limit_s: float = 60.0,
    on_progress: ProgressFn | None = None,
) -> LocationSolution:
    """Solve a maximal covering problem within ``time_limit_s``."""
    started = time.perf_counter()
    model = mathopt.Model.from_model_proto(_mclp_proto(problem))
    outcome = solve_mip(model, time_limit_s=time_limit_s, on_progress=on_progress, label="MCLP")
    facilities: np.ndarray = np.array([], dtype=int)
    assignment: tuple[int, ...] = ()
    if outcome.has_solution:
        facilities = _open_facilities(model, outcome.result, problem.n_facilities)
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
