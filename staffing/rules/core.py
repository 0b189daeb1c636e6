"""The shared pieces of the rules: :class:`Violation`, :class:`Rule` and a roster read per clinician."""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass, replace

from staffing.problem import Clinician, Problem
from staffing.solution import ShiftAssignment, Solution
from staffing.timegrid import Grid, Slot


@dataclass(frozen=True)
class Violation:
    """One breach of a named rule; ``amount`` is in ``unit`` (hours, days, visits, blocks)."""

    rule: str
    hard: bool
    amount: float
    unit: str = "h"
    clinician_id: str | None = None
    day: dt.date | None = None
    block: str | None = None
    profession: str | None = None

    def describe(self) -> str:
        """A readable line."""
        where = " ".join(
            str(x) for x in (self.day, self.block, self.profession, self.clinician_id) if x
        )
        return f"{self.rule}: {where} {self.amount:g} {self.unit}".strip()


ClinicianCheck = Callable[[Problem, Grid, Clinician, list[Slot]], list[Violation]]


@dataclass(frozen=True)
class Rule:
    """A named rule: hard or soft by default, and the function that finds its violations.

    ``find`` returns the violations with the default mode; :meth:`check` returns them with the
    problem's mode (``Problem.is_hard``).
    """

    name: str
    hard: bool
    find: Callable[[Problem, Solution], list[Violation]]
    per_clinician: ClinicianCheck | None = None

    def check(self, problem: Problem, solution: Solution) -> list[Violation]:
        """The violations of this rule in a roster, hard or soft as the problem says."""
        hard = problem.is_hard(self.name)
        return [
            v if v.hard == hard else replace(v, hard=hard) for v in self.find(problem, solution)
        ]


#: The last roster's slots: every per-clinician rule and the KPIs ask for the same roster's
#: slots in turn (13 times per evaluation; 0.2 s each for a year of 1,000 clinicians). Keyed by
#: identity: problems and shift tuples are immutable.
_LAST_SLOTS: list[tuple[Problem, tuple[ShiftAssignment, ...], dict[str, list[Slot]]]] = []


def clinician_slots(problem: Problem, solution: Solution) -> dict[str, list[Slot]]:
    """Each clinician's slots sorted by start (unknown blocks or days are dropped here and
    reported by the availability rule). Treat the answer as read-only: it is shared."""
    for p, shifts, slots in _LAST_SLOTS:
        if p is problem and shifts is solution.shifts:
            return slots
    slots = _clinician_slots(problem, solution)
    _LAST_SLOTS[:] = [(problem, solution.shifts, slots)]
    return slots


def _clinician_slots(problem: Problem, solution: Solution) -> dict[str, list[Slot]]:
    grid = Grid(problem)
    block_index = {b.name: i for i, b in enumerate(problem.blocks)}
    out: dict[str, list[Slot]] = defaultdict(list)
    for s in solution.shifts:
        d = problem.day_index(s.day)
        if s.block in block_index and 0 <= d < problem.days:
            out[s.clinician_id].append((d, block_index[s.block]))
    for slots in out.values():
        slots.sort(key=grid.interval)
    return dict(out)  # a plain dict: a lookup of a clinician without shifts must not add one


def day_of(problem: Problem, d: int) -> dt.date:
    """The date of day index ``d``."""
    return problem.start + dt.timedelta(days=d)


def per_clinician(name: str, hard: bool, fn: ClinicianCheck) -> Rule:
    """A :class:`Rule` that runs ``fn`` on each clinician's slots (and offers it to greedies)."""

    def check(problem: Problem, solution: Solution) -> list[Violation]:
        grid = Grid(problem)
        slots = clinician_slots(problem, solution)
        out: list[Violation] = []
        for c in problem.clinicians:
            out += fn(problem, grid, c, slots.get(c.clinician_id, []))
        return out

    check.__name__ = fn.__name__
    check.__doc__ = fn.__doc__
    return Rule(name, hard, check, fn)


def hours_per_period(grid: Grid, slots: list[Slot]) -> list[float]:
    """Worked hours of a clinician's slots in each 7-day period (absolute time)."""
    minutes = [0] * len(grid.periods)
    for d, b in slots:
        minutes[d // 7] += grid.minutes((d, b))
    return [m / 60 for m in minutes]
