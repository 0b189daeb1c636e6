"""Every routing stage honours one deadline: handed a deadline that has already passed, each
returns what it has at once and says so. Nothing here measures time: a passed deadline makes
the outcome a matter of flags and plans, not of the machine's speed."""

from __future__ import annotations

import datetime as dt
import time

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from routing import Calendar, CourierParams, CycleParams, Request, SolveParams, modes, modes_model
from routing.costs import StopPricer
from routing.courier import DayRouter
from routing.fleet import peak_loans, simulate, smallest_pool
from routing.modes import evaluate, solve
from routing.modes_model import OutOfTime, solve_model

from .test_modes import FAST, MON, PLAIN, at, line_problem

CAL = Calendar()
CYCLE = CycleParams()


def passed() -> float:
    """A deadline one second ago."""
    return time.perf_counter() - 1.0


def parcels(days: list[int]) -> list[Request]:
    """Parcel referrals at one hub, one on each of ``days`` (calendar days after Monday)."""
    return [
        Request(f"R{k + 1}", "hub", "p", MON + dt.timedelta(days=d), "parcel")
        for k, d in enumerate(days)
    ]


def test_fleet_search_after_the_deadline_keeps_a_pool_that_reaches_the_target() -> None:
    """Ten referrals on one Monday: no halving is tried, the pool kept is the most devices
    ever away at once (ten, all out together), every referral is on time, and it is flagged."""
    hub = smallest_pool(parcels([0] * 10), "hub", CAL, CYCLE, 0.9, passed())
    assert hub.time_limited and hub.devices == 10 and hub.on_time_share == 1.0
    assert not smallest_pool(parcels([0] * 10), "hub", CAL, CYCLE, 0.9).time_limited


@settings(max_examples=40, deadline=None)
@given(days=st.lists(st.integers(0, 60), min_size=1, max_size=30))
def test_the_peak_of_loans_is_a_pool_where_nobody_waits(days: list[int]) -> None:
    """With as many devices as one-per-referral ever has away at once, every loan is the
    same: the fleet search may start there instead of at one device per referral."""
    requests = parcels(days)
    everyone = simulate(requests, {"hub": len(requests)}, CAL, CYCLE)
    peak = peak_loans(everyone.loans)
    at_peak = simulate(requests, {"hub": peak}, CAL, CYCLE)
    dates = [(x.ship, x.device_date, x.back) for x in everyone.loans]
    assert [(x.ship, x.device_date, x.back) for x in at_peak.loans] == dates


def test_a_day_router_after_the_deadline_routes_nothing() -> None:
    """The day problem is built but not solved: both stops are dropped (they go by parcel)
    and the day is counted as skipped."""
    x = np.array([0.0, 30.0])
    minutes = np.abs(x[:, None] - x[None, :])
    router = DayRouter(
        ("H", "A"), minutes, minutes, CourierParams(), SolveParams(time_limit=5), deadline=passed()
    )
    d = Request("R1", "H", "A", MON, "courier")
    p = Request("R2", "H", "A", MON, "courier")
    assert router(MON, "H", [d], [p]) == ({"R1"}, {"R2"})
    assert router.skipped_days == 1 and router.days[0].solution.routes == ()


def test_the_mode_model_stops_at_the_deadline() -> None:
    """Building the options looks at the clock first: a passed deadline stops it at once."""
    problem = line_problem([at("R1", "A")])
    with pytest.raises(OutOfTime, match="0 of 1 referrals"):
        pricer = StopPricer(problem.places, problem.minutes, problem.km, 0.0, PLAIN, ())
        solve_model(problem, pricer, FAST, deadline=passed())


def test_solve_after_the_deadline_returns_the_parcel_only_plan_saying_so() -> None:
    """Only the parcel-only baseline is made (it has no route to wait for): it is the plan,
    it breaks no rule, courier-first is not made (no made-up figures for it) and the cut
    names every stage that did not run."""
    problem = line_problem([at("R1", "A"), at("R2", "B")])
    solution = solve(problem, FAST, deadline=passed())
    assert solution.chosen == "parcel_only" and solution.courier_first is None
    assert solution.time_limited and solution.passes == 0
    assert any("courier-first baseline was not made" in c for c in solution.cut)
    assert any("did not start" in c for c in solution.cut)
    kpis = evaluate(problem, solution)
    assert kpis.violations == () and "courier_first_cost_sek" not in kpis.values
    assert kpis.values["parcel_only_cost_sek"] == kpis.values["total_cost_sek"]


def test_a_solve_with_time_left_is_not_flagged() -> None:
    """One referral and minutes to spare: nothing cut, both baselines made."""
    solution = solve(line_problem([at("R1", "A")]), FAST, deadline=time.perf_counter() + 600)
    assert not solution.time_limited and solution.cut == ()
    assert solution.courier_first is not None


def test_courier_first_is_not_started_without_time_for_it(monkeypatch: pytest.MonkeyPatch) -> None:
    """With less time left than COURIER_FIRST_WORK times the parcel-only baseline took (a
    national plan), courier-first is not made and the cut says how much work it needed."""
    monkeypatch.setattr(modes, "COURIER_FIRST_WORK", 1e12)
    problem = line_problem([at("R1", "A"), at("R2", "B")])
    solution = solve(problem, FAST, deadline=time.perf_counter() + 600)
    assert solution.courier_first is None and solution.time_limited
    assert any(c.startswith("the courier-first baseline was not made (about") for c in solution.cut)
    assert evaluate(problem, solution).violations == ()


class StepClock:
    """A clock for modes_model that is before the deadline (0) for ``looks`` looks, then after."""

    def __init__(self, looks: int) -> None:
        self.looks = looks

    def perf_counter(self) -> float:
        self.looks -= 1
        return 0.0 if self.looks >= 0 else 2.0


@pytest.mark.parametrize(
    ("looks", "where"),
    [
        (0, "options built for 0 of 1 referrals"),
        (1, "options priced for 0 of 1 referrals"),
        (2, "model variables made for 0 of 1 referrals"),
        (3, "device pool of hub H modelled for 0 of"),
        (4, "device pool of hub H modelled for 1 of"),
    ],
)
def test_every_stage_of_building_the_mode_model_looks_at_the_clock(
    monkeypatch: pytest.MonkeyPatch, looks: int, where: str
) -> None:
    """The deadline passing while the model is built stops it where it got (options, their
    prices, variables, each day's pool constraint), never going on to CP-SAT."""
    problem = line_problem([at("R1", "A")])
    pricer = StopPricer(problem.places, problem.minutes, problem.km, 0.0, PLAIN, ())
    monkeypatch.setattr(modes_model, "time", StepClock(looks))
    with pytest.raises(OutOfTime, match=where):
        solve_model(problem, pricer, FAST, deadline=1.0)


def test_the_mode_model_looks_at_the_clock_after_each_stage(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """After the pools, the routes and the constraints the clock is read again: a deadline
    met then stops the pass before CP-SAT."""
    problem = line_problem([at("R1", "A")])
    pricer = StopPricer(problem.places, problem.minutes, problem.km, 0.0, PLAIN, ())
    opts = modes_model.referral_options(problem, 0, FAST.max_delay, FAST.max_wait, False)
    days = len({o.ship for o in opts})
    stages = ["device pools of 1 referrals", "courier routes of 1", "constraints of 1"]
    for k, where in enumerate(stages):
        monkeypatch.setattr(modes_model, "time", StepClock(3 + days + k))
        with pytest.raises(OutOfTime, match=where):
            solve_model(problem, pricer, FAST, deadline=1.0)
