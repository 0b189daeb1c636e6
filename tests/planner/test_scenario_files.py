"""Hostile scenario files and paths (issue 16): one-line named errors, exit 2, nothing stored.

Binary and latin-1 files, a folder, deep nesting, a huge or unreadable file; a
``routing.referrals_csv`` outside the scenario's folder and the data folder; a hypothesis fuzz
of the loader and of ``planner scenario create``.
"""

from __future__ import annotations

import json
import os
import tracemalloc
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from typer.testing import CliRunner

from planner.cli import app
from planner.errors import ScenarioError
from planner.scenario import MAX_FILE_BYTES, Scenario, load_scenario

runner = CliRunner()

NAME = '[scenario]\nname = "hostile"\n'


def stored(db: str) -> list[dict]:
    """The stored scenarios, as `planner scenario list --json` prints them."""
    result = runner.invoke(app, ["--db", db, "scenario", "list", "--json"])
    assert result.exit_code == 0, result.output
    return json.loads(result.output.strip().splitlines()[-1])["scenarios"]


def refused_in_one_line(db: str, path: Path) -> str:
    """`planner scenario create PATH`: exit 2, one line naming the file, nothing stored."""
    result = runner.invoke(app, ["--db", db, "scenario", "create", str(path)])
    assert result.exit_code == 2, result.output
    lines = result.output.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("error: "), result.output
    assert str(path) in lines[0] and "Traceback" not in result.output
    assert stored(db) == []
    return lines[0]


@pytest.fixture
def sqlite_db(tmp_path: Path) -> str:
    """A fresh SQLite file: the CLI creates and migrates it."""
    return f"sqlite:///{tmp_path / 'files.db'}"


# --- the scenario file itself -------------------------------------------------------------------


def test_binary_file(sqlite_db: str, tmp_path: Path) -> None:
    """Bytes that are not UTF-8 (a PNG header) name the file and the byte."""
    path = tmp_path / "image.toml"
    path.write_bytes(b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR")
    assert "not UTF-8 text (byte 0" in refused_in_one_line(sqlite_db, path)


def test_latin1_file(sqlite_db: str, tmp_path: Path) -> None:
    """A scenario saved as latin-1 ('Nyköping' with ö as one byte) asks for UTF-8."""
    path = tmp_path / "latin1.toml"
    path.write_bytes((NAME + '[routing]\nhubs = ["Nyköping"]\n').encode("latin-1"))
    assert "save it as UTF-8" in refused_in_one_line(sqlite_db, path)


def test_utf8_with_a_byte_order_mark_is_read(tmp_path: Path) -> None:
    """A byte-order mark (Windows editors) is not content: the file reads as without it."""
    path = tmp_path / "bom.toml"
    path.write_bytes(b"\xef\xbb\xbf" + NAME.encode())
    assert load_scenario(path).name == "hostile"


def test_folder_given_as_the_scenario(sqlite_db: str, tmp_path: Path) -> None:
    """A folder is named as a folder, not an IsADirectoryError traceback."""
    assert "is a folder" in refused_in_one_line(sqlite_db, tmp_path)


def test_fifo_is_not_waited_on(sqlite_db: str, tmp_path: Path) -> None:
    """A named pipe would block a reader forever: refused before it is opened."""
    path = tmp_path / "pipe.toml"
    os.mkfifo(path)
    assert "not a regular file" in refused_in_one_line(sqlite_db, path)


def test_path_below_a_file_cannot_be_read(sqlite_db: str, tmp_path: Path) -> None:
    """An unreachable path (below a regular file) is a named read error."""
    (tmp_path / "plain").write_text("x")
    assert "cannot be read" in refused_in_one_line(sqlite_db, tmp_path / "plain" / "s.toml")


@pytest.mark.skipif(os.geteuid() == 0, reason="root reads files whatever their mode")
def test_unreadable_file(sqlite_db: str, tmp_path: Path) -> None:
    """A file without read permission is named, with the reason."""
    path = tmp_path / "secret.toml"
    path.write_text(NAME)
    path.chmod(0)
    assert "permission denied" in refused_in_one_line(sqlite_db, path)


@pytest.mark.parametrize(
    "body",
    [
        "a = " + "[" * 10_000 + "]" * 10_000,
        "a = " + "{b = " * 10_000 + "1" + "}" * 10_000,
        "[" + ".".join(["a"] * 10_000) + "]\nx = 1\n",
        NAME + "[demand.county_multipliers." + ".".join(["a"] * 2_000) + "]\nx = 1\n",
    ],
    ids=["arrays", "inline-tables", "dotted-tables", "dotted-in-a-known-key"],
)
def test_deep_nesting(sqlite_db: str, tmp_path: Path, body: str) -> None:
    """10,000 levels of arrays, inline tables or dotted table names: no RecursionError."""
    path = tmp_path / "deep.toml"
    path.write_text(body, encoding="utf-8")
    assert "nested more than 16 levels" in refused_in_one_line(sqlite_db, path)


def test_huge_file_is_not_read_whole(sqlite_db: str, tmp_path: Path) -> None:
    """A 300 MB file (sparse: no disk used) is refused after reading 1 MB, under 200 MB."""
    path = tmp_path / "huge.toml"
    with path.open("wb") as handle:
        handle.write(NAME.encode())
        handle.truncate(300 * 2**20)
    tracemalloc.start()
    try:
        with pytest.raises(ScenarioError, match=f"larger than {MAX_FILE_BYTES:,} bytes"):
            load_scenario(path)
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert peak < 200 * 2**20
    assert "larger than" in refused_in_one_line(sqlite_db, path)


def test_file_at_the_size_limit_is_read(tmp_path: Path) -> None:
    """Exactly MAX_FILE_BYTES (a comment pads it) is still a scenario."""
    path = tmp_path / "big.toml"
    padding = MAX_FILE_BYTES - len(NAME) - 2
    path.write_text(NAME + "#" + "x" * padding + "\n", encoding="utf-8")
    assert path.stat().st_size == MAX_FILE_BYTES
    assert load_scenario(path).name == "hostile"


# --- routing.referrals_csv: where it may be read from -------------------------------------------


@pytest.fixture
def region(tmp_path: Path) -> Path:
    """A region's folder with its scenario's referral list beside it; an outside folder with
    another list, for paths that must be refused."""
    (tmp_path / "region").mkdir()
    (tmp_path / "region" / "referrals.csv").write_text("date,kommun_code\n2026-11-03,0480\n")
    (tmp_path / "outside").mkdir()
    (tmp_path / "outside" / "secret.csv").write_text("date,kommun_code\n2026-11-03,0480\n")
    return tmp_path / "region"


def scenario_naming(folder: Path, csv: str) -> Path:
    """A scenario file in ``folder`` whose routing.referrals_csv is ``csv``."""
    path = folder / "s.toml"
    path.write_text(NAME + f"[routing]\nreferrals_csv = {json.dumps(csv)}\n", encoding="utf-8")
    return path


@pytest.mark.parametrize(
    "csv",
    ["/etc/passwd", "../outside/secret.csv", "sub/../../outside/secret.csv", "link.csv"],
    ids=["absolute", "dot-dot", "dot-dot-below", "symlink-out"],
)
def test_referrals_csv_outside_the_scenario_folder_is_refused(
    sqlite_db: str, region: Path, monkeypatch: pytest.MonkeyPatch, csv: str
) -> None:
    """Any readable file could be named: outside the scenario's folder (after resolving '..'
    and symlinks) it is a named error on the key, and the file is not read."""
    monkeypatch.delenv("PLANNER_DATA_DIR", raising=False)
    (region / "link.csv").symlink_to(region.parent / "outside" / "secret.csv")
    path = scenario_naming(region, csv)
    line = refused_in_one_line(sqlite_db, path)
    assert "routing.referrals_csv" in line and "outside the folders" in line
    assert "root:" not in line and "2026-11-03" not in line  # no content of either file


def test_referrals_csv_in_the_data_folder_is_read(
    region: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """$PLANNER_DATA_DIR is the other folder a scenario may read from."""
    outside = region.parent / "outside"
    monkeypatch.setenv("PLANNER_DATA_DIR", str(outside))
    scenario = load_scenario(scenario_naming(region, str(outside / "secret.csv")))
    assert scenario.routing.referrals_path() == outside / "secret.csv"
    monkeypatch.delenv("PLANNER_DATA_DIR")
    with pytest.raises(ScenarioError, match=r"routing\.referrals_csv: .* outside the folders"):
        load_scenario(scenario_naming(region, str(outside / "secret.csv")))


def test_referrals_csv_below_the_scenario_folder_is_read(region: Path) -> None:
    """The scenario's own folder and folders below it are fine, symlinks inside it too."""
    (region / "data").mkdir()
    (region / "data" / "list.csv").symlink_to(region / "referrals.csv")
    scenario = load_scenario(scenario_naming(region, "data/list.csv"))
    assert scenario.routing.referrals_csv == str(region / "data" / "list.csv")


def test_referrals_csv_outside_is_refused_even_when_missing(region: Path) -> None:
    """Outside the folders a path is refused as outside: whether it exists is not revealed."""
    with pytest.raises(ScenarioError, match="outside the folders") as err:
        load_scenario(scenario_naming(region, "/root/nothing-here.csv"))
    assert "no such file" not in str(err.value)


# --- fuzz ----------------------------------------------------------------------------------------

#: Keys the fuzz sets, with values near their bounds, of the wrong type, huge or odd.
FUZZ_KEYS = [
    ("scenario", "seed"),
    ("scenario", "horizon_weeks"),
    ("scenario", "start_week"),
    ("placement", "units"),
    ("placement", "radius_minutes"),
    ("placement", "counties"),
    ("placement", "region_contracts"),
    ("staffing", "clinicians"),
    ("staffing", "return_visits"),
    ("staffing", "soft_rules"),
    ("staffing", "max_weekly_hours"),
    ("routing", "vehicles_per_hub"),
    ("routing", "time_limit_s"),
    ("routing", "referrals_csv"),
    ("demand", "county_multipliers"),
    ("demand", "summer_weeks"),
]

_scalars = st.one_of(
    st.integers(min_value=-(2**63), max_value=2**63 - 1),
    st.floats(allow_nan=True, allow_infinity=True),
    st.text(max_size=30),
    st.booleans(),
    st.dates(),
)
_values = st.recursive(
    _scalars,
    lambda inner: (
        st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=5), inner, max_size=3)
    ),
    max_leaves=6,
)


def _toml_value(value: object) -> str:
    """A TOML spelling of ``value`` (inf and nan as TOML writes them)."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float):
        if value != value:
            return "nan"
        if value in (float("inf"), float("-inf")):
            return "inf" if value > 0 else "-inf"
        return repr(value)
    if isinstance(value, int):
        return str(value)
    if isinstance(value, str):
        return json.dumps(value)
    if isinstance(value, list):
        return "[" + ", ".join(_toml_value(v) for v in value) + "]"
    if isinstance(value, dict):
        return (
            "{" + ", ".join(f"{json.dumps(k)} = {_toml_value(v)}" for k, v in value.items()) + "}"
        )
    return str(value)  # a date: TOML's own literal


def _check_error(message: str, path: Path, keys: set[str]) -> None:
    """A loader error names the file; an invalid value also names its key."""
    assert message.startswith(f"{path}: "), message
    if "invalid scenario" in message:
        assert any(key in message for key in keys) or "scenario.name" in message, message


@settings(max_examples=60, deadline=None, suppress_health_check=list(HealthCheck))
@given(data=st.binary(max_size=200) | st.text(max_size=200).map(str.encode))
def test_fuzz_random_bytes_never_a_traceback(
    tmp_path_factory: pytest.TempPathFactory, data: bytes
) -> None:
    """Random bytes and text: a Scenario or a ScenarioError naming the file, nothing else."""
    path = tmp_path_factory.mktemp("fuzz") / "f.toml"
    path.write_bytes(data)
    try:
        assert isinstance(load_scenario(path), Scenario)
    except ScenarioError as exc:
        assert str(exc).startswith(f"{path}: "), str(exc)


@settings(max_examples=60, deadline=None, suppress_health_check=list(HealthCheck))
@given(chosen=st.lists(st.tuples(st.sampled_from(FUZZ_KEYS), _values), min_size=1, max_size=3))
def test_fuzz_known_keys_never_a_traceback(
    tmp_path_factory: pytest.TempPathFactory, chosen: list
) -> None:
    """Random values for known keys: a Scenario, or a ScenarioError naming file and key."""
    folder = tmp_path_factory.mktemp("fuzz")
    path = folder / "k.toml"
    sections: dict[str, dict[str, object]] = {"scenario": {"name": "fuzz"}}
    for (section, key), value in chosen:
        sections.setdefault(section, {})[key] = value
    text = "".join(
        f"[{section}]\n" + "".join(f"{k} = {_toml_value(v)}\n" for k, v in values.items())
        for section, values in sections.items()
    )
    path.write_text(text, encoding="utf-8")
    keys = {f"{s}.{k}" for (s, k), _ in chosen}
    try:
        assert isinstance(load_scenario(path), Scenario)
    except ScenarioError as exc:
        _check_error(str(exc), path, keys)


@settings(max_examples=15, deadline=None, suppress_health_check=list(HealthCheck))
@given(
    chosen=st.lists(st.tuples(st.sampled_from(FUZZ_KEYS), _values), min_size=1, max_size=2)
    | st.binary(max_size=80)
)
def test_fuzz_scenario_create_stores_nothing_it_refuses(
    tmp_path_factory: pytest.TempPathFactory, chosen: list | bytes
) -> None:
    """Through `planner scenario create` on SQLite: exit 0 and stored, or exit 2 with one
    error naming the file and nothing stored; never a traceback."""
    folder = tmp_path_factory.mktemp("fuzzcli")
    db = f"sqlite:///{folder / 'fuzz.db'}"
    path = folder / "c.toml"
    if isinstance(chosen, bytes):
        path.write_bytes(chosen)
    else:
        sections: dict[str, dict[str, object]] = {"scenario": {"name": "fuzz"}}
        for (section, key), value in chosen:
            sections.setdefault(section, {})[key] = value
        path.write_text(
            "".join(
                f"[{s}]\n" + "".join(f"{k} = {_toml_value(v)}\n" for k, v in values.items())
                for s, values in sections.items()
            ),
            encoding="utf-8",
        )
    result = runner.invoke(app, ["--db", db, "scenario", "create", str(path)])
    assert result.exception is None or isinstance(result.exception, SystemExit), result.output
    assert "Traceback" not in result.output
    if result.exit_code == 0:
        assert [s["name"] for s in stored(db)] == ["fuzz"]
    else:
        assert result.exit_code == 2, result.output
        assert result.output.startswith(f"error: {path}: "), result.output
        assert stored(db) == []
