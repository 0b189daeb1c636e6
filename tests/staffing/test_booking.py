"""book_follow_ups: which worked block takes each return visit, on two doctors over three days."""

from __future__ import annotations

import pytest

from staffing import (
    Clinician,
    FollowUp,
    Problem,
    ReturnVisit,
    ShiftAssignment,
    book_follow_ups,
    digital_blocks,
)
from tests.staffing.conftest import MONDAY, day, everywhere


@pytest.fixture
def three_days() -> Problem:
    """ANN and BEA (doctors), one return visit per day block (night: none). ANN owes V1 (days
    0-1), V2 (day 0) and V3 (days 0-1); BEA owes V4 (day 2). Few enough visits to follow each
    one by hand."""
    ann = Clinician("ANN", "doctor", 10.0, everywhere(3))
    bea = Clinician("BEA", "doctor", 10.0, everywhere(3))
    visits = (
        ReturnVisit("V1", "P1", "doctor", "ANN", day(0), day(1)),
        ReturnVisit("V2", "P2", "doctor", "ANN", day(0), day(0)),
        ReturnVisit("V3", "P3", "doctor", "ANN", day(0), day(1)),
        ReturnVisit("V4", "P4", "doctor", "BEA", day(2), day(2)),
    )
    blocks = digital_blocks(followup_capacity=1, night_followups=0)
    return Problem(MONDAY, 3, blocks, (ann, bea), visits)


#: ANN works the mornings of days 0 and 1, BEA the afternoon of day 1; nobody works day 2.
ROSTER = (
    ShiftAssignment(day(0), "07-12", "ANN"),
    ShiftAssignment(day(1), "07-12", "ANN"),
    ShiftAssignment(day(1), "12-17", "BEA"),
)


def test_index_clinician_first_then_the_most_room_then_unserved(three_days: Problem) -> None:
    """By window end: V2 (ends day 0) takes ANN's day-0 morning, V1 her day-1 morning; V3
    finds ANN full and goes to BEA's day-1 afternoon; V4 has nobody on day 2."""
    assert book_follow_ups(three_days, ROSTER) == [
        FollowUp("V1", "ANN", day(1), "07-12"),
        FollowUp("V2", "ANN", day(0), "07-12"),
        FollowUp("V3", "BEA", day(1), "12-17"),
        FollowUp("V4"),
    ]


def test_same_day_visits_are_booked_first(three_days: Problem) -> None:
    """V3 kept on day 1 with ANN (as the solver chose) takes that morning before the others
    are booked: V2 still gets day 0 and V1, with ANN full, goes to BEA."""
    assert book_follow_ups(three_days, ROSTER, {"V3": day(1)}) == [
        FollowUp("V1", "BEA", day(1), "12-17"),
        FollowUp("V2", "ANN", day(0), "07-12"),
        FollowUp("V3", "ANN", day(1), "07-12"),
        FollowUp("V4"),
    ]


def test_a_same_day_outside_the_window_is_ignored(three_days: Problem) -> None:
    """A same-day entry outside the visit's window books nothing there."""
    assert book_follow_ups(three_days, ROSTER, {"V2": day(1)}) == book_follow_ups(
        three_days, ROSTER
    )
