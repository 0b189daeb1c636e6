"""Booking return visits into a roster's worked blocks (after any roster is made)."""

from __future__ import annotations

import datetime as dt
from collections import Counter, defaultdict
from collections.abc import Mapping

from staffing.problem import Problem, ReturnVisit
from staffing.solution import FollowUp, ShiftAssignment


class _Room:
    """The follow-up slots left in each worked block of a roster."""

    def __init__(
        self, problem: Problem, shifts: list[ShiftAssignment] | tuple[ShiftAssignment, ...]
    ) -> None:
        caps = {b.name: b.followup_capacity for b in problem.blocks}
        prof = {c.clinician_id: c.profession for c in problem.clinicians}
        order = {b.name: i for i, b in enumerate(problem.blocks)}
        self.left: Counter[tuple[str, dt.date, str]] = Counter()
        #: (clinician, day) -> the blocks worked, in block order
        self.blocks: dict[tuple[str, dt.date], list[str]] = defaultdict(list)
        #: (profession, day) -> the clinicians working, in order of first block
        self.working: dict[tuple[str, dt.date], list[str]] = defaultdict(list)
        for s in sorted(set(shifts), key=lambda s: (s.day, order.get(s.block, 0), s.clinician_id)):
            self.left[(s.clinician_id, s.day, s.block)] = caps.get(s.block, 0)
            self.blocks[(s.clinician_id, s.day)].append(s.block)
            if (
                s.clinician_id in prof
                and s.clinician_id not in self.working[(prof[s.clinician_id], s.day)]
            ):
                self.working[(prof[s.clinician_id], s.day)].append(s.clinician_id)

    def take(self, cid: str, day: dt.date) -> str | None:
        """Take a slot in the first of the clinician's blocks that day with room; its name."""
        for block in self.blocks.get((cid, day), []):
            if self.left[(cid, day, block)] > 0:
                self.left[(cid, day, block)] -= 1
                return block
        return None

    def most_room(self, profession: str, days: list[dt.date]) -> tuple[str, dt.date] | None:
        """On the first of ``days`` where any clinician of the profession has room, the one
        with the most room (first in order on a tie)."""
        for day in days:
            best = None
            for cid in self.working.get((profession, day), []):
                spare = sum(self.left[(cid, day, b)] for b in self.blocks[(cid, day)])
                if spare > 0 and (best is None or spare > best[0]):
                    best = (spare, cid)
            if best is not None:
                return best[1], day
        return None


def _window(v: ReturnVisit) -> list[dt.date]:
    return [
        v.window_start + dt.timedelta(days=i)
        for i in range((v.window_end - v.window_start).days + 1)
    ]


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
    room = _Room(problem, shifts)
    booked: dict[str, FollowUp] = {}
    same_day = same_day or {}
    for v in problem.visits:
        day = same_day.get(v.visit_id)
        if day is not None and v.window_start <= day <= v.window_end:
            block = room.take(v.index_clinician_id, day)
            if block is not None:
                booked[v.visit_id] = FollowUp(v.visit_id, v.index_clinician_id, day, block)
    rest = sorted(
        (v for v in problem.visits if v.visit_id not in booked),
        key=lambda v: (v.window_end, v.window_start, v.visit_id),
    )
    for v in rest:
        for day in _window(v):
            block = room.take(v.index_clinician_id, day)
            if block is not None:
                booked[v.visit_id] = FollowUp(v.visit_id, v.index_clinician_id, day, block)
                break
    for v in rest:
        if v.visit_id in booked:
            continue
        other = room.most_room(v.profession, _window(v))
        if other is None:
            booked[v.visit_id] = FollowUp(v.visit_id)
        else:
            cid, day = other
            booked[v.visit_id] = FollowUp(v.visit_id, cid, day, room.take(cid, day))
    return [booked[v.visit_id] for v in problem.visits]
