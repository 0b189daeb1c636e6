"""The Staffing page's "Reaching the continuity target" section on tiny's stored continuity run:
the request table and its downloads hold the stored AvailabilityRequest rows (Stockholm times,
county names), a county-limited user sees only their counties' requests and roster rows, and
without a continuity run the page says how to make one.

Expected values come from the store, not from the solver: the tests hold whatever requests the
planner made (tiny's run makes some: its staffing roster is under the 96 % target).
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import sqlite3
from typing import Any
from zoneinfo import ZoneInfo

import pytest

from dashboard.views._common import fmt
from dashboard.views._requests import REQUEST_COLUMNS
from tests.dashboard.page_reading import Downloads, Runs, open_page, tables
from tests.dashboard.test_access import AUTH

STOCKHOLM = ZoneInfo("Europe/Stockholm")
DOWNLOADS = ("dl_requests_csv", "dl_requests_excel", "dl_requests_xlsx")


def stored_requests(app_db: str, stored_runs: Runs) -> list[Any]:
    """The continuity run's AvailabilityRequest rows, straight from the store."""
    from planner.storage import open_database, run_rows
    from planner.storage.models import AvailabilityRequest

    engine = open_database(app_db)
    rows = run_rows(engine, stored_runs["continuity"][0], AvailabilityRequest)
    engine.dispose()
    return rows


def county_name_of() -> dict[str, str]:
    """County code -> name, from the built geography."""
    from planner import geo

    counties = geo.load_counties()
    return dict(zip(counties["county_code"], counties["county_name"], strict=True))


def local_block(start: dt.datetime, end: dt.datetime) -> str:
    """A stored (UTC) block as Stockholm wall-clock times, e.g. ``07:00-12:00``."""
    return f"{start.astimezone(STOCKHOLM):%H:%M}-{end.astimezone(STOCKHOLM):%H:%M}"


def expected_rows(requests: list[Any]) -> list[tuple[Any, ...]]:
    """The stored requests as the page's table should list them, sorted."""
    names = county_name_of()
    return sorted(
        (
            r.clinician_id,
            r.profession,
            names[r.county_code],
            r.day,
            r.day.strftime("%A"),
            local_block(r.start, r.end),
            r.visits_kept,
            ", ".join(r.visit_ids.split(",")) if r.visit_ids else "",
            r.cost,
        )
        for r in requests
    )


def shown_rows(at) -> list[tuple[Any, ...]]:
    """The page's request table as sorted tuples in :data:`REQUEST_COLUMNS` order."""
    (table,) = tables(at, *REQUEST_COLUMNS)
    return sorted(tuple(row) for row in table[REQUEST_COLUMNS].itertuples(index=False))


def keys_in_downloads(downloads: Downloads, at) -> list[set[tuple[str, str, str]]]:
    """(clinician, day, block name) of every request in the CSV, Excel CSV and XLSX downloads;
    checks each file's dialect on the way."""
    from openpyxl import load_workbook

    out = []
    raw = downloads.read(at, "dl_requests_csv")
    assert not raw.startswith(b"\xef\xbb\xbf")
    rows = list(csv.DictReader(io.StringIO(raw.decode("utf-8"))))
    out.append({(r["clinician_id"], r["day"], r["block"]) for r in rows})
    assert len(rows) == len(out[-1])
    raw = downloads.read(at, "dl_requests_excel")
    assert raw.startswith(b"\xef\xbb\xbf")  # the byte-order mark Excel needs for UTF-8
    rows = list(csv.DictReader(io.StringIO(raw.decode("utf-8-sig")), delimiter=";"))
    out.append({(r["clinician_id"], r["day"], r["block"]) for r in rows})
    assert len(rows) == len(out[-1])
    sheet = load_workbook(io.BytesIO(downloads.read(at, "dl_requests_xlsx"))).active
    assert sheet is not None
    header = [c.value for c in sheet[1]]
    values = [dict(zip(header, row, strict=True)) for row in sheet.iter_rows(2, values_only=True)]
    out.append({(v["clinician_id"], v["day"].date().isoformat(), v["block"]) for v in values})
    assert len(values) == len(out[-1])
    return out


def test_section_lists_the_stored_requests(
    app_test, app_db: str, stored_runs: Runs, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The request table is the stored rows: county names, the weekday, the block in Stockholm
    time (07:00-12:00 for block 07-12, not the stored UTC); the three downloads hold the same
    requests, as comma CSV, Excel CSV (semicolon, BOM) and XLSX."""
    requests = stored_requests(app_db, stored_runs)
    assert requests, "tiny's continuity run makes requests"
    downloads = Downloads(monkeypatch)
    at = open_page(app_test, "views/staffing.py")
    assert "Reaching the continuity target" in [s.value for s in at.subheader]
    assert shown_rows(at) == expected_rows(requests)
    (table,) = tables(at, *REQUEST_COLUMNS)
    for block_name, shown in zip(
        sorted(r.block for r in requests), sorted(table["block"]), strict=True
    ):
        first, last = block_name.split("-")
        assert shown == f"{first}:00-{last}:00"  # the block's name is its local hours
    utc = {f"{r.start:%H:%M}-{r.end:%H:%M}" for r in requests}
    assert not utc & set(table["block"])  # Stockholm is never UTC
    assert [b.label for b in at.download_button if b.key in DOWNLOADS] == [
        "Requests CSV (comma, for tools)",
        "Requests CSV for Excel (semicolon)",
        "Requests XLSX",
    ]
    everything = {(r.clinician_id, r.day.isoformat(), r.block) for r in requests}
    assert keys_in_downloads(downloads, at) == [everything] * 3
    (changes,) = tables(at, "clinician", "county", "added", "dropped")
    asked = {r.clinician_id for r in requests}
    assert asked <= set(changes["clinician"])
    assert all(changes[changes["clinician"].isin(asked)]["added"] > 0)


def test_section_compares_the_rosters_and_the_bounds(app_test, stored_runs: Runs) -> None:
    """The before/after table shows both runs' stored KPIs; the request counts stand against
    the stored lower bound and greedy baseline; the levers table holds the three levers'
    stored bounds and requests; the run's message is shown."""
    at = open_page(app_test, "views/staffing.py")
    staff, cont = stored_runs["staffing"][1], stored_runs["continuity"][1]
    (compare,) = tables(at, "measure", "staffing roster", "with the requests")
    names = ["continuity_rate", "availability_bound", "cover", "hard_violations"]
    names += ["rostered_hours", "misses"]
    assert list(compare["staffing roster"]) == [fmt(k, staff[k]) for k in names]
    assert list(compare["with the requests"]) == [fmt(k, cont[k]) for k in names]
    assert compare["with the requests"].iloc[0].endswith(" %")
    (bounds,) = tables(at, "measure", "requests", "cost")
    assert list(bounds["measure"]) == [
        "Requests in this plan",
        "Proved lower bound",
        "Greedy baseline",
    ]
    assert bounds["requests"][0] == fmt("requests", cont["requests"])
    assert bounds["requests"][2] == fmt("requests", cont["greedy_requests"])
    (definitions,) = [m.value for m in at.markdown if m.value.startswith("- *Requests in")]
    assert [line.split(":")[0] for line in definitions.splitlines()] == [
        f"- *{m}*" for m in bounds["measure"]
    ]
    lower = cont["requests_lower_bound"]
    assert bounds["cost"][1] == ("not proved" if lower is None else fmt("requests", lower))
    (levers,) = tables(at, "lever", "availability bound with this lever alone")
    slugs = ["requests", "wider_windows", "digital_follow_ups"]
    assert list(levers["availability bound with this lever alone"]) == [
        fmt("availability_bound", cont[f"lever_{s}_bound"]) for s in slugs
    ]
    assert list(levers["requests still needed with it"]) == [
        fmt("requests", cont[f"lever_{s}_requests"]) for s in slugs
    ]
    assert levers["lever"][1] == "Follow-up windows 3 days wider"
    message = [m.value for m in [*at.success, *at.warning]]
    assert len(message) == 1 and "requests" in message[0]


def test_county_limited_user_sees_only_their_requests(
    app_test, app_db: str, stored_runs: Runs, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A scheduler whose role allows one county sees that county's requests only, in the table
    and in every download, and only that county's clinicians in the roster and its changes."""
    requests = stored_requests(app_db, stored_runs)
    county = sorted(r.county_code for r in requests)[0]
    theirs = [r for r in requests if r.county_code == county]
    assert 0 < len(theirs) < len(requests), "tiny's requests span several counties"
    downloads = Downloads(monkeypatch)
    app_test.secrets["auth"] = AUTH
    app_test.secrets["roles"] = {"scheduler@example.se": [county]}
    app_test.user = {"is_logged_in": True, "email": "scheduler@example.se", "email_verified": True}
    at = open_page(app_test, "views/staffing.py")
    assert shown_rows(at) == expected_rows(theirs)
    mine = {(r.clinician_id, r.day.isoformat(), r.block) for r in theirs}
    assert keys_in_downloads(downloads, at) == [mine] * 3
    (roster,) = tables(at, "clinician", "home county", "block", "start")
    assert set(roster["home county"]) == {county_name_of()[county]}
    # A requested slot was not declared, so the staffing roster cannot have it: every asked
    # clinician's roster changes.
    (changes,) = tables(at, "clinician", "county", "added", "dropped")
    assert set(changes["county"]) == {county_name_of()[county]}
    assert {r.clinician_id for r in theirs} <= set(changes["clinician"])


def test_without_a_continuity_run_the_page_says_how(
    app_test, app_db: str, tmp_path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A scenario whose continuity run failed: a one-line hint with the command, no section."""
    copy = tmp_path / "no-continuity.db"
    with sqlite3.connect(app_db.removeprefix("sqlite:///")) as source, sqlite3.connect(copy) as to:
        source.backup(to)
        to.execute("UPDATE run SET status = 'failed' WHERE planner = 'continuity'")
    monkeypatch.setenv("PLANNER_DATABASE_URL", f"sqlite:///{copy}")
    at = open_page(app_test, "views/staffing.py")
    assert (
        "No continuity run stored for tiny: run `planner solve continuity --scenario tiny` to "
        "see which availability requests would reach the 96,0 % target."
    ) in [c.value for c in at.caption]
    assert not tables(at, *REQUEST_COLUMNS)
    assert not [b for b in at.download_button if b.key in DOWNLOADS]
