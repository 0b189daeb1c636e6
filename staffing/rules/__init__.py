"""One function per named rule; each is hard or soft and reports its violations.

A rule reads a :class:`~staffing.problem.Problem` and a :class:`~staffing.solution.Solution`
and returns :class:`Violation` records (rule name, clinician, day, amount and unit). The names
feed the explanation of a roster: which rules it bends, where, and by how much. The CP-SAT model
enforces the hard rules as constraints and prices the soft ones in its objective; these
functions check any roster independently of the solver (hand-made, baseline or solved).

Hard by default: Availability, No overlapping shifts, Daily rest, Break within 5 h, Weekly
rest, Max consecutive days, Weekly maximum hours, Mertid limit, Follow-up capacity per block,
Follow-up placement. Soft by default: Mobile crew, Demand cover, Return visit unserved,
Contract hours, Fair share of nights, Fair share of weekends, Preferred blocks.

A problem may switch the mode of some rules (``Problem.soft_rules`` / ``Problem.hard_rules``,
see :data:`staffing.rulemodes.SWITCHABLE_RULES`); :meth:`Rule.check` and :func:`check` report
each violation with ``hard`` taken from the problem, so a softened rule's violations are soft.

Modules: :mod:`~staffing.rules.core` (``Violation``, ``Rule``), one module per family of rules
(:mod:`~staffing.rules.working_time`, :mod:`~staffing.rules.balance`,
:mod:`~staffing.rules.cover`) and :mod:`~staffing.rules.catalog` (``RULES`` in order, ``check``).
A new rule is a function in its family's module, an entry in ``RULES`` and in
:data:`staffing.rulemodes.RULE_DEFAULTS`, and a test that asserts its exact amount.
"""

from staffing.rules.balance import (
    contract_hours,
    fair_allowance,
    fair_share,
    is_night,
    is_weekend_slot,
    preferred_blocks,
)
from staffing.rules.catalog import (
    RULES,
    RULES_BY_NAME,
    WINDOW_DAYS,
    WINDOWED_RULES,
    check,
    clinician_hard_rules,
)
from staffing.rules.core import ClinicianCheck, Rule, Violation, clinician_slots
from staffing.rules.cover import (
    crew_needs,
    crew_rostered,
    demand_cover,
    followup_capacity,
    followup_placement,
    mobile_crew,
    unserved_visits,
)
from staffing.rules.working_time import (
    availability,
    break_within_5h,
    contract_per_period,
    daily_rest,
    max_consecutive_days,
    mertid_cap,
    mertid_limit,
    mertid_over,
    no_overlap,
    weekly_max_hours,
    weekly_rest,
)

__all__ = [
    "RULES",
    "RULES_BY_NAME",
    "WINDOWED_RULES",
    "WINDOW_DAYS",
    "ClinicianCheck",
    "Rule",
    "Violation",
    "availability",
    "break_within_5h",
    "check",
    "clinician_hard_rules",
    "clinician_slots",
    "contract_hours",
    "contract_per_period",
    "crew_needs",
    "crew_rostered",
    "daily_rest",
    "demand_cover",
    "fair_allowance",
    "fair_share",
    "followup_capacity",
    "followup_placement",
    "is_night",
    "is_weekend_slot",
    "max_consecutive_days",
    "mertid_cap",
    "mertid_limit",
    "mertid_over",
    "mobile_crew",
    "no_overlap",
    "preferred_blocks",
    "unserved_visits",
    "weekly_max_hours",
    "weekly_rest",
]
