"""Exports parse back (csv, openpyxl, icalendar) to exactly the shifts that went in."""

from __future__ import annotations

import csv
import datetime as dt
from pathlib import Path

import icalendar
import openpyxl
import pytest

from staffing.export import (
    CSV_COLUMNS,
    TZ,
    ExportShift,
    cell_text,
    event_uid,
    write_csv,
    write_ics,
    write_xlsx,
)
from tests.staffing.conftest import day


def shift(
    cid: str, d: int, block: str, start: float, end: float, prof: str = "doctor"
) -> ExportShift:
    """A hand-made shift with naive Stockholm wall-clock times (as the database stores them)."""
    base = dt.datetime.combine(day(d), dt.time())
    return ExportShift(
        day(d), base + dt.timedelta(hours=start), cid, block, base + dt.timedelta(hours=end), prof
    )


@pytest.fixture
def three_shifts() -> list[ExportShift]:
    """ANN works Monday morning and a Sunday night (into Monday of week 46); BEA a Wednesday evening."""
    return [
        shift("ANN", 0, "07-12", 7, 12),
        shift("BEA", 2, "17-22", 17, 22, "psychologist"),
        shift("ANN", 6, "22-07", 22, 31),
    ]


def key(s: ExportShift) -> tuple:
    """What must survive a round trip."""
    return (
        s.clinician_id,
        s.day,
        s.block,
        s.start.replace(tzinfo=None),
        s.end.replace(tzinfo=None),
    )


def test_csv_round_trip(three_shifts: list[ExportShift], tmp_path: Path) -> None:
    """One row per shift; times carry the Stockholm offset (+01:00 in November)."""
    path = write_csv(three_shifts, tmp_path / "roster.csv")
    with path.open(encoding="utf-8") as handle:
        rows = list(csv.DictReader(handle))
    assert tuple(rows[0]) == CSV_COLUMNS
    back = {
        (
            r["clinician_id"],
            dt.date.fromisoformat(r["day"]),
            r["block"],
            dt.datetime.fromisoformat(r["start"]).replace(tzinfo=None),
            dt.datetime.fromisoformat(r["end"]).replace(tzinfo=None),
        )
        for r in rows
    }
    assert back == {key(s) for s in three_shifts}
    assert rows[0]["start"].endswith("+01:00")
    assert not list(tmp_path.glob("*.part"))


def test_xlsx_round_trip(three_shifts: list[ExportShift], tmp_path: Path) -> None:
    """A sheet per ISO week, clinicians x days, blocks in the cells, hours per week."""
    path = write_xlsx(three_shifts, tmp_path / "roster.xlsx")
    wb = openpyxl.load_workbook(path)
    assert wb.sheetnames == ["2026-W45"]
    ws = wb["2026-W45"]
    header = [c.value for c in ws[1]]
    assert header[:3] == ["Clinician", "Profession", "Mon 2026-11-02"] and header[-1] == "Hours"
    back = set()
    for row in ws.iter_rows(min_row=2, values_only=True):
        for i, cell in enumerate(row[2:9]):
            for block in (cell or "").splitlines():
                back.add((row[0], dt.date.fromisoformat(header[2 + i][4:]), block))
    assert back == {(s.clinician_id, s.day, s.block) for s in three_shifts}
    hours = {row[0]: row[-1] for row in ws.iter_rows(min_row=2, values_only=True)}
    assert hours == {"ANN": 14, "BEA": 5}
    assert ws.freeze_panes == "C2"


def test_ics_round_trip_with_timezone_and_stable_uids(
    three_shifts: list[ExportShift], tmp_path: Path
) -> None:
    """One calendar per clinician with a Europe/Stockholm VTIMEZONE; a re-export keeps UIDs."""
    paths = write_ics(three_shifts, tmp_path / "ics", sequence=3)
    assert [p.name for p in paths] == ["ANN.ics", "BEA.ics"]
    cal = icalendar.Calendar.from_ical(paths[0].read_bytes())
    zones = [tz["TZID"] for tz in cal.walk("VTIMEZONE")]
    assert zones == ["Europe/Stockholm"]
    events = cal.walk("VEVENT")
    back = {
        (
            "ANN",
            dt.date.fromisoformat(str(e["X-PLANNER-DAY"])),
            str(e["X-PLANNER-BLOCK"]),
            e.decoded("DTSTART").replace(tzinfo=None),
            e.decoded("DTEND").replace(tzinfo=None),
        )
        for e in events
    }
    assert back == {key(s) for s in three_shifts if s.clinician_id == "ANN"}
    assert all(
        e.decoded("DTSTART").tzinfo is not None
        and e["DTSTART"].params["TZID"] == "Europe/Stockholm"
        for e in events
    )
    first_uids = {str(e["UID"]) for e in events}
    assert first_uids == {event_uid("ANN", day(0), "07-12"), event_uid("ANN", day(6), "22-07")}
    again = write_ics(three_shifts, tmp_path / "ics2", sequence=4)
    cal2 = icalendar.Calendar.from_ical(again[0].read_bytes())
    assert {str(e["UID"]) for e in cal2.walk("VEVENT")} == first_uids
    assert {int(e["SEQUENCE"]) for e in cal2.walk("VEVENT")} == {4}


def test_aware_times_are_converted_to_stockholm(tmp_path: Path) -> None:
    """A UTC time is written as Stockholm wall clock."""
    utc = ExportShift(
        day(0),
        dt.datetime(2026, 11, 2, 6, tzinfo=dt.UTC),
        "ANN",
        "07-12",
        dt.datetime(2026, 11, 2, 11, tzinfo=dt.UTC),
        "doctor",
    )
    path = write_csv([utc], tmp_path / "r.csv")
    row = next(csv.DictReader(path.open(encoding="utf-8")))
    assert dt.datetime.fromisoformat(row["start"]) == dt.datetime(2026, 11, 2, 7, tzinfo=TZ)


def test_mobile_shifts_are_named_by_their_site(tmp_path: Path) -> None:
    """A day at the Fittja unit (site 2714795) reads "Mobile clinic Fittja" in the XLSX cell and
    the calendar title, with LOCATION Fittja, and the CSV names the site beside its id; a site
    without a known name keeps its id, and a digital block keeps its block name."""
    base = dt.datetime.combine(day(1), dt.time())
    van = ExportShift(
        day(1),
        base + dt.timedelta(hours=8),
        "ANN",
        "mobile:2714795",
        base + dt.timedelta(hours=17),
        "doctor",
        "mobile",
        "2714795",
    )
    other = ExportShift(
        day(2),
        van.start + dt.timedelta(days=1),
        "ANN",
        "mobile:9",
        van.end + dt.timedelta(days=1),
        "doctor",
        "mobile",
        "9",
    )
    desk = shift("ANN", 0, "07-12", 7, 12)
    sites = {"2714795": "Fittja"}
    with write_csv([van, other, desk], tmp_path / "r.csv", sites).open(encoding="utf-8") as f:
        rows = {r["day"]: r for r in csv.DictReader(f)}
    assert [rows[d.isoformat()]["site"] for d in (day(1), day(2), day(0))] == ["Fittja", "9", ""]
    ws = openpyxl.load_workbook(write_xlsx([van, desk], tmp_path / "r.xlsx", sites=sites)).active
    assert ws is not None
    cells = [c.value for c in ws[2]]
    assert "Mobile clinic Fittja" in cells and "07-12" in cells
    assert not any("mobile:" in str(c) for c in cells)
    (ics,) = write_ics([van], tmp_path / "ics", sites=sites)
    (event,) = icalendar.Calendar.from_ical(ics.read_bytes()).walk("VEVENT")
    assert str(event["summary"]) == "Mobile clinic Fittja (doctor)"
    assert str(event["location"]) == "Fittja"


def test_excel_csv_opens_in_columns_in_swedish_excel(
    three_shifts: list[ExportShift], tmp_path: Path
) -> None:
    """The Excel variant: a byte-order mark, semicolons, decimal commas and plain local times;
    it holds the same shifts as the comma CSV."""
    plain = write_csv(three_shifts, tmp_path / "r.csv")
    excel = write_csv(three_shifts, tmp_path / "r-excel.csv", excel=True)
    raw = excel.read_bytes()
    assert raw.startswith(b"\xef\xbb\xbf") and not plain.read_bytes().startswith(b"\xef\xbb\xbf")
    with excel.open(encoding="utf-8-sig") as f:
        rows = list(csv.DictReader(f, delimiter=";"))
    with plain.open(encoding="utf-8") as f:
        tools = list(csv.DictReader(f))
    assert [(r["clinician_id"], r["day"], r["block"]) for r in rows] == [
        (r["clinician_id"], r["day"], r["block"]) for r in tools
    ]
    assert rows[0]["start"] == "2026-11-02 07:00" and tools[0]["start"].startswith("2026-11-02T07")
    assert [r["hours"] for r in rows] == ["5", "5", "9"]  # Monday, Wednesday, Sunday night
    assert (cell_text(7.5, excel=True), cell_text(7.5), cell_text(None)) == ("7,5", "7.5", "")
