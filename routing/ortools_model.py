"""The OR-Tools routing model of a :class:`~routing.problem.Problem`, and one search on it.

:class:`ScaledProblem` is the problem in OR-Tools integers; :func:`run_search` builds a
``pywrapcp.RoutingModel`` on some of the vehicles, adds the rules of :mod:`routing.problem`
one function each (:func:`add_time_windows`, :func:`add_shifts`, :func:`add_capacity`,
:func:`add_drop_penalties`), searches, and hands back plain routes
``{vehicle index: [stop indices]}``. No OR-Tools object leaves this module; the phases that
call it are in :mod:`routing.ortools_engine`.

Nodes: the depots the chosen vehicles start from come first (``nd`` of them), then one node
per stop (stop ``k`` is node ``nd + k``).
"""

from __future__ import annotations

import itertools
import math
from dataclasses import dataclass
from typing import Any

import numpy as np

from routing.params import SolveParams
from routing.problem import Problem


class ScaledProblem:
    """The problem in OR-Tools integers (times rounded so that feasible stays feasible).

    Travel times are multiplied by ``scale`` and rounded up, window and shift ends down;
    ``D`` is the arc cost (distance, times ``per_km`` in ``cost`` mode). ``vehicle_m`` is a
    fixed cost per vehicle above any total distance, ``big`` the drop penalty of a mandatory
    stop (above every vehicle and distance together), ``horizon`` a bound on every time.
    """

    def __init__(self, problem: Problem, scale: int) -> None:
        self.problem, self.scale = problem, scale
        T = np.ceil(problem.duration * scale - 1e-7).astype(np.int64)
        self.T = np.maximum(T, 0)
        obj = problem.objective
        per_km = obj.per_km if obj.mode == "cost" else 1.0
        self.D = np.rint(problem.distance * per_km * scale).astype(np.int64)
        self.per_vehicle = round(obj.per_vehicle * scale) if obj.mode == "cost" else 0
        finite = [v.shift_end for v in problem.vehicles if math.isfinite(v.shift_end)]
        finite += [s.tw_end for s in problem.stops if math.isfinite(s.tw_end)]
        bound = (
            max(finite, default=0.0)
            + sum(s.service for s in problem.stops)
            + float(problem.duration.max()) * (len(problem.stops) + 1)
        )
        self.horizon = math.ceil(bound * scale) + 1
        self.mandatory = [i for i, s in enumerate(problem.stops) if s.drop_penalty is None]
        # any distance is cheaper than a dropped mandatory stop
        n = len(problem.stops) + 2 * len(problem.vehicles)
        self.vehicle_m = int(
            max(1, self.D.max()) * n + 1
        )  # one vehicle costs more than any distance
        self.big = (
            self.vehicle_m * (len(problem.vehicles) + 1)
            + self.per_vehicle * len(problem.vehicles)
            + 1
        )
        self.mixed = any(s.delivery for s in problem.stops) and any(s.pickup for s in problem.stops)

    def up(self, x: float) -> int:
        """``x`` in integer units, rounded up (a start or a travel time)."""
        return min(self.horizon, math.ceil(x * self.scale - 1e-7))

    def down(self, x: float) -> int:
        """``x`` in integer units, rounded down (an end); ``inf`` is the horizon."""
        return (
            min(self.horizon, math.floor(x * self.scale + 1e-7))
            if math.isfinite(x)
            else self.horizon
        )

    def route_cost(self, routes: dict[int, list[int]]) -> int:
        """The integer objective of ``routes``: arc costs, vehicles, optional drop penalties."""
        p = self.problem
        cost = 0
        for v, stops in routes.items():
            if not stops:
                continue
            depot = p.depots[p.vehicles[v].depot].location
            locs = [depot] + [p.stops[s].location for s in stops] + [depot]
            cost += int(sum(self.D[a, b] for a, b in itertools.pairwise(locs))) + self.per_vehicle
        served = {s for r in routes.values() for s in r}
        for i, s in enumerate(p.stops):
            if i not in served and s.drop_penalty is not None:
                cost += round(s.drop_penalty * self.scale)
        return cost


@dataclass(frozen=True)
class Search:
    """What one :func:`run_search` does besides the model.

    ``start``: routes to warm-start from (``None``: a first-solution strategy);
    ``stop_when_complete``: stop at the first solution that drops no mandatory stop;
    ``lns``: switch on the LNS operators; ``fixed``: an extra fixed cost per used vehicle.
    """

    seconds: float
    start: dict[int, list[int]] | None = None
    stop_when_complete: bool = False
    lns: bool = False
    fixed: int = 0


@dataclass(frozen=True)
class _Nodes:
    """The node layout of one model: depots of the chosen vehicles first, then the stops."""

    ints: ScaledProblem
    vehicles: list[int]
    depots: list[int]

    @property
    def nd(self) -> int:
        return len(self.depots)

    @property
    def locations(self) -> list[int]:
        p = self.ints.problem
        return [p.depots[d].location for d in self.depots] + [s.location for s in p.stops]


def run_search(
    ints: ScaledProblem, params: SolveParams, vehicles: list[int], search: Search
) -> dict[int, list[int]] | None:
    """One OR-Tools search on the given vehicles; routes as {vehicle: [stop indices]}.

    ``None`` when the warm start cannot be read or no solution is found.
    """
    from ortools.constraint_solver import pywrapcp

    if not vehicles:  # OR-Tools needs at least one vehicle; with none, every stop is out
        return {}
    p = ints.problem
    nodes = _Nodes(ints, vehicles, sorted({p.vehicles[v].depot for v in vehicles}))
    dnode = {d: i for i, d in enumerate(nodes.depots)}
    starts = [dnode[p.vehicles[v].depot] for v in vehicles]
    manager = pywrapcp.RoutingIndexManager(len(nodes.locations), len(vehicles), starts, starts)
    routing = pywrapcp.RoutingModel(manager)
    add_arc_costs(routing, nodes, search.fixed)
    add_time_windows(routing, manager, nodes)
    add_shifts(routing, nodes)
    add_capacity(routing, nodes)
    add_drop_penalties(routing, manager, nodes)
    sp = search_parameters(params, search)
    if search.stop_when_complete:
        stop_when_complete(routing, ints.big)
    routing.CloseModelWithParameters(sp)
    if search.start is not None:
        index_routes = [[nodes.nd + s for s in search.start.get(v, [])] for v in vehicles]
        initial = routing.ReadAssignmentFromRoutes(index_routes, True)
        if initial is None:
            return None
        assignment = routing.SolveFromAssignmentWithParameters(initial, sp)
        if assignment is None:
            assignment = initial
    else:
        assignment = routing.SolveWithParameters(sp)
    if assignment is None:
        return None
    return read_routes(routing, manager, assignment, nodes)


def add_arc_costs(routing: Any, nodes: _Nodes, fixed: int) -> None:
    """Objective: the scaled distance (or cost per km) of every arc, plus a fixed cost per used
    vehicle (``per_vehicle`` in ``cost`` mode, plus ``fixed``)."""
    ints = nodes.ints
    L = np.array(nodes.locations)
    # RegisterTransitMatrix is indexed by node; no Python callback runs during the search.
    cost_cb = routing.RegisterTransitMatrix(ints.D[np.ix_(L, L)].tolist())
    routing.SetArcCostEvaluatorOfAllVehicles(cost_cb)
    if ints.per_vehicle or fixed:
        routing.SetFixedCostOfAllVehicles(ints.per_vehicle + fixed)


def add_time_windows(routing: Any, manager: Any, nodes: _Nodes) -> None:
    """Time: a ``time`` dimension (travel plus the service at the node left, waiting allowed)
    and each stop's window on the start of its service."""
    ints, nd = nodes.ints, nodes.nd
    p = ints.problem
    L = np.array(nodes.locations)
    service = [0] * nd + [ints.up(s.service) for s in p.stops]
    travel = ints.T[np.ix_(L, L)] + np.array(service, dtype=np.int64)[:, None]
    time_cb = routing.RegisterTransitMatrix(travel.tolist())
    H = ints.horizon
    routing.AddDimension(time_cb, H, H, False, "time")
    tdim = routing.GetDimensionOrDie("time")
    # A window narrower than 1/scale may hold no integer point (up > down): it is widened to
    # the point after its start, so it may be missed by < 1/scale, which evaluate() reports.
    for k, s in enumerate(p.stops):
        idx = manager.NodeToIndex(nd + k)
        lo = ints.up(s.tw_start)
        tdim.CumulVar(idx).SetRange(lo, max(lo, ints.down(s.tw_end)))


def add_shifts(routing: Any, nodes: _Nodes) -> None:
    """Shift: departure and return inside ``[shift_start, shift_end]``; route duration at most
    ``max_duration`` (on the ``time`` dimension of :func:`add_time_windows`)."""
    ints = nodes.ints
    tdim = routing.GetDimensionOrDie("time")
    for j, v in enumerate(nodes.vehicles):
        veh = ints.problem.vehicles[v]
        lo = ints.up(veh.shift_start)
        hi = max(lo, ints.down(veh.shift_end))
        tdim.CumulVar(routing.Start(j)).SetRange(lo, hi)
        tdim.CumulVar(routing.End(j)).SetRange(lo, hi)
        if math.isfinite(veh.max_duration):
            tdim.SetSpanUpperBoundForVehicle(ints.down(veh.max_duration), j)


def add_capacity(routing: Any, nodes: _Nodes) -> None:
    """Capacity: the load never exceeds the vehicle's capacity.

    With deliveries and pickups mixed, a ``load`` dimension carries pickup minus delivery and
    a ``delivered`` dimension the deliveries, and the load leaving the depot is set to all the
    route delivers; otherwise one ``load`` dimension sums delivery plus pickup.
    """
    ints, nd = nodes.ints, nodes.nd
    p = ints.problem
    caps = [int(p.vehicles[v].capacity) for v in nodes.vehicles]
    if ints.mixed:
        net = routing.RegisterUnaryTransitVector(
            [0] * nd + [s.pickup - s.delivery for s in p.stops]
        )
        routing.AddDimensionWithVehicleCapacity(net, 0, caps, False, "load")
        out = routing.RegisterUnaryTransitVector([0] * nd + [s.delivery for s in p.stops])
        routing.AddDimensionWithVehicleCapacity(out, 0, caps, True, "delivered")
        load, delivered = routing.GetDimensionOrDie("load"), routing.GetDimensionOrDie("delivered")
        solver = routing.solver()
        for j in range(len(nodes.vehicles)):  # the load leaving the depot is everything to deliver
            solver.Add(load.CumulVar(routing.Start(j)) == delivered.CumulVar(routing.End(j)))
    else:
        demand = [0] * nd + [s.delivery + s.pickup for s in p.stops]
        cb = routing.RegisterUnaryTransitVector(demand)
        routing.AddDimensionWithVehicleCapacity(cb, 0, caps, True, "load")


def add_drop_penalties(routing: Any, manager: Any, nodes: _Nodes) -> None:
    """Every stop served once or dropped: an optional stop at its drop penalty, a mandatory
    one at ``big`` (more than any plan that serves it)."""
    ints, nd = nodes.ints, nodes.nd
    for k, s in enumerate(ints.problem.stops):
        penalty = ints.big if s.drop_penalty is None else round(s.drop_penalty * ints.scale)
        routing.AddDisjunction([manager.NodeToIndex(nd + k)], penalty)


#: OR-Tools' LNS operators switched on by :attr:`Search.lns`.
LNS_OPERATORS = (
    "use_path_lns",
    "use_inactive_lns",
    "use_global_cheapest_insertion_close_nodes_lns",
    "use_local_cheapest_insertion_close_nodes_lns",
    "use_global_cheapest_insertion_expensive_chain_lns",
    "use_local_cheapest_insertion_expensive_chain_lns",
    "use_relocate_neighbors",
    "use_cross_exchange",
)


def search_parameters(params: SolveParams, search: Search) -> Any:
    """OR-Tools search parameters from :class:`SolveParams` and this search's time and LNS."""
    from ortools.constraint_solver import pywrapcp, routing_enums_pb2

    sp = pywrapcp.DefaultRoutingSearchParameters()
    sp.first_solution_strategy = getattr(
        routing_enums_pb2.FirstSolutionStrategy, params.first_solution
    )
    sp.local_search_metaheuristic = getattr(
        routing_enums_pb2.LocalSearchMetaheuristic, params.metaheuristic
    )
    sp.time_limit.FromMilliseconds(max(10, int(search.seconds * 1000)))
    sp.use_full_propagation = params.full_propagation
    if params.solution_limit:
        sp.solution_limit = params.solution_limit
    sp.ls_operator_neighbors_ratio = params.neighbors_ratio
    sp.ls_operator_min_neighbors = params.min_neighbors
    sp.guided_local_search_lambda_coefficient = params.gls_lambda
    sp.use_multi_armed_bandit_concatenate_operators = params.bandit
    if search.lns:
        ops = sp.local_search_operators
        for name in LNS_OPERATORS:
            setattr(ops, name, 3)  # OptionalBoolean.BOOL_TRUE
    return sp


def stop_when_complete(routing: Any, big: int) -> None:
    """End the search at the first solution that drops no mandatory stop (cost below ``big``)."""
    done = [False]

    def at_solution() -> None:
        if routing.CostVar().Max() < big:  # nothing mandatory dropped
            done[0] = True

    routing.AddAtSolutionCallback(at_solution)
    routing.AddSearchMonitor(routing.solver().CustomLimit(lambda: done[0]))


def read_routes(routing: Any, manager: Any, assignment: Any, nodes: _Nodes) -> dict[int, list[int]]:
    """The stop indices of each vehicle's route in the assignment."""
    routes: dict[int, list[int]] = {}
    for j, v in enumerate(nodes.vehicles):
        idx, seq = routing.Start(j), []
        idx = assignment.Value(routing.NextVar(idx))
        while not routing.IsEnd(idx):
            seq.append(manager.IndexToNode(idx) - nodes.nd)
            idx = assignment.Value(routing.NextVar(idx))
        routes[v] = seq
    return routes
