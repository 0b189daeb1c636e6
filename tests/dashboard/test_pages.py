"""Every page in AppTest on the tiny scenario solved by the real planners: what the page shows.

Expected values come from the store (``stored_runs``, ``run_rows``), not from the solver: a
test holds whatever plan the planners made, and fails when the page shows anything else.
"""

from __future__ import annotations

import io

import pandas as pd
import pytest

from dashboard.views._common import card_value, fmt, label
from tests.dashboard.page_reading import Runs, kpi_tables, layers_of, listed, open_page, tables

PAGES = [
    "views/overview.py",
    "views/mobile_clinics.py",
    "views/staffing.py",
    "views/spirometers.py",
    "views/scenarios.py",
]


@pytest.mark.parametrize("page", PAGES)
def test_every_page_renders_without_exception(app_test, page: str) -> None:
    """Each page runs on the stored tiny plans without an exception and shows its title."""
    at = open_page(app_test, page)
    assert at.title[0].value.lower().replace(" ", "_") in page
    assert [s.value for s in at.sidebar.selectbox] == ["tiny"]


def test_overview_cards_and_tables_equal_stored_kpis(app_test, stored_runs: Runs) -> None:
    """The overview's KPI tables hold exactly the stored KPIs; the cards show them formatted."""
    at = open_page(app_test, "views/overview.py")
    shown = kpi_tables(at)
    assert len(shown) == len(stored_runs) == 4  # placement, staffing, continuity, routing
    for (_, kpis), table in zip(stored_runs.values(), shown, strict=True):
        assert table == pytest.approx(listed(kpis), nan_ok=True)
    metrics = {m.label: m.value for m in at.metric}
    place, staff = stored_runs["placement"][1], stored_runs["staffing"][1]
    cont = stored_runs["continuity"][1]
    assert metrics[label("served_share")] == fmt("served_share", place["served_share"])
    # The staffing roster's rate, then the rate of the roster with the requests accepted.
    assert [m.value for m in at.metric if m.label == label("continuity_rate")] == [
        fmt("continuity_rate", staff["continuity_rate"]),
        fmt("continuity_rate", cont["continuity_rate"]),
    ]
    assert metrics[label("requests")] == card_value("requests", cont["requests"])
    assert [s.value for s in at.subheader] == [
        "Mobile clinics plan",
        "Staffing plan",
        "Continuity (requests) plan",
        "Spirometers plan",
        "Runs",
    ]
    assert [i.value for i in at.info] == []  # every planner has a plan: no "run planner solve"


def test_overview_alerts_are_the_missed_targets(app_test, stored_runs: Runs) -> None:
    """The alerts name exactly the targets the stored plans miss (tiny's county floor is 0),
    the cover gap and the uncrewed site-days in Swedish numbers (the issue's 211-hour gap
    raised none); tiny's plans break no rule and are not far from proven."""
    from planner.scenario import builtin_scenario_path, load_scenario

    at = open_page(app_test, "views/overview.py")
    staff, route = stored_runs["staffing"][1], stored_runs["routing"][1]
    target = load_scenario(builtin_scenario_path("tiny")).staffing.continuity_target
    assert target == staff["continuity_target"] == 0.96  # the provider's line, as the KPI stores it
    expected = []
    if staff["continuity_rate"] < target:
        expected.append(
            f"Same-clinician rate {fmt('continuity_rate', staff['continuity_rate'])} is under "
            "the 96,0 % target; the clinicians' availability allows at most "
            f"{fmt('availability_bound', staff['availability_bound'])}."
        )
    if staff["shortfall_hours"]:  # tiny's demand is more than its 12 clinicians can cover
        expected.append(
            f"Cover gap: {fmt('shortfall_hours', staff['shortfall_hours'])} of demanded "
            "clinician time have nobody rostered (demand cover "
            f"{fmt('cover', staff['cover'])}); the Staffing page lists the days and blocks."
        )
    if staff["mobile_site_days_unstaffed"]:
        expected.append(
            "Mobile clinics without a full crew on "
            f"{staff['mobile_site_days_unstaffed']:.0f} of {staff['mobile_site_days']:.0f} "
            "site-days."
        )
    if route["on_time_share"] < 0.95:
        expected.append(
            f"Spirometers late: on-time share {fmt('on_time_share', route['on_time_share'])} "
            "is under the target 95,0 %."
        )
    assert [e.value for e in at.error] == expected
    success = [] if expected else ["Every stored plan meets its targets."]
    assert [s.value for s in at.success] == success


def test_staffing_roster_filters_and_downloads(app_test, app_db: str, stored_runs: Runs) -> None:
    """The roster table holds the stored shifts; filters narrow it; CSV/XLSX/ICS buttons exist."""
    from planner.storage import open_database, run_rows
    from planner.storage.models import Shift

    shifts = run_rows(open_database(app_db), stored_runs["staffing"][0], Shift)
    at = open_page(app_test, "views/staffing.py")
    metrics = {m.label: m.value for m in at.metric}
    kpis = stored_runs["staffing"][1]
    names = ("continuity_rate", "availability_bound", "cover", "shortfall_hours")
    assert metrics == {label(name): card_value(name, kpis[name]) for name in names}
    assert len(tables(at, "clinician", "block", "start")[0]) == len(shifts)
    first = min(s.clinician_id for s in shifts)
    roster_keys = ("dl_csv", "dl_csv_excel", "dl_xlsx", "dl_ics")  # requests: tested apart
    assert [b.label for b in at.download_button if b.key in roster_keys] == [
        "Roster CSV (comma, for tools)",
        "Roster CSV for Excel (semicolon)",
        "Roster XLSX (a sheet per week)",
        f"iCalendar for {first}",
    ]
    assert len(at.get("vega_lite_chart")) == 2  # continuity against the line, roster heatmap
    doctor_shifts = sum(1 for s in shifts if s.profession == "doctor")
    assert 0 < doctor_shifts < len(shifts)
    at.multiselect(key="professions").set_value(["doctor"]).run()
    assert len(tables(at, "clinician", "block", "start")[0]) == doctor_shifts


def test_staffing_table_shows_local_time_and_names(
    app_test, app_db: str, stored_runs: Runs
) -> None:
    """The shift table shows Stockholm wall-clock times (a block stored as 06:00 UTC on a
    November day starts at 07:00), the home county by name and mobile sites by name."""
    import datetime as dt
    from zoneinfo import ZoneInfo

    from dashboard import services
    from planner.storage import open_database, run_rows
    from planner.storage.models import Placement, Shift

    engine = open_database(app_db)
    shifts = run_rows(engine, stored_runs["staffing"][0], Shift)
    sites = {
        p.site_id: p.site_name for p in run_rows(engine, stored_runs["placement"][0], Placement)
    }
    at = open_page(app_test, "views/staffing.py")
    table = tables(at, "clinician", "block", "start")[0]
    stockholm = ZoneInfo("Europe/Stockholm")

    def local(t: dt.datetime) -> str:
        return t.replace(tzinfo=dt.UTC).astimezone(stockholm).strftime("%H:%M")

    assert any(s.start.month == 11 and s.start.hour == 6 for s in shifts), "tiny is in November"
    expected = sorted(
        (s.clinician_id, s.day, local(s.start), sites.get(s.site_id, "") if s.site_id else "")
        for s in shifts
    )
    shown = sorted(
        zip(table["clinician"], table["day"], table["start"], table["site"], strict=True)
    )
    assert shown == expected
    morning = [s for s in shifts if s.start.month == 11 and s.start.hour == 6]
    assert all(local(s.start) == "07:00" for s in morning)
    assert "07:00" in set(table["start"]) and not any("+00:00" in t for t in table["start"])
    names = set(services.county_names().values())
    assert set(table["home county"]) <= names and set(table["home county"])
    if any(s.site_id for s in shifts):
        assert set(table["site"]) - {""} <= set(sites.values())


def test_staffing_misses_count_and_drill_down(app_test, app_db: str, stored_runs: Runs) -> None:
    """The reason table counts the stored follow-ups' miss reasons (every reason listed); the
    clinician tab adds up to the misses; picking a reason and a clinician lists exactly their
    visits; UPC, COC and SECON are shown with their meaning."""
    from collections import Counter

    from dashboard import services
    from planner.storage import open_database, run_rows
    from planner.storage.models import FollowUpAssignment

    run_id, kpis = stored_runs["staffing"]
    stored = run_rows(open_database(app_db), run_id, FollowUpAssignment)
    missed = [f for f in stored if f.miss_reason is not None]
    assert len(missed) == kpis["misses"] > 0
    at = open_page(app_test, "views/staffing.py")
    (reasons,) = tables(at, "reason", "what it means", "visits")
    counts = Counter(f.miss_reason for f in missed)
    assert dict(zip(reasons["reason"], reasons["visits"], strict=True)) == {
        r: counts.get(r, 0) for r in services.miss_reasons()
    }
    (by_clinician,) = tables(at, "index_clinician_id", "misses")
    assert by_clinician["misses"].sum() == len(missed)
    reason, who = missed[0].miss_reason, missed[0].index_clinician_id
    at.selectbox(key="miss_reason_pick").set_value(reason).run()
    at.selectbox(key="miss_clinician_pick").set_value(who).run()
    (visits,) = tables(at, "visit_id", "miss_reason", "miss_detail")
    assert sorted(visits["visit_id"]) == sorted(
        f.visit_id for f in missed if f.miss_reason == reason and f.index_clinician_id == who
    )
    (measures,) = tables(at, "measure", "value", "what it means")
    assert list(measures["measure"]) == ["continuity rate", "upc", "coc", "secon"]
    assert list(measures["what it means"]) == list(services.continuity_measures().values())


def test_staffing_exports_are_real_files(app_db: str, stored_runs: Runs) -> None:
    """The roster exports: a CSV line per shift, an XLSX sheet per ISO week plus the contract
    sheet (which adds up to the run's rostered and contract-hours KPIs, counties by name), one
    clinician's shifts as iCalendar events with the run id as SEQUENCE and the run's finish
    time as DTSTAMP (no earlier run: nothing to cancel)."""
    from openpyxl import load_workbook

    from dashboard import services
    from planner.storage import get_run, get_scenario, open_database, run_rows
    from planner.storage.models import Shift
    from staffing.export import SUMMARY_SHEET, week_key

    run_id, kpis = stored_runs["staffing"]
    engine = open_database(app_db)
    shifts = run_rows(engine, run_id, Shift)
    frame = pd.DataFrame([s.model_dump() for s in shifts]).drop(columns="run_id")
    version = get_scenario(engine, "tiny")[0].version
    context = services.roster_context("tiny", version, tuple(sorted({s.block for s in shifts})))
    csv = services.roster_csv(frame, context=context, people=context.people).decode()
    assert len(csv.strip().splitlines()) == len(shifts) + 1
    book = load_workbook(
        io.BytesIO(services.roster_xlsx(frame, context=context, people=context.people))
    )
    assert sorted(book.sheetnames) == sorted({week_key(s.day) for s in shifts} | {SUMMARY_SHEET})
    rows = list(book[SUMMARY_SHEET].iter_rows(min_row=2, values_only=True))
    assert len(rows) == len(context.people)
    assert sum(r[4] for r in rows) == pytest.approx(kpis["rostered_hours"], abs=0.05)
    assert sum(r[5] for r in rows) == pytest.approx(kpis["contract_hours"], abs=0.05)
    assert set(services.county_names().values()) >= {r[2] for r in rows}
    who = shifts[0].clinician_id
    assert services.earlier_rosters(run_id, who) == []
    ics = services.roster_ics(frame, who, run_id, earlier=services.earlier_rosters(run_id, who))
    text = ics.decode()
    assert text.count("BEGIN:VEVENT") == sum(1 for s in shifts if s.clinician_id == who)
    assert text.count(f"SEQUENCE:{run_id}") == text.count("BEGIN:VEVENT")
    run = get_run(engine, run_id)
    assert run is not None and run.finished_at is not None
    assert f"DTSTAMP:{run.finished_at:%Y%m%dT%H%M%S}Z" in text
    engine.dispose()


def _route_label(route_id: str, hub_id: str, day) -> str:
    """ "Nyköping hub, vehicle 1, 3 Nov" for a stored route (id ``<day>-<hub>-v<n>``)."""
    from planner.geo import load_localities

    names = {str(int(r.locality_id)): str(r.name) for r in load_localities().itertuples()}
    vehicle = route_id.split(f"-{hub_id}-v")[-1]
    return f"{names[hub_id]} hub, vehicle {vehicle}, {day.day} {day:%b}"


def test_spirometers_page_compares_costs(app_test, app_db: str, stored_runs: Runs) -> None:
    """The plan and both baselines are shown with the stored totals; the cost-by-mode table adds
    up to the stored per-referral costs; each route of the first day has its km and cost."""
    from planner.storage import open_database, run_rows
    from planner.storage.models import CourierRoute, Shipment

    at = open_page(app_test, "views/spirometers.py")
    run_id, kpis = stored_runs["routing"]
    table = tables(at, "plan", "total", "per referral", "courier part", "on time", "devices")[0]
    assert list(table["plan"]) == [
        "This plan (modes chosen by cost)",
        "Courier whenever in reach (old rule)",
        "Parcels only",
    ]

    def sek(v: float) -> str:
        return f"{v:,.0f} SEK".replace(",", " ")

    assert list(table["total"]) == [
        sek(kpis["total_cost_sek"]),
        sek(kpis["courier_first_cost_sek"]),
        sek(kpis["parcel_only_cost_sek"]),
    ]
    engine = open_database(app_db)
    shipments = run_rows(engine, run_id, Shipment)
    assert sum(s.cost_sek for s in shipments) == pytest.approx(kpis["total_cost_sek"])
    by_mode = tables(at, "device out by", "back by", "referrals", "cost")[0]
    assert by_mode["referrals"].sum() == len(shipments)
    bills = run_rows(engine, run_id, CourierRoute)
    first_day = min(b.day for b in bills)
    shown = tables(at, "route", "hub", "stops", "km", "hours", "cost")[0]
    mine = sorted((b for b in bills if b.day == first_day), key=lambda b: b.route_id)
    km = [f"{b.km:,.1f} km".replace(",", " ").replace(".", ",") for b in mine]
    assert sorted(shown["km"]) == sorted(km)
    assert sorted(shown["cost"]) == sorted(sek(b.cost_sek) for b in mine)
    hours = [f"{b.hours:,.1f} h".replace(",", " ").replace(".", ",") for b in mine]
    assert sorted(shown["hours"]) == sorted(hours)
    assert sorted(shown["route"]) == sorted(_route_label(b.route_id, b.hub_id, b.day) for b in mine)
    assert sum(b.cost_sek for b in bills) == pytest.approx(kpis["courier_cost_sek"])
    engine.dispose()


def test_spirometers_page_shows_the_stored_plan(app_test, app_db: str, stored_runs: Runs) -> None:
    """The on-time card and KPI table are the stored ones; the first day's routes are drawn in
    order, a dot per stop and one label per place (hub start and end share one)."""
    from planner.storage import open_database, run_rows
    from planner.storage.models import RouteStop

    at = open_page(app_test, "views/spirometers.py")
    run_id, kpis = stored_runs["routing"]
    assert kpi_tables(at)[-1] == pytest.approx(kpis, nan_ok=True)
    metrics = {m.label: m.value for m in at.metric}
    assert metrics[label("on_time_share")] == fmt("on_time_share", kpis["on_time_share"])
    stops = run_rows(open_database(app_db), run_id, RouteStop)
    first_day = min(s.day for s in stops)
    day_stops = [s for s in stops if s.day == first_day]
    shown = tables(at, "route", "seq", "kind", "place")[0]
    assert len(shown) == len(day_stops)
    # Routes are named by hub, vehicle and day ("Nyköping hub, vehicle 1, 3 Nov"), never by a
    # numeric place id.
    labels_by_id = {s.route_id: _route_label(s.route_id, s.hub_id, s.day) for s in day_stops}
    assert not any(s.hub_id in name for s in day_stops for name in shown["route"])
    assert set(shown["route"]) == set(labels_by_id.values())
    _, layers = layers_of(at)
    assert list(layers) == ["borders", "sweden", "routes", "stops", "stop_order"]
    routes = {
        f["properties"]["route_id"]: f["properties"]["name"]
        for f in layers["routes"]["data"]["features"]
    }
    assert routes == labels_by_id  # the map's tooltips name routes as the table does
    dots = {
        (f["properties"]["route_id"], f["properties"]["seq"])
        for f in layers["stops"]["data"]["features"]
    }
    assert dots == {(s.route_id, s.seq) for s in day_stops}
    labels = [
        f["properties"]
        for f in layers["stop_order"]["data"]["features"]
        if f["properties"]["part"] == "text"
    ]
    places = [(d["lon"], d["lat"]) for d in labels]
    assert len(places) == len(set(places))  # one label per place: hub start/end not overdrawn
    hubs = {s.place_id for s in day_stops if s.kind in ("start", "end")}
    assert sum(d["label"].endswith(" hub") for d in labels) == len(hubs)
    numbers = [
        n for d in labels if not d["label"].endswith(" hub") for n in d["label"].split(" · ")
    ]
    assert sorted(map(int, numbers)) == sorted(
        s.seq for s in day_stops if s.kind not in ("start", "end")
    )
    # Close stops' numbers are set apart: no two labels' glyphs overlap.
    from shapely.geometry import shape

    glyphs = [
        shape(f["geometry"])
        for f in layers["stop_order"]["data"]["features"]
        if f["properties"]["part"] == "text"
    ]
    for i, a in enumerate(glyphs):
        assert not any(a.intersects(b) for b in glyphs[i + 1 :])


def test_scenarios_copy_store_and_compare(app_test, writable_db: str, stored_runs: Runs) -> None:
    """A copy made in the form is stored with the edited value; the comparison shows what
    differs, the headline KPIs (formatted, with their change) and a warning for the missing
    plans, and in an expander every stored KPI of tiny against the unsolved copy."""
    from planner.storage import get_scenario, open_database

    at = open_page(app_test, "views/scenarios.py")
    at.text_input(key="form_name").set_value("tiny-three-units")
    at.number_input(key="form_placement_units").set_value(3)
    at.button(key="FormSubmitter:create_scenario-Store scenario").click().run()
    assert not at.exception
    assert [s.value for s in at.success] == ["Stored scenario tiny-three-units version 1."]
    _, scenario = get_scenario(open_database(writable_db), "tiny-three-units")
    assert scenario.placement.units == 3 and scenario.staffing.clinicians == 12

    at.multiselect(key="compare").set_value(["tiny", "tiny-three-units"]).run()
    assert not at.exception
    assert [i.value for i in at.info] == [
        "No stored plan yet for tiny-three-units: solve it above to fill its column."
    ]
    (compare,) = tables(at, "tiny", "tiny-three-units", "Δ tiny-three-units − tiny")
    expected = {
        f"{planner} · {kpi}": value
        for planner, (_, kpis) in stored_runs.items()
        for kpi, value in listed(kpis).items()
    }
    assert sorted(compare.index) == sorted(expected)
    assert compare["tiny"].to_dict() == pytest.approx(expected, nan_ok=True)
    assert compare["tiny-three-units"].isna().all()
    assert compare["Δ tiny-three-units − tiny"].isna().all()
    # What differs, and the headline KPIs with names and units instead of 106 raw rows.
    (differs,) = tables(at, "parameter", "tiny", "tiny-three-units")
    assert differs.to_dict("records") == [
        {"parameter": "placement.units", "tiny": "2", "tiny-three-units": "3"}
    ]
    (headline,) = tables(at, "KPI", "tiny (reference)", "change tiny-three-units")
    served = headline[headline["KPI"] == label("served_share")].iloc[0]
    assert served["tiny (reference)"] == fmt(
        "served_share", stored_runs["placement"][1]["served_share"]
    )
    assert served["tiny-three-units"] == "n/a" and served["change tiny-three-units"] == ""
    assert len(headline) <= 10
    assert [w.value for w in at.warning][:1] == ["placement: no stored plan for tiny-three-units."]


def test_solve_runs_in_background_and_stores_the_plan(
    app_test, writable_db: str, stored_runs: Runs
) -> None:
    """Solve from the page: the script returns at once, the job reports progress, the run is stored."""
    import time

    from dashboard import services
    from planner.storage import latest_run, open_database

    at = open_page(app_test, "views/scenarios.py")
    at.selectbox(key="run_name").set_value("tiny")
    at.multiselect(key="run_planners").set_value(["placement"])
    before = stored_runs["placement"][0]
    started = time.perf_counter()
    at.button(key="solve").click().run()
    assert time.perf_counter() - started < 10  # the page does not wait for the solver
    assert not at.exception
    job_id = at.session_state["job_id"]
    job = services.wait(job_id, timeout=120)
    assert job.error is None and job.done and job.overall == 1.0
    after = latest_run(open_database(writable_db), "tiny", "placement")
    assert after is not None and after.id == job.finished[0]["run_id"]
    assert job.finished[0]["run_id"] > before
    at.run()
    assert [p.proto.value for p in at.get("progress")] == [100]  # percent
    assert [s.value for s in at.success] == ["tiny: every plan stored (placement)."]


def test_empty_database_says_what_to_do(monkeypatch: pytest.MonkeyPatch, tmp_path) -> None:
    """With nothing stored, the app says to run `planner demo` instead of failing."""
    from streamlit.testing.v1 import AppTest

    from tests.dashboard.conftest import APP

    monkeypatch.setenv("PLANNER_DATABASE_URL", f"sqlite:///{tmp_path / 'empty.db'}")
    at = AppTest.from_file(str(APP), default_timeout=60).run()
    assert not at.exception
    assert [i.value for i in at.info] == [
        "No scenario is stored yet — run `planner demo` (or `make run`) to store and solve "
        "the demo scenario."
    ]


def test_scenarios_page_charts_a_sweep(
    app_test, solved_db: str, stored_runs: Runs, tmp_path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A stored sweep (here of one variant: tiny itself, with its two units) gets a trade-off
    chart of its varied key against the headline KPIs, and a table whose values are the
    stored plans' KPIs. The sweep is recorded in a copy: the session's database stays as
    the other tests expect it."""
    import json

    from planner.storage import open_database, record_sweep
    from tests.dashboard.conftest import copy_database

    copy = copy_database(solved_db, tmp_path / "swept.db")
    monkeypatch.setenv("PLANNER_DATABASE_URL", copy)
    engine = open_database(copy)
    record_sweep(engine, "tiny-units", "tiny", [("tiny", 1, {"placement.units": 2})])
    try:
        at = open_page(app_test, "views/scenarios.py")
        (table,) = tables(at, "scenario", "placement.units", label("served_share"))
        assert table.to_dict("records")[0]["scenario"] == "tiny"
        assert table[label("served_share")].iloc[0] == pytest.approx(
            stored_runs["placement"][1]["served_share"]
        )
        (chart,) = at.get("vega_lite_chart")
        spec = json.dumps(json.loads(chart.proto.spec))
        assert "placement.units" in spec and '"scenario"' in spec and "pick0" in spec
    finally:
        engine.dispose()


def test_overview_lists_runs_and_says_when_the_latest_was_interrupted(
    app_test, writable_db: str, stored_runs: Runs
) -> None:
    """A staffing run stopped by Ctrl-C after the stored plans: the overview warns that the
    latest staffing run was interrupted and which run's plan it shows, and the run list has
    it first, with its ending in words; every stored run of tiny is listed."""
    from planner.storage import fail_run, get_scenario, list_runs, open_database, start_run

    engine = open_database(writable_db)
    record, _ = get_scenario(engine, "tiny")
    run = start_run(engine, record, "staffing", seed=1, time_limit_s=5.0)
    fail_run(engine, run.id, "interrupted by Ctrl-C after 2.0 s; no plan stored", "interrupted")
    at = open_page(app_test, "views/overview.py")
    shown = stored_runs["staffing"][0]
    assert [w.value for w in at.warning] == [
        f"The latest staffing run (run {run.id}) interrupted (stopped by Ctrl-C, nothing "
        f"stored); the plan shown is run {shown}. See Runs below."
    ]
    frame = at.dataframe[-1].value  # the page's last table
    assert frame["Run"].tolist() == [r["id"] for r in list_runs(engine, "tiny", limit=20)]
    first = frame.iloc[0]
    assert (first["Run"], first["Plan"], first["Ended"]) == (
        run.id,
        "Staffing",
        "interrupted (stopped by Ctrl-C, nothing stored)",
    )
    assert first["Message"].startswith("interrupted by Ctrl-C")
