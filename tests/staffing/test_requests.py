"""The fewest availability requests lifting the availability bound: tiny cases known by hand."""

from __future__ import annotations

import datetime as dt

import pytest

from staffing import Block, Clinician, Problem, ReturnVisit, Solution, digital_blocks, evaluate
from staffing.requests import plan_requests, with_requests
from tests.staffing.conftest import MONDAY, day, one_week


def owed(vid: str, first: int, last: int) -> ReturnVisit:
    """ANN's return visit in the window of days ``first``..``last``."""
    return ReturnVisit(vid, "P" + vid, "doctor", "ANN", day(first), day(last))


@pytest.fixture
def three_unreachable() -> Problem:
    """ANN declared only Monday morning; her three visits fall Wed-Thu, Thu-Fri and Sunday, two
    follow-ups per block: one Thursday request keeps the first two, one Sunday request the
    third, so two requests reach 100 % and no single one does."""
    ann = Clinician("ANN", "doctor", 10.0, frozenset({(day(0), "07-12")}))
    return one_week(
        [ann],
        visits=[owed("V1", 2, 3), owed("V2", 3, 4), owed("V3", 6, 6)],
        blocks=digital_blocks(followup_capacity=2, night_followups=0),
    )


def test_two_requests_reach_everyone(three_unreachable: Problem) -> None:
    """Two extra days allowed (8 per four weeks): Thursday and Sunday, proved least; the greedy
    finds two as well; with them accepted the bound is 100 %."""
    plan = plan_requests(three_unreachable, 1.0, max_extra_days=8)
    assert plan.reachable and plan.proved
    assert (plan.bound_before, plan.bound_after, plan.cost, plan.lower_bound) == (0, 1, 2, 2)
    assert sorted(r.day.weekday() for r in plan.requests) == [3, 6]
    assert len(plan.greedy) == 2 and plan.greedy_cost == 2
    after = evaluate(with_requests(three_unreachable, plan.requests), Solution("HAND"))
    assert after.availability_bound == 1.0


def test_unreachable_target_reports_the_best_within_the_limit(three_unreachable: Problem) -> None:
    """Four extra days per four weeks is one in this week: the Thursday request keeps two of
    three, so the best bound is 2/3 and the target is out of reach."""
    plan = plan_requests(three_unreachable, 1.0, max_extra_days=4)
    assert not plan.reachable
    assert plan.bound_after == pytest.approx(2 / 3)
    assert [(r.day, r.keeps) for r in plan.requests] == [(day(3), ("V1", "V2"))]


def test_a_target_under_the_bound_needs_nothing(three_unreachable: Problem) -> None:
    """A 0 % target is met already: no request, nothing to bound."""
    plan = plan_requests(three_unreachable, 0.0)
    assert plan.reachable and plan.requests == () and plan.cost == 0


def test_costs_steer_the_pick_to_weekdays() -> None:
    """One visit Friday-Saturday; weekend requests cost 3: Friday is asked, at cost 1."""
    ann = Clinician("ANN", "doctor", 10.0, frozenset({(day(0), "07-12")}))
    problem = one_week([ann], visits=[owed("V1", 4, 5)])

    def cost(_c: Clinician, when: dt.date, _b: Block) -> float:
        return 3.0 if when.weekday() >= 5 else 1.0

    plan = plan_requests(problem, 1.0, cost=cost)
    assert plan.cost == 1 and {r.day for r in plan.requests} == {day(4)}


def test_bad_targets_are_named() -> None:
    """A target outside [0, 1] is rejected with the value."""
    ann = Clinician("ANN", "doctor", 10.0, frozenset())
    with pytest.raises(ValueError, match=r"between 0 and 1, got 1\.5"):
        plan_requests(Problem(MONDAY, 1, digital_blocks(), (ann,)), 1.5)


def _scan_greedy(options, caps, need, limits):  # type: ignore[no-untyped-def]
    """The greedy as first written: scan every option for the best key each time (the oracle
    for the lazy heap, which must pick exactly the same requests)."""
    from collections import defaultdict

    kept: set[str] = set()
    days: dict[str, set[dt.date]] = defaultdict(set)
    chosen: list = []
    while len(kept) < need:
        best, best_key = None, None
        for r in options:
            if r in chosen or (
                r.day not in days[r.clinician_id]
                and len(days[r.clinician_id]) >= limits[r.clinician_id]
            ):
                continue
            gain = min(caps[r.block], len(set(r.keeps) - kept))
            key = (gain / max(r.cost, 1e-9), -r.cost) if gain else None
            if key is not None and (best_key is None or key > best_key):
                best, best_key = r, key
        if best is None:
            break
        chosen.append(best)
        days[best.clinician_id].add(best.day)
        kept |= set(sorted(set(best.keeps) - kept)[: caps[best.block]])
    return chosen, len(kept)


@pytest.mark.parametrize("seed", range(30))
def test_lazy_greedy_picks_what_scanning_every_option_picks(seed: int) -> None:
    """Random options over 4 clinicians, 10 days, 2 blocks (capacity 1 or 2), 12 visits, costs
    with many ties and tight day limits: the heap's picks equal the full scan's, in order."""
    import random

    from staffing.requests import Request, _greedy

    rng = random.Random(seed)
    caps = {"am": 1, "pm": 2}
    options = [
        Request(
            f"C{rng.randrange(4)}",
            MONDAY + dt.timedelta(days=rng.randrange(10)),
            rng.choice(["am", "pm"]),
            float(rng.choice([1, 1, 2, 3])),
            tuple(f"V{v}" for v in rng.sample(range(12), rng.randrange(1, 4))),
        )
        for _ in range(rng.randrange(5, 40))
    ]
    limits = {f"C{c}": rng.randrange(0, 4) for c in range(4)}
    need = rng.randrange(1, 13)
    assert _greedy(options, caps, need, limits) == _scan_greedy(options, caps, need, limits)
