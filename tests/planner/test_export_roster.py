"""`planner export roster`: the stored roster of the latest staffing run, parsed back from CSV,
XLSX and iCalendar and compared with the rows in the database."""

from __future__ import annotations

import csv
import datetime as dt
import json
from pathlib import Path

import icalendar
import openpyxl
import pytest
from sqlalchemy.engine import Engine
from typer.testing import CliRunner

from planner.cli import app
from planner.cli.export_roster import export_roster
from planner.errors import PlannerError
from planner.orchestration.staffing import STOCKHOLM, wall_clock
from planner.scenario import Scenario, builtin_scenario_path, load_scenario
from planner.storage import finish_run, run_rows, save_scenario, start_run
from planner.storage.models import Shift
from planner.storage.store import RunOutcome

MONDAY = dt.date(2026, 11, 2)


@pytest.fixture
def tiny() -> Scenario:
    """The built-in tiny scenario with 2-s staffing solves."""
    return load_scenario(builtin_scenario_path("tiny")).replace(staffing={"time_limit_s": 2.0})


def hand_roster() -> list[Shift]:
    """Four shifts over two ISO weeks, one of them a night that ends the next morning."""
    spec = [
        ("C0001", "doctor", 0, "07-12", 7, 12),
        ("C0001", "doctor", 0, "12-17", 12, 17),
        ("C0002", "psychologist", 3, "17-22", 17, 22),
        ("C0001", "doctor", 7, "22-07", 22, 31),
    ]
    return [
        Shift(
            clinician_id=c,
            profession=p,
            day=MONDAY + dt.timedelta(days=d),
            block=b,
            start=wall_clock(MONDAY + dt.timedelta(days=d), s),
            end=wall_clock(MONDAY + dt.timedelta(days=d), e),
        )
        for c, p, d, b, s, e in spec
    ]


def stored_keys(engine: Engine, run_id: int) -> set[tuple]:
    """(clinician, day, block, local start, local end) of the stored shifts."""
    return {
        (
            s.clinician_id,
            s.day,
            s.block,
            s.start.astimezone(STOCKHOLM).replace(tzinfo=None),
            s.end.astimezone(STOCKHOLM).replace(tzinfo=None),
        )
        for s in run_rows(engine, run_id, Shift)
    }


def parse_csv(path: Path) -> set[tuple]:
    """The shifts of a CSV export."""
    with path.open(encoding="utf-8") as handle:
        return {
            (
                r["clinician_id"],
                dt.date.fromisoformat(r["day"]),
                r["block"],
                dt.datetime.fromisoformat(r["start"]).astimezone(STOCKHOLM).replace(tzinfo=None),
                dt.datetime.fromisoformat(r["end"]).astimezone(STOCKHOLM).replace(tzinfo=None),
            )
            for r in csv.DictReader(handle)
        }


def parse_xlsx(path: Path) -> set[tuple]:
    """(clinician, day, block) of an XLSX export (a sheet per week, blocks in day cells)."""
    out = set()
    for ws in openpyxl.load_workbook(path).worksheets:
        header = [c.value for c in ws[1]]
        for row in ws.iter_rows(min_row=2, values_only=True):
            for i, cell in enumerate(row[2:9]):
                for block in (cell or "").splitlines():
                    out.add((row[0], dt.date.fromisoformat(header[2 + i][4:]), block))
    return out


def parse_ics(folder: Path) -> tuple[set[tuple], set[str]]:
    """Shifts and UIDs of every calendar in an iCalendar export folder."""
    shifts, uids = set(), set()
    for path in sorted(folder.glob("*.ics")):
        cal = icalendar.Calendar.from_ical(path.read_bytes())
        assert [tz["TZID"] for tz in cal.walk("VTIMEZONE")] == ["Europe/Stockholm"]
        for e in cal.walk("VEVENT"):
            shifts.add(
                (
                    path.stem,
                    dt.date.fromisoformat(str(e["X-PLANNER-DAY"])),
                    str(e["X-PLANNER-BLOCK"]),
                    e.decoded("DTSTART").astimezone(STOCKHOLM).replace(tzinfo=None),
                    e.decoded("DTEND").astimezone(STOCKHOLM).replace(tzinfo=None),
                )
            )
            uids.add(str(e["UID"]))
    return shifts, uids


def test_every_format_round_trips_the_stored_roster(
    engine: Engine, tiny: Scenario, tmp_path: Path
) -> None:
    """CSV, XLSX and iCalendar read back to exactly the stored shifts; ics UIDs are stable."""
    record = save_scenario(engine, tiny)
    run = start_run(engine, record, "staffing", seed=0, time_limit_s=None)
    assert run.id is not None
    finish_run(engine, run.id, RunOutcome("OPTIMAL", {"n": 4}, hand_roster()))
    stored = stored_keys(engine, run.id)
    assert len(stored) == 4

    assert parse_csv(export_roster(engine, "tiny", "csv", tmp_path / "r.csv")[0]) == stored
    xlsx = export_roster(engine, "tiny", "xlsx", tmp_path / "r.xlsx")[0]
    assert parse_xlsx(xlsx) == {k[:3] for k in stored}
    assert openpyxl.load_workbook(xlsx).sheetnames == ["2026-W45", "2026-W46"]
    written = export_roster(engine, "tiny", "ics", tmp_path / "ics")
    assert sorted(p.name for p in written) == ["C0001.ics", "C0002.ics"]
    shifts, uids = parse_ics(tmp_path / "ics")
    assert shifts == stored
    export_roster(engine, "tiny", "ics", tmp_path / "ics2")
    assert parse_ics(tmp_path / "ics2")[1] == uids


def test_mobile_sites_are_named_from_the_placement_plan(
    engine: Engine, tiny: Scenario, tmp_path: Path
) -> None:
    """A stored placement names site 2714795 Fittja: the exported calendar says "Mobile clinic
    Fittja" with LOCATION Fittja, and the CSV's site column names it (no place id as a title)."""
    from planner.cli.export_roster import site_names
    from planner.storage.models import Placement

    record = save_scenario(engine, tiny)
    placed = start_run(engine, record, "placement", seed=0, time_limit_s=None)
    assert placed.id is not None
    spot = Placement(  # type: ignore[call-arg]
        week="2026-W45",
        unit=1,
        site_id="2714795",
        site_name="Fittja",
        kommun_code="0127",
        county_code="01",
        lon=17.9,
        lat=59.25,
    )
    finish_run(engine, placed.id, RunOutcome("OPTIMAL", {"n": 1}, [spot]))
    van = Shift(
        clinician_id="C0003",
        profession="doctor",
        day=MONDAY,
        block="mobile:2714795",
        start=wall_clock(MONDAY, 8),
        end=wall_clock(MONDAY, 17),
        kind="mobile",
        site_id="2714795",
    )
    run = start_run(engine, record, "staffing", seed=0, time_limit_s=None)
    assert run.id is not None
    finish_run(engine, run.id, RunOutcome("OPTIMAL", {"n": 1}, [van]))
    assert site_names(engine, "tiny") == {"2714795": "Fittja"}
    (ics,) = export_roster(engine, "tiny", "ics", tmp_path / "ics")
    (event,) = icalendar.Calendar.from_ical(ics.read_bytes()).walk("VEVENT")
    assert (str(event["summary"]), str(event["location"])) == (
        "Mobile clinic Fittja (doctor)",
        "Fittja",
    )
    with export_roster(engine, "tiny", "csv", tmp_path / "r.csv")[0].open(encoding="utf-8") as f:
        assert [r["site"] for r in csv.DictReader(f)] == ["Fittja"]


def test_no_staffing_run_is_a_readable_error(
    engine: Engine, tiny: Scenario, tmp_path: Path
) -> None:
    """Exporting before any staffing run says what to do."""
    save_scenario(engine, tiny)
    with pytest.raises(PlannerError, match="no finished staffing run"):
        export_roster(engine, "tiny", "csv", tmp_path / "r.csv")


def test_cli_solve_then_export_roster(tmp_path: Path, tiny: Scenario) -> None:
    """`planner solve staffing --json` prints the KPIs and stores the roster; `planner export
    roster --format csv|xlsx|ics` then writes files that hold that roster."""
    import tomli_w

    from planner.storage import latest_run, open_database

    path = tmp_path / "tiny.toml"
    path.write_text(tomli_w.dumps(tiny.to_dict()), encoding="utf-8")
    db = f"sqlite:///{tmp_path / 'cli.db'}"
    runner = CliRunner()
    assert runner.invoke(app, ["--db", db, "scenario", "create", str(path)]).exit_code == 0
    solved = runner.invoke(app, ["--db", db, "solve", "staffing", "--scenario", "tiny", "--json"])
    assert solved.exit_code == 0, solved.output
    printed = json.loads(solved.output.strip().splitlines()[-1])
    assert printed["planner"] == "staffing" and printed["status"] == "finished"
    assert {
        "continuity_rate",
        "availability_bound",
        "baseline_rate",
        "cover",
        "hard_violations",
    } <= set(printed["kpis"])
    for fmt, out in (("csv", "r.csv"), ("xlsx", "r.xlsx"), ("ics", "ics")):
        result = runner.invoke(
            app,
            [
                "--db",
                db,
                "export",
                "roster",
                "--scenario",
                "tiny",
                "--format",
                fmt,
                "--out",
                str(tmp_path / out),
            ],
        )
        assert result.exit_code == 0, result.output
    engine = open_database(db)
    run = latest_run(engine, "tiny", "staffing")
    assert run is not None and run.id is not None
    stored = stored_keys(engine, run.id)
    assert stored and parse_csv(tmp_path / "r.csv") == stored
    assert parse_xlsx(tmp_path / "r.xlsx") == {k[:3] for k in stored}
    assert parse_ics(tmp_path / "ics")[0] == stored
    engine.dispose()
