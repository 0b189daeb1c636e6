"""Rule modes per problem: a hard rule made soft is priced after cover, a soft rule made hard is
a constraint, and every violation is reported with the problem's mode."""

from __future__ import annotations

import pytest

from staffing import (
    Clinician,
    Problem,
    ShiftAssignment,
    Solution,
    SolveParams,
    WorkRules,
    evaluate,
    solve,
)
from staffing.baseline import cover_first
from staffing.rulemodes import RULE_DEFAULTS, SWITCHABLE_RULES
from staffing.rules import RULES_BY_NAME, check
from tests.staffing.conftest import day, everywhere, one_week

FAST = SolveParams(time_limit_s=1, num_workers=2, deterministic=True)


def _three_mornings() -> Problem:
    """ANN (15 h/week) is the only doctor; a 5-h morning to cover on Monday-Wednesday; at most
    two consecutive days: hard, one morning stays short."""
    ann = Clinician("ANN", "doctor", 15.0, everywhere(7, ("07-12",)))
    demand = {(day(i), "07-12", "doctor"): 5.0 for i in range(3)}
    return one_week([ann], demand=demand, rules=WorkRules(max_consecutive_days=2))


def test_hard_max_consecutive_days_leaves_cover_short() -> None:
    """Hard: two mornings only, 5 h short, no violation of the rule."""
    problem = _three_mornings()
    kpis = evaluate(problem, solve(problem, FAST))
    assert kpis.shortfall_hours == pytest.approx(5.0)
    assert kpis.hard_violations == 0
    assert [s.name for s in solve(problem, FAST).stages] == [
        "cover",
        "continuity",
        "contract",
        "preferences and fairness",
    ]


def test_soft_max_consecutive_days_covers_and_reports_a_soft_violation() -> None:
    """Soft: all three mornings are worked; the rule is broken by exactly one day, reported soft;
    the rule-slack stage (right after cover) prices it at 60 per day."""
    problem = _three_mornings().replace(soft_rules=frozenset({"Max consecutive days"}))
    solution = solve(problem, FAST)
    kpis = evaluate(problem, solution)
    assert kpis.cover == 1.0 and kpis.hard_violations == 0
    found = [v for v in kpis.violations if v.rule == "Max consecutive days"]
    assert [(v.hard, v.amount, v.unit, v.clinician_id, v.day) for v in found] == [
        (False, 1, "days", "ANN", day(0))
    ]
    stages = {s.name: s for s in solution.stages}
    assert [s.name for s in solution.stages][:2] == ["cover", "rule slack"]
    assert stages["rule slack"].objective == 60
    assert kpis.to_dict()["soft_violations"] == len(kpis.violations)
    # the baseline never bends a rule: it leaves the third morning short
    assert evaluate(problem, cover_first(problem)).shortfall_hours == pytest.approx(5.0)


def test_softened_rule_is_not_bent_without_a_cover_gain() -> None:
    """With no demand on Wednesday the soft rule is kept: slack costs more than nothing."""
    problem = _three_mornings()
    problem = problem.replace(
        demand={k: v for k, v in problem.demand.items() if k[0] != day(2)},
        soft_rules=frozenset({"Max consecutive days"}),
    )
    kpis = evaluate(problem, solve(problem, FAST))
    assert not [v for v in kpis.violations if v.rule == "Max consecutive days"]


@pytest.mark.parametrize(
    "rule, rules, shifts, amount",
    [
        ("Weekly rest", WorkRules(max_consecutive_days=7), [(d, "12-17") for d in range(7)], 17.0),
        ("Daily rest", WorkRules(), [(0, "17-22"), (1, "07-12")], 2.0),
        ("Mertid limit", WorkRules(), [(d, "07-12") for d in range(4)], 3.0),
    ],
)
def test_check_reports_the_problems_mode(
    rule: str, rules: WorkRules, shifts: list, amount: float
) -> None:
    """The same roster: a hard violation by default, a soft one once the rule is made soft."""
    ann = Clinician("ANN", "doctor", 5.0, everywhere(7))
    roster = Solution("HAND", tuple(ShiftAssignment(day(d), b, "ANN") for d, b in shifts))
    hard = one_week([ann], rules=rules)
    soft = hard.replace(soft_rules=frozenset({rule}))
    assert [(v.hard, v.amount) for v in RULES_BY_NAME[rule].check(hard, roster)] == [(True, amount)]
    assert [(v.hard, v.amount) for v in check(soft, roster) if v.rule == rule] == [(False, amount)]


def _night_pair() -> Problem:
    """ANN (30 h) and BEA (10 h) free every night; nights demanded on four days: fair shares
    3 and 1, allowed 3 + 0 and 1 + 0 (tolerance 0). BEA prefers nights, ANN mornings, so
    contract hours alone would give BEA more nights than her share."""
    ann = Clinician(
        "ANN",
        "doctor",
        30.0,
        everywhere(7, ("22-07", "07-12")),
        preferred_blocks=frozenset({"07-12"}),
    )
    bea = Clinician(
        "BEA", "doctor", 10.0, everywhere(7, ("22-07",)), preferred_blocks=frozenset({"22-07"})
    )
    demand = {(day(i), "22-07", "doctor"): 8.5 for i in (0, 2, 4, 6)}
    return one_week([ann, bea], demand=demand, rules=WorkRules(fair_share_tolerance=0))


def test_fair_share_of_nights_made_hard_removes_its_violations() -> None:
    """Soft: contract hours come before fairness, so ANN works four nights (34 h, 4 h over her
    contract; three would leave her 4.5 h under), one above her allowance of 3. Hard: no
    clinician works more nights than allowed, and the baseline keeps it too."""
    soft = _night_pair()
    found = [
        v for v in evaluate(soft, solve(soft, FAST)).violations if v.rule == "Fair share of nights"
    ]
    assert [(v.clinician_id, v.amount, v.hard) for v in found] == [("ANN", 1, False)]
    hard = soft.replace(hard_rules=frozenset({"Fair share of nights"}))
    for solution in (solve(hard, FAST), cover_first(hard)):
        kpis = evaluate(hard, solution)
        assert kpis.hard_violations == 0, [v.describe() for v in kpis.violations if v.hard]
        assert not [v for v in kpis.violations if v.rule == "Fair share of nights"]


def test_fair_share_of_weekends_made_hard_removes_its_violations() -> None:
    """BEA (30 h) is free on weekends only and ANN (10 h) all week; weekend demand of two
    mornings gives shares 2 x 10/40 and 2 x 30/40, allowed 1 and 2 (tolerance 0). Soft: ANN
    may take both weekend mornings to reach her contract; hard: never above 1."""
    ann = Clinician("ANN", "doctor", 10.0, everywhere(7, ("07-12",)))
    bea = Clinician("BEA", "doctor", 30.0, frozenset((day(d), "07-12") for d in (5, 6)))
    demand = {(day(5), "07-12", "doctor"): 5.0, (day(6), "07-12", "doctor"): 5.0}
    problem = one_week([ann, bea], demand=demand, rules=WorkRules(fair_share_tolerance=0))
    soft = [
        v
        for v in evaluate(problem, solve(problem, FAST)).violations
        if v.rule == "Fair share of weekends"
    ]
    assert [(v.clinician_id, v.amount, v.hard) for v in soft] == [("ANN", 1, False)]
    hard = problem.replace(hard_rules=frozenset({"Fair share of weekends"}))
    kpis = evaluate(hard, solve(hard, FAST))
    assert kpis.hard_violations == 0
    assert not [v for v in kpis.violations if v.rule == "Fair share of weekends"]
    assert kpis.cover == 1.0


def test_preferred_blocks_made_hard() -> None:
    """ANN prefers mornings: soft, she covers the demanded afternoon (one soft violation);
    hard, she never works it and the afternoon stays short."""
    ann = Clinician(
        "ANN",
        "doctor",
        10.0,
        everywhere(7, ("07-12", "12-17")),
        preferred_blocks=frozenset({"07-12"}),
    )
    demand = {(day(0), "12-17", "doctor"): 5.0, (day(1), "07-12", "doctor"): 5.0}
    problem = one_week([ann], demand=demand)
    assert [
        (v.hard, v.clinician_id, v.day, v.block)
        for v in evaluate(problem, solve(problem, FAST)).violations
        if v.rule == "Preferred blocks"
    ] == [(False, "ANN", day(0), "12-17")]
    hard = problem.replace(hard_rules=frozenset({"Preferred blocks"}))
    kpis = evaluate(hard, solve(hard, FAST))
    assert not [v for v in kpis.violations if v.rule == "Preferred blocks"]
    assert kpis.shortfall_hours == pytest.approx(5.0)


@pytest.mark.parametrize(
    "soft, hard, message",
    [
        (
            {"Max consecutive dayz"},
            set(),
            r"Unknown rule name\(s\) \['Max consecutive dayz'\]; valid names are \['Availability'",
        ),
        ({"Availability"}, set(), "'Availability' cannot be made soft: declared availability"),
        ({"No overlapping shifts"}, set(), "cannot be made soft"),
        (set(), {"Contract hours"}, "'Contract hours' cannot be made hard"),
        (set(), {"Demand cover"}, "cannot be made hard"),
        ({"Daily rest"}, {"Daily rest"}, "both soft and hard"),
    ],
)
def test_bad_rule_modes_are_rejected(soft: set, hard: set, message: str) -> None:
    """Unknown names list the valid ones; fixed rules say why they cannot switch."""
    with pytest.raises(ValueError, match=message):
        _three_mornings().replace(soft_rules=frozenset(soft), hard_rules=frozenset(hard))


def test_modes_default_and_no_op_overrides() -> None:
    """Listing a rule in its default mode changes nothing; the catalogue matches the rules."""
    problem = _three_mornings().replace(
        soft_rules=frozenset({"Contract hours"}), hard_rules=frozenset({"Availability"})
    )
    assert {name: problem.is_hard(name) for name in RULE_DEFAULTS} == dict(RULE_DEFAULTS)
    assert set(RULE_DEFAULTS) >= SWITCHABLE_RULES
    assert sorted(n for n in SWITCHABLE_RULES if not RULE_DEFAULTS[n]) == [
        "Fair share of nights",
        "Fair share of weekends",
        "Preferred blocks",
    ]


def test_every_switch_at_once_solves_within_the_hard_rules(small_clinic: Problem) -> None:
    """All switchable rules switched: bending the weekly maximum and mertid halves the
    shortfall (26 h instead of 52 h). Every stage is proved optimal; the rule-slack stage is
    exactly 60 x the amounts the checker reports for the softened rules (3,120 = 60 x 52 h),
    each reported soft, and the hardened rules are kept."""
    switched = small_clinic.replace(
        soft_rules=frozenset(n for n in SWITCHABLE_RULES if RULE_DEFAULTS[n]),
        hard_rules=frozenset(n for n in SWITCHABLE_RULES if not RULE_DEFAULTS[n]),
    )
    base = evaluate(small_clinic, solve(small_clinic, FAST))
    solution = solve(switched, FAST)
    kpis = evaluate(switched, solution)
    assert kpis.hard_violations == 0, [v.describe() for v in kpis.violations if v.hard]
    assert (base.shortfall_hours, kpis.shortfall_hours) == (52.0, 26.0)
    assert [(s.name, s.status) for s in solution.stages] == [
        ("cover", "OPTIMAL"),
        ("rule slack", "OPTIMAL"),
        ("continuity", "OPTIMAL"),
        ("contract", "OPTIMAL"),
        ("preferences and fairness", "OPTIMAL"),
    ]
    slack = next(s for s in solution.stages if s.name == "rule slack")
    bent = [v for v in kpis.violations if v.rule in switched.soft_rules]
    assert slack.objective == 3120
    assert 60 * sum(v.amount for v in bent) == pytest.approx(3120)
    assert all(not v.hard for v in bent)
    counts = kpis.violation_counts()
    hardened = ("Fair share of nights", "Fair share of weekends", "Preferred blocks")
    assert [counts[name] for name in hardened] == [0, 0, 0]
