"""Reading a user's CSV and reporting every problem in it: shared by the demand and referral CSVs.

A reader checks the whole file before it uses anything and raises one error (a `DemandCsvError`
or `ReferralCsvError`) that names the file and, for each problem (up to
`MAX_REPORTED_PROBLEMS`), the line (header = line 1) and the column. The cell parsers here
append ``(column, message)`` pairs to a row's problem list and return None for an unusable cell.
"""

from __future__ import annotations

import csv
import io
import math
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import NamedTuple, NoReturn

from planner.demand.params import KOMMUN_CODE_RE
from planner.errors import PlannerError
from planner.weeks import parse_iso_week

MAX_REPORTED_PROBLEMS = 20


@dataclass(frozen=True, slots=True)
class CsvProblem:
    """One problem in a demand CSV: the 1-based line in the file (header = 1) and column."""

    line: int
    column: str
    message: str


class DemandCsvError(PlannerError, ValueError):
    """A demand CSV that cannot be used; the message lists every problem found (up to 20).

    A `PlannerError` (so the CLI prints it without a traceback) and a ValueError.
    """

    #: What the file is, in the message's first line.
    kind = "demand CSV"

    def __init__(self, path: Path, problems: Sequence[CsvProblem], truncated: bool = False):
        self.path = Path(path)
        self.problems = list(problems)
        lines = [f"{self.path}: line {p.line}, column {p.column!r}: {p.message}" for p in problems]
        head = f"{self.path}: {len(self.problems)} problem(s) in the {self.kind}"
        if truncated:
            head += f" (showing the first {len(self.problems)}; there are more)"
        super().__init__(head + ":\n  " + "\n  ".join(lines))


class ReferralCsvError(DemandCsvError):
    """A referral CSV that cannot be used; reported like a `DemandCsvError` (which it is)."""

    kind = "referral CSV"


def raise_problems(
    error: type[DemandCsvError], path: Path, problems: Sequence[CsvProblem]
) -> NoReturn:
    """Raise ``error`` with the first `MAX_REPORTED_PROBLEMS` problems, saying if there are more."""
    raise error(path, problems[:MAX_REPORTED_PROBLEMS], len(problems) > MAX_REPORTED_PROBLEMS)


class CsvText(NamedTuple):
    """A CSV file as `read_csv` splits it: delimiter, header and data rows with their lines."""

    delimiter: str
    header: list[str]
    header_line: int
    rows: list[tuple[int, list[str]]]  # (line in the file, stripped cells)

    @property
    def decimal_comma(self) -> bool:
        """A semicolon file may write numbers with a decimal comma."""
        return self.delimiter == ";"


def read_csv(path: Path, error: type[DemandCsvError]) -> CsvText:
    """A CSV's delimiter, header, header line and data rows as (line, stripped cells).

    UTF-8 (a byte-order mark is dropped); ``;`` when the first line has more semicolons than
    commas, else ``,``. Blank lines are skipped but counted, so lines are the file's own
    (header = line 1 unless blank lines precede it). An empty file or one that is not UTF-8
    raises ``error``.
    """
    try:
        text = path.read_text(encoding="utf-8-sig")
    except UnicodeDecodeError as exc:
        raise error(path, [CsvProblem(1, "-", f"not UTF-8 text ({exc.reason})")]) from None
    first_line = text.split("\n", 1)[0]
    delimiter = ";" if first_line.count(";") > first_line.count(",") else ","
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)
    header: list[str] | None = None
    header_line = 1
    rows: list[tuple[int, list[str]]] = []
    for cells in reader:
        if not cells or all(not c.strip() for c in cells):
            continue  # blank line
        if header is None:
            header = [c.strip() for c in cells]
            header_line = reader.line_num
        else:
            rows.append((reader.line_num, [c.strip() for c in cells]))
    if header is None:
        raise error(path, [CsvProblem(1, "-", "the file is empty (no header, no rows)")])
    return CsvText(delimiter, header, header_line, rows)


def check_header(header: Sequence[str], line: int, allowed: frozenset[str]) -> list[CsvProblem]:
    """Columns that appear twice or are not ``allowed`` (a misspelt column is never ignored)."""
    problems: list[CsvProblem] = []
    seen: set[str] = set()
    for name in header:
        if name in seen:
            problems.append(CsvProblem(line, name, "column appears twice in the header"))
        seen.add(name)
        if name not in allowed:
            problems.append(
                CsvProblem(line, name, f"unknown column (allowed: {', '.join(sorted(allowed))})")
            )
    return problems


def check_locality_header(
    header: Sequence[str], line: int, allowed: frozenset[str]
) -> list[CsvProblem]:
    """:func:`check_header`, and a file keyed by place needs locality_id or kommun_code."""
    problems = check_header(header, line, allowed)
    if not ({"locality_id", "kommun_code"} & set(header)):
        problems.append(CsvProblem(line, "kommun_code/locality_id", "missing required column"))
    return problems


def end_of_header(
    error: type[DemandCsvError],
    path: Path,
    problems: Sequence[CsvProblem],
    rows: Sequence[tuple[int, list[str]]],
    header_line: int,
) -> None:
    """Raise ``error`` for the header's problems, or for a file without data rows."""
    if problems:
        raise_problems(error, path, problems)
    if not rows:
        raise error(path, [CsvProblem(header_line + 1, "-", "no data rows after the header")])


def row_cells(
    header: Sequence[str], line: int, cells: Sequence[str], problems: list[CsvProblem]
) -> dict[str, str] | None:
    """The row as {column: cell}; None and a problem if it has the wrong number of fields."""
    if len(cells) != len(header):
        where = header[len(cells)] if len(cells) < len(header) else "(extra field)"
        msg = f"row has {len(cells)} fields, the header has {len(header)}"
        problems.append(CsvProblem(line, where, msg))
        return None
    return dict(zip(header, cells, strict=True))


def parse_code(
    row: dict[str, str],
    has_loc: bool,
    has_kommun: bool,
    known_kommun: set[str],
    kommun_of: dict[int, str],
    problems: list[tuple[str, str]],
) -> int | str | None:
    """The row's locality id (or kommun code); None and a problem if it is not usable."""
    kommun = row["kommun_code"] if has_kommun else None
    if kommun is not None and not KOMMUN_CODE_RE.match(kommun):
        hint = (
            f" (leading zero lost? did you mean {kommun.zfill(4)!r})"
            if kommun.isdigit() and len(kommun) < 4
            else ""
        )
        problems.append(("kommun_code", f"bad municipality code {kommun!r}: 4 digits{hint}"))
        kommun = None
    elif kommun is not None and kommun not in known_kommun:
        problems.append(
            ("kommun_code", f"unknown municipality code {kommun!r} (no locality in it)")
        )
        kommun = None
    if not has_loc:
        return kommun
    raw = row["locality_id"]
    try:
        loc_id = int(raw)
    except ValueError:
        problems.append(("locality_id", f"not an integer locality id: {raw!r}"))
        return None
    if loc_id not in kommun_of:
        problems.append(("locality_id", f"unknown locality id {loc_id}"))
        return None
    if kommun is not None and kommun_of[loc_id] != kommun:
        problems.append(
            (
                "kommun_code",
                f"locality {loc_id} lies in municipality {kommun_of[loc_id]!r}, not {kommun!r}",
            )
        )
    return loc_id


def parse_week_cells(
    row: dict[str, str], has_week: bool, problems: list[tuple[str, str]]
) -> tuple[int, int] | None:
    """The row's ISO week from ``week`` or ``iso_year`` + ``iso_week``; None if bad."""
    if has_week:
        try:
            return parse_iso_week(row["week"])
        except ValueError as exc:
            problems.append(("week", str(exc)))
            return None
    raw_y, raw_w = row["iso_year"], row["iso_week"]
    if not raw_y.isdigit():
        problems.append(("iso_year", f"not a year: {raw_y!r}"))
    elif not raw_w.isdigit():
        problems.append(("iso_week", f"not a week number: {raw_w!r}"))
    else:
        try:
            return parse_iso_week((int(raw_y), int(raw_w)))
        except ValueError as exc:
            problems.append(("iso_week", str(exc)))
    return None


def parse_value(
    raw: str,
    column: str,
    decimal_comma: bool,
    problems: list[tuple[str, str]],
    empty_hint: str = "write 0 for no demand",
) -> float | None:
    """A non-negative finite number (decimal comma if asked); None and a problem otherwise."""
    if raw == "":
        problems.append((column, f"empty value ({empty_hint})"))
        return None
    try:
        value = float(raw.replace(",", ".") if decimal_comma else raw)
    except ValueError:
        problems.append((column, f"not a number: {raw!r}"))
        return None
    if not math.isfinite(value):
        problems.append((column, f"not a finite number: {raw!r}"))
    elif value < 0:
        problems.append((column, f"negative value {raw}"))
    else:
        return value
    return None
