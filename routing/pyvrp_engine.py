"""The PyVRP engine: our :class:`~routing.problem.Problem` as PyVRP data, one search, our Solution.

:func:`to_pyvrp` maps the problem onto PyVRP's ``ProblemData`` (built directly from numpy
matrices rather than edge by edge through ``pyvrp.Model``, which loops in Python over every
pair): PyVRP location ``i`` is our depot ``i`` for ``i < nd`` and then one location per stop
served (so two stops at one place keep the diagonal of our matrices), PyVRP depot ``d`` is our
depot ``d``, PyVRP client ``k`` is ``PyVRPData.stops[k]`` (clients are numbered from 0 among
clients in PyVRP 0.14's activities, apart from the depots), and identical vehicles share one
vehicle type whose routes are handed back to them in turn.

Integers as in :class:`~routing.ortools_model.ScaledProblem`: costs and times times
:data:`SCALE` (times by more in the rare case a whole time unit of lateness could cost less
than a vehicle, :func:`penalty_units`) and loads times a factor (:func:`load_units`: so that
PyVRP's bounded overload penalty can outweigh a vehicle); travel and service times
and window starts rounded up, window and shift ends and the maximum duration rounded down, so
a plan PyVRP finds feasible is feasible in exact arithmetic. The arc cost is the distance
(times ``per_km`` in ``cost`` mode); ``vehicles_then_distance`` puts a fixed cost per vehicle
above any distance plus drop penalties (fewest vehicles first). An
optional stop is a client with ``prize`` its drop penalty. A stop that no vehicle can serve on
its own (window closed before it can be reached, load above every capacity) is left out and
comes back dropped.

If PyVRP's best plan still breaks a rule (a mandatory stop that fits alone but not with the
rest), it searches again with the mandatory stops optional at a prize above any plan, and
:func:`repair` takes stops off any route that still breaks a rule. The engine is called by
:func:`routing.solve.solve` with at least one stop and one vehicle; no PyVRP object leaves it.
"""

from __future__ import annotations

import math
import time
import warnings
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from routing.kpi import route_violations, schedule, with_status
from routing.params import ProgressCallback, SolveParams
from routing.problem import Problem
from routing.solution import Solution

#: PyVRP's "no limit" for windows, shifts and durations.
UNBOUNDED = int(np.iinfo(np.int64).max)
#: The largest matrix entry PyVRP takes without a scaling warning (pyvrp.constants.MAX_VALUE).
MAX_VALUE = 1 << 44
#: Costs and times are multiplied by this for PyVRP (whose penalty bounds are absolute numbers:
#: at 100 per unit, as in PyVRP-alone's Solomon set-up, its search does best; x1000 made
#: RC1_2_1 4 % longer at 30 s). ``SolveParams.scale`` is the OR-Tools engine's.
SCALE = 100
#: PyVRP's largest penalty per unit of excess load (``PenaltyParams.max_penalty``).
MAX_PENALTY = 100_000
#: Problems up to this many stops stop early by default (see :func:`early_stop`).
SMALL = 60

Routes = dict[int, list[int]]


@dataclass(frozen=True)
class PyVRPData:
    """PyVRP's ``ProblemData`` of a problem and how to read its routes back.

    ``stops``: our stop index of each PyVRP client; ``fleets``: our vehicle indices of each
    PyVRP vehicle type; ``left_out``: stops no vehicle can serve on its own.
    """

    data: Any
    stops: tuple[int, ...]
    fleets: tuple[tuple[int, ...], ...]
    left_out: tuple[int, ...]


def solve(
    problem: Problem, params: SolveParams, on_progress: ProgressCallback | None = None
) -> Solution:
    """PyVRP's best plan within ``params.time_limit`` seconds, as our Solution."""
    t0 = time.monotonic()
    report = on_progress or (lambda fraction, message: None)
    report(0.0, "PyVRP search")
    pv = to_pyvrp(problem, SCALE)
    log: list[str] = []
    routes: Routes = {}
    if pv.stops:
        best, iterations = search(pv.data, params, params.time_limit)
        routes = read_routes(pv, best)
        log.append(f"{time.monotonic() - t0:5.2f}s pyvrp: {iterations} iterations")
        if not best.is_feasible() and (left := params.time_limit - (time.monotonic() - t0)) > 0:
            report(0.5, "PyVRP search with every stop optional")
            pv = to_pyvrp(problem, SCALE, all_optional=True)
            best, iterations = search(pv.data, params, left)
            if best.is_feasible():
                routes = read_routes(pv, best)
            log.append(f"{time.monotonic() - t0:5.2f}s all optional: {iterations} iterations")
    routes = repair(problem, routes)
    report(1.0, "done")
    return to_solution(problem, routes, time.monotonic() - t0, tuple(log))


def search(data: Any, params: SolveParams, seconds: float) -> tuple[Any, int]:
    """One PyVRP search: (its best solution, iterations run)."""
    import pyvrp
    from pyvrp.exceptions import PenaltyBoundWarning
    from pyvrp.stop import MaxIterations, MaxRuntime, MultipleCriteria, NoImprovement

    criteria: list[Any] = [MaxRuntime(max(seconds, 0.01))]
    patience = params.no_improvement or early_stop(data.num_clients)
    if patience is not None:
        criteria.append(NoImprovement(patience))
    if params.solution_limit:
        criteria.append(MaxIterations(params.solution_limit))
    with warnings.catch_warnings():  # an instance with no feasible plan is handled above
        warnings.simplefilter("ignore", PenaltyBoundWarning)
        result = pyvrp.solve(
            data, MultipleCriteria(criteria), seed=params.seed, collect_stats=False, display=False
        )
    return result.best, result.num_iterations


def early_stop(clients: int) -> int | None:
    """Iterations without improvement after which a small instance stops: ``1000 + 500 *
    clients`` up to :data:`SMALL` clients (a plan of a handful of stops is optimal after a few
    hundred iterations, and PyVRP runs thousands a second on them), none above (the time limit
    decides)."""
    return 1000 + 500 * clients if clients <= SMALL else None


def to_pyvrp(problem: Problem, scale: int, all_optional: bool = False) -> PyVRPData:
    """The problem as PyVRP data (see the module docstring); ``all_optional`` turns every
    mandatory stop into an optional one whose prize is above any plan's cost."""
    from pyvrp import Client, Depot, Location, ProblemData

    p = problem
    nd = len(p.depots)
    types = vehicle_types(p)
    left_out = tuple(k for k in range(len(p.stops)) if not servable_alone(p, k, types))
    kept = tuple(k for k in range(len(p.stops)) if k not in set(left_out))
    nodes = [d.location for d in p.depots] + [p.stops[k].location for k in kept]
    dist = cost_matrix(p, nodes, scale)
    prizes = [_prize(p.stops[k].drop_penalty, scale) for k in kept]
    # any plan's distance plus drop penalties is below `bound` (every arc leaves a stop or a
    # vehicle's depot); in vehicles_then_distance mode a vehicle costs more
    legs = int(dist[nd:].max(axis=1, initial=0).sum())
    bound = legs + int(dist[:nd].max()) * len(p.vehicles) + sum(prizes) + 1
    hierarchical = p.objective.mode == "vehicles_then_distance"
    per_vehicle = bound if hierarchical else round(p.objective.per_vehicle * scale)
    big = per_vehicle * len(p.vehicles) + bound  # above any plan's cost
    units = load_units(per_vehicle, [max(p.stops[k].delivery, p.stops[k].pickup) for k in kept])
    tscale = scale * penalty_units(max(per_vehicle, int(dist.max())) // scale)
    clients = []
    for j, k in enumerate(kept):
        s = p.stops[k]
        mandatory = s.drop_penalty is None
        early = _up(s.tw_start, tscale)
        clients.append(
            Client(
                location=nd + j,
                delivery=[int(s.delivery) * units],
                pickup=[int(s.pickup) * units],
                service_duration=_up(s.service, tscale),
                tw_early=early,
                tw_late=max(early, _down(s.tw_end, tscale)),
                prize=big if mandatory and all_optional else prizes[j],
                required=mandatory and not all_optional,
                name=s.id,
            )
        )
    locations = [Location(0.0, 0.0, name=d.id) for d in p.depots]
    locations += [Location(0.0, 0.0, name=p.stops[k].id) for k in kept]
    # PyVRP's stubs spell a matrix ndarray[int], which no numpy array type matches
    matrices: tuple[list[Any], list[Any]] = ([dist], [duration_matrix(p, nodes, tscale)])
    data = ProblemData(
        locations,
        clients,
        [Depot(location=d, name=depot.id) for d, depot in enumerate(p.depots)],
        [_vehicle_type(p, fleet, tscale, per_vehicle, units) for fleet in types],
        *matrices,
    )
    return PyVRPData(data, kept, tuple(types), left_out)


def vehicle_types(problem: Problem) -> list[tuple[int, ...]]:
    """Our vehicles grouped by everything but their id (depot, capacity, shift, duration)."""
    groups: dict[tuple[float, ...], list[int]] = {}
    for i, v in enumerate(problem.vehicles):
        key = (v.depot, v.capacity, v.shift_start, v.shift_end, v.max_duration)
        groups.setdefault(key, []).append(i)
    return [tuple(g) for g in groups.values()]


def servable_alone(problem: Problem, stop: int, types: Sequence[tuple[int, ...]]) -> bool:
    """Whether some vehicle can serve ``stop`` as its only stop without breaking a rule."""
    s_id = problem.stops[stop].id
    for fleet in types:
        v = fleet[0]
        route = schedule(problem, v, [s_id])
        if not route_violations(problem, problem.vehicles[v], route):
            return True
    return False


def cost_matrix(problem: Problem, nodes: Sequence[int], scale: int) -> np.ndarray:
    """PyVRP's arc costs between ``nodes`` (our matrix locations of its locations): distance,
    times ``per_km`` in ``cost`` mode, times ``scale``, rounded, capped at :data:`MAX_VALUE`."""
    obj = problem.objective
    per_km = obj.per_km if obj.mode == "cost" else 1.0
    cost = problem.distance[np.ix_(nodes, nodes)] * per_km * scale
    out = np.minimum(np.rint(cost), MAX_VALUE).astype(np.int64)
    np.fill_diagonal(out, 0)  # a location to itself; two stops at one place have their own
    return out


def duration_matrix(problem: Problem, nodes: Sequence[int], tscale: int) -> np.ndarray:
    """PyVRP's travel times between ``nodes``: times ``tscale``, rounded up, capped."""
    dur = np.ceil(problem.duration[np.ix_(nodes, nodes)] * tscale - 1e-7)
    out = np.minimum(np.maximum(dur, 0), MAX_VALUE).astype(np.int64)
    np.fill_diagonal(out, 0)
    return out


def load_units(fixed_cost: int, loads: Sequence[int]) -> int:
    """The factor on loads and capacities that lets a typical overload (the median load of a
    stop), at PyVRP's largest penalty (:data:`MAX_PENALTY` per unit), cost about a vehicle:
    1 for Solomon's demands of 10-40 at :data:`SCALE`, more for one device per stop and a
    route priced at 1,500 SEK (else PyVRP keeps an overloaded plan rather than pay for one
    more route). Larger factors than needed made PyVRP's search worse (RC1_2_1 4125 against
    3756 with none, 30 s)."""
    positive = sorted(q for q in loads if q > 0)
    if not positive:
        return 1
    return max(1, round(fixed_cost / (MAX_PENALTY * positive[len(positive) // 2])))


def penalty_units(cost: int) -> int:
    """The factor that makes one unit of excess load (or one time unit of lateness, beyond
    ``scale``), at PyVRP's largest penalty (:data:`MAX_PENALTY` per unit), cost twice ``cost``
    (a vehicle or the longest arc): otherwise PyVRP's search prefers an overloaded or late plan
    to one more vehicle and may never see a feasible one. Times are scaled up only when a whole
    time unit needs it (rare): PyVRP's granular neighbourhoods weigh waiting and lateness
    against distance, so inflating times changes its search."""
    return max(1, math.ceil(2 * cost / MAX_PENALTY))


def _vehicle_type(
    problem: Problem, fleet: tuple[int, ...], tscale: int, fixed_cost: int, units: int
) -> Any:
    from pyvrp import VehicleType

    v = problem.vehicles[fleet[0]]
    early = _up(v.shift_start, tscale)
    return VehicleType(
        num_available=len(fleet),
        capacity=[int(v.capacity) * units],
        start_depot=v.depot,
        end_depot=v.depot,
        fixed_cost=fixed_cost,
        tw_early=early,
        tw_late=max(early, _down(v.shift_end, tscale)),
        shift_duration=_down(v.max_duration, tscale),
        name=v.id,
    )


def _up(x: float, scale: int) -> int:
    return min(UNBOUNDED, math.ceil(x * scale - 1e-7))


def _down(x: float, scale: int) -> int:
    return min(UNBOUNDED, math.floor(x * scale + 1e-7)) if math.isfinite(x) else UNBOUNDED


def _prize(drop_penalty: float | None, scale: int) -> int:
    return 0 if drop_penalty is None else round(drop_penalty * scale)


def read_routes(pv: PyVRPData, best: Any) -> Routes:
    """PyVRP's routes as {our vehicle index: [our stop indices]}; a vehicle type's routes go to
    its vehicles in turn."""
    routes: Routes = {}
    taken = [0] * len(pv.fleets)
    for route in best.routes():
        t = route.vehicle_type()
        vehicle = pv.fleets[t][taken[t]]
        taken[t] += 1
        routes[vehicle] = [pv.stops[a.idx] for a in route if a.is_client()]
    return routes


def repair(problem: Problem, routes: Routes) -> Routes:
    """Routes that break no rule: from a route that does, take off the stop whose removal
    leaves the fewest and smallest violations (the first such stop on ties), until none is
    left (those stops are dropped)."""
    out: Routes = {}
    for v, stops in routes.items():
        current = list(stops)
        while current and _badness(problem, v, current)[0]:
            trials = [current[:i] + current[i + 1 :] for i in range(len(current))]
            current = min(trials, key=lambda t: _badness(problem, v, t))
        out[v] = current
    return out


def _badness(problem: Problem, v: int, stops: list[int]) -> tuple[int, float]:
    route = schedule(problem, v, [problem.stops[s].id for s in stops])
    found = route_violations(problem, problem.vehicles[v], route)
    return len(found), sum(x.amount for x in found)


def to_solution(problem: Problem, routes: Routes, seconds: float, log: tuple[str, ...]) -> Solution:
    """The used routes scheduled, the stops on no route dropped, the status evaluated."""
    out = [
        schedule(problem, v, [problem.stops[s].id for s in routes[v]])
        for v in sorted(routes)
        if routes[v]
    ]
    served = {s for r in routes.values() for s in r}
    dropped = tuple(s.id for i, s in enumerate(problem.stops) if i not in served)
    return with_status(problem, Solution(tuple(out), dropped, "unknown", seconds, log))
