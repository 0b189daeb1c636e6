"""Engine and schema: SQLite file by default, PostgreSQL when a URL names one.

The URL comes from, in order: an explicit argument (the CLI's ``--db``), the environment
variable ``PLANNER_DATABASE_URL``, else ``sqlite:///var/planner.db`` in the repository.
The schema is created and upgraded only through Alembic migrations (``migrate``).
"""

from __future__ import annotations

import os
from importlib import resources
from pathlib import Path
from typing import Any

from alembic import command
from alembic.config import Config
from sqlalchemy import event
from sqlalchemy.engine import Engine, make_url
from sqlmodel import Session, create_engine

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


def alembic_config(engine: Engine) -> Config:
    """Alembic configuration pointing at the packaged migrations."""
    config = Config()
    config.set_main_option("script_location", str(resources.files("planner") / "migrations"))
    config.set_main_option("sqlalchemy.url", engine.url.render_as_string(hide_password=False))
    return config


def migrate(engine: Engine, revision: str = "head") -> None:
    """Bring the schema to ``revision`` (creates every table on an empty database)."""
    config = alembic_config(engine)
    with engine.begin() as connection:
        config.attributes["connection"] = connection
        command.upgrade(config, revision)


def open_database(url: str | None = None) -> Engine:
    """Engine with the schema migrated to the latest version: what commands use."""
    engine = make_engine(url)
    migrate(engine)
    return engine


def session(engine: Engine) -> Session:
    """A SQLModel session that keeps loaded objects readable after commit."""
    return Session(engine, expire_on_commit=False)
