"""The classic problems from a cost matrix: p-median and maximal covering, their solutions,
and their evaluation without a solver (the oracle the tests hold the solvers to).

Problems are frozen and validated when built (:class:`PlacementInputError` names the bad entry).
"""

from __future__ import annotations

import dataclasses
import math
from collections.abc import Iterable
from dataclasses import dataclass

import numpy as np

from planner.placement.errors import PlacementInputError


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
        # None weights mean 1 each: __post_init__ stores the array the field's type promises
        return cls(cost=cost, weights=weights, p=p)  # type: ignore[arg-type]  # None: 1 each

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
        # mypy cannot match **changes to the fields; __post_init__ validates them at run time
        return dataclasses.replace(self, **changes)  # type: ignore[arg-type]  # checked by __post_init__


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
            weights=weights,  # type: ignore[arg-type]  # None: 1 each, stored as an array
            service_radius=service_radius,
            p=p,
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
        # mypy cannot match **changes to the fields; __post_init__ validates them at run time
        return dataclasses.replace(self, **changes)  # type: ignore[arg-type]  # checked by __post_init__


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


def _check_facilities(facilities: Iterable[int], n_facilities: int) -> np.ndarray:
    arr = np.asarray(list(facilities), dtype=np.int_)
    if arr.size == 0:
        raise PlacementInputError("facilities must contain at least one facility index")
    if arr.min() < 0 or arr.max() >= n_facilities:
        bad = int(arr[(arr < 0) | (arr >= n_facilities)][0])
        raise PlacementInputError(f"facility index {bad} is outside 0..{n_facilities - 1}")
    return np.unique(arr)


def evaluate_pmedian(problem: PMedianProblem, facilities: Iterable[int]) -> float:
    """Weighted distance from every demand point to its nearest facility in ``facilities``."""
    open_ = _check_facilities(facilities, problem.n_facilities)
    nearest = problem.cost[:, open_].min(axis=1)
    return float(np.dot(problem.weights, nearest))


def evaluate_mclp(problem: MCLPProblem, facilities: Iterable[int]) -> float:
    """Demand weight within the service radius of at least one facility in ``facilities``."""
    open_ = _check_facilities(facilities, problem.n_facilities)
    covered = problem.covers[:, open_].any(axis=1)
    return float(problem.weights[covered].sum())


def nearest(cost: np.ndarray, facilities: np.ndarray) -> np.ndarray:
    """Index (into the columns of ``cost``) of the nearest of ``facilities`` for every row;
    ties go to the lowest index."""
    return facilities[np.argmin(cost[:, facilities], axis=1)]
