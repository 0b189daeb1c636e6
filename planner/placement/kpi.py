"""KPIs of a placement plan, computed without trusting the solver.

:func:`evaluate` takes only the problem and the units' sites week by week. It re-derives how
many patients the units can serve with an independent max-flow / min-cost allocation
(a network flow, point by point, not the solver's merged groups), the true road km of every move
from the travel matrix, and checks each named rule. The solver's objective and bound are
reported beside these numbers, never instead of them.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Callable
from dataclasses import dataclass, field

import numpy as np
from ortools.graph.python import min_cost_flow

from planner.placement.problem import PlacementProblem, PlacementSolution

_SCALE = 10_000  # patients are fractional expectations; flows run on 1/10,000 patient
LONG_MOVE_MINUTES = 4 * 60  # a move longer than half a working day loses the unit a day


@dataclass(frozen=True)
class Violation:
    """A named rule the plan bends, where, and by how much."""

    rule: str
    where: str
    amount: float


@dataclass(frozen=True)
class PlacementKpis:
    """Everything the dashboard and the run record show about a plan."""

    served_patients: float
    demand_total: float
    demand_fixed_clinics: float
    served_share: float  # of the demand left to the units
    served_share_incl_fixed: float  # units + fixed clinics, of all demand
    population_in_reach: float  # mean over weeks: residents within reach of a unit or clinic
    population_in_reach_share: float
    mean_travel_minutes: float  # of served patients, to their unit
    relocations: int
    relocation_km: float
    relocation_hours: float
    long_relocations: int
    unit_utilisation: float
    plan_value: float  # value of patients served minus true relocation cost
    county_served_share: dict[str, float]
    min_county_share: float
    kommun_served_share: dict[str, float]  # kommuner with demand left to the units
    unit_week_patients: tuple[tuple[float, ...], ...]  # [week][unit]
    unit_week_population: tuple[tuple[int, ...], ...]  # [week][unit] residents within reach
    violations: tuple[Violation, ...] = field(default=())

    def to_dict(self) -> dict[str, float | int]:
        """Flat numeric KPIs (per-county shares as ``county_share_XX``) for storage and JSON."""
        flat: dict[str, float | int] = {
            name: getattr(self, name)
            for name in (
                "served_patients",
                "demand_total",
                "demand_fixed_clinics",
                "served_share",
                "served_share_incl_fixed",
                "population_in_reach",
                "population_in_reach_share",
                "mean_travel_minutes",
                "relocations",
                "relocation_km",
                "relocation_hours",
                "long_relocations",
                "unit_utilisation",
                "plan_value",
                "min_county_share",
            )
        }
        flat.update({f"county_share_{c}": v for c, v in sorted(self.county_served_share.items())})
        flat.update({f"kommun_share_{k}": v for k, v in sorted(self.kommun_served_share.items())})
        flat["violations"] = len(self.violations)
        return {k: (round(v, 6) if isinstance(v, float) else v) for k, v in flat.items()}


def week_allocation(
    problem: PlacementProblem, week: int, sites: tuple[str, ...]
) -> dict[tuple[int, int], float]:
    """Patients of point p served at site s in ``week``: max served, then least travel.

    A min-cost max flow, point by point (OR-Tools' network simplex; networkx took a third of
    a second a week at the scale of Sweden, half a minute for two years of weeks)."""
    counts = Counter(problem.site_index(s) for s in sites)
    demand = problem.unit_demand[:, week]
    site_list = np.array(sorted(counts), dtype=np.int64)
    points = np.flatnonzero(demand > 0)
    if not len(site_list) or not len(points):
        return {}
    # Rounded down, so a point is never served more than its demand (shares stay <= 1).
    supply = np.floor(demand[points] * _SCALE + 1e-9).astype(np.int64)
    reach = problem.reach[np.ix_(site_list, points)]  # (sites used, points with demand)
    site_at, point_at = np.nonzero(reach)
    if not len(site_at):
        return {}
    # nodes: 0 source, 1 sink, 2.. points with demand, then the sites used
    n_points = len(points)
    first_site = 2 + n_points
    tails = np.concatenate(
        [np.zeros(n_points, np.int64), 2 + point_at, first_site + np.arange(len(site_list))]
    )
    heads = np.concatenate(
        [2 + np.arange(n_points), first_site + site_at, np.ones(len(site_list), np.int64)]
    )
    site_capacity = [
        int(problem.capacity_per_week * counts[int(s)] * _SCALE + 1e-9) for s in site_list
    ]
    capacities = np.concatenate([supply, supply[point_at], np.array(site_capacity, np.int64)])
    minutes = problem.site_point_minutes[site_list[site_at], points[point_at]]
    costs = np.concatenate(
        [
            np.zeros(n_points, np.int64),
            np.round(minutes * 10).astype(np.int64),
            np.zeros(len(site_list), np.int64),
        ]
    )
    flow = min_cost_flow.SimpleMinCostFlow()
    arcs = flow.add_arcs_with_capacity_and_unit_cost(tails, heads, capacities, costs)
    total = int(supply.sum())
    flow.set_node_supply(0, total)
    flow.set_node_supply(1, -total)
    if flow.solve_max_flow_with_min_cost() != flow.OPTIMAL:
        raise AssertionError(f"week {week}: the allocation flow did not solve")
    amounts = flow.flows(arcs[n_points : n_points + len(site_at)])
    return {
        (int(points[point_at[i]]), int(site_list[site_at[i]])): amount / _SCALE
        for i, amount in enumerate(amounts)
        if amount > 0
    }


# -- named rules: each returns the violations it finds ------------------------------------


def rule_units_per_week(problem: PlacementProblem, solution: PlacementSolution) -> list[Violation]:
    """Every week places exactly the fleet's units at known sites."""
    out = []
    for w, sites in enumerate(solution.unit_sites):
        if len(sites) != problem.units:
            out.append(
                Violation("units per week", problem.weeks[w], abs(len(sites) - problem.units))
            )
    if solution.unit_sites and len(solution.unit_sites) != len(problem.weeks):
        out.append(
            Violation(
                "units per week", "horizon", abs(len(solution.unit_sites) - len(problem.weeks))
            )
        )
    return out


def rule_min_stay(problem: PlacementProblem, solution: PlacementSolution) -> list[Violation]:
    """A unit that arrives at a site stays at least ``min_stay_weeks`` (unless the horizon ends)."""
    out = []
    W = len(solution.unit_sites)
    for u in range(problem.units):
        # A week that lacks the unit (a broken plan) counts as "nowhere", ending its stay.
        track = [
            solution.unit_sites[w][u] if u < len(solution.unit_sites[w]) else None for w in range(W)
        ]
        w = 0
        while w < W:
            end = w
            while end + 1 < W and track[end + 1] == track[w]:
                end += 1
            length = end - w + 1
            first_stay_continues = (
                w == 0
                and problem.initial_sites is not None
                and problem.initial_sites[u] == track[0]
            )
            short = length < problem.min_stay_weeks and track[w] is not None
            if end < W - 1 and short and not first_stay_continues:
                out.append(
                    Violation(
                        "minimum stay",
                        f"unit {u} at {track[w]} from {problem.weeks[w]}",
                        problem.min_stay_weeks - length,
                    )
                )
            w = end + 1
    return out


def rule_region_contracts(
    problem: PlacementProblem, solution: PlacementSolution
) -> list[Violation]:
    """Each contracting county gets at least its unit-weeks."""
    county_of = {s.id: s.county_code for s in problem.sites}
    got = Counter(county_of[s] for week in solution.unit_sites for s in week)
    return [
        Violation("region contract", c.county_code, c.unit_weeks - got[c.county_code])
        for c in problem.region_contracts
        if got[c.county_code] < c.unit_weeks
    ]


RULES: dict[str, Callable[[PlacementProblem, PlacementSolution], list[Violation]]] = {
    "units per week": rule_units_per_week,
    "minimum stay": rule_min_stay,
    "region contract": rule_region_contracts,
}


def evaluate(problem: PlacementProblem, solution: PlacementSolution) -> PlacementKpis:
    """KPIs and named rule violations of ``solution``, from first principles."""
    W, U = len(problem.weeks), problem.units
    population = np.array([p.population for p in problem.points], dtype=float)
    service = _service(problem, solution, population)
    demand_total = float(problem.demand.sum())
    fixed = float(problem.demand[problem.fixed_covered].sum())
    for_units = demand_total - fixed
    moves = _moves(problem, solution)
    per_minute = (
        problem.capacity_per_week / problem.working_minutes_per_week * problem.value_per_patient
    )
    relocation_cost = moves.km * problem.relocation_cost_per_km + moves.minutes * per_minute

    county_total = problem.county_demand()
    kommun_total: dict[str, float] = defaultdict(float)
    unit_demand = problem.unit_demand
    for p, point in enumerate(problem.points):
        if point.kommun_code:
            kommun_total[point.kommun_code] += float(unit_demand[p].sum())
    shares = {c: (service.county[c] / t if t > 0 else 1.0) for c, t in county_total.items()}
    shares_with_demand = [shares[c] for c, t in county_total.items() if t > 0]

    violations = [v for rule in RULES.values() for v in rule(problem, solution)]
    if problem.equity == "floor":
        violations += [
            Violation("county floor", c, problem.county_floor_share - s)
            for c, s in sorted(shares.items())
            if county_total[c] > 0 and s + 1e-6 < problem.county_floor_share
        ]
    served = service.patients
    capacity = U * W * problem.capacity_per_week
    total_population = population.sum()
    mean_in_reach = float(np.mean(service.in_reach)) if service.in_reach else 0.0
    return PlacementKpis(
        served_patients=served,
        demand_total=demand_total,
        demand_fixed_clinics=fixed,
        served_share=served / for_units if for_units > 0 else 1.0,
        served_share_incl_fixed=(served + fixed) / demand_total if demand_total > 0 else 1.0,
        population_in_reach=mean_in_reach,
        population_in_reach_share=mean_in_reach / total_population if total_population > 0 else 0.0,
        mean_travel_minutes=service.travel_weighted / served if served > 0 else 0.0,
        relocations=int(moves.count),
        relocation_km=float(moves.km),
        relocation_hours=float(moves.minutes / 60),
        long_relocations=int(moves.long),
        unit_utilisation=served / capacity if capacity > 0 else 0.0,
        plan_value=served * problem.value_per_patient - relocation_cost,
        county_served_share=shares,
        min_county_share=min(shares_with_demand) if shares_with_demand else 1.0,
        kommun_served_share={
            k: service.kommun[k] / t for k, t in sorted(kommun_total.items()) if t > 0
        },
        unit_week_patients=tuple(service.unit_patients),
        unit_week_population=tuple(service.unit_population),
        violations=tuple(violations),
    )


@dataclass
class _Service:
    """Who the units serve over the horizon (from :func:`week_allocation`, week by week)."""

    patients: float = 0.0
    travel_weighted: float = 0.0  # patients x minutes to their unit
    county: dict[str, float] = field(default_factory=lambda: defaultdict(float))
    kommun: dict[str, float] = field(default_factory=lambda: defaultdict(float))
    unit_patients: list[tuple[float, ...]] = field(default_factory=list)  # [week][unit]
    unit_population: list[tuple[int, ...]] = field(default_factory=list)  # [week][unit]
    in_reach: list[float] = field(default_factory=list)  # [week] residents near a unit or clinic


def _service(
    problem: PlacementProblem, solution: PlacementSolution, population: np.ndarray
) -> _Service:
    """Patients served, travel, per-county and per-kommun service, and per unit-week figures."""
    reach = problem.reach
    out = _Service()
    for w in range(min(len(problem.weeks), len(solution.unit_sites))):
        sites = solution.unit_sites[w]
        per_site: dict[int, float] = defaultdict(float)
        for (p, s), amount in week_allocation(problem, w, sites).items():
            out.patients += amount
            out.travel_weighted += amount * problem.site_point_minutes[s, p]
            out.county[problem.points[p].county_code] += amount
            out.kommun[problem.points[p].kommun_code] += amount
            per_site[s] += amount
        idx = [problem.site_index(s) for s in sites]
        n_at = Counter(idx)
        out.unit_patients.append(tuple(round(per_site[s] / n_at[s], 3) for s in idx))
        out.unit_population.append(tuple(int(population[reach[s]].sum()) for s in idx))
        covered = problem.fixed_covered.copy()
        for s in set(idx):
            covered |= reach[s]
        out.in_reach.append(population[covered].sum())
    return out


@dataclass(frozen=True)
class _Moves:
    """The plan's relocations: how many, road km and minutes, and how many are long."""

    count: float
    km: float
    minutes: float
    long: int


def _moves(problem: PlacementProblem, solution: PlacementSolution) -> _Moves:
    """Every unit's moves between consecutive weeks (and from its initial site), true road
    distances from the travel matrix."""
    moves = km = minutes = 0.0
    long_moves = 0
    previous = list(problem.initial_sites) if problem.initial_sites is not None else None
    for sites in solution.unit_sites:
        if previous is not None:
            for a, b in zip(previous, sites, strict=False):
                if a != b:
                    i, j = problem.site_index(a), problem.site_index(b)
                    moves += 1
                    km += problem.site_site_km[i, j]
                    minutes += problem.site_site_minutes[i, j]
                    long_moves += problem.site_site_minutes[i, j] > LONG_MOVE_MINUTES
        previous = list(sites)
    return _Moves(moves, km, minutes, long_moves)
