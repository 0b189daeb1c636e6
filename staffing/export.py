"""Roster exports for schedulers: CSV, XLSX (a sheet per week) and iCalendar per clinician.

Input is any sequence of shift records with the attributes of :class:`ExportShift`
(``clinician_id, profession, day, block, start, end, kind, site_id``); stored ``Shift`` rows
work as they are. ``start``/``end`` are Europe/Stockholm wall-clock times (naive, or aware in
any zone: they are converted). Files are written to ``PATH.part`` and then renamed, so a
failed export never leaves half a file.

* CSV: one row per shift; times as ISO 8601 with the Stockholm UTC offset; each row also
  carries its clinician's home county, worked hours over the horizon and contract hours over
  the horizon (so a pivot or filter finds who is over or under contract).
* XLSX: one sheet per ISO week, clinicians x days (the day headers are date cells), each cell
  the blocks worked that day, then the week's worked hours, contract hours and difference;
  a filter on the header, frozen header row and name columns. A last sheet, "Contract hours",
  sums each clinician over the horizon.
* iCalendar: one ``.ics`` per clinician (``METHOD:PUBLISH``), with a VTIMEZONE for
  Europe/Stockholm; each event's UID is built from clinician, day and block, so a re-export
  updates the same events in a calendar client. Given the earlier rosters of the same plan
  (:class:`Roster`, oldest first), :func:`revise` makes a re-export after a re-plan
  self-sufficient: ``SEQUENCE`` is the roster (run id) in which the event last changed, and a
  shift that was in an earlier roster but is not in this one is written as a
  ``STATUS:CANCELLED`` event with its UID and a higher ``SEQUENCE``. The folder gets an
  ``index.html`` listing who has which file (subscription URLs with a base URL).

Hours: ``ExportShift.hours`` is elapsed time; worked hours (compared with the contract) leave
out the block's unpaid breaks (``breaks``: block name -> break hours, from the caller who
knows the blocks). Contract hours over a span are the weekly contract pro rata to its days,
as the staffing rules count them (:func:`staffing.rules.contract_per_period`).

Mobile-clinic shifts are named by their site (``sites``: site id -> place name, from the
placement plan): "Mobile clinic Fittja" in the XLSX cells and calendar titles, the name in the
CSV's ``site`` column and the event's LOCATION. Without a name the site id stands in.

Every spreadsheet cell (CSV and XLSX, here and in every other export) goes through
:func:`spreadsheet_safe`: text that a spreadsheet would run as a formula is neutralised.
"""

from __future__ import annotations

import csv
import datetime as dt
import hashlib
import html
import numbers
import re
from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any, Protocol
from urllib.parse import quote
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
    "home_county",
    "worked_hours",
    "rostered_hours",
    "contract_hours",
)
UID_DOMAIN = "roster.clinic-ops-planner"
#: A day header as Swedish Excel and LibreOffice show it: "mån 2 nov" (a date cell, locale 041D).
DAY_HEADER_FORMAT = "[$-41D]ddd d mmm"


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
#: Block name -> unpaid break hours inside it (the night's 30 minutes, a mobile day's lunch).
Breaks = Mapping[str, float]


@dataclass(frozen=True)
class RosterPerson:
    """A clinician as the exports show them: home county by name, weekly contract hours
    (``None``: not known, the contract columns stay empty)."""

    clinician_id: str
    profession: str
    home_county: str = ""
    contract_hours: float | None = None


@dataclass(frozen=True)
class HoursLine:
    """A clinician's worked hours against their contract over some days."""

    person: RosterPerson
    worked: float
    contract: float | None

    @property
    def difference(self) -> float | None:
        """Worked minus contract hours (positive: over contract)."""
        return None if self.contract is None else round(self.worked - self.contract, 2)


def worked_hours(s: ExportShift, breaks: Breaks | None = None) -> float:
    """Hours worked in a shift: elapsed time (DST-aware) less the block's unpaid breaks."""
    return s.hours - (breaks or {}).get(s.block, 0.0)


def contract_over(person: RosterPerson, days: int) -> float | None:
    """A clinician's contract hours over ``days`` days (weekly contract pro rata, as
    :func:`staffing.rules.contract_per_period` counts them)."""
    return None if person.contract_hours is None else round(person.contract_hours * days / 7, 2)


def roster_people(
    items: Sequence[ExportShift], people: Sequence[RosterPerson] | None
) -> list[RosterPerson]:
    """``people`` in their order, then anyone with a shift who is not among them (by id)."""
    listed = list(people or [])
    known = {p.clinician_id for p in listed}
    extra = sorted({(s.clinician_id, s.profession) for s in items if s.clinician_id not in known})
    return listed + [RosterPerson(cid, prof) for cid, prof in extra]


def horizon_of(items: Sequence[ExportShift], days: Sequence[dt.date] | None) -> list[dt.date]:
    """The days a roster covers: ``days`` if given, else every day of the ISO weeks with a
    shift (the XLSX's sheets)."""
    if days is not None:
        return sorted(set(days))
    mondays = {s.day - dt.timedelta(days=s.day.weekday()) for s in items}
    return sorted(m + dt.timedelta(days=i) for m in mondays for i in range(7))


def hours_lines(
    items: Sequence[ExportShift],
    people: Sequence[RosterPerson],
    days: Sequence[dt.date],
    breaks: Breaks | None = None,
) -> dict[str, HoursLine]:
    """Each person's worked hours on ``days`` and contract hours over them, by clinician id."""
    inside = set(days)
    worked: defaultdict[str, float] = defaultdict(float)
    for s in items:
        if s.day in inside:
            worked[s.clinician_id] += worked_hours(s, breaks)
    return {
        p.clinician_id: HoursLine(
            p, round(worked[p.clinician_id], 2), contract_over(p, len(inside))
        )
        for p in people
    }


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
    *,
    people: Sequence[RosterPerson] | None = None,
    days: Sequence[dt.date] | None = None,
    breaks: Breaks | None = None,
) -> Path:
    """One row per shift; ``site`` names a mobile clinic's place; ``excel``: the dialect
    Swedish Excel opens in columns (see :func:`write_table_csv`).

    The last columns repeat the clinician's summary on each of their rows: ``home_county``
    (name), ``worked_hours`` of this shift (breaks left out), ``rostered_hours`` and
    ``contract_hours`` of the clinician over the horizon ``days`` (as the XLSX's "Contract
    hours" sheet; empty when the contract is not known)."""
    items = normalise(shifts)
    lines = hours_lines(items, roster_people(items, people), horizon_of(items, days), breaks)
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
            lines[s.clinician_id].person.home_county,
            round(worked_hours(s, breaks), 2),
            lines[s.clinician_id].worked,
            lines[s.clinician_id].contract,
        ]
        for s in items
    )
    return write_table_csv(path, CSV_COLUMNS, rows, excel)


def week_key(day: dt.date) -> str:
    """ISO week as ``2026-W45`` (the sheet name)."""
    iso = day.isocalendar()
    return f"{iso.year}-W{iso.week:02d}"


def write_xlsx(
    shifts: Iterable[ShiftLike | Any],
    path: str | Path,
    people: Sequence[RosterPerson] | None = None,
    sites: Sites | None = None,
    *,
    days: Sequence[dt.date] | None = None,
    breaks: Breaks | None = None,
) -> Path:
    """One sheet per ISO week: a row per clinician, a column per day, blocks in the cells, then
    the week's worked hours, contract hours and their difference; a last sheet "Contract hours"
    with the same over the whole horizon.

    ``people`` lists everyone on every sheet (in that order), also those without a shift that
    week, with home county and contract; anyone else with a shift follows. ``days`` is the
    horizon (contract hours are pro rata to the days of a week inside it); by default every
    day of the weeks with a shift. Day headers are date cells shown as "mån 2 nov"; every sheet
    has a filter on its header and frozen header row and name columns.
    """
    from openpyxl import Workbook

    items = normalise(shifts)
    everyone = roster_people(items, people)
    horizon = horizon_of(items, days)
    weeks: dict[str, list[ExportShift]] = defaultdict(list)
    for s in items:
        weeks[week_key(s.day)].append(s)
    wb = Workbook()
    wb.remove(wb.active)
    for key in sorted(weeks):
        year, week = int(key[:4]), int(key[-2:])
        monday = dt.date.fromisocalendar(year, week, 1)
        week_days = [monday + dt.timedelta(days=i) for i in range(7)]
        lines = hours_lines(weeks[key], everyone, [d for d in horizon if d in week_days], breaks)
        cells: dict[tuple[str, dt.date], list[ExportShift]] = defaultdict(list)
        for s in weeks[key]:
            cells[(s.clinician_id, s.day)].append(s)
        rows = []
        for p in everyone:
            labels = [
                "\n".join(
                    shift_label(s, sites)
                    for s in sorted(cells.get((p.clinician_id, d), []), key=lambda s: s.start)
                )
                or None
                for d in week_days
            ]
            line = lines[p.clinician_id]
            rows.append([*_name_cells(p), *labels, line.worked, line.contract, line.difference])
        ws = wb.create_sheet(key)
        _table_sheet(ws, [*NAME_HEADER, *week_days, *HOURS_HEADER], rows, day_columns=7)
    if not wb.sheetnames:
        wb.create_sheet("empty").append(["No shifts in this roster."])
    totals = hours_lines(items, everyone, horizon, breaks)
    summary = [
        [
            *_name_cells(line.person),
            line.person.contract_hours,
            line.worked,
            line.contract,
            line.difference,
        ]
        for line in totals.values()
    ]
    header = [*NAME_HEADER, "Contract hours per week", *HOURS_HEADER]
    _table_sheet(wb.create_sheet(SUMMARY_SHEET), header, summary)
    tmp = part_path(Path(path))
    wb.save(tmp)
    tmp.replace(path)
    return Path(path)


#: The name columns of every roster sheet, frozen with the header row.
NAME_HEADER = ("Clinician", "Profession", "Home county")
#: The hours columns after the days (and on the summary sheet).
HOURS_HEADER = ("Worked hours", "Contract hours", "Difference")
#: The last sheet: each clinician over the whole horizon.
SUMMARY_SHEET = "Contract hours"


def _name_cells(p: RosterPerson) -> list[str | None]:
    return [p.clinician_id, p.profession, p.home_county or None]


def _table_sheet(
    ws: Any, header: Sequence[Any], rows: list[list[Any]], day_columns: int = 0
) -> None:
    """A header and rows on ``ws``: text made safe, the ``day_columns`` after the name columns
    are date headers over wrapped cells (weekends shaded), a filter on the header, frozen
    header row and name columns."""
    from openpyxl.styles import Alignment, Font, PatternFill
    from openpyxl.utils import get_column_letter

    ws.append([spreadsheet_safe(h) for h in header])
    shade, weekend = PatternFill("solid", fgColor="DDEBF7"), PatternFill("solid", fgColor="F2F2F2")
    for cell in ws[1]:
        cell.font, cell.fill = Font(bold=True), shade
        cell.alignment = Alignment(wrap_text=True, vertical="top")
    for row in rows:
        ws.append([spreadsheet_safe(v) for v in row])
    first = len(NAME_HEADER) + 1
    for col in range(first, first + day_columns):
        head = ws.cell(1, col)
        head.number_format = DAY_HEADER_FORMAT
        if head.value.weekday() >= 5:
            head.fill = weekend
        for r in range(2, len(rows) + 2):
            cell = ws.cell(r, col)
            cell.alignment = Alignment(wrap_text=True, vertical="top")
            if head.value.weekday() >= 5:
                cell.fill = weekend
    for col in range(1, len(header) + 1):
        day = first <= col < first + day_columns
        ws.column_dimensions[get_column_letter(col)].width = 16 if day or col == 3 else 13
    last = get_column_letter(len(header))
    ws.auto_filter.ref = f"A1:{last}{len(rows) + 1}"
    ws.freeze_panes = ws.cell(2, len(NAME_HEADER) + 1).coordinate


def event_uid(clinician_id: str, day: dt.date, block: str) -> str:
    """Stable UID of a shift event: the same shift gets the same UID in every export."""
    safe = "".join(ch if ch.isalnum() or ch in "-_" else "_" for ch in block)
    return f"{clinician_id}-{day:%Y%m%d}-{safe}@{UID_DOMAIN}"


@dataclass(frozen=True)
class Roster:
    """One stored roster of a plan: its shifts, a number that grows with every re-plan (the
    run id) and when it was made (the run's finish time)."""

    sequence: int
    stamp: dt.datetime
    shifts: Sequence[ShiftLike | Any]


@dataclass(frozen=True)
class RosterEvent:
    """A calendar event of the exported roster: its shift as last planned, the ``sequence``
    and ``modified`` time of the roster in which it last changed, and whether it is cancelled
    (in an earlier roster, not in this one)."""

    shift: ExportShift
    sequence: int
    modified: dt.datetime
    cancelled: bool = False

    @property
    def uid(self) -> str:
        """The event's stable UID."""
        return event_uid(self.shift.clinician_id, self.shift.day, self.shift.block)


def revise(current: Roster, earlier: Sequence[Roster] = ()) -> list[RosterEvent]:
    """The events of ``current`` after the ``earlier`` rosters of the same plan (oldest first).

    Walking the rosters in order, an event (by UID) takes the roster's sequence and stamp
    whenever it appears, changes (times, kind, site, profession) or disappears; a disappeared
    one stays as a cancelled event. So ``SEQUENCE`` grows exactly when a client must update,
    an unchanged shift keeps its number in every re-export, and a clinician who imports any
    later export has no stale shift, however many exports they skipped.
    """
    state: dict[str, RosterEvent] = {}
    for roster in sorted([*earlier, current], key=lambda r: r.sequence):
        now = {event_uid(s.clinician_id, s.day, s.block): s for s in normalise(roster.shifts)}
        for uid, s in now.items():
            old = state.get(uid)
            if old is None or old.cancelled or old.shift != s:
                state[uid] = RosterEvent(s, roster.sequence, roster.stamp)
        for uid, old in state.items():
            if uid not in now and not old.cancelled:
                state[uid] = RosterEvent(old.shift, roster.sequence, roster.stamp, True)
    return sorted(state.values(), key=lambda e: e.shift)


def calendar_for(
    clinician_id: str,
    shifts: Iterable[ShiftLike | Any],
    *,
    sequence: int = 0,
    stamp: dt.datetime | None = None,
    name: str | None = None,
    sites: Sites | None = None,
    earlier: Sequence[Roster] = (),
) -> Calendar:
    """An ``icalendar.Calendar`` of one clinician's shifts (the roster ``sequence``, made at
    ``stamp``), with cancellations of shifts from the ``earlier`` rosters (:func:`revise`)."""
    stamp = stamp or dt.datetime.now(dt.UTC).replace(microsecond=0)
    mine = [s for s in shifts if s.clinician_id == clinician_id]
    past = [
        Roster(r.sequence, r.stamp, [s for s in r.shifts if s.clinician_id == clinician_id])
        for r in earlier
    ]
    events = revise(Roster(sequence, stamp, mine), past)
    return _calendar(clinician_id, events, stamp, name, sites)


def _calendar(
    clinician_id: str,
    events: Iterable[RosterEvent],
    stamp: dt.datetime,
    name: str | None,
    sites: Sites | None,
) -> Calendar:
    """A published calendar of ``events``: ``DTSTAMP`` is when this roster was made."""
    from icalendar import Calendar, Event

    cal = Calendar()
    cal.add("prodid", "-//clinic-ops-planner//staffing roster//EN")
    cal.add("version", "2.0")
    cal.add("calscale", "GREGORIAN")
    # PUBLISH (RFC 5546): a feed to show, not an invitation to answer; cancelled events stay
    # in it with STATUS:CANCELLED, which is how published feeds remove an event.
    cal.add("method", "PUBLISH")
    cal.add("x-wr-calname", name or f"Roster {clinician_id}")
    cal.add("x-wr-timezone", TIMEZONE)
    # How often a subscribed client should fetch again (RFC 7986; X-PUBLISHED-TTL for Outlook).
    cal.add("refresh-interval", dt.timedelta(hours=12), parameters={"VALUE": "DURATION"})
    cal.add("x-published-ttl", "PT12H")
    for e in events:
        s = e.shift
        if s.clinician_id != clinician_id:
            continue
        event = Event()
        event.add("uid", e.uid)
        event.add("dtstamp", stamp)
        event.add("last-modified", e.modified)
        event.add("sequence", e.sequence)
        event.add("dtstart", s.start)
        event.add("dtend", s.end)
        if s.kind == "mobile":
            summary = f"{shift_label(s, sites)} ({s.profession})"
            event.add("location", site_name(s, sites))
        else:
            summary = f"{s.kind.capitalize()} {s.block} ({s.profession})"
        if e.cancelled:
            # Clients that ignore STATUS still show the word, never a live-looking shift.
            event.add("summary", f"Cancelled: {summary}")
            event.add("status", "CANCELLED")
            event.add("transp", "TRANSPARENT")
        else:
            event.add("summary", summary)
            event.add("status", "CONFIRMED")
        event.add("categories", [s.kind])
        event.add("x-planner-block", s.block)
        event.add("x-planner-day", s.day.isoformat())
        cal.add_component(event)
    cal.add_missing_timezones()
    return cal


#: A clinician id that is a file name as it is (no path separators, dots or spaces).
_PLAIN_ID = re.compile(r"[A-Za-z0-9][A-Za-z0-9_-]{0,63}")


def calendar_file_names(clinician_ids: Iterable[str]) -> dict[str, str]:
    """Clinician id -> ``.ics`` file name, safe to write and to serve: a plain id is its own
    name (``C0001.ics``); any other id (``../x``, spaces, dots, 64+ characters), and ids that
    differ only in case (one file on Windows and macOS), get their letters, digits, ``_`` and
    ``-`` plus a hash of the id, so no id can leave the folder or overwrite another's file."""
    ids = sorted(set(clinician_ids))
    folded = defaultdict(list)
    for cid in ids:
        folded[cid.casefold()].append(cid)
    out = {}
    for cid in ids:
        if _PLAIN_ID.fullmatch(cid) and len(folded[cid.casefold()]) == 1:
            out[cid] = f"{cid}.ics"
        else:
            stem = re.sub(r"[^A-Za-z0-9_-]+", "_", cid).strip("_-")[:40] or "clinician"
            out[cid] = f"{stem}-{hashlib.sha256(cid.encode()).hexdigest()[:12]}.ics"
    return out


#: The listing written beside the calendars.
INDEX_FILE = "index.html"


def write_ics(
    shifts: Iterable[ShiftLike | Any],
    directory: str | Path,
    *,
    sequence: int = 0,
    stamp: dt.datetime | None = None,
    clinician_ids: Iterable[str] | None = None,
    sites: Sites | None = None,
    earlier: Sequence[Roster] = (),
    people: Sequence[RosterPerson] | None = None,
    base_url: str | None = None,
    title: str = "Rosters",
) -> list[Path]:
    """One calendar per clinician in ``directory`` (see :func:`calendar_file_names`) and an
    ``index.html`` listing them; returns the calendars written.

    ``sequence``/``stamp`` identify this roster, ``earlier`` the plan's earlier rosters: a
    clinician whose shifts were all removed still gets a calendar, of cancellations;
    ``clinician_ids`` get a calendar even without any shift (one to subscribe to early). With
    ``base_url`` (where the folder is published) the index gives each calendar's subscription
    URL. Every file is written whole (``.part`` renamed); other files in the folder stay.
    """
    items = normalise(shifts)
    stamp = stamp or dt.datetime.now(dt.UTC).replace(microsecond=0)
    events = revise(Roster(sequence, stamp, items), earlier)
    by_clinician: defaultdict[str, list[RosterEvent]] = defaultdict(list)
    for e in events:
        by_clinician[e.shift.clinician_id].append(e)
    ids = set(by_clinician) | set(clinician_ids or ())
    directory = Path(directory)
    directory.mkdir(parents=True, exist_ok=True)
    names = calendar_file_names(ids)
    written = []
    for cid in sorted(ids):
        path = directory / names[cid]
        tmp = part_path(path)
        calendar = _calendar(cid, by_clinician.get(cid, []), stamp, None, sites)
        tmp.write_bytes(calendar.to_ical())
        tmp.replace(path)
        written.append(path)
    listed = roster_people(items, people)
    known = {p.clinician_id: p for p in listed}
    who = [
        known.get(cid)
        or RosterPerson(cid, by_clinician[cid][0].shift.profession if cid in by_clinician else "")
        for cid in sorted(ids)
    ]
    index = directory / INDEX_FILE
    tmp = part_path(index)
    tmp.write_text(_index_html(who, names, by_clinician, base_url, title), encoding="utf-8")
    tmp.replace(index)
    return written


def _index_html(
    people: Sequence[RosterPerson],
    names: Mapping[str, str],
    events: Mapping[str, Sequence[RosterEvent]],
    base_url: str | None,
    title: str,
) -> str:
    """The folder's listing: who has which calendar (every text escaped)."""
    esc = html.escape
    rows = []
    for p in people:
        link = quote(names[p.clinician_id])
        url = f"{base_url.rstrip('/')}/{link}" if base_url else None
        shifts = sum(1 for e in events.get(p.clinician_id, []) if not e.cancelled)
        cells = [
            esc(p.clinician_id),
            esc(p.profession),
            esc(p.home_county),
            str(shifts),
            f'<a href="{esc(link)}">{esc(names[p.clinician_id])}</a>',
        ]
        if url:
            cells.append(f'<a href="{esc(url)}">{esc(url)}</a>')
        rows.append("<tr>" + "".join(f"<td>{c}</td>" for c in cells) + "</tr>")
    heads = ["Clinician", "Profession", "Home county", "Shifts", "Calendar file"]
    if base_url:
        heads.append("Subscription URL")
    how = (
        "Subscribe to your calendar's URL in your calendar application (Outlook: Add calendar, "
        "From Internet; Google Calendar: Other calendars, From URL; Apple Calendar: File, New "
        "Calendar Subscription). A subscription picks up re-plans by itself; importing a file "
        "again also updates moved shifts and cancels removed ones."
    )
    return (
        '<!DOCTYPE html>\n<html lang="en">\n<head><meta charset="utf-8">'
        f"<title>{esc(title)}</title></head>\n<body>\n<h1>{esc(title)}</h1>\n<p>{how}</p>\n"
        "<table>\n<tr>"
        + "".join(f"<th>{h}</th>" for h in heads)
        + "</tr>\n"
        + "\n".join(rows)
        + "\n</table>\n</body>\n</html>\n"
    )
