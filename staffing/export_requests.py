"""The availability requests as files a scheduler works from: CSV and XLSX.

One row per request: who is asked, for which day and block (Stockholm wall clock, hours on
absolute time), what it costs and which return visits it keeps. Two CSV dialects: plain
(comma, UTF-8, for tools) and Excel (semicolon, UTF-8 with a byte-order mark, decimal comma:
opens in columns in Swedish Excel). The XLSX has real date cells, a filter on the header and
a frozen header row. Files are written whole or not at all (a ``.part`` file renamed).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Protocol
from zoneinfo import ZoneInfo

from staffing.export import part_path, spreadsheet_safe, write_table_csv
from staffing.problem import TIMEZONE

STOCKHOLM = ZoneInfo(TIMEZONE)
WEEKDAYS_SV = ("måndag", "tisdag", "onsdag", "torsdag", "fredag", "lördag", "söndag")

COLUMNS = (
    "clinician_id",
    "clinician",
    "profession",
    "county",
    "day",
    "weekday",
    "block",
    "start",
    "end",
    "hours",
    "cost",
    "visits_kept",
    "visit_ids",
)


class RequestLike(Protocol):
    """What a stored request row offers (planner.storage.models.AvailabilityRequest)."""

    clinician_id: str
    profession: str
    county_code: str | None
    day: dt.date
    block: str
    start: dt.datetime
    end: dt.datetime
    cost: float
    visits_kept: int
    visit_ids: str


@dataclass(frozen=True)
class RequestLine:
    """One request as written: local times and hours on absolute time."""

    clinician_id: str
    clinician: str
    profession: str
    county: str
    day: dt.date
    block: str
    start: dt.datetime
    end: dt.datetime
    cost: float
    visits_kept: int
    visit_ids: str

    @property
    def hours(self) -> float:
        """Elapsed hours (10 across the October clock change for a 22-07 night)."""
        return round((self.end - self.start).total_seconds() / 3600, 2)

    def values(self) -> list[Any]:
        """The row in :data:`COLUMNS` order."""
        return [
            self.clinician_id,
            self.clinician,
            self.profession,
            self.county,
            self.day,
            WEEKDAYS_SV[self.day.weekday()],
            self.block,
            self.start,
            self.end,
            self.hours,
            self.cost,
            self.visits_kept,
            self.visit_ids,
        ]


def _local(value: dt.datetime) -> dt.datetime:
    aware = value if value.tzinfo else value.replace(tzinfo=dt.UTC)
    return aware.astimezone(STOCKHOLM)


def lines(
    requests: Iterable[RequestLike],
    names: Mapping[str, str] | None = None,
    counties: Mapping[str, str] | None = None,
) -> list[RequestLine]:
    """The rows in day, block, clinician order; ``names`` and ``counties`` map ids to names."""
    out = [
        RequestLine(
            r.clinician_id,
            (names or {}).get(r.clinician_id, r.clinician_id),
            r.profession,
            (counties or {}).get(r.county_code or "", r.county_code or ""),
            r.day,
            r.block,
            _local(r.start),
            _local(r.end),
            r.cost,
            r.visits_kept,
            r.visit_ids.replace(",", " "),
        )
        for r in requests
    ]
    return sorted(out, key=lambda x: (x.day, x.start, x.clinician_id))


def write_requests_csv(rows: Iterable[RequestLine], path: str | Path, excel: bool = False) -> Path:
    """One row per request. ``excel``: semicolons, decimal commas and a UTF-8 byte-order mark,
    so Swedish Excel opens it in columns; otherwise comma-separated UTF-8 for tools."""
    return write_table_csv(path, COLUMNS, (row.values() for row in rows), excel)


def write_requests_xlsx(rows: Iterable[RequestLine], path: str | Path) -> Path:
    """One sheet, a row per request: date and time cells, a filter on the header."""
    from openpyxl import Workbook
    from openpyxl.styles import Font, PatternFill
    from openpyxl.utils import get_column_letter

    items = list(rows)
    wb = Workbook()
    ws = wb.active
    assert ws is not None  # a new workbook has its sheet
    ws.title = "Requests"
    ws.append(list(COLUMNS))
    for cell in ws[1]:
        cell.font, cell.fill = Font(bold=True), PatternFill("solid", fgColor="DDEBF7")
    for row in items:
        values = row.values()
        values[7] = values[7].replace(tzinfo=None)  # Excel has no time zones: Stockholm time
        values[8] = values[8].replace(tzinfo=None)
        ws.append([spreadsheet_safe(v) for v in values])
    for r in range(2, len(items) + 2):
        ws.cell(r, 5).number_format = "yyyy-mm-dd"
        ws.cell(r, 8).number_format = ws.cell(r, 9).number_format = "yyyy-mm-dd hh:mm"
    widths = (14, 18, 16, 18, 12, 10, 12, 17, 17, 7, 7, 11, 40)
    for col, width in enumerate(widths, start=1):
        ws.column_dimensions[get_column_letter(col)].width = width
    ws.auto_filter.ref = f"A1:{get_column_letter(len(COLUMNS))}{len(items) + 1}"
    ws.freeze_panes = "A2"
    tmp = part_path(Path(path))
    wb.save(tmp)
    tmp.replace(path)
    return Path(path)
