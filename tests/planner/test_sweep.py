"""`planner sweep`: variants made and validated before anything runs, solved on Dask (a local
cluster, and a real scheduler and worker with PostgreSQL), resumable, each plan stored once."""

from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlmodel import select
from typer.testing import CliRunner

from planner.cli import app
from planner.errors import SweepError
from planner.runs import execute
from planner.scenario import builtin_scenario_path, load_scenario
from planner.storage import (
    list_scenarios,
    list_sweeps,
    open_database,
    save_scenario,
    sweep_variants,
)
from planner.storage.database import session
from planner.storage.models import Run, ScenarioRecord
from planner.sweep import (
    _scalar,
    cluster,
    grid,
    make_variants,
    parse_value,
    read_variants,
    run_sweep,
    solve_variant,
    store_variants,
    variant_name,
)
from tests.pgserver import free_port

REPO = Path(__file__).resolve().parents[2]
runner = CliRunner()

#: Four variants of the tiny scenario: one or two units, a 30 or 45 minute reach.
TINY_GRID = ["placement.units=1,2", "placement.radius_minutes=30,45"]


@pytest.fixture
def tiny_sqlite(tmp_path: Path) -> str:
    """An SQLite database holding only the built-in ``tiny`` scenario (two counties, two
    units: every placement solve proves optimality in seconds)."""
    url = f"sqlite:///{tmp_path / 'sweep.db'}"
    engine = open_database(url)
    save_scenario(engine, load_scenario(builtin_scenario_path("tiny")))
    engine.dispose()
    return url


def finished_runs(url: str) -> dict[str, list[int]]:
    """Scenario name -> ids of its finished runs."""
    engine = open_database(url)
    with session(engine) as db:
        pairs = db.exec(
            select(ScenarioRecord.name, Run.id)
            .join(Run, Run.scenario_id == ScenarioRecord.id)  # type: ignore[arg-type]
            .where(Run.status == "finished")
        ).all()
    engine.dispose()
    out: dict[str, list[int]] = {}
    for name, run_id in pairs:
        out.setdefault(name, []).append(run_id)
    return out


# Variants ----------------------------------------------------------------------------------------


def test_grid_is_every_combination_typed_by_the_key() -> None:
    """Two values by two values: four variants, ints and floats as the keys' types."""
    assert grid(TINY_GRID) == [
        {"placement.units": 1, "placement.radius_minutes": 30.0},
        {"placement.units": 1, "placement.radius_minutes": 45.0},
        {"placement.units": 2, "placement.radius_minutes": 30.0},
        {"placement.units": 2, "placement.radius_minutes": 45.0},
    ]
    assert isinstance(grid(["placement.radius_minutes=30"])[0]["placement.radius_minutes"], float)


def test_values_of_lists_and_flags() -> None:
    """List items are separated by ';' ([] is empty); flags read true/false/yes/no/1/0."""
    assert parse_value("placement.counties", "04;05") == ["04", "05"]
    assert parse_value("placement.counties", "[]") == []
    # No scenario key is a flag today; the parser is ready for one.
    assert [_scalar("x.flag", bool, v) for v in ("yes", "0", "TRUE")] == [True, False, True]


def test_variant_names_fit_the_name_rule() -> None:
    """Short keys and values in the name; a hash when it would pass 63 characters."""
    assert variant_name("demo", {"placement.units": 8, "placement.radius_minutes": 30.0}) == (
        "demo--units-8--radius_minutes-30"
    )
    assert variant_name("demo", {"placement.radius_minutes": 45.5}) == "demo--radius_minutes-45p5"
    long = variant_name("demo", {"placement.counties": [f"{c:02d}" for c in range(1, 26)]})
    assert len(long) <= 63 and long.startswith("demo--")


def test_a_bad_value_names_the_variant_and_key() -> None:
    """A value the scenario rejects (a negative count) stops the sweep before anything runs."""
    base = load_scenario(builtin_scenario_path("tiny"))
    with pytest.raises(SweepError, match=r"tiny--units-m1: .*placement\.units"):
        make_variants(base, grid(["placement.units=2,-1"]))


def test_variants_from_toml_and_csv(tmp_path: Path) -> None:
    """A TOML file of [[variant]] tables and a CSV of dotted columns list the same variants."""
    toml = tmp_path / "v.toml"
    toml.write_text(
        "[[variant]]\nplacement.units = 1\nplacement.counties = ['04']\n\n"
        "[[variant]]\nplacement.units = 2\nplacement.counties = ['04', '05']\n"
    )
    csv = tmp_path / "v.csv"
    csv.write_text("placement.units,placement.counties\n1,04\n2,04;05\n")
    assert read_variants(toml) == read_variants(csv)
    (tmp_path / "empty.toml").write_text("# nothing\n")
    with pytest.raises(SweepError, match="grid is empty"):
        read_variants(tmp_path / "empty.toml")


# Bad input through the command line --------------------------------------------------------------


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--vary", "placement.unitz=1,2"], "placement.unitz: unknown key"),
        (["--vary", "placement.units=two"], "placement.units=two: not a whole number"),
        (["--vary", "placement.units="], "no values, so the grid is empty"),
        ([], "the grid is empty"),
        (["--vary", "placement.units=1", "--scheduler", "tcp://127.0.0.1:9"], "PostgreSQL"),
    ],
)
def test_bad_input_is_one_line_and_stores_nothing(
    tiny_sqlite: str, args: list[str], message: str
) -> None:
    """Unknown key, wrong type, empty grid, SQLite with a remote scheduler: exit 2, one line
    naming the problem, no scenario and no run stored."""
    result = runner.invoke(app, ["--db", tiny_sqlite, "sweep", "tiny", *args, "--json"])
    assert result.exit_code == 2, result.output
    assert message in result.output
    assert len(result.output.strip().splitlines()) == 1
    assert [s["name"] for s in list_scenarios(open_database(tiny_sqlite))] == ["tiny"]
    assert finished_runs(tiny_sqlite) == {}


@pytest.mark.postgres
def test_a_scheduler_that_does_not_answer_is_named_within_seconds(postgres_url: str) -> None:
    """--scheduler at a port where nothing listens: a one-line error within a few seconds,
    nothing stored."""
    engine = open_database(postgres_url)
    save_scenario(engine, load_scenario(builtin_scenario_path("tiny")))
    started = time.monotonic()
    result = runner.invoke(
        app,
        [
            "--db",
            postgres_url,
            "sweep",
            "tiny",
            "--vary",
            "placement.units=1,2",
            "--scheduler",
            f"tcp://127.0.0.1:{free_port()}",
        ],
    )
    assert time.monotonic() - started < 20
    assert result.exit_code == 2, result.output
    assert "no Dask scheduler answered" in result.output
    assert [s["name"] for s in list_scenarios(engine)] == ["tiny"]
    engine.dispose()


# Solving -----------------------------------------------------------------------------------------


@pytest.mark.slow
def test_sweep_on_a_local_cluster_equals_solving_one_by_one(tmp_path: Path) -> None:
    """Four tiny variants on a LocalCluster of two workers: the same plans as `execute` one
    after another; a second sweep skips them all."""
    url = f"sqlite:///{tmp_path / 'swept.db'}"
    engine = open_database(url)
    base = load_scenario(builtin_scenario_path("tiny"))
    variants = make_variants(base, grid(TINY_GRID))
    with cluster(workers=2) as client:
        versions = store_variants(engine, base.name, variants)
        report = run_sweep(engine, url, client, variants, versions, ["placement"])
        again = run_sweep(engine, url, client, variants, versions, ["placement"])
    assert (report.variants, report.solved, report.skipped, report.failed) == (4, 4, 0, 0)
    assert (again.solved, again.skipped) == (0, 4)
    # A task run again (its worker died after storing the plan) stores nothing new.
    name = variants[0].name
    rerun = solve_variant(url, name, versions[name], ["placement"])
    assert (
        rerun["plans"]["placement"]["run_id"] == report.results[0]["plans"]["placement"]["run_id"]
    )
    assert list_sweeps(engine)[0]["keys"] == ["placement.radius_minutes", "placement.units"]
    assert {v.scenario: v.parameters for v in sweep_variants(engine, "tiny")} == {
        v.name: v.parameters for v in variants
    }

    alone = open_database(f"sqlite:///{tmp_path / 'alone.db'}")
    for variant, swept in zip(variants, report.results, strict=True):
        save_scenario(alone, variant.scenario)
        one = execute(alone, variant.name, "placement").to_dict()
        gap = max(
            swept["plans"]["placement"]["quality"]["gap"] or 0.0, one["quality"]["gap"] or 0.0
        )
        assert swept["scenario"] == variant.name
        for kpi in ("served_share", "served_patients"):
            assert swept[kpi] == pytest.approx(one["kpis"][kpi], rel=gap + 1e-6), kpi
    assert {name: len(ids) for name, ids in finished_runs(url).items()} == {
        v.name: 1 for v in variants
    }


# A real cluster ----------------------------------------------------------------------------------


def _env(tmp_path: Path) -> dict[str, str]:
    """The environment of the scheduler, workers and sweep: the project importable."""
    return {
        **os.environ,
        "PYTHONPATH": os.pathsep.join([str(REPO), os.environ.get("PYTHONPATH", "")]),
        "PLANNER_VAR_DIR": str(tmp_path / "var"),
    }


@pytest.fixture
def scheduler(tmp_path: Path) -> Iterator[str]:
    """A `dask scheduler` process on a free loopback port, stopped afterwards."""
    port = free_port()
    proc = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "dask",
            "scheduler",
            "--host",
            "127.0.0.1",
            "--port",
            str(port),
            "--no-dashboard",
        ],
        env=_env(tmp_path),
        stdout=subprocess.DEVNULL,
        stderr=open(tmp_path / "scheduler.log", "w"),  # noqa: SIM115  (closed with the process)
    )
    address = f"tcp://127.0.0.1:{port}"
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        with socket.socket() as sock:
            if sock.connect_ex(("127.0.0.1", port)) == 0:
                break
        time.sleep(0.2)
    yield address
    proc.terminate()
    proc.wait(timeout=30)


def start_worker(address: str, tmp_path: Path, tag: str) -> subprocess.Popen[bytes]:
    """One `dask worker` process (no nanny: killing it kills the process that solves)."""
    return subprocess.Popen(
        [
            sys.executable,
            "-m",
            "dask",
            "worker",
            address,
            "--nworkers",
            "1",
            "--nthreads",
            "1",
            "--no-nanny",
            "--no-dashboard",
            "--name",
            tag,
        ],
        env=_env(tmp_path),
        stdout=subprocess.DEVNULL,
        stderr=open(tmp_path / f"worker-{tag}.log", "w"),
    )


def running_runs(url: str) -> list[Run]:
    engine = open_database(url)
    with session(engine) as db:
        runs = list(db.exec(select(Run).where(Run.status == "running")).all())
    engine.dispose()
    return runs


@pytest.mark.postgres
@pytest.mark.slow
def test_a_killed_worker_task_runs_again_and_every_variant_is_stored_once(
    scheduler: str, postgres_url: str, tmp_path: Path
) -> None:
    """A real scheduler, a worker killed (SIGKILL) in the middle of a solve and another one
    started: the sweep ends with each variant's plan stored exactly once."""
    engine = open_database(postgres_url)
    save_scenario(engine, load_scenario(builtin_scenario_path("tiny")))
    first = start_worker(scheduler, tmp_path, "first")
    sweep = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "planner",
            "--db",
            postgres_url,
            "sweep",
            "tiny",
            "--vary",
            "placement.units=1,2,3",
            "--planners",
            "placement",
            "--scheduler",
            scheduler,
            "--json",
        ],
        env=_env(tmp_path),
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
    )
    second = None
    try:
        deadline = time.monotonic() + 120
        while not running_runs(postgres_url):
            assert time.monotonic() < deadline, "no run started"
            assert sweep.poll() is None, sweep.communicate()
            time.sleep(0.1)
        killed = running_runs(postgres_url)[0]
        os.kill(first.pid, signal.SIGKILL)
        first.wait(timeout=30)
        second = start_worker(scheduler, tmp_path, "second")
        out, err = sweep.communicate(timeout=240)
    finally:
        for proc in (first, second, sweep):
            if proc is not None and proc.poll() is None:
                proc.kill()
                proc.wait()
    assert sweep.returncode == 0, err.decode()
    report = json.loads(out.decode().strip().splitlines()[-1])
    assert (report["variants"], report["solved"], report["failed"]) == (3, 3, 0)
    stored = finished_runs(postgres_url)
    assert {name: len(ids) for name, ids in stored.items()} == {
        "tiny--units-1": 1,
        "tiny--units-2": 1,
        "tiny--units-3": 1,
    }
    with session(engine) as db:
        dead = db.get(Run, killed.id)
    assert dead is not None and dead.status == "failed"
    assert running_runs(postgres_url) == []
    engine.dispose()


@pytest.mark.slow
def test_a_failed_variant_is_recorded_and_the_others_go_on(
    tiny_sqlite: str, tmp_path: Path
) -> None:
    """A variant whose placement has no candidate site fails with the planner's own message;
    the other variant is solved; the sweep exits 1 with both in its JSON."""
    done = subprocess.run(
        [
            sys.executable,
            "-m",
            "planner",
            "--db",
            tiny_sqlite,
            "sweep",
            "tiny",
            "--vary",
            "placement.candidate_min_population=20000,10000000",
            "--planners",
            "placement",
            "--workers",
            "1",
            "--json",
        ],
        env=_env(tmp_path),
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert done.returncode == 1, done.stderr
    report = json.loads(done.stdout.strip().splitlines()[-1])
    assert (report["variants"], report["solved"], report["failed"]) == (2, 1, 1)
    failed = next(r for r in report["results"] if r["error"])
    assert "no candidate site" in failed["error"]
    assert {name: len(ids) for name, ids in finished_runs(tiny_sqlite).items()} == {
        "tiny--candidate_min_population-20000": 1
    }


@pytest.mark.slow
def test_ctrl_c_stops_the_sweep_and_leaves_no_run_running(tiny_sqlite: str, tmp_path: Path) -> None:
    """Ctrl-C (SIGINT to the terminal's process group) while a variant solves: the sweep exits
    130 saying the finished variants are stored, and no run is left 'running' once runs are
    listed."""
    sweep = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "planner",
            "--db",
            tiny_sqlite,
            "sweep",
            "tiny",
            "--vary",
            "staffing.time_limit_s=600,601",
            "--planners",
            "staffing",
            "--workers",
            "1",
        ],
        env=_env(tmp_path),
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        start_new_session=True,
    )
    try:
        deadline = time.monotonic() + 180
        while not running_runs(tiny_sqlite):
            assert time.monotonic() < deadline, "no run started"
            assert sweep.poll() is None, sweep.communicate()
            time.sleep(0.2)
        os.killpg(sweep.pid, signal.SIGINT)
        _, err = sweep.communicate(timeout=90)
    finally:
        if sweep.poll() is None:
            os.killpg(sweep.pid, signal.SIGKILL)
            sweep.wait()
    assert sweep.returncode == 130, err.decode()
    assert "interrupted" in err.decode()
    listed = runner.invoke(app, ["--db", tiny_sqlite, "runs", "list", "--json"])
    assert listed.exit_code == 0, listed.output
    assert running_runs(tiny_sqlite) == []
