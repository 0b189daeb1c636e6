"""Session fixtures shared by every test folder.

The PostgreSQL server is real: the test run starts its own cluster on a free loopback port
(``initdb`` + ``pg_ctl`` from Debian's postgresql package, which ``make test`` installs) and
stops it at the end. ``PLANNER_TEST_POSTGRES_URL`` points the tests at an existing server
instead. Outside CI a machine without PostgreSQL skips those tests with the reason; in CI
(``CI=true``) that is a failure, so a missing server can never pass as green.
"""

from __future__ import annotations

import itertools
import os
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy.engine import Engine

from tests.pgserver import create_database, drop_database, pg_bindir, temporary_postgres

ARTIFACTS = Path(__file__).resolve().parents[1] / "test-artifacts"

#: The workplace's shared folder (public benchmark instances, SCB tables): beside the repository,
#: or where PLANNER_SHARED_DIR says.
SHARED_DIR = Path(
    os.environ.get("PLANNER_SHARED_DIR", Path(__file__).resolve().parents[1].parent / "shared")
)


def shared_file(*parts: str) -> Path:
    """A file in the shared folder. Missing: skipped on a developer's machine, a failure in CI
    (``CI=true``), so a test that needs the data can never pass there without it."""
    path = SHARED_DIR.joinpath(*parts)
    if not path.exists():
        message = f"{path} is not here (set PLANNER_SHARED_DIR to the shared folder)"
        if os.environ.get("CI"):
            pytest.fail(message)
        pytest.skip(message)
    return path


@pytest.fixture(autouse=True)
def _isolated_state(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """No test writes the developer's var/ folder or reads their PLANNER_DATABASE_URL."""
    monkeypatch.setenv("PLANNER_VAR_DIR", str(tmp_path / "var"))
    monkeypatch.delenv("PLANNER_DATABASE_URL", raising=False)


@pytest.fixture(scope="session")
def artifacts_dir() -> Path:
    """Folder for files a person may want to look at after the run (maps, screenshots)."""
    ARTIFACTS.mkdir(exist_ok=True)
    return ARTIFACTS


@pytest.fixture(scope="session")
def postgres_server() -> Iterator[str]:
    """URL (without database name) of a PostgreSQL server on loopback, started for this run."""
    if os.environ.get("PLANNER_TEST_POSTGRES_URL"):
        yield os.environ["PLANNER_TEST_POSTGRES_URL"].rsplit("/", 1)[0]
        return
    bindir = pg_bindir()
    if bindir is None:
        message = "PostgreSQL is not installed (make test installs Debian's postgresql)"
        if os.environ.get("CI"):
            pytest.fail(message)
        pytest.skip(message)
    with temporary_postgres(bindir) as url:
        yield url


_db_counter = itertools.count()


@pytest.fixture
def postgres_url(postgres_server: str) -> Iterator[str]:
    """A fresh, empty database on the test server, dropped afterwards."""
    name = f"t{os.getpid()}_{next(_db_counter)}"
    yield create_database(postgres_server, name)
    drop_database(postgres_server, name)


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def db_url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    """The same test against an SQLite file and against a real PostgreSQL database."""
    if request.param == "sqlite":
        return f"sqlite:///{tmp_path / 'planner.db'}"
    return request.getfixturevalue("postgres_url")


@pytest.fixture
def engine(db_url: str) -> Iterator[Engine]:
    """A migrated, empty database on both backends."""
    from planner.storage import open_database

    eng = open_database(db_url)
    yield eng
    eng.dispose()
