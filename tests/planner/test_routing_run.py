"""The routing run: referrals, modes, fleet size and daily routes stored on SQLite and PostgreSQL."""

from __future__ import annotations

import datetime as dt
import json
import time
from collections import defaultdict
from pathlib import Path

import pytest
from sqlalchemy.engine import Engine
from typer.testing import CliRunner

from planner import runs, travel
from planner.demand import Referral as DemandReferral
from planner.errors import RunFailedError, ScenarioError
from planner.orchestration.context import RunContext
from planner.orchestration.routing import nearest_hubs, no_vehicle_notes, run_routing, tail_reserve
from planner.scenario import RoutingParams, Scenario, builtin_scenario_path, load_scenario
from planner.storage import get_run, list_runs, run_rows, save_scenario
from planner.storage.models import Placement, RouteStop, Shipment
from planner.weeks import is_business_day
from routing import StaticMatrixSource, TravelMatrix


@pytest.fixture
def tiny() -> Scenario:
    """The built-in tiny scenario (hub Nyköping, two weeks, 54 referrals) with 5 s for the
    whole search (baselines, every pass of the mode model, the routes): ample for 54."""
    return load_scenario(builtin_scenario_path("tiny")).replace(routing={"time_limit_s": 5.0})


def business_after(day: dt.date, n: int) -> dt.date:
    """The n-th business day after ``day`` (Swedish holidays)."""
    while n:
        day += dt.timedelta(days=1)
        n -= is_business_day(day)
    return day


def business_between(a: dt.date, b: dt.date) -> int:
    """Business days x with a < x <= b."""
    return sum(is_business_day(a + dt.timedelta(days=k)) for k in range(1, (b - a).days + 1))


def recompute(
    stops: list[RouteStop], shipments: list[Shipment], scenario: Scenario
) -> dict[str, float]:
    """The KPIs again, from the stored rows alone (km from the travel tables)."""
    p = scenario.routing
    routes: dict[str, list[RouteStop]] = defaultdict(list)
    for s in stops:
        routes[s.route_id].append(s)
    source = travel.matrix_source()
    km = hours = 0.0
    for rows in routes.values():
        rows.sort(key=lambda s: s.seq)
        assert rows[0].kind == "start" and rows[-1].kind == "end"
        places = [s.place_id for s in rows]
        table = source.matrix(places, places)
        km += sum(float(table.km[i, i + 1]) for i in range(len(places) - 1))
        hours += (rows[-1].arrival_minute - rows[0].arrival_minute) / 60
        assert rows[-1].arrival_minute - rows[0].arrival_minute <= p.max_route_minutes + 1e-6
        for s in rows[1:-1]:
            assert s.arrival_minute <= 17 * 60 + 1e-6 and 0 <= s.load <= p.vehicle_capacity
    picked = {s.referral_id for s in stops if s.kind == "pickup"}
    start = dt.date.fromisocalendar(2026, 45, 1)
    end = start + dt.timedelta(days=7 * scenario.scenario.horizon_weeks)
    on_time = [
        x.device_date is not None
        and x.device_date <= business_after(x.referral_date, p.service_level_days)
        for x in shipments
    ]
    parcels = sum(x.mode in ("parcel", "mobile") for x in shipments) + sum(
        x.referral_id not in picked for x in shipments
    )
    out_days = sum(
        max(0, (min(x.return_date, end) - max(x.ship_date, start)).days) for x in shipments
    )
    return {
        "referrals": len(shipments),
        "on_time_share": sum(on_time) / len(shipments),
        "mean_days_to_device": sum(
            business_between(x.referral_date, x.device_date) for x in shipments
        )
        / len(shipments),
        "courier_km": km,
        "driver_hours": hours,
        "routes": len(routes),
        "parcels": parcels,
        "parcel_cost_sek": parcels * p.parcel_cost_sek,
        "handovers": sum(x.mode == "mobile" for x in shipments),
        "courier_deliveries": sum(s.kind == "delivery" for s in stops),
        "courier_pickups": len(picked),
        "on_time_flags": sum(x.on_time for x in shipments) / len(shipments),
        "out_days": out_days,
    }


def test_run_stores_routes_and_shipments_with_kpis_from_the_rows(
    engine: Engine, tiny: Scenario
) -> None:
    """Route stops and one shipment per referral are stored; every KPI is recomputed from them.
    Parcels at 2,000 SEK a leg make courier routes near the hub the cheaper way."""
    tiny = tiny.replace(routing={"parcel_cost_sek": 2000.0})
    save_scenario(engine, tiny)
    result = runs.execute(engine, "tiny", "routing")
    k = result.kpis
    assert result.run.status == "finished" and result.run.solver_status in (
        "feasible",
        "target_missed",
    )
    stops = run_rows(engine, result.run.id, RouteStop)
    shipments = run_rows(engine, result.run.id, Shipment)
    assert stops and len(shipments) == k["referrals"] == 54
    assert {x.mode for x in shipments} <= {"courier", "parcel", "mobile"}
    again = recompute(stops, shipments, tiny)
    for name in (
        "referrals",
        "on_time_share",
        "mean_days_to_device",
        "courier_km",
        "driver_hours",
        "routes",
        "parcels",
        "parcel_cost_sek",
        "handovers",
        "courier_deliveries",
        "courier_pickups",
    ):
        assert k[name] == pytest.approx(again[name], rel=1e-6, abs=1e-6), name
    p = tiny.routing
    bill = (
        p.courier_cost_sek_per_km * again["courier_km"]
        + p.courier_cost_sek_per_hour * again["driver_hours"]
        + p.courier_cost_sek_per_route * again["routes"]
        + p.parcel_cost_sek * again["parcels"]
        + p.device_cost_sek_per_day * 14 * k["devices_needed"]
        + p.cleaning_cost_sek * len(shipments)
    )
    assert k["total_cost_sek"] == pytest.approx(bill, rel=1e-6)
    assert k["total_cost_sek"] <= min(k["courier_first_cost_sek"], k["parcel_only_cost_sek"])
    message = result.run.message or ""
    went = {x.referral_id for x in shipments if x.mode == "courier"} | picked_ids(stops)
    assert f"{len(went)} referrals go by courier: R-" in message and ": cheaper: " in message
    assert again["on_time_flags"] == pytest.approx(k["on_time_share"])
    assert k["device_utilisation"] == pytest.approx(again["out_days"] / (k["devices_needed"] * 14))
    assert k["violations"] == 0 and k["unserved"] == 0
    assert k["on_time_share"] >= 0.95 and k["devices_needed"] >= k["devices_searched"] > 0


def picked_ids(stops: list[RouteStop]) -> set[str]:
    """Referrals whose device a courier picks up."""
    return {s.referral_id for s in stops if s.kind == "pickup" and s.referral_id}


def test_a_negative_price_is_named_with_its_key(tiny: Scenario) -> None:
    """A price below zero is rejected naming routing.<key>, before anything is planned."""
    for key in ("courier_cost_sek_per_hour", "cleaning_cost_sek", "parcel_cost_sek"):
        with pytest.raises(ScenarioError, match=rf"routing\.{key}: Input should be greater"):
            tiny.replace(routing={key: -1.0})


def test_cli_prints_the_kpis_last(tmp_path: Path) -> None:
    """`planner solve routing --scenario tiny --json` ends with the run and its KPIs."""
    from planner.cli import app

    db = f"sqlite:///{tmp_path / 'cli.db'}"
    runner = CliRunner()
    assert (
        runner.invoke(app, ["--db", db, "scenario", "create", "--builtin", "tiny"]).exit_code == 0
    )
    result = runner.invoke(app, ["--db", db, "solve", "routing", "--scenario", "tiny", "--json"])
    assert result.exit_code == 0, result.output
    last = json.loads(result.output.strip().splitlines()[-1])
    for name in (
        "on_time_share",
        "mean_days_to_device",
        "courier_km",
        "driver_hours",
        "parcels",
        "parcel_cost_sek",
        "handovers",
        "devices_needed",
        "device_utilisation",
        "dropped_stops",
    ):
        assert name in last["kpis"]


def test_unknown_hub_names_routing_hubs(engine: Engine, tiny: Scenario) -> None:
    """A hub that is no known place fails the run with a sentence naming routing.hubs."""
    with pytest.raises(ScenarioError, match=r"routing\.hubs: unknown place 'Atlantis'"):
        run_routing(tiny.replace(routing={"hubs": ["Atlantis"]}))
    save_scenario(engine, tiny.replace(routing={"hubs": ["Nyköping", "Nykoping"]}))
    with pytest.raises(
        RunFailedError, match=r"routing\.hubs: unknown place 'Nykoping'; did you mean"
    ):
        runs.execute(engine, "tiny", "routing")


def test_hub_without_vehicles_is_named_and_the_plan_still_made(tiny: Scenario) -> None:
    """No vehicles: the message names the hub and the setting; devices go by parcel instead."""
    outcome = run_routing(tiny.replace(routing={"vehicles_per_hub": 0}))
    assert "hub Nyköping has no vehicles (routing.vehicles_per_hub = 0)" in (outcome.message or "")
    assert not any(isinstance(r, RouteStop) for r in outcome.rows)
    assert {r.mode for r in outcome.rows if isinstance(r, Shipment)} == {"parcel"}


def test_referrals_no_mode_reaches_in_time_are_listed(tiny: Scenario) -> None:
    """Same-day service is impossible: the message lists referral ids and places and why."""
    outcome = run_routing(tiny.replace(routing={"service_level_days": 0}))
    message = outcome.message or ""
    assert (
        "54 referrals no mode can reach in time (routing.service_level_days = 0): R-000001 ("
        in message
    )
    assert "and 49 more" in message and "parcel brings it on" in message
    assert outcome.kpis["on_time_share"] == 0 and outcome.solver_status == "target_missed"


def test_mobile_clinic_in_reach_hands_devices_over(tiny: Scenario) -> None:
    """A unit standing at every referral place all horizon long: out-of-reach referrals get a
    hand-over instead of a parcel."""
    first = run_routing(tiny)
    places = {r.locality_id for r in first.rows if isinstance(r, Shipment) and r.mode == "parcel"}
    units = tuple(
        Placement(
            week=w,
            unit=1,
            site_id=p,
            site_name=p,
            kommun_code="0000",
            county_code="00",
            lon=0.0,
            lat=0.0,
        )
        for w in ("2026-W45", "2026-W46", "2026-W47")
        for p in places
    )
    outcome = run_routing(tiny, None, RunContext(placements=units))
    modes = [r.mode for r in outcome.rows if isinstance(r, Shipment)]
    assert outcome.kpis["handovers"] == modes.count("mobile") > 0


@pytest.fixture
def five_referrals(tmp_path: Path) -> Path:
    """A regional scenario file (tiny, 1 s of routing) beside its referral list of 4 rows.

    Five patients are easy to follow by hand: two in Nyköping (the hub: courier) on Tuesday,
    Norrköping on Wednesday, Linköping written on Saturday 7 November (counts from Monday 9th)
    and Kiruna (far beyond courier reach: parcel). Places are kommun codes, so each is the
    kommun's largest locality.
    """
    (tmp_path / "region").mkdir()
    (tmp_path / "region" / "referrals.csv").write_text(
        "date,kommun_code,count\n2026-11-03,0480,2\n2026-11-04,0581,1\n2026-11-07,0580,1\n2026-11-10,2584,1\n",
        encoding="utf-8",
    )
    text = builtin_scenario_path("tiny").read_text(encoding="utf-8")
    routing = text.rindex("time_limit_s = ")  # the routing section's, the file's last
    line_end = text.index("\n", routing)
    text = text[:routing] + 'time_limit_s = 1\nreferrals_csv = "referrals.csv"' + text[line_end:]
    path = tmp_path / "region" / "tiny-referrals.toml"
    path.write_text(text, encoding="utf-8")
    return path


def test_run_plans_exactly_the_referrals_of_the_csv(
    engine: Engine, five_referrals: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """With routing.referrals_csv the stored shipments are those five referrals, and the run says so."""
    scenario = load_scenario(five_referrals)
    monkeypatch.chdir(tmp_path)  # the stored, absolute path does not depend on where we run
    save_scenario(engine, scenario, input_folder=five_referrals.parent)
    result = runs.execute(engine, "tiny", "routing")
    shipments = run_rows(engine, result.run.id, Shipment)
    assert sorted((x.referral_id, x.locality_id, x.referral_date) for x in shipments) == [
        ("R-000001", "100480107", dt.date(2026, 11, 3)),  # Nyköping (tätort 0480TC107)
        ("R-000002", "100480107", dt.date(2026, 11, 3)),
        ("R-000003", "100581116", dt.date(2026, 11, 4)),  # Norrköping
        ("R-000004", "100580111", dt.date(2026, 11, 9)),  # Linköping, moved off Saturday
        ("R-000005", "102584103", dt.date(2026, 11, 10)),  # Kiruna
    ]
    assert result.kpis["referrals"] == 5 and result.kpis["referrals_from_csv"] == 1
    stops = run_rows(engine, result.run.id, RouteStop)
    assert {s.referral_id for s in stops if s.referral_id} <= {x.referral_id for x in shipments}
    message = result.run.message or ""
    csv = five_referrals.parent / "referrals.csv"
    assert message.startswith(f"referrals from routing.referrals_csv {str(csv)!r} (sha256 ")
    assert "5 referrals in 4 rows" in message and "line 4 2026-11-07 -> 2026-11-09" in message


def test_missing_referrals_csv_fails_the_run_naming_the_key(
    engine: Engine, tiny: Scenario, tmp_path: Path
) -> None:
    """A CSV removed after the scenario was stored fails the run with the key and the path."""
    gone = tmp_path / "gone.csv"
    save_scenario(engine, tiny.replace(routing={"referrals_csv": str(gone)}), input_folder=tmp_path)
    with pytest.raises(RunFailedError, match=rf"routing\.referrals_csv: no such file '{gone}'"):
        runs.execute(engine, "tiny", "routing")


def test_a_password_file_as_referrals_csv_is_never_echoed(
    engine: Engine, five_referrals: Path
) -> None:
    """routing.referrals_csv naming a password file (issue 16 item 8): the run fails naming
    the file, line and column, and neither the error nor the stored run message holds a
    byte of the file's text (before, its first line was both)."""
    secret = five_referrals.parent / "passwd"
    secret.write_text("root:x:0:0:Hemlig Admin:/root:/bin/bash\n", encoding="utf-8")
    text = five_referrals.read_text(encoding="utf-8").replace('"referrals.csv"', '"passwd"')
    scenario_file = five_referrals.with_name("tiny-passwd.toml")
    scenario_file.write_text(text, encoding="utf-8")
    save_scenario(engine, load_scenario(scenario_file), input_folder=scenario_file.parent)
    with pytest.raises(RunFailedError) as info:
        runs.execute(engine, "tiny", "routing")
    run_id = int(str(info.value).split(" run ")[1].split()[0])
    stored = get_run(engine, run_id)
    assert stored is not None and stored.status == "failed"
    for message in (str(info.value), stored.message or ""):
        assert f"{secret}: line 1, column 'field 1': unknown column name" in message
        for piece in ("root", "Hemlig", "bash"):
            assert piece not in message.replace(str(secret), "")


def test_a_stored_csv_outside_its_folders_is_refused_before_the_run(
    engine: Engine, five_referrals: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A version stored without an input folder (before the check existed, or edited in the
    database) may read only from $PLANNER_DATA_DIR: solving it is refused naming the key, no
    run is stored; with the CSV's folder as the data folder it solves."""
    monkeypatch.delenv("PLANNER_DATA_DIR", raising=False)
    save_scenario(engine, load_scenario(five_referrals))  # no input folder
    with pytest.raises(ScenarioError, match=r"stored scenario tiny v1: routing\.referrals_csv: "):
        runs.execute(engine, "tiny", "routing")
    assert list_runs(engine) == []
    monkeypatch.setenv("PLANNER_DATA_DIR", str(five_referrals.parent))
    assert runs.execute(engine, "tiny", "routing").kpis["referrals"] == 5


def test_model_referrals_say_so_in_the_kpis(tiny: Scenario) -> None:
    """Without a CSV the demand model draws the referrals and the KPI referrals_from_csv is 0."""
    outcome = run_routing(tiny.replace(routing={"vehicles_per_hub": 0}))
    assert outcome.kpis["referrals_from_csv"] == 0 and outcome.kpis["referrals"] == 54
    assert "referrals from routing.referrals_csv" not in (outcome.message or "")


def test_nearest_hubs_takes_the_fastest_hub_of_each_place() -> None:
    """Two hubs and two places on a hand table: place p is 30 min from h1 and 20 from h2,
    place q 15 and 40; so p goes to h2 (20 min) and q to h1 (15 min)."""
    table = TravelMatrix(("h1", "h2"), ("p", "q"), [[30.0, 15.0], [20.0, 40.0]], [[1.0] * 2] * 2)
    source = StaticMatrixSource(table)
    assert nearest_hubs(source, ["h1", "h2"], ["p", "q"]) == {"p": ("h2", 20.0), "q": ("h1", 15.0)}
    assert nearest_hubs(source, ["h1", "h2"], []) == {}


def test_no_vehicle_notes_count_the_referrals_within_courier_reach() -> None:
    """Reach 120 min: place 1 (two referrals, 60 min from hub A) counts, place 2 (one referral,
    150 min from A) does not, place 3 (one referral, 10 min from B) does; one note per hub."""
    day = dt.date(2026, 11, 2)
    referrals = [
        DemandReferral(f"R{k}", place, "0180", "01", day) for k, place in enumerate([1, 1, 2, 3])
    ]
    nearest = {"1": ("A", 60.0), "2": ("A", 150.0), "3": ("B", 10.0)}
    notes = no_vehicle_notes(
        RoutingParams(courier_reach_minutes=120.0), referrals, nearest, {"A": "Alby", "B": "Bro"}
    )
    assert notes == [
        "hub Alby has no vehicles (routing.vehicles_per_hub = 0) but 2 referrals are within "
        "its courier reach (120 min); they go by mobile clinic or parcel",
        "hub Bro has no vehicles (routing.vehicles_per_hub = 0) but 1 referrals are within "
        "its courier reach (120 min); they go by mobile clinic or parcel",
    ]


def test_bench_spirometry_prints_the_plan_and_both_baselines_then_reuses_them(
    tmp_path: Path,
) -> None:
    """`planner bench spirometry --scenario tiny --json` solves placement and routing once, then
    prints the same six keys from the stored run; the plan costs no more than either baseline."""
    from planner.cli import app

    db = f"sqlite:///{tmp_path / 'bench.db'}"
    runner = CliRunner()
    args = ["--db", db, "bench", "spirometry", "--scenario", "tiny", "--json"]
    first = runner.invoke(app, args)
    assert first.exit_code == 0, first.output
    out = json.loads(first.output.strip().splitlines()[-1])
    assert set(out) == {
        "total_cost_sek",
        "courier_first_cost_sek",
        "parcel_only_cost_sek",
        "on_time_share",
        "devices",
        "seconds",
    }
    assert out["total_cost_sek"] <= min(out["courier_first_cost_sek"], out["parcel_only_cost_sek"])
    assert out["on_time_share"] >= 0.95 and out["devices"] > 0
    again = runner.invoke(app, args)
    assert json.loads(again.output.strip().splitlines()[-1]) == out  # stored, not solved again


def test_a_run_past_its_deadline_stores_the_parcel_only_plan_saying_so(tiny: Scenario) -> None:
    """A deadline one second ago: the parcel-only plan (it needs no route) is the run's plan,
    every referral is planned, KPI time_limit_reached is 1 and the note names what was cut.
    With time to spare the flag is 0 (as in every other test here)."""
    outcome = run_routing(tiny, deadline=time.perf_counter() - 1.0)
    k = outcome.kpis
    assert k["time_limit_reached"] == 1.0 and k["plan_is_baseline"] == 1.0
    assert k["violations"] == 0 and k["courier_deliveries"] == 0
    assert "courier_first_cost_sek" not in k
    assert "time limit reached (routing.time_limit_s = 5 s)" in (outcome.message or "")
    assert "the courier-first baseline was not made" in (outcome.message or "")
    assert run_routing(tiny.replace(routing={"time_limit_s": 30.0})).kpis["time_limit_reached"] == 0


def test_the_search_leaves_time_for_the_plans_evaluation_and_rows() -> None:
    """The reserve grows with the referrals (20 us each: 1.9 s for 95,000), at most half the
    time left, none once the deadline has passed."""
    assert tail_reserve(10.0, 95_000) == pytest.approx(1.9)
    assert tail_reserve(10.0, 200) == pytest.approx(0.004)
    assert tail_reserve(1.0, 95_000) == pytest.approx(0.5)
    assert tail_reserve(-1.0, 95_000) == 0.0
