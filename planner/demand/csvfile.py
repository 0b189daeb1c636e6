"""Reading a user's CSV and reporting every problem in it: shared by the demand and referral CSVs.

A reader streams the file a line at a time (`CsvFile`), checks every row before it uses
anything and raises one error (a `DemandCsvError` or `ReferralCsvError`) that names the file
and, for each problem (up to `MAX_REPORTED_PROBLEMS`), the line (header = line 1) and the
column. The cell parsers here append ``(column, message)`` pairs to a row's problem list and
return None for an unusable cell.

Limits, checked while streaming (the first line past one ends the read, so memory follows
the accepted rows, never the file): `MAX_CSV_BYTES` per file, `MAX_LINE_CHARS` per line (a
record is one line: a quoted field cannot span lines), `MAX_CELL_CHARS` per cell; each format
adds its own row and volume limits. The problem after the first `MAX_REPORTED_PROBLEMS` ends
the read too (the message says there are more).

Messages never quote the file's content (issue 16: a path to any readable file must not leak
it): a problem names the file, the line, the column (by name, or by position for a header
name that is not ours) and what was expected. The one exception is `shown`: a short value made
only of digits and date/number punctuation (``2026-02-30``, ``-3``, ``1e12``) is repeated, as
it helps and cannot carry text.
"""

from __future__ import annotations

import csv
import difflib
import hashlib
import io
import math
import os
import re
import stat
from collections.abc import Container, Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from types import TracebackType
from typing import Any, NoReturn

from planner.demand.params import KOMMUN_CODE_RE
from planner.errors import PlannerError
from planner.weeks import weeks_in_iso_year

MAX_REPORTED_PROBLEMS = 20
#: Largest CSV file read, in bytes (a national two-year locality file is about 20 MB).
MAX_CSV_BYTES = 64 * 1024 * 1024
#: Longest line, in characters (a data row is under 100).
MAX_LINE_CHARS = 4096
#: Longest cell, in characters (the longest valid cell is a 32-character referral id).
MAX_CELL_CHARS = 200
#: Longest value a message repeats (see `shown`).
MAX_SHOWN_CHARS = 20
_SHOWN_RE = re.compile(r"[0-9 .,:/+\-WEe]+")
_CONTROL_RE = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")
_SURROGATE_RE = re.compile(r"[\udc80-\udcff]")  # an undecodable byte (surrogateescape)
_INTEGER_RE = re.compile(r"[0-9]+")
_YEAR_RE = re.compile(r"[0-9]{4}")
_WEEK_NUMBER_RE = re.compile(r"[0-9]{1,2}")
_WEEK_CELL_RE = re.compile(r"([0-9]{4})-[Ww]([0-9]{2})")


@dataclass(frozen=True, slots=True)
class CsvProblem:
    """One problem in a CSV: the 1-based line in the file (header = 1; None for the file as a
    whole) and column."""

    line: int | None
    column: str
    message: str

    def __str__(self) -> str:
        if self.line is None:
            return self.message
        return f"line {self.line}, column {self.column!r}: {self.message}"


class DemandCsvError(PlannerError, ValueError):
    """A demand CSV that cannot be used; the message lists every problem found (up to 20),
    each with the file and line; a single problem is one line.

    A `PlannerError` (so the CLI prints it without a traceback) and a ValueError.
    """

    #: What the file is, in the message's first line.
    kind = "demand CSV"

    def __init__(self, path: Path, problems: Sequence[CsvProblem], truncated: bool = False):
        self.path = Path(path)
        self.problems = list(problems)
        if len(self.problems) == 1 and not truncated:  # one line, as the CLI prints errors
            super().__init__(f"{self.path}: {self.problems[0]} ({self.kind})")
            return
        lines = [f"{self.path}: {p}" for p in problems]
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


def shown(raw: str) -> str:
    """`` 'raw'`` if a message may repeat this cell, else "": at most `MAX_SHOWN_CHARS`
    characters, only digits, spaces and ``.,:/+-`` and the letters of ``W`` (weeks) and ``e``
    (exponents). Anything else (names, ids, words, control characters) is never repeated."""
    if 0 < len(raw) <= MAX_SHOWN_CHARS and _SHOWN_RE.fullmatch(raw):
        return f" {raw!r}"
    return ""


class _TooLarge(Exception):
    """Raised inside the byte counter when a file grows past `MAX_CSV_BYTES`."""


class _CountedBytes(io.RawIOBase):
    """A binary file read through: counts and hashes its bytes, stops past ``limit``."""

    def __init__(self, raw: io.FileIO, limit: int) -> None:
        super().__init__()
        self._raw = raw
        self.limit = limit
        self.size = 0
        self.sha256 = hashlib.sha256()

    def readable(self) -> bool:
        return True

    def readinto(self, buffer: Any) -> int:
        n = self._raw.readinto(buffer) or 0
        self.size += n
        if self.size > self.limit:
            raise _TooLarge
        self.sha256.update(memoryview(buffer)[:n])
        return n

    def close(self) -> None:
        self._raw.close()
        super().close()


def _reason(exc: OSError) -> str:
    """Why a file cannot be read, in the system's words (never the file's content)."""
    if isinstance(exc, IsADirectoryError):
        return "it is a directory, not a CSV file"
    return exc.strerror or type(exc).__name__


class CsvFile:
    """A CSV read a line at a time: delimiter, header, then data rows, within the limits.

    UTF-8 (a byte-order mark is dropped); ``;`` when the header line has more semicolons than
    commas, else ``,``. Blank lines are skipped but counted, so lines are the file's own
    (header = line 1 unless blank lines precede it). Problems found by the caller are handed
    to `report`; a limit (`MAX_CSV_BYTES`, `MAX_LINE_CHARS`, `MAX_CELL_CHARS`, ``max_rows``)
    or more than `MAX_REPORTED_PROBLEMS` problems end the read at once, and `finish` raises
    for the rest. Errors are ``error`` (a `DemandCsvError`), naming the file and the line.
    """

    def __init__(self, path: Path, error: type[DemandCsvError], max_rows: int) -> None:
        self.path = Path(path)
        self.error = error
        self.max_rows = max_rows
        self.problems: list[CsvProblem] = []
        self.line = 0  # physical lines read so far
        self.data_rows = 0
        self.delimiter = ","
        self._bytes, self._text = self._open()
        try:
            self.header, self.header_line = self._read_header()
        except BaseException:
            self.close()
            raise

    def __enter__(self) -> CsvFile:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.close()

    def close(self) -> None:
        """Close the file (safe to call twice)."""
        self._text.close()

    @property
    def decimal_comma(self) -> bool:
        """A semicolon file may write numbers with a decimal comma."""
        return self.delimiter == ";"

    @property
    def sha256(self) -> str:
        """The sha256 of the file's bytes (of the whole file once `rows` has ended)."""
        return self._bytes.sha256.hexdigest()

    def fail(self, line: int | None, message: str, column: str = "-") -> NoReturn:
        """Raise the error for the problems so far and this one (the read ends here)."""
        raise_problems(self.error, self.path, [*self.problems, CsvProblem(line, column, message)])

    def report(self, problems: Sequence[CsvProblem]) -> None:
        """Keep ``problems``; past `MAX_REPORTED_PROBLEMS` raise at once (there are more)."""
        self.problems.extend(problems)
        if len(self.problems) > MAX_REPORTED_PROBLEMS:
            raise_problems(self.error, self.path, self.problems)

    def finish(self) -> None:
        """Raise for the problems found, or for a file without data rows."""
        if self.problems:
            raise_problems(self.error, self.path, self.problems)
        if not self.data_rows:
            self.fail(self.header_line + 1, "no data rows after the header")

    def rows(self) -> Iterator[tuple[int, list[str]]]:
        """The data rows as (line in the file, stripped cells); blank lines are skipped."""
        while (text := self._next_line()) is not None:
            cells = self._cells(text, self.header)
            if not any(cells):
                continue
            self.data_rows += 1
            if self.data_rows > self.max_rows:
                self.fail(
                    self.line,
                    f"more than {self.max_rows:,} data rows, the most a {self.error.kind} "
                    "may have; split the file",
                )
            yield self.line, cells

    def _open(self) -> tuple[_CountedBytes, io.TextIOWrapper]:
        try:
            raw = io.FileIO(self.path, "r")
        except OSError as exc:
            self.fail(None, f"cannot read the file: {_reason(exc)}")
        try:
            info = os.fstat(raw.fileno())
        except OSError as exc:
            raw.close()
            self.fail(None, f"cannot read the file: {_reason(exc)}")
        if stat.S_ISREG(info.st_mode) and info.st_size > MAX_CSV_BYTES:
            raw.close()
            self.fail(
                None,
                f"the file has {info.st_size:,} bytes; a CSV may have at most {MAX_CSV_BYTES:,}",
            )
        counted = _CountedBytes(raw, MAX_CSV_BYTES)  # also bounds pipes and devices
        text = io.TextIOWrapper(
            io.BufferedReader(counted),
            encoding="utf-8-sig",
            errors="surrogateescape",  # a bad byte becomes a marker we report with its line
            newline="",
        )
        return counted, text

    def _read_header(self) -> tuple[list[str], int]:
        while (text := self._next_line()) is not None:
            if not text.strip():
                continue
            self.delimiter = ";" if text.count(";") > text.count(",") else ","
            header = self._cells(text, None)
            if any(header):
                return header, self.line
        self.fail(1, "the file is empty (no header, no rows)")

    def _next_line(self) -> str | None:
        """The next physical line, checked for size, encoding and control characters."""
        try:
            text = self._text.readline(MAX_LINE_CHARS + 2)
        except _TooLarge:
            self.fail(
                self.line + 1,
                f"the file is larger than {MAX_CSV_BYTES:,} bytes, the most a CSV may have",
            )
        except OSError as exc:
            self.fail(self.line + 1, f"cannot read the file: {_reason(exc)}")
        if not text:
            return None
        self.line += 1
        if len(text.rstrip("\r\n")) > MAX_LINE_CHARS:
            self.fail(
                self.line,
                f"the line is longer than {MAX_LINE_CHARS:,} characters, the most a CSV line "
                "may have (a quoted field cannot span lines)",
            )
        if _SURROGATE_RE.search(text):
            self.fail(self.line, "not UTF-8 text: save the file as UTF-8 (Excel: CSV UTF-8)")
        if _CONTROL_RE.search(text):
            self.fail(self.line, "control characters in the line: is this a text CSV file?")
        return text

    def _cells(self, text: str, header: Sequence[str] | None) -> list[str]:
        """The line's stripped cells; a cell over `MAX_CELL_CHARS` ends the read."""
        try:
            cells = next(csv.reader([text], delimiter=self.delimiter), [])
        except csv.Error:  # one line, no field limit reached: not expected, but never a traceback
            self.fail(self.line, "not a valid CSV line")
        cells = [c.strip() for c in cells]
        for i, cell in enumerate(cells):
            if len(cell) > MAX_CELL_CHARS:
                # rows are read after the header is checked, so its names are ours to repeat
                column = header[i] if header is not None and i < len(header) else f"field {i + 1}"
                self.fail(
                    self.line,
                    f"the cell has {len(cell):,} characters; a cell may have at most "
                    f"{MAX_CELL_CHARS}",
                    column,
                )
        return cells


def check_header(header: Sequence[str], line: int, allowed: frozenset[str]) -> list[CsvProblem]:
    """Columns that appear twice or are not ``allowed`` (a misspelt column is never ignored).

    A name that is not ours is given by its position ("field 3"), never repeated.
    """
    problems: list[CsvProblem] = []
    seen: set[str] = set()
    for i, name in enumerate(header, start=1):
        label = name if name in allowed else f"field {i}"
        if name in seen:
            problems.append(CsvProblem(line, label, "column appears twice in the header"))
        seen.add(name)
        if name not in allowed:
            close = difflib.get_close_matches(name, sorted(allowed), n=1, cutoff=0.75)
            hint = f"did you mean {close[0]!r}? " if close else ""
            problems.append(
                CsvProblem(
                    line,
                    label,
                    f"unknown column name ({hint}allowed: {', '.join(sorted(allowed))})",
                )
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


def parse_int(raw: str) -> int | None:
    """A whole number written in ASCII digits (no sign, no other script's digits), else None."""
    return int(raw) if _INTEGER_RE.fullmatch(raw) else None


def parse_code(
    row: dict[str, str],
    has_loc: bool,
    has_kommun: bool,
    known_kommun: Container[str],
    kommun_of: dict[int, str],
    problems: list[tuple[str, str]],
) -> int | str | None:
    """The row's locality id (or kommun code); None and a problem if it is not usable."""
    kommun = row["kommun_code"] if has_kommun else None
    if kommun is not None and not (kommun.isascii() and KOMMUN_CODE_RE.match(kommun)):
        hint = (
            f" (leading zero lost? did you mean {kommun.zfill(4)!r})"
            if _INTEGER_RE.fullmatch(kommun) and len(kommun) < 4
            else ""
        )
        problems.append(("kommun_code", f"bad municipality code{shown(kommun)}: 4 digits{hint}"))
        kommun = None
    elif kommun is not None and kommun not in known_kommun:
        problems.append(
            ("kommun_code", f"unknown municipality code {kommun!r} (no locality in it)")
        )
        kommun = None
    if not has_loc:
        return kommun
    raw = row["locality_id"]
    loc_id = parse_int(raw)
    if loc_id is None:
        problems.append(("locality_id", f"not an integer locality id{shown(raw)}"))
        return None
    if loc_id not in kommun_of:
        said = f" {loc_id}" if shown(raw) else ""  # digits only: safe to repeat when short
        problems.append(("locality_id", f"unknown locality id{said}"))
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
        raw = row["week"]
        match = _WEEK_CELL_RE.fullmatch(raw)
        if match is None:
            problems.append(("week", f"not an ISO week{shown(raw)}: write it like 2026-W45"))
            return None
        return _iso_week(int(match[1]), int(match[2]), "week", raw, problems)
    raw_y, raw_w = row["iso_year"], row["iso_week"]
    if not _YEAR_RE.fullmatch(raw_y) or raw_y == "0000":  # Python's calendar starts at year 1
        problems.append(("iso_year", f"not a year{shown(raw_y)}: 4 digits, e.g. 2026"))
    elif not _WEEK_NUMBER_RE.fullmatch(raw_w):
        problems.append(("iso_week", f"not an ISO week number{shown(raw_w)}: 1 to 53"))
    else:
        return _iso_week(int(raw_y), int(raw_w), "iso_week", f"{raw_y} {raw_w}", problems)
    return None


def _iso_week(
    year: int, week: int, column: str, raw: str, problems: list[tuple[str, str]]
) -> tuple[int, int] | None:
    """(year, week) if that ISO week exists; None and a problem naming the year's weeks."""
    if year < 1:
        problems.append((column, f"no such ISO week{shown(raw)}: the year must be 0001 or later"))
        return None
    last = weeks_in_iso_year(year)
    if not 1 <= week <= last:
        problems.append((column, f"no such ISO week{shown(raw)}: {year} has weeks 1-{last}"))
        return None
    return year, week


def parse_value(
    raw: str,
    column: str,
    decimal_comma: bool,
    problems: list[tuple[str, str]],
    empty_hint: str = "write 0 for no demand",
    maximum: float = math.inf,
) -> float | None:
    """A finite number in ``[0, maximum]`` (decimal comma if asked); None and a problem otherwise.

    ASCII only: ``float`` would also take other scripts' digits and ``1_000``.
    """
    if raw == "":
        problems.append((column, f"empty value ({empty_hint})"))
        return None
    text = raw.replace(",", ".") if decimal_comma else raw
    try:
        if not text.isascii() or "_" in text:
            raise ValueError
        value = float(text)
    except ValueError:
        problems.append((column, f"not a number{shown(raw)}"))
        return None
    if not math.isfinite(value):
        problems.append((column, f"not a finite number{shown(raw)}"))
    elif value < 0:
        problems.append((column, f"negative value{shown(raw)}"))
    elif value > maximum:
        problems.append((column, f"value{shown(raw)} is above the limit of {maximum:,.0f}"))
    else:
        return value
    return None
