"""Clear errors instead of tracebacks for the database and output files (issue 16, items 9, 10).

A database that cannot be reached or written, an ``--out`` that is a folder or lies in a missing
folder, a run id that is not stored: one line, exit code 2, nothing stored, no ``.part`` file.
Two processes storing the same scenario, or opening a fresh database, at the same moment: both
succeed and no version is lost (real processes, several rounds, SQLite and PostgreSQL).
"""

from __future__ import annotations

import json
import multiprocessing
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import text
from typer.testing import CliRunner

from planner.cli import app
from planner.scenario import builtin_scenario_path, load_scenario
from planner.storage import RunOutcome, finish_run, open_database, save_scenario, start_run
from planner.storage.models import Placement

runner = CliRunner()

#: Commands that all open the database first; each must turn a bad database into one line.
COMMANDS = [
    ("scenario", "list"),
    ("scenario", "create", "--builtin", "tiny"),
    ("scenario", "show", "tiny"),
    ("runs", "list"),
    ("runs", "show", "1"),
    ("solve", "placement", "--scenario", "tiny"),
    ("export", "rows", "--scenario", "tiny", "--table", "placement", "--out", "{tmp}/p.csv"),
    ("export", "roster", "--scenario", "tiny", "--format", "csv", "--out", "{tmp}/r.csv"),
    ("export", "requests", "--scenario", "tiny", "--format", "csv", "--out", "{tmp}/q.csv"),
]

#: Databases no command can use: a server that does not answer (with a password that must not
#: be printed), a URL that is not one, a port that is not a number, a driver not installed.
BAD_URLS = {
    "unreachable": "postgresql://planner:s3cret@127.0.0.1:1/planner",
    "malformed": "not a url",
    "bad port": "postgresql://planner:s3cret@[::1/planner",
    "no driver": "mysql://planner:s3cret@localhost/planner",
}


def invoke(db: str, *args: str):  # type: ignore[no-untyped-def]
    """Run the CLI in-process against database ``db``."""
    return runner.invoke(app, ["--db", db, *args])


def one_line_error(result) -> str:  # type: ignore[no-untyped-def]
    """The CLI's error line, after checking it is the only output and the exit code is 2."""
    lines = [line for line in result.output.splitlines() if line.strip()]
    assert result.exit_code == 2, result.output
    assert len(lines) == 1 and lines[0].startswith("error: "), result.output
    assert "Traceback" not in result.output
    return lines[0]


@pytest.fixture
def stored_tiny(tmp_path: Path) -> str:
    """An SQLite file holding the shipped two-unit scenario and one finished placement run
    with two rows: something to export, and to find still unchanged afterwards."""
    url = f"sqlite:///{tmp_path / 'stored.db'}"
    engine = open_database(url)
    record = save_scenario(engine, load_scenario(builtin_scenario_path("tiny")))
    run = start_run(engine, record, "placement", seed=1, time_limit_s=1.0)
    rows = [
        Placement(
            week="2026-W45",
            unit=u,
            site_id=f"S{u}",
            site_name=f"Site {u}",
            kommun_code="0480",
            county_code="04",
            lon=17.0,
            lat=58.7,
        )
        for u in range(2)
    ]
    assert run.id is not None
    finish_run(engine, run.id, RunOutcome("OPTIMAL", {"n": 2}, rows=rows))
    engine.dispose()
    return url


@pytest.mark.parametrize("command", COMMANDS, ids=lambda c: " ".join(c[:2]))
@pytest.mark.parametrize("kind", list(BAD_URLS))
def test_a_database_no_command_can_use_is_one_named_line(
    kind: str, command: tuple[str, ...], tmp_path: Path
) -> None:
    """Every command names the database (without its password) in one line, exit 2."""
    url = BAD_URLS[kind]
    line = one_line_error(invoke(url, *(a.format(tmp=tmp_path) for a in command)))
    assert "database" in line and "s3cret" not in line
    assert url.replace("s3cret", "***") in line
    assert not list(tmp_path.glob("*.part"))


def test_read_only_database_reads_and_refuses_writes_in_one_line(stored_tiny: str) -> None:
    """A read-only SQLite database still lists; storing into it is one named error line."""
    read_only = stored_tiny.replace("sqlite:///", "sqlite:///file:") + "?mode=ro&uri=true"
    listed = invoke(read_only, "scenario", "list", "--json")
    assert listed.exit_code == 0 and "tiny" in listed.output
    line = one_line_error(invoke(read_only, "scenario", "create", "--builtin", "demo"))
    assert "readonly" in line and "stored.db" in line
    assert [s["name"] for s in json.loads(invoke(stored_tiny, "scenario", "list", "--json")
            .output.splitlines()[-1])["scenarios"]] == ["tiny"]  # fmt: skip


def test_database_in_a_folder_that_cannot_exist_is_named(tmp_path: Path) -> None:
    """An SQLite path below a plain file (its folder cannot be made) is one line, exit 2."""
    (tmp_path / "plain").write_text("x")
    line = one_line_error(invoke(f"sqlite:///{tmp_path}/plain/planner.db", "runs", "list"))
    assert "plain/planner.db" in line


@pytest.mark.parametrize(
    "command",
    [
        ("export", "rows", "--scenario", "tiny", "--table", "placement"),
        ("export", "roster", "--scenario", "tiny", "--format", "csv"),
        ("export", "roster", "--scenario", "tiny", "--format", "xlsx"),
        ("export", "requests", "--scenario", "tiny", "--format", "xlsx"),
        ("demand", "export", "--weeks", "2026-W45:2026-W46"),
    ],
    ids=lambda c: " ".join(c[:3]),
)
@pytest.mark.parametrize("where", ["a folder", "in a missing folder", "below a file"])
def test_out_that_cannot_be_a_file_is_named_and_leaves_no_part_file(
    where: str, command: tuple[str, ...], stored_tiny: str, tmp_path: Path
) -> None:
    """--out naming a folder, or a file in a folder that does not exist: one line, exit 2,
    no stray ``.part`` file, and the folder left as it was."""
    work = tmp_path / "work"
    work.mkdir()
    (work / "plain.txt").write_text("x")
    out = {
        "a folder": work,
        "in a missing folder": work / "missing" / "out.csv",
        "below a file": work / "plain.txt" / "out.csv",
    }[where]
    line = one_line_error(invoke(stored_tiny, *command, "--out", str(out)))
    assert "--out" in line and "folder" in line
    assert [p.name for p in work.iterdir()] == ["plain.txt"]
    assert not list(tmp_path.glob("*.part"))


def test_ics_export_into_a_file_or_below_a_missing_folder_is_named(
    stored_tiny: str, tmp_path: Path
) -> None:
    """iCalendar export writes a folder: a file, or a folder two levels deep, is refused."""
    (tmp_path / "plain.txt").write_text("x")
    for out in (tmp_path / "plain.txt", tmp_path / "missing" / "calendars"):
        line = one_line_error(
            invoke(
                stored_tiny, "export", "roster", "-s", "tiny", "--format", "ics", "--out", str(out)
            )
        )
        assert "--out" in line
    assert not (tmp_path / "missing").exists()


def test_run_that_is_not_stored_is_named(stored_tiny: str) -> None:
    """`planner runs show 99999` is a one-line error naming the id, exit 2 (not empty KPIs)."""
    assert "no run 99999" in one_line_error(invoke(stored_tiny, "runs", "show", "99999"))


# Concurrency ------------------------------------------------------------------------------------


def _racer(url: str, path: str | None, barrier: Any, results: Any) -> None:
    """Child process: wait for the others, then open the database and store ``path``."""
    scenario = load_scenario(path) if path else None
    barrier.wait(timeout=60)
    try:
        engine = open_database(url)
        version = save_scenario(engine, scenario).version if scenario is not None else 0
        results.put(("ok", version))
    except BaseException as exc:  # reported to the test, which fails with it
        results.put(("error", f"{type(exc).__name__}: {exc}"))


def _race(url: str, jobs: list[str | None]) -> list[int]:
    """Fork one process per job, release them together (a barrier), and return the scenario
    versions they stored; the test fails with the first error a process met."""
    context = multiprocessing.get_context("fork")  # forked: no process pays for the imports
    barrier, results = context.Barrier(len(jobs)), context.Queue()
    procs = [context.Process(target=_racer, args=(url, job, barrier, results)) for job in jobs]
    for proc in procs:
        proc.start()
    outcomes = [results.get(timeout=120) for _ in procs]
    for proc in procs:
        proc.join(timeout=30)
    errors = [text for kind, text in outcomes if kind == "error"]
    assert not errors, errors
    return sorted(int(v) for _, v in outcomes)


def _variant(tmp_path: Path, k: int) -> str:
    """The shipped tiny scenario with its description changed: same name, new content."""
    source = builtin_scenario_path("tiny").read_text(encoding="utf-8")
    path = tmp_path / f"tiny-{k}.toml"
    described = 'description = "Two mobile clinics'
    assert described in source
    path.write_text(source.replace(described, f'description = "variant {k}"#', 1))
    return str(path)


@pytest.mark.parametrize("round_", range(3))
def test_concurrent_creates_of_one_name_lose_no_version(
    db_url: str, tmp_path: Path, round_: int
) -> None:
    """Four processes store four contents under one name at once: versions 1-4, one each; two
    more store the same content at once: both get the same, fifth, version."""
    open_database(db_url).dispose()
    variants = [_variant(tmp_path, k) for k in range(4)]
    assert _race(db_url, list(variants)) == [1, 2, 3, 4]
    same = _variant(tmp_path, 99)
    assert _race(db_url, [same, same]) == [5, 5]
    engine = open_database(db_url)
    with engine.connect() as conn:
        stored = conn.execute(text("SELECT version, description FROM scenario")).all()
    engine.dispose()
    assert sorted(v for v, _ in stored) == [1, 2, 3, 4, 5]
    assert {d for _, d in stored} == {f"variant {k}" for k in (0, 1, 2, 3, 99)}


@pytest.mark.parametrize("round_", range(3))
def test_processes_opening_a_fresh_database_at_once_all_succeed(
    db_url: str, tmp_path: Path, round_: int
) -> None:
    """Four processes open an empty database at the same moment: every one migrates or finds
    the schema made, and the schema is at the latest revision once."""
    _race(db_url, [None] * 4)
    engine = open_database(db_url)
    with engine.connect() as conn:
        versions = conn.execute(text("SELECT version_num FROM alembic_version")).scalars().all()
    engine.dispose()
    from alembic.script import ScriptDirectory

    from planner.storage.database import alembic_config

    head = ScriptDirectory.from_config(alembic_config(engine)).get_current_head()
    assert versions == [head]
