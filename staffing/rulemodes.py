"""Rule modes: which named rules are hard by default, which a problem may switch, and why not the
others.

:class:`~staffing.problem.Problem` checks its ``soft_rules`` / ``hard_rules`` with
:func:`check_rule_modes`; the rule functions of :mod:`staffing.rules` carry the same names in the
same order (checked when the rules are imported).
"""

from __future__ import annotations

from collections.abc import Mapping
from types import MappingProxyType

#: Every named rule of :mod:`staffing.rules`, in order, and whether it is hard by default.
RULE_DEFAULTS: Mapping[str, bool] = MappingProxyType(
    {
        "Availability": True,
        "No overlapping shifts": True,
        "Daily rest": True,
        "Break within 5 h": True,
        "Weekly rest": True,
        "Max consecutive days": True,
        "Weekly maximum hours": True,
        "Mertid limit": True,
        "Follow-up capacity per block": True,
        "Follow-up placement": True,
        "Mobile crew": False,
        "Demand cover": False,
        "Return visit unserved": False,
        "Contract hours": False,
        "Fair share of nights": False,
        "Fair share of weekends": False,
        "Preferred blocks": False,
    }
)

#: Rules whose mode a problem may switch (``Problem.soft_rules`` / ``Problem.hard_rules``).
SWITCHABLE_RULES: frozenset[str] = frozenset(
    {
        "Daily rest",
        "Break within 5 h",
        "Weekly rest",
        "Max consecutive days",
        "Weekly maximum hours",
        "Mertid limit",  # hard by default, may be made soft
        "Fair share of nights",
        "Fair share of weekends",
        "Preferred blocks",  # soft, may be made hard
    }
)

#: Why the other rules keep their default mode.
FIXED_RULE_REASONS: Mapping[str, str] = MappingProxyType(
    {
        "Availability": "declared availability is the clinician's consent; the model has no shift "
        "variable outside it",
        "No overlapping shifts": "one person cannot work two shifts at once",
        "Follow-up capacity per block": "a block's follow-up slots are physical time; follow-ups are "
        "booked after the solve and never overbooked",
        "Follow-up placement": "a booked return visit must be in a block its clinician works, inside "
        "its window; it is not a preference",
        "Mobile crew": "it is priced above all demand cover in the first objective; a hard crew "
        "would turn a site-day that no clinician can staff into no roster at all instead of a "
        "roster that names the site-day and why",
        "Demand cover": "it is already the first lexicographic objective; hard cover would turn a "
        "short pool into no roster at all instead of a roster that names the short cells",
        "Return visit unserved": "return visits are booked after the solve, not modelled one by one",
        "Contract hours": "whole blocks rarely add up to the exact weekly contract, so a hard rule "
        "would make most problems infeasible (it would need a tolerance)",
    }
)


def check_rule_modes(
    soft_rules: frozenset[str] | set[str] | list[str] = frozenset(),
    hard_rules: frozenset[str] | set[str] | list[str] = frozenset(),
) -> None:
    """Raise ``ValueError`` naming the problem when a rule-mode override is not allowed.

    A rule listed in its default mode is accepted (no change); a rule listed in both is not.
    """
    soft, hard = set(soft_rules), set(hard_rules)
    unknown = sorted((soft | hard) - set(RULE_DEFAULTS))
    if unknown:
        raise ValueError(f"Unknown rule name(s) {unknown}; valid names are {list(RULE_DEFAULTS)}.")
    both = sorted(soft & hard)
    if both:
        raise ValueError(f"Rule(s) {both} cannot be both soft and hard.")
    for names, want_hard, mode in ((soft, False, "soft"), (hard, True, "hard")):
        for name in sorted(names):
            if RULE_DEFAULTS[name] != want_hard and name not in SWITCHABLE_RULES:
                can = sorted(n for n in SWITCHABLE_RULES if RULE_DEFAULTS[n] != want_hard)
                raise ValueError(
                    f"Rule {name!r} cannot be made {mode}: {FIXED_RULE_REASONS[name]}. "
                    f"Rules that can be made {mode}: {can}."
                )
