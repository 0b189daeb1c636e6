"""The model's constraints, one named rule at a time: a hand-made roster of one clinician is
rejected while the rule is hard, and priced in the rule-slack stage once it is made soft."""

from __future__ import annotations

import pytest
from ortools.sat.python import cp_model

from staffing import Clinician, Problem, ShiftAssignment, Solution, WorkRules, check
from staffing.model import RosterModel
from tests.staffing.conftest import day, everywhere, one_week

#: (rule, limits, ANN's contract hours, her shifts as (day, block), the checker's amount, the
#: model's price); each roster breaks that one rule only.
CASES = [
    # four mornings in a row with at most two: two days over, 60 per day
    (
        "Max consecutive days",
        WorkRules(max_consecutive_days=2),
        20,
        [(d, "07-12") for d in range(4)],
        2,
        120,
    ),
    # three mornings (15 h) with a 10-h week: 5 h over, in minutes
    (
        "Weekly maximum hours",
        WorkRules(max_weekly_hours=10),
        5,
        [(d, "07-12") for d in range(3)],
        5,
        300,
    ),
    # four mornings (20 h) on a 5-h contract: 15 h above it, the cap is 12 h for a week
    ("Mertid limit", WorkRules(), 5, [(d, "07-12") for d in range(4)], 3, 180),
    # an evening then the next morning: 9 h of rest instead of 11
    ("Daily rest", WorkRules(), 5, [(0, "17-22"), (1, "07-12")], 2, 120),
    # every afternoon of the week: the longest rest is 19 h, 17 h short; the model prices a
    # missed weekly rest at the whole 36 h (a proxy, see staffing.model)
    (
        "Weekly rest",
        WorkRules(max_consecutive_days=7),
        30,
        [(d, "12-17") for d in range(7)],
        17,
        2160,
    ),
]
IDS = [case[0] for case in CASES]


def _lone_ann(rules: WorkRules, contract: float) -> Problem:
    """ANN may work any block all week; no demand, so every slot is a candidate."""
    return one_week([Clinician("ANN", "doctor", contract, everywhere(7))], rules=rules)


def _roster(shifts: list[tuple[int, str]]) -> Solution:
    return Solution("HAND", tuple(ShiftAssignment(day(d), b, "ANN") for d, b in shifts))


def _feasible(rm: RosterModel, roster: Solution) -> bool:
    """Whether the model accepts exactly this roster (every shift variable fixed)."""
    for var, value in rm.values_from(roster).items():
        if var in rm.x.values():
            rm.model.add(var == value)
    solver = cp_model.CpSolver()
    solver.parameters.num_workers = 1
    return solver.solve(rm.model) in (cp_model.OPTIMAL, cp_model.FEASIBLE)


@pytest.mark.parametrize("rule, rules, contract, shifts, amount, price", CASES, ids=IDS)
def test_a_hard_rule_rejects_the_roster(
    rule: str, rules: WorkRules, contract: float, shifts: list, amount: float, price: int
) -> None:
    """Hard (the default): the checker reports this breach only and the model has no such
    roster."""
    problem, roster = _lone_ann(rules, contract), _roster(shifts)
    assert [(v.rule, v.amount) for v in check(problem, roster) if v.hard] == [(rule, amount)]
    rm = RosterModel(problem)
    assert not rm.has_slack
    assert not _feasible(rm, roster)


@pytest.mark.parametrize("rule, rules, contract, shifts, amount, price", CASES, ids=IDS)
def test_a_softened_rule_prices_the_roster(
    rule: str, rules: WorkRules, contract: float, shifts: list, amount: float, price: int
) -> None:
    """Soft: the model takes the roster and its rule-slack stage is exactly the price."""
    problem = _lone_ann(rules, contract).replace(soft_rules=frozenset({rule}))
    roster = _roster(shifts)
    assert [(v.amount, v.hard) for v in check(problem, roster) if v.rule == rule] == [
        (amount, False)
    ]
    rm = RosterModel(problem)
    assert [name for name, _ in rm.objectives][:2] == ["cover", "rule slack"]
    assert rm.stage_values(rm.values_from(roster))[1] == price
    assert _feasible(rm, roster)
