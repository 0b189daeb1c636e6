"""Bring-your-own demand: read a demand CSV into the model's long format, and write one.

`load_demand_csv` checks the header, then every row, then spreads municipality rows over their
localities by population; `write_demand_csv` writes the format back (a template to fill in).
"""

from __future__ import annotations

from array import array
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd

from planner.demand.csvfile import (
    CsvFile,
    CsvProblem,
    DemandCsvError,
    check_locality_header,
    parse_code,
    parse_value,
    parse_week_cells,
    row_cells,
)
from planner.demand.localities import check_localities, locality_places
from planner.demand.model import DEMAND_COLUMNS, empty_demand
from planner.demand.params import SERVICES
from planner.weeks import format_iso_week

#: The columns a demand CSV may have (any other is an error, never silently ignored).
ALLOWED_COLUMNS = frozenset(
    {"kommun_code", "locality_id", "week", "iso_year", "iso_week", *SERVICES}
)
#: Most locality-weeks a demand CSV may give (a municipality row counts once per locality it
#: is spread over): every locality of Sweden (2,799) for 104 weeks, the longest horizon, is
#: 291,096. The long frame has four rows per locality-week.
MAX_DEMAND_PLACE_WEEKS = 300_000
#: Most data rows (each row gives at least one locality-week).
MAX_DEMAND_ROWS = MAX_DEMAND_PLACE_WEEKS
#: Largest value of one cell: contacts of one service line in one place and week (all of
#: Sweden has about 800,000 primary-care contacts a week).
MAX_DEMAND_VALUE = 1_000_000.0


@dataclass(frozen=True, slots=True)
class _DemandHeader:
    """Which of the alternative columns a demand CSV's header has."""

    has_loc: bool  # locality_id
    has_kommun: bool  # kommun_code
    has_week: bool  # week (else iso_year + iso_week)
    services: tuple[str, ...]  # the service columns present, in `SERVICES` order


@dataclass(frozen=True)
class _Spread:
    """Where a row's key (locality id, or kommun code) goes: localities and population shares,
    flattened so the long frame is built with numpy (key ``k`` owns entries
    ``start[k] : start[k] + count[k]`` of ``locality`` and ``share``)."""

    index: dict[int | str, int]  # row key -> k
    start: np.ndarray
    count: np.ndarray
    locality: np.ndarray
    share: np.ndarray


@dataclass
class _DemandRows:
    """The checked rows, compact (a few dozen bytes a row): spread key, ISO year and week, and
    the value of each service column."""

    key: array[int] = field(default_factory=lambda: array("q"))
    year: array[int] = field(default_factory=lambda: array("q"))
    week: array[int] = field(default_factory=lambda: array("q"))
    values: dict[str, array[float]] = field(default_factory=dict)


def load_demand_csv(path: Path, localities: pd.DataFrame) -> pd.DataFrame:
    """Read your own demand figures; returns the same long format as `weekly_demand`.

    Format (UTF-8, comma- or semicolon-separated; header on line 1):

    * ``kommun_code`` (4 digits, e.g. ``0114``) or ``locality_id`` (integer); with both,
      the locality must lie in that municipality. Municipality rows are spread over its
      localities by population share (equally if they all have population 0).
    * ``week`` like ``2026-W45``, or the two columns ``iso_year`` and ``iso_week``.
    * one column per service line: ``primary_care``, ``vaccination``, ``health_check``,
      ``spirometry`` (at least one; a missing one means 0). Values are numbers from 0 to
      `MAX_DEMAND_VALUE` (a decimal comma is accepted in semicolon files); empty cells are an
      error (write 0).
    * no other columns (a misspelt service column would otherwise be silently ignored).
    * at most `MAX_DEMAND_PLACE_WEEKS` locality-weeks, and the limits of
      :class:`~planner.demand.csvfile.CsvFile` (file size, line and cell length).

    The file is streamed: rows are checked as they are read and kept compactly, so memory
    follows the accepted rows; a limit ends the read at its line. All problems (up to 20) are
    reported in one `DemandCsvError` naming the file, the line (header = line 1) and the
    column; nothing is used before every row is checked.
    """
    path = Path(path)
    loc = check_localities(localities)
    with CsvFile(path, DemandCsvError, MAX_DEMAND_ROWS) as table:
        columns = _check_demand_header(table)
        spread = _spread(loc, by_locality=columns.has_loc)
        rows = _check_demand_rows(table, columns, loc, spread)
    return _long_frame(rows, loc, spread)


def _check_demand_header(table: CsvFile) -> _DemandHeader:
    """The header's column layout; raises `DemandCsvError` for every problem in it."""
    hl = table.header_line
    problems = check_locality_header(table.header, hl, ALLOWED_COLUMNS)
    seen = set(table.header)
    has_week, has_pair = "week" in seen, {"iso_year", "iso_week"} <= seen
    if has_week and ({"iso_year", "iso_week"} & seen):
        problems.append(CsvProblem(hl, "week", "give either week or iso_year + iso_week, not both"))
    elif not has_week and not has_pair:
        problems.append(CsvProblem(hl, "week", "missing required column (or iso_year + iso_week)"))
    services = tuple(s for s in SERVICES if s in seen)
    if not services:
        problems.append(
            CsvProblem(hl, "/".join(SERVICES), "missing required column: at least one service line")
        )
    if problems:
        table.report(problems)
        table.finish()
    return _DemandHeader("locality_id" in seen, "kommun_code" in seen, has_week, services)


def _check_demand_rows(
    table: CsvFile, columns: _DemandHeader, loc: pd.DataFrame, spread: _Spread
) -> _DemandRows:
    """Every data row parsed; raises `DemandCsvError` listing the problems of all rows, or at
    the first row past `MAX_DEMAND_PLACE_WEEKS`."""
    kommun_of, _county_of = locality_places(loc)
    known_kommun = set(kommun_of.values())
    code_col = "locality_id" if columns.has_loc else "kommun_code"
    out = _DemandRows(values={s: array("d") for s in columns.services})
    first_seen: dict[int, int] = {}  # (key, year, week) packed in one int -> line
    place_weeks = 0
    for line, cells in table.rows():
        problems: list[CsvProblem] = []
        row = row_cells(table.header, line, cells, problems)
        if row is None:
            table.report(problems)
            continue
        row_problems: list[tuple[str, str]] = []
        code = parse_code(
            row, columns.has_loc, columns.has_kommun, known_kommun, kommun_of, row_problems
        )
        week = parse_week_cells(row, columns.has_week, row_problems)
        values: dict[str, float] = {}
        for s in columns.services:
            value = parse_value(
                row[s], s, table.decimal_comma, row_problems, maximum=MAX_DEMAND_VALUE
            )
            if value is not None:
                values[s] = value
        key = None if code is None else spread.index[code]
        if key is not None and week is not None:
            packed = (key * 10_000 + week[0]) * 100 + week[1]
            if packed in first_seen:
                row_problems.append(
                    (
                        f"{code_col}, week",
                        f"duplicate of line {first_seen[packed]} ({code_col} {code}, "
                        f"week {format_iso_week(*week)})",
                    )
                )
            else:
                first_seen[packed] = line
        table.report([CsvProblem(line, c, m) for c, m in row_problems])
        if row_problems or key is None or week is None:
            continue
        place_weeks += int(spread.count[key])
        if place_weeks > MAX_DEMAND_PLACE_WEEKS:
            table.fail(
                line,
                f"more than {MAX_DEMAND_PLACE_WEEKS:,} locality-weeks (a municipality row counts "
                "once per locality), the most a demand CSV may give; split the file",
            )
        out.key.append(key)
        out.year.append(week[0])
        out.week.append(week[1])
        for s in columns.services:
            out.values[s].append(values[s])
    table.finish()
    return out


def _spread(loc: pd.DataFrame, *, by_locality: bool) -> _Spread:
    """For each row key (locality id, or kommun code), the localities it goes to (as rows of
    ``loc``) and their shares: a kommun's rows are spread by population share (equally if all
    its localities have 0)."""
    if by_locality:
        n = len(loc)
        ids = loc["locality_id"].to_numpy(dtype=np.int64)
        return _Spread(
            {int(i): k for k, i in enumerate(ids)},
            np.arange(n),
            np.ones(n, dtype=np.int64),
            np.arange(n),
            np.ones(n),
        )
    keys: dict[int | str, int] = {}
    counts: list[int] = []
    positions: list[np.ndarray] = []
    shares: list[np.ndarray] = []
    for kommun, group in loc.groupby("kommun_code", sort=False):
        pops = group["population"].to_numpy(dtype=float)
        keys[str(kommun)] = len(keys)
        counts.append(len(group))
        positions.append(group.index.to_numpy(dtype=np.int64))  # loc has a 0..n-1 index
        total = pops.sum()
        shares.append(pops / total if total > 0 else np.full(len(pops), 1.0 / len(pops)))
    count = np.array(counts, dtype=np.int64)
    start = np.concatenate([[0], np.cumsum(count)[:-1]]).astype(np.int64)
    return _Spread(keys, start, count, np.concatenate(positions), np.concatenate(shares))


def _long_frame(rows: _DemandRows, loc: pd.DataFrame, spread: _Spread) -> pd.DataFrame:
    """The checked rows as a long demand frame (`DEMAND_COLUMNS`), sorted like `weekly_demand`.

    Built column-wise with numpy (codes taken from the locality table's own arrays): a row
    of the long frame costs its values, not a Python dict and string objects.
    """
    if not len(rows.key):
        return empty_demand()
    key = np.asarray(rows.key, dtype=np.int64)
    count = spread.count[key]
    row_of = np.repeat(np.arange(len(key)), count)  # the CSV row of each locality-week
    offset = np.arange(len(row_of)) - np.repeat(np.cumsum(count) - count, count)
    entry = spread.start[key][row_of] + offset
    position = spread.locality[entry]  # row of `loc`
    loc_ids = loc["locality_id"].to_numpy(dtype=np.int64)[position]
    year = np.asarray(rows.year, dtype=np.int64)[row_of]
    week = np.asarray(rows.week, dtype=np.int64)[row_of]
    per_service = len(row_of)
    service = np.repeat(np.arange(len(SERVICES)), per_service)
    order = np.lexsort((np.tile(loc_ids, 4), service, np.tile(week, 4), np.tile(year, 4)))
    row_of_out = order % per_service  # the locality-week of each sorted row
    share = spread.share[entry]
    demand = np.concatenate(
        [
            np.asarray(rows.values[s], dtype=float)[row_of] * share
            if s in rows.values
            else np.zeros(per_service)
            for s in SERVICES
        ]
    )
    sorted_position = position[row_of_out]
    return pd.DataFrame(
        {
            "locality_id": loc_ids[row_of_out],
            "kommun_code": loc["kommun_code"].array.take(sorted_position),
            "county_code": loc["county_code"].array.take(sorted_position),
            "iso_year": year[row_of_out],
            "iso_week": week[row_of_out],
            "service": pd.array(SERVICES, dtype=loc["kommun_code"].dtype).take(service[order]),
            "demand": demand[order],
        },
        columns=list(DEMAND_COLUMNS),
    )


def write_demand_csv(demand: pd.DataFrame, path: Path, *, level: str = "locality") -> Path:
    """Write a long demand frame in the CSV format `load_demand_csv` reads.

    ``level="locality"`` writes one row per locality and week; ``level="kommun"`` sums to
    one row per municipality and week (reading that back spreads it by population again).
    """
    if level not in ("locality", "kommun"):
        raise ValueError(f"level must be 'locality' or 'kommun', got {level!r}.")
    key = "locality_id" if level == "locality" else "kommun_code"
    wide = demand.pivot_table(
        index=[key, "iso_year", "iso_week"],
        columns="service",
        values="demand",
        aggfunc="sum",
        fill_value=0.0,
    ).reset_index()
    labels = zip(wide["iso_year"], wide["iso_week"], strict=True)
    wide.insert(1, "week", [format_iso_week(y, w) for y, w in labels])
    columns = [key, "week", *[s for s in SERVICES if s in wide.columns]]
    wide = wide.sort_values(["iso_year", "iso_week", key])[columns]
    path = Path(path)
    wide.to_csv(path, index=False)
    return path
