"""The rules over the whole roster: mobile crews, demand cover and the booked return visits."""

from __future__ import annotations

import datetime as dt
import math
from collections import Counter

from staffing.problem import Problem
from staffing.rules.core import Violation
from staffing.solution import Solution
from staffing.timegrid import Grid


def staffed_minutes(problem: Problem, solution: Solution) -> Counter[tuple[dt.date, str, str]]:
    """Minutes worked (absolute time) per day, block and profession."""
    prof = {c.clinician_id: c.profession for c in problem.clinicians}
    index = {b.name: i for i, b in enumerate(problem.blocks)}
    grid = Grid(problem)
    out: Counter[tuple[dt.date, str, str]] = Counter()
    for s in set(solution.shifts):
        if s.clinician_id in prof and s.block in index:
            minutes = grid.minutes((problem.day_index(s.day), index[s.block]))
            out[(s.day, s.block, prof[s.clinician_id])] += minutes
    return out


CrewKey = tuple[dt.date, str, str]  # (day, mobile block name, profession)


def crew_needs(problem: Problem) -> dict[CrewKey, int]:
    """The crew each mobile site-day asks for: per (day, mobile block, profession) with demand
    on a day the block is offered, the demand's hours over the block's hours, rounded up (one
    doctor for an 8-h day; two for two units at one site), in time order."""
    blocks = {b.name: b for b in problem.blocks}
    out = {}
    for (day, name, profession), hours in sorted(problem.demand.items()):
        block = blocks[name]
        if block.kind == "mobile" and hours > 0 and block.offered_on(day):
            out[(day, name, profession)] = math.ceil(hours / block.hours - 1e-9)
    return out


def crew_rostered(problem: Problem, solution: Solution) -> Counter[CrewKey]:
    """Clinicians rostered per (day, mobile block, profession)."""
    prof = {c.clinician_id: c.profession for c in problem.clinicians}
    mobile = {b.name for b in problem.blocks if b.kind == "mobile"}
    return Counter(
        (s.day, s.block, prof[s.clinician_id])
        for s in set(solution.shifts)
        if s.block in mobile and s.clinician_id in prof
    )


def mobile_crew(problem: Problem, solution: Solution) -> list[Violation]:
    """Mobile crew: a placed unit's site-day has the crew it asks for (:func:`crew_needs`)
    before any digital cover counts (amount: clinicians missing)."""
    rostered = crew_rostered(problem, solution)
    out = []
    for (day, block, profession), crew in crew_needs(problem).items():
        missing = crew - rostered[(day, block, profession)]
        if missing > 0:
            out.append(
                Violation("Mobile crew", False, missing, "clinicians", None, day, block, profession)
            )
    return out


def demand_cover(problem: Problem, solution: Solution) -> list[Violation]:
    """Demand cover: clinician-hours short of demand per day, block and profession."""
    staffed = staffed_minutes(problem, solution)
    out = []
    for (day, block, profession), hours in sorted(problem.demand.items()):
        short = hours - staffed[(day, block, profession)] / 60
        if short > 1e-9:
            out.append(Violation("Demand cover", False, short, "h", None, day, block, profession))
    return out


def followup_capacity(problem: Problem, solution: Solution) -> list[Violation]:
    """Follow-up capacity per block: return visits booked in a clinician's block stay within the
    block's capacity (amount: visits over it)."""
    counts = Counter(
        (f.clinician_id, f.day, f.block) for f in solution.follow_ups if f.clinician_id
    )
    caps = {b.name: b.followup_capacity for b in problem.blocks}
    out = []
    for (cid, day, block), n in sorted(counts.items(), key=str):
        cap = caps.get(block or "", 0)
        if n > cap:
            out.append(
                Violation("Follow-up capacity per block", True, n - cap, "visits", cid, day, block)
            )
    return out


def followup_placement(problem: Problem, solution: Solution) -> list[Violation]:
    """Follow-up placement: a booked return visit is in its window, with a clinician of its
    profession who works that block that day (amount: 1 visit each)."""
    visits = {v.visit_id: v for v in problem.visits}
    prof = {c.clinician_id: c.profession for c in problem.clinicians}
    working = {(s.clinician_id, s.day, s.block) for s in solution.shifts}
    out = []
    for f in solution.follow_ups:
        if f.clinician_id is None:
            continue
        v = visits.get(f.visit_id)
        ok = (
            v is not None
            and f.day is not None
            and v.window_start <= f.day <= v.window_end
            and prof.get(f.clinician_id) == v.profession
            and (f.clinician_id, f.day, f.block) in working
        )
        if not ok:
            out.append(
                Violation(
                    "Follow-up placement",
                    True,
                    1,
                    "visits",
                    f.clinician_id,
                    f.day,
                    f.block,
                    v.profession if v else None,
                )
            )
    return out


def unserved_visits(problem: Problem, solution: Solution) -> list[Violation]:
    """Return visit unserved: no clinician takes it in its window (amount: 1 visit each)."""
    booked = {f.visit_id for f in solution.follow_ups if f.clinician_id is not None}
    return [
        Violation(
            "Return visit unserved", False, 1, "visits", None, v.window_end, None, v.profession
        )
        for v in problem.visits
        if v.visit_id not in booked
    ]
