"""Downloads: the roster as CSV, XLSX and iCalendar (staffing's exporters), the availability
requests as CSV, Excel CSV and XLSX (:mod:`staffing.export_requests`), tables as XLSX.

The roster downloads hold what ``planner export roster`` writes: clinicians' home counties by
name and worked against contract hours (:func:`roster_context`), and a calendar that updates
moved shifts and cancels removed ones after a re-plan (:func:`earlier_rosters`)."""

from __future__ import annotations

import io
import tempfile
from collections.abc import Callable, Mapping, Sequence
from pathlib import Path
from typing import Any, TypeVar

import pandas as pd
import streamlit as st
from sqlmodel import SQLModel

from dashboard.services.geography import county_names
from dashboard.services.store import engine
from planner import rosters
from planner.rosters import RosterContext
from planner.storage import get_run, get_scenario
from planner.storage.models import AvailabilityRequest, Shift
from staffing.export import (
    Roster,
    RosterPerson,
    calendar_for,
    normalise,
    spreadsheet_safe,
    write_csv,
    write_xlsx,
)
from staffing.export_requests import COLUMNS as REQUEST_COLUMNS
from staffing.export_requests import (
    RequestLine,
    lines,
    write_requests_csv,
    write_requests_xlsx,
)

Row = TypeVar("Row", bound=SQLModel)


def roster_csv(
    shifts: pd.DataFrame,
    sites: Mapping[str, str] | None = None,
    excel: bool = False,
    context: RosterContext | None = None,
    people: Sequence[RosterPerson] | None = None,
) -> bytes:
    """The roster as CSV (one row per shift; with ``context``, each row's clinician's county,
    worked and contract hours over the horizon; ``people``: the clinicians shown)."""
    days, breaks = (None, None) if context is None else (context.days, context.breaks)
    return _via_file(
        lambda path: write_csv(
            shift_records(shifts), path, sites, excel, people=people, days=days, breaks=breaks
        ),
        "roster.csv",
    )


def roster_xlsx(
    shifts: pd.DataFrame,
    sites: Mapping[str, str] | None = None,
    context: RosterContext | None = None,
    people: Sequence[RosterPerson] | None = None,
) -> bytes:
    """The roster as XLSX (a sheet per week, date headers, filters, and with ``context`` the
    contract hours beside the worked ones; ``people``: everyone listed, shifts or not)."""
    days, breaks = (None, None) if context is None else (context.days, context.breaks)
    return _via_file(
        lambda path: write_xlsx(
            shift_records(shifts), path, people, sites, days=days, breaks=breaks
        ),
        "roster.xlsx",
    )


def roster_ics(
    shifts: pd.DataFrame,
    clinician_id: str,
    run_id: int,
    sites: Mapping[str, str] | None = None,
    earlier: Sequence[Roster] = (),
) -> bytes:
    """One clinician's shifts as iCalendar: SEQUENCE = the run in which each event last
    changed among the ``earlier`` rosters and this run, removed shifts cancelled, DTSTAMP the
    run's finish time (without ``earlier``: every event has the run id)."""
    run = get_run(engine(), run_id)
    stamp = None if run is None else rosters.as_roster(run, []).stamp
    calendar = calendar_for(
        clinician_id,
        shift_records(shifts),
        sequence=run_id,
        stamp=stamp,
        sites=sites,
        earlier=earlier,
    )
    ics: bytes = calendar.to_ical()
    return ics


@st.cache_data(show_spinner=False, max_entries=16)
def roster_context(name: str, version: int, block_names: tuple[str, ...]) -> RosterContext:
    """The scenario version's clinician pool (county names, weekly contracts), horizon and the
    breaks of ``block_names`` (see :func:`planner.rosters.roster_context`)."""
    _, parsed = get_scenario(engine(), name, version)
    return rosters.roster_context(parsed, block_names, county_names())


@st.cache_data(show_spinner=False, max_entries=64)
def earlier_rosters(run_id: int, clinician_id: str) -> list[Roster]:
    """One clinician's shifts in the scenario's staffing runs before ``run_id`` (oldest first),
    for a calendar that cancels what a re-plan removed."""
    db = engine()
    run = get_run(db, run_id)
    if run is None:
        return []
    past = rosters.earlier_rosters(db, run, clinician_id)
    # Plain frozen dataclasses: the cache pickles what it keeps.
    return [Roster(r.sequence, r.stamp, normalise(r.shifts)) for r in past]


def excel_bytes(frame: pd.DataFrame) -> bytes:
    """A table as a one-sheet XLSX (for comparison downloads); text cells and labels (scenario
    names are the user's) through :func:`staffing.export.spreadsheet_safe`."""
    safe = frame.map(spreadsheet_safe)
    safe.columns = [spreadsheet_safe(c) for c in frame.columns]
    safe.index = pd.Index([spreadsheet_safe(i) for i in frame.index], name=frame.index.name)
    buffer = io.BytesIO()
    safe.to_excel(buffer, index=True)
    return buffer.getvalue()


def shift_records(shifts: pd.DataFrame) -> list[Shift]:
    """Rows of a shift table (as :func:`dashboard.services.rows` gives them) as ``Shift`` records.

    Missing values become None; ``start``/``end`` datetimes and ``day`` a date, whatever pandas
    made of them; columns that are not ``Shift`` fields are left out.
    """
    return _records(shifts, Shift)


def request_records(requests: pd.DataFrame) -> list[AvailabilityRequest]:
    """Rows of an ``availability_request`` table as ``AvailabilityRequest`` records (the
    conversions of :func:`shift_records`)."""
    return _records(requests, AvailabilityRequest)


#: The request table's columns: the export's (``staffing.export_requests.COLUMNS``) but the
#: ones the page shows elsewhere (the clinician's label, the weekday).
REQUEST_TABLE = tuple(c for c in REQUEST_COLUMNS if c not in ("clinician", "weekday"))


def request_lines(requests: pd.DataFrame) -> pd.DataFrame:
    """The requests as the downloads write them, one row per request in their order (day,
    start, clinician): the county by name, ``start``/``end`` as Europe/Stockholm wall-clock
    times (the store keeps UTC), ``visit_ids`` space-separated."""
    rows = [[getattr(line, c) for c in REQUEST_TABLE] for line in _request_lines(requests)]
    return pd.DataFrame(rows, columns=list(REQUEST_TABLE))


def requests_csv(requests: pd.DataFrame, excel: bool = False) -> bytes:
    """The requests as CSV: comma-separated UTF-8 for tools, or with ``excel`` semicolons,
    decimal commas and a byte-order mark, so Swedish Excel opens it in columns."""
    rows = _request_lines(requests)
    return _via_file(lambda path: write_requests_csv(rows, path, excel=excel), "requests.csv")


def requests_xlsx(requests: pd.DataFrame) -> bytes:
    """The requests as a one-sheet XLSX (date cells, a filter on the header)."""
    rows = _request_lines(requests)
    return _via_file(lambda path: write_requests_xlsx(rows, path), "requests.xlsx")


def _request_lines(requests: pd.DataFrame) -> list[RequestLine]:
    return lines(request_records(requests), counties=county_names())


def _records(frame: pd.DataFrame, model: type[Row]) -> list[Row]:
    """Rows of ``frame`` as ``model`` records: NaN -> None, ``start``/``end`` datetimes, ``day``
    a date; columns that are not fields of ``model`` are left out."""
    out = []
    for rec in frame.to_dict("records"):
        rec = {k: (None if isinstance(v, float) and pd.isna(v) else v) for k, v in rec.items()}
        for key in ("start", "end"):
            rec[key] = pd.Timestamp(rec[key]).to_pydatetime()
        rec["day"] = pd.Timestamp(rec["day"]).date()
        out.append(model(**{str(k): v for k, v in rec.items() if k in model.model_fields}))
    return out


def _via_file(write: Callable[[Path], Any], name: str) -> bytes:
    """The bytes ``write`` writes to a file called ``name`` (in a temporary folder)."""
    with tempfile.TemporaryDirectory(prefix="dashboard-export-") as tmp:
        path = Path(tmp) / name
        write(path)
        return path.read_bytes()
