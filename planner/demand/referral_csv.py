"""Bring-your-own referrals: read a regional planner's spirometry referral list (a CSV).

`load_referrals_csv` checks the header, then every row (date in the horizon, place, count or
id), and returns the same `Referral`s the seeded draws make, ordered the same way.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass
from pathlib import Path

import pandas as pd

from planner.demand.csvfile import (
    CsvFile,
    CsvProblem,
    ReferralCsvError,
    check_locality_header,
    parse_code,
    parse_value,
    row_cells,
    shown,
)
from planner.demand.localities import check_localities, kommun_seats, locality_places
from planner.demand.referrals import Referral
from planner.weeks import next_business_day

#: The columns a referral CSV may have (any other is an error).
REFERRAL_COLUMNS = frozenset({"date", "locality_id", "kommun_code", "count", "referral_id"})
_DATE_RE = re.compile(r"^\d{4}-\d{2}-\d{2}$")
#: Longest referral id the shipment and route tables store.
MAX_REFERRAL_ID_LENGTH = 32
#: Most referrals a CSV may give (the sum of its counts). The provider lends spirometers to a
#: few hundred patients a month, some 7,000 over the longest horizon (104 weeks); this is
#: seven times that, and what one routing run can plan.
MAX_REFERRALS = 50_000
#: Most data rows: a row may give 0 referrals, and a count per municipality and day with the
#: zeros written out is 290 x 728 = 211,120 rows over 104 weeks. Rows of 0 keep no memory.
MAX_REFERRAL_ROWS = 250_000
#: Largest ``count`` of one row (one place and day).
MAX_REFERRAL_COUNT = 1_000
_WEEKDAYS = ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday")

#: A checked row: business day counted from, locality id, line in the file, count, given id.
ReferralRow = tuple[dt.date, int, int, int, str | None]


@dataclass(frozen=True, slots=True)
class MovedReferral:
    """A CSV row dated on a weekend or holiday, counted from the next business day instead."""

    line: int
    written: dt.date
    used: dt.date


@dataclass(frozen=True, slots=True)
class ReferralCsv:
    """What `load_referrals_csv` read: the referrals and where they came from."""

    path: Path
    sha256: str  # of the file's bytes, so a run can say exactly which list it planned
    rows: int  # data rows in the file
    referrals: tuple[Referral, ...]
    moved: tuple[MovedReferral, ...]  # rows whose date was not a business day


@dataclass(frozen=True, slots=True)
class _ReferralHeader:
    """Which of the optional columns a referral CSV's header has."""

    has_loc: bool  # locality_id
    has_kommun: bool  # kommun_code
    has_count: bool  # count
    has_id: bool  # referral_id


def load_referrals_csv(
    path: Path, localities: pd.DataFrame, start: dt.date, days: int
) -> ReferralCsv:
    """Read your own spirometry referrals for the days ``[start, start + days)``.

    Format (UTF-8, comma- or semicolon-separated; header on line 1; one row per referral, or
    per place and day with ``count``):

    * ``date``: the referral day, ``YYYY-MM-DD``, inside the horizon. A weekend or Swedish
      holiday is kept and counted from the next business day (as the clinic receives it); if
      that day is past the horizon the row is an error.
    * ``locality_id`` (integer, as in ``data/geo/localities.parquet``) or ``kommun_code``
      (4 digits, e.g. ``0114``); with both, the locality must lie in that municipality. A
      municipality alone means its most populous locality (as ``planner.geo.find_place``
      resolves a kommun code): referrals are whole patients, so they are not spread.
    * optional ``count``: referrals in that row, a whole number from 0 to
      `MAX_REFERRAL_COUNT` (default 1).
    * optional ``referral_id``: your id for the row's one referral (unique, printable, at
      most 32 characters); not together with ``count``. Without it ids are ``R-000001, ...``.
    * no other columns; at most `MAX_REFERRAL_ROWS` rows and `MAX_REFERRALS` referrals in
      all, and the limits of :class:`~planner.demand.csvfile.CsvFile` (file size, line and
      cell length). The file is streamed; a limit ends the read at its line.

    The referrals are ordered like `daily_referrals` makes them: by (business) date, then
    locality_id, then line in the file. Everything is checked before anything is used; all
    problems (up to 20) are reported in one `ReferralCsvError` naming the file, the line
    (header = line 1) and the column.
    """
    path = Path(path)
    loc = check_localities(localities)
    end = start + dt.timedelta(days=days)
    with CsvFile(path, ReferralCsvError, MAX_REFERRAL_ROWS) as table:
        columns = _check_referral_header(table)
        rows, moved = _check_referral_rows(table, columns, loc, start, end)
        sha256 = table.sha256
        data_rows = table.data_rows
    return ReferralCsv(
        path=path,
        sha256=sha256,
        rows=data_rows,
        referrals=_referrals(rows, loc),
        moved=tuple(moved),
    )


def _check_referral_header(table: CsvFile) -> _ReferralHeader:
    """The header's column layout; raises `ReferralCsvError` for every problem in it."""
    hl = table.header_line
    problems = check_locality_header(table.header, hl, REFERRAL_COLUMNS)
    seen = set(table.header)
    has_count, has_id = "count" in seen, "referral_id" in seen
    if "date" not in seen:
        problems.append(CsvProblem(hl, "date", "missing required column"))
    if has_count and has_id:
        problems.append(
            CsvProblem(
                hl, "count", "give either referral_id (one referral per row) or count, not both"
            )
        )
    if problems:
        table.report(problems)
        table.finish()
    return _ReferralHeader("locality_id" in seen, "kommun_code" in seen, has_count, has_id)


def _check_referral_rows(
    table: CsvFile,
    columns: _ReferralHeader,
    loc: pd.DataFrame,
    start: dt.date,
    end: dt.date,
) -> tuple[list[ReferralRow], list[MovedReferral]]:
    """Every data row parsed, and the rows moved off a weekend or holiday; raises
    `ReferralCsvError` listing the problems of all rows, or at the first row past
    `MAX_REFERRALS`."""
    kommun_of, _county_of = locality_places(loc)
    seats = kommun_seats(loc)
    first_line: dict[str, int] = {}
    parsed: list[ReferralRow] = []
    moved: list[MovedReferral] = []
    total = 0
    for line, cells in table.rows():
        problems: list[CsvProblem] = []
        row = row_cells(table.header, line, cells, problems)
        if row is None:
            table.report(problems)
            continue
        row_problems: list[tuple[str, str]] = []
        code = parse_code(row, columns.has_loc, columns.has_kommun, seats, kommun_of, row_problems)
        dates = _parse_referral_date(row["date"], start, end, row_problems)
        count = (
            _parse_count(row["count"], table.decimal_comma, row_problems)
            if columns.has_count
            else 1
        )
        rid = row["referral_id"] if columns.has_id else None
        if rid is not None:
            _check_referral_id(rid, line, first_line, row_problems)
        table.report([CsvProblem(line, c, m) for c, m in row_problems])
        if row_problems or code is None or dates is None or count is None:
            continue
        total += count
        if total > MAX_REFERRALS:
            table.fail(
                line,
                f"more than {MAX_REFERRALS:,} referrals in all, the most a referral CSV may "
                "give; split the horizon",
                "count" if columns.has_count else "-",
            )
        if count == 0:
            continue  # nothing to plan (nor to move off a weekend)
        locality = code if isinstance(code, int) else seats[code]
        parsed.append((dates[1], locality, line, count, rid))
        if dates[0] != dates[1]:
            moved.append(MovedReferral(line, *dates))
    table.finish()
    return parsed, moved


def _parse_count(raw: str, decimal_comma: bool, problems: list[tuple[str, str]]) -> int | None:
    """The row's ``count``: a whole number from 0 to `MAX_REFERRAL_COUNT`; None and a problem
    otherwise."""
    value = parse_value(
        raw,
        "count",
        decimal_comma,
        problems,
        empty_hint="write 0 for no referrals",
        maximum=MAX_REFERRAL_COUNT,
    )
    if value is not None and not value.is_integer():
        problems.append(("count", f"not a whole number of referrals{shown(raw)}"))
        return None
    return None if value is None else int(value)


def _check_referral_id(
    rid: str, line: int, first_line: dict[str, int], problems: list[tuple[str, str]]
) -> None:
    """A problem if ``rid`` is empty, too long, not printable or seen before; else remember
    its line. The id is never repeated in the message (it is the file's free text)."""
    if not rid:
        problems.append(("referral_id", "empty referral id"))
    elif len(rid) > MAX_REFERRAL_ID_LENGTH:
        problems.append(
            (
                "referral_id",
                f"the referral id has {len(rid)} characters; at most {MAX_REFERRAL_ID_LENGTH}",
            )
        )
    elif not rid.isprintable():
        problems.append(("referral_id", "the referral id has characters that are not printable"))
    elif rid in first_line:
        problems.append(
            ("referral_id", f"duplicate of line {first_line[rid]} (the same referral id)")
        )
    else:
        first_line[rid] = line


def _referrals(rows: list[ReferralRow], loc: pd.DataFrame) -> tuple[Referral, ...]:
    """One `Referral` per counted referral, by (business) date, locality_id, line in the file."""
    kommun_of, county_of = locality_places(loc)
    referrals: list[Referral] = []
    for day, locality, _, count, rid in sorted(rows, key=lambda r: r[:3]):
        for _ in range(count):
            referrals.append(
                Referral(
                    referral_id=rid or f"R-{len(referrals) + 1:06d}",
                    locality_id=locality,
                    kommun_code=kommun_of[locality],
                    county_code=county_of[locality],
                    date=day,
                )
            )
    return tuple(referrals)


def _parse_referral_date(
    raw: str, start: dt.date, end: dt.date, problems: list[tuple[str, str]]
) -> tuple[dt.date, dt.date] | None:
    """The written date and the business day it counts from; None and a problem if unusable.

    ``[start, end)`` is the horizon. A weekend or holiday moves to the next business day, which
    must still lie in the horizon.
    """
    try:
        if not _DATE_RE.match(raw):
            raise ValueError
        day = dt.date.fromisoformat(raw)
    except ValueError:
        problems.append(("date", f"bad date{shown(raw)}: write YYYY-MM-DD, e.g. 2026-11-09"))
        return None
    last = end - dt.timedelta(days=1)
    if not start <= day < end:
        problems.append(
            (
                "date",
                f"{day} is outside the scenario's horizon {start} to {last} "
                "(scenario.start_week and scenario.horizon_weeks)",
            )
        )
        return None
    used = next_business_day(day)
    if used >= end:
        what = _WEEKDAYS[day.weekday()] if day.weekday() >= 5 else "Swedish holiday"
        problems.append(
            (
                "date",
                f"{day} is a {what}; the next business day, {used}, is after the horizon's last "
                f"day {last}",
            )
        )
        return None
    return day, used
