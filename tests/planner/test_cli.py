"""The `planner` command line: help, scenario commands, JSON output, readable errors."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest
from typer.testing import CliRunner

from planner.cli import app
from planner.scenario import builtin_scenario_path

runner = CliRunner()


def invoke(db: str, *args: str):  # type: ignore[no-untyped-def]
    """Run the CLI in-process against database ``db``."""
    return runner.invoke(app, ["--db", db, *args])


def last_json(output: str) -> dict:
    """The JSON object on the last line of standard output."""
    return json.loads(output.strip().splitlines()[-1])


@pytest.fixture
def sqlite_db(tmp_path: Path) -> str:
    """An SQLite file that does not exist yet: the CLI must create and migrate it."""
    return f"sqlite:///{tmp_path / 'cli.db'}"


def test_console_script_help_lists_commands() -> None:
    """The installed `planner` script answers --help with every area."""
    out = subprocess.run(
        [sys.executable, "-m", "planner", "--help"], capture_output=True, text=True, check=True
    ).stdout
    for command in ("scenario", "solve", "runs", "export", "geo", "data", "demo", "dashboard"):
        assert command in out
    for sub in (["scenario", "--help"], ["solve", "--help"], ["solve", "placement", "--help"]):
        assert runner.invoke(app, sub).exit_code == 0


def test_scenario_create_list_show(sqlite_db: str) -> None:
    """Create from a file, list and show as JSON; a second create of the same file is v1."""
    path = str(builtin_scenario_path("tiny"))
    created = invoke(sqlite_db, "scenario", "create", path, "--json")
    assert created.exit_code == 0, created.output
    assert last_json(created.output)["version"] == 1
    assert last_json(invoke(sqlite_db, "scenario", "create", path, "--json").output)["version"] == 1
    listed = last_json(invoke(sqlite_db, "scenario", "list", "--json").output)
    assert [(s["name"], s["version"]) for s in listed["scenarios"]] == [("tiny", 1)]
    shown = last_json(invoke(sqlite_db, "scenario", "show", "tiny", "--json").output)
    assert shown["params"]["placement"]["units"] == 2
    human = invoke(sqlite_db, "scenario", "show", "tiny")
    assert "[placement]" in human.output and "units = 2" in human.output


def test_scenario_list_json_on_empty_store(sqlite_db: str) -> None:
    """`planner scenario list --json` prints a JSON object even when nothing is stored."""
    result = invoke(sqlite_db, "scenario", "list", "--json")
    assert result.exit_code == 0
    assert last_json(result.output) == {"scenarios": []}


def test_bad_scenario_file_names_key_and_file_and_stores_nothing(
    sqlite_db: str, tmp_path: Path
) -> None:
    """Exit code 2, the key and the file in the message, no traceback, nothing stored."""
    bad = tmp_path / "bad.toml"
    bad.write_text('[scenario]\nname = "bad"\n[placement]\nunits = -2\ncolour = "red"\n')
    result = invoke(sqlite_db, "scenario", "create", str(bad))
    assert result.exit_code == 2
    assert "bad.toml" in result.output
    assert "placement.units" in result.output and "placement.colour: unknown key" in result.output
    assert "Traceback" not in result.output
    assert last_json(invoke(sqlite_db, "scenario", "list", "--json").output) == {"scenarios": []}


def test_solve_unknown_scenario_is_readable(sqlite_db: str) -> None:
    """Solving a scenario that is not stored names it; no traceback."""
    result = invoke(sqlite_db, "solve", "placement", "--scenario", "ghost", "--json")
    assert result.exit_code == 2
    assert "ghost" in result.output
    assert "Traceback" not in result.output


def test_runs_list_json(sqlite_db: str) -> None:
    """`planner runs list --json` prints a JSON object."""
    result = invoke(sqlite_db, "runs", "list", "--json")
    assert result.exit_code == 0
    assert last_json(result.output) == {"runs": []}


def test_runs_show_gives_the_message_and_names_an_unknown_run(sqlite_db: str) -> None:
    """`planner runs show N --json` has the run's planner, status and message beside its KPIs;
    an id that is not stored is a one-line error, exit 2."""
    from planner.scenario import builtin_scenario_path, load_scenario
    from planner.storage import finish_run, open_database, save_scenario, start_run
    from planner.storage.store import RunOutcome

    engine = open_database(sqlite_db)
    record = save_scenario(engine, load_scenario(builtin_scenario_path("tiny")))
    run = start_run(engine, record, "staffing", seed=1, time_limit_s=1.0)
    assert run.id is not None
    finish_run(engine, run.id, RunOutcome("FEASIBLE", {"cover": 0.5}, message="short by 2 h"))
    shown = last_json(invoke(sqlite_db, "runs", "show", str(run.id), "--json").output)
    assert (shown["planner"], shown["message"], shown["kpis"]) == (
        "staffing",
        "short by 2 h",
        {"cover": 0.5},
    )
    missing = invoke(sqlite_db, "runs", "show", "999")
    assert missing.exit_code == 2 and "no run 999" in missing.output


def test_database_url_from_environment(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """PLANNER_DATABASE_URL chooses the database when --db is not given."""
    url = f"sqlite:///{tmp_path / 'env.db'}"
    monkeypatch.setenv("PLANNER_DATABASE_URL", url)
    result = runner.invoke(app, ["scenario", "create", "--builtin", "tiny", "--json"])
    assert result.exit_code == 0, result.output
    assert (tmp_path / "env.db").exists()


@pytest.mark.postgres
def test_cli_against_postgres(postgres_url: str) -> None:
    """The same commands work against PostgreSQL given with --db."""
    created = invoke(postgres_url, "scenario", "create", "--builtin", "demo", "--json")
    assert created.exit_code == 0, created.output
    listed = last_json(invoke(postgres_url, "scenario", "list", "--json").output)
    assert listed["scenarios"][0]["name"] == "demo"


def test_export_rows_picks_the_planner_from_the_table(sqlite_db: str, tmp_path: Path) -> None:
    """`--table route_stop` without `--planner` exports the routing run's stops (it silently
    wrote 0 placement rows before); a planner that writes no such rows is a named error."""
    import datetime as dt

    from planner.scenario import load_scenario
    from planner.storage import finish_run, get_scenario, open_database, save_scenario, start_run
    from planner.storage.models import RouteStop
    from planner.storage.store import RunOutcome

    engine = open_database(sqlite_db)
    save_scenario(engine, load_scenario(builtin_scenario_path("tiny")))
    record, _ = get_scenario(engine, "tiny")
    run = start_run(engine, record, "routing", seed=0, time_limit_s=None)
    assert run.id is not None
    stop = RouteStop(  # type: ignore[call-arg]  # run_id is set by finish_run
        route_id="r1",
        hub_id="100480107",
        day=dt.date(2026, 11, 2),
        seq=1,
        kind="delivery",
        place_id="100480107",
        arrival_minute=60.0,
    )
    finish_run(engine, run.id, RunOutcome("FEASIBLE", {}, [stop]))
    out = tmp_path / "stops.csv"
    result = invoke(
        sqlite_db, "export", "rows", "-s", "tiny", "--table", "route_stop", "--out", str(out)
    )
    assert result.exit_code == 0, result.output
    assert "wrote 1 rows" in result.output
    wrong = invoke(
        sqlite_db,
        "export",
        "rows",
        "-s",
        "tiny",
        "--table",
        "route_stop",
        "--planner",
        "placement",
        "--out",
        str(out),
    )
    assert wrong.exit_code == 2
    assert "the placement planner writes no route_stop rows" in wrong.output


def test_solve_prints_a_summary_a_person_reads_in_one_screen(capsys: pytest.CaptureFixture) -> None:
    """Quality in words, the headline KPIs with units in Swedish numbers, three note items and
    where the rest is: not the 290 per-kommun lines the issue saw."""
    from planner.cli.solve import print_summary

    kpis = {f"kommun_share_{i:04d}": 0.5 for i in range(290)}
    kpis |= {"served_share": 0.449048, "served_patients": 159.744, "relocation_km": 2679.3}
    print_summary(
        {
            "planner": "placement",
            "run_id": 7,
            "solver_status": "FEASIBLE",
            "seconds": 20.4,
            "time_limit_s": 20.0,
            "quality": {"words": "Far from proven: solve longer."},
            "message": "first item; second item; third item; fourth item",
            "kpis": kpis,
        }
    )
    lines = capsys.readouterr().out.splitlines()
    assert lines[0] == (
        "Mobile clinics plan, run 7: Far from proven: solve longer. "
        "(a feasible plan, not proven optimal; 20,4 s in all, search limit 20 s)"
    )
    assert "44,9 %" in lines[1] and "160 patients" in lines[2] and "2 679 km" in lines[3]
    assert lines[-4:] == [
        "  - first item",
        "  - second item",
        "  - third item",
        "  (1 more note and all 293 KPIs: planner runs show 7)",
    ]
    assert len(lines) <= 12
