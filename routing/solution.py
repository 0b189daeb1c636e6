"""What a solver returns: one :class:`Route` per used vehicle and the :class:`Solution`.

A route holds the stop ids in order with the schedule :func:`routing.kpi.schedule` gives
them; the figures of a solution are the sums over its routes. Whether a solution breaks a
rule is :func:`routing.kpi.evaluate`'s to say.
"""

from __future__ import annotations

from dataclasses import dataclass


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
