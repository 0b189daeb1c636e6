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
from planner.demo_data import clinician_pool
from planner.errors import PlannerError
from planner.orchestration.staffing import STOCKHOLM, county_names, wall_clock
from planner.scenario import Scenario, builtin_scenario_path, load_scenario
from planner.storage import finish_run, run_rows, save_scenario, start_run
from planner.storage.models import Shift
from planner.storage.store import RunOutcome
from planner.weeks import week_monday
from staffing.export import INDEX_FILE, SUMMARY_SHEET
from tests.staffing.test_export import xlsx_blocks

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


def parse_ics(folder: Path) -> tuple[set[tuple], set[str]]:
    """Shifts and UIDs of every calendar in an iCalendar export folder."""
    shifts, uids = set(), set()
    for path in sorted(folder.glob("*.ics")):
        cal = icalendar.Calendar.from_ical(path.read_bytes())
        zones = [tz["TZID"] for tz in cal.walk("VTIMEZONE")]
        assert zones == (["Europe/Stockholm"] if cal.walk("VEVENT") else [])
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
    assert xlsx_blocks(xlsx) == {k[:3] for k in stored}
    assert openpyxl.load_workbook(xlsx).sheetnames == ["2026-W45", "2026-W46", SUMMARY_SHEET]
    written = export_roster(engine, "tiny", "ics", tmp_path / "ics")
    # a calendar for everyone in the tiny scenario's pool of 12, shifts or not
    assert sorted(p.name for p in written) == [f"C{i:04d}.ics" for i in range(1, 13)]
    assert (tmp_path / "ics" / INDEX_FILE).exists()
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
    export_roster(engine, "tiny", "ics", tmp_path / "ics")
    ics = tmp_path / "ics" / "C0003.ics"
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
    assert xlsx_blocks(tmp_path / "r.xlsx") == {k[:3] for k in stored}
    assert parse_ics(tmp_path / "ics")[0] == stored
    # The contract sheet adds up to the run's own KPIs, and each contract is the pool's.
    summary = openpyxl.load_workbook(tmp_path / "r.xlsx")[SUMMARY_SHEET]
    rows = list(summary.iter_rows(min_row=2, values_only=True))
    assert sum(r[4] for r in rows) == pytest.approx(printed["kpis"]["rostered_hours"], abs=0.05)
    assert sum(r[5] for r in rows) == pytest.approx(printed["kpis"]["contract_hours"], abs=0.05)
    pool = {c.clinician_id: c for c in tiny_pool(tiny)}
    weeks = tiny.staffing.horizon_days / 7
    assert {r[0]: r[5] for r in rows} == {
        cid: pytest.approx(c.contract_hours * weeks) for cid, c in pool.items()
    }
    counties = county_names()
    assert {r[2] for r in rows} == {counties[c.home_county] for c in pool.values()}
    engine.dispose()


def tiny_pool(scenario: Scenario) -> list:
    """The clinician pool the staffing planner builds for ``scenario``."""
    s = scenario.staffing
    return clinician_pool(
        s.clinicians,
        week_monday(scenario.scenario.start_week),
        s.horizon_days,
        scenario.scenario.seed,
    )


def events_of(folder: Path) -> dict[str, tuple[int, str, int]]:
    """UID -> (SEQUENCE, STATUS, start hour) of every event in an ics folder."""
    out = {}
    for path in folder.glob("*.ics"):
        for e in icalendar.Calendar.from_ical(path.read_bytes()).walk("VEVENT"):
            out[str(e["UID"])] = (
                int(e["SEQUENCE"]),
                str(e["STATUS"]),
                e.decoded("DTSTART").astimezone(STOCKHOLM).hour,
            )
    return out


def test_reexport_after_a_replan_cancels_and_updates_from_the_stored_runs(
    engine: Engine, tiny: Scenario, tmp_path: Path
) -> None:
    """Run A stores the hand roster; a re-plan on a new scenario version (run B) drops C0001's
    Monday 12-17 and moves C0002's Thursday evening to 16-21. B's export, compared with the
    stored run A: the dropped shift is cancelled (its UID, SEQUENCE = B's id), the moved one
    has B's id and its new start, the unchanged ones keep A's id; exporting B again gives the
    same files; exporting version 1 (run A) cancels nothing."""
    from staffing.export import event_uid

    record = save_scenario(engine, tiny)
    run_a = start_run(engine, record, "staffing", seed=0, time_limit_s=None)
    assert run_a.id is not None
    finish_run(engine, run_a.id, RunOutcome("OPTIMAL", {"n": 4}, hand_roster()))
    replanned = [s for s in hand_roster() if s.block != "12-17"]
    evening = next(s for s in replanned if s.clinician_id == "C0002")
    evening.start, evening.end = wall_clock(evening.day, 16), wall_clock(evening.day, 21)
    record_b = save_scenario(engine, tiny.replace(staffing={"time_limit_s": 3.0}))
    assert record_b.version == 2
    run_b = start_run(engine, record_b, "staffing", seed=0, time_limit_s=None)
    assert run_b.id is not None
    finish_run(engine, run_b.id, RunOutcome("OPTIMAL", {"n": 3}, replanned))

    export_roster(engine, "tiny", "ics", tmp_path / "b")
    a, b = run_a.id, run_b.id
    thursday = MONDAY + dt.timedelta(days=3)
    assert events_of(tmp_path / "b") == {
        event_uid("C0001", MONDAY, "07-12"): (a, "CONFIRMED", 7),
        event_uid("C0001", MONDAY, "12-17"): (b, "CANCELLED", 12),
        event_uid("C0002", thursday, "17-22"): (b, "CONFIRMED", 16),
        event_uid("C0001", MONDAY + dt.timedelta(days=7), "22-07"): (a, "CONFIRMED", 22),
    }
    export_roster(engine, "tiny", "ics", tmp_path / "b2")
    assert all(
        (tmp_path / "b" / p.name).read_bytes() == p.read_bytes()
        for p in (tmp_path / "b2").iterdir()
    )
    export_roster(engine, "tiny", "ics", tmp_path / "a", version=1)
    assert {v[:2] for v in events_of(tmp_path / "a").values()} == {(a, "CONFIRMED")}


def test_base_url_puts_subscription_urls_in_the_index(
    engine: Engine, tiny: Scenario, tmp_path: Path
) -> None:
    """With --base-url the index lists each calendar's full URL; an address that is not
    http(s) is a readable error naming the option, and nothing is written."""
    record = save_scenario(engine, tiny)
    run = start_run(engine, record, "staffing", seed=0, time_limit_s=None)
    assert run.id is not None
    finish_run(engine, run.id, RunOutcome("OPTIMAL", {"n": 4}, hand_roster()))
    url = "https://intra.example.se/rosters/tiny"
    export_roster(engine, "tiny", "ics", tmp_path / "ics", base_url=url)
    index = (tmp_path / "ics" / INDEX_FILE).read_text(encoding="utf-8")
    assert f'href="{url}/C0001.ics"' in index
    assert index.count(f"{url}/C00") == 2 * 12  # link text and href, for the pool of 12
    for bad in ("file:///etc/", "javascript:alert(1)", "https://x.se/?a=1", "intra/rosters"):
        with pytest.raises(PlannerError, match="--base-url"):
            export_roster(engine, "tiny", "ics", tmp_path / "bad", base_url=bad)
    assert not (tmp_path / "bad").exists()
