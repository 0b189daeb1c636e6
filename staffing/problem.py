"""The staffing problem as immutable, validated data: blocks, clinicians, return visits, demand.

Everything is plain data handed in by the caller (the planner layer builds it from a scenario):
Swedish holidays arrive as a set of dates, demand as clinician-hours per day, block and
profession. Times are wall-clock hours in Europe/Stockholm; a block's ``end`` may pass 24 (the
night block 22-07 is ``start=22, end=31``) and belongs to the day it starts on.

Change a problem with :meth:`Problem.replace`; bad input raises ``ValueError`` in the
constructor with a sentence that names what is wrong.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass, field
from types import MappingProxyType
from typing import Any

#: Where the times of every block are read (exports attach it; the library keeps wall clock).
TIMEZONE = "Europe/Stockholm"


@dataclass(frozen=True)
class Block:
    """A kind of shift that can be worked on a day: a digital block or a mobile-clinic day.

    ``start``/``end`` are hours after midnight of the shift's day (``end`` up to 48); ``breaks``
    are (start, end) hours inside the block that are not worked (a scheduled rest break).
    ``followup_capacity`` is how many return visits the clinician can take in the block.
    ``days`` limits the days the block is offered (a mobile unit stands only some days);
    ``None`` means every day of the horizon.
    """

    name: str
    start: float
    end: float
    breaks: tuple[tuple[float, float], ...] = ()
    kind: str = "digital"
    night: bool = False
    followup_capacity: int = 0
    site_id: str | None = None
    county_code: str | None = None
    days: frozenset[dt.date] | None = None

    def __post_init__(self) -> None:
        if not self.name:
            raise ValueError("A block needs a name.")
        if not 0 <= self.start < self.end <= 48:
            raise ValueError(
                f"Block {self.name!r} must have 0 <= start < end <= 48 hours, "
                f"got {self.start}-{self.end}."
            )
        for b0, b1 in self.breaks:
            if not self.start < b0 < b1 < self.end:
                raise ValueError(f"Block {self.name!r} has a break {b0}-{b1} outside its hours.")
        if self.followup_capacity < 0:
            raise ValueError(f"Block {self.name!r} cannot have negative follow-up capacity.")
        if self.kind not in ("digital", "mobile"):
            raise ValueError(f"Block {self.name!r} has unknown kind {self.kind!r}.")
        if self.days is not None:
            object.__setattr__(self, "days", frozenset(self.days))
        # Minutes are exact integers for the CP-SAT model (block times are whole minutes).
        for value in (self.start, self.end, *(t for b in self.breaks for t in b)):
            if abs(value * 60 - round(value * 60)) > 1e-9:
                raise ValueError(f"Block {self.name!r} times must be whole minutes, got {value}.")

    @property
    def minutes(self) -> int:
        """Worked minutes: the block's length minus its breaks."""
        total = round((self.end - self.start) * 60)
        return total - sum(round((b1 - b0) * 60) for b0, b1 in self.breaks)

    @property
    def hours(self) -> float:
        """Worked hours: the block's length minus its breaks."""
        return self.minutes / 60

    def offered_on(self, day: dt.date) -> bool:
        """Whether the block can be worked on ``day``."""
        return self.days is None or day in self.days


def digital_blocks(followup_capacity: int = 6, night_followups: int = 2) -> tuple[Block, ...]:
    """The four digital blocks of a day: 07-12, 12-17, 17-22 and the night 22-07.

    The night block is 9 h on the clock with a 30-minute break at 02:00 (8.5 h worked), so no
    stretch is longer than 5 h. Follow-up capacity per block is our assumption: a 5-h chat and
    video block leaves room for ``followup_capacity`` booked return visits beside new contacts.
    """
    return (
        Block("07-12", 7, 12, followup_capacity=followup_capacity),
        Block("12-17", 12, 17, followup_capacity=followup_capacity),
        Block("17-22", 17, 22, followup_capacity=followup_capacity),
        Block("22-07", 22, 31, breaks=((26, 26.5),), night=True, followup_capacity=night_followups),
    )


@dataclass(frozen=True)
class Clinician:
    """A part-time clinician: profession, weekly contract hours and declared availability.

    ``available`` holds the (day, block name) pairs the clinician declared they can work;
    ``preferred_blocks`` the block names they prefer (empty: no preference).
    """

    clinician_id: str
    profession: str
    contract_hours: float
    available: frozenset[tuple[dt.date, str]]
    preferred_blocks: frozenset[str] = frozenset()
    home_county: str = ""
    languages: tuple[str, ...] = ()

    def __post_init__(self) -> None:
        if not self.clinician_id:
            raise ValueError("A clinician needs an id.")
        if self.contract_hours < 0:
            raise ValueError(f"Clinician {self.clinician_id} cannot have negative contract hours.")
        object.__setattr__(self, "available", frozenset(self.available))
        object.__setattr__(self, "preferred_blocks", frozenset(self.preferred_blocks))


@dataclass(frozen=True)
class ReturnVisit:
    """A return visit: same-clinician is met when the index clinician takes it in the window.

    ``history`` lists the patient's earlier visits as (date, clinician id), oldest first, ending
    with the index visit; continuity metrics (UPC, COC, SECON) are computed over it.
    """

    visit_id: str
    patient_id: str
    profession: str
    index_clinician_id: str
    window_start: dt.date
    window_end: dt.date
    history: tuple[tuple[dt.date, str], ...] = ()

    def __post_init__(self) -> None:
        if self.window_end < self.window_start:
            raise ValueError(
                f"Return visit {self.visit_id} has a window that ends before it starts."
            )


@dataclass(frozen=True)
class WorkRules:
    """Working-time limits (Arbetstidslagen defaults; collective agreements may differ).

    ``seam_break_minutes``: when two blocks are worked back to back (07-12 then 12-17) the
    clinician takes this break at the seam, at the start of the second block, counted as
    working time (a paid pause). With 0 the two blocks are one stretch without a break, which
    the 5-h rule then forbids. ``fair_share_tolerance`` is how many night (weekend) blocks
    above their fair share a clinician may work before it counts as unfair.
    """

    max_weekly_hours: float = 40.0
    daily_rest_hours: float = 11.0
    weekly_rest_hours: float = 36.0
    max_hours_without_break: float = 5.0
    seam_break_minutes: int = 30
    max_consecutive_days: int = 6
    mertid_hours_per_4_weeks: float = 48.0
    fair_share_tolerance: int = 1

    def __post_init__(self) -> None:
        for name in ("max_weekly_hours", "max_hours_without_break"):
            if getattr(self, name) <= 0:
                raise ValueError(f"WorkRules.{name} must be positive.")
        for name in (
            "daily_rest_hours",
            "weekly_rest_hours",
            "mertid_hours_per_4_weeks",
            "seam_break_minutes",
            "fair_share_tolerance",
        ):
            if getattr(self, name) < 0:
                raise ValueError(f"WorkRules.{name} cannot be negative.")
        if self.daily_rest_hours >= 24:
            raise ValueError("WorkRules.daily_rest_hours must be under 24.")
        if self.weekly_rest_hours > 168:
            raise ValueError("WorkRules.weekly_rest_hours cannot exceed a week (168 h).")
        if self.max_consecutive_days < 1:
            raise ValueError("WorkRules.max_consecutive_days must be at least 1.")


DemandKey = tuple[dt.date, str, str]  # (day, block name, profession)

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


@dataclass(frozen=True)
class Problem:
    """A rostering instance over ``days`` days from ``start``.

    ``demand`` maps (day, block name, profession) to the clinician-hours needed. ``holidays``
    are the public and de-facto holidays inside the horizon (they count as weekend days for
    fairness). ``continuity_target`` is the same-clinician share the provider aims for.

    ``soft_rules`` and ``hard_rules`` override the default mode of rules by name
    (:data:`RULE_DEFAULTS`); only :data:`SWITCHABLE_RULES` may change mode (see
    :func:`check_rule_modes`; the reasons for the others are in :data:`FIXED_RULE_REASONS`).
    """

    start: dt.date
    days: int
    blocks: tuple[Block, ...]
    clinicians: tuple[Clinician, ...]
    visits: tuple[ReturnVisit, ...] = ()
    demand: Mapping[DemandKey, float] = field(default_factory=dict)
    holidays: frozenset[dt.date] = frozenset()
    rules: WorkRules = field(default_factory=WorkRules)
    continuity_target: float = 0.96
    soft_rules: frozenset[str] = frozenset()
    hard_rules: frozenset[str] = frozenset()

    def __post_init__(self) -> None:
        object.__setattr__(self, "soft_rules", frozenset(self.soft_rules))
        object.__setattr__(self, "hard_rules", frozenset(self.hard_rules))
        check_rule_modes(self.soft_rules, self.hard_rules)
        object.__setattr__(self, "blocks", tuple(self.blocks))
        object.__setattr__(self, "clinicians", tuple(self.clinicians))
        object.__setattr__(self, "visits", tuple(self.visits))
        object.__setattr__(self, "holidays", frozenset(self.holidays))
        object.__setattr__(self, "demand", MappingProxyType(dict(self.demand)))
        if self.days < 1:
            raise ValueError(f"The horizon needs at least one day, got {self.days}.")
        if not 0 <= self.continuity_target <= 1:
            raise ValueError("The continuity target must be a share between 0 and 1.")
        names = [b.name for b in self.blocks]
        if len(set(names)) != len(names):
            raise ValueError(f"Block names must be unique, got {names}.")
        ids = [c.clinician_id for c in self.clinicians]
        if len(set(ids)) != len(ids):
            raise ValueError("Clinician ids must be unique.")
        dates = set(self.dates)
        blocks = set(names)
        for c in self.clinicians:
            for _day, block in c.available:
                if block not in blocks:
                    raise ValueError(
                        f"Clinician {c.clinician_id} is available for unknown block {block!r}."
                    )
            unknown = c.preferred_blocks - blocks
            if unknown:
                raise ValueError(
                    f"Clinician {c.clinician_id} prefers unknown blocks {sorted(unknown)}."
                )
        by_id = {c.clinician_id: c for c in self.clinicians}
        seen: set[str] = set()
        for v in self.visits:
            if v.visit_id in seen:
                raise ValueError(f"Return visit id {v.visit_id} is used twice.")
            seen.add(v.visit_id)
            index = by_id.get(v.index_clinician_id)
            if index is None:
                raise ValueError(
                    f"Return visit {v.visit_id} names unknown clinician {v.index_clinician_id}."
                )
            if index.profession != v.profession:
                raise ValueError(
                    f"Return visit {v.visit_id} is for a {v.profession} but its index clinician "
                    f"{index.clinician_id} is a {index.profession}."
                )
            if v.window_start not in dates or v.window_end not in dates:
                raise ValueError(f"Return visit {v.visit_id} has a window outside the horizon.")
        for (day, block, profession), hours in self.demand.items():
            if day not in dates or block not in blocks:
                raise ValueError(
                    f"Demand for {day} {block} {profession} is outside the horizon or blocks."
                )
            if hours < 0:
                raise ValueError(f"Demand for {day} {block} {profession} is negative.")

    # -- derived views (cheap, recomputed) --------------------------------------------------
    @property
    def dates(self) -> list[dt.date]:
        """The days of the horizon in order."""
        return [self.start + dt.timedelta(days=i) for i in range(self.days)]

    @property
    def professions(self) -> list[str]:
        """Professions present among clinicians, visits or demand, sorted."""
        found = {c.profession for c in self.clinicians} | {v.profession for v in self.visits}
        found |= {p for _, _, p in self.demand}
        return sorted(found)

    def block(self, name: str) -> Block:
        """The block called ``name``."""
        for b in self.blocks:
            if b.name == name:
                return b
        raise KeyError(name)

    def clinician(self, clinician_id: str) -> Clinician:
        """The clinician with this id."""
        for c in self.clinicians:
            if c.clinician_id == clinician_id:
                return c
        raise KeyError(clinician_id)

    def day_index(self, day: dt.date) -> int:
        """0-based index of ``day`` in the horizon."""
        return (day - self.start).days

    def is_weekend(self, day: dt.date) -> bool:
        """Saturday, Sunday or a holiday."""
        return day.weekday() >= 5 or day in self.holidays

    def is_hard(self, rule: str) -> bool:
        """Whether the named rule is hard in this problem (default mode unless overridden)."""
        if rule in self.soft_rules:
            return False
        if rule in self.hard_rules:
            return True
        return RULE_DEFAULTS[rule]

    def softened(self, rule: str) -> bool:
        """Whether a rule that is hard by default is soft in this problem."""
        return RULE_DEFAULTS[rule] and rule in self.soft_rules

    def hardened(self, rule: str) -> bool:
        """Whether a rule that is soft by default is hard in this problem."""
        return not RULE_DEFAULTS[rule] and rule in self.hard_rules

    def replace(self, **changes: Any) -> Problem:
        """A validated copy with some fields changed."""
        return dataclasses.replace(self, **changes)
