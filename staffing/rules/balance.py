"""The rules on how a roster treats each clinician: contract hours, preferred blocks and fair
shares of nights and weekends (soft by default; Preferred blocks and the fair shares may be made
hard)."""

from __future__ import annotations

import datetime as dt
import math
from collections import Counter, defaultdict
from collections.abc import Callable

from staffing.problem import Clinician, Problem
from staffing.rules.core import (
    Rule,
    Violation,
    clinician_slots,
    day_of,
    hours_per_period,
)
from staffing.rules.working_time import contract_per_period
from staffing.solution import Solution
from staffing.timegrid import Grid, Slot


def contract_hours(
    problem: Problem, grid: Grid, c: Clinician, slots: list[Slot]
) -> list[Violation]:
    """Contract hours: each week's hours are close to the contract (amount: hours off, either way)."""
    out = []
    for p, (h, k) in enumerate(
        zip(hours_per_period(grid, slots), contract_per_period(grid, c), strict=False)
    ):
        if abs(h - k) > 1e-9:
            out.append(
                Violation(
                    "Contract hours", False, abs(h - k), "h", c.clinician_id, day_of(problem, 7 * p)
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
            day_of(problem, d),
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
    contract: defaultdict[str, float] = defaultdict(int)
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
    return problem.is_weekend(day_of(problem, slot[0]))


def fair_share(name: str, kind: str, pick: Callable[[Problem, Slot], bool]) -> Rule:
    """Fair share of nights (weekends): the rule that counts the blocks ``pick`` selects above
    each clinician's :func:`fair_allowance`."""

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
