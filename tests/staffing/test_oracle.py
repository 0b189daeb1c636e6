"""A brute-force oracle for ``solve``: on 1-2 clinicians, 2-3 days and 2 blocks, every roster
inside the declared availability is enumerated, the rule checkers (``evaluate``) keep those that
break no hard rule, and the best cover, then the best same-clinician count at that cover, must
equal what ``solve`` finds (its first lexicographic stages; all hard rules are hard here).

Follow-ups of every enumerated roster are booked with :func:`book_follow_ups`, which is exact
for return visits kept with their index clinician (earliest window end first, earliest day with
room: the greedy that is optimal for unit visits in day windows).
"""

from __future__ import annotations

import itertools
import random

import pytest

from staffing import (
    Block,
    Clinician,
    Problem,
    ReturnVisit,
    ShiftAssignment,
    Solution,
    SolveParams,
    WorkRules,
    book_follow_ups,
    evaluate,
    solve,
)
from tests.staffing.conftest import MONDAY, day

#: A morning and an evening: 7 h apart on the same day and 9 h overnight, so daily rest lets a
#: clinician work at most one of them per day and not an evening before a morning.
BLOCKS = (Block("07-12", 7, 12, followup_capacity=1), Block("17-22", 17, 22, followup_capacity=1))


def random_instance(seed: int) -> Problem:
    """A seeded tiny instance: 1-2 doctors, 2-3 days, the two blocks, availability and demand
    on about 70 % of the cells, 1-3 return visits, contracts and limits that bite (the mertid
    cap is 48 h per 4 weeks pro rata: about 5 h over three days)."""
    rng = random.Random(seed)
    days = rng.choice([2, 3])
    cells = [(day(d), b.name) for d in range(days) for b in BLOCKS]
    people = tuple(
        Clinician(
            f"D{i}",
            "doctor",
            float(rng.choice([5, 10, 20])),
            frozenset(c for c in cells if rng.random() < 0.7),
        )
        for i in range(rng.choice([1, 2]))
    )
    demand = {(d, b, "doctor"): rng.choice([2.5, 5.0]) for d, b in cells if rng.random() < 0.7}
    visits = []
    for k in range(rng.choice([1, 2, 3])):
        first = rng.randrange(days)
        last = rng.randrange(first, days)
        owner = rng.choice(people).clinician_id
        visits.append(ReturnVisit(f"V{k}", f"P{k}", "doctor", owner, day(first), day(last)))
    rules = WorkRules(
        max_weekly_hours=rng.choice([10.0, 40.0]), max_consecutive_days=rng.choice([2, 6])
    )
    return Problem(MONDAY, days, BLOCKS, people, tuple(visits), demand, rules=rules)


def brute_force(problem: Problem) -> tuple[float, int, int]:
    """(least shortfall hours, most same-clinician visits at that shortfall, legal rosters)
    over every roster inside the declared availability that breaks no hard rule."""
    slots = sorted((d, b, c.clinician_id) for c in problem.clinicians for d, b in c.available)
    best: tuple[float, int] | None = None
    legal = 0
    for n in range(len(slots) + 1):
        for chosen in itertools.combinations(slots, n):
            shifts = tuple(ShiftAssignment(d, b, cid) for d, b, cid in chosen)
            roster = Solution("ORACLE", shifts, tuple(book_follow_ups(problem, shifts)))
            kpis = evaluate(problem, roster)
            if kpis.hard_violations:
                continue
            legal += 1
            same = round((kpis.continuity_rate or 0) * len(problem.visits))
            key = (round(kpis.shortfall_hours, 6), -same)
            if best is None or key < best:
                best = key
    assert best is not None  # the empty roster breaks no rule
    return best[0], -best[1], legal


def solved(problem: Problem) -> tuple[float, int]:
    """(shortfall hours, same-clinician visits) of ``solve``'s roster, which must be legal."""
    solution = solve(problem, SolveParams(time_limit_s=10.0, num_workers=1, seed=1))
    kpis = evaluate(problem, solution)
    assert kpis.hard_violations == 0
    return round(kpis.shortfall_hours, 6), round((kpis.continuity_rate or 0) * len(problem.visits))


def test_oracle_on_a_hand_made_case() -> None:
    """One doctor (10 h), two days, demand 5 h in all four cells, visits on day 0 and day 1.
    Daily rest allows one block a day and not evening-then-morning; the mertid cap (about
    3.4 h over two days above 2.9 h of contract) allows one 5-h block in all: 5 h of 20 are
    covered and one visit is kept with her."""
    ann = Clinician(
        "ANN", "doctor", 10.0, frozenset((day(d), b.name) for d in (0, 1) for b in BLOCKS)
    )
    visits = (
        ReturnVisit("V0", "P0", "doctor", "ANN", day(0), day(0)),
        ReturnVisit("V1", "P1", "doctor", "ANN", day(1), day(1)),
    )
    demand = {(day(d), b.name, "doctor"): 5.0 for d in (0, 1) for b in BLOCKS}
    problem = Problem(MONDAY, 2, BLOCKS, (ann,), visits, demand)
    shortfall, same, legal = brute_force(problem)
    assert (shortfall, same, legal) == (15.0, 1, 5)
    assert solved(problem) == (15.0, 1)


def test_a_slot_without_demand_keeps_a_visit() -> None:
    """The oracle's first find (seed 37): ANN is free only on Monday evening, where no doctor is
    in demand, and owes a visit on Monday or Tuesday. Working that evening keeps the patient
    with her at no cost to cover, so the best roster does, and so must ``solve``."""
    ann = Clinician("ANN", "doctor", 20.0, frozenset({(day(0), "17-22")}))
    visit = ReturnVisit("V0", "P0", "doctor", "ANN", day(0), day(1))
    demand = {(day(0), "07-12", "doctor"): 5.0, (day(1), "17-22", "doctor"): 2.5}
    problem = Problem(MONDAY, 2, BLOCKS, (ann,), (visit,), demand)
    assert brute_force(problem) == (7.5, 1, 2)
    assert solved(problem) == (7.5, 1)


#: Seeds 0-7, and the four of the first 60 that found rosters ``solve`` missed before slots
#: without demand could keep a visit.
SEEDS = [*range(8), 37, 50, 52, 59]


@pytest.mark.parametrize("seed", SEEDS)
def test_solve_matches_the_brute_force_best(seed: int) -> None:
    """Seeded tiny instances: ``solve`` reaches the least shortfall and, at it, the most
    visits kept with their index clinician that any legal roster reaches."""
    problem = random_instance(seed)
    shortfall, same, legal = brute_force(problem)
    assert legal >= 1
    assert solved(problem) == (shortfall, same)
