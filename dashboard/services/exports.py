"""Downloads: the roster as CSV, XLSX and iCalendar (staffing's exporters), tables as XLSX."""

from __future__ import annotations

import io
import tempfile
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pandas as pd

from planner.storage.models import Shift
from staffing.export import calendar_for, write_csv, write_xlsx


def roster_csv(shifts: pd.DataFrame) -> bytes:
    """The roster as CSV (one row per shift)."""
    return _via_file(write_csv, shifts, "roster.csv")


def roster_xlsx(shifts: pd.DataFrame) -> bytes:
    """The roster as XLSX (a sheet per week)."""
    return _via_file(write_xlsx, shifts, "roster.xlsx")


def roster_ics(shifts: pd.DataFrame, clinician_id: str, run_id: int) -> bytes:
    """One clinician's shifts as iCalendar (SEQUENCE = run id)."""
    calendar = calendar_for(clinician_id, shift_records(shifts), sequence=run_id)
    ics: bytes = calendar.to_ical()
    return ics


def excel_bytes(frame: pd.DataFrame) -> bytes:
    """A table as a one-sheet XLSX (for comparison downloads)."""
    buffer = io.BytesIO()
    frame.to_excel(buffer, index=True)
    return buffer.getvalue()


def shift_records(shifts: pd.DataFrame) -> list[Shift]:
    """Rows of a shift table (as :func:`dashboard.services.rows` gives them) as ``Shift`` records.

    Missing values become None; ``start``/``end`` datetimes and ``day`` a date, whatever pandas
    made of them; columns that are not ``Shift`` fields are left out.
    """
    out = []
    for rec in shifts.to_dict("records"):
        rec = {k: (None if isinstance(v, float) and pd.isna(v) else v) for k, v in rec.items()}
        for key in ("start", "end"):
            rec[key] = pd.Timestamp(rec[key]).to_pydatetime()
        rec["day"] = pd.Timestamp(rec["day"]).date()
        out.append(Shift(**{str(k): v for k, v in rec.items() if k in Shift.model_fields}))
    return out


def _via_file(writer: Callable[[list[Shift], Path], Any], shifts: pd.DataFrame, name: str) -> bytes:
    """The bytes ``writer`` writes for ``shifts`` to a file called ``name`` (in a temporary folder)."""
    with tempfile.TemporaryDirectory(prefix="dashboard-export-") as tmp:
        path = Path(tmp) / name
        writer(shift_records(shifts), path)
        return path.read_bytes()
