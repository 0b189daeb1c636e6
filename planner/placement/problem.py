"""The mobile-clinic placement problem: which site each of the units stands at each week.

A :class:`PlacementProblem` is plain data (numpy arrays and tuples), validated on
construction, with no geography code in it: ``planner.orchestration.placement`` builds one from
a scenario, and tests build tiny ones by hand.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field, replace
from typing import Literal

import numpy as np

from planner.placement.errors import PlacementInputError

Equity = Literal["none", "floor", "maximin"]


@dataclass(frozen=True)
class Site:
    """A place a unit can stand at for a week."""

    id: str
    name: str
    county_code: str
    kommun_code: str = ""
    lon: float = 0.0
    lat: float = 0.0


@dataclass(frozen=True)
class DemandPoint:
    """A locality whose residents come to a unit standing within reach."""

    id: str
    county_code: str
    kommun_code: str = ""
    population: int = 0


@dataclass(frozen=True)
class RegionContract:
    """A county that buys at least ``unit_weeks`` unit-weeks over the horizon."""

    county_code: str
    unit_weeks: int


@dataclass(frozen=True, eq=False)
class PlacementProblem:
    r"""Multi-period capacitated maximal covering with relocation.

    Sets: sites :math:`S`, demand points :math:`P`, weeks :math:`W`, units :math:`U`.
    Data: demand :math:`d_{pw}` (expected patients), travel minutes :math:`t_{sp}`, radius
    :math:`R`, capacity :math:`c` per unit-week, minimum stay :math:`L` weeks, relocation cost
    :math:`k_{st}` (money per km plus the unit's driving time valued as lost patients).
    Points within reach of a fixed clinic are covered by it (``fixed_covered``) and left out.

    Decision: :math:`y_{sw} \in \{0..U\}` units at site s in week w; :math:`x_{psw} \ge 0`
    patients of p served at s (only where :math:`t_{sp} \le R`); relocation flows.

    .. math::
        \max\ v \sum x_{psw} - \sum k_{st} f_{stw}
        \quad\text{s.t.}\quad \sum_s y_{sw} = U,\ \sum_s x_{psw} \le d_{pw},\
        \sum_p x_{psw} \le c\, y_{sw},

    flow conservation between consecutive weeks, minimum stays, region contracts, and the
    equity option (a floor on each county's served share, or maximise the worst county's).
    """

    sites: tuple[Site, ...]
    points: tuple[DemandPoint, ...]
    weeks: tuple[str, ...]
    demand: np.ndarray  # (P, W) expected patients per week
    site_point_minutes: np.ndarray  # (S, P)
    site_site_minutes: np.ndarray  # (S, S)
    site_site_km: np.ndarray  # (S, S)
    units: int
    radius_minutes: float
    capacity_per_week: float
    min_stay_weeks: int = 1
    # (P,) bool: within reach of a fixed clinic. None (no fixed clinic) is stored as all False,
    # so readers always see an array.
    fixed_covered: np.ndarray = None  # type: ignore[assignment]  # None is replaced in __post_init__
    relocation_cost_per_km: float = 30.0
    value_per_patient: float = 500.0  # a digital visit's reimbursement (domain.md), SEK
    working_minutes_per_week: float = 5 * 8 * 60
    region_contracts: tuple[RegionContract, ...] = ()
    equity: Equity = "none"
    county_floor_share: float = 0.0
    initial_sites: tuple[str, ...] | None = None
    _index: dict[str, int] = field(default_factory=dict, init=False, repr=False)

    def __post_init__(self) -> None:
        S, P, W = len(self.sites), len(self.points), len(self.weeks)
        _require(S > 0, "there must be at least one candidate site")
        _require(P > 0, "there must be at least one demand point")
        _require(W > 0, "there must be at least one week")
        _unique([s.id for s in self.sites], "site")
        _unique([p.id for p in self.points], "demand point")
        for name, shape in (
            ("demand", (P, W)),
            ("site_point_minutes", (S, P)),
            ("site_site_minutes", (S, S)),
            ("site_site_km", (S, S)),
        ):
            array = np.array(getattr(self, name), dtype=float)
            _require(array.shape == shape, f"{name} has shape {array.shape}, expected {shape}")
            bad = np.argwhere(~(array >= 0))  # negative or NaN (inf allowed: unreachable)
            if len(bad):
                where = tuple(int(i) for i in bad[0])
                _fail(f"{name}{list(where)} is {array[where]}; values must be >= 0")
            array.setflags(write=False)
            object.__setattr__(self, name, array)
        _require(not np.isinf(self.demand).any(), "demand must be finite")
        fixed = (
            np.zeros(P, bool) if self.fixed_covered is None else np.array(self.fixed_covered, bool)
        )
        _require(fixed.shape == (P,), f"fixed_covered has shape {fixed.shape}, expected ({P},)")
        fixed.setflags(write=False)
        object.__setattr__(self, "fixed_covered", fixed)
        _require(self.units >= 0, f"units is {self.units}; must be >= 0")
        _require(self.radius_minutes > 0, f"radius_minutes is {self.radius_minutes}; must be > 0")
        _require(self.capacity_per_week >= 0, "capacity_per_week must be >= 0")
        _require(self.min_stay_weeks >= 1, f"min_stay_weeks is {self.min_stay_weeks}; must be >= 1")
        _require(self.relocation_cost_per_km >= 0, "relocation_cost_per_km must be >= 0")
        _require(self.value_per_patient > 0, "value_per_patient must be > 0")
        _require(self.equity in ("none", "floor", "maximin"), f"unknown equity {self.equity!r}")
        _require(0 <= self.county_floor_share <= 1, "county_floor_share must be in [0, 1]")
        for contract in self.region_contracts:
            _require(
                contract.unit_weeks >= 0,
                f"region contract {contract.county_code}: "
                f"unit_weeks is {contract.unit_weeks}; must be >= 0",
            )
        object.__setattr__(self, "_index", {s.id: i for i, s in enumerate(self.sites)})
        if self.initial_sites is not None:
            _require(
                len(self.initial_sites) == self.units,
                f"initial_sites names {len(self.initial_sites)} sites for {self.units} units",
            )
            unknown = [s for s in self.initial_sites if s not in self._index]
            _require(not unknown, f"initial_sites: unknown site ids {unknown[:5]}")

    # -- derived data -------------------------------------------------------------------------
    def site_index(self, site_id: str) -> int:
        """Position of a site id in :attr:`sites`."""
        try:
            return self._index[site_id]
        except KeyError:
            raise PlacementInputError(f"unknown site id {site_id!r}") from None

    @property
    def reach(self) -> np.ndarray:
        """(S, P) bool: a unit at site s serves point p (within the radius)."""
        return self.site_point_minutes <= self.radius_minutes

    @property
    def unit_demand(self) -> np.ndarray:
        """(P, W) demand left to the units: zero where a fixed clinic covers the point."""
        return np.where(self.fixed_covered[:, None], 0.0, self.demand)

    @property
    def counties(self) -> tuple[str, ...]:
        """County codes of the demand points, sorted."""
        return tuple(sorted({p.county_code for p in self.points}))

    def county_demand(self) -> dict[str, float]:
        """Demand left to the units per county over the horizon (reachable or not), in the
        order the counties first appear among the points."""
        totals: dict[str, float] = defaultdict(float)
        unit_demand = self.unit_demand.sum(axis=1)
        for p, point in enumerate(self.points):
            totals[point.county_code] += float(unit_demand[p])
        return dict(totals)

    def move_cost(self) -> np.ndarray:
        """(S, S) cost of moving one unit: money per km plus driving time valued as the
        patients the unit could have seen meanwhile (capacity per working minute)."""
        per_minute = self.capacity_per_week / self.working_minutes_per_week * self.value_per_patient
        cost = self.site_site_km * self.relocation_cost_per_km + self.site_site_minutes * per_minute
        np.fill_diagonal(cost, 0.0)
        return cost

    def replace(self, **changes: object) -> PlacementProblem:
        """A validated copy with some fields changed."""
        # mypy cannot match **changes to the fields; __post_init__ validates them at run time
        return replace(self, **changes)  # type: ignore[arg-type]  # checked by __post_init__


@dataclass(frozen=True)
class SolveParams:
    """How hard to try: time limit, gap, and the size of the relocation graph."""

    time_limit_s: float = 30.0
    relative_gap: float = 1e-3
    move_neighbours: int = 8  # each site's relocation arcs go to its nearest sites
    warm_start_share: float = 0.6  # of the time limit, for the week-by-week starting plan
    max_full_model_size: int = 150_000  # served-patient variables; above: decomposed
    decomposition_bound_share: float = 0.45  # of the time limit, for the weekly relaxations
    shortlist_neighbours: int = 0  # nearest sites kept around each week's own best sites
    threads: int = 2  # weekly relaxations side by side; above 1 also the regional-bounds processes
    regional_workers: int = 1  # processes bounding open weeks region by region (beside the plan)

    def __post_init__(self) -> None:
        _require(self.time_limit_s > 0, "time_limit_s must be > 0")
        _require(self.relative_gap >= 0, "relative_gap must be >= 0")
        _require(self.move_neighbours >= 1, "move_neighbours must be >= 1")
        _require(0 <= self.warm_start_share < 1, "warm_start_share must be in [0, 1)")
        _require(self.threads >= 1, "threads must be >= 1")
        _require(self.regional_workers >= 1, "regional_workers must be >= 1")
        _require(
            0 < self.decomposition_bound_share < 1, "decomposition_bound_share must be in (0, 1)"
        )


@dataclass(frozen=True)
class PlacementSolution:
    """A plan: the site of every unit in every week, with the solver's status and bound.

    ``unit_sites[w][u]`` is the site id of unit ``u`` in week ``w``. ``objective`` and
    ``bound`` are the solver's (relocation along the site graph); KPIs come from
    :func:`planner.placement.kpi.evaluate`. ``time_limited`` says the time limit cut the
    solve short (the plan is the best found by then, or a quick fallback for some weeks;
    ``message`` says which).
    """

    status: str
    unit_sites: tuple[tuple[str, ...], ...]
    objective: float | None = None
    bound: float | None = None
    gap: float | None = None
    seconds: float = 0.0
    message: str = ""
    time_limited: bool = False

    @property
    def has_plan(self) -> bool:
        """True when the solution places the units (OPTIMAL or FEASIBLE)."""
        return bool(self.unit_sites)


def _require(condition: bool, message: str) -> None:
    if not condition:
        _fail(message)


def _fail(message: str) -> None:
    raise PlacementInputError(f"placement problem: {message}")


def _unique(ids: list[str], what: str) -> None:
    seen: set[str] = set()
    for i in ids:
        if i in seen:
            _fail(f"duplicate {what} id {i!r}")
        seen.add(i)
