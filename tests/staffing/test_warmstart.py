"""The solver's warm starts: continuity_repair and contract_fill add legal shifts only."""

from __future__ import annotations

from staffing import (
    Clinician,
    Problem,
    ReturnVisit,
    ShiftAssignment,
    continuity_repair,
    contract_fill,
)
from tests.staffing.conftest import day, everywhere, one_week


def test_continuity_repair_adds_the_earliest_slot_in_the_window() -> None:
    """ANN owes V1 on day 1 or 2 and works nothing: with no demand every morning and
    afternoon is a candidate and the earliest one in the window (day 1, 07-12) is added."""
    ann = Clinician("ANN", "doctor", 10.0, everywhere(7, ("07-12", "12-17")))
    visit = ReturnVisit("V1", "P1", "doctor", "ANN", day(1), day(2))
    problem = one_week([ann], visits=[visit])
    assert continuity_repair(problem, []) == [ShiftAssignment(day(1), "07-12", "ANN")]


def test_continuity_repair_prefers_the_slot_that_serves_most_visits() -> None:
    """V1 (days 1-2) and V2 (day 2): the day-2 morning serves both (capacity 6), so it wins
    over the earlier day-1 morning, and one shift is enough."""
    ann = Clinician("ANN", "doctor", 10.0, everywhere(7, ("07-12",)))
    visits = [
        ReturnVisit("V1", "P1", "doctor", "ANN", day(1), day(2)),
        ReturnVisit("V2", "P2", "doctor", "ANN", day(2), day(2)),
    ]
    problem = one_week([ann], visits=visits)
    assert continuity_repair(problem, []) == [ShiftAssignment(day(2), "07-12", "ANN")]


def test_continuity_repair_keeps_the_rules_and_the_roster() -> None:
    """ANN works the evening of day 0 and owes V1 on day 1: the day-1 morning would leave 9 h
    of rest (under 11), so the afternoon is added and the evening stays."""
    ann = Clinician("ANN", "doctor", 10.0, everywhere(7, ("07-12", "12-17", "17-22")))
    visit = ReturnVisit("V1", "P1", "doctor", "ANN", day(1), day(1))
    problem = one_week([ann], visits=[visit])
    evening = ShiftAssignment(day(0), "17-22", "ANN")
    assert continuity_repair(problem, [evening]) == [
        evening,
        ShiftAssignment(day(1), "12-17", "ANN"),
    ]


def test_continuity_repair_adds_nothing_when_the_visit_is_met() -> None:
    """ANN already works inside V1's window: the roster comes back unchanged."""
    ann = Clinician("ANN", "doctor", 10.0, everywhere(7, ("07-12",)))
    visit = ReturnVisit("V1", "P1", "doctor", "ANN", day(1), day(2))
    problem = one_week([ann], visits=[visit])
    shifts = [ShiftAssignment(day(2), "07-12", "ANN")]
    assert continuity_repair(problem, shifts) == shifts


def _demanded_mornings() -> Problem:
    """ANN (10 h/week: two 5-h mornings) and BEA (no contract) free every morning; mornings
    demanded on days 2, 4 and 6 (5 h each)."""
    ann = Clinician("ANN", "doctor", 10.0, everywhere(7, ("07-12",)))
    bea = Clinician("BEA", "doctor", 0.0, everywhere(7, ("07-12",)))
    demand = {(day(d), "07-12", "doctor"): 5.0 for d in (2, 4, 6)}
    return one_week([ann, bea], demand=demand)


def test_contract_fill_stops_at_the_contract() -> None:
    """ANN gets the first two demanded mornings (10 h = her contract; a third would pass it
    by more than half a block); BEA, with no contract, gets none."""
    assert contract_fill(_demanded_mornings(), []) == [
        ShiftAssignment(day(2), "07-12", "ANN"),
        ShiftAssignment(day(4), "07-12", "ANN"),
    ]


def test_contract_fill_goes_where_demand_is_least_covered() -> None:
    """BEA already covers day 2: ANN fills days 4 and 6, and BEA's shift stays."""
    covered = ShiftAssignment(day(2), "07-12", "BEA")
    assert contract_fill(_demanded_mornings(), [covered]) == [
        covered,
        ShiftAssignment(day(4), "07-12", "ANN"),
        ShiftAssignment(day(6), "07-12", "ANN"),
    ]
