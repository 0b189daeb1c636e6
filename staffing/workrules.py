"""Working-time limits (:class:`WorkRules`): the one declaration of each limit.

Each field carries its default, its lower bound (``bound``: ``("gt", 0)`` positive, ``("ge",
0)`` not negative, ``("ge", 1)`` at least one), its upper bound (``upper``: ``("le", 168)`` at
most a week of hours, ``("lt", 24)`` under a day) and a one-line ``description`` in its
dataclass metadata. The constructor checks the bounds; callers that expose the limits elsewhere (the
planner's scenario file) read default, bound and description from :func:`dataclasses.fields`
instead of declaring them again.
"""

from __future__ import annotations

from dataclasses import dataclass, field, fields
from typing import Any, Literal

#: A lower bound: ``("gt", 0)`` must be positive, ``("ge", n)`` at least ``n``.
Bound = tuple[Literal["gt", "ge"], int]
#: An upper bound: ``("lt", n)`` must be under ``n``, ``("le", n)`` at most ``n``.
Upper = tuple[Literal["lt", "le"], int]

#: Hours in a week: no limit on hours (rest, work) can sensibly exceed it.
WEEK_HOURS = 168


def _limit(default: float, bound: Bound, upper: Upper, description: str | None = None) -> Any:
    """A WorkRules field: its default, lower and upper bound and description (in the field's
    metadata)."""
    return field(
        default=default, metadata={"bound": bound, "upper": upper, "description": description}
    )


def _bound_error(name: str, bound: Bound) -> str:
    op, value = bound
    if op == "gt" and value == 0:
        return f"WorkRules.{name} must be positive."
    if op == "ge" and value == 0:
        return f"WorkRules.{name} cannot be negative."
    return f"WorkRules.{name} must be at least {value}."


def _upper_error(name: str, upper: Upper) -> str:
    op, value = upper
    if (op, value) == ("le", WEEK_HOURS):
        return f"WorkRules.{name} cannot exceed a week ({WEEK_HOURS} h)."
    return f"WorkRules.{name} must be {'under' if op == 'lt' else 'at most'} {value}."


@dataclass(frozen=True)
class WorkRules:
    """Working-time limits (Arbetstidslagen defaults; collective agreements may differ).

    ``seam_break_minutes``: when two blocks are worked back to back (07-12 then 12-17) the
    clinician takes this break at the seam, at the start of the second block, counted as
    working time (a paid pause). With 0 the two blocks are one stretch without a break, which
    the 5-h rule then forbids. ``fair_share_tolerance`` is how many night (weekend) blocks
    above their fair share a clinician may work before it counts as unfair.
    """

    max_weekly_hours: float = _limit(
        40.0, ("gt", 0), ("le", WEEK_HOURS), "Regular time, Arbetstidslagen."
    )
    daily_rest_hours: float = _limit(
        11.0, ("ge", 0), ("lt", 24), "Arbetstidslagen: 11 h in every 24 h."
    )
    weekly_rest_hours: float = _limit(
        36.0, ("ge", 0), ("le", WEEK_HOURS), "Arbetstidslagen: 36 h per 7 days."
    )
    max_hours_without_break: float = _limit(5.0, ("gt", 0), ("le", 24), "Arbetstidslagen: 5 h.")
    seam_break_minutes: int = _limit(
        30, ("ge", 0), ("le", 240), "Paid break at the seam of two blocks worked back to back."
    )
    # 366: a year-long horizon without a day off, i.e. the rule switched off.
    max_consecutive_days: int = _limit(6, ("ge", 1), ("le", 366))
    mertid_hours_per_4_weeks: float = _limit(
        48.0, ("ge", 0), ("le", 4 * WEEK_HOURS), "Overtime+mertid cap."
    )
    fair_share_tolerance: int = _limit(
        1,
        ("ge", 0),
        ("le", 366),
        "Night (weekend) blocks above the fair share before it counts as unfair.",
    )

    def __post_init__(self) -> None:
        for f in fields(self):
            op, low = f.metadata["bound"]
            value = getattr(self, f.name)
            if value != value:  # NaN passes every comparison below
                raise ValueError(f"WorkRules.{f.name} must be a number, not NaN.")
            if value <= low if op == "gt" else value < low:
                raise ValueError(_bound_error(f.name, f.metadata["bound"]))
            op, high = f.metadata["upper"]
            if value >= high if op == "lt" else value > high:
                raise ValueError(_upper_error(f.name, f.metadata["upper"]))
