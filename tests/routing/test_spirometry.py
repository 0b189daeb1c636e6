"""Mode choice, daily courier routes and the plan's evaluate() on hand-made places."""

from __future__ import annotations

import dataclasses
import datetime as dt

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import routing
from routing import (
    Calendar,
    CourierParams,
    CycleParams,
    DayRouter,
    Request,
    SolveParams,
    courier_fits,
)
from routing.costs import Prices
from routing.spirometry import ModeRule, Referral, choose_mode, evaluate, plan, utilisation

CAL = Calendar()
CYCLE = CycleParams()
COURIER = CourierParams()
MON = dt.date(2026, 11, 2)
FAST = SolveParams(time_limit=0.05)
#: Parcel legs at 120 SEK, 8 SEK per km and 600 per route, driver hours at 350 SEK, no device
#: capital or cleaning.
PRICES = Prices(parcel_leg=120.0, device_per_day=0.0, cleaning_per_loan=0.0)


@pytest.fixture
def three_places() -> tuple[list[str], np.ndarray, np.ndarray]:
    """A hub H and places A (30 min, 40 km) and B (60 min, 80 km) on one road beyond it."""
    x = np.array([0.0, 30.0, 60.0])
    minutes = np.abs(x[:, None] - x[None, :])
    return ["H", "A", "B"], minutes, minutes * 4 / 3


def referral(hub_minutes: float, handover: tuple[dt.date, ...] = ()) -> Referral:
    """A Monday referral at place A, served from H."""
    return Referral("R1", "A", MON, "H", hub_minutes, handover)


def test_courier_within_reach_mobile_next_parcel_last() -> None:
    """The rule in order: courier in reach, else a unit standing there in time, else parcel."""
    assert choose_mode(referral(90), CAL, CYCLE, COURIER).request.mode == "courier"
    wed = MON + dt.timedelta(days=2)
    mobile = choose_mode(referral(300, (wed,)), CAL, CYCLE, COURIER)
    assert (mobile.request.mode, mobile.in_time) == ("mobile", True)
    late_unit = MON + dt.timedelta(days=14)  # stands there, but after the due day
    assert choose_mode(referral(300, (late_unit,)), CAL, CYCLE, COURIER).request.mode == "parcel"
    assert choose_mode(referral(300), CAL, CYCLE, COURIER).request.mode == "parcel"


def test_no_vehicles_or_too_far_means_no_courier() -> None:
    """A place beyond reach, or a hub without vehicles, gets no courier."""
    assert courier_fits(119, COURIER) and not courier_fits(121, COURIER)
    assert not courier_fits(10, dataclasses.replace(COURIER, vehicles_per_hub=0))


def test_no_mode_in_time_takes_the_earliest_and_says_why() -> None:
    """Same-day service: nothing is in time; the parcel (next day) is taken and the reason given."""
    choice = choose_mode(referral(300), CAL, CycleParams(service_level_days=0), COURIER)
    assert not choice.in_time and choice.request.mode == "parcel"
    assert "due 2026-11-02" in choice.reason and "no mobile clinic" in choice.reason


@settings(max_examples=60, deadline=None)
@given(
    st.lists(
        st.tuples(
            st.integers(0, 20),  # referral date, days after Monday
            st.sampled_from([30.0, 90.0, 119.0, 300.0, float("inf")]),  # minutes to the hub
            st.sampled_from([(), (2,), (3, 9), (14,)]),  # hand-over days after Monday
        ),
        min_size=1,
        max_size=30,
    ),
    st.sampled_from([0, 1, 3]),
)
def test_the_mode_rule_for_many_chooses_as_for_one(
    rows: list[tuple[int, float, tuple[int, ...]]], service_level_days: int
) -> None:
    """ModeRule (the rule once per courier reach, hand-over days and date) gives every
    referral choose_mode's choice: mode, request, in time, reason."""
    cycle = CycleParams(service_level_days=service_level_days)
    shared = {days: tuple(MON + dt.timedelta(days=d) for d in days) for _, _, days in rows}
    referrals = [
        Referral(f"R{k}", f"p{k % 3}", MON + dt.timedelta(days=d), "H", minutes, shared[days])
        for k, (d, minutes, days) in enumerate(rows)
    ]
    rule = ModeRule(CAL, cycle, COURIER)
    for r in referrals:
        one = choose_mode(r, CAL, cycle, COURIER)
        assert rule.choose(r) == one
        assert rule.in_time(r) == (one.request.mode if one.in_time else None)


def test_day_router_serves_deliveries_and_pickups_on_one_route(three_places) -> None:  # type: ignore[no-untyped-def]
    """Two deliveries and a pickup fit one vehicle: H-A-B-H, 160 km, nothing dropped."""
    places, minutes, km = three_places
    router = DayRouter(places, minutes, km, COURIER, FAST)
    d = [Request("R1", "H", "A", MON, "courier"), Request("R2", "H", "B", MON, "courier")]
    p = [Request("R0", "H", "B", MON, "courier")]
    assert router(MON, "H", d, p) == (set(), set())
    (day,) = router.days
    ev = routing.evaluate(day.problem, day.solution)
    assert ev.feasible and ev.distance == pytest.approx(160.0) and ev.vehicles == 1
    assert day.places == ("H", "A", "B")


def test_day_router_drops_what_exceeds_the_vehicle(three_places) -> None:  # type: ignore[no-untyped-def]
    """A one-device vehicle cannot carry two deliveries: one is dropped (it goes by parcel)."""
    places, minutes, km = three_places
    router = DayRouter(places, minutes, km, dataclasses.replace(COURIER, capacity=1), FAST)
    d = [Request("R1", "H", "A", MON, "courier"), Request("R2", "H", "B", MON, "courier")]
    dropped, _ = router(MON, "H", d, [])
    assert len(dropped) == 1


def test_plan_evaluate_recomputes_the_kpis(three_places) -> None:  # type: ignore[no-untyped-def]
    """A courier and a parcel referral with two devices: both on time, one route out and one
    back (80 km and 70 min each), two parcel legs for the parcel loan."""
    places, minutes, km = three_places
    router = DayRouter(places, minutes, km, COURIER, FAST)
    requests = [Request("R1", "H", "A", MON, "courier"), Request("R2", "H", "Z", MON, "parcel")]
    result = plan(requests, {"H": 2}, CAL, CYCLE, router, (MON, MON + dt.timedelta(days=14)))
    k = evaluate(result, PRICES)
    assert k.violations == ()
    v = k.values
    assert (v["on_time_share"], v["parcels"], v["parcel_cost_sek"], v["routes"]) == (
        1.0,
        2,
        240.0,
        2,
    )
    assert v["courier_km"] == pytest.approx(160.0) and v["driver_hours"] == pytest.approx(
        70 / 60 * 2
    )
    assert (v["courier_deliveries"], v["courier_pickups"], v["devices_needed"]) == (1, 1, 2)
    assert v["mean_days_to_device"] == pytest.approx(1.0)
    routes = 2 * 600 + 8 * 160 + 350 * 70 / 60 * 2  # two routes, 160 km, 140 driver minutes
    assert v["courier_cost_sek"] == pytest.approx(routes)
    assert v["total_cost_sek"] == pytest.approx(routes + 240.0)
    assert (v["cost_per_courier_referral_sek"], v["cost_per_parcel_referral_sek"]) == (
        pytest.approx(routes),
        pytest.approx(240.0),
    )


def test_evaluate_names_a_broken_time_window(three_places) -> None:  # type: ignore[no-untyped-def]
    """A route whose stop can only be reached after 17:00 is reported, not trusted."""
    places, minutes, km = three_places
    router = DayRouter(places, minutes, km, COURIER, FAST)
    result = plan(
        [Request("R1", "H", "A", MON, "courier")],
        {"H": 1},
        CAL,
        CYCLE,
        router,
        (MON, MON + dt.timedelta(days=14)),
    )
    day = result.routes[0]
    late = day.problem.replace(
        stops=tuple(dataclasses.replace(s, tw_start=0.0, tw_end=5.0) for s in day.problem.stops)
    )
    broken = dataclasses.replace(
        result, routes=(dataclasses.replace(day, problem=late), *result.routes[1:])
    )
    assert any(v.startswith("Time window missed") for v in evaluate(broken, PRICES).violations)


def test_utilisation_counts_device_days_inside_the_horizon() -> None:
    """One device out for 7 of the 14 days of the horizon, plus one out past its end: 7+4 of 28."""
    horizon = (MON, MON + dt.timedelta(days=14))
    loans = [
        (MON, MON + dt.timedelta(days=7)),
        (MON + dt.timedelta(days=10), MON + dt.timedelta(days=30)),
    ]
    assert utilisation(loans, 2, horizon) == pytest.approx(11 / 28)
