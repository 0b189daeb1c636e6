"""Reaching the continuity target: the exact request pick, the re-solved roster and the levers,
on tiny cases whose answers are known by hand (and one brute-force oracle)."""

from __future__ import annotations

import itertools
import random

import networkx as nx
import pytest

from staffing import Clinician, Problem, ReturnVisit, SolveParams, digital_blocks
from staffing.reach import compare_levers, digital_kept, reach_target, widen_windows
from staffing.requests import Request, pick_requests, plan_requests, request_options
from tests.staffing.conftest import day, one_week


def owed(vid: str, who: str, first: int, last: int) -> ReturnVisit:
    """``who``'s return visit in the window of days ``first``..``last``."""
    return ReturnVisit(vid, "P" + vid, "doctor", who, day(first), day(last))


@pytest.fixture
def one_day_too_early() -> Problem:
    """ANN works Friday mornings only; her visit's window is Wednesday-Thursday. One request
    (Wednesday or Thursday) keeps it; so does widening the window by one day, at no request."""
    ann = Clinician("ANN", "doctor", 10.0, frozenset({(day(4), "07-12")}))
    return one_week([ann], visits=[owed("V1", "ANN", 2, 3)])


def test_a_wider_window_is_cheaper_than_any_request(one_day_too_early: Problem) -> None:
    """Requests alone: one. A window one day wider: the bound is 100 % with no request."""
    levers = {lv.lever: lv for lv in compare_levers(one_day_too_early, 1.0, window_days=1)}
    assert (levers["requests"].bound, levers["requests"].requests) == (0.0, 1)
    wide = levers["wider windows"]
    assert (wide.bound, wide.requests, wide.reachable) == (1.0, 0, True)


def test_widen_windows_stops_at_the_horizon(one_day_too_early: Problem) -> None:
    """Thursday + 9 days is past Sunday, the last day: the window ends on Sunday."""
    assert widen_windows(one_day_too_early, 9).visits[0].window_end == day(6)
    with pytest.raises(ValueError, match="days >= 0, got -1"):
        widen_windows(one_day_too_early, -1)


def test_digital_follow_ups_obey_share_and_daily_cap() -> None:
    """Three of ANN's visits all due Monday, none reachable (she works only Friday): a cap of
    two a day keeps two; a 25 % share of four visits keeps one."""
    ann = Clinician("ANN", "doctor", 10.0, frozenset({(day(4), "07-12")}))
    visits = [owed(f"V{i}", "ANN", 0, 0) for i in range(3)] + [owed("V9", "ANN", 4, 4)]
    problem = one_week([ann], visits=visits)
    assert len(digital_kept(problem, 1.0, 2)) == 2
    assert len(digital_kept(problem, 0.25, 2)) == 1
    with pytest.raises(ValueError, match=r"in \[0, 1\]"):
        digital_kept(problem, 1.5, 2)


def test_reach_target_re_solves_with_the_requests() -> None:
    """ANN (free Monday morning only) owes visits on Wednesday and on Thursday, one follow-up per
    block, two extra days allowed: two requests, the roster works both and keeps every visit
    with no rule broken."""
    ann = Clinician("ANN", "doctor", 20.0, frozenset({(day(0), "07-12")}))
    problem = one_week(
        [ann],
        visits=[owed("V1", "ANN", 2, 2), owed("V2", "ANN", 3, 3)],
        blocks=digital_blocks(followup_capacity=1, night_followups=0),
    )
    params = SolveParams(time_limit_s=5, num_workers=1)
    reach = reach_target(problem, params, 1.0, max_extra_days=8)
    assert reach.reached and reach.rounds == 1
    assert sorted((r.day, r.keeps) for r in reach.requests) == [
        (day(2), ("V1",)),
        (day(3), ("V2",)),
    ]
    assert (reach.lower_bound, reach.cost, reach.kpis.hard_violations) == (2, 2, 0)
    assert reach.kpis.continuity_rate == 1.0


def test_reach_target_says_when_the_target_is_out_of_reach() -> None:
    """No extra day may be asked: nothing is requested and the roster stays at 0 %."""
    ann = Clinician("ANN", "doctor", 20.0, frozenset({(day(0), "07-12")}))
    problem = one_week([ann], visits=[owed("V1", "ANN", 2, 2)])
    reach = reach_target(problem, SolveParams(time_limit_s=2, num_workers=1), 1.0, max_extra_days=0)
    assert not reach.reached and not reach.plan.reachable and reach.requests == ()


def _kept(chosen: tuple[Request, ...], caps: dict[str, int]) -> int:
    """Most visits the chosen requests keep: a max flow, request -> visit, capacity per block."""
    g = nx.DiGraph()
    for i, r in enumerate(chosen):
        g.add_edge("s", i, capacity=caps[r.block])
        for v in r.keeps:
            g.add_edge(i, v, capacity=1)
            g.add_edge(v, "t", capacity=1)
    return int(nx.maximum_flow_value(g, "s", "t")) if chosen else 0


@pytest.mark.parametrize("seed", range(6))
def test_pick_requests_is_least_cost_by_enumeration(seed: int) -> None:
    """Two clinicians with three unreachable visits each, random windows, caps and weekend
    prices: every subset of the options (at most 2^12) is tried; the pick's cost is the least
    of the subsets keeping the target, within the two extra days each may be asked."""
    rng = random.Random(seed)
    people = [Clinician(n, "doctor", 20.0, frozenset({(day(0), "07-12")})) for n in ("ANN", "BO")]
    visits = []
    for who in ("ANN", "BO"):
        for k in range(3):
            first = rng.randint(1, 5)
            visits.append(owed(f"{who}{k}", who, first, min(6, first + rng.randint(0, 1))))
    problem = one_week(
        people, visits=visits, blocks=digital_blocks(followup_capacity=rng.randint(1, 2))
    )
    caps = {b.name: b.followup_capacity for b in problem.blocks}
    options = [
        r
        for r in request_options(problem, lambda _c, d, _b: 2.0 if d.weekday() >= 5 else 1.0)
        if r.block in ("07-12", "12-17")
    ][:12]
    limits = {"ANN": 2, "BO": 2}
    need = rng.randint(2, 5)
    pick = pick_requests(options, caps, need, limits)
    picked, kept, proved = pick.requests, pick.kept, pick.proved
    best, most = None, 0
    for size in range(len(options) + 1):
        for chosen in itertools.combinations(options, size):
            days = {(r.clinician_id, r.day) for r in chosen}
            if any(sum(1 for c, _ in days if c == who) > 2 for who in limits):
                continue
            got = _kept(chosen, caps)
            most = max(most, got)
            if got >= need:
                price = sum(r.cost for r in chosen)
                best = price if best is None else min(best, price)
    assert proved and kept == min(need, most)
    assert _kept(tuple(picked), caps) >= kept
    if best is not None:
        assert sum(r.cost for r in picked) == best == pick.lower_bound


def test_plan_requests_lower_bound_is_its_cost_when_proved() -> None:
    """Visits Wed-Thu and Sat-Sun: two requests, proved least (per clinician, then a
    knapsack), so the cost is the lower bound."""
    ann = Clinician("ANN", "doctor", 10.0, frozenset({(day(0), "07-12")}))
    problem = one_week([ann], visits=[owed("V1", "ANN", 2, 3), owed("V2", "ANN", 5, 6)])
    plan = plan_requests(problem, 1.0, max_extra_days=8)  # two days in this week
    assert plan.proved and plan.lower_bound == plan.cost == 2


def test_prune_drops_requests_the_target_does_not_need() -> None:
    """ANN works two requested mornings, each keeping one visit; a goal of one visit needs one
    of them: the other is dropped (its visit left unserved, no other block has room). With
    demand on Wednesday morning that shift is kept for cover and Thursday's goes instead."""
    from staffing import FollowUp, ShiftAssignment, Solution
    from staffing.reach import _pruned, kept_visits
    from staffing.requests import with_requests

    ann = Clinician("ANN", "doctor", 20.0, frozenset())
    asked = (
        Request("ANN", day(2), "07-12", 1.0, ("V1",)),
        Request("ANN", day(3), "07-12", 1.0, ("V2",)),
    )
    roster = Solution(
        "HAND",
        (ShiftAssignment(day(2), "07-12", "ANN"), ShiftAssignment(day(3), "07-12", "ANN")),
        (FollowUp("V1", "ANN", day(2), "07-12"), FollowUp("V2", "ANN", day(3), "07-12")),
    )
    visits = [owed("V1", "ANN", 2, 2), owed("V2", "ANN", 3, 3)]
    for demand, stays in (({}, day(3)), ({(day(2), "07-12", "doctor"): 5.0}, day(2))):
        problem = with_requests(one_week([ann], visits=visits, demand=demand), asked)
        left, pruned = _pruned(problem, roster, asked, goal=1)
        assert [r.day for r in left] == [stays] and kept_visits(problem, pruned) == 1


def test_a_roster_on_target_is_not_solved_again() -> None:
    """ANN works Wednesday and keeps her one visit: at a 100 % target nothing is asked and the
    roster before is the answer, with no re-solve (zero rounds)."""
    from staffing import FollowUp, ShiftAssignment, Solution

    ann = Clinician("ANN", "doctor", 20.0, frozenset({(day(2), "07-12")}))
    problem = one_week([ann], visits=[owed("V1", "ANN", 2, 2)])
    before = Solution(
        "HAND",
        (ShiftAssignment(day(2), "07-12", "ANN"),),
        (FollowUp("V1", "ANN", day(2), "07-12"),),
    )
    reach = reach_target(problem, SolveParams(time_limit_s=1, num_workers=1), 1.0, before=before)
    assert reach.reached and reach.rounds == 0 and reach.requests == ()
    assert reach.solution is before
