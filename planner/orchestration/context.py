"""What every planner function receives besides its scenario, and the shape it has.

A planner function ``(scenario, on_progress, context) -> RunOutcome`` builds its library's
``Problem`` from scenario data, calls the pure ``solve()``, computes KPIs with ``evaluate()`` and
turns the solution into result rows. :mod:`planner.registry` lists them by name.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Protocol

from planner.scenario import Scenario
from planner.storage import store
from planner.storage.models import FollowUpAssignment, Placement, Shift


class ProgressCallback(Protocol):
    """How long work reports progress: a fraction in [0, 1] (or None if unknown) and a note.

    ``routing``, ``staffing`` and ``planner.placement`` each declare the same shape under the
    same name without importing this (they import nothing from the app).
    """

    def __call__(self, fraction: float | None, message: str) -> None: ...


@dataclass(frozen=True)
class RunContext:
    """Earlier stored plans of the same scenario version that a planner may build on.

    Staffing turns placement rows into mobile-clinic days; routing offers hand-overs at units
    standing within reach; continuity starts its re-solve from the staffing roster (``shifts``
    and ``follow_ups`` of the latest staffing run). Empty when no such plan is stored.
    """

    placements: tuple[Placement, ...] = ()
    shifts: tuple[Shift, ...] = ()
    follow_ups: tuple[FollowUpAssignment, ...] = ()


PlannerFn = Callable[[Scenario, ProgressCallback | None, RunContext], store.RunOutcome]


def kept_after_search(after: float, budget: float, share: float) -> float:
    """Seconds a search leaves of its ``budget`` for the work no time limit can skip after it
    (the plan's evaluation, notes and rows): ``after``, estimated from the problem's size, but
    at most ``share`` of the budget, so a short limit still leaves the search most of it."""
    return min(share * max(0.0, budget), after)
