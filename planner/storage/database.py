"""Engine and schema: SQLite file by default, PostgreSQL when a URL names one.

The URL comes from, in order: an explicit argument (the CLI's ``--db``), the environment
variable ``PLANNER_DATABASE_URL``, else ``sqlite:///var/planner.db`` in the repository.
The schema is created and upgraded only through Alembic migrations (``migrate``), one
process at a time: a file lock beside an SQLite file, an advisory lock on PostgreSQL.
A database that cannot be opened (unreachable server, read-only file, malformed URL) is a
:class:`~planner.errors.DatabaseError` naming the database without its password.
"""

from __future__ import annotations

import contextlib
import fcntl
import os
import re
from collections.abc import Iterator
from importlib import resources
from pathlib import Path
from typing import Any

from alembic import command
from alembic.config import Config
from sqlalchemy import event, text
from sqlalchemy.engine import Connection, Engine, make_url
from sqlalchemy.exc import (
    ArgumentError,
    DBAPIError,
    InterfaceError,
    NoSuchModuleError,
    OperationalError,
)
from sqlmodel import Session, create_engine

from planner.errors import DatabaseError
from planner.paths import var_dir

ENV_VAR = "PLANNER_DATABASE_URL"


def database_url(url: str | None = None) -> str:
    """Resolve which database to use (argument, environment, then the SQLite default)."""
    if url:
        return url
    if os.environ.get(ENV_VAR):
        return os.environ[ENV_VAR]
    return f"sqlite:///{var_dir() / 'planner.db'}"


def _normalise(url: str) -> str:
    # Plain 'postgresql://' would pick psycopg2, which we do not install; psycopg 3 is the driver.
    parsed = make_url(url)
    if parsed.drivername in ("postgresql", "postgres"):
        parsed = parsed.set(drivername="postgresql+psycopg")
    return parsed.render_as_string(hide_password=False)


def _sqlite_pragmas(dbapi_connection: Any, _record: Any) -> None:
    # Foreign keys are off by default in SQLite; WAL lets the dashboard read while a run writes.
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA busy_timeout=30000")
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.close()


def make_engine(url: str | None = None, **kwargs: Any) -> Engine:
    """Create an engine for ``url`` (see :func:`database_url`) without touching the schema."""
    resolved = _normalise(database_url(url))
    parsed = make_url(resolved)
    if parsed.get_backend_name() == "sqlite":
        if parsed.database and parsed.database != ":memory:":
            Path(parsed.database).parent.mkdir(parents=True, exist_ok=True)
        kwargs.setdefault("connect_args", {"check_same_thread": False})
        engine = create_engine(resolved, **kwargs)
        event.listen(engine, "connect", _sqlite_pragmas)
        return engine
    kwargs.setdefault("pool_pre_ping", True)
    return create_engine(resolved, **kwargs)


def redacted(url: str) -> str:
    """``url`` safe to print: its password replaced by ``***`` (also in a malformed URL)."""
    return re.sub(r"(://[^:/@]*:)[^@]*@", r"\1***@", url)


def database_error(exc: BaseException, url: str | None = None) -> DatabaseError | None:
    """The named error for a database failure (``None`` if ``exc`` is not one): the database,
    without its password, and the driver's first line, e.g. "connection refused" or "attempt
    to write a readonly database"."""
    if isinstance(exc, DatabaseError):
        return exc
    if isinstance(exc, OperationalError | InterfaceError):  # not reachable, read-only, full
        reason = str(exc.orig) if exc.orig is not None else str(exc)
    elif isinstance(exc, ArgumentError | NoSuchModuleError):  # a malformed URL, no such driver
        reason = str(exc)
    else:
        return None
    lines = [line.strip() for line in reason.splitlines() if line.strip()]
    first = lines[0] if lines else type(exc).__name__
    return DatabaseError(f"database {redacted(database_url(url))}: {first[:300]}")


def alembic_config(engine: Engine) -> Config:
    """Alembic configuration pointing at the packaged migrations."""
    config = Config()
    config.set_main_option("script_location", str(resources.files("planner") / "migrations"))
    # '%' doubled: the option is interpolated (a percent-encoded password would break it).
    url = engine.url.render_as_string(hide_password=False)
    config.set_main_option("sqlalchemy.url", url.replace("%", "%%"))
    return config


#: Key of the PostgreSQL advisory lock that one migrating process holds (any constant).
MIGRATION_LOCK_KEY = 0x706C616E  # "plan"


@contextlib.contextmanager
def _sqlite_migration_lock(engine: Engine) -> Iterator[None]:
    # SQLite runs DDL outside a transaction here, so two processes creating a fresh file would
    # both create alembic_version; an flock on a file beside the database serialises them.
    database = engine.url.database
    if not database or database == ":memory:" or database.startswith("file:"):
        yield
        return
    try:
        handle = open(f"{database}.migrate-lock", "a")  # noqa: SIM115  (held for the block)
    except OSError:  # a read-only folder: no one can create the schema there anyway
        yield
        return
    with handle:
        fcntl.flock(handle, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


def _upgrade(connection: Connection, engine: Engine, revision: str) -> None:
    config = alembic_config(engine)
    config.attributes["connection"] = connection
    command.upgrade(config, revision)


def migrate(engine: Engine, revision: str = "head") -> None:
    """Bring the schema to ``revision`` (creates every table on an empty database).

    One process migrates at a time; the next finds the schema current and changes nothing.
    """
    if engine.dialect.name == "sqlite":
        with _sqlite_migration_lock(engine), engine.begin() as connection:
            _upgrade(connection, engine, revision)
        return
    with engine.begin() as connection:
        if engine.dialect.name == "postgresql":  # held until this transaction ends
            connection.execute(text("SELECT pg_advisory_xact_lock(:k)"), {"k": MIGRATION_LOCK_KEY})
        _upgrade(connection, engine, revision)


def open_database(url: str | None = None) -> Engine:
    """Engine with the schema migrated to the latest version: what commands use.

    Raises :class:`~planner.errors.DatabaseError` when the database cannot be reached, read
    or written, or the URL is malformed.
    """
    try:
        engine = make_engine(url)
        migrate(engine)
    except (ValueError, OSError, ImportError, DBAPIError, ArgumentError, NoSuchModuleError) as exc:
        named = database_error(exc, url)
        if named is None:  # a malformed port, an unusable folder, a driver not installed
            named = DatabaseError(f"database {redacted(database_url(url))}: {exc}")
        raise named from None
    return engine


def session(engine: Engine) -> Session:
    """A SQLModel session that keeps loaded objects readable after commit."""
    return Session(engine, expire_on_commit=False)
