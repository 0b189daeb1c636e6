"""Roster exports for schedulers: CSV, XLSX (a sheet per week) and iCalendar per clinician.

Input is any sequence of shift records with the attributes of :class:`ExportShift`
(``clinician_id, profession, day, block, start, end, kind, site_id``); stored ``Shift`` rows
work as they are. ``start``/``end`` are Europe/Stockholm wall-clock times (naive, or aware in
any zone: they are converted). Files are written to ``PATH.part`` and then renamed, so a
failed export never leaves half a file.

* CSV: one row per shift; times as ISO 8601 with the Stockholm UTC offset.
* XLSX: one sheet per ISO week, clinicians x days, each cell the blocks worked that day, plus
  the week's hours; frozen header, wrapped cells: readable without editing.
* iCalendar: one ``.ics`` per clinician, with a VTIMEZONE for Europe/Stockholm; each event's
  UID is built from clinician, day and block, so a re-export updates the same events in a
  calendar client (``SEQUENCE`` should grow with each export, e.g. the run id).

Mobile-clinic shifts are named by their site (``sites``: site id -> place name, from the
placement plan): "Mobile clinic Fittja" in the XLSX cells and calendar titles, the name in the
CSV's ``site`` column and the event's LOCATION. Without a name the site id stands in.

Every spreadsheet cell (CSV and XLSX, here and in every other export) goes through
:func:`spreadsheet_safe`: text that a spreadsheet would run as a formula is neutralised.
"""

from __future__ import annotations

import csv
import datetime as dt
import numbers
from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any, Protocol
from zoneinfo import ZoneInfo

from staffing.problem import TIMEZONE

if TYPE_CHECKING:
    from icalendar import Calendar

TZ = ZoneInfo(TIMEZONE)
CSV_COLUMNS = (
    "clinician_id",
    "profession",
    "day",
    "block",
    "start",
    "end",
    "hours",
    "kind",
    "site_id",
    "site",
)
UID_DOMAIN = "roster.clinic-ops-planner"
WEEKDAYS = ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun")


class ShiftLike(Protocol):
    """What an export needs from a shift (stored ``Shift`` rows qualify)."""

    clinician_id: str
    profession: str
    day: dt.date
    block: str
    start: dt.datetime
    end: dt.datetime
    kind: str
    site_id: str | None


@dataclass(frozen=True, order=True)
class ExportShift:
    """A shift as the exports read it (times aware, Europe/Stockholm)."""

    day: dt.date
    start: dt.datetime
    clinician_id: str
    block: str
    end: dt.datetime
    profession: str
    kind: str = "digital"
    site_id: str | None = None

    @property
    def hours(self) -> float:
        """Hours elapsed from start to end (breaks included), on absolute time: a 22-07 night
        is 10 h across the October change and 8 h across the March one. (Two times in the same
        zone subtract on the wall clock in Python, so both are taken to UTC first.)"""
        return (self.end.astimezone(dt.UTC) - self.start.astimezone(dt.UTC)).total_seconds() / 3600


def _local(value: dt.datetime) -> dt.datetime:
    return value.replace(tzinfo=TZ) if value.tzinfo is None else value.astimezone(TZ)


def normalise(shifts: Iterable[ShiftLike | Any]) -> list[ExportShift]:
    """Shift records as sorted :class:`ExportShift` with aware Stockholm times."""
    return sorted(
        ExportShift(
            s.day,
            _local(s.start),
            s.clinician_id,
            s.block,
            _local(s.end),
            s.profession,
            s.kind or "digital",
            s.site_id,
        )
        for s in shifts
    )


#: Site id -> place name of the mobile clinics' sites (from the placement plan).
Sites = Mapping[str, str]


def site_name(s: ExportShift, sites: Sites | None) -> str:
    """The place a shift is worked at: the site's name (its id without one); "" if digital."""
    if not s.site_id:
        return ""
    return (sites or {}).get(s.site_id, s.site_id)


def shift_label(s: ExportShift, sites: Sites | None) -> str:
    """A shift as a scheduler reads it: the block (07-12) for digital work, "Mobile clinic
    <place>" for a day at a mobile clinic (never the internal block name)."""
    if s.kind == "mobile":
        return f"Mobile clinic {site_name(s, sites)}"
    return s.block


def part_path(path: Path) -> Path:
    """The ``.part`` file to write before renaming it to ``path`` (its folder made)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    return path.with_name(path.name + ".part")


#: First characters that make a spreadsheet read a text cell as a formula (OWASP, "CSV
#: Injection"): ``=HYPERLINK(...)``, ``+1+cmd|...``, ``@SUM(...)``, ``-2+3``.
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def spreadsheet_safe(value: Any) -> Any:
    """``value`` as a spreadsheet cell that cannot run: text starting with one of
    `FORMULA_STARTS` gets a leading apostrophe (OWASP's advice; Excel and LibreOffice then show
    it as text). Numbers, dates and None pass unchanged: ``-1.5`` from a number column is data
    and stays a number (numeric in XLSX), while the text ``"-1.5"`` (an id, a name) is text
    and is prefixed like any other. The one function every CSV and XLSX export uses."""
    if isinstance(value, str) and value.startswith(FORMULA_STARTS):
        return "'" + value
    return value


def cell_text(value: Any, excel: bool = False) -> str:
    """A CSV cell: ISO dates and times for tools; with ``excel`` times as ``2026-11-02 07:00``
    (Stockholm) and decimal commas, as Swedish Excel reads them. None is empty; numbers are
    written as numbers; text goes through :func:`spreadsheet_safe`."""
    if value is None:
        return ""
    if isinstance(value, dt.datetime):
        return value.strftime("%Y-%m-%d %H:%M") if excel else value.isoformat()
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, float):
        text = f"{value:g}"
        return text.replace(".", ",") if excel else text
    if isinstance(value, numbers.Real):  # int, bool, numpy numbers: data, never a formula
        return str(value)
    return str(spreadsheet_safe(str(value)))


def write_table_csv(
    path: str | Path, header: Sequence[str], rows: Iterable[Sequence[Any]], excel: bool = False
) -> Path:
    """A CSV written whole or not at all: comma-separated UTF-8 for tools, or with ``excel``
    semicolons, decimal commas and a UTF-8 byte-order mark, so Swedish Excel opens it in
    columns."""
    path = Path(path)
    tmp = part_path(path)
    with tmp.open("w", newline="", encoding="utf-8-sig" if excel else "utf-8") as handle:
        writer = csv.writer(handle, delimiter=";" if excel else ",")
        writer.writerow([cell_text(h, excel) for h in header])
        for row in rows:
            writer.writerow([cell_text(v, excel) for v in row])
    tmp.replace(path)
    return path


def write_table_xlsx(
    path: str | Path, header: Sequence[str], rows: Iterable[Sequence[Any]], title: str = "Rows"
) -> Path:
    """One sheet: the header and a row per item, numbers and dates as typed cells, text
    through :func:`spreadsheet_safe` (written whole or not at all)."""
    from openpyxl import Workbook

    wb = Workbook(write_only=True)  # streams rows: memory does not grow with the table
    ws = wb.create_sheet(title)
    ws.append([spreadsheet_safe(h) for h in header])
    for row in rows:
        ws.append([_xlsx_value(v) for v in row])
    tmp = part_path(Path(path))
    wb.save(tmp)
    tmp.replace(path)
    return Path(path)


def _xlsx_value(value: Any) -> Any:
    """A cell value openpyxl writes as a typed cell: aware times in Stockholm wall-clock time
    (Excel has no time zones), other types as they are, text made safe."""
    if isinstance(value, dt.datetime) and value.tzinfo is not None:
        return value.astimezone(TZ).replace(tzinfo=None)
    if isinstance(value, str | dt.date | numbers.Real) or value is None:
        return spreadsheet_safe(value)
    return spreadsheet_safe(str(value))


def write_csv(
    shifts: Iterable[ShiftLike | Any],
    path: str | Path,
    sites: Sites | None = None,
    excel: bool = False,
) -> Path:
    """One row per shift; ``site`` names a mobile clinic's place; ``excel``: the dialect
    Swedish Excel opens in columns (see :func:`write_table_csv`)."""
    rows = (
        [
            s.clinician_id,
            s.profession,
            s.day,
            s.block,
            s.start,
            s.end,
            s.hours,
            s.kind,
            s.site_id,
            site_name(s, sites),
        ]
        for s in normalise(shifts)
    )
    return write_table_csv(path, CSV_COLUMNS, rows, excel)


def week_key(day: dt.date) -> str:
    """ISO week as ``2026-W45`` (the sheet name)."""
    iso = day.isocalendar()
    return f"{iso.year}-W{iso.week:02d}"


def write_xlsx(
    shifts: Iterable[ShiftLike | Any],
    path: str | Path,
    clinicians: Sequence[tuple[str, str]] | None = None,
    sites: Sites | None = None,
) -> Path:
    """One sheet per ISO week: a row per clinician, a column per day, blocks in the cells.

    ``clinicians`` ((id, profession) pairs) lists everyone on every sheet, also those who do not
    work that week; by default, everyone with a shift in the export.
    """
    from openpyxl import Workbook
    from openpyxl.styles import Alignment, Font, PatternFill
    from openpyxl.utils import get_column_letter

    items = normalise(shifts)
    people = (
        list(clinicians)
        if clinicians is not None
        else sorted({(s.clinician_id, s.profession) for s in items})
    )
    weeks: dict[str, list[ExportShift]] = defaultdict(list)
    for s in items:
        weeks[week_key(s.day)].append(s)
    wb = Workbook()
    wb.remove(wb.active)
    bold = Font(bold=True)
    shade = PatternFill("solid", fgColor="DDEBF7")
    weekend = PatternFill("solid", fgColor="F2F2F2")
    for key in sorted(weeks):
        year, week = int(key[:4]), int(key[-2:])
        monday = dt.date.fromisocalendar(year, week, 1)
        days = [monday + dt.timedelta(days=i) for i in range(7)]
        ws = wb.create_sheet(key)
        header = [
            "Clinician",
            "Profession",
            *[f"{WEEKDAYS[d.weekday()]} {d.isoformat()}" for d in days],
            "Hours",
        ]
        ws.append(header)
        for cell in ws[1]:
            cell.font, cell.fill = bold, shade
        cells: dict[tuple[str, dt.date], list[ExportShift]] = defaultdict(list)
        for s in weeks[key]:
            cells[(s.clinician_id, s.day)].append(s)
        for cid, profession in people:
            row: list[Any] = [cid, profession]
            total = 0.0
            for d in days:
                worked = sorted(cells.get((cid, d), []), key=lambda s: s.start)
                total += sum(s.hours for s in worked)
                row.append("\n".join(shift_label(s, sites) for s in worked) or None)
            row.append(round(total, 2))
            ws.append([spreadsheet_safe(v) for v in row])
        for col in range(1, len(header) + 1):
            ws.column_dimensions[get_column_letter(col)].width = 14 if 2 < col < 10 else 13
        for row_cells in ws.iter_rows(min_row=2):
            for cell in row_cells[2:9]:
                cell.alignment = Alignment(wrap_text=True, vertical="top")
                if days[cell.column - 3].weekday() >= 5:
                    cell.fill = weekend
        ws.freeze_panes = "C2"
    if not wb.sheetnames:
        wb.create_sheet("empty").append(["No shifts in this roster."])
    tmp = part_path(Path(path))
    wb.save(tmp)
    tmp.replace(path)
    return Path(path)


def event_uid(clinician_id: str, day: dt.date, block: str) -> str:
    """Stable UID of a shift event: the same shift gets the same UID in every export."""
    safe = "".join(ch if ch.isalnum() or ch in "-_" else "_" for ch in block)
    return f"{clinician_id}-{day:%Y%m%d}-{safe}@{UID_DOMAIN}"


def calendar_for(
    clinician_id: str,
    shifts: Iterable[ShiftLike | Any],
    *,
    sequence: int = 0,
    stamp: dt.datetime | None = None,
    name: str | None = None,
    sites: Sites | None = None,
) -> Calendar:
    """An ``icalendar.Calendar`` of one clinician's shifts, with a Europe/Stockholm VTIMEZONE."""
    from icalendar import Calendar, Event

    stamp = stamp or dt.datetime.now(dt.UTC).replace(microsecond=0)
    cal = Calendar()
    cal.add("prodid", "-//clinic-ops-planner//staffing roster//EN")
    cal.add("version", "2.0")
    cal.add("calscale", "GREGORIAN")
    cal.add("x-wr-calname", name or f"Roster {clinician_id}")
    cal.add("x-wr-timezone", TIMEZONE)
    for s in normalise(x for x in shifts if x.clinician_id == clinician_id):
        event = Event()
        event.add("uid", event_uid(s.clinician_id, s.day, s.block))
        event.add("dtstamp", stamp)
        event.add("sequence", sequence)
        event.add("dtstart", s.start)
        event.add("dtend", s.end)
        if s.kind == "mobile":
            event.add("summary", f"{shift_label(s, sites)} ({s.profession})")
            event.add("location", site_name(s, sites))
        else:
            event.add("summary", f"{s.kind.capitalize()} {s.block} ({s.profession})")
        event.add("categories", [s.kind])
        event.add("x-planner-block", s.block)
        event.add("x-planner-day", s.day.isoformat())
        cal.add_component(event)
    cal.add_missing_timezones()
    return cal


def write_ics(
    shifts: Iterable[ShiftLike | Any],
    directory: str | Path,
    *,
    sequence: int = 0,
    stamp: dt.datetime | None = None,
    clinician_ids: Iterable[str] | None = None,
    sites: Sites | None = None,
) -> list[Path]:
    """One ``CLINICIAN.ics`` per clinician in ``directory``; returns the files written."""
    items = normalise(shifts)
    directory = Path(directory)
    directory.mkdir(parents=True, exist_ok=True)
    ids = sorted(
        set(clinician_ids) if clinician_ids is not None else {s.clinician_id for s in items}
    )
    stamp = stamp or dt.datetime.now(dt.UTC).replace(microsecond=0)
    written = []
    for cid in ids:
        path = directory / f"{cid}.ics"
        tmp = part_path(path)
        calendar = calendar_for(cid, items, sequence=sequence, stamp=stamp, sites=sites)
        tmp.write_bytes(calendar.to_ical())
        tmp.replace(path)
        written.append(path)
    return written
