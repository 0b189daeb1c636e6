"""Booking return visits into a roster's worked blocks (after any roster is made)."""

from __future__ import annotations

import datetime as dt
from collections import Counter, defaultdict
from collections.abc import Mapping

from staffing.problem import Problem
from staffing.solution import FollowUp, ShiftAssignment


def book_follow_ups(
    problem: Problem,
    shifts: list[ShiftAssignment] | tuple[ShiftAssignment, ...],
    same_day: Mapping[str, dt.date] | None = None,
) -> list[FollowUp]:
    """Book every return visit into a worked block with spare capacity.

    Visits in ``same_day`` (visit id -> day) go to their index clinician on that day first.
    Then, in order of window end, each remaining visit goes to its index clinician on the first
    worked day of its window with room, else to the clinician of the profession with the most
    room in the window (earliest day first), else stays unserved.
    """
    caps = {b.name: b.followup_capacity for b in problem.blocks}
    prof = {c.clinician_id: c.profession for c in problem.clinicians}
    room: Counter[tuple[str, dt.date, str]] = Counter()
    by_day: dict[tuple[str, dt.date], list[str]] = defaultdict(list)
    by_prof_day: dict[tuple[str, dt.date], list[str]] = defaultdict(list)
    order = {b.name: i for i, b in enumerate(problem.blocks)}
    for s in sorted(set(shifts), key=lambda s: (s.day, order.get(s.block, 0), s.clinician_id)):
        room[(s.clinician_id, s.day, s.block)] = caps.get(s.block, 0)
        by_day[(s.clinician_id, s.day)].append(s.block)
        if (
            s.clinician_id in prof
            and s.clinician_id not in by_prof_day[(prof[s.clinician_id], s.day)]
        ):
            by_prof_day[(prof[s.clinician_id], s.day)].append(s.clinician_id)

    def take(cid: str, day: dt.date) -> str | None:
        for block in by_day.get((cid, day), []):
            if room[(cid, day, block)] > 0:
                room[(cid, day, block)] -= 1
                return block
        return None

    booked: dict[str, FollowUp] = {}
    same_day = same_day or {}
    for v in problem.visits:
        day = same_day.get(v.visit_id)
        if day is not None and v.window_start <= day <= v.window_end:
            block = take(v.index_clinician_id, day)
            if block is not None:
                booked[v.visit_id] = FollowUp(v.visit_id, v.index_clinician_id, day, block)
    rest = sorted(
        (v for v in problem.visits if v.visit_id not in booked),
        key=lambda v: (v.window_end, v.window_start, v.visit_id),
    )
    for v in rest:
        days = [
            v.window_start + dt.timedelta(days=i)
            for i in range((v.window_end - v.window_start).days + 1)
        ]
        for day in days:
            block = take(v.index_clinician_id, day)
            if block is not None:
                booked[v.visit_id] = FollowUp(v.visit_id, v.index_clinician_id, day, block)
                break
    for v in rest:
        if v.visit_id in booked:
            continue
        days = [
            v.window_start + dt.timedelta(days=i)
            for i in range((v.window_end - v.window_start).days + 1)
        ]
        best = None
        for day in days:
            for cid in by_prof_day.get((v.profession, day), []):
                spare = sum(room[(cid, day, b)] for b in by_day[(cid, day)])
                if spare > 0 and (best is None or spare > best[0]):
                    best = (spare, cid, day)
            if best is not None:
                break
        if best is not None:
            _, cid, day = best
            block = take(cid, day)
            booked[v.visit_id] = FollowUp(v.visit_id, cid, day, block)
        else:
            booked[v.visit_id] = FollowUp(v.visit_id)
    return [booked[v.visit_id] for v in problem.visits]
