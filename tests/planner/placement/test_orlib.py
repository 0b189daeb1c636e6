"""The OR-Library pmed reader, pmed1's known optimum and the `planner bench pmed` command."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest
from typer.testing import CliRunner

from planner.cli import app
from planner.placement import OrLibraryFormatError, PlacementError
from planner.placement.classic import evaluate_pmedian, parse_pmed, read_pmed, solve_pmedian

#: Three vertices, edge 1-2 listed twice: first cost 1, last cost 9. Last one wins, so
#: d(1,2) = 9, d(2,3) = 4, d(1,3) = 9 + 4 = 13, and the 1-median is vertex 2 with 9 + 0 + 4 = 13
#: (the minimum rule would give d(1,2) = 1 and objective 5).
TRIANGLE = """ 3 3 1
 1 2 1
 2 3 4
 2 1 9
"""


@pytest.fixture
def pmed1() -> Path:
    """OR-Library pmed1 (n = 100, p = 5, optimum 5819) from the shared benchmark folder (never
    copied into the repository; tests/conftest.py: shared_file fails under CI if absent)."""
    from tests.conftest import shared_file

    return shared_file("bench", "pmed", "pmed1.txt")


def test_duplicated_edge_last_cost_wins() -> None:
    """TRIANGLE: the later cost 9 replaces 1 for edge 1-2, distances are shortest paths."""
    instance = parse_pmed(TRIANGLE, name="triangle")
    expected = np.array([[0, 9, 13], [9, 0, 4], [13, 4, 0]], dtype=float)
    np.testing.assert_array_equal(instance.distances, expected)
    assert (instance.n, instance.p, instance.n_edges) == (3, 1, 3)
    solution = solve_pmedian(instance.problem(), time_limit_s=10)
    assert solution.facilities == (1,)
    assert solution.objective == pytest.approx(13.0)


def test_shortest_path_goes_around_an_expensive_edge() -> None:
    """A 1-3 edge of 50 loses to the path 1-2-3 of 2 + 3 = 5."""
    instance = parse_pmed(" 3 3 1\n 1 2 2\n 2 3 3\n 1 3 50\n")
    assert instance.distances[0, 2] == 5.0


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("", "bad.txt: the file is empty"),
        (" 3 2\n", "bad.txt, line 1: expected the header 'n_vertices n_edges p' (3 integers)"),
        (" 3 2 1\n 1 2 5\n", "bad.txt: the header (line 1) announces 2 edges, the file has 1"),
        (
            " 3 2 1\n 1 2 5\n 2 x 3\n",
            "bad.txt, line 3: expected the edge 'i j cost' (3 integers), got '2 x 3'",
        ),
        (" 3 2 1\n 1 2 5\n 2 4 3\n", "bad.txt, line 3: vertex 4 is outside 1..3"),
        (" 3 2 1\n 1 2 5\n 2 3 -3\n", "bad.txt, line 3: edge cost -3 is negative"),
        (
            " 3 2 4\n 1 2 5\n 2 3 3\n",
            "bad.txt, line 1: p must be between 1 and n_vertices=3, got 4",
        ),
        (
            " 3 1 1\n 1 2 5\n",
            "bad.txt: the graph is not connected (no path from vertex 1 to vertex 3)",
        ),
    ],
)
def test_bad_file_names_the_file_and_line(tmp_path: Path, text: str, message: str) -> None:
    """Format errors raise OrLibraryFormatError (a PlacementError, printed by the CLI as a PlannerError) naming the file and line."""
    path = tmp_path / "bad.txt"
    path.write_text(text)
    with pytest.raises(OrLibraryFormatError) as info:
        read_pmed(path)
    assert message in str(info.value)
    assert isinstance(info.value, PlacementError)


def test_pmed1_reads_and_solves_to_its_optimum_quickly(pmed1: Path) -> None:
    """pmed1 gives n = 100, p = 5 and the proven optimum 5819 (5718 would mean the min rule)."""
    instance = read_pmed(pmed1)
    assert (instance.name, instance.n, instance.p, instance.n_edges) == ("pmed1", 100, 5, 200)
    solution = solve_pmedian(instance.problem(), time_limit_s=30)
    assert solution.status == "OPTIMAL"
    assert solution.objective == pytest.approx(5819)
    assert evaluate_pmedian(instance.problem(), solution.facilities) == 5819
    assert solution.seconds < 5.0


def test_cli_bench_pmed_prints_json_last_line(pmed1: Path) -> None:
    """`planner bench pmed pmed1.txt --json` ends with the instance's proven optimum."""
    result = CliRunner().invoke(app, ["bench", "pmed", str(pmed1), "--time-limit", "30", "--json"])
    assert result.exit_code == 0, result.output
    row = json.loads(result.stdout.strip().splitlines()[-1])
    assert {k: row[k] for k in ("instance", "objective", "optimal", "bound")} == {
        "instance": "pmed1",
        "objective": 5819,
        "optimal": True,
        "bound": 5819,
    }
    assert 0 < row["seconds"] < 30


def test_cli_bench_pmed_bad_file_is_a_readable_error(tmp_path: Path) -> None:
    """A malformed file exits with code 2 and names the file and line, without a traceback."""
    path = tmp_path / "broken.txt"
    path.write_text(" 2 1 1\n 1 two 3\n")
    result = CliRunner().invoke(app, ["bench", "pmed", str(path), "--json"])
    assert result.exit_code == 2
    message = " ".join(result.output.split())  # rich wraps long lines
    assert "broken.txt, line 2: expected the edge 'i j cost'" in message
    assert "Traceback" not in message
