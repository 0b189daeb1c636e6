"""Working-time limits (:class:`WorkRules`): the one declaration of each limit.

Each field carries its default, its lower bound (``bound``: ``("gt", 0)`` positive, ``("ge",
0)`` not negative, ``("ge", 1)`` at least one) and a one-line ``description`` in its dataclass
metadata. The constructor checks the bounds; callers that expose the limits elsewhere (the
planner's scenario file) read default, bound and description from :func:`dataclasses.fields`
instead of declaring them again.
"""

from __future__ import annotations

from dataclasses import dataclass, field, fields
from typing import Any, Literal

#: A lower bound: ``("gt", 0)`` must be positive, ``("ge", n)`` at least ``n``.
Bound = tuple[Literal["gt", "ge"], int]


def _limit(default: float, bound: Bound, description: str | None = None) -> Any:
    """A WorkRules field: its default, lower bound and description (in the field's metadata)."""
    return field(default=default, metadata={"bound": bound, "description": description})


def _bound_error(name: str, bound: Bound) -> str:
    op, value = bound
    if op == "gt" and value == 0:
        return f"WorkRules.{name} must be positive."
    if op == "ge" and value == 0:
        return f"WorkRules.{name} cannot be negative."
    return f"WorkRules.{name} must be at least {value}."


@dataclass(frozen=True)
class WorkRules:
    """Working-time limits (Arbetstidslagen defaults; collective agreements may differ).

    ``seam_break_minutes``: when two blocks are worked back to back (07-12 then 12-17) the
    clinician takes this break at the seam, at the start of the second block, counted as
    working time (a paid pause). With 0 the two blocks are one stretch without a break, which
    the 5-h rule then forbids. ``fair_share_tolerance`` is how many night (weekend) blocks
    above their fair share a clinician may work before it counts as unfair.
    """

    max_weekly_hours: float = _limit(40.0, ("gt", 0), "Regular time, Arbetstidslagen.")
    daily_rest_hours: float = _limit(11.0, ("ge", 0), "Arbetstidslagen: 11 h in every 24 h.")
    weekly_rest_hours: float = _limit(36.0, ("ge", 0), "Arbetstidslagen: 36 h per 7 days.")
    max_hours_without_break: float = _limit(5.0, ("gt", 0), "Arbetstidslagen: 5 h.")
    seam_break_minutes: int = _limit(
        30, ("ge", 0), "Paid break at the seam of two blocks worked back to back."
    )
    max_consecutive_days: int = _limit(6, ("ge", 1))
    mertid_hours_per_4_weeks: float = _limit(48.0, ("ge", 0), "Overtime+mertid cap.")
    fair_share_tolerance: int = _limit(
        1, ("ge", 0), "Night (weekend) blocks above the fair share before it counts as unfair."
    )

    def __post_init__(self) -> None:
        for f in fields(self):
            op, low = f.metadata["bound"]
            value = getattr(self, f.name)
            if value <= low if op == "gt" else value < low:
                raise ValueError(_bound_error(f.name, f.metadata["bound"]))
        if self.daily_rest_hours >= 24:
            raise ValueError("WorkRules.daily_rest_hours must be under 24.")
        if self.weekly_rest_hours > 168:
            raise ValueError("WorkRules.weekly_rest_hours cannot exceed a week (168 h).")
