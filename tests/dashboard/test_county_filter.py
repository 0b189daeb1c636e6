"""Issue 16 item 1: with a user limited to county 04, no page shows anything of another county.

The tiny scenario is made for it: its courier routes start at Nyköping (04) and stop in 01, 03
and 05; its referrals, placements and availability requests lie in many counties. Every page
is opened as the 04 user and every table, map layer, text, metric and download payload is
searched for the places, referral ids, kommuner, counties and county KPIs of other counties.
The base map (land, borders, county tiles without a value) is public geography and is drawn
for all of Sweden; its tiles of other counties must carry no value.
"""

from __future__ import annotations

import io
import re
import zipfile
from dataclasses import dataclass
from typing import Any

import pandas as pd
import pytest
from streamlit.testing.v1 import AppTest

from tests.dashboard.conftest import APP
from tests.dashboard.page_reading import Downloads, open_page
from tests.dashboard.test_access import AUTH

MINE = "04"
USER = {"is_logged_in": True, "email": "sormland@example.se", "email_verified": True}
#: Stockholm (01): tiny's clinicians live there (none in 04), so its roster downloads show, and
#: its courier stops are served from Nyköping's hub (04), so none of them may show.
STOCKHOLM = {"is_logged_in": True, "email": "stockholm@example.se", "email_verified": True}
ROLES = {"sormland@example.se": [MINE], "stockholm@example.se": ["01"], "ops@example.se": ["*"]}
#: The signed-in user of each county the page test runs for.
USERS = {MINE: USER, "01": STOCKHOLM}
PAGES = [
    "views/overview.py",
    "views/mobile_clinics.py",
    "views/staffing.py",
    "views/spirometers.py",
    "views/scenarios.py",
]
#: Every result table a page reads (dashboard.services.store.RESULT_TABLES).
TABLES = [
    "placement",
    "shift",
    "follow_up",
    "route_stop",
    "shipment",
    "courier_route",
    "availability_request",
]
#: Map layers of public geography (plain land and borders).
BASE_LAYERS = {"sweden", "borders"}


def as_user(at: AppTest, user: dict[str, Any] = USER) -> AppTest:
    """``at`` with sign-in on, the 04 user signed in."""
    at.secrets["auth"] = AUTH
    at.secrets["roles"] = ROLES
    at.user = user
    return at


@dataclass(frozen=True)
class Foreign:
    """What belongs to other counties than 04 in the stored runs: words that must not appear
    in any text (names, referral ids, KPI names) and place ids that must not be a table cell."""

    words: frozenset[str]
    place_ids: frozenset[str]
    county_name: str
    county: str

    def found_in(self, text: str) -> list[str]:
        """The foreign words in ``text`` (whole words: "Ale" is not found in "Sales")."""
        return [w for w in self.words if re.search(rf"(?<![\w-]){re.escape(w)}(?![\w-])", text)]


_FOREIGN: dict[tuple[str, str], Foreign] = {}


def foreign_to(solved_db: str, mine: str) -> Foreign:
    """What is foreign to a user of county ``mine`` (once per database and county)."""
    if (solved_db, mine) not in _FOREIGN:
        _FOREIGN[solved_db, mine] = _foreign(solved_db, mine)
    return _FOREIGN[solved_db, mine]


def _foreign(solved_db: str, mine: str) -> Foreign:
    """The places, referrals, kommuner, counties and KPI names of counties other than ``mine``
    in the solved tiny runs (names that places of mine share are left out: not foreign). The
    hub's place is foreign to a county user who is not the hub's: their routes are hidden."""
    from planner import geo
    from planner.storage import latest_run, open_database, run_kpis, run_rows
    from planner.storage.models import Placement, RouteStop, Shipment

    places = pd.DataFrame(geo.load_localities().drop(columns="geometry"))
    places["locality_id"] = places["locality_id"].astype(str)
    county = dict(zip(places["locality_id"], places["county_code"], strict=True))
    name = dict(zip(places["locality_id"], places["name"], strict=True))
    kommun_names = dict(
        zip(*[geo.load_municipalities()[c] for c in ("kommun_code", "kommun_name")], strict=True)
    )
    county_names = dict(
        zip(*[geo.load_counties()[c] for c in ("county_code", "county_name")], strict=True)
    )
    engine = open_database(solved_db)
    words: set[str] = set()
    ours: set[str] = set()
    ids: set[str] = set()
    for planner in ("placement", "routing"):
        run = latest_run(engine, "tiny", planner)
        assert run is not None and run.id is not None
        for kpi in run_kpis(engine, run.id):
            match = re.match(r"^(?:county|kommun)_share_(\d{2})", kpi)
            if (match and match.group(1) != mine) or kpi == "min_county_share":
                words.add(kpi)
        for stop in run_rows(engine, run.id, RouteStop):
            if county[stop.hub_id] != mine:
                words.add(stop.referral_id or name[stop.place_id])
                ids.add(stop.place_id)
            target = ours if county[stop.place_id] == mine else words
            target.add(name[stop.place_id])
            if county[stop.place_id] != mine:
                ids.add(stop.place_id)
                words.add(stop.referral_id or name[stop.place_id])
        for ship in run_rows(engine, run.id, Shipment):
            target = ours if county[ship.locality_id] == mine else words
            target |= {name[ship.locality_id], ship.referral_id}
            if county[ship.locality_id] != mine:
                ids.add(ship.locality_id)
        for site in run_rows(engine, run.id, Placement):
            target = ours if site.county_code == mine else words
            target |= {site.site_name, kommun_names[site.kommun_code], site.kommun_code}
    engine.dispose()
    words |= {n for c, n in county_names.items() if c != mine}
    words.discard("")
    found = Foreign(frozenset(words - ours), frozenset(ids), county_names[mine], mine)
    assert any(w.startswith("R-") for w in found.words)
    assert found.place_ids, "tiny's routes stop outside the user's county"
    return found


@pytest.fixture
def two_scenarios(solved_db: str, tmp_path, monkeypatch: pytest.MonkeyPatch) -> str:
    """A copy of the solved database with a second scenario (tiny renamed, unsolved), so the
    Scenarios page compares two and offers the comparison download."""
    from planner.storage import get_scenario, open_database, save_scenario
    from tests.dashboard.conftest import copy_database

    url = copy_database(solved_db, tmp_path / "planner.db")
    engine = open_database(url)
    _, tiny = get_scenario(engine, "tiny")
    renamed = tiny.model_copy(
        update={"scenario": tiny.scenario.model_copy(update={"name": "tiny-b"})}
    )
    assert save_scenario(engine, renamed, source="test").name == "tiny-b"
    engine.dispose()
    monkeypatch.setenv("PLANNER_DATABASE_URL", url)
    return url


def _nodes(node: Any) -> list[Any]:
    """Every element under ``node`` of an AppTest tree."""
    children = getattr(node, "children", None)
    if not children:
        return [node]
    return [node] + [n for child in children.values() for n in _nodes(child)]


def _field_descriptions() -> set[str]:
    """The scenario model's field descriptions: the Scenarios form's help, documentation that
    names the demo's places ("Nyköping primary-care centre"), not data."""
    from planner.scenario import Scenario

    out = set()
    for section in Scenario.model_fields.values():
        model = section.annotation
        for info in getattr(model, "model_fields", {}).values():
            if info.description:
                out.add(info.description)
    return out


def page_texts(at: AppTest) -> list[str]:
    """Every text the page shows outside tables and maps: titles, captions, alerts, metrics,
    widget labels, values, options and help (but the scenario fields' documentation)."""
    documentation = _field_descriptions()
    out: list[str] = []
    for node in _nodes(at._tree):
        if node.type in ("arrow_data_frame", "deck_gl_json_chart"):
            continue
        for attr in ("label", "value", "options", "help", "body"):
            try:
                value = getattr(node, attr)
            except Exception:
                continue
            values = value if isinstance(value, (list, tuple)) else [value]
            out += [
                str(v)
                for v in values
                if isinstance(v, (str, int, float)) and v not in documentation
            ]
    return out


def table_cells(frame: pd.DataFrame) -> list[str]:
    """A table's cells, index values and column names as text."""
    cells = [str(v) for v in frame.to_numpy().ravel()]
    return cells + [str(v) for v in frame.index] + [str(c) for c in frame.columns]


def download_text(content: bytes) -> str:
    """A download's payload as text: an XLSX's sheets and strings, else the decoded bytes."""
    if content[:2] == b"PK":
        with zipfile.ZipFile(io.BytesIO(content)) as book:
            return "\n".join(
                book.read(n).decode("utf-8") for n in book.namelist() if n.endswith(".xml")
            )
    return content.decode("utf-8-sig")


def map_problems(at: AppTest, foreign: Foreign) -> list[str]:
    """Foreign data in the page's maps: any foreign word in a data layer, any value on a
    polygon of another county."""
    import json

    problems = []
    for chart in at.get("deck_gl_json_chart"):
        for layer in json.loads(chart.proto.json)["layers"]:
            if layer["id"] in BASE_LAYERS:
                continue
            data = layer.get("data")
            features = data.get("features") if isinstance(data, dict) else None
            if features is None:
                found = foreign.found_in(json.dumps(data, ensure_ascii=False))
                problems += [f"layer {layer['id']}: {w}" for w in found]
                continue
            for f in features:
                props = f["properties"]
                if props.get("county_code") not in (foreign.county, None) and props.get(
                    "detail"
                ) not in (
                    "",
                    "not planned (outside the plan's counties)",
                ):
                    problems.append(f"layer {layer['id']}: {props['name']} {props['detail']}")
    return problems


#: Table columns that hold a county (code or name).
COUNTY_COLUMNS = {"county", "county_code", "home_county", "home county", "code"}


@pytest.mark.parametrize("county", [MINE, "01"])
@pytest.mark.parametrize("page", PAGES)
def test_county_user_sees_nothing_of_other_counties(
    page: str, county: str, solved_db: str, two_scenarios: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Tables, maps, texts, metrics and downloads of every page hold no place, referral,
    kommun, county or county KPI of another county for a user limited to 04 (and to 01)."""
    foreign = foreign_to(solved_db, county)
    downloads = Downloads(monkeypatch)
    at = open_page(as_user(AppTest.from_file(str(APP), default_timeout=60), USERS[county]), page)
    assert at.title and not [w for w in at.warning if "no counties" in w.value]
    if page == "views/scenarios.py" or (page == "views/staffing.py" and county == "01"):
        assert at.get("download_button"), "the 01 user's roster and the comparison download"
    problems: list[str] = []
    for frame in (df.value for df in at.dataframe):
        cells = table_cells(frame)
        problems += [f"table cell {c}" for c in cells if c in foreign.place_ids]
        for column in COUNTY_COLUMNS & set(map(str, frame.columns)):
            problems += [
                f"table {column}: {c}"
                for c in frame[column].astype(str)
                if c not in (foreign.county, foreign.county_name, "")
            ]
        problems += [f"table: {w}" for w in foreign.found_in("\n".join(cells))]
    problems += map_problems(at, foreign)
    problems += [f"text: {w}" for w in foreign.found_in("\n".join(page_texts(at)))]
    for button in at.get("download_button"):
        text = download_text(downloads.read(at, button.key))
        problems += [f"download {button.label}: {w}" for w in foreign.found_in(text)]
    assert not problems, sorted(set(problems))


def test_county_user_still_sees_their_own_county(two_scenarios: str) -> None:
    """The filter keeps 04: the Spirometers page lists Nyköping's courier stops and draws them."""
    at = open_page(as_user(AppTest.from_file(str(APP), default_timeout=60)), PAGES[3])
    stops = next(df.value for df in at.dataframe if "referral_id" in df.value.columns)
    assert not stops.empty and "Nyköping" in set(stops["place"])
    assert at.get("deck_gl_json_chart")


def _read_rows(run_ids: dict[str, int], tables: list[str]) -> None:
    """App script: every table of the given runs through the public read, into session state."""
    import streamlit as st

    from dashboard import services

    for table in tables:
        planner = "placement" if table == "placement" else "routing"
        if table in ("shift", "follow_up"):
            planner = "staffing"
        if table == "availability_request":
            planner = "continuity"
        st.session_state[table] = services.rows(run_ids[planner], table)


def _counties_of(table: str, frame: pd.DataFrame, homes: dict[str, str]) -> set[str]:
    """The counties of a table's rows, found independently of the dashboard's own lookup."""
    from planner import geo

    places = geo.load_localities()
    county = dict(zip(places["locality_id"].astype(str), places["county_code"], strict=True))
    if table == "placement":
        return set(frame["county_code"])
    if table in ("shift", "availability_request"):
        return {homes[c] for c in frame["clinician_id"]}
    if table == "follow_up":
        return {homes[c] for c in frame["index_clinician_id"]}
    if table == "route_stop":
        return {county[p] for p in frame["place_id"]} | {county[h] for h in frame["hub_id"]}
    if table == "shipment":
        return {county[p] for p in frame["locality_id"]}
    return {county[h] for h in frame["hub_id"]}


@pytest.mark.parametrize("table", TABLES)
def test_every_table_is_read_through_the_users_counties(
    table: str, stored_runs: dict[str, tuple[int, dict[str, Any]]]
) -> None:
    """``services.rows`` gives a 04 user only rows of 04 (route stops: stop and hub in 04),
    and the operations manager every row. Route stops in 01, 03 and 05 were shown to the 04
    user before issue 16."""
    from planner.demo_data import clinician_pool
    from planner.scenario import builtin_scenario_path, load_scenario
    from planner.weeks import week_monday

    tiny = load_scenario(builtin_scenario_path("tiny"))
    s = tiny.staffing
    pool = clinician_pool(
        s.clinicians, week_monday(tiny.scenario.start_week), s.horizon_days, tiny.scenario.seed
    )
    homes = {c.clinician_id: c.home_county for c in pool}
    run_ids = {planner: run_id for planner, (run_id, _) in stored_runs.items()}
    everything = as_user(
        AppTest.from_function(_read_rows, args=(run_ids, [table]), default_timeout=60),
        {"is_logged_in": True, "email": "ops@example.se", "email_verified": True},
    ).run()
    assert not everything.exception
    every_row = everything.session_state[table]
    at = as_user(AppTest.from_function(_read_rows, args=(run_ids, [table]), default_timeout=60))
    at.run()
    assert not at.exception, [e.value for e in at.exception]
    mine = at.session_state[table]
    assert list(mine.columns) == list(every_row.columns)
    assert _counties_of(table, mine, homes) <= {MINE}
    expected = every_row[
        [_counties_of(table, every_row.iloc[[i]], homes) == {MINE} for i in range(len(every_row))]
    ]
    assert len(mine) == len(expected)
    if table in ("route_stop", "shipment", "placement"):
        assert len(mine) < len(every_row), "tiny has rows of other counties in this table"
