"""Why each return visit misses its index clinician: one named reason per miss.

Read from the problem and the roster alone (never from the solver), so it explains any roster:
solved, baseline or hand-made. A visit *misses* when it is not booked with its index clinician
in a block they work inside the window (the same test as the same-clinician rate of
:func:`staffing.kpi.evaluate`). Its reason is the first of these that holds:

1. ``left_pool``: the index clinician left the pool by the window's first day.
2. ``not_available``: they declared no availability inside the window on a block that takes
   return visits and is offered that day (these two are the visits above the availability
   bound of :func:`staffing.kpi.evaluate`).
3. ``blocks_full``: they work at least one such block in the window and every one of them is
   full of return visits.
4. ``booked_elsewhere``: they work such a block in the window with room left, yet the visit
   went elsewhere (a booking choice; :func:`staffing.booking.book_follow_ups` never does it).
5. ``not_rostered``: they declared a free slot in the window but the roster did not place
   them there. ``detail`` names what won, as well as the roster can tell (:func:`why_not_placed`).
"""

from __future__ import annotations

import bisect
import datetime as dt
import math
import time
from collections import Counter, defaultdict
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from staffing.problem import Clinician, Problem, ReturnVisit
from staffing.rules import RULES, WINDOW_DAYS, WINDOWED_RULES, Rule, clinician_slots
from staffing.rules.core import day_of
from staffing.rules.cover import staffed_minutes
from staffing.solution import FollowUp, Solution
from staffing.timegrid import DAY, Grid, Slot

#: Every reason, in the order they are tested, with its meaning in plain words.
MISS_REASONS: Mapping[str, str] = {
    "left_pool": "the index clinician has left the pool",
    "not_available": "the index clinician is not available on any day of the window",
    "blocks_full": "the index clinician works in the window, but every block is full of "
    "return visits",
    "booked_elsewhere": "the index clinician works a block in the window with room, but the "
    "visit was booked elsewhere",
    "not_rostered": "a block was free, but the roster did not place the index clinician there",
}

#: ``not_rostered`` details that are not rule names.
NO_DEMAND = "No demand for the profession"
COVER = "Demand cover"
NO_RULE = "No rule against it"


@dataclass(frozen=True)
class Miss:
    """One return visit not kept with its index clinician, and why."""

    visit_id: str
    patient_id: str
    profession: str
    clinician_id: str
    county: str
    window_start: dt.date
    window_end: dt.date
    reason: str
    detail: str | None = None
    booked_with: str | None = None


def served_by_index(v: ReturnVisit, f: FollowUp | None, working: set[tuple[str, Any, Any]]) -> bool:
    """Whether ``f`` books ``v`` with its index clinician, in the window, in a worked block."""
    return (
        f is not None
        and f.clinician_id == v.index_clinician_id
        and f.day is not None
        and v.window_start <= f.day <= v.window_end
        and (f.clinician_id, f.day, f.block) in working
    )


def window_slots(problem: Problem, v: ReturnVisit) -> list[Slot]:
    """The (day, block) slots inside the window whose block takes return visits that day."""
    out = []
    for i in range(problem.day_index(v.window_start), problem.day_index(v.window_end) + 1):
        day = day_of(problem, i)
        for b, block in enumerate(problem.blocks):
            if block.followup_capacity > 0 and block.offered_on(day):
                out.append((i, b))
    return out


@dataclass
class RosterView:
    """The roster read once: slots per clinician, booked visits per block, staffed minutes."""

    problem: Problem
    solution: Solution
    grid: Grid = field(init=False)
    slots: dict[str, list[Slot]] = field(init=False)
    booked: Counter[tuple[str, dt.date, str]] = field(init=False)
    staffed: Counter[tuple[dt.date, str, str]] = field(init=False)
    amounts: dict[str, dict[str, float]] = field(init=False, default_factory=dict)
    #: (clinician, rule) -> the whole-roster rule's amount on the clinician's roster
    amounts_before: dict[tuple[str, str], float] = field(init=False, default_factory=dict)

    def __post_init__(self) -> None:
        self.grid = Grid(self.problem)
        self.slots = clinician_slots(self.problem, self.solution)
        self.booked = Counter(
            (f.clinician_id, f.day, f.block)
            for f in self.solution.follow_ups
            if f.clinician_id is not None and f.day is not None and f.block is not None
        )
        self.staffed = staffed_minutes(self.problem, self.solution)

    def room(self, cid: str, slot: Slot) -> int:
        """Return-visit slots left in a clinician's worked block."""
        block = self.problem.blocks[slot[1]]
        return (
            block.followup_capacity - self.booked[(cid, day_of(self.problem, slot[0]), block.name)]
        )

    def short_without(self, c: Clinician, slot: Slot) -> bool:
        """Whether the slot's demand cell would be short if ``c`` did not work it."""
        block = self.problem.blocks[slot[1]]
        key = (day_of(self.problem, slot[0]), block.name, c.profession)
        need = round(self.problem.demand.get(key, 0.0) * 60)
        return need > 0 and self.staffed[key] - self.grid.minutes(slot) < need


def _per_clinician_rules(problem: Problem, hard: bool) -> list[Rule]:
    return [r for r in RULES if r.per_clinician is not None and problem.is_hard(r.name) == hard]


def _amount(roster: RosterView, c: Clinician, slots: list[Slot], rule: Rule) -> float:
    assert rule.per_clinician is not None  # filtered by _per_clinician_rules
    return sum(v.amount for v in rule.per_clinician(roster.problem, roster.grid, c, slots))


def near(roster: RosterView, slots: list[Slot], slot: Slot) -> list[Slot]:
    """The stretch of ``slots`` a windowed rule reads around ``slot``: those within
    :data:`~staffing.rules.WINDOW_DAYS` days of it, or a run of consecutive days and two more
    (a run cut at the stretch's end is then already too long both with and without the slot),
    and any slot overlapping it."""
    reach = max(WINDOW_DAYS, roster.problem.rules.max_consecutive_days + 2)
    grid = roster.grid
    start, end = grid.interval(slot)
    # ``slots`` are sorted by start: bisect to the stretch (a slot overlapping this one starts
    # within a day of it, well inside the reach)
    lo = bisect.bisect_left(slots, start - (reach + 1) * DAY, key=lambda s: grid.interval(s)[0])
    hi = bisect.bisect_right(slots, end + (reach + 1) * DAY, key=lambda s: grid.interval(s)[0])
    return [
        s for s in slots[lo:hi] if abs(s[0] - slot[0]) <= reach or _overlaps(grid, s, start, end)
    ]


def _overlaps(grid: Grid, s: Slot, start: int, end: int) -> bool:
    a, b = grid.interval(s)
    return a < end and start < b


def objections(
    roster: RosterView, c: Clinician, before: list[Slot], slot: Slot, hard: bool
) -> list:
    """Rules (in catalogue order) whose violations grow when ``slot`` joins ``before``.

    A rule of :data:`~staffing.rules.WINDOWED_RULES` is read on the stretch of the roster
    around the slot (:func:`near`): its violations away from the slot are the same before and
    after, so the growth is the same as on the whole roster, at a cost that does not grow with
    the horizon; the other rules (sums over the horizon) read the whole roster.
    """
    grid = roster.grid
    stretch = near(roster, before, slot)
    out = []
    for rule in _per_clinician_rules(roster.problem, hard):
        if rule.per_clinician in WINDOWED_RULES:
            old, was = stretch, _amount(roster, c, stretch, rule)
        elif before is roster.slots.get(c.clinician_id):  # asked about many slots: read once
            old, key = before, (c.clinician_id, rule.name)
            if key not in roster.amounts_before:
                roster.amounts_before[key] = _amount(roster, c, before, rule)
            was = roster.amounts_before[key]
        else:
            old, was = before, _amount(roster, c, before, rule)
        new = sorted([*old, slot], key=grid.interval)
        if _amount(roster, c, new, rule) > was + 1e-9:
            out.append(rule.name)
    return out


def why_not_placed(roster: RosterView, c: Clinician, slot: Slot) -> tuple[int, str]:
    """What kept ``c`` off a declared slot, with its rank (lower: easier to overcome).

    0 ``No rule against it``, or ``No demand for the profession`` when nothing forbids the slot
    but cover did not call for the clinician there; 1 a soft rule that adding the slot would
    bend (contract hours, fair shares, preferred blocks); 2 a hard rule it would break, when
    giving up one of the clinician's shifts within a week would make room without leaving that
    shift's demand short, or when no such swap exists; 3 ``Demand cover`` when every such swap
    leaves demand short (the clinician was needed there).
    """
    problem = roster.problem
    block = problem.blocks[slot[1]]
    cell = (day_of(problem, slot[0]), block.name, c.profession)
    own = roster.slots.get(c.clinician_id, [])
    hard = objections(roster, c, own, slot, hard=True)
    if not hard:
        soft = objections(roster, c, own, slot, hard=False)
        if soft:
            return 1, soft[0]
        no_demand = bool(problem.demand) and problem.demand.get(cell, 0.0) <= 0
        return 0, NO_DEMAND if no_demand else NO_RULE
    swaps = [
        t
        for t in own
        if abs(t[0] - slot[0]) <= 7
        and not objections(roster, c, [s for s in own if s != t], slot, hard=True)
    ]
    if swaps and all(roster.short_without(c, t) for t in swaps):
        return 3, COVER
    return 2, hard[0]


def _reason(
    roster: RosterView, c: Clinician, v: ReturnVisit, explain: bool = True
) -> tuple[str, str | None]:
    problem = roster.problem
    if c.has_left(v.window_start):
        return "left_pool", None
    slots = window_slots(problem, v)
    declared = [
        s for s in slots if (day_of(problem, s[0]), problem.blocks[s[1]].name) in c.available
    ]
    if not declared:
        return "not_available", None
    worked = set(roster.slots.get(c.clinician_id, []))
    mine = [s for s in slots if s in worked]
    if mine:
        if any(roster.room(c.clinician_id, s) > 0 for s in mine):
            return "booked_elsewhere", None
        return "blocks_full", None
    if not explain:
        return "not_rostered", None
    ranked = sorted((why_not_placed(roster, c, s), s) for s in declared)
    return "not_rostered", ranked[0][0][1]


def explain_misses(problem: Problem, solution: Solution, deadline: float = math.inf) -> list[Miss]:
    """Every return visit not kept with its index clinician, with one reason each (in visit
    order; see the module docstring for the reasons and their order).

    The reasons are cheap; what kept an index clinician off the roster (``detail`` of a
    ``not_rostered`` miss, :func:`why_not_placed`) reads the rules around each free slot, so
    it is worked out only until ``deadline`` (``time.perf_counter()``): later such misses
    keep ``detail = None`` (counted by :func:`unexplained`)."""
    roster = RosterView(problem, solution)
    working = {(s.clinician_id, s.day, s.block) for s in solution.shifts}
    booked = {f.visit_id: f for f in solution.follow_ups}
    by_id = {c.clinician_id: c for c in problem.clinicians}
    out = []
    for v in problem.visits:
        f = booked.get(v.visit_id)
        if served_by_index(v, f, working):
            continue
        c = by_id[v.index_clinician_id]
        reason, detail = _reason(roster, c, v, time.perf_counter() < deadline)
        out.append(
            Miss(
                v.visit_id,
                v.patient_id,
                v.profession,
                c.clinician_id,
                c.home_county,
                v.window_start,
                v.window_end,
                reason,
                detail,
                None if f is None else f.clinician_id,
            )
        )
    return out


def unexplained(misses: Sequence[Miss]) -> int:
    """``not_rostered`` misses whose detail the deadline left unworked."""
    return sum(m.reason == "not_rostered" and m.detail is None for m in misses)


def _by(misses: Sequence[Miss], key: str) -> dict[str, dict[str, int]]:
    groups: defaultdict[str, Counter[str]] = defaultdict(Counter)
    for m in misses:
        groups[getattr(m, key)][m.reason] += 1
    order = sorted(groups, key=lambda g: (-sum(groups[g].values()), g))
    return {g: {r: groups[g][r] for r in MISS_REASONS if groups[g][r]} for g in order}


def miss_summary(misses: Sequence[Miss]) -> dict[str, Any]:
    """Counts of misses: in total, by reason (every reason, zeros too), by what kept the index
    clinician off the roster (``not_rostered`` only), and by profession, county and clinician
    (each a mapping to its nonzero reasons; most misses first)."""
    reasons = Counter(m.reason for m in misses)
    details = Counter(m.detail for m in misses if m.detail is not None)
    return {
        "total": len(misses),
        "by_reason": {r: reasons[r] for r in MISS_REASONS},
        "not_rostered_by": dict(sorted(details.items(), key=lambda kv: (-kv[1], kv[0]))),
        "not_rostered_unexplained": unexplained(misses),
        "by_profession": _by(misses, "profession"),
        "by_county": _by(misses, "county"),
        "by_clinician": _by(misses, "clinician_id"),
    }
