"""Continuity-first rostering of part-time clinicians: a pure library (no planner/ imports).

Build a :class:`Problem`, call :func:`solve`, check it with :func:`evaluate`; compare with the
:func:`cover_first` baseline; export with :mod:`staffing.export`.
"""

from staffing.baseline import book_follow_ups, cover_first
from staffing.kpi import Kpis, evaluate
from staffing.problem import (
    TIMEZONE,
    Block,
    Clinician,
    Problem,
    ReturnVisit,
    WorkRules,
    digital_blocks,
)
from staffing.rules import RULES, Rule, Violation, check
from staffing.solution import FollowUp, ShiftAssignment, Solution, StageResult
from staffing.solve import SolveParams, solve

__all__ = [
    "RULES",
    "TIMEZONE",
    "Block",
    "Clinician",
    "FollowUp",
    "Kpis",
    "Problem",
    "ReturnVisit",
    "Rule",
    "ShiftAssignment",
    "Solution",
    "SolveParams",
    "StageResult",
    "Violation",
    "WorkRules",
    "book_follow_ups",
    "check",
    "cover_first",
    "digital_blocks",
    "evaluate",
    "solve",
]
