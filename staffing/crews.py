"""Why a placed unit's site-day is short of its crew: one named reason each.

Read from the problem and the roster alone (never from the solver), like
:mod:`staffing.misses`, so it explains any roster: solved, baseline or hand-made. A site-day
is *short* when fewer clinicians of a profession work its mobile block than
:func:`staffing.rules.crew_needs` asks for (the rule "Mobile crew"). Its reason is the first of
these that holds:

1. ``not_rostered``: a clinician who declared the site-day could work it without breaking a
   hard rule, given the rest of their roster, yet the roster leaves them off (a roster whose
   cover stage the solver proved optimal never does this; a time-limited one may).
2. ``not_declared``: fewer clinicians of the profession declared the site-day than its crew
   (a unit's site-day is open to clinicians of the site's county only); none at all is the
   common case.
3. ``blocked``: enough clinicians declared it, but each one left off it is kept off by a hard
   rule given the rest of their roster: they crew another site that day, or working it would
   break daily rest, weekly hours, consecutive days and so on. After an optimal cover stage
   (crews priced above all cover) no swap of their shifts could crew this site-day without
   uncrewing another.

``blocked_by`` counts, for every clinician who declared the site-day and is left off it, what
keeps them off (:data:`CREWS_ELSEWHERE` or the first hard rule in catalogue order), so a
``not_declared`` site-day with a few blocked clinicians names those rules too.
"""

from __future__ import annotations

import datetime as dt
from collections import Counter
from dataclasses import dataclass
from typing import Any

from staffing.misses import RosterView, objections
from staffing.problem import Clinician, Problem
from staffing.rules import crew_needs, crew_rostered
from staffing.solution import Solution

#: Every reason, in the order they are tested, with its meaning in plain words.
CREW_REASONS: dict[str, str] = {
    "not_rostered": "a clinician who declared the site-day could work it without breaking a "
    "hard rule, but the roster leaves them off",
    "not_declared": "fewer clinicians of the profession (of the site's county) declared the "
    "site-day than its crew",
    "blocked": "the clinicians who declared the site-day are kept off it by hard rules, given "
    "the rest of their roster",
}

#: What keeps a clinician off a site-day when they crew another mobile site that day.
CREWS_ELSEWHERE = "Crews another site that day"


@dataclass(frozen=True)
class CrewGap:
    """A mobile site-day short of its crew of one profession, and why."""

    day: dt.date
    block: str
    site_id: str | None
    county_code: str | None
    profession: str
    crew: int
    rostered: int
    declared: int
    reason: str
    blocked_by: tuple[tuple[str, int], ...] = ()

    @property
    def missing(self) -> int:
        """Crew members missing."""
        return self.crew - self.rostered

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready fields (the day as ISO text)."""
        return {
            "day": self.day.isoformat(),
            "block": self.block,
            "site_id": self.site_id,
            "county_code": self.county_code,
            "profession": self.profession,
            "crew": self.crew,
            "rostered": self.rostered,
            "declared": self.declared,
            "reason": self.reason,
            "blocked_by": dict(self.blocked_by),
        }


def _kept_off(roster: RosterView, c: Clinician, slot: tuple[int, int]) -> str | None:
    """What keeps ``c`` off ``slot`` given the rest of their roster, or None if nothing does."""
    problem = roster.problem
    own = roster.slots.get(c.clinician_id, [])
    if any(d == slot[0] and b != slot[1] and problem.blocks[b].kind == "mobile" for d, b in own):
        return CREWS_ELSEWHERE
    hard = objections(roster, c, own, slot, hard=True)
    return hard[0] if hard else None


def explain_crews(problem: Problem, solution: Solution) -> list[CrewGap]:
    """Every mobile site-day short of its crew, with one reason each (in time order; see the
    module docstring for the reasons and their order)."""
    needs = crew_needs(problem)
    rostered = crew_rostered(problem, solution)
    short = {k: n for k, n in needs.items() if rostered[k] < n}
    if not short:
        return []
    roster = RosterView(problem, solution)
    index = {b.name: i for i, b in enumerate(problem.blocks)}
    working = {(s.clinician_id, s.day, s.block) for s in solution.shifts}
    out = []
    for (day, name, profession), crew in short.items():
        block = problem.blocks[index[name]]
        slot = (problem.day_index(day), index[name])
        declared = [
            c
            for c in problem.clinicians
            if c.profession == profession and (day, name) in c.available
        ]
        why: Counter[str] = Counter()
        free = 0
        for c in declared:
            if (c.clinician_id, day, name) in working:
                continue
            kept = _kept_off(roster, c, slot)
            if kept is None:
                free += 1
            else:
                why[kept] += 1
        if free:
            reason = "not_rostered"
        elif len(declared) < crew:
            reason = "not_declared"
        else:
            reason = "blocked"
        out.append(
            CrewGap(
                day,
                name,
                block.site_id,
                block.county_code,
                profession,
                crew,
                rostered[(day, name, profession)],
                len(declared),
                reason,
                tuple(sorted(why.items(), key=lambda kv: (-kv[1], kv[0]))),
            )
        )
    return out
