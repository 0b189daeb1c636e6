"""One function per named rule; each is hard or soft and reports its violations.

A rule reads a :class:`~staffing.problem.Problem` and a :class:`~staffing.solution.Solution`
and returns :class:`Violation` records (rule name, clinician, day, amount and unit). The names
feed the explanation of a roster: which rules it bends, where, and by how much. The CP-SAT model
enforces the hard rules as constraints and prices the soft ones in its objective; these
functions check any roster independently of the solver (hand-made, baseline or solved).

Hard by default: Availability, No overlapping shifts, Daily rest, Break within 5 h, Weekly
rest, Max consecutive days, Weekly maximum hours, Mertid limit, Follow-up capacity per block,
Follow-up placement. Soft by default: Demand cover, Return visit unserved, Contract hours,
Fair share of nights, Fair share of weekends, Preferred blocks.

A problem may switch the mode of some rules (``Problem.soft_rules`` / ``Problem.hard_rules``,
see :data:`staffing.problem.SWITCHABLE_RULES`); :meth:`Rule.check` and :func:`check` report
each violation with ``hard`` taken from the problem, so a softened rule's violations are soft.
"""

from __future__ import annotations

import datetime as dt
import itertools
import math
from collections import Counter, defaultdict
from collections.abc import Callable, Iterable
from dataclasses import dataclass, replace

from staffing.problem import RULE_DEFAULTS, Clinician, Problem
from staffing.solution import Solution
from staffing.timegrid import DAY, Grid, Slot


@dataclass(frozen=True)
class Violation:
    """One breach of a named rule; ``amount`` is in ``unit`` (hours, days, visits, blocks)."""

    rule: str
    hard: bool
    amount: float
    unit: str = "h"
    clinician_id: str | None = None
    day: dt.date | None = None
    block: str | None = None
    profession: str | None = None

    def describe(self) -> str:
        """A readable line."""
        where = " ".join(
            str(x) for x in (self.day, self.block, self.profession, self.clinician_id) if x
        )
        return f"{self.rule}: {where} {self.amount:g} {self.unit}".strip()


ClinicianCheck = Callable[[Problem, Grid, Clinician, list[Slot]], list[Violation]]


@dataclass(frozen=True)
class Rule:
    """A named rule: hard or soft by default, and the function that finds its violations.

    ``find`` returns the violations with the default mode; :meth:`check` returns them with the
    problem's mode (``Problem.is_hard``).
    """

    name: str
    hard: bool
    find: Callable[[Problem, Solution], list[Violation]]
    per_clinician: ClinicianCheck | None = None

    def check(self, problem: Problem, solution: Solution) -> list[Violation]:
        """The violations of this rule in a roster, hard or soft as the problem says."""
        hard = problem.is_hard(self.name)
        return [
            v if v.hard == hard else replace(v, hard=hard) for v in self.find(problem, solution)
        ]


# -- helpers ----------------------------------------------------------------------------------


def clinician_slots(problem: Problem, solution: Solution) -> dict[str, list[Slot]]:
    """Each clinician's slots sorted by start (unknown blocks or days are dropped here and
    reported by the availability rule)."""
    grid = Grid(problem)
    block_index = {b.name: i for i, b in enumerate(problem.blocks)}
    out: dict[str, list[Slot]] = defaultdict(list)
    for s in solution.shifts:
        d = problem.day_index(s.day)
        if s.block in block_index and 0 <= d < problem.days:
            out[s.clinician_id].append((d, block_index[s.block]))
    for slots in out.values():
        slots.sort(key=grid.interval)
    return out


def _work_periods(grid: Grid, slots: list[Slot]) -> list[list[Slot]]:
    """Slots grouped into work periods: a slot that starts at or before the previous end joins."""
    periods: list[list[Slot]] = []
    end = None
    for slot in slots:
        a, e = grid.interval(slot)
        if end is not None and a <= end:
            periods[-1].append(slot)
            end = max(end, e)
        else:
            periods.append([slot])
            end = e
    return periods


def _date(problem: Problem, d: int) -> dt.date:
    return problem.start + dt.timedelta(days=d)


def _per_clinician(name: str, hard: bool, fn: ClinicianCheck) -> Rule:
    def check(problem: Problem, solution: Solution) -> list[Violation]:
        grid = Grid(problem)
        slots = clinician_slots(problem, solution)
        out: list[Violation] = []
        for c in problem.clinicians:
            out += fn(problem, grid, c, slots.get(c.clinician_id, []))
        return out

    check.__name__ = fn.__name__
    check.__doc__ = fn.__doc__
    return Rule(name, hard, check, fn)


def _hours_per_period(grid: Grid, slots: list[Slot]) -> list[float]:
    minutes = [0] * len(grid.periods)
    for d, b in slots:
        minutes[d // 7] += grid.problem.blocks[b].minutes
    return [m / 60 for m in minutes]


# -- hard rules per clinician -------------------------------------------------------------------


def availability(problem: Problem, grid: Grid, c: Clinician, slots: list[Slot]) -> list[Violation]:
    """Availability: a shift only on a (day, block) the clinician declared and the block is offered."""
    out = []
    for d, b in slots:
        block, day = problem.blocks[b], _date(problem, d)
        if (day, block.name) not in c.available or not block.offered_on(day):
            out.append(
                Violation("Availability", True, block.hours, "h", c.clinician_id, day, block.name)
            )
    return out


def no_overlap(problem: Problem, grid: Grid, c: Clinician, slots: list[Slot]) -> list[Violation]:
    """No overlapping shifts: a clinician works one shift at a time (amount: hours of overlap)."""
    out = []
    for first, second in itertools.pairwise(slots):
        (_a1, e1), (a2, e2) = grid.interval(first), grid.interval(second)
        if a2 < e1:
            out.append(
                Violation(
                    "No overlapping shifts",
                    True,
                    (min(e1, e2) - a2) / 60,
                    "h",
                    c.clinician_id,
                    _date(problem, second[0]),
                    problem.blocks[second[1]].name,
                )
            )
    return out


def daily_rest(problem: Problem, grid: Grid, c: Clinician, slots: list[Slot]) -> list[Violation]:
    """Daily rest: work periods span at most 24 h minus the rest, and are the rest apart
    (amount: hours missing)."""
    out = []
    periods = _work_periods(grid, slots)
    ends = []
    for period in periods:
        start = grid.interval(period[0])[0]
        end = max(grid.interval(s)[1] for s in period)
        if end - start > grid.max_span:
            out.append(
                Violation(
                    "Daily rest",
                    True,
                    (end - start - grid.max_span) / 60,
                    "h",
                    c.clinician_id,
                    _date(problem, period[0][0]),
                )
            )
        ends.append((start, end, period[0]))
    for (_, end, _), (start, _, first) in itertools.pairwise(ends):
        if start - end < grid.rest:
            out.append(
                Violation(
                    "Daily rest",
                    True,
                    (grid.rest - (start - end)) / 60,
                    "h",
                    c.clinician_id,
                    _date(problem, first[0]),
                )
            )
    return out


def break_within_5h(
    problem: Problem, grid: Grid, c: Clinician, slots: list[Slot]
) -> list[Violation]:
    """Break within 5 h: no worked stretch longer than the limit (amount: hours over it)."""
    out = []
    for period in _work_periods(grid, slots):
        stretch = grid.longest_stretch(period)
        if stretch > grid.stretch_limit:
            out.append(
                Violation(
                    "Break within 5 h",
                    True,
                    (stretch - grid.stretch_limit) / 60,
                    "h",
                    c.clinician_id,
                    _date(problem, period[0][0]),
                )
            )
    return out


def weekly_rest(problem: Problem, grid: Grid, c: Clinician, slots: list[Slot]) -> list[Violation]:
    """Weekly rest: every full 7-day period has a free interval of the weekly rest (amount:
    hours missing from the longest free interval)."""
    need = round(problem.rules.weekly_rest_hours * 60)
    out = []
    for p in grid.full_periods():
        p0, p1 = p * 7 * DAY, (p + 1) * 7 * DAY
        busy = sorted(
            (max(a, p0), min(e, p1)) for a, e in map(grid.interval, slots) if a < p1 and e > p0
        )
        longest, cursor = 0, p0
        for a, e in busy:
            longest = max(longest, a - cursor)
            cursor = max(cursor, e)
        longest = max(longest, p1 - cursor)
        if longest < need:
            out.append(
                Violation(
                    "Weekly rest",
                    True,
                    (need - longest) / 60,
                    "h",
                    c.clinician_id,
                    _date(problem, 7 * p),
                )
            )
    return out


def max_consecutive_days(
    problem: Problem, grid: Grid, c: Clinician, slots: list[Slot]
) -> list[Violation]:
    """Max consecutive days: runs of working days (a shift's day is the day it starts) are at
    most the limit (amount: days over it)."""
    worked = sorted({d for d, _ in slots})
    out, run_start, prev = [], None, None
    for d in [*worked, None]:
        if d is not None and prev is not None and d == prev + 1:
            prev = d
            continue
        if run_start is not None and prev - run_start + 1 > problem.rules.max_consecutive_days:
            out.append(
                Violation(
                    "Max consecutive days",
                    True,
                    prev - run_start + 1 - problem.rules.max_consecutive_days,
                    "days",
                    c.clinician_id,
                    _date(problem, run_start),
                )
            )
        run_start = prev = d
    return out


def weekly_max_hours(
    problem: Problem, grid: Grid, c: Clinician, slots: list[Slot]
) -> list[Violation]:
    """Weekly maximum hours: at most the regular maximum in each 7-day period (amount: hours over)."""
    out = []
    for p, hours in enumerate(_hours_per_period(grid, slots)):
        if hours > problem.rules.max_weekly_hours + 1e-9:
            out.append(
                Violation(
                    "Weekly maximum hours",
                    True,
                    hours - problem.rules.max_weekly_hours,
                    "h",
                    c.clinician_id,
                    _date(problem, 7 * p),
                )
            )
    return out


def mertid_cap(problem: Problem) -> float:
    """Hours above contract (mertid and overtime) allowed over the horizon: pro rata of 4 weeks."""
    return problem.rules.mertid_hours_per_4_weeks * problem.days / 28


def contract_per_period(grid: Grid, c: Clinician) -> list[float]:
    """Contract hours of each 7-day period (pro rata for a short last period)."""
    return [c.contract_hours * len(days) / 7 for days in grid.periods]


def mertid_limit(problem: Problem, grid: Grid, c: Clinician, slots: list[Slot]) -> list[Violation]:
    """Mertid limit: hours above contract summed over the weeks stay within the cap
    (48 h per 4 weeks, pro rata; amount: hours over the cap)."""
    extra = sum(
        max(0.0, h - k)
        for h, k in zip(_hours_per_period(grid, slots), contract_per_period(grid, c), strict=False)
    )
    cap = mertid_cap(problem)
    if extra > cap + 1e-9:
        return [Violation("Mertid limit", True, extra - cap, "h", c.clinician_id)]
    return []


# -- soft rules per clinician -----------------------------------------------------------------


def contract_hours(
    problem: Problem, grid: Grid, c: Clinician, slots: list[Slot]
) -> list[Violation]:
    """Contract hours: each week's hours are close to the contract (amount: hours off, either way)."""
    out = []
    for p, (h, k) in enumerate(
        zip(_hours_per_period(grid, slots), contract_per_period(grid, c), strict=False)
    ):
        if abs(h - k) > 1e-9:
            out.append(
                Violation(
                    "Contract hours", False, abs(h - k), "h", c.clinician_id, _date(problem, 7 * p)
                )
            )
    return out


def preferred_blocks(
    problem: Problem, grid: Grid, c: Clinician, slots: list[Slot]
) -> list[Violation]:
    """Preferred blocks: a shift outside the clinician's preferred blocks costs 1 block."""
    if not c.preferred_blocks:
        return []
    return [
        Violation(
            "Preferred blocks",
            False,
            1,
            "blocks",
            c.clinician_id,
            _date(problem, d),
            problem.blocks[b].name,
        )
        for d, b in slots
        if problem.blocks[b].name not in c.preferred_blocks
    ]


def _demanded_blocks(problem: Problem, select: Callable[[dt.date, int], bool]) -> Counter[str]:
    index = {b.name: i for i, b in enumerate(problem.blocks)}
    out: Counter[str] = Counter()
    for (day, block, profession), hours in problem.demand.items():
        b = index[block]
        if select(day, b) and hours > 0:
            out[profession] += math.ceil(hours / problem.blocks[b].hours - 1e-9)
    return out


def fair_allowance(problem: Problem, kind: str) -> dict[str, int]:
    """Night (``kind='nights'``) or weekend blocks each clinician may work before it is unfair.

    Fair share: the blocks demanded for the profession (demand hours / block hours, rounded up
    per cell) split in proportion to contract hours among the clinicians who declared any such
    block; allowed = fair share rounded up + ``rules.fair_share_tolerance``.
    """
    if kind == "nights":

        def select(day: dt.date, b: int) -> bool:
            return problem.blocks[b].night
    else:

        def select(day: dt.date, b: int) -> bool:
            return problem.is_weekend(day)

    index = {b.name: i for i, b in enumerate(problem.blocks)}
    demanded = _demanded_blocks(problem, select)
    eligible = {
        c.clinician_id
        for c in problem.clinicians
        if any(select(day, index[block]) for day, block in c.available)
    }
    contract: Counter[str] = Counter()
    for c in problem.clinicians:
        if c.clinician_id in eligible:
            contract[c.profession] += c.contract_hours
    tol = problem.rules.fair_share_tolerance
    out = {}
    for c in problem.clinicians:
        share = 0.0
        if c.clinician_id in eligible and contract[c.profession] > 0:
            share = demanded[c.profession] * c.contract_hours / contract[c.profession]
        out[c.clinician_id] = math.ceil(share - 1e-9) + tol
    return out


def is_night(problem: Problem, slot: Slot) -> bool:
    """Whether a slot is a night block."""
    return problem.blocks[slot[1]].night


def is_weekend_slot(problem: Problem, slot: Slot) -> bool:
    """Whether a slot falls on a weekend day or holiday."""
    return problem.is_weekend(_date(problem, slot[0]))


def _fair(name: str, kind: str, pick: Callable[[Problem, Slot], bool]) -> Rule:
    def check(problem: Problem, solution: Solution) -> list[Violation]:
        allowed = fair_allowance(problem, kind)
        slots = clinician_slots(problem, solution)
        out = []
        for c in problem.clinicians:
            n = sum(pick(problem, s) for s in slots.get(c.clinician_id, []))
            if n > allowed[c.clinician_id]:
                out.append(
                    Violation(name, False, n - allowed[c.clinician_id], "blocks", c.clinician_id)
                )
        return out

    def one(problem: Problem, grid: Grid, c: Clinician, slots: list[Slot]) -> list[Violation]:
        # the allowances are problem-wide: computed once per Grid (the greedy checks per move)
        allowed = grid.memo.get(("fair", kind))
        if allowed is None:
            allowed = grid.memo[("fair", kind)] = fair_allowance(problem, kind)
        n = sum(pick(problem, s) for s in slots)
        if n > allowed[c.clinician_id]:
            return [Violation(name, False, n - allowed[c.clinician_id], "blocks", c.clinician_id)]
        return []

    check.__doc__ = f"{name}: blocks above the fair share (see fair_allowance)."
    return Rule(name, False, check, one)


# -- rules over the whole roster --------------------------------------------------------------


def _staffed_minutes(problem: Problem, solution: Solution) -> Counter[tuple[dt.date, str, str]]:
    prof = {c.clinician_id: c.profession for c in problem.clinicians}
    minutes = {b.name: b.minutes for b in problem.blocks}
    out: Counter[tuple[dt.date, str, str]] = Counter()
    for s in set(solution.shifts):
        if s.clinician_id in prof and s.block in minutes:
            out[(s.day, s.block, prof[s.clinician_id])] += minutes[s.block]
    return out


def demand_cover(problem: Problem, solution: Solution) -> list[Violation]:
    """Demand cover: clinician-hours short of demand per day, block and profession."""
    staffed = _staffed_minutes(problem, solution)
    out = []
    for (day, block, profession), hours in sorted(problem.demand.items()):
        short = hours - staffed[(day, block, profession)] / 60
        if short > 1e-9:
            out.append(Violation("Demand cover", False, short, "h", None, day, block, profession))
    return out


def followup_capacity(problem: Problem, solution: Solution) -> list[Violation]:
    """Follow-up capacity per block: return visits booked in a clinician's block stay within the
    block's capacity (amount: visits over it)."""
    counts = Counter(
        (f.clinician_id, f.day, f.block) for f in solution.follow_ups if f.clinician_id
    )
    caps = {b.name: b.followup_capacity for b in problem.blocks}
    out = []
    for (cid, day, block), n in sorted(counts.items(), key=str):
        cap = caps.get(block or "", 0)
        if n > cap:
            out.append(
                Violation("Follow-up capacity per block", True, n - cap, "visits", cid, day, block)
            )
    return out


def followup_placement(problem: Problem, solution: Solution) -> list[Violation]:
    """Follow-up placement: a booked return visit is in its window, with a clinician of its
    profession who works that block that day (amount: 1 visit each)."""
    visits = {v.visit_id: v for v in problem.visits}
    prof = {c.clinician_id: c.profession for c in problem.clinicians}
    working = {(s.clinician_id, s.day, s.block) for s in solution.shifts}
    out = []
    for f in solution.follow_ups:
        if f.clinician_id is None:
            continue
        v = visits.get(f.visit_id)
        ok = (
            v is not None
            and f.day is not None
            and v.window_start <= f.day <= v.window_end
            and prof.get(f.clinician_id) == v.profession
            and (f.clinician_id, f.day, f.block) in working
        )
        if not ok:
            out.append(
                Violation(
                    "Follow-up placement",
                    True,
                    1,
                    "visits",
                    f.clinician_id,
                    f.day,
                    f.block,
                    v.profession if v else None,
                )
            )
    return out


def unserved_visits(problem: Problem, solution: Solution) -> list[Violation]:
    """Return visit unserved: no clinician takes it in its window (amount: 1 visit each)."""
    booked = {f.visit_id for f in solution.follow_ups if f.clinician_id is not None}
    return [
        Violation(
            "Return visit unserved", False, 1, "visits", None, v.window_end, None, v.profession
        )
        for v in problem.visits
        if v.visit_id not in booked
    ]


RULES: tuple[Rule, ...] = (
    _per_clinician("Availability", True, availability),
    _per_clinician("No overlapping shifts", True, no_overlap),
    _per_clinician("Daily rest", True, daily_rest),
    _per_clinician("Break within 5 h", True, break_within_5h),
    _per_clinician("Weekly rest", True, weekly_rest),
    _per_clinician("Max consecutive days", True, max_consecutive_days),
    _per_clinician("Weekly maximum hours", True, weekly_max_hours),
    _per_clinician("Mertid limit", True, mertid_limit),
    Rule("Follow-up capacity per block", True, followup_capacity),
    Rule("Follow-up placement", True, followup_placement),
    Rule("Demand cover", False, demand_cover),
    Rule("Return visit unserved", False, unserved_visits),
    _per_clinician("Contract hours", False, contract_hours),
    _fair("Fair share of nights", "nights", is_night),
    _fair("Fair share of weekends", "weekends", is_weekend_slot),
    _per_clinician("Preferred blocks", False, preferred_blocks),
)

#: Rules by name.
RULES_BY_NAME: dict[str, Rule] = {r.name: r for r in RULES}

assert tuple(RULES_BY_NAME) == tuple(RULE_DEFAULTS), (
    "rules and staffing.problem.RULE_DEFAULTS differ"
)
assert all(r.hard == RULE_DEFAULTS[r.name] for r in RULES)

#: The default-hard rules that concern one clinician's own shifts.
CLINICIAN_HARD_RULES: tuple[ClinicianCheck, ...] = tuple(
    r.per_clinician for r in RULES if r.hard and r.per_clinician is not None
)


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
