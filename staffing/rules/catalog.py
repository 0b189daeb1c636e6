"""The catalogue of named rules, in the order of :data:`staffing.rulemodes.RULE_DEFAULTS`, and
:func:`check`, which finds every violation of a roster."""

from __future__ import annotations

from collections.abc import Iterable

from staffing.problem import Problem
from staffing.rulemodes import RULE_DEFAULTS
from staffing.rules.balance import (
    contract_hours,
    fair_share,
    is_night,
    is_weekend_slot,
    preferred_blocks,
)
from staffing.rules.core import ClinicianCheck, Rule, Violation, per_clinician
from staffing.rules.cover import (
    demand_cover,
    followup_capacity,
    followup_placement,
    mobile_crew,
    unserved_visits,
)
from staffing.rules.working_time import (
    availability,
    break_within_5h,
    daily_rest,
    max_consecutive_days,
    mertid_limit,
    no_overlap,
    weekly_max_hours,
    weekly_rest,
)
from staffing.solution import Solution

#: Every named rule, in the order of the rule modes.
RULES: tuple[Rule, ...] = (
    per_clinician("Availability", True, availability),
    per_clinician("No overlapping shifts", True, no_overlap),
    per_clinician("Daily rest", True, daily_rest),
    per_clinician("Break within 5 h", True, break_within_5h),
    per_clinician("Weekly rest", True, weekly_rest),
    per_clinician("Max consecutive days", True, max_consecutive_days),
    per_clinician("Weekly maximum hours", True, weekly_max_hours),
    per_clinician("Mertid limit", True, mertid_limit),
    Rule("Follow-up capacity per block", True, followup_capacity),
    Rule("Follow-up placement", True, followup_placement),
    Rule("Mobile crew", False, mobile_crew),
    Rule("Demand cover", False, demand_cover),
    Rule("Return visit unserved", False, unserved_visits),
    per_clinician("Contract hours", False, contract_hours),
    fair_share("Fair share of nights", "nights", is_night),
    fair_share("Fair share of weekends", "weekends", is_weekend_slot),
    per_clinician("Preferred blocks", False, preferred_blocks),
)

#: Rules by name.
RULES_BY_NAME: dict[str, Rule] = {r.name: r for r in RULES}

assert tuple(RULES_BY_NAME) == tuple(RULE_DEFAULTS), (
    "rules and staffing.rulemodes.RULE_DEFAULTS differ"
)
assert all(r.hard == RULE_DEFAULTS[r.name] for r in RULES)


#: The per-clinician rules a move can only break near the moved slot: on a legal roster, each
#: holds on any contiguous stretch of it (fewer shifts never break them), and a new slot's
#: violations lie within :data:`WINDOW_DAYS` days of it (or the run of consecutive days
#: around it), so a greedy checks them on that stretch alone (:class:`staffing.greedy.LegalRoster`).
#: Not here: the mertid cap and fair shares (sums over the horizon), contract hours (fewer
#: shifts break it).
WINDOWED_RULES: frozenset[ClinicianCheck] = frozenset(
    {
        availability,
        no_overlap,
        daily_rest,
        break_within_5h,
        weekly_rest,
        max_consecutive_days,
        weekly_max_hours,
        preferred_blocks,
    }
)
#: Days on either side of a slot that a windowed rule reads at most (a 7-day period, a night
#: reaching into it and a day's margin).
WINDOW_DAYS = 9


def clinician_hard_rules(problem: Problem) -> tuple[ClinicianCheck, ...]:
    """The per-clinician rules a greedy checks on every move: those hard in ``problem`` and
    also the softened ones (the greedy baseline and warm starts never bend a rule; only the
    solver does, and only where it pays in the objective)."""
    return tuple(
        r.per_clinician
        for r in RULES
        if r.per_clinician is not None and (r.hard or problem.is_hard(r.name))
    )


def check(problem: Problem, solution: Solution, rules: Iterable[Rule] = RULES) -> list[Violation]:
    """Every violation of ``rules`` (all by default) in a roster, hard or soft as the problem says."""
    out: list[Violation] = []
    for rule in rules:
        out += rule.check(problem, solution)
    return out
