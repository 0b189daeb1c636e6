"""Modes decided by cost: tiny cases whose cheapest plan is known by hand."""

from __future__ import annotations

import dataclasses
import datetime as dt

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from routing import Calendar, CourierParams, CycleParams, SolveParams
from routing.costs import PriceError, Prices, StopPricer
from routing.modes import ModeError, ModeParams, ModeProblem, evaluate, solve
from routing.spirometry import Referral

MON = dt.date(2026, 11, 2)  # a Monday
#: 1 SEK per km, nothing per hour, device or cleaning: a bill you can add up by hand.
PLAIN = Prices(
    parcel_leg=50.0,
    courier_per_km=1.0,
    courier_per_hour=0.0,
    courier_per_route=500.0,
    device_per_day=0.0,
    cleaning_per_loan=0.0,
)
FAST = ModeParams(
    passes=3, model_seconds=5.0, route_seconds=0.2, workers=1, routing=SolveParams(time_limit=0.1)
)


def line_problem(
    referrals: list[Referral],
    prices: Prices = PLAIN,
    cycle: CycleParams | None = None,
    target: float = 0.95,
    max_devices: int | None = None,
) -> ModeProblem:
    """Hub H and places A (30 min, 40 km) and B (60 min, 80 km) on one road beyond it.

    Easy to reason about: every trip is a stretch of one road, so a route's km is twice the
    farthest place; a referral at A a courier serves alone costs 80 km + the route.
    """
    x = np.array([0.0, 30.0, 60.0])
    minutes = np.abs(x[:, None] - x[None, :])
    return ModeProblem(
        tuple(referrals),
        ("H",),
        ("H", "A", "B"),
        minutes,
        minutes * 4 / 3,
        Calendar(),
        cycle or CycleParams(),
        CourierParams(),
        prices,
        (MON, MON + dt.timedelta(days=28)),
        target,
        max_devices,
    )


def at(rid: str, place: str) -> Referral:
    """A Monday referral at ``place`` (A: 30 min from H, B: 60 min)."""
    return Referral(rid, place, MON, "H", {"A": 30.0, "B": 60.0}[place])


def modes(solution) -> dict[str, tuple[str, str | None]]:  # type: ignore[no-untyped-def]
    """Each referral's (outbound, return) mode in the chosen plan."""
    return {x.request: (x.mode, x.return_mode) for x in solution.best.plan.simulation.loans}


def test_courier_cheaper_than_parcels_goes_by_courier_both_ways() -> None:
    """Parcels at 200 SEK a leg, no route price: a courier to A and back is two 80 km routes,
    160 SEK, against 400 SEK by parcel; the cost plan is 160 SEK and one device."""
    prices = dataclasses.replace(PLAIN, parcel_leg=200.0, courier_per_route=0.0)
    problem = line_problem([at("R1", "A")], prices)
    solution = solve(problem, FAST)
    assert modes(solution) == {"R1": ("courier", "courier")}
    assert solution.best.costs.total == pytest.approx(160.0)
    assert solution.parcel_only.costs.total == pytest.approx(400.0)
    assert solution.chosen == "cost" and solution.status == "feasible"
    assert "cheaper" in solution.courier_reasons["R1"]


def test_parcel_cheaper_than_courier_goes_by_parcel() -> None:
    """A route costs 500 SEK + 80 km; two parcel legs 100 SEK: parcel both ways, no courier,
    though courier-first sends one (1,160 SEK: a route out and one back)."""
    problem = line_problem([at("R1", "A")])
    solution = solve(problem, FAST)
    assert modes(solution) == {"R1": ("parcel", "parcel")}
    assert solution.best.costs.total == pytest.approx(100.0)
    assert solution.courier_first.costs.total == pytest.approx(2 * 580.0)
    assert solution.courier_reasons == {}


def test_on_time_target_forces_exactly_one_courier() -> None:
    """Parcels take 4 business days (due in 3): only a courier is on time. A target of 1/2
    needs one courier: to A (a 580 SEK route, return parcel 50) not B (660); B goes by parcel
    (100): 730 SEK. Two couriers would cost 760, parcel-only misses the target."""
    cycle = CycleParams(parcel_days=4)
    problem = line_problem([at("RA", "A"), at("RB", "B")], cycle=cycle, target=0.5)
    solution = solve(problem, FAST)
    assert modes(solution) == {"RA": ("courier", "parcel"), "RB": ("parcel", "parcel")}
    assert solution.best.costs.total == pytest.approx(730.0)
    assert solution.best.on_time_share == 0.5 and solution.status == "feasible"
    assert solution.parcel_only.on_time_share == 0.0
    assert solution.courier_reasons["RA"].startswith("on time only by courier")
    full = solve(dataclasses.replace(problem, on_time_target=1.0), FAST)
    assert full.best.costs.total == pytest.approx(760.0)


def test_device_limit_leaves_the_second_referral_late() -> None:
    """Two parcel referrals at A on Monday and one device: R1 has it until Monday 23 Nov
    (used to 17th, back by parcel on 20th, cleaned), so R2 is late; with no limit, two
    devices at 10 SEK a day over 28 days (560 SEK) keep both on time."""
    prices = dataclasses.replace(PLAIN, device_per_day=10.0)
    referrals = [at("R1", "A"), at("R2", "A")]
    limited = solve(line_problem(referrals, prices, target=1.0, max_devices=1), FAST)
    assert limited.best.devices == 1 and limited.best.on_time_share == 0.5
    assert limited.status == "target_missed"
    assert limited.best.costs.total == pytest.approx(4 * 50.0 + 280.0)
    free = solve(line_problem(referrals, prices, target=1.0), FAST)
    assert free.best.devices == 2 and free.best.on_time_share == 1.0
    assert free.best.costs.total == pytest.approx(4 * 50.0 + 560.0)


def test_evaluate_recomputes_the_bill_and_both_baselines() -> None:
    """evaluate() reprices the plan and the baselines from their routes and loans alone."""
    problem = line_problem([at("R1", "A")])
    solution = solve(problem, FAST)
    kpis = evaluate(problem, solution)
    assert kpis.violations == ()
    v = kpis.values
    assert (v["total_cost_sek"], v["parcel_only_cost_sek"], v["courier_first_cost_sek"]) == (
        pytest.approx(100.0),
        pytest.approx(100.0),
        pytest.approx(1160.0),
    )
    assert v["saving_vs_courier_first_sek"] == pytest.approx(1060.0)
    assert v["cost_per_referral_sek"] == pytest.approx(100.0)


def test_stop_pricer_prices_insertion_and_removal_on_the_road() -> None:
    """On courier-first's route H-A-H (80 km), adding B costs its 80 km detour; A's own stop
    saves 80 km; on a day without routes a stop at B is its 160 km round trip."""
    problem = line_problem([at("R1", "A")])
    routes = solve(problem, FAST).courier_first.plan.routes  # H-A-H out, and back on day 15
    pricer = StopPricer(problem.places, problem.minutes, problem.km, 0.0, PLAIN, routes)
    day = routes[0].day
    assert pricer.price(day, "H", "A") == pytest.approx(80.0)
    assert pricer.price(day, "H", "B") == pytest.approx(80.0)
    assert pricer.price(day - dt.timedelta(days=1), "H", "B") == pytest.approx(160.0)


def test_stop_pricer_prices_a_stop_at_the_hubs_own_place() -> None:
    """A referral in the hub's own town (place H): courier-first's route is H-H-H; leaving it
    out saves no km, so its price is its stop's driver time alone (10 min at 60 SEK an hour)."""
    problem = line_problem([Referral("R0", "H", MON, "H", 0.0)])
    routes = solve(problem, FAST).courier_first.plan.routes
    prices = dataclasses.replace(PLAIN, courier_per_hour=60.0)
    pricer = StopPricer(problem.places, problem.minutes, problem.km, 10.0, prices, routes)
    assert pricer.price(routes[0].day, "H", "H") == pytest.approx(10.0)


def test_bad_input_is_named() -> None:
    """A negative price, a referral at a place the tables lack, an unknown hub."""
    with pytest.raises(PriceError, match="prices: parcel_leg is -1"):
        Prices(parcel_leg=-1)
    with pytest.raises(ModeError, match="referral R9: place Z is within courier reach of H"):
        line_problem([Referral("R9", "Z", MON, "H", 20.0)])
    with pytest.raises(ModeError, match="referral R9: hub X is not one of the hubs"):
        line_problem([Referral("R9", "A", MON, "X", 20.0)])


def test_too_few_devices_queue_referrals_instead_of_failing() -> None:
    """Three Monday referrals at A, one device, waits of at most 2 business days: the model
    cannot fit two of them, so they queue for the device (late, target missed), no error."""
    params = dataclasses.replace(FAST, max_delay=1, max_wait=1)
    referrals = [at("R1", "A"), at("R2", "A"), at("R3", "A")]
    solution = solve(line_problem(referrals, target=1.0, max_devices=1), params)
    assert solution.best.devices == 1 and solution.status == "target_missed"
    loans = solution.best.plan.simulation.loans
    assert sum(x.on_time for x in loans) == 1 and all(x.ship is not None for x in loans)


def test_a_hub_without_vehicles_sends_parcels_even_when_couriers_would_be_cheaper() -> None:
    """With no vehicles the courier is no option, however dear parcels are: both ways by
    parcel (2 x 200 SEK), no route, and courier-first falls back to parcels too."""
    prices = dataclasses.replace(PLAIN, parcel_leg=200.0, courier_per_route=0.0)
    problem = dataclasses.replace(
        line_problem([at("R1", "A")], prices), courier=CourierParams(vehicles_per_hub=0)
    )
    solution = solve(problem, FAST)
    assert modes(solution) == {"R1": ("parcel", "parcel")}
    assert solution.best.plan.routes == () and solution.best.costs.total == pytest.approx(400.0)
    assert solution.courier_first.costs.total == pytest.approx(400.0)


def test_same_problem_same_seed_same_plan() -> None:
    """Solved twice with the same seed: the same modes, pools and bill."""
    problem = line_problem(
        [at("RA", "A"), at("RB", "B")], cycle=CycleParams(parcel_days=4), target=0.5
    )
    first, second = solve(problem, FAST), solve(problem, FAST)
    assert modes(first) == modes(second) and first.best.pools == second.best.pools
    assert first.best.costs.total == second.best.costs.total


@settings(max_examples=8, deadline=None)
@given(
    places=st.lists(st.sampled_from(["H", "A", "B"]), min_size=1, max_size=4),
    leg=st.sampled_from([20.0, 150.0, 600.0]),
    parcel_days=st.integers(1, 4),
    target=st.sampled_from([0.0, 0.5, 1.0]),
)
def test_the_plan_never_costs_more_than_a_baseline_that_meets_the_target(
    places: list[str], leg: float, parcel_days: int, target: float
) -> None:
    """On small random cases evaluate() finds no broken rule, and the plan costs no more than
    any baseline that serves every referral and meets the target (both are candidates)."""
    referrals = [
        Referral(
            f"R{k}", p, MON + dt.timedelta(days=k % 3), "H", {"H": 0.0, "A": 30.0, "B": 60.0}[p]
        )
        for k, p in enumerate(places)
    ]
    prices = dataclasses.replace(PLAIN, parcel_leg=leg)
    problem = line_problem(referrals, prices, CycleParams(parcel_days=parcel_days), target)
    solution = solve(problem, FAST)
    kpis = evaluate(problem, solution)
    assert kpis.violations == ()
    for other in (solution.parcel_only, solution.courier_first):
        served = all(x.ship is not None for x in other.plan.simulation.loans)
        if served and other.on_time_share >= target:  # target 0: the fleet search buys none
            assert solution.best.costs.total <= other.costs.total + 1e-6
