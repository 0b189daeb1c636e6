"""Bring-your-own demand: read a demand CSV into the model's long format, and write one.

`load_demand_csv` checks the header, then every row, then spreads municipality rows over their
localities by population; `write_demand_csv` writes the format back (a template to fill in).
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from planner.demand.csvfile import (
    CsvProblem,
    CsvText,
    DemandCsvError,
    check_locality_header,
    end_of_header,
    parse_code,
    parse_value,
    parse_week_cells,
    raise_problems,
    read_csv,
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

#: A checked row: locality id (or kommun code), ISO week and its values per service line.
DemandRow = tuple[int | str, tuple[int, int], dict[str, float]]


@dataclass(frozen=True, slots=True)
class _DemandHeader:
    """Which of the alternative columns a demand CSV's header has."""

    has_loc: bool  # locality_id
    has_kommun: bool  # kommun_code
    has_week: bool  # week (else iso_year + iso_week)
    services: tuple[str, ...]  # the service columns present, in `SERVICES` order


def load_demand_csv(path: Path, localities: pd.DataFrame) -> pd.DataFrame:
    """Read your own demand figures; returns the same long format as `weekly_demand`.

    Format (UTF-8, comma- or semicolon-separated; header on line 1):

    * ``kommun_code`` (4 digits, e.g. ``0114``) or ``locality_id`` (integer); with both,
      the locality must lie in that municipality. Municipality rows are spread over its
      localities by population share (equally if they all have population 0).
    * ``week`` like ``2026-W45``, or the two columns ``iso_year`` and ``iso_week``.
    * one column per service line: ``primary_care``, ``vaccination``, ``health_check``,
      ``spirometry`` (at least one; a missing one means 0). Values are non-negative numbers
      (a decimal comma is accepted in semicolon files); empty cells are an error (write 0).
    * no other columns (a misspelt service column would otherwise be silently ignored).

    Everything is checked before anything is used; all problems (up to 20) are reported in
    one `DemandCsvError` naming the file, the line (header = line 1) and the column.
    """
    path = Path(path)
    loc = check_localities(localities)
    table = read_csv(path, DemandCsvError)
    columns = _check_demand_header(path, table)
    rows = _check_demand_rows(path, table, columns, loc)
    return _long_frame(rows, loc, by_locality=columns.has_loc)


def _check_demand_header(path: Path, table: CsvText) -> _DemandHeader:
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
    end_of_header(DemandCsvError, path, problems, table.rows, hl)
    return _DemandHeader("locality_id" in seen, "kommun_code" in seen, has_week, services)


def _check_demand_rows(
    path: Path, table: CsvText, columns: _DemandHeader, loc: pd.DataFrame
) -> list[DemandRow]:
    """Every data row parsed; raises `DemandCsvError` listing the problems of all rows."""
    kommun_of, _county_of = locality_places(loc)
    known_kommun = set(kommun_of.values())
    code_col = "locality_id" if columns.has_loc else "kommun_code"
    problems: list[CsvProblem] = []
    parsed: list[DemandRow] = []
    first_seen: dict[tuple[int | str, tuple[int, int]], int] = {}
    for line, cells in table.rows:
        row = row_cells(table.header, line, cells, problems)
        if row is None:
            continue
        row_problems: list[tuple[str, str]] = []
        code = parse_code(
            row, columns.has_loc, columns.has_kommun, known_kommun, kommun_of, row_problems
        )
        week = parse_week_cells(row, columns.has_week, row_problems)
        values: dict[str, float] = {}
        for s in columns.services:
            value = parse_value(row[s], s, table.decimal_comma, row_problems)
            if value is not None:
                values[s] = value
        if code is not None and week is not None:
            if (code, week) in first_seen:
                row_problems.append(
                    (
                        f"{code_col}, week",
                        f"duplicate of line {first_seen[code, week]} ({code_col} {code}, "
                        f"week {format_iso_week(*week)})",
                    )
                )
            else:
                first_seen[code, week] = line
        problems.extend(CsvProblem(line, c, m) for c, m in row_problems)
        if not row_problems and code is not None and week is not None:
            parsed.append((code, week, values))
    if problems:
        raise_problems(DemandCsvError, path, problems)
    return parsed


def _spread_shares(loc: pd.DataFrame, *, by_locality: bool) -> dict[Any, list[tuple[int, float]]]:
    """For each row key (locality id, or kommun code), the localities it goes to and their shares.

    A kommun's rows are spread by population share (equally if all its localities have 0).
    """
    if by_locality:
        return {int(i): [(int(i), 1.0)] for i in loc["locality_id"]}
    spread: dict[Any, list[tuple[int, float]]] = {}
    for kommun, group in loc.groupby("kommun_code", sort=False):
        pops = group["population"].to_numpy(dtype=float)
        shares = pops / pops.sum() if pops.sum() > 0 else np.full(len(pops), 1.0 / len(pops))
        spread[kommun] = list(zip(group["locality_id"].astype(int), shares, strict=True))
    return spread


def _long_frame(rows: list[DemandRow], loc: pd.DataFrame, *, by_locality: bool) -> pd.DataFrame:
    """The checked rows as a long demand frame (`DEMAND_COLUMNS`), sorted like `weekly_demand`."""
    kommun_of, county_of = locality_places(loc)
    spread = _spread_shares(loc, by_locality=by_locality)
    records: list[dict[str, Any]] = []
    for code, (year, week), values in rows:
        for loc_id, share in spread[code]:
            for s in SERVICES:
                records.append(
                    {
                        "locality_id": loc_id,
                        "kommun_code": kommun_of[loc_id],
                        "county_code": county_of[loc_id],
                        "iso_year": year,
                        "iso_week": week,
                        "service": s,
                        "demand": values.get(s, 0.0) * share,
                    }
                )
    if not records:
        return empty_demand()
    out = pd.DataFrame.from_records(records, columns=list(DEMAND_COLUMNS))
    out = out.astype(
        {"locality_id": "int64", "iso_year": "int64", "iso_week": "int64", "demand": "float64"}
    )
    order = {s: i for i, s in enumerate(SERVICES)}
    out = out.sort_values(
        ["iso_year", "iso_week", "service", "locality_id"],
        key=lambda c: c.map(order) if c.name == "service" else c,
        kind="stable",
    )
    return out.reset_index(drop=True)


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
