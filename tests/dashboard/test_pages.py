"""Every page in AppTest on the tiny scenario solved by the real planners: what the page shows."""

from __future__ import annotations

import json
import math
import re

import pandas as pd
import pytest

from dashboard.views._common import fmt, label

PAGES = [
    "views/overview.py",
    "views/mobile_clinics.py",
    "views/staffing.py",
    "views/spirometers.py",
    "views/scenarios.py",
]


def stored(url: str) -> dict:
    """planner -> (run id, KPIs) of the latest finished runs on tiny, read straight from the store."""
    from planner.registry import PLANNER_NAMES
    from planner.storage import latest_run, open_database, run_kpis

    engine = open_database(url)
    out = {}
    for planner in PLANNER_NAMES:
        run = latest_run(engine, "tiny", planner)
        if run is not None:
            out[planner] = (run.id, run_kpis(engine, run.id))
    engine.dispose()
    return out


def open_page(at, page: str):  # type: ignore[no-untyped-def]
    at.run()
    if page != "views/overview.py":
        at.switch_page(page).run()
    assert not at.exception, [e.value for e in at.exception]
    return at


def ground_m(lon1: float, lat1: float, lon2: float, lat2: float) -> float:
    """Great-circle distance in metres (haversine on deck.gl's earth radius)."""
    p1, p2 = math.radians(lat1), math.radians(lat2)
    a = (
        math.sin((p2 - p1) / 2) ** 2
        + math.cos(p1) * math.cos(p2) * math.sin(math.radians(lon2 - lon1) / 2) ** 2
    )
    return 2 * 6_378_137.0 * math.asin(math.sqrt(a))


def tables(at, *columns: str) -> list[pd.DataFrame]:  # type: ignore[no-untyped-def]
    """The page's tables that have all ``columns`` (st.dataframe keys are not visible in AppTest)."""
    return [df.value for df in at.dataframe if set(columns) <= set(map(str, df.value.columns))]


def kpi_tables(at) -> dict[str, dict[str, float | None]]:  # type: ignore[no-untyped-def]
    """KPI tables by planner, in page order (the overview shows placement, staffing, routing)."""
    return [
        dict(zip(t["kpi"], t["value"], strict=True)) for t in tables(at, "kpi", "value", "shown")
    ]


@pytest.mark.parametrize("page", PAGES)
def test_every_page_renders_without_exception(app_test, page: str) -> None:
    """Each page runs on the stored tiny plans without an exception and shows its title."""
    at = open_page(app_test, page)
    assert at.title[0].value.lower().replace(" ", "_") in page
    assert [s.value for s in at.sidebar.selectbox] == ["tiny"]


def test_overview_cards_and_tables_equal_stored_kpis(app_test, app_db: str) -> None:
    """The overview's KPI tables hold exactly the stored KPIs; the cards show them formatted."""
    at = open_page(app_test, "views/overview.py")
    runs = stored(app_db)
    assert "placement" in runs
    shown = kpi_tables(at)
    assert len(shown) == len(runs)
    for (_, kpis), table in zip(runs.values(), shown, strict=True):
        # Per-kommun shares (one per kommun) are drawn on the map, not listed.
        listed = {k: v for k, v in kpis.items() if not k.startswith("kommun_share_")}
        assert table == pytest.approx(listed, nan_ok=True)
    metrics = {m.label: m.value for m in at.metric}
    place = runs["placement"][1]
    assert metrics[label("served_share")] == fmt("served_share", place["served_share"])
    if "staffing" in runs:
        staff = runs["staffing"][1]
        assert metrics[label("continuity_rate")] == fmt("continuity_rate", staff["continuity_rate"])
        if staff["continuity_rate"] < 0.96:
            assert any("under the 96% target" in e.value for e in at.error)
    for planner in {"placement", "staffing", "routing"} - set(runs):
        assert any(f"planner solve {planner} --scenario tiny" in i.value for i in at.info)


def test_mobile_clinics_map_and_schedule_match_stored_rows(app_test, app_db: str) -> None:
    """The map draws Sweden's counties and the week's sites; the schedule is the stored plan."""
    from planner.storage import open_database, run_rows
    from planner.storage.models import Placement

    at = open_page(app_test, "views/mobile_clinics.py")
    run_id = stored(app_db)["placement"][0]
    rows = run_rows(open_database(app_db), run_id, Placement)
    decks = at.get("deck_gl_json_chart")
    assert len(decks) == 1
    spec = json.loads(decks[0].proto.json)
    layers = {layer["id"]: layer for layer in spec["layers"]}
    assert list(layers)[:2] == ["borders", "counties"] and {"sites", "reach", "unit_labels"} <= set(
        layers
    )
    assert len(layers["borders"]["data"]["features"]) == 21  # every county drawn, no tile server
    assert spec.get("mapStyle") in (None, "__MAP_STYLE__") and "mapProvider" not in spec
    schedule = at.dataframe[1].value
    expected = {(f"Unit {r.unit}", r.week): r.site_name for r in rows}
    assert {(u, w): schedule.loc[u, w] for u, w in expected} == expected
    weeks = sorted({r.week for r in rows})
    at.select_slider(key="week").set_value(weeks[-1]).run()
    week_table = tables(at, "site", "residents in reach")[0]
    assert sorted(week_table["site"]) == sorted(r.site_name for r in rows if r.week == weeks[-1])
    spec = json.loads(at.get("deck_gl_json_chart")[0].proto.json)
    sites = {
        (round(f["properties"]["lon"], 4), round(f["properties"]["lat"], 4))
        for f in next(layer for layer in spec["layers"] if layer["id"] == "sites")["data"][
            "features"
        ]
    }
    assert sites == {(round(r.lon, 4), round(r.lat, 4)) for r in rows if r.week == weeks[-1]}


def test_mobile_clinics_map_is_a_readable_choropleth(app_test, app_db: str) -> None:
    """Regression test for the "orange box": the county tiles carry the stored served share as
    their own fill colour (red low, green high), reach is a thin outline in metres, dots are
    sized in pixels, and the first view frames the scenario's counties."""
    from dashboard import maps
    from planner.scenario import builtin_scenario_path, load_scenario

    at = open_page(app_test, "views/mobile_clinics.py")
    kpis = stored(app_db)["placement"][1]
    shares = {k[-2:]: v for k, v in kpis.items() if re.match(r"^county_share_\d\d$", k)}
    focus = load_scenario(builtin_scenario_path("tiny")).placement.counties
    assert shares and set(shares) == set(focus)
    spec = json.loads(at.get("deck_gl_json_chart")[0].proto.json)
    layers = {layer["id"]: layer for layer in spec["layers"]}

    # Fill colours: per feature, read with the "properties.fill" accessor, derived from the store.
    # Kommuner carry their own served share (a choropleth per kommun); counties theirs.
    kommun_shares = {k[-4:]: v for k, v in kpis.items() if re.match(r"^kommun_share_\d{4}$", k)}
    assert kommun_shares and {k[:2] for k in kommun_shares} <= set(focus)
    assert layers["counties"]["getFillColor"] == "@@=properties.fill"
    kommun_tiles = [
        f
        for f in layers["kommuner"]["data"]["features"]
        if f["properties"]["kommun_code"] in kommun_shares
    ]
    assert kommun_tiles, "the scenario's kommuner are drawn"
    for feature in kommun_tiles:
        fill = feature["properties"]["fill"]
        assert fill == maps.share_colour(kommun_shares[feature["properties"]["kommun_code"]])
        assert fill[3] == 255 and len(set(fill[:3])) > 1, fill  # opaque and not grey
    county_tiles = [
        f
        for f in layers["counties"]["data"]["features"]
        if f["properties"]["county_code"] in shares
    ]
    for feature in county_tiles:
        assert feature["properties"]["fill"] == maps.share_colour(
            shares[feature["properties"]["county_code"]]
        )
    assert maps.share_colour(0.0)[0] > maps.share_colour(0.0)[1]  # red when nobody is served
    assert maps.share_colour(1.0)[1] > maps.share_colour(1.0)[0]  # green when everyone is

    # One deck.gl layer type, built alike (per-feature colours, fill only, pickable): a second
    # type or pipeline state costs ~0.4 s per page load in software WebGL (module docstring).
    for layer in spec["layers"]:
        assert layer["@@type"] == "GeoJsonLayer" and layer["stroked"] is False, layer["id"]
        assert layer["getFillColor"] == "@@=properties.fill" and layer["pickable"] is True, layer[
            "id"
        ]
        kinds = {f["geometry"]["type"] for f in layer["data"]["features"]}
        assert kinds <= {"Polygon", "MultiPolygon"}, (layer["id"], kinds)  # no point/line sublayers
        for feature in layer["data"]["features"]:
            fill = feature["properties"]["fill"]
            assert len(fill) == 4 and all(isinstance(c, int) for c in fill), (layer["id"], fill)

    # Reach: a thin ring per site at the scenario's radius (ground metres) around the site;
    # sites: dots of a few pixels in the first view (the "orange box" drew world-sized discs).
    scenario = load_scenario(builtin_scenario_path("tiny"))
    radius_m = scenario.placement.radius_minutes * 1000.0
    frame = maps.PixelFrame(spec["initialViewState"])
    sites = {
        f["properties"]["name"]: f
        for f in layers["sites"]["data"]["features"]
        if f["properties"]["fill"] != maps.RIM_COLOUR
    }
    assert len(layers["reach"]["data"]["features"]) == len(sites) > 0
    for ring in layers["reach"]["data"]["features"]:
        site = sites[ring["properties"]["name"]]["properties"]
        distances = [
            ground_m(site["lon"], site["lat"], lon, lat)
            for part in ring["geometry"]["coordinates"]
            for lon, lat in part
        ]
        assert 0.97 * radius_m <= min(distances) <= max(distances) <= 1.03 * radius_m
        assert ring["properties"]["fill"][3] < 255  # translucent
    for dot in sites.values():
        x, y = frame.to_px(dot["properties"]["lon"], dot["properties"]["lat"])
        radius_px = max(
            math.dist((x, y), frame.to_px(lon, lat))
            for lon, lat in dot["geometry"]["coordinates"][0]
        )
        assert 3 <= radius_px <= 10
    for layer in spec["layers"]:
        for key, value in layer.items():
            if key.endswith(("Units", "Anchor", "Baseline", "characterSet")):
                assert not str(value).startswith("@@="), (layer["id"], key, value)
    labels = {
        f["properties"]["label"]
        for f in layers["unit_labels"]["data"]["features"]
        if f["properties"]["part"] == "text"
    }
    assert any("Unit 1" in text for text in labels)

    # The first view frames the two counties: all of them visible, and not zoomed out further.
    from planner import geo

    frame = geo.load_counties()
    x0, y0, x1, y1 = frame[frame["county_code"].isin(focus)].total_bounds
    width_share, height_share = maps.fits(spec["initialViewState"], [x0, x1], [y0, y1])
    assert max(width_share, height_share) <= 1.0
    assert max(width_share, height_share) >= 0.8


def test_national_view_fits_sweden() -> None:
    """With every county in the plan, the map opens on all of Sweden, filling the map's height."""
    from dashboard import maps

    view = maps.sweden_view()
    x0, y0, x1, y1 = maps.SWEDEN_BOUNDS
    w, h = maps.fits(
        {"zoom": view.zoom, "longitude": view.longitude, "latitude": view.latitude},
        [x0, x1],
        [y0, y1],
    )
    assert max(w, h) <= 1.0 and max(w, h) >= 0.8
    assert 3.3 <= view.zoom <= 4.3  # deck.gl zoom (512 px world) for ~14° of latitude in 620 px


def test_staffing_roster_filters_and_downloads(app_test, app_db: str) -> None:
    """The roster table holds the stored shifts; filters narrow it; CSV/XLSX/ICS buttons exist."""
    runs = stored(app_db)
    if "staffing" not in runs:
        at = open_page(app_test, "views/staffing.py")
        assert any("planner solve staffing --scenario tiny" in i.value for i in at.info)
        return
    from planner.storage import open_database, run_rows
    from planner.storage.models import Shift

    shifts = run_rows(open_database(app_db), runs["staffing"][0], Shift)
    at = open_page(app_test, "views/staffing.py")
    metrics = {m.label: m.value for m in at.metric}
    kpis = runs["staffing"][1]
    for name in ("continuity_rate", "availability_bound", "baseline_rate", "cover"):
        if name in kpis:
            assert metrics[label(name)] == fmt(name, kpis[name])
    assert len(tables(at, "clinician_id", "block", "start")[0]) == len(shifts)
    assert {b.label.split(" ")[0] for b in at.get("download_button")} >= {"Roster", "iCalendar"}
    charts = list(at.get("arrow_vega_lite_chart")) or at.get("vega_lite_chart")
    assert len(charts) >= 2  # continuity against the line, roster heatmap
    doctor_shifts = sum(1 for s in shifts if s.profession == "doctor")
    at.multiselect(key="professions").set_value(["doctor"]).run()
    assert len(tables(at, "clinician_id", "block", "start")[0]) == doctor_shifts


def test_staffing_exports_are_real_files(app_db: str) -> None:
    """The services' roster exports give a CSV with every shift, an XLSX and an iCalendar."""
    runs = stored(app_db)
    if "staffing" not in runs:
        pytest.skip("no staffing planner in this build")
    from dashboard import services
    from planner.storage import open_database, run_rows
    from planner.storage.models import Shift

    shifts = run_rows(open_database(app_db), runs["staffing"][0], Shift)
    frame = pd.DataFrame([s.model_dump() for s in shifts]).drop(columns="run_id")
    csv = services.roster_csv(frame).decode()
    assert len(csv.strip().splitlines()) == len(shifts) + 1
    assert services.roster_xlsx(frame)[:2] == b"PK"
    ics = services.roster_ics(frame, shifts[0].clinician_id, runs["staffing"][0])
    assert b"BEGIN:VCALENDAR" in ics and shifts[0].clinician_id.encode() in ics


def test_spirometers_page_shows_plan_or_how_to_make_one(app_test, app_db: str) -> None:
    """With a routing plan: its on-time share card; without: the command that makes one."""
    at = open_page(app_test, "views/spirometers.py")
    runs = stored(app_db)
    if "routing" not in runs:
        assert any("planner solve routing --scenario tiny" in i.value for i in at.info)
        return
    kpis = runs["routing"][1]
    assert kpi_tables(at)[-1] == pytest.approx(kpis, nan_ok=True)
    if "on_time_share" in kpis:
        metrics = {m.label: m.value for m in at.metric}
        assert metrics[label("on_time_share")] == fmt("on_time_share", kpis["on_time_share"])
    from planner.storage import open_database, run_rows
    from planner.storage.models import RouteStop

    stops = run_rows(open_database(app_db), runs["routing"][0], RouteStop)
    if stops:
        first_day = min(s.day for s in stops)
        shown = tables(at, "route_id", "seq", "kind", "place")[0]
        assert len(shown) == sum(1 for s in stops if s.day == first_day)
        spec = json.loads(at.get("deck_gl_json_chart")[0].proto.json)
        layers = {layer["id"]: layer for layer in spec["layers"]}
        labels = [
            f["properties"]
            for f in layers["stop_order"]["data"]["features"]
            if f["properties"]["part"] == "text"
        ]
        places = [(d["lon"], d["lat"]) for d in labels]
        assert len(places) == len(set(places))  # one label per place: hub start/end not overdrawn
        assert any(d["label"].endswith("hub") for d in labels)
        # The day's routes in order: one band per route through its stops, a dot per stop.
        day_stops = sorted(
            (s for s in stops if s.day == first_day), key=lambda s: (s.route_id, s.seq)
        )
        routes = {f["properties"]["route_id"] for f in layers["routes"]["data"]["features"]}
        assert routes == {s.route_id for s in day_stops}
        dots = {
            (f["properties"]["route_id"], f["properties"]["seq"])
            for f in layers["stops"]["data"]["features"]
        }
        assert dots <= {(s.route_id, s.seq) for s in day_stops} and dots
        assert {layer["@@type"] for layer in spec["layers"]} == {"GeoJsonLayer"}


def test_scenarios_copy_store_and_compare(app_test, app_db: str) -> None:
    """A copy made in the form is stored with the edited value; the comparison shows differences."""
    from planner.storage import get_scenario, open_database

    at = open_page(app_test, "views/scenarios.py")
    at.text_input(key="form_name").set_value("tiny-three-units")
    at.number_input(key="form_placement_units").set_value(3)
    at.button(key="FormSubmitter:create_scenario-Store scenario").click().run()
    assert not at.exception
    assert any("Stored scenario tiny-three-units version 1" in s.value for s in at.success)
    _, scenario = get_scenario(open_database(app_db), "tiny-three-units")
    assert scenario.placement.units == 3 and scenario.staffing.clinicians == 12

    at.multiselect(key="compare").set_value(["tiny", "tiny-three-units"]).run()
    assert not at.exception
    compare = tables(at, "tiny", "tiny-three-units", "Δ tiny-three-units − tiny")
    assert any("None of these scenarios" in i.value for i in at.info) or compare


def test_solve_runs_in_background_and_stores_the_plan(app_test, app_db: str) -> None:
    """Solve from the page: the script returns at once, the job reports progress, the run is stored."""
    import time

    from dashboard import services
    from planner.storage import latest_run, open_database

    at = open_page(app_test, "views/scenarios.py")
    at.selectbox(key="run_name").set_value("tiny")
    at.multiselect(key="run_planners").set_value(["placement"])
    before = latest_run(open_database(app_db), "tiny", "placement").id
    started = time.perf_counter()
    at.button(key="solve").click().run()
    assert time.perf_counter() - started < 10  # the page does not wait for the solver
    assert not at.exception
    job_id = at.session_state["job_id"]
    job = services.wait(job_id, timeout=120)
    assert job.error is None and job.done and job.overall == 1.0
    after = latest_run(open_database(app_db), "tiny", "placement")
    assert after.id > before and job.finished[0]["run_id"] == after.id
    at.run()
    assert any(p.value == 1.0 for p in at.get("progress")) or at.success


def test_empty_database_says_what_to_do(monkeypatch: pytest.MonkeyPatch, tmp_path) -> None:  # type: ignore[no-untyped-def]
    """With nothing stored, the app says to run `planner demo` instead of failing."""
    from streamlit.testing.v1 import AppTest

    from tests.dashboard.conftest import APP

    monkeypatch.setenv("PLANNER_DATABASE_URL", f"sqlite:///{tmp_path / 'empty.db'}")
    at = AppTest.from_file(str(APP), default_timeout=60).run()
    assert not at.exception
    assert any("planner demo" in i.value for i in at.info)


def test_dashboard_imports_no_solver() -> None:
    """The dashboard holds no optimisation: no ortools anywhere under dashboard/."""
    from pathlib import Path

    root = Path(__file__).resolve().parents[2] / "dashboard"
    for path in root.rglob("*.py"):
        assert not re.search(r"^\s*(import|from)\s+ortools", path.read_text(), re.M), path
