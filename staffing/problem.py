"""The staffing problem as immutable, validated data: blocks, clinicians, return visits, demand.

Everything is plain data handed in by the caller (the planner layer builds it from a scenario):
Swedish holidays arrive as a set of dates, demand as clinician-hours per day, block and
profession. Times are wall-clock hours in Europe/Stockholm; a block's ``end`` may pass 24 (the
night block 22-07 is ``start=22, end=31``) and belongs to the day it starts on. Durations are
measured on absolute time (:mod:`staffing.timegrid`): across a daylight-saving change a block
lasts an hour more or less than ``Block.minutes`` says.

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

from staffing.rulemodes import RULE_DEFAULTS, check_rule_modes
from staffing.workrules import WorkRules

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
        """Worked minutes on the wall clock: the block's length minus its breaks (on a day the
        clocks change, :meth:`staffing.timegrid.Grid.minutes` gives the time actually worked)."""
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
    ``preferred_blocks`` the block names they prefer (empty: no preference). ``left_on`` is the
    day the clinician leaves the pool (``None``: stays); they declare no availability from it
    on, and their patients' return visits in windows from that day cannot be kept with them.
    """

    clinician_id: str
    profession: str
    contract_hours: float
    available: frozenset[tuple[dt.date, str]]
    preferred_blocks: frozenset[str] = frozenset()
    home_county: str = ""
    languages: tuple[str, ...] = ()
    left_on: dt.date | None = None

    def __post_init__(self) -> None:
        if not self.clinician_id:
            raise ValueError("A clinician needs an id.")
        if self.contract_hours < 0:
            raise ValueError(f"Clinician {self.clinician_id} cannot have negative contract hours.")
        object.__setattr__(self, "available", frozenset(self.available))
        object.__setattr__(self, "preferred_blocks", frozenset(self.preferred_blocks))
        if self.left_on is not None:
            late = sorted(d for d, _ in self.available if d >= self.left_on)
            if late:
                raise ValueError(
                    f"Clinician {self.clinician_id} leaves the pool on {self.left_on} but "
                    f"declares availability on {late[0]}."
                )

    def has_left(self, day: dt.date) -> bool:
        """Whether the clinician has left the pool by ``day``."""
        return self.left_on is not None and self.left_on <= day


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


DemandKey = tuple[dt.date, str, str]  # (day, block name, profession)


@dataclass(frozen=True)
class Problem:
    """A rostering instance over ``days`` days from ``start``.

    ``demand`` maps (day, block name, profession) to the clinician-hours needed. ``holidays``
    are the public and de-facto holidays inside the horizon (they count as weekend days for
    fairness). ``continuity_target`` is the same-clinician share the provider aims for.

    ``soft_rules`` and ``hard_rules`` override the default mode of rules by name (see
    :mod:`staffing.rulemodes`: only its ``SWITCHABLE_RULES`` may change mode).
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
