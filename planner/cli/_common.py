"""Small helpers every CLI command shares: JSON output, errors, progress."""

from __future__ import annotations

import contextlib
import json
import os
import sys
from pathlib import Path
from typing import TYPE_CHECKING, Any, NoReturn

import typer
from rich.console import Console
from rich.markup import escape
from rich.progress import TaskID
from sqlalchemy.engine import Engine

if TYPE_CHECKING:  # only for the annotation: the CLI starts without the orchestration
    from planner.orchestration.context import ProgressCallback

err_console = Console(stderr=True)


def emit_json(obj: Any) -> None:
    """Print one JSON object as the last line of standard output."""
    sys.stdout.write(json.dumps(obj, ensure_ascii=False, default=str) + "\n")
    sys.stdout.flush()


def fail(message: str, code: int = 2) -> NoReturn:
    """Stop the command with a readable error on stderr (no traceback)."""
    err_console.print(f"[bold red]error:[/] {escape(message)}", highlight=False, soft_wrap=True)
    raise typer.Exit(code)


class _NoProgress:
    """Progress sink for --json mode and non-terminals: says nothing."""

    def __call__(self, fraction: float | None, message: str) -> None:
        return None

    def __enter__(self) -> _NoProgress:
        return self

    def __exit__(self, *exc: object) -> None:
        return None


class _RichProgress:
    """A rich progress bar on stderr that planners drive through ``(fraction, message)``."""

    def __init__(self, title: str) -> None:
        from rich.progress import BarColumn, Progress, TextColumn, TimeElapsedColumn

        self._progress = Progress(
            TextColumn("[bold]{task.description}"),
            BarColumn(),
            TextColumn("{task.percentage:>3.0f}%"),
            TimeElapsedColumn(),
            TextColumn("{task.fields[note]}"),
            console=err_console,
            transient=False,
        )
        self._title = title
        self._task: TaskID | None = None

    def __enter__(self) -> _RichProgress:
        self._progress.__enter__()
        self._task = self._progress.add_task(self._title, total=1.0, note="")
        return self

    @property
    def _task_id(self) -> TaskID:
        if self._task is None:
            raise RuntimeError("progress reported outside its with-block")
        return self._task

    def __call__(self, fraction: float | None, message: str) -> None:
        if fraction is None:
            self._progress.update(self._task_id, note=message)
        else:
            self._progress.update(
                self._task_id, completed=min(max(fraction, 0.0), 1.0), note=message
            )

    def __exit__(self, *exc: Any) -> None:
        if exc[0] is None:
            self._progress.update(self._task_id, completed=1.0)
        self._progress.__exit__(*exc)


class _LineProgress(_NoProgress):
    """Progress for logs (not a terminal): one line when the message changes, at most every 2 s."""

    def __init__(self, title: str) -> None:
        self._title, self._last, self._shown_at = title, "", 0.0

    def __call__(self, fraction: float | None, message: str) -> None:
        import time

        now = time.monotonic()
        if message != self._last and now - self._shown_at >= 2.0:
            pct = "" if fraction is None else f" {100 * fraction:3.0f}%"
            sys.stderr.write(f"{self._title}{pct}: {message}\n")
            self._last, self._shown_at = message, now


def dim_progress(json_mode: bool) -> ProgressCallback:
    """A benchmark's progress as dim lines on stderr (nothing in JSON mode, whose stdout ends in
    one JSON object)."""

    def report(fraction: float | None, message: str) -> None:
        if not json_mode:
            share = "" if fraction is None else f"{100 * fraction:3.0f}% "
            err_console.print(f"[dim]{share}{message}[/]")

    return report


def progress(title: str, json_mode: bool) -> _NoProgress | _RichProgress:
    """A progress callback as a context manager: a bar on a terminal, lines in a log,
    silence with --json."""
    if json_mode:
        return _NoProgress()
    if not err_console.is_terminal:
        return _LineProgress(title)
    return _RichProgress(title)


class _State:
    """Options given before the command (``planner --db URL ...``)."""

    db_url: str | None = None


state = _State()


def open_db() -> Engine:
    """Engine for the database chosen by --db / PLANNER_DATABASE_URL, schema migrated, runs
    whose process is gone marked failed (so no command lists a dead run as 'running')."""
    from sqlalchemy.exc import OperationalError

    from planner.storage import open_database, reap_stale_runs

    engine = open_database(state.db_url)
    with contextlib.suppress(OperationalError):  # a read-only database can still be read
        reap_stale_runs(engine)
    return engine


def output_file(out: Path) -> Path:
    """``out`` checked before anything is written: a file (not a folder) in a folder that
    exists, so a mistyped ``--out`` is a one-line error and leaves no ``.part`` file behind."""
    from planner.errors import OutputPathError

    if out.is_dir():
        raise OutputPathError(f"--out {out} is a folder; give a file name, e.g. {out / 'out.csv'}")
    folder = out.parent
    if not folder.is_dir():
        what = "is not a folder" if folder.exists() else "does not exist"
        raise OutputPathError(f"--out {out}: the folder {folder} {what}")
    if not os.access(folder, os.W_OK):
        raise OutputPathError(f"--out {out}: the folder {folder} is not writable")
    return out


def output_folder(out: Path) -> Path:
    """``out`` checked as a folder to write files into (made if missing, like ``mkdir``, but
    only inside a folder that exists)."""
    from planner.errors import OutputPathError

    if out.exists() and not out.is_dir():
        raise OutputPathError(f"--out {out} is a file; this export writes a folder of files")
    if not out.exists() and not out.parent.is_dir():
        raise OutputPathError(f"--out {out}: the folder {out.parent} does not exist")
    return out
