"""The Solomon reader and the `planner bench vrptw` command."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from routing import Problem, ProgressCallback, Solution, SolveParams, evaluate, solve
from routing.solomon import SolomonFormatError, parse, read


@pytest.fixture
def c101() -> Path:
    """Solomon's C101 from the shared benchmark folder (tests/conftest.py: shared_file)."""
    from tests.conftest import shared_file

    return shared_file("bench", "solomon", "C101.txt")


#: Three customers on a 3-4-5 triangle around the depot: every distance is a whole number.
TRIANGLE = """TRI3

VEHICLE
NUMBER     CAPACITY
  2         10

CUSTOMER
CUST NO.  XCOORD.   YCOORD.    DEMAND   READY TIME  DUE DATE   SERVICE   TIME

    0      0          0          0          0        100          0
    1      3          0          4          0         50          1
    2      3          4          4          0         50          1
    3      0          4          4          0         50          1
"""


@pytest.fixture
def triangle_file(tmp_path: Path) -> Path:
    """TRIANGLE on disk: depot at the origin, customers at (3,0), (3,4), (0,4); loop length 14."""
    path = tmp_path / "TRI3.txt"
    path.write_text(TRIANGLE)
    return path


def test_reads_a_tiny_hand_written_file(triangle_file: Path) -> None:
    """Fleet, capacity, windows and exact Euclidean distances come out as written."""
    inst = read(triangle_file)
    assert (inst.name, inst.vehicles, inst.capacity, inst.customers) == ("TRI3", 2, 10, 3)
    p = inst.problem
    assert [s.id for s in p.stops] == ["1", "2", "3"]
    assert p.distance[0, 2] == 5.0 and p.distance[1, 2] == 4.0
    assert p.vehicles[0].shift_end == 100 and p.stops[0].service == 1
    assert (p.duration == p.distance).all()


def test_triangle_needs_two_vehicles_by_capacity(triangle_file: Path) -> None:
    """12 units on vehicles of 10: two routes; the plan is feasible."""
    inst = read(triangle_file)
    sol = solve(inst.problem, SolveParams(time_limit=0.3))
    check = evaluate(inst.problem, sol)
    assert check.feasible and check.vehicles == 2


@pytest.mark.parametrize(
    ("edit", "message"),
    [
        (
            lambda t: t.replace(
                "    3      0          4          4          0         50          1\n",
                "    3      0          4          4          0         50\n",
            ),
            r"line 13: expected 7 numbers",
        ),
        (
            lambda t: t.replace("    2      3          4", "    7      3          4"),
            r"line 12: customer number 7, expected 2",
        ),
        (lambda t: t.replace("  2         10", "  two       10"), r"line 5: expected two integers"),
        (
            lambda t: t.replace(
                "4          4          0         50", "4          4         60         50"
            ),
            r"line 12: time window \[60, 50\] ends before it starts",
        ),
        (lambda t: t.replace("VEHICLE", "VEHICLES"), r"needs a VEHICLE and a CUSTOMER section"),
    ],
)
def test_bad_files_name_file_and_line(edit, message: str) -> None:
    """Each malformed variant raises SolomonFormatError naming the file and the line."""
    with pytest.raises(SolomonFormatError, match=message) as info:
        parse(edit(TRIANGLE), "TRI3.txt")
    assert str(info.value).startswith("TRI3.txt")


def test_reads_c101(c101: Path) -> None:
    """C101: 100 customers, 25 vehicles of 200, depot open until 1236."""
    inst = read(c101)
    assert (inst.name, inst.customers, inst.vehicles, inst.capacity) == ("C101", 100, 25, 200)
    assert inst.problem.vehicles[0].shift_end == 1236
    assert inst.problem.stops[0].tw_start == 912 and inst.problem.stops[0].service == 90


def test_c101_short_solve_reaches_ten_vehicles(c101: Path) -> None:
    """Two seconds on C101 give a feasible plan with the best-known 10 vehicles, within 2 % of
    the best-known distance 828.94 (never below it: that would be a wrong distance)."""
    inst = read(c101)
    sol = solve(inst.problem, SolveParams(time_limit=2))
    check = evaluate(inst.problem, sol)
    assert check.feasible and check.vehicles == 10
    assert 828.93 <= check.distance <= 828.94 * 1.02


def test_cli_prints_the_json_last_line(triangle_file: Path) -> None:
    """`planner bench vrptw FILE --json` ends with the documented keys and a feasible plan."""
    from planner.cli import app

    result = CliRunner().invoke(
        app, ["bench", "vrptw", str(triangle_file), "--time-limit", "0.3", "--json"]
    )
    assert result.exit_code == 0, result.output
    out = json.loads(result.stdout.strip().splitlines()[-1])
    assert set(out) == {"instance", "vehicles", "distance", "feasible", "seconds", "routes"}
    assert out["instance"] == "TRI3" and out["feasible"] is True and out["vehicles"] == 2
    assert sorted(c for r in out["routes"] for c in r) == [1, 2, 3]


def test_cli_bad_file_is_a_clean_error(tmp_path: Path) -> None:
    """A broken file exits with code 2 and a message naming file and line, no traceback."""
    from planner.cli import app

    bad = tmp_path / "BAD.txt"
    bad.write_text(
        TRIANGLE.replace("          0         50          1\n", "          0         50\n", 1)
    )
    result = CliRunner().invoke(app, ["bench", "vrptw", str(bad), "--json"])
    assert result.exit_code == 2
    assert "BAD.txt, line 11: expected 7 numbers" in " ".join(result.output.split())
    assert "Traceback" not in result.output


def test_cli_engine_option_runs_that_engine_and_names_a_bad_one(
    triangle_file: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """`--engine ortools` hands the triangle to ENGINES["ortools"] (seen by a spy that then
    solves it), and an unknown engine exits with code 2 naming it."""
    from planner.cli import app
    from routing.solve import ENGINES

    seen: list[str] = []
    real = ENGINES["ortools"]

    def spy(
        problem: Problem, params: SolveParams, on_progress: ProgressCallback | None
    ) -> Solution:
        seen.append(params.engine)
        return real(problem, params, on_progress)

    monkeypatch.setitem(ENGINES, "ortools", spy)
    args = ["bench", "vrptw", str(triangle_file), "--time-limit", "0.3", "--json"]
    result = CliRunner().invoke(app, [*args, "--engine", "ortools"])
    assert result.exit_code == 0, result.output
    assert json.loads(result.stdout.strip().splitlines()[-1])["feasible"] is True
    assert seen == ["ortools"]
    bad = CliRunner().invoke(app, [*args, "--engine", "nope"])
    assert bad.exit_code == 2
    assert "engine 'nope' is not one of" in " ".join(bad.output.split())
