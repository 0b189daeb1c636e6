"""Builds the placement MIP (MathOpt). Internal: the solve path uses it (solve, bounds, decompose,
diagnose); MathOpt objects never leave those modules' functions.

Size control, because the scale target is 10 units x 26 weeks x ~300 sites x ~1,300 points:

- Demand points with the same set of reachable sites and the same county are merged into one
  group (their demand adds up); points that no site reaches, or a fixed clinic covers, drop out.
- Relocation is a flow between consecutive weeks over a sparse graph: each site has arcs to its
  ``move_neighbours`` nearest sites (both directions), plus arcs that join any components. A long
  move runs along several arcs; with shortest-path travel data this costs at least the direct
  move, so the model never under-prices a relocation. ``evaluate`` reports true road km.

Each named constraint family is added by a function of its name (:func:`units_per_week`,
:func:`served_patients` with its demand and capacity rows, :func:`relocation_flows`,
:func:`min_stay`, :func:`region_contracts`, :func:`county_floor`, :func:`worst_county_share`),
called in this order by :func:`build_model`; a new rule gets its own function there.
"""

from __future__ import annotations

import time
from collections import defaultdict
from dataclasses import dataclass, field

import networkx as nx
import numpy as np
from ortools.math_opt.python import mathopt

from planner.placement.problem import PlacementProblem, SolveParams


class OutOfTime(Exception):
    """The deadline passed while a model was being built (the caller keeps what it has)."""


def _check(deadline: float | None) -> None:
    if deadline is not None and time.perf_counter() > deadline:
        raise OutOfTime


@dataclass
class BuiltModel:
    """The MathOpt model and the handles ``solve`` needs to read a plan back."""

    model: mathopt.Model
    y: dict[tuple[int, int], mathopt.Variable]
    x: dict[tuple[int, int, int], mathopt.Variable]
    group_points: list[list[int]]
    group_county: list[str]
    arcs: list[tuple[int, int]]
    # name of a constraint family -> elastic slack variables (only in the elastic variant)
    slacks: dict[str, dict[str, mathopt.Variable]] = field(default_factory=dict)


def demand_groups(problem: PlacementProblem) -> tuple[list[list[int]], list[str], np.ndarray]:
    """Merge points with equal reach and county: (points per group, county, demand (G, W))."""
    reach = problem.reach.T  # (P, S)
    demand = problem.unit_demand
    keyed: dict[tuple[bytes, str], list[int]] = defaultdict(list)
    for p in range(len(problem.points)):
        if demand[p].sum() > 0 and reach[p].any():
            keyed[(reach[p].tobytes(), problem.points[p].county_code)].append(p)
    groups = sorted(keyed.values())
    counties = [problem.points[g[0]].county_code for g in groups]
    totals = np.zeros((len(groups), demand.shape[1]))
    for i, g in enumerate(groups):
        totals[i] = demand[g].sum(axis=0)
    return groups, counties, totals


def move_arcs(problem: PlacementProblem, neighbours: int) -> list[tuple[int, int]]:
    """Directed relocation arcs: k nearest sites each way, plus arcs joining components."""
    minutes = problem.site_site_minutes
    n = len(problem.sites)
    arcs: set[tuple[int, int]] = set()
    orders = np.argsort(minutes, axis=1, kind="stable")  # one sort for all: 2,120 sites
    for s in range(n):
        order = orders[s]
        order = order[(order != s) & np.isfinite(minutes[s, order])]
        for t in order[:neighbours].tolist():
            arcs.add((s, t))
            arcs.add((t, s))
    graph: nx.Graph[int] = nx.Graph()
    graph.add_nodes_from(range(n))
    graph.add_edges_from(arcs)
    components = [sorted(c) for c in nx.connected_components(graph)]
    while len(components) > 1:  # join the first component to its nearest other one
        first, rest = components[0], [t for c in components[1:] for t in c]
        sub = minutes[np.ix_(first, rest)]
        i, j = np.unravel_index(np.argmin(sub), sub.shape)
        if not np.isfinite(sub[i, j]):
            break  # unreachable parts stay apart: units cannot drive between them
        s, t = first[int(i)], rest[int(j)]
        arcs.update({(s, t), (t, s)})
        graph.add_edge(s, t)
        components = [sorted(c) for c in nx.connected_components(graph)]
    return sorted(arcs)


def build_model(
    problem: PlacementProblem,
    params: SolveParams,
    *,
    elastic: bool = False,
    y_lower: np.ndarray | None = None,
    county_min_units: dict[tuple[str, int], int] | None = None,
    strong: bool = False,
    deadline: float | None = None,
) -> BuiltModel:
    """The MIP; with ``elastic`` the contracts and floors get penalised slack instead.

    ``y_lower`` (S, W) and ``county_min_units`` {(county, week): units} add lower bounds;
    the rolling-horizon warm start uses them to keep units that must stay and to spread
    region contracts over the weeks. ``strong`` links each served-patient variable to its
    site's units (a tighter LP, used for single weeks).

    Building runs in Python (about 0.1 ms per served-patient variable, :func:`model_size`), so
    a full model may take longer than its solve's time limit: with ``deadline`` (a
    ``time.perf_counter()`` value) building stops with :class:`OutOfTime` once it passes.
    """
    W = len(problem.weeks)
    groups, group_county, demand = demand_groups(problem)
    model = mathopt.Model(name="placement")
    y = units_per_week(model, problem)
    if y_lower is not None:
        for (s, w), var in y.items():
            if y_lower[s, w] > 0:
                var.lower_bound = float(y_lower[s, w])
    county_spread(model, problem, y, county_min_units or {})
    x = served_patients(model, problem, y, groups, demand, strong=strong, deadline=deadline)
    arcs = move_arcs(problem, params.move_neighbours)
    relocation = relocation_flows(model, problem, y, arcs, deadline=deadline)
    min_stay(model, problem, y)

    # any slack costs more than any plan can gain
    penalty = problem.value_per_patient * problem.capacity_per_week * max(1, W) * 10
    slacks = {"region_contract": region_contracts(model, problem, y, elastic=elastic)}
    served_county: dict[str, list[mathopt.Variable]] = defaultdict(list)
    for (g, _s, _w), var in x.items():
        served_county[group_county[g]].append(var)
    objective = problem.value_per_patient * sum(x.values()) - sum(relocation)
    if problem.equity == "floor" and problem.county_floor_share > 0:
        slacks["county_floor"] = county_floor(model, problem, served_county, elastic=elastic)
    elif problem.equity == "maximin":
        worst = worst_county_share(model, problem, served_county)
        # The worst share comes first: one percentage point outweighs any served-volume gain.
        objective = objective + penalty * worst
    slacks = {name: family for name, family in slacks.items() if family}
    if elastic:
        objective = objective - penalty * sum(v for fam in slacks.values() for v in fam.values())
    model.maximize(objective)
    return BuiltModel(model, y, x, groups, group_county, arcs, slacks)


def units_per_week(
    model: mathopt.Model, problem: PlacementProblem
) -> dict[tuple[int, int], mathopt.Variable]:
    """Units per site and week, ``y[s, w]``; every week places the whole fleet."""
    S, W, U = len(problem.sites), len(problem.weeks), problem.units
    y = {
        (s, w): model.add_integer_variable(lb=0, ub=U, name=f"y(s={s},w={w})")
        for s in range(S)
        for w in range(W)
    }
    for w in range(W):
        model.add_linear_constraint(sum(y[s, w] for s in range(S)) == U, name=f"units(w={w})")
    return y


def county_spread(
    model: mathopt.Model,
    problem: PlacementProblem,
    y: dict[tuple[int, int], mathopt.Variable],
    county_min_units: dict[tuple[str, int], int],
) -> None:
    """At least ``need`` units in a county in a week (the warm start spreads contracts so)."""
    for (county, w), need in county_min_units.items():
        in_county = [y[s, w] for s, site in enumerate(problem.sites) if site.county_code == county]
        if need > 0 and in_county:
            model.add_linear_constraint(sum(in_county) >= need, name=f"spread({county},w={w})")


def served_patients(
    model: mathopt.Model,
    problem: PlacementProblem,
    y: dict[tuple[int, int], mathopt.Variable],
    groups: list[list[int]],
    demand: np.ndarray,
    *,
    strong: bool,
    deadline: float | None = None,
) -> dict[tuple[int, int, int], mathopt.Variable]:
    """Served patients ``x[g, s, w]``, only where site s reaches group g and g has demand in
    week w; no group is served more than its demand, no site more than its units' capacity."""
    cap, reach = problem.capacity_per_week, problem.reach
    x: dict[tuple[int, int, int], mathopt.Variable] = {}
    by_site: dict[tuple[int, int], list[mathopt.Variable]] = defaultdict(list)
    for g, points in enumerate(groups):
        _check(deadline)
        sites = [int(s) for s in np.flatnonzero(reach[:, points[0]])]
        for w in range(len(problem.weeks)):
            if demand[g, w] <= 0:
                continue
            row = []
            for s in sites:
                var = model.add_variable(lb=0, ub=float(demand[g, w]), name=f"x(g={g},s={s},w={w})")
                x[g, s, w] = var
                row.append(var)
                by_site[s, w].append(var)
                if strong:  # a site serves a group only where a unit stands (tightens the LP)
                    model.add_linear_constraint(var - min(float(demand[g, w]), cap) * y[s, w] <= 0)
            model.add_linear_constraint(
                sum(row) <= float(demand[g, w]), name=f"demand(g={g},w={w})"
            )
    for (s, w), served in by_site.items():
        model.add_linear_constraint(sum(served) - cap * y[s, w] <= 0, name=f"capacity(s={s},w={w})")
    return x


def initial_units(problem: PlacementProblem) -> np.ndarray:
    """(S,) units per site before the first week (zeros without ``initial_sites``)."""
    initial = np.zeros(len(problem.sites))
    if problem.initial_sites is not None:
        for site_id in problem.initial_sites:
            initial[problem.site_index(site_id)] += 1
    return initial


def relocation_flows(
    model: mathopt.Model,
    problem: PlacementProblem,
    y: dict[tuple[int, int], mathopt.Variable],
    arcs: list[tuple[int, int]],
    *,
    deadline: float | None = None,
) -> list[mathopt.LinearExpression]:
    """Units flow along ``arcs`` between week w-1 and w (and from the initial sites into week
    0); returns the relocation cost terms of the objective."""
    S, W, U = len(problem.sites), len(problem.weeks), problem.units
    cost = problem.move_cost()
    initial = initial_units(problem)
    first_move_week = 0 if problem.initial_sites is not None else 1
    relocation = []
    for w in range(first_move_week, W):
        _check(deadline)
        flow = {a: model.add_variable(lb=0, ub=U, name=f"f(a={a},w={w})") for a in arcs}
        inflow: dict[int, list[mathopt.Variable]] = defaultdict(list)
        outflow: dict[int, list[mathopt.Variable]] = defaultdict(list)
        for (s, t), var in flow.items():
            outflow[s].append(var)
            inflow[t].append(var)
            relocation.append(float(cost[s, t]) * var)
        for s in range(S):
            before = y[s, w - 1] if w > 0 else float(initial[s])
            model.add_linear_constraint(
                y[s, w] - before - sum(inflow[s]) + sum(outflow[s]) == 0, name=f"flow(s={s},w={w})"
            )
    return relocation


def min_stay(
    model: mathopt.Model, problem: PlacementProblem, y: dict[tuple[int, int], mathopt.Variable]
) -> None:
    """Minimum stay: units that arrived at a site in the last L weeks are all still there."""
    S, W, U, L = len(problem.sites), len(problem.weeks), problem.units, problem.min_stay_weeks
    if L <= 1:
        return
    initial = initial_units(problem)
    for s in range(S):
        arrivals = []
        for w in range(W):
            a = model.add_variable(lb=0, ub=U, name=f"arrive(s={s},w={w})")
            before = y[s, w - 1] if w > 0 else float(initial[s])
            if w == 0 and problem.initial_sites is None:
                model.add_linear_constraint(a == y[s, 0])
            else:
                model.add_linear_constraint(a - y[s, w] + before >= 0)
            arrivals.append(a)
        for w in range(W):
            recent = arrivals[max(0, w - L + 1) : w + 1]
            model.add_linear_constraint(y[s, w] - sum(recent) >= 0, name=f"min_stay(s={s},w={w})")


def region_contracts(
    model: mathopt.Model,
    problem: PlacementProblem,
    y: dict[tuple[int, int], mathopt.Variable],
    *,
    elastic: bool,
) -> dict[str, mathopt.Variable]:
    """Each contracting county gets at least its unit-weeks; with ``elastic`` a shortfall
    variable per county (returned by county) may make up the difference."""
    W = len(problem.weeks)
    slacks = {}
    for contract in problem.region_contracts:
        sites = [
            s for s, site in enumerate(problem.sites) if site.county_code == contract.county_code
        ]
        lhs = sum(y[s, w] for s in sites for w in range(W)) if sites else 0
        if elastic:
            slack = model.add_variable(lb=0, name=f"short(region_contract={contract.county_code})")
            slacks[contract.county_code] = slack
            lhs = lhs + slack
        model.add_linear_constraint(
            lhs >= contract.unit_weeks, name=f"contract({contract.county_code})"
        )
    return slacks


def county_floor(
    model: mathopt.Model,
    problem: PlacementProblem,
    served_county: dict[str, list[mathopt.Variable]],
    *,
    elastic: bool,
) -> dict[str, mathopt.Variable]:
    """Each county with demand gets at least ``county_floor_share`` of it served; with
    ``elastic`` a shortfall variable per county (returned by county) may make up the rest."""
    slacks = {}
    for county, demand in problem.county_demand().items():
        if demand <= 0:
            continue
        lhs = sum(served_county[county])
        if elastic:
            slack = model.add_variable(lb=0, name=f"short(county_floor={county})")
            slacks[county] = slack
            lhs = lhs + slack
        model.add_linear_constraint(
            lhs >= problem.county_floor_share * demand, name=f"floor({county})"
        )
    return slacks


def worst_county_share(
    model: mathopt.Model,
    problem: PlacementProblem,
    served_county: dict[str, list[mathopt.Variable]],
) -> mathopt.Variable:
    """The maximin equity variable: no county with demand has a smaller served share."""
    worst = model.add_variable(lb=0, ub=1, name="worst_county_share")
    for county, demand in problem.county_demand().items():
        if demand > 0:
            model.add_linear_constraint(sum(served_county[county]) - demand * worst >= 0)
    return worst
