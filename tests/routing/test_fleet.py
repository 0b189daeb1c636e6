"""The spirometer loan cycle and the fleet-size search on loans that can be dated by hand."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from routing import (
    Calendar,
    CycleParams,
    FleetError,
    Loan,
    Request,
    Simulation,
    check_cycle,
    fleet,
    fleet_size,
    simulate,
    smallest_pool,
)
from routing.fleet import Shelf, simulate_day_by_day

CAL = Calendar()
PARAMS = CycleParams(
    use_days=14,
    cleaning_days=1,
    parcel_days=1,
    return_parcel_days=3,
    courier_lead_days=1,
    service_level_days=3,
)
MON = dt.date(2026, 11, 2)  # a Monday


def day(n: int) -> dt.date:
    """The date ``n`` calendar days after Monday 2 November 2026."""
    return MON + dt.timedelta(days=n)


@pytest.fixture
def three_a_day_apart() -> list[Request]:
    """Parcel referrals on Monday, Tuesday and Wednesday at one hub."""
    return [Request(f"R{k + 1}", "hub", "p", day(k), "parcel") for k in range(3)]


def test_calendar_counts_business_days() -> None:
    """Weekends and holidays are skipped; add(d, 0) is d or the next business day."""
    friday = day(4)
    assert CAL.add(friday, 1) == day(7)
    assert CAL.add(day(5), 0) == day(7)
    assert CAL.between(MON, day(7)) == 5
    holiday = Calendar(frozenset({day(1)}))
    assert holiday.add(MON, 1) == day(2)
    with pytest.raises(FleetError, match="cannot add -1"):
        CAL.add(MON, -1)


def test_two_devices_three_referrals_the_third_waits(three_a_day_apart: list[Request]) -> None:
    """R1 ships Mon 2 Nov, is used to Tue 17, back by parcel Fri 20, clean Mon 23; R3 (Wed 4)
    waits for that device and has it Tue 24, 11 business days late."""
    sim = simulate(three_a_day_apart, {"hub": 2}, CAL, PARAMS)
    r1, r2, r3 = sim.loans
    assert (r1.ship, r1.device_date, r1.return_start, r1.back, r1.available) == (
        day(0),
        day(1),
        day(15),
        day(18),
        day(21),
    )
    assert (r2.ship, r2.device_date, r2.available) == (day(1), day(2), day(22))
    assert (r3.ship, r3.device_date, r3.device) == (day(21), day(22), r1.device)
    assert r3.due == day(7) and not r3.on_time and r1.on_time and r2.on_time
    assert sim.on_time_share == pytest.approx(2 / 3)
    assert check_cycle(sim, CAL, PARAMS, three_a_day_apart) == ()


def test_courier_pickup_brings_the_device_back_the_same_day() -> None:
    """Courier: delivered on the next business day, picked up when use ends, free the day after."""
    sim = simulate([Request("R1", "hub", "p", MON, "courier")], {"hub": 1}, CAL, PARAMS)
    (loan,) = sim.loans
    assert (loan.ship, loan.device_date, loan.return_start, loan.back, loan.available) == (
        day(1),
        day(1),
        day(15),
        day(15),
        day(16),
    )
    assert (loan.mode, loan.return_mode) == ("courier", "courier")


def test_return_mode_and_ship_from_are_the_requests_own() -> None:
    """A parcel out with a courier pickup: delivered Tue 3, picked up Tue 17 (use ends), free
    Wed 18. A courier delivery returned by parcel: back Fri 20. A parcel held to Thu 5 ships
    then and arrives Fri 6 (late: due Thu 5)."""
    requests = [
        Request("R1", "hub", "p", MON, "parcel", return_mode="courier"),
        Request("R2", "hub", "p", MON, "courier", return_mode="parcel"),
        Request("R3", "hub", "p", MON, "parcel", ship_from=day(3)),
    ]
    sim = simulate(requests, {"hub": 3}, CAL, PARAMS)
    r1, r2, r3 = sim.loans
    assert (r1.mode, r1.device_date, r1.return_mode, r1.back, r1.available) == (
        "parcel",
        day(1),
        "courier",
        day(15),
        day(16),
    )
    assert (r2.mode, r2.device_date, r2.return_mode, r2.back) == (
        "courier",
        day(1),
        "parcel",
        day(18),
    )
    assert (r3.ship, r3.device_date, r3.on_time) == (day(3), day(4), False)
    assert check_cycle(sim, CAL, PARAMS, requests) == ()
    with pytest.raises(FleetError, match="request R4: unknown return mode 'drone'"):
        Request("R4", "hub", "p", MON, return_mode="drone")


def test_router_drops_fall_back_to_parcel() -> None:
    """A dropped delivery goes as a parcel that day; a dropped pickup becomes a return parcel."""
    seen: list[tuple[dt.date, list[str], list[str]]] = []

    def router(d, hub, deliveries, pickups):  # type: ignore[no-untyped-def]
        seen.append((d, [r.id for r in deliveries], [r.id for r in pickups]))
        return ({"R1"} if deliveries else set()), ({"R2"} if pickups else set())

    requests = [
        Request("R1", "hub", "p", MON, "courier"),
        Request("R2", "hub", "q", MON, "courier"),
    ]
    sim = simulate(requests, {"hub": 2}, CAL, PARAMS, router)
    r1, r2 = sim.loans
    assert (r1.mode, r1.ship, r1.device_date) == ("parcel", day(1), day(2))
    assert r1.return_mode == "parcel"  # a parcel loan is not picked up
    assert (r2.mode, r2.device_date, r2.return_mode, r2.back) == (
        "courier",
        day(1),
        "parcel",
        day(18),
    )
    assert seen[0] == (day(1), ["R1", "R2"], []) and seen[1] == (day(15), [], ["R2"])
    assert sim.dropped_deliveries == ("R1",) and sim.dropped_pickups == ("R2",)


def test_mobile_handover_waits_for_the_unit() -> None:
    """The device reaches the unit next day but is handed over on the unit's first day after
    that; with no such day left it goes as a plain parcel."""
    thursday = day(3)
    sim = simulate(
        [Request("R1", "hub", "p", MON, "mobile", (MON, thursday))], {"hub": 1}, CAL, PARAMS
    )
    assert (sim.loans[0].mode, sim.loans[0].device_date) == ("mobile", thursday)
    sim = simulate([Request("R1", "hub", "p", MON, "mobile", (MON,))], {"hub": 1}, CAL, PARAMS)
    assert (sim.loans[0].mode, sim.loans[0].device_date) == ("parcel", day(1))


def test_empty_pool_leaves_referrals_unserved(three_a_day_apart: list[Request]) -> None:
    """No device at the hub: nobody gets one, and the loop still ends."""
    sim = simulate(three_a_day_apart, {"hub": 0}, CAL, PARAMS)
    assert all(loan.ship is None for loan in sim.loans) and sim.on_time_share == 0


def test_search_finds_the_smallest_pool(three_a_day_apart: list[Request]) -> None:
    """All three on time needs three devices; two thirds need two; one device misses that."""
    assert smallest_pool(three_a_day_apart, "hub", CAL, PARAMS, 1.0).devices == 3
    two = smallest_pool(three_a_day_apart, "hub", CAL, PARAMS, 0.6)
    assert (two.devices, two.target_met) == (2, True)
    assert simulate(three_a_day_apart, {"hub": 1}, CAL, PARAMS).on_time_share < 0.6


def test_search_on_a_steady_stream_meets_the_target_and_one_less_misses() -> None:
    """Two parcel referrals every business day for six weeks: the pool found meets 95 %, one
    device fewer does not."""
    requests = [
        Request(f"R{d}-{k}", "hub", "p", day(d), "parcel")
        for d in range(42)
        if CAL.is_business(day(d))
        for k in range(2)
    ]
    found = fleet_size(requests, ["hub"], CAL, PARAMS, 0.95)
    n = found.devices
    assert simulate(requests, {"hub": n}, CAL, PARAMS).on_time_share >= 0.95
    assert simulate(requests, {"hub": n - 1}, CAL, PARAMS).on_time_share < 0.95
    assert found.reachable and found.pools == {"hub": n}


def test_unreachable_target_gives_the_best_share_with_the_fewest_devices() -> None:
    """Same-day service is impossible by parcel: best share 0, reached with no device at all."""
    found = smallest_pool(
        [Request("R1", "hub", "p", MON)], "hub", CAL, CycleParams(service_level_days=0), 0.95
    )
    assert (found.devices, found.best_share, found.target_met) == (0, 0.0, False)


def test_check_cycle_names_a_device_used_twice_at_once() -> None:
    """Two loans of one device whose intervals overlap break "Device used twice at once"."""
    a = Loan(
        "A",
        "hub",
        "p",
        MON,
        day(3),
        "parcel",
        "hub#1",
        day(0),
        day(1),
        "parcel",
        day(15),
        day(18),
        day(21),
    )
    b = Loan(
        "B",
        "hub",
        "p",
        MON,
        day(3),
        "parcel",
        "hub#1",
        day(7),
        day(8),
        "parcel",
        day(22),
        day(25),
        day(28),
    )
    found = check_cycle(Simulation((a, b), {"hub": 1}), CAL, PARAMS)
    assert [v.rule for v in found] == ["Device used twice at once"]


def test_same_input_same_loans(three_a_day_apart: list[Request]) -> None:
    """The simulation is deterministic."""
    assert simulate(three_a_day_apart, {"hub": 2}, CAL, PARAMS) == simulate(
        three_a_day_apart, {"hub": 2}, CAL, PARAMS
    )


@settings(max_examples=30, deadline=None)
@given(
    st.lists(
        st.tuples(st.integers(0, 20), st.sampled_from(["parcel", "courier"])),
        min_size=1,
        max_size=12,
    ),
    st.integers(0, 6),
)
def test_one_more_device_never_hurts(days: list[tuple[int, str]], size: int) -> None:
    """On-time counts never fall when a device is added, and every plan passes check_cycle."""
    requests = [Request(f"R{i}", "hub", "p", day(d), mode) for i, (d, mode) in enumerate(days)]  # type: ignore[arg-type]
    small = simulate(requests, {"hub": size}, CAL, PARAMS)
    large = simulate(requests, {"hub": size + 1}, CAL, PARAMS)
    assert large.on_time >= small.on_time
    assert check_cycle(large, CAL, PARAMS, requests) == ()


@st.composite
def shelf_cases(draw: st.DrawFn) -> tuple[list[Request], dict[str, int], Calendar, CycleParams]:
    """Referrals of every mode and return mode at up to three hubs (some held to a later ship
    day), pools (a hub may have none, or be missing), holidays and lead times (all 0 included,
    but at least a day of use when a courier picks a device up)."""
    cycle = CycleParams(*draw(st.lists(st.sampled_from([0, 1, 2, 3, 14]), min_size=6, max_size=6)))
    calendar = Calendar(frozenset(day(d) for d in draw(st.lists(st.integers(0, 60), max_size=3))))
    hubs = ["A", "B", "C"][: draw(st.integers(1, 3))]
    modes = ["parcel", "mobile", "courier"] if cycle.use_days else ["parcel", "mobile"]
    returns = ["", "parcel", "courier"] if cycle.use_days else ["", "parcel"]
    requests = []
    for k in range(draw(st.integers(1, 30))):
        mode = draw(st.sampled_from(modes))
        handover = draw(st.lists(st.integers(0, 70), max_size=4)) if mode == "mobile" else []
        held = draw(st.none() | st.integers(0, 50))
        requests.append(
            Request(
                f"R{k}",
                draw(st.sampled_from(hubs)),
                "p",
                day(draw(st.integers(0, 40))),
                mode,  # type: ignore[arg-type]
                tuple(day(d) for d in handover),
                draw(st.sampled_from(returns)),
                None if held is None else day(held),
            )
        )
    # up to 12 devices: ids "A#10".."A#12" sort before "A#2" as text
    pools = {h: draw(st.integers(0, 12)) for h in hubs if draw(st.booleans()) or h == "A"}
    return requests, pools, calendar, cycle


@settings(max_examples=300, deadline=None)
@given(shelf_cases())
def test_the_shelf_gives_the_loans_of_the_day_by_day_run(
    case: tuple[list[Request], dict[str, int], Calendar, CycleParams],
) -> None:
    """Without a router the shelf (referral by referral) and the day-by-day run make the same
    loans: devices, every date, modes; simulate() takes the shelf."""
    requests, pools, calendar, cycle = case
    reference = simulate_day_by_day(requests, pools, calendar, cycle)
    assert Shelf(requests, calendar, cycle).simulation(pools) == reference
    assert simulate(requests, pools, calendar, cycle) == reference


@settings(max_examples=100, deadline=None)
@given(shelf_cases(), st.sampled_from([0.5, 0.9, 1.0]))
def test_the_fleet_search_on_the_shelf_finds_the_day_by_day_pool(
    case: tuple[list[Request], dict[str, int], Calendar, CycleParams], target: float
) -> None:
    """Each hub's search on the shelf ends where the same search on day-by-day runs ends:
    pool, shares, number of runs."""
    requests, _, calendar, cycle = case
    hubs = sorted({r.hub for r in requests})
    on_shelf = fleet_size(requests, hubs, calendar, cycle, target)
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(fleet, "shelf_fits", lambda *args: False)
        day_by_day = fleet_size(requests, hubs, calendar, cycle, target)
    assert on_shelf == day_by_day


def test_the_shelf_refuses_a_courier_pickup_on_the_ship_day() -> None:
    """With no day of use a pickup would fall on its own ship day: that needs the day loop."""
    no_use = CycleParams(use_days=0)
    with pytest.raises(FleetError, match="use_days = 0"):
        Shelf([Request("R1", "hub", "p", MON, "courier")], CAL, no_use)
    assert Shelf([Request("R1", "hub", "p", MON, "parcel")], CAL, no_use).requests


def test_simulate_with_a_router_and_a_courier_leg_runs_day_by_day() -> None:
    """A router is asked about every courier day: the shelf is not used then."""
    asked: list[dt.date] = []

    def router(
        on: dt.date, hub: str, deliveries: Sequence[Request], pickups: Sequence[Request]
    ) -> tuple[set[str], set[str]]:
        asked.append(on)
        return set(), set()

    simulate([Request("R1", "hub", "p", MON, "courier")], {"hub": 1}, CAL, PARAMS, router)
    assert asked == [day(1), day(15)]  # the delivery (Tuesday), the pickup 14 days on
