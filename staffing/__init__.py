"""Continuity-first rostering of part-time clinicians: a pure library (no planner/ imports).

Build a :class:`Problem`, call :func:`solve`, check it with :func:`evaluate`; compare with the
:func:`cover_first` baseline; export with :mod:`staffing.export`.

Modules, in the order a roster passes through them:

* the problem: :mod:`~staffing.problem` (blocks, clinicians, return visits, demand),
  :mod:`~staffing.workrules` (working-time limits), :mod:`~staffing.rulemodes` (which named
  rules are hard), :mod:`~staffing.timegrid` (slots in time, the reading of the law);
* the rules as checks of any roster, one function per named rule: :mod:`staffing.rules`;
* the greedies: :mod:`~staffing.candidates` (slots a clinician may work),
  :mod:`~staffing.greedy` (a roster that only accepts legal shifts), :mod:`~staffing.baseline`
  (cover-first), :mod:`~staffing.warmstart` (the solver's starting rosters),
  :mod:`~staffing.booking` (return visits into worked blocks);
* the exact model: :mod:`~staffing.model` (variables and stage objectives),
  :mod:`~staffing.constraints` (one function per named rule), :mod:`~staffing.solve`
  (lexicographic stages);
* the result: :mod:`~staffing.solution`, :mod:`~staffing.kpi` (``evaluate``),
  :mod:`~staffing.misses` (why each return visit misses its index clinician),
  :mod:`~staffing.crews` (why a placed unit's site-day is short of its crew),
  :mod:`~staffing.requests` (the fewest availability requests that lift the bound),
  :mod:`~staffing.export` (CSV, XLSX, iCalendar).
"""

from staffing.baseline import cover_first
from staffing.booking import book_follow_ups
from staffing.candidates import candidate_slots
from staffing.crews import CREW_REASONS, CREWS_ELSEWHERE, CrewGap, explain_crews
from staffing.kpi import CONTINUITY_MEASURES, Kpis, evaluate
from staffing.misses import MISS_REASONS, Miss, explain_misses, miss_summary
from staffing.problem import (
    TIMEZONE,
    Block,
    Clinician,
    Problem,
    ReturnVisit,
    digital_blocks,
)
from staffing.rulemodes import (
    FIXED_RULE_REASONS,
    RULE_DEFAULTS,
    SWITCHABLE_RULES,
    check_rule_modes,
)
from staffing.rules import RULES, RULES_BY_NAME, Rule, Violation, check
from staffing.solution import FollowUp, ShiftAssignment, Solution, StageResult
from staffing.solve import ProgressCallback, SolveParams, solve
from staffing.warmstart import continuity_repair, contract_fill
from staffing.workrules import WorkRules

__all__ = [
    "CONTINUITY_MEASURES",
    "CREWS_ELSEWHERE",
    "CREW_REASONS",
    "FIXED_RULE_REASONS",
    "MISS_REASONS",
    "RULES",
    "RULES_BY_NAME",
    "RULE_DEFAULTS",
    "SWITCHABLE_RULES",
    "TIMEZONE",
    "Block",
    "Clinician",
    "CrewGap",
    "FollowUp",
    "Kpis",
    "Miss",
    "Problem",
    "ProgressCallback",
    "ReturnVisit",
    "Rule",
    "ShiftAssignment",
    "Solution",
    "SolveParams",
    "StageResult",
    "Violation",
    "WorkRules",
    "book_follow_ups",
    "candidate_slots",
    "check",
    "check_rule_modes",
    "continuity_repair",
    "contract_fill",
    "cover_first",
    "digital_blocks",
    "evaluate",
    "explain_crews",
    "explain_misses",
    "miss_summary",
    "solve",
]
