"""A roster: who works which block on which day, and who takes each return visit."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field


@dataclass(frozen=True, order=True)
class ShiftAssignment:
    """One clinician works one block on one day."""

    day: dt.date
    block: str
    clinician_id: str


@dataclass(frozen=True)
class FollowUp:
    """Who takes a return visit, in which block; ``clinician_id=None`` means nobody could."""

    visit_id: str
    clinician_id: str | None = None
    day: dt.date | None = None
    block: str | None = None


@dataclass(frozen=True)
class StageResult:
    """One lexicographic stage of the solve: its objective, bound, status and time."""

    name: str
    status: str
    objective: float | None
    bound: float | None
    seconds: float


@dataclass(frozen=True)
class Solution:
    """The best roster found, its status and how the solver got there.

    ``status`` is ``OPTIMAL`` when every stage was proved optimal, ``FEASIBLE`` when the time
    limit stopped a stage with a roster in hand, ``BASELINE`` when the solver found nothing
    better than its hint, ``INFEASIBLE``/``UNKNOWN`` otherwise (then ``shifts`` is empty).
    """

    status: str
    shifts: tuple[ShiftAssignment, ...] = ()
    follow_ups: tuple[FollowUp, ...] = ()
    stages: tuple[StageResult, ...] = ()
    seconds: float = 0.0
    notes: tuple[str, ...] = field(default=())
    #: Whether the time limit cut a stage short, and what it cut (for the run's message).
    time_limited: bool = False
    message: str = ""

    def is_feasible(self) -> bool:
        """Whether a roster was found (hard rules are checked by :func:`staffing.kpi.evaluate`)."""
        return self.status in ("OPTIMAL", "FEASIBLE", "BASELINE")

    def summary(self) -> str:
        """One line per stage."""
        lines = [f"status {self.status}, {len(self.shifts)} shifts, {self.seconds:.1f} s"]
        for s in self.stages:
            lines.append(
                f"  {s.name}: {s.status} objective={s.objective} bound={s.bound} ({s.seconds:.1f} s)"
            )
        return "\n".join(lines)
