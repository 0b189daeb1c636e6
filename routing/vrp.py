"""Vehicle routing with time windows, deliveries and pickups, several depots and dropped stops.

One module, three parts, in the house order:

* the **problem** (:class:`Problem` of :class:`Depot`, :class:`Vehicle`, :class:`Stop`, two
  matrices and an :class:`Objective`): frozen, validated in the constructor, every error a
  :class:`VRPError` that names what and where;
* :func:`solve` -> :class:`Solution`: OR-Tools routing (``pywrapcp``) under a time limit; no
  OR-Tools object leaves it;
* :func:`evaluate` -> :class:`Evaluation`: KPIs and named violations, recomputed from the stop
  order alone, independent of the solver (the test oracle).

Units. The matrices are indexed by *location* (``Depot.location``, ``Stop.location``);
``duration[i][j]`` is travel time and ``distance[i][j]`` travel distance, integers or floats.
For the planner they are minutes and km (from :mod:`routing.matrix`); Solomon instances use
the Euclidean distance for both. All times (windows, service, shifts, durations) are in the
unit of ``duration``.

Formulation (one route per used vehicle ``k``, a sequence of stops ``s_1..s_m`` from and back to
its depot):

* time: ``arrive(s_i) = start(s_{i-1}) + service(s_{i-1}) + duration(s_{i-1}, s_i)``,
  ``start(s_i) = max(arrive(s_i), tw_start(s_i)) <= tw_end(s_i)`` (the window bounds the start of
  service; waiting is allowed), departure and return inside ``[shift_start, shift_end]``, and
  ``return - departure <= max_duration`` (the vehicle may leave late to avoid waiting);
* load: deliveries are loaded at the depot and pickups unloaded there, so the load leaving
  the depot is ``sum(delivery)`` over the route and after ``s_i`` it is the previous load
  ``- delivery(s_i) + pickup(s_i)``; every load must be ``<= capacity``;
* every stop is served once or dropped; a mandatory stop (``drop_penalty is None``) that is
  dropped makes the plan infeasible but the plan is still returned, naming it;
* objective ``"vehicles_then_distance"``: fewest vehicles, then least distance plus the drop
  penalties of dropped optional stops (Solomon's hierarchical objective); ``"cost"``:
  ``per_km * distance + per_vehicle * vehicles`` plus those drop penalties.
"""

from __future__ import annotations

import dataclasses
import itertools
import math
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Literal

import numpy as np

EPS = 1e-6
OBJECTIVES = ("vehicles_then_distance", "cost")

#: ``on_progress(fraction, message)``: the same protocol the CLI progress bars take.
ProgressCallback = Callable[[float | None, str], None]


class VRPError(ValueError):
    """Bad routing input; the message names what is wrong and where."""


# --------------------------------------------------------------------------------------------
# Problem
# --------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Depot:
    """A hub where vehicles start and end; ``location`` indexes the matrices."""

    id: str
    location: int


@dataclass(frozen=True)
class Vehicle:
    """One vehicle based at ``depot`` (an index into :attr:`Problem.depots`).

    ``shift_start``/``shift_end`` bound the departure from and the return to the depot;
    ``max_duration`` bounds return minus departure (driver shift length).
    """

    id: str
    depot: int
    capacity: int
    shift_start: float = 0.0
    shift_end: float = math.inf
    max_duration: float = math.inf


@dataclass(frozen=True)
class Stop:
    """A customer visit: ``delivery`` units brought from the depot, ``pickup`` units taken back.

    Service must start within ``[tw_start, tw_end]`` and takes ``service`` time units.
    ``drop_penalty=None`` makes the stop mandatory; a number makes it optional at that cost
    (in objective units: distance units for ``vehicles_then_distance``, money for ``cost``).
    """

    id: str
    location: int
    delivery: int = 0
    pickup: int = 0
    tw_start: float = 0.0
    tw_end: float = math.inf
    service: float = 0.0
    drop_penalty: float | None = None


@dataclass(frozen=True)
class Objective:
    """``vehicles_then_distance`` (lexicographic) or ``cost`` (per km plus per used vehicle)."""

    mode: Literal["vehicles_then_distance", "cost"] = "vehicles_then_distance"
    per_km: float = 1.0
    per_vehicle: float = 0.0

    def __post_init__(self) -> None:
        if self.mode not in OBJECTIVES:
            raise VRPError(f"objective: unknown mode {self.mode!r}; use one of {OBJECTIVES}.")
        if self.per_km < 0 or self.per_vehicle < 0:
            raise VRPError("objective: per_km and per_vehicle cannot be negative.")


def _square(name: str, matrix: object) -> np.ndarray:
    array = np.array(matrix, dtype=float)
    if array.ndim != 2 or array.shape[0] != array.shape[1]:
        raise VRPError(f"{name} matrix must be square, got shape {array.shape}.")
    bad = np.argwhere(~np.isfinite(array) | (array < 0))
    if len(bad):
        i, j = map(int, bad[0])
        raise VRPError(
            f"{name} matrix: entry [{i}][{j}] is {array[i, j]}; it must be finite and >= 0 "
            "(give unreachable pairs a large value)."
        )
    array.setflags(write=False)
    return array


@dataclass(frozen=True, eq=False)
class Problem:
    """A validated routing problem; change it with :meth:`replace`, never in place."""

    depots: tuple[Depot, ...]
    vehicles: tuple[Vehicle, ...]
    stops: tuple[Stop, ...]
    duration: np.ndarray
    distance: np.ndarray
    objective: Objective = field(default_factory=Objective)

    def __post_init__(self) -> None:
        for name in ("depots", "vehicles", "stops"):
            object.__setattr__(self, name, tuple(getattr(self, name)))
        object.__setattr__(self, "duration", _square("duration", self.duration))
        object.__setattr__(self, "distance", _square("distance", self.distance))
        if self.duration.shape != self.distance.shape:
            raise VRPError(
                f"duration matrix {self.duration.shape} and distance matrix "
                f"{self.distance.shape} differ in shape."
            )
        n = self.duration.shape[0]
        if not self.depots:
            raise VRPError("Cannot route without a depot.")
        for kind, items in (
            ("depot", self.depots),
            ("vehicle", self.vehicles),
            ("stop", self.stops),
        ):
            seen: set[str] = set()
            for item in items:
                if item.id in seen:
                    raise VRPError(f"{kind} {item.id}: the id is used twice.")
                seen.add(item.id)
        for d in self.depots:
            if not 0 <= d.location < n:
                raise VRPError(
                    f"depot {d.id}: location {d.location} is outside the matrix (0..{n - 1})."
                )
        for v in self.vehicles:
            where = f"vehicle {v.id}"
            if not 0 <= v.depot < len(self.depots):
                raise VRPError(
                    f"{where}: depot index {v.depot} is not one of the {len(self.depots)} depots."
                )
            if v.capacity < 0:
                raise VRPError(f"{where}: capacity {v.capacity} is negative.")
            if not math.isfinite(v.shift_start):
                raise VRPError(f"{where}: shift_start {v.shift_start} must be finite.")
            if not v.shift_start <= v.shift_end:
                raise VRPError(
                    f"{where}: shift [{v.shift_start}, {v.shift_end}] ends before it starts."
                )
            if v.max_duration < 0:
                raise VRPError(f"{where}: max_duration {v.max_duration} is negative.")
        for s in self.stops:
            where = f"stop {s.id}"
            if not 0 <= s.location < n:
                raise VRPError(
                    f"{where}: location {s.location} is outside the matrix (0..{n - 1})."
                )
            if s.delivery < 0 or s.pickup < 0:
                raise VRPError(
                    f"{where}: delivery {s.delivery} and pickup {s.pickup} must be >= 0."
                )
            if not (math.isfinite(s.tw_start) and math.isfinite(s.service)):
                raise VRPError(
                    f"{where}: tw_start {s.tw_start} and service {s.service} must be finite."
                )
            if not s.tw_start <= s.tw_end:
                raise VRPError(
                    f"{where}: time window [{s.tw_start}, {s.tw_end}] ends before it starts."
                )
            if s.service < 0:
                raise VRPError(f"{where}: service time {s.service} is negative.")
            if s.drop_penalty is not None and not (0 <= s.drop_penalty < math.inf):
                raise VRPError(f"{where}: drop_penalty {s.drop_penalty} must be finite and >= 0.")

    def replace(self, **changes: object) -> Problem:
        """A copy with some fields changed (validated again)."""
        return dataclasses.replace(self, **changes)

    @property
    def stop_index(self) -> dict[str, int]:
        """Position of each stop id in :attr:`stops`."""
        return {s.id: i for i, s in enumerate(self.stops)}

    @property
    def vehicle_index(self) -> dict[str, int]:
        """Position of each vehicle id in :attr:`vehicles`."""
        return {v.id: i for i, v in enumerate(self.vehicles)}


# --------------------------------------------------------------------------------------------
# Solution and evaluation
# --------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Route:
    """One vehicle's route: stop ids in order with arrival, service-start times and loads.

    ``loads[i]`` is the load after serving ``stops[i]``; ``start_load`` leaves the depot.
    Times are the earliest schedule that leaves the depot as late as possible without
    arriving later anywhere (so ``duration`` is the shortest possible for this order).
    """

    vehicle: str
    stops: tuple[str, ...]
    arrivals: tuple[float, ...]
    starts: tuple[float, ...]
    loads: tuple[int, ...]
    start_load: int
    departure: float
    end: float
    distance: float

    @property
    def duration(self) -> float:
        """Return to the depot minus departure."""
        return self.end - self.departure


@dataclass(frozen=True)
class Solution:
    """The best plan found: used routes, dropped stop ids and the status.

    ``status`` is ``"feasible"`` when :func:`evaluate` finds no broken rule (optional stops may
    be dropped), else ``"infeasible"`` (typically a mandatory stop no vehicle can serve, named
    in ``dropped``). ``log`` holds one line per solver phase with its elapsed time.
    """

    routes: tuple[Route, ...]
    dropped: tuple[str, ...] = ()
    status: str = "unknown"
    seconds: float = 0.0
    log: tuple[str, ...] = ()

    @property
    def vehicles_used(self) -> int:
        """Number of routes with at least one stop."""
        return sum(1 for r in self.routes if r.stops)

    @property
    def distance(self) -> float:
        """Total distance of all routes."""
        return sum(r.distance for r in self.routes)

    @property
    def duration(self) -> float:
        """Total duration (return minus departure) of all routes."""
        return sum(r.duration for r in self.routes)


@dataclass(frozen=True)
class Violation:
    """One broken rule: its readable name, where, by how much, and a sentence."""

    rule: str
    where: str
    amount: float
    message: str


@dataclass(frozen=True)
class Evaluation:
    """KPIs and violations of a solution, recomputed from the stop orders only."""

    vehicles: int
    distance: float
    duration: float
    served: int
    dropped: tuple[str, ...]
    cost: float
    violations: tuple[Violation, ...]

    @property
    def feasible(self) -> bool:
        """True when no rule is broken."""
        return not self.violations

    def kpis(self) -> dict[str, float | int]:
        """The KPIs as a flat dict (for JSON and storage)."""
        return {
            "vehicles": self.vehicles,
            "distance": self.distance,
            "duration": self.duration,
            "served": self.served,
            "dropped": len(self.dropped),
            "cost": self.cost,
            "violations": len(self.violations),
        }


def schedule(problem: Problem, vehicle: int, stop_ids: Sequence[str]) -> Route:
    """The schedule, loads and distance of one vehicle serving ``stop_ids`` in this order.

    The return time as a function of the departure ``t`` is ``max(t + P, Q)`` (``P``: all
    travel and service; ``Q``: the return forced by the window starts), so leaving at
    ``Q - P`` gives both the earliest return and the shortest duration. The departure is that,
    kept within ``shift_start`` and the latest departure that still meets every window end
    (a backward pass). Windows that cannot be met show up as service starts after ``tw_end``
    (checked by :func:`evaluate`), not as an exception. Unknown ids raise ``KeyError``.
    """
    v = problem.vehicles[vehicle]
    depot = problem.depots[v.depot].location
    index = problem.stop_index
    stops = [problem.stops[index[s]] for s in stop_ids]
    locs = [depot] + [s.location for s in stops] + [depot]
    T, D = problem.duration, problem.distance
    legs = [float(T[a, b]) for a, b in itertools.pairwise(locs)]
    if not stops:
        return Route(v.id, (), (), (), (), 0, float(v.shift_start), float(v.shift_start), 0.0)
    total = sum(legs) + sum(s.service for s in stops)
    forced = -math.inf
    for k, s in enumerate(stops):
        forced = max(forced + legs[k], s.tw_start) + s.service
    forced += legs[-1]
    latest = v.shift_end - legs[-1]
    for k in range(len(stops) - 1, -1, -1):
        latest = min(stops[k].tw_end, latest - stops[k].service) - legs[k]
    leave = max(v.shift_start, min(forced - total, latest))
    t, arrivals, starts, loads = leave, [], [], []
    load = start_load = sum(s.delivery for s in stops)
    for k, s in enumerate(stops):
        t += legs[k]
        arrivals.append(t)
        t = max(t, s.tw_start)
        starts.append(t)
        t += s.service
        load = load - s.delivery + s.pickup
        loads.append(load)
    end = t + legs[-1]
    dist = float(sum(D[a, b] for a, b in itertools.pairwise(locs)))
    return Route(
        vehicle=v.id,
        stops=tuple(stop_ids),
        arrivals=tuple(arrivals),
        starts=tuple(starts),
        loads=tuple(loads),
        start_load=start_load,
        departure=float(leave),
        end=float(end),
        distance=dist,
    )


def evaluate(problem: Problem, solution: Solution) -> Evaluation:
    """Recompute KPIs and name every broken rule, from the stop orders alone.

    Rules: "Unknown vehicle", "Vehicle used twice", "Unknown stop", "Stop served twice",
    "Stop neither served nor dropped", "Mandatory stop dropped", "Time window missed",
    "Shift end exceeded", "Route too long" (max duration), "Capacity exceeded".
    """
    violations: list[Violation] = []

    def broken(rule: str, where: str, amount: float, message: str) -> None:
        violations.append(Violation(rule, where, float(amount), message))

    vindex, sindex = problem.vehicle_index, problem.stop_index
    served: dict[str, str] = {}
    used: set[str] = set()
    vehicles = distance = duration = 0.0
    for route in solution.routes:
        if route.vehicle not in vindex:
            broken(
                "Unknown vehicle",
                route.vehicle,
                1,
                f"vehicle {route.vehicle} is not in the problem.",
            )
            continue
        if route.vehicle in used:
            broken(
                "Vehicle used twice", route.vehicle, 1, f"vehicle {route.vehicle} has two routes."
            )
        used.add(route.vehicle)
        known = []
        for s in route.stops:
            if s not in sindex:
                broken(
                    "Unknown stop",
                    f"vehicle {route.vehicle}",
                    1,
                    f"stop {s} is not in the problem.",
                )
                continue
            if s in served:
                broken(
                    "Stop served twice",
                    f"stop {s}",
                    1,
                    f"stop {s} is served by {served[s]} and {route.vehicle}.",
                )
            served[s] = route.vehicle
            known.append(s)
        if not known:
            continue
        vi = vindex[route.vehicle]
        v = problem.vehicles[vi]
        r = schedule(problem, vi, known)
        vehicles += 1
        distance += r.distance
        duration += r.duration
        for s_id, start in zip(r.stops, r.starts, strict=False):
            s = problem.stops[sindex[s_id]]
            if start > s.tw_end + EPS:
                broken(
                    "Time window missed",
                    f"stop {s_id}",
                    start - s.tw_end,
                    f"stop {s_id}: service starts at {start:g}, after its window "
                    f"[{s.tw_start:g}, {s.tw_end:g}] (vehicle {v.id}).",
                )
        if r.end > v.shift_end + EPS:
            broken(
                "Shift end exceeded",
                f"vehicle {v.id}",
                r.end - v.shift_end,
                f"vehicle {v.id}: returns at {r.end:g}, after its shift end {v.shift_end:g}.",
            )
        if r.duration > v.max_duration + EPS:
            broken(
                "Route too long",
                f"vehicle {v.id}",
                r.duration - v.max_duration,
                f"vehicle {v.id}: route takes {r.duration:g}, more than {v.max_duration:g}.",
            )
        peak = max((r.start_load, *r.loads))
        if peak > v.capacity:
            broken(
                "Capacity exceeded",
                f"vehicle {v.id}",
                peak - v.capacity,
                f"vehicle {v.id}: carries {peak}, more than its capacity {v.capacity}.",
            )
    dropped = tuple(s.id for s in problem.stops if s.id not in served)
    listed = set(solution.dropped)
    penalty = 0.0
    for s_id in dropped:
        s = problem.stops[sindex[s_id]]
        if s_id not in listed:
            broken(
                "Stop neither served nor dropped",
                f"stop {s_id}",
                1,
                f"stop {s_id} is on no route and not listed as dropped.",
            )
        if s.drop_penalty is None:
            broken(
                "Mandatory stop dropped",
                f"stop {s_id}",
                1,
                f"stop {s_id} is mandatory but not served.",
            )
        else:
            penalty += s.drop_penalty
    obj = problem.objective
    if obj.mode == "cost":
        cost = obj.per_km * distance + obj.per_vehicle * vehicles + penalty
    else:
        cost = distance + penalty
    return Evaluation(
        vehicles=int(vehicles),
        distance=float(distance),
        duration=float(duration),
        served=len(served),
        dropped=dropped,
        cost=float(cost),
        violations=tuple(violations),
    )


# --------------------------------------------------------------------------------------------
# Solver
# --------------------------------------------------------------------------------------------

FIRST_SOLUTION = (
    "PARALLEL_CHEAPEST_INSERTION",
    "SAVINGS",
    "PATH_CHEAPEST_ARC",
    "LOCAL_CHEAPEST_INSERTION",
    "SEQUENTIAL_CHEAPEST_INSERTION",
    "GLOBAL_CHEAPEST_ARC",
    "CHRISTOFIDES",
    "AUTOMATIC",
)
METAHEURISTICS = ("GUIDED_LOCAL_SEARCH", "SIMULATED_ANNEALING", "TABU_SEARCH", "AUTOMATIC")


@dataclass(frozen=True)
class Params:
    """How :func:`solve` searches. Defaults are the measured best on the Solomon set.

    * ``time_limit``: seconds for the whole solve (all phases).
    * ``first_solution``: OR-Tools first-solution strategy (see :data:`FIRST_SOLUTION`);
      ``also_try``: more strategies, each run in turn in phase 1 (splitting its time), the
      best first plan kept.
    * ``metaheuristic``: OR-Tools local-search metaheuristic.
    * ``scale``: times and distances are multiplied by this and made integers for OR-Tools
      (travel times rounded *up*, window ends down, so a solver-feasible plan is feasible in
      exact arithmetic); reported figures are recomputed in floats.
    * ``eliminate_share``: in ``vehicles_then_distance`` mode, the share of the time spent
      removing routes (remove the shortest route, reinsert its stops on one vehicle fewer,
      warm-started from the previous plan); the rest minimises distance at that fleet size.
    * ``first_share``: share of the time for the first solution and its first improvement.
    * ``full_propagation``: OR-Tools ``use_full_propagation``.
    * ``solution_limit``: stop each phase after this many solutions (reproducible runs
      independent of machine speed; the time limit still applies).
    * ``neighbors_ratio``/``min_neighbors``: OR-Tools ``ls_operator_neighbors_ratio`` and
      ``ls_operator_min_neighbors`` (moves only consider that share of the nearest nodes).
    * ``gls_lambda``: OR-Tools ``guided_local_search_lambda_coefficient``.
    * ``lns``: also switch on OR-Tools' close-nodes / expensive-chain / path / inactive LNS
      operators: ``"off"``, only while removing routes (``"eliminate"``) or throughout.
    * ``max_failures``: stop removing routes after this many failed attempts in a row (each
      failure tries the next-shortest route); ``attempt_share``: the time share per attempt.
    * ``bandit``: OR-Tools ``use_multi_armed_bandit_concatenate_operators``.
    * ``fleet_cost``: in phase 1 of ``vehicles_then_distance``, a fixed cost per vehicle above
      any distance (so the first search already empties routes).
    * ``seed``: breaks ties in the order routes are tried for removal.
    * ``workers``: independent searches run side by side in that many processes (worker k
      uses ``seed + k`` and starts from the k-th strategy of ``(first_solution, *also_try)``),
      the best plan kept. Repeat runs of one search differ by several percent on hard
      instances, so two diverse searches on two cores beat one.
    """

    time_limit: float = 10.0
    first_solution: str = "PARALLEL_CHEAPEST_INSERTION"
    also_try: tuple[str, ...] = ("LOCAL_CHEAPEST_INSERTION",)
    metaheuristic: str = "GUIDED_LOCAL_SEARCH"
    scale: int = 1000
    eliminate_share: float = 0.4
    first_share: float = 0.3
    full_propagation: bool = False
    solution_limit: int | None = None
    neighbors_ratio: float = 1.0
    min_neighbors: int = 1
    gls_lambda: float = 0.1
    lns: Literal["off", "eliminate", "all"] = "eliminate"
    bandit: bool = True
    fleet_cost: bool = True
    max_failures: int = 2
    attempt_share: float = 0.12
    seed: int = 0
    workers: int = 1

    def __post_init__(self) -> None:
        if not self.time_limit > 0:
            raise VRPError(f"params: time_limit {self.time_limit} must be positive.")
        for strategy in (self.first_solution, *self.also_try):
            if strategy not in FIRST_SOLUTION:
                raise VRPError(
                    f"params: first-solution strategy {strategy!r} is not one of {FIRST_SOLUTION}."
                )
        if self.metaheuristic not in METAHEURISTICS:
            raise VRPError(
                f"params: metaheuristic {self.metaheuristic!r} is not one of {METAHEURISTICS}."
            )
        if self.scale < 1:
            raise VRPError(f"params: scale {self.scale} must be >= 1.")
        if not (
            0 <= self.eliminate_share < 1
            and 0 < self.first_share < 1
            and self.eliminate_share + self.first_share < 1
        ):
            raise VRPError(
                "params: eliminate_share and first_share must be shares of the time < 1."
            )
        if self.lns not in ("off", "eliminate", "all"):
            raise VRPError(f"params: lns {self.lns!r} is not 'off', 'eliminate' or 'all'.")
        if self.max_failures < 0 or not 0 < self.attempt_share <= 1:
            raise VRPError("params: max_failures must be >= 0 and attempt_share in (0, 1].")
        if not 0 < self.neighbors_ratio <= 1 or self.min_neighbors < 1 or self.gls_lambda <= 0:
            raise VRPError("params: neighbors_ratio in (0, 1], min_neighbors >= 1, gls_lambda > 0.")
        if self.workers < 1:
            raise VRPError(f"params: workers {self.workers} must be >= 1.")

    def replace(self, **changes: object) -> Params:
        """A copy with some fields changed."""
        return dataclasses.replace(self, **changes)


def solve(
    problem: Problem, params: Params = Params(), *, on_progress: ProgressCallback | None = None
) -> Solution:
    """The best plan found within ``params.time_limit`` seconds (see :class:`Params`).

    Phases: (1) a first solution on the whole fleet (``first_solution`` strategy, then the
    metaheuristic for ``first_share`` of the time); in ``vehicles_then_distance`` mode (2)
    route elimination: drop the route with the fewest stops and re-solve on one vehicle fewer,
    warm-started from the previous plan (``ReadAssignmentFromRoutes``), every stop optional at
    a penalty above any distance, stopping as soon as all are back in; (3) the metaheuristic on
    distance at the fleet size reached. In ``cost`` mode phase 1 takes the whole time.

    Never raises for an infeasible instance: stops that cannot be served are dropped (named in
    :attr:`Solution.dropped`) and ``status`` says ``"infeasible"`` when a mandatory one is.
    ``on_progress(fraction, message)`` is called between phases.
    """
    if params.workers > 1 and problem.stops and problem.vehicles:
        return _portfolio(problem, params, on_progress)
    t0 = time.monotonic()
    deadline = t0 + params.time_limit
    report = on_progress or (lambda fraction, message: None)
    log: list[str] = []
    if not problem.stops or not problem.vehicles:
        sol = Solution((), tuple(s.id for s in problem.stops))
        return dataclasses.replace(sol, status=_status(problem, sol), seconds=time.monotonic() - t0)
    ints = _Scaled(problem, params.scale)
    hierarchical = problem.objective.mode == "vehicles_then_distance"

    def left() -> float:
        return deadline - time.monotonic()

    def note(message: str) -> None:
        log.append(f"{time.monotonic() - t0:5.2f}s {message}")

    # Phase 1: a first solution on the whole fleet, improved briefly.
    report(0.0, "first solution")
    vehicles = list(range(len(problem.vehicles)))
    budget = params.time_limit * (params.first_share if hierarchical else 1.0)
    strategies = (params.first_solution, *params.also_try)
    best = {v: [] for v in vehicles}  # if no strategy finds a first solution: all dropped
    for k, strategy in enumerate(strategies):
        share = (budget - (time.monotonic() - t0)) / (len(strategies) - k)
        routes = _run(
            ints,
            params.replace(first_solution=strategy),
            vehicles,
            None,
            share,
            stop_when_complete=False,
            lns=params.lns == "all",
            fixed=ints.vehicle_m if hierarchical and params.fleet_cost else 0,
        )
        if routes is not None and (k == 0 or _key(ints, routes) < _key(ints, best)):
            best = routes
        note(f"first ({strategy}): {_describe(ints, routes) if routes else 'none'}")

    # Phase 2: route elimination (fewest vehicles), hierarchical mode only.
    if hierarchical:
        end_elim = t0 + params.time_limit * (params.first_share + params.eliminate_share)
        failures = 0
        rng = np.random.default_rng(params.seed)
        while (
            time.monotonic() < end_elim - 0.05
            and failures < params.max_failures
            and not _dropped(ints, best)
        ):
            used = [v for v in vehicles if best.get(v)]
            if len(used) <= 1:
                break
            # the route with the fewest stops (ties by seed); after a failure the next one
            order = sorted(used, key=lambda v: (len(best[v]), rng.random()))
            victim = order[min(failures, len(order) - 1)]
            keep = [v for v in used if v != victim]
            start = {v: best[v] for v in keep}
            report((time.monotonic() - t0) / params.time_limit, f"{len(used) - 1} vehicles?")
            attempt = min(
                end_elim - time.monotonic(), max(0.1, params.attempt_share * params.time_limit)
            )
            trial = _run(
                ints,
                params,
                keep,
                start,
                attempt,
                stop_when_complete=True,
                lns=params.lns in ("eliminate", "all"),
            )
            if trial is not None and not _dropped(ints, trial):
                best = trial
                failures = 0
                note(f"eliminated a route: {_describe(ints, best)}")
            else:
                failures += 1
                note(f"could not remove a route of {len(best[victim])} stops")
        # Phase 3: distance at this fleet size.
        if left() > 0.05:
            report((time.monotonic() - t0) / params.time_limit, "distance")
            # at this fleet size, or on the whole fleet while mandatory stops are still out
            used = [v for v in vehicles if best.get(v) or _dropped(ints, best)]
            trial = _run(
                ints,
                params,
                used,
                {v: best[v] for v in used},
                left(),
                stop_when_complete=False,
                lns=params.lns == "all",
            )
            if trial is not None and _key(ints, trial) <= _key(ints, best):
                best = trial
            note(f"distance: {_describe(ints, best)}")
    report(1.0, "done")
    return _solution(problem, ints, best, time.monotonic() - t0, tuple(log))


#: Seconds a forked worker needs to start and hand its plan back (taken off its time limit).
WORKER_OVERHEAD_S = 0.15


def _portfolio(problem: Problem, params: Params, on_progress: ProgressCallback | None) -> Solution:
    """``params.workers`` diverse searches in forked processes; the best plan by (feasible,
    fewest mandatory stops dropped, vehicles in hierarchical mode, objective)."""
    import multiprocessing
    from concurrent.futures import ProcessPoolExecutor

    t0 = time.monotonic()
    strategies = (params.first_solution, *params.also_try)
    variants = []
    for k in range(params.workers):
        order = strategies[k % len(strategies) :] + strategies[: k % len(strategies)]
        variants.append(
            params.replace(
                workers=1,
                seed=params.seed + k,
                first_solution=order[0],
                also_try=order[1:],
                time_limit=max(params.time_limit - WORKER_OVERHEAD_S, 0.05),
            )
        )
    report = on_progress or (lambda fraction, message: None)
    report(0.0, f"{params.workers} searches side by side")
    context = multiprocessing.get_context(
        "fork" if "fork" in multiprocessing.get_all_start_methods() else "spawn"
    )
    with ProcessPoolExecutor(max_workers=params.workers, mp_context=context) as pool:
        plans = list(pool.map(solve, [problem] * len(variants), variants))
    hierarchical = problem.objective.mode == "vehicles_then_distance"

    index = problem.stop_index

    def rank(sol: Solution) -> tuple[int, int, int, float]:
        ev = evaluate(problem, sol)
        mandatory = sum(1 for i in sol.dropped if problem.stops[index[i]].drop_penalty is None)
        return (
            0 if ev.feasible else 1,
            mandatory,
            sol.vehicles_used if hierarchical else 0,
            ev.cost,
        )

    best = min(plans, key=rank)
    log = tuple(f"worker {k}: {line}" for k, sol in enumerate(plans) for line in sol.log)
    report(1.0, "done")
    return dataclasses.replace(best, seconds=time.monotonic() - t0, log=log)


def _status(problem: Problem, sol: Solution) -> str:
    """``"feasible"`` when :func:`evaluate` finds nothing wrong, else ``"infeasible"``."""
    return "feasible" if evaluate(problem, sol).feasible else "infeasible"


def _solution(
    problem: Problem,
    ints: _Scaled,
    routes: dict[int, list[int]],
    seconds: float,
    log: tuple[str, ...],
) -> Solution:
    out = []
    for v in sorted(routes):
        if routes[v]:
            out.append(schedule(problem, v, [problem.stops[s].id for s in routes[v]]))
    served = {s for r in routes.values() for s in r}
    dropped = tuple(s.id for i, s in enumerate(problem.stops) if i not in served)
    sol = Solution(tuple(out), dropped, "unknown", seconds, log)
    return dataclasses.replace(sol, status=_status(problem, sol))


def _dropped(ints: _Scaled, routes: dict[int, list[int]]) -> int:
    """Number of mandatory stops not on a route."""
    served = {s for r in routes.values() for s in r}
    return sum(1 for s in ints.mandatory if s not in served)


def _key(ints: _Scaled, routes: dict[int, list[int]]) -> tuple[int, int, int]:
    """(mandatory dropped, vehicles, scaled cost) - smaller is better."""
    used = sum(1 for r in routes.values() if r)
    cost = ints.route_cost(routes)
    if ints.problem.objective.mode == "cost":
        return (_dropped(ints, routes), 0, cost)
    return (_dropped(ints, routes), used, cost)


def _describe(ints: _Scaled, routes: dict[int, list[int]]) -> str:
    d, used, cost = _key(ints, routes)
    used = sum(1 for r in routes.values() if r)
    return f"{used} vehicles, cost {cost / ints.scale:.2f}, {d} mandatory dropped"


class _Scaled:
    """The problem in OR-Tools integers (times rounded so that feasible stays feasible)."""

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
        return min(self.horizon, math.ceil(x * self.scale - 1e-7))

    def down(self, x: float) -> int:
        return (
            min(self.horizon, math.floor(x * self.scale + 1e-7))
            if math.isfinite(x)
            else self.horizon
        )

    def route_cost(self, routes: dict[int, list[int]]) -> int:
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


def _run(
    ints: _Scaled,
    params: Params,
    vehicles: list[int],
    start: dict[int, list[int]] | None,
    seconds: float,
    stop_when_complete: bool,
    lns: bool = False,
    fixed: int = 0,
) -> dict[int, list[int]] | None:
    """One OR-Tools search on the given vehicles; routes as {vehicle: [stop indices]}."""
    from ortools.constraint_solver import pywrapcp, routing_enums_pb2

    if not vehicles:  # OR-Tools needs at least one vehicle; with none, every stop is out
        return {}
    p = ints.problem
    depots = sorted({p.vehicles[v].depot for v in vehicles})
    dnode = {d: i for i, d in enumerate(depots)}
    nd = len(depots)
    locs = [p.depots[d].location for d in depots] + [s.location for s in p.stops]
    service = [0] * nd + [ints.up(s.service) for s in p.stops]
    L = np.array(locs)
    dist = ints.D[np.ix_(L, L)]
    travel = ints.T[np.ix_(L, L)] + np.array(service, dtype=np.int64)[:, None]
    starts = [dnode[p.vehicles[v].depot] for v in vehicles]
    manager = pywrapcp.RoutingIndexManager(len(locs), len(vehicles), starts, starts)
    routing = pywrapcp.RoutingModel(manager)
    # RegisterTransitMatrix is indexed by node; no Python callback runs during the search.
    cost_cb = routing.RegisterTransitMatrix(dist.tolist())
    routing.SetArcCostEvaluatorOfAllVehicles(cost_cb)
    if ints.per_vehicle or fixed:
        routing.SetFixedCostOfAllVehicles(ints.per_vehicle + fixed)
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
    for j, v in enumerate(vehicles):
        veh = p.vehicles[v]
        lo = ints.up(veh.shift_start)
        hi = max(lo, ints.down(veh.shift_end))
        tdim.CumulVar(routing.Start(j)).SetRange(lo, hi)
        tdim.CumulVar(routing.End(j)).SetRange(lo, hi)
        if math.isfinite(veh.max_duration):
            tdim.SetSpanUpperBoundForVehicle(ints.down(veh.max_duration), j)
    caps = [int(p.vehicles[v].capacity) for v in vehicles]
    if ints.mixed:
        net = routing.RegisterUnaryTransitVector(
            [0] * nd + [s.pickup - s.delivery for s in p.stops]
        )
        routing.AddDimensionWithVehicleCapacity(net, 0, caps, False, "load")
        out = routing.RegisterUnaryTransitVector([0] * nd + [s.delivery for s in p.stops])
        routing.AddDimensionWithVehicleCapacity(out, 0, caps, True, "delivered")
        load, delivered = routing.GetDimensionOrDie("load"), routing.GetDimensionOrDie("delivered")
        solver = routing.solver()
        for j in range(len(vehicles)):  # the load leaving the depot is everything to deliver
            solver.Add(load.CumulVar(routing.Start(j)) == delivered.CumulVar(routing.End(j)))
    else:
        demand = [0] * nd + [s.delivery + s.pickup for s in p.stops]
        cb = routing.RegisterUnaryTransitVector(demand)
        routing.AddDimensionWithVehicleCapacity(cb, 0, caps, True, "load")
    for k, s in enumerate(p.stops):
        penalty = ints.big if s.drop_penalty is None else round(s.drop_penalty * ints.scale)
        routing.AddDisjunction([manager.NodeToIndex(nd + k)], penalty)

    sp = pywrapcp.DefaultRoutingSearchParameters()
    sp.first_solution_strategy = getattr(
        routing_enums_pb2.FirstSolutionStrategy, params.first_solution
    )
    sp.local_search_metaheuristic = getattr(
        routing_enums_pb2.LocalSearchMetaheuristic, params.metaheuristic
    )
    sp.time_limit.FromMilliseconds(max(10, int(seconds * 1000)))
    sp.use_full_propagation = params.full_propagation
    if params.solution_limit:
        sp.solution_limit = params.solution_limit
    sp.ls_operator_neighbors_ratio = params.neighbors_ratio
    sp.ls_operator_min_neighbors = params.min_neighbors
    sp.guided_local_search_lambda_coefficient = params.gls_lambda
    sp.use_multi_armed_bandit_concatenate_operators = params.bandit
    if lns:
        ops = sp.local_search_operators
        for name in (
            "use_path_lns",
            "use_inactive_lns",
            "use_global_cheapest_insertion_close_nodes_lns",
            "use_local_cheapest_insertion_close_nodes_lns",
            "use_global_cheapest_insertion_expensive_chain_lns",
            "use_local_cheapest_insertion_expensive_chain_lns",
            "use_relocate_neighbors",
            "use_cross_exchange",
        ):
            setattr(ops, name, 3)  # OptionalBoolean.BOOL_TRUE
    if stop_when_complete:
        done = [False]

        def at_solution() -> None:
            if routing.CostVar().Max() < ints.big:  # nothing mandatory dropped
                done[0] = True

        routing.AddAtSolutionCallback(at_solution)
        routing.AddSearchMonitor(routing.solver().CustomLimit(lambda: done[0]))
    routing.CloseModelWithParameters(sp)
    if start is not None:
        index_routes = [[nd + s for s in start.get(v, [])] for v in vehicles]
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
    routes: dict[int, list[int]] = {}
    for j, v in enumerate(vehicles):
        idx, seq = routing.Start(j), []
        idx = assignment.Value(routing.NextVar(idx))
        while not routing.IsEnd(idx):
            seq.append(manager.IndexToNode(idx) - nd)
            idx = assignment.Value(routing.NextVar(idx))
        routes[v] = seq
    return routes
