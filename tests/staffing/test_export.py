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
    DAY_HEADER_FORMAT,
    INDEX_FILE,
    SUMMARY_SHEET,
    TZ,
    ExportShift,
    Roster,
    RosterPerson,
    calendar_file_names,
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


def xlsx_blocks(path: Path) -> set[tuple]:
    """(clinician, day, block) of every week sheet: day headers are read as the dates they are."""
    back = set()
    for ws in openpyxl.load_workbook(path).worksheets:
        if ws.title == SUMMARY_SHEET:
            continue
        header = [c.value for c in ws[1]]
        for row in ws.iter_rows(min_row=2, values_only=True):
            for i, cell in enumerate(row[3:10]):
                for block in (cell or "").splitlines():
                    back.add((row[0], header[3 + i].date(), block))
    return back


def test_xlsx_round_trip(three_shifts: list[ExportShift], tmp_path: Path) -> None:
    """A sheet per ISO week, clinicians x days, blocks in the cells, hours per week; the day
    headers are date cells shown as "mån 2 nov"; a filter on the header, header and name
    columns frozen; a last sheet with the hours over the horizon."""
    path = write_xlsx(three_shifts, tmp_path / "roster.xlsx")
    wb = openpyxl.load_workbook(path)
    assert wb.sheetnames == ["2026-W45", SUMMARY_SHEET]
    ws = wb["2026-W45"]
    header = [c.value for c in ws[1]]
    assert header[:3] == ["Clinician", "Profession", "Home county"]
    assert header[3:10] == [dt.datetime.combine(day(i), dt.time()) for i in range(7)]
    assert {ws.cell(1, c).number_format for c in range(4, 11)} == {DAY_HEADER_FORMAT}
    assert ws.cell(1, 4).is_date
    assert header[10:] == ["Worked hours", "Contract hours", "Difference"]
    assert xlsx_blocks(path) == {(s.clinician_id, s.day, s.block) for s in three_shifts}
    hours = {row[0]: row[10] for row in ws.iter_rows(min_row=2, values_only=True)}
    assert hours == {"ANN": 14, "BEA": 5}
    assert ws.auto_filter.ref == "A1:M3"
    assert ws.freeze_panes == "D2"
    assert wb[SUMMARY_SHEET].auto_filter.ref == "A1:G3"


@pytest.fixture
def pool() -> list[RosterPerson]:
    """ANN (doctor, Uppsala, 20 h a week) and BEA (psychologist, Stockholm, 8 h a week) and
    CAT (nurse, 16 h) who has no shift: round numbers whose pro-rata sums are easy to check."""
    return [
        RosterPerson("ANN", "doctor", "Uppsala län", 20.0),
        RosterPerson("BEA", "psychologist", "Stockholms län", 8.0),
        RosterPerson("CAT", "nurse", "Stockholms län", 16.0),
    ]


def test_xlsx_contract_hours_beside_the_worked_hours(
    three_shifts: list[ExportShift], pool: list[RosterPerson], tmp_path: Path
) -> None:
    """Over a 14-day horizon ANN works 5 h + a night of 9 h less its 30-minute break (13.5 h)
    against 40 contract hours; the week sheet compares the week (20 h), the summary sheet the
    horizon; CAT, without a shift, is listed with her contract; counties by name."""
    horizon = [day(i) for i in range(14)]
    breaks = {"22-07": 0.5}
    path = write_xlsx(three_shifts, tmp_path / "r.xlsx", pool, days=horizon, breaks=breaks)
    wb = openpyxl.load_workbook(path)
    week = {r[0]: r for r in wb["2026-W45"].iter_rows(min_row=2, values_only=True)}
    assert list(week) == ["ANN", "BEA", "CAT"]
    assert week["ANN"][1:3] == ("doctor", "Uppsala län")
    assert week["ANN"][10:] == (13.5, 20, -6.5)
    assert week["CAT"][3:] == (None,) * 7 + (0, 16, -16)
    summary = wb[SUMMARY_SHEET]
    header = [c.value for c in summary[1]]
    assert header == [
        "Clinician",
        "Profession",
        "Home county",
        "Contract hours per week",
        "Worked hours",
        "Contract hours",
        "Difference",
    ]
    rows = {r[0]: r[3:] for r in summary.iter_rows(min_row=2, values_only=True)}
    assert rows == {
        "ANN": (20, 13.5, 40, -26.5),
        "BEA": (8, 5, 16, -11),
        "CAT": (16, 0, 32, -32),
    }
    assert summary.freeze_panes == "D2" and summary.auto_filter.ref == "A1:G4"


def test_csv_carries_each_clinicians_contract_hours(
    three_shifts: list[ExportShift], pool: list[RosterPerson], tmp_path: Path
) -> None:
    """Every CSV row repeats its clinician's county, worked and contract hours over the
    horizon (as the XLSX summary), and the shift's worked hours (the night less its break)."""
    horizon = [day(i) for i in range(14)]
    path = write_csv(
        three_shifts, tmp_path / "r.csv", people=pool, days=horizon, breaks={"22-07": 0.5}
    )
    with path.open(encoding="utf-8") as handle:
        rows = list(csv.DictReader(handle))
    columns = ("clinician_id", "home_county", "worked_hours", "rostered_hours", "contract_hours")
    got = [tuple(r[c] for c in columns) for r in rows]
    assert got == [
        ("ANN", "Uppsala län", "5", "13.5", "40"),
        ("BEA", "Stockholms län", "5", "5", "16"),
        ("ANN", "Uppsala län", "8.5", "13.5", "40"),
    ]


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


STAMP = dt.datetime(2026, 10, 20, 9, 0, tzinfo=dt.UTC)


def client_import(store: dict[str, dict], ics: bytes) -> dict[str, dict]:
    """What a calendar client does with an imported or fetched published calendar (RFC 5546):
    an event replaces the one with its UID unless its SEQUENCE is lower; a cancelled event
    removes it. ``store``: UID -> {sequence, start, summary}."""
    out = dict(store)
    for e in icalendar.Calendar.from_ical(ics).walk("VEVENT"):
        uid, seq = str(e["UID"]), int(e["SEQUENCE"])
        if uid in out and out[uid]["sequence"] > seq:
            continue
        if str(e.get("STATUS", "")) == "CANCELLED":
            out.pop(uid, None)
            continue
        out[uid] = {"sequence": seq, "start": e.decoded("DTSTART"), "summary": str(e["SUMMARY"])}
    return out


def test_replan_reexport_moves_and_cancels_events(tmp_path: Path) -> None:
    """Run 10 rosters ANN on Monday 07-12 and Wednesday 17-22 and BEA on Tuesday; run 12 moves
    ANN's Wednesday block to 16-21 and drops BEA's shift. The run-12 export, parsed with
    icalendar: Monday keeps SEQUENCE 10, Wednesday gets 12 and its new time, BEA's calendar
    cancels her shift (same UID, SEQUENCE 12, STATUS:CANCELLED); a client that imported the
    run-10 calendars and imports the run-12 ones holds exactly the run-12 shifts."""
    monday, wednesday = shift("ANN", 0, "07-12", 7, 12), shift("ANN", 2, "17-22", 17, 22)
    tuesday = shift("BEA", 1, "12-17", 12, 17, "psychologist")
    moved = shift("ANN", 2, "17-22", 16, 21)
    first = Roster(10, STAMP, [monday, wednesday, tuesday])
    second = Roster(12, STAMP + dt.timedelta(days=1), [monday, moved])

    before = write_ics(first.shifts, tmp_path / "v1", sequence=10, stamp=STAMP)
    after = write_ics(
        second.shifts, tmp_path / "v2", sequence=12, stamp=second.stamp, earlier=[first]
    )
    assert [p.name for p in after] == ["ANN.ics", "BEA.ics"]
    ann = icalendar.Calendar.from_ical(after[0].read_bytes())
    assert str(ann["METHOD"]) == "PUBLISH"
    events = {str(e["UID"]): e for e in ann.walk("VEVENT")}
    mon, wed = events[event_uid("ANN", day(0), "07-12")], events[event_uid("ANN", day(2), "17-22")]
    assert (int(mon["SEQUENCE"]), int(wed["SEQUENCE"])) == (10, 12)
    assert wed.decoded("DTSTART").hour == 16 and str(wed["STATUS"]) == "CONFIRMED"
    assert mon.decoded("LAST-MODIFIED") == STAMP
    assert wed.decoded("LAST-MODIFIED") == wed.decoded("DTSTAMP") == second.stamp
    (gone,) = icalendar.Calendar.from_ical(after[1].read_bytes()).walk("VEVENT")
    assert str(gone["UID"]) == event_uid("BEA", day(1), "12-17")
    assert (int(gone["SEQUENCE"]), str(gone["STATUS"])) == (12, "CANCELLED")
    assert str(gone["SUMMARY"]).startswith("Cancelled: ")

    device: dict[str, dict] = {}
    for path in before + after:
        device = client_import(device, path.read_bytes())
    assert {uid: v["start"].hour for uid, v in device.items()} == {
        event_uid("ANN", day(0), "07-12"): 7,
        event_uid("ANN", day(2), "17-22"): 16,
    }


def test_unchanged_replan_keeps_sequences_and_a_restored_shift_outranks_its_cancellation(
    tmp_path: Path,
) -> None:
    """Runs 10, 12 (BEA's shift dropped), 15 (nothing changes) and 16 (BEA's shift back): the
    run-15 export equals run 12's events (same SEQUENCEs, the cancellation kept for anyone who
    skipped run 12), and run 16 brings the shift back with SEQUENCE 16 > 12, so a client that
    saw the cancellation shows it again."""
    ann, bea = shift("ANN", 0, "07-12", 7, 12), shift("BEA", 1, "12-17", 12, 17)
    rosters = [
        Roster(10, STAMP, [ann, bea]),
        Roster(12, STAMP, [ann]),
        Roster(15, STAMP, [ann]),
        Roster(16, STAMP, [ann, bea]),
    ]

    def sequences(n: int) -> dict[tuple[str, str], int]:
        """(clinician, status) -> SEQUENCE of the export of roster ``n`` after the earlier ones."""
        r = rosters[n]
        paths = write_ics(
            r.shifts, tmp_path / str(n), sequence=r.sequence, stamp=r.stamp, earlier=rosters[:n]
        )
        return {
            (p.stem, str(e["STATUS"])): int(e["SEQUENCE"])
            for p in paths
            for e in icalendar.Calendar.from_ical(p.read_bytes()).walk("VEVENT")
        }

    assert sequences(1) == sequences(2) == {("ANN", "CONFIRMED"): 10, ("BEA", "CANCELLED"): 12}
    assert sequences(3) == {("ANN", "CONFIRMED"): 10, ("BEA", "CONFIRMED"): 16}


def test_calendar_file_names_cannot_leave_the_folder(tmp_path: Path) -> None:
    """Ids with path separators, dots, spaces or markup, and ids equal but for case, get
    distinct plain file names; the export writes only inside its folder."""
    ids = ["C0001", "../../etc/passwd", "a b", "..", "ann", "ANN", "<b>x</b>", "x" * 80]
    names = calendar_file_names(ids)
    assert names["C0001"] == "C0001.ics"
    assert len(set(names.values())) == len(ids)
    assert all(
        n.endswith(".ics")
        and n[0].isalnum()
        and set(n[:-4]) <= set("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_-")
        for n in names.values()
    )
    assert len({n.casefold() for n in names.values()}) == len(ids)
    folder = tmp_path / "out" / "ics"
    hostile = [shift(cid, 0, "07-12", 7, 12) for cid in ids]
    written = write_ics(hostile, folder)
    assert {p.parent for p in written} == {folder}
    assert sorted(p.name for p in tmp_path.rglob("*") if p.is_file()) == sorted(
        [*names.values(), INDEX_FILE]
    )


def test_index_lists_who_has_which_calendar_with_subscription_urls(
    three_shifts: list[ExportShift], pool: list[RosterPerson], tmp_path: Path
) -> None:
    """index.html names each clinician (profession, county) beside their file and, with a base
    URL, the full subscription URL; CAT, listed without shifts, gets an empty calendar to
    subscribe to; a clinician id with markup is escaped."""
    import html.parser

    odd = shift("<i>Z</i>", 0, "07-12", 7, 12)
    write_ics(
        [*three_shifts, odd],
        tmp_path / "ics",
        people=pool,
        clinician_ids=[p.clinician_id for p in pool],
        base_url="https://rosters.example.se/v45/",
    )
    text = (tmp_path / "ics" / INDEX_FILE).read_text(encoding="utf-8")

    class Rows(html.parser.HTMLParser):
        """The table's rows as lists of cell texts."""

        def __init__(self) -> None:
            super().__init__()
            self.rows: list[list[str]] = []

        def handle_starttag(self, tag: str, attrs: list) -> None:
            if tag == "tr":
                self.rows.append([])
            elif tag in ("td", "th"):
                self.rows[-1].append("")

        def handle_data(self, data: str) -> None:
            if self.rows and self.rows[-1]:
                self.rows[-1][-1] += data

    parser = Rows()
    parser.feed(text)
    header, *rows = [[c.strip() for c in r] for r in parser.rows]
    assert header[-1] == "Subscription URL"
    by_id = {r[0]: r for r in rows}
    assert by_id["ANN"] == [
        "ANN",
        "doctor",
        "Uppsala län",
        "2",
        "ANN.ics",
        "https://rosters.example.se/v45/ANN.ics",
    ]
    assert by_id["CAT"][3:5] == ["0", "CAT.ics"] and (tmp_path / "ics" / "CAT.ics").exists()
    assert "<i>" not in text and "<i>Z</i>" in by_id
    assert by_id["<i>Z</i>"][4] == calendar_file_names(["<i>Z</i>"])["<i>Z</i>"]
