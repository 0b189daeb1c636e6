"""Builds the placement MIP (MathOpt). Internal: only :mod:`planner.placement.solve` uses it.

Size control, because the scale target is 10 units x 26 weeks x ~300 sites x ~1,300 points:

- Demand points with the same set of reachable sites and the same county are merged into one
  group (their demand adds up); points that no site reaches, or a fixed clinic covers, drop out.
- Relocation is a flow between consecutive weeks over a sparse graph: each site has arcs to its
  ``move_neighbours`` nearest sites (both directions), plus arcs that join any components. A long
  move runs along several arcs; with shortest-path travel data this costs at least the direct
  move, so the model never under-prices a relocation. ``evaluate`` reports true road km.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field

import networkx as nx
import numpy as np
from ortools.math_opt.python import mathopt

from planner.placement.problem import PlacementProblem, SolveParams


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
    for s in range(n):
        order = [
            t
            for t in np.argsort(minutes[s], kind="stable")
            if t != s and np.isfinite(minutes[s, t])
        ]
        for t in order[:neighbours]:
            arcs.add((s, int(t)))
            arcs.add((int(t), s))
    graph = nx.Graph()
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
) -> BuiltModel:
    """The MIP; with ``elastic`` the contracts and floors get penalised slack instead.

    ``y_lower`` (S, W) and ``county_min_units`` {(county, week): units} add lower bounds;
    the rolling-horizon warm start uses them to keep units that must stay and to spread
    region contracts over the weeks.
    """
    S, W, U = len(problem.sites), len(problem.weeks), problem.units
    cap, value = problem.capacity_per_week, problem.value_per_patient
    groups, group_county, G = demand_groups(problem)
    reach = problem.reach
    model = mathopt.Model(name="placement")

    y = {
        (s, w): model.add_integer_variable(lb=0, ub=U, name=f"y(s={s},w={w})")
        for s in range(S)
        for w in range(W)
    }
    for w in range(W):
        model.add_linear_constraint(sum(y[s, w] for s in range(S)) == U, name=f"units(w={w})")
    if y_lower is not None:
        for (s, w), var in y.items():
            if y_lower[s, w] > 0:
                var.lower_bound = float(y_lower[s, w])
    for (county, w), need in (county_min_units or {}).items():
        in_county = [y[s, w] for s in range(S) if problem.sites[s].county_code == county]
        if need > 0 and in_county:
            model.add_linear_constraint(sum(in_county) >= need, name=f"spread({county},w={w})")

    # Served patients: x[g, s, w] only where site s reaches group g and g has demand in w.
    x: dict[tuple[int, int, int], mathopt.Variable] = {}
    by_site: dict[tuple[int, int], list[mathopt.Variable]] = defaultdict(list)
    for g, points in enumerate(groups):
        sites = np.flatnonzero(reach[:, points[0]])
        for w in range(W):
            if G[g, w] <= 0:
                continue
            row = []
            for s in sites:
                var = model.add_variable(lb=0, ub=float(G[g, w]), name=f"x(g={g},s={s},w={w})")
                x[g, int(s), w] = var
                row.append(var)
                by_site[int(s), w].append(var)
                if strong:  # a site serves a group only where a unit stands (tightens the LP)
                    model.add_linear_constraint(var - min(float(G[g, w]), cap) * y[int(s), w] <= 0)
            model.add_linear_constraint(sum(row) <= float(G[g, w]), name=f"demand(g={g},w={w})")
    for (s, w), served in by_site.items():
        model.add_linear_constraint(sum(served) - cap * y[s, w] <= 0, name=f"capacity(s={s},w={w})")

    # Relocation flows between week w-1 and w (and from the initial sites into week 0).
    arcs = move_arcs(problem, params.move_neighbours)
    cost = problem.move_cost()
    initial = np.zeros(S)
    if problem.initial_sites is not None:
        for site_id in problem.initial_sites:
            initial[problem.site_index(site_id)] += 1
    first_move_week = 0 if problem.initial_sites is not None else 1
    relocation = []
    for w in range(first_move_week, W):
        flow = {a: model.add_variable(lb=0, ub=U, name=f"f(a={a},w={w})") for a in arcs}
        inflow: dict[int, list] = defaultdict(list)
        outflow: dict[int, list] = defaultdict(list)
        for (s, t), var in flow.items():
            outflow[s].append(var)
            inflow[t].append(var)
            relocation.append(float(cost[s, t]) * var)
        for s in range(S):
            before = y[s, w - 1] if w > 0 else float(initial[s])
            model.add_linear_constraint(
                y[s, w] - before - sum(inflow[s]) + sum(outflow[s]) == 0, name=f"flow(s={s},w={w})"
            )

    # Minimum stay: units that arrived in the last L weeks are all still there.
    L = problem.min_stay_weeks
    if L > 1:
        arrivals = {}
        for s in range(S):
            for w in range(W):
                a = model.add_variable(lb=0, ub=U, name=f"arrive(s={s},w={w})")
                before = y[s, w - 1] if w > 0 else float(initial[s])
                if w == 0 and problem.initial_sites is None:
                    model.add_linear_constraint(a == y[s, 0])
                else:
                    model.add_linear_constraint(a - y[s, w] + before >= 0)
                arrivals[s, w] = a
            for w in range(W):
                recent = [arrivals[s, k] for k in range(max(0, w - L + 1), w + 1)]
                model.add_linear_constraint(
                    y[s, w] - sum(recent) >= 0, name=f"min_stay(s={s},w={w})"
                )

    slacks: dict[str, dict[str, mathopt.Variable]] = defaultdict(dict)
    penalty = value * cap * max(1, W) * 10  # any slack costs more than any plan can gain

    for contract in problem.region_contracts:
        sites = [s for s in range(S) if problem.sites[s].county_code == contract.county_code]
        lhs = sum(y[s, w] for s in sites for w in range(W)) if sites else 0
        if elastic:
            slack = model.add_variable(lb=0, name=f"short(region_contract={contract.county_code})")
            slacks["region_contract"][contract.county_code] = slack
            lhs = lhs + slack
        model.add_linear_constraint(
            lhs >= contract.unit_weeks, name=f"contract({contract.county_code})"
        )

    served_county: dict[str, list] = defaultdict(list)
    for (g, _s, _w), var in x.items():
        served_county[group_county[g]].append(var)
    county_demand = _county_demand(problem)
    objective = value * sum(x.values()) - sum(relocation)
    if problem.equity == "floor" and problem.county_floor_share > 0:
        for county, demand in county_demand.items():
            if demand <= 0:
                continue
            lhs = sum(served_county[county])
            if elastic:
                slack = model.add_variable(lb=0, name=f"short(county_floor={county})")
                slacks["county_floor"][county] = slack
                lhs = lhs + slack
            model.add_linear_constraint(
                lhs >= problem.county_floor_share * demand, name=f"floor({county})"
            )
    elif problem.equity == "maximin":
        worst = model.add_variable(lb=0, ub=1, name="worst_county_share")
        for county, demand in county_demand.items():
            if demand > 0:
                model.add_linear_constraint(sum(served_county[county]) - demand * worst >= 0)
        # The worst share comes first: one percentage point outweighs any served-volume gain.
        objective = objective + penalty * worst
    if elastic:
        objective = objective - penalty * sum(v for fam in slacks.values() for v in fam.values())
    model.maximize(objective)
    return BuiltModel(model, y, x, groups, group_county, arcs, dict(slacks))


def _county_demand(problem: PlacementProblem) -> dict[str, float]:
    """Demand left to the units per county over the horizon (reachable or not)."""
    totals: dict[str, float] = defaultdict(float)
    unit_demand = problem.unit_demand.sum(axis=1)
    for p, point in enumerate(problem.points):
        totals[point.county_code] += float(unit_demand[p])
    return dict(totals)
