"""The routing problem: depots, vehicles, stops, two matrices and an objective, validated.

A :class:`Problem` is frozen and checked in its constructor; every error is a
:class:`VRPError` whose message names what is wrong and where. Change a problem with
:meth:`Problem.replace`, never in place.

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

The rules are checked, independently of any solver, by :func:`routing.kpi.evaluate`.
"""

from __future__ import annotations

import math
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Literal

import numpy as np

OBJECTIVES = ("vehicles_then_distance", "cost")


class VRPError(ValueError):
    """Bad routing input; the message names what is wrong and where."""


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

    def replace(
        self,
        *,
        depots: Iterable[Depot] | None = None,
        vehicles: Iterable[Vehicle] | None = None,
        stops: Iterable[Stop] | None = None,
        duration: np.ndarray | None = None,
        distance: np.ndarray | None = None,
        objective: Objective | None = None,
    ) -> Problem:
        """A copy with the given fields changed (``None`` keeps a field), validated again."""
        return Problem(
            tuple(self.depots if depots is None else depots),
            tuple(self.vehicles if vehicles is None else vehicles),
            tuple(self.stops if stops is None else stops),
            self.duration if duration is None else duration,
            self.distance if distance is None else distance,
            self.objective if objective is None else objective,
        )

    @property
    def stop_index(self) -> dict[str, int]:
        """Position of each stop id in :attr:`stops`."""
        return {s.id: i for i, s in enumerate(self.stops)}

    @property
    def vehicle_index(self) -> dict[str, int]:
        """Position of each vehicle id in :attr:`vehicles`."""
        return {v.id: i for i, v in enumerate(self.vehicles)}
