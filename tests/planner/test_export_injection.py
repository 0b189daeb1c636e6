"""Spreadsheet formula injection (issue 16 item 13): ids such as ``=HYPERLINK(...)`` from a
referral CSV or a scenario reach every CSV and XLSX export as inert text (a leading
apostrophe), while numbers stay numbers. Each export is read back with the csv module or
openpyxl."""

from __future__ import annotations

import csv
import datetime as dt
import io
from pathlib import Path
from typing import Any

import numpy as np
import openpyxl
import pandas as pd
import pytest
from sqlalchemy.engine import Engine
from typer.testing import CliRunner

from dashboard.services import exports as dashboard_exports
from planner.cli import app
from planner.cli.export_requests import export_requests
from planner.cli.export_roster import export_roster
from planner.orchestration.staffing import wall_clock
from planner.scenario import builtin_scenario_path, load_scenario
from planner.storage import finish_run, open_database, save_scenario, start_run
from planner.storage.models import AvailabilityRequest, Shift, Shipment
from planner.storage.store import RunOutcome
from staffing.export import cell_text, spreadsheet_safe

MONDAY = dt.date(2026, 11, 2)
#: Hostile cell texts (each at most 32 characters, the stored id length): OWASP's examples.
HOSTILE = (
    '=HYPERLINK("http://x.example")',
    "+1+cmd|' /C calc'!A0",
    "@SUM(1+1)*cmd|' /C calc'!A0",
    "-2+3",
    "\t=1+1",
    "\r=1+1",
)


def neutral(text: str) -> bool:
    """A cell read back is inert: the apostrophe, then a formula's first character (an XLSX
    file may give a carriage return back as a line feed)."""
    return text[:1] == "'" and text[1:2] in ("=", "+", "-", "@", "\t", "\r", "\n")


# --- the shared function -------------------------------------------------------------------------


@pytest.mark.parametrize("text", HOSTILE)
def test_text_starting_like_a_formula_gets_an_apostrophe(text: str) -> None:
    """Each hostile text is prefixed with a single quote, in a value and in a CSV cell."""
    assert spreadsheet_safe(text) == "'" + text
    assert cell_text(text) == "'" + text and cell_text(text, excel=True) == "'" + text


@pytest.mark.parametrize(
    "value",
    [-1.5, -3, np.float64(-2.25), np.int64(-7), 0, True, None, dt.date(2026, 11, 2), "C0001"],
    ids=["float", "int", "np-float", "np-int", "zero", "bool", "none", "date", "plain-text"],
)
def test_numbers_dates_and_plain_text_are_unchanged(value: Any) -> None:
    """A negative number is data: unchanged as a value, written as a number in a CSV cell."""
    assert spreadsheet_safe(value) is value
    assert not cell_text(value).startswith("'")


def test_a_negative_number_as_text_is_still_text() -> None:
    """The decision for CSV: the float -1.5 is written -1.5; the text "-1.5" (an id) is
    text like any other and is prefixed, since a spreadsheet would read it as a number."""
    assert cell_text(-1.5) == "-1.5" and cell_text(-1.5, excel=True) == "-1,5"
    assert cell_text("-1.5") == "'-1.5"


# --- stored runs with hostile ids -----------------------------------------------------------------


@pytest.fixture
def db(tmp_path: Path) -> tuple[str, Engine]:
    """A SQLite database holding the tiny scenario (the rows come from each test)."""
    url = f"sqlite:///{tmp_path / 'planner.db'}"
    engine = open_database(url)
    save_scenario(engine, load_scenario(builtin_scenario_path("tiny")))
    return url, engine


def store_run(engine: Engine, planner: str, rows: list[Any]) -> None:
    """A finished ``planner`` run of the tiny scenario with exactly ``rows``."""
    from planner.storage import get_scenario

    record, _ = get_scenario(engine, "tiny")
    run = start_run(engine, record, planner, seed=0, time_limit_s=None)
    assert run.id is not None
    finish_run(engine, run.id, RunOutcome("OPTIMAL", {"n": len(rows)}, rows))


def hostile_shipments() -> list[Shipment]:
    """One shipment per hostile referral id; its cost is negative, to see numbers stay numbers."""
    return [
        Shipment(  # type: ignore[call-arg]  # run_id is set by finish_run
            referral_id=rid,
            locality_id="100480107",
            mode="parcel",
            referral_date=MONDAY,
            cost_sek=-1.5,
        )
        for rid in HOSTILE
    ]


def test_export_rows_csv_and_xlsx_neutralise_referral_ids(
    db: tuple[str, Engine], tmp_path: Path
) -> None:
    """`planner export rows --table shipment` (the issue's case), as CSV and as XLSX: every
    hostile id is inert text; cost_sek -1.5 is -1.5 in the CSV and a number cell in XLSX."""
    url, engine = db
    store_run(engine, "routing", hostile_shipments())
    runner = CliRunner()
    base = ["--db", url, "export", "rows", "--scenario", "tiny", "--table", "shipment"]
    out_csv, out_xlsx = tmp_path / "s.csv", tmp_path / "s.xlsx"
    result = runner.invoke(app, [*base, "--planner", "routing", "--out", str(out_csv)])
    assert result.exit_code == 0, result.output
    with out_csv.open(newline="", encoding="utf-8") as handle:
        read = list(csv.DictReader(handle))
    assert sorted(r["referral_id"] for r in read) == sorted("'" + h for h in HOSTILE)
    assert {r["cost_sek"] for r in read} == {"-1.5"}

    args = [*base, "--planner", "routing", "--format", "xlsx", "--out", str(out_xlsx)]
    result = runner.invoke(app, args)
    assert result.exit_code == 0, result.output
    sheet = openpyxl.load_workbook(out_xlsx).worksheets[0]
    header = [c.value for c in sheet[1]]
    ids = [row[header.index("referral_id")] for row in sheet.iter_rows(min_row=2)]
    costs = [row[header.index("cost_sek")] for row in sheet.iter_rows(min_row=2)]
    assert len(ids) == len(HOSTILE)
    assert all(c.data_type == "s" and neutral(str(c.value)) for c in ids)
    assert all(c.data_type == "n" and c.value == -1.5 for c in costs)


def hostile_shifts() -> list[Shift]:
    """One digital shift per hostile clinician id; professions are hostile too."""
    return [
        Shift(  # type: ignore[call-arg]  # run_id is set by finish_run
            clinician_id=cid,
            profession="@SUM(1)",
            day=MONDAY,
            block="07-12",
            start=wall_clock(MONDAY, 7),
            end=wall_clock(MONDAY, 12),
        )
        for cid in HOSTILE
    ]


def read_csv(path: Path, excel: bool) -> list[dict[str, str]]:
    """Rows of a CSV export (the Excel dialect: BOM and semicolons)."""
    with path.open(newline="", encoding="utf-8-sig" if excel else "utf-8") as handle:
        return list(csv.DictReader(handle, delimiter=";" if excel else ","))


def text_cells(path: Path) -> list[Any]:
    """Every non-empty text cell of every sheet of an XLSX file, header rows left out."""
    book = openpyxl.load_workbook(path)
    return [
        c
        for ws in book.worksheets
        for row in ws.iter_rows(min_row=2)
        for c in row
        if c.data_type in ("s", "f") and c.value
    ]


@pytest.mark.parametrize("fmt", ["csv", "excel-csv"])
def test_export_roster_csv_neutralises_clinician_ids(
    db: tuple[str, Engine], tmp_path: Path, fmt: str
) -> None:
    """`planner export roster` CSV and Excel CSV: ids and professions are inert; hours are a
    number (5, or 5 with a decimal comma)."""
    _, engine = db
    store_run(engine, "staffing", hostile_shifts())
    (path,) = export_roster(engine, "tiny", fmt, tmp_path / "r.csv")
    rows = read_csv(path, excel=fmt == "excel-csv")
    assert sorted(r["clinician_id"] for r in rows) == sorted("'" + h for h in HOSTILE)
    assert {r["profession"] for r in rows} == {"'@SUM(1)"} and {r["hours"] for r in rows} == {"5"}


def test_export_roster_xlsx_neutralises_clinician_ids(
    db: tuple[str, Engine], tmp_path: Path
) -> None:
    """The roster XLSX: no formula cell, every clinician and profession cell inert, hours numeric."""
    _, engine = db
    store_run(engine, "staffing", hostile_shifts())
    (path,) = export_roster(engine, "tiny", "xlsx", tmp_path / "r.xlsx")
    sheet = openpyxl.load_workbook(path).worksheets[0]
    header = [c.value for c in sheet[1]]
    # the scenario's pool (C0001...) is listed too, without shifts; the hostile ids follow
    rows = [r for r in sheet.iter_rows(min_row=2) if not str(r[0].value).startswith("C0")]
    assert len(rows) == len(HOSTILE)
    assert all(r[0].data_type == "s" and neutral(str(r[0].value)) for r in rows)
    assert all(r[1].value == "'@SUM(1)" for r in rows)
    worked = header.index("Worked hours")
    assert all(r[worked].data_type == "n" and r[worked].value == 5 for r in rows)
    assert not any(c.data_type == "f" for c in text_cells(path))


def hostile_requests() -> list[AvailabilityRequest]:
    """One request per hostile clinician id, its return visits named by a hostile id too."""
    start = dt.datetime(2026, 11, 2, 6, 0, tzinfo=dt.UTC)
    return [
        AvailabilityRequest(  # type: ignore[call-arg]  # run_id is set by finish_run
            clinician_id=cid,
            profession="nurse",
            county_code="01",
            day=MONDAY,
            block="07-12",
            start=start,
            end=start + dt.timedelta(hours=5),
            cost=-2.5,
            visits_kept=1,
            visit_ids="-V1+1",
        )
        for cid in HOSTILE
    ]


@pytest.mark.parametrize("fmt", ["csv", "excel-csv", "xlsx"])
def test_export_requests_neutralise_every_text_cell(
    db: tuple[str, Engine], tmp_path: Path, fmt: str
) -> None:
    """`planner export requests` in all three formats: ids and visit ids inert, cost numeric."""
    _, engine = db
    store_run(engine, "continuity", hostile_requests())
    path, count = export_requests(engine, "tiny", fmt, tmp_path / f"q.{fmt}")
    assert count == len(HOSTILE)
    if fmt == "xlsx":
        sheet = openpyxl.load_workbook(path).worksheets[0]
        header = [c.value for c in sheet[1]]
        rows = list(sheet.iter_rows(min_row=2))
        assert all(neutral(str(r[header.index("clinician_id")].value)) for r in rows)
        assert {r[header.index("visit_ids")].value for r in rows} == {"'-V1+1"}
        assert {
            (r[header.index("cost")].data_type, r[header.index("cost")].value) for r in rows
        } == {("n", -2.5)}
        assert not any(c.data_type == "f" for c in text_cells(path))
        return
    rows = read_csv(path, excel=fmt == "excel-csv")
    assert sorted(r["clinician_id"] for r in rows) == sorted("'" + h for h in HOSTILE)
    assert {r["visit_ids"] for r in rows} == {"'-V1+1"}
    assert {r["cost"] for r in rows} == {"-2,5" if fmt == "excel-csv" else "-2.5"}


# --- dashboard downloads --------------------------------------------------------------------------


def frame_of(rows: list[Any]) -> pd.DataFrame:
    """Stored rows as the table the dashboard reads (one column per field)."""
    return pd.DataFrame([r.model_dump() for r in rows])


def test_dashboard_roster_and_request_downloads_are_inert() -> None:
    """The Staffing and Requests pages' CSV, Excel CSV and XLSX downloads."""
    shifts, requests = frame_of(hostile_shifts()), frame_of(hostile_requests())
    for data, excel in (
        (dashboard_exports.roster_csv(shifts), False),
        (dashboard_exports.roster_csv(shifts, excel=True), True),
        (dashboard_exports.requests_csv(requests), False),
        (dashboard_exports.requests_csv(requests, excel=True), True),
    ):
        text = data.decode("utf-8-sig")
        rows = list(csv.DictReader(io.StringIO(text, newline=""), delimiter=";" if excel else ","))
        assert sorted(r["clinician_id"] for r in rows) == sorted("'" + h for h in HOSTILE)
    for data in (dashboard_exports.roster_xlsx(shifts), dashboard_exports.requests_xlsx(requests)):
        book = openpyxl.load_workbook(io.BytesIO(data))
        ids = [row[0] for ws in book.worksheets for row in ws.iter_rows(min_row=2)]
        # the roster's week sheet and its contract-hours sheet each list every clinician
        sheets = len(book.worksheets)
        assert len(ids) == sheets * len(HOSTILE) and all(neutral(str(c.value)) for c in ids)
        cells = [c for ws in book.worksheets for row in ws.iter_rows() for c in row]
        assert not any(c.data_type == "f" for c in cells)


def test_dashboard_comparison_xlsx_neutralises_scenario_names_and_keeps_numbers() -> None:
    """The Scenarios page's comparison XLSX: a scenario named like a formula is a text header;
    a negative KPI difference is a number cell."""
    frame = pd.DataFrame(
        {"=cmd|' /C calc'!A0": [1.0, 2.0], "base": [3.0, -4.5]},
        index=pd.Index(["staffing · cover", "+kpi"], name="planner · kpi"),
    )
    sheet = openpyxl.load_workbook(io.BytesIO(dashboard_exports.excel_bytes(frame))).worksheets[0]
    values = [[c.value for c in row] for row in sheet.iter_rows()]
    assert values[0] == ["planner · kpi", "'=cmd|' /C calc'!A0", "base"]
    assert values[2] == ["'+kpi", 2.0, -4.5]
    assert not any(c.data_type == "f" for row in sheet.iter_rows() for c in row)
