"""The continuity run: requests and the re-solved roster stored as their own run (on SQLite and
PostgreSQL), the CLI's JSON and message, and the request exports read back."""

from __future__ import annotations

import csv
import datetime as dt
import json
from pathlib import Path

import openpyxl
import pytest
from sqlalchemy.engine import Engine
from typer.testing import CliRunner

from planner import runs
from planner.cli import app
from planner.cli.export_requests import export_requests
from planner.errors import PlannerError
from planner.orchestration.staffing import build_problem
from planner.scenario import Scenario, builtin_scenario_path, load_scenario
from planner.storage import run_rows, save_scenario
from planner.storage.models import AvailabilityRequest, FollowUpAssignment, Shift
from staffing.reach import LEVERS


@pytest.fixture
def tiny() -> Scenario:
    """The built-in tiny scenario (12 clinicians, 60 return visits), 2-s solves and a 100 %
    target: its availability bound is below that, so requests are needed."""
    return load_scenario(builtin_scenario_path("tiny")).replace(
        staffing={"time_limit_s": 2.0, "continuity_target": 1.0, "request_max_extra_days": 8}
    )


def test_continuity_run_stores_requests_and_the_roster(engine: Engine, tiny: Scenario) -> None:
    """Every stored request is a slot the clinician had not declared, the re-solved roster works
    it, and the visits it keeps are booked there with their index clinician; the KPIs count
    them and the roster breaks no hard rule."""
    save_scenario(engine, tiny)
    result = runs.execute(engine, "tiny", "continuity")
    k, run_id = result.kpis, result.run.id
    assert result.run.status == "finished" and k["hard_violations"] == 0
    asked = run_rows(engine, run_id, AvailabilityRequest)
    assert k["requests"] == len(asked) > 0
    assert k["requests_lower_bound"] is not None and k["requests_lower_bound"] > 0
    assert k["bound_before"] < 1.0 and k["continuity_rate"] > k["bound_before"] - 0.2
    problem = build_problem(tiny)
    worked = {(s.clinician_id, s.day, s.block) for s in run_rows(engine, run_id, Shift)}
    booked = {f.visit_id: f for f in run_rows(engine, run_id, FollowUpAssignment)}
    for r in asked:
        assert (r.day, r.block) not in problem.clinician(r.clinician_id).available
        assert (r.clinician_id, r.day, r.block) in worked
        for vid in filter(None, r.visit_ids.split(",")):
            f = booked[vid]
            assert (f.assigned_clinician_id, f.day, f.block, f.same_clinician) == (
                r.clinician_id,
                r.day,
                r.block,
                True,
            )
        assert r.visits_kept == len(list(filter(None, r.visit_ids.split(","))))
    assert k["visits_kept_by_requests"] == sum(r.visits_kept for r in asked)
    report = result.to_dict()
    # the levers share the run's 2 s: those it left out are named, and the run is flagged
    compared = [lv["lever"] for lv in report["levers"]]
    assert compared == list(LEVERS[: len(compared)]) and "requests" in compared
    if len(compared) < len(LEVERS):
        assert k["time_limit_reached"] == 1.0
        assert f"levers not compared: {', '.join(LEVERS[len(compared) :])}" in (
            result.run.message or ""
        )
    assert "availability requests" in (result.run.message or "") or "requests" in (
        result.run.message or ""
    )


def test_exports_read_back(engine: Engine, tiny: Scenario, tmp_path: Path) -> None:
    """CSV (comma), Excel CSV (semicolon, BOM, decimal comma) and XLSX (date cells, filter)
    hold the stored requests, with county names instead of codes."""
    save_scenario(engine, tiny)
    run_id = runs.execute(engine, "tiny", "continuity").run.id
    stored = run_rows(engine, run_id, AvailabilityRequest)
    path, n = export_requests(engine, "tiny", "csv", tmp_path / "r.csv")
    with path.open(encoding="utf-8") as handle:
        rows = list(csv.DictReader(handle))
    assert n == len(rows) == len(stored)
    assert {(r["clinician_id"], dt.date.fromisoformat(r["day"]), r["block"]) for r in rows} == {
        (s.clinician_id, s.day, s.block) for s in stored
    }
    assert all(r["county"].endswith(" län") for r in rows)  # a name, not a code
    excel, _ = export_requests(engine, "tiny", "excel-csv", tmp_path / "r-excel.csv")
    raw = excel.read_bytes()
    assert raw.startswith(b"\xef\xbb\xbf") and b";" in raw.splitlines()[0]
    xlsx, _ = export_requests(engine, "tiny", "xlsx", tmp_path / "r.xlsx")
    ws = openpyxl.load_workbook(xlsx).active
    assert ws is not None and ws.auto_filter.ref and ws.max_row == len(stored) + 1
    if stored:
        assert isinstance(ws.cell(2, 5).value, dt.datetime)  # a date cell, not text


def test_cli_solve_and_export(tiny: Scenario, tmp_path: Path) -> None:
    """`planner solve continuity --json` prints the requests and the levers;
    `planner export requests` before any continuity run is a named error."""
    cli = CliRunner()
    path = tmp_path / "tiny.toml"
    text = builtin_scenario_path("tiny").read_text(encoding="utf-8")
    assert "time_limit_s = 10\ncontinuity_time_limit_s" in text  # the staffing section's
    path.write_text(text.replace("time_limit_s = 10\ncontinuity", "time_limit_s = 2\ncontinuity"))
    assert cli.invoke(app, ["scenario", "create", str(path)]).exit_code == 0
    missing = cli.invoke(
        app, ["export", "requests", "--scenario", "tiny", "--format", "csv", "--out", "x.csv"]
    )
    assert missing.exit_code == 2 and "no finished continuity run" in missing.output
    out = cli.invoke(app, ["solve", "continuity", "--scenario", "tiny", "--json"])
    assert out.exit_code == 0, out.output
    data = json.loads(out.output.strip().splitlines()[-1])
    assert data["planner"] == "continuity"
    assert {"requests", "levers", "misses"} <= set(data)
    assert data["kpis"]["requests"] == len(data["requests"])


def test_export_of_an_unknown_scenario_is_named(engine: Engine) -> None:
    """No such scenario: a PlannerError, not a traceback."""
    with pytest.raises(PlannerError):
        export_requests(engine, "nope", "csv", Path("x.csv"))


def test_the_re_solve_starts_from_the_stored_staffing_roster(
    engine: Engine, tiny: Scenario
) -> None:
    """The staffing run's roster is handed to continuity as its start; a shift on a slot the
    clinician never declared (a roster of another problem) is not used as a start."""
    from planner.orchestration.context import RunContext
    from planner.orchestration.continuity import stored_roster

    save_scenario(engine, tiny)
    run_id = runs.execute(engine, "tiny", "staffing").run.id
    shifts = tuple(run_rows(engine, run_id, Shift))
    problem = build_problem(tiny)
    start = stored_roster(problem, RunContext(shifts=shifts))
    assert start is not None
    assert {(s.clinician_id, s.day, s.block) for s in start.shifts} == {
        (s.clinician_id, s.day, s.block) for s in shifts
    }
    odd = shifts[0].model_copy(update={"day": dt.date(2030, 1, 1)})
    assert stored_roster(problem, RunContext(shifts=(odd,))) is None
    assert stored_roster(problem, RunContext()) is None
