"""Background solves: planners run in a child process, pages poll the job's progress.

:func:`start_solve` runs the planners in a separate process (``multiprocessing``, spawn), so a
CP-SAT or HiGHS solve holds neither the server's GIL nor its event loop: other users' pages
keep loading. Progress comes back through the planners' ``on_progress(fraction, message)``
protocol over a queue into a :class:`SolveJob` that pages poll (``st.fragment(run_every=…)``).
The run itself is stored by :func:`planner.runs.execute` like a CLI run (atomic; failed runs
are marked; SIGTERM, which ``multiprocessing`` sends a daemon child when the server stops,
marks it failed). A child that dies without a word (SIGKILL, out of memory) has its run marked
failed as soon as the job notices. No optimisation happens here.
"""

from __future__ import annotations

import contextlib
import multiprocessing
import queue
import sys
import threading
import time
import types
import uuid
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from typing import Any

import streamlit as st

from dashboard.services.access import authorize, current_access
from dashboard.services.store import db_url, runnable_planners, scenario
from planner.errors import PlannerError


@dataclass
class SolveJob:
    """A solve started from a page: planners run one after another in a child process."""

    id: str
    scenario: str
    planners: list[str]
    started: float = field(default_factory=time.time)
    planner: str | None = None
    fraction: float = 0.0
    message: str = "starting"
    done: bool = False
    error: str | None = None
    finished: list[dict[str, Any]] = field(default_factory=list)

    @property
    def overall(self) -> float:
        """Progress over all planners of the job, in [0, 1]."""
        if self.done:
            return 1.0
        n = max(len(self.planners), 1)
        index = self.planners.index(self.planner) if self.planner in self.planners else 0
        return min(1.0, (index + max(0.0, min(1.0, self.fraction))) / n)

    def apply(self, kind: str, planner: str | None, fraction: float | None, payload: Any) -> None:
        """Take one message of the child process (see :func:`_solve_worker`) into the job."""
        if kind == "progress":
            self.planner, self.message = planner, str(payload)
            if fraction is not None:
                self.fraction = float(fraction)
        elif kind == "finished":
            self.finished.append(payload)
            self.fraction = 1.0
        elif kind == "error":
            self.error, self.done = str(payload), True
        elif kind == "done":
            self.done, self.message = True, str(payload)


def _solve_worker(
    url: str, scenario_name: str, version: int, planners: list[str], out: Any
) -> None:
    """Child process: run each planner through ``execute`` and report over ``out``.

    Messages are ``(kind, planner, fraction, payload)`` with kind ``progress`` (payload: the
    message), ``finished`` (the run as a dict), ``error`` (the error's text) or ``done``.
    """
    from planner.runs import execute
    from planner.storage import open_database

    eng = open_database(url)
    for planner in planners:
        out.put(("progress", planner, 0.0, f"{planner}: starting"))

        def report(fraction: float | None, message: str, _p: str = planner) -> None:
            out.put(("progress", _p, fraction, message))

        try:
            result = execute(eng, scenario_name, planner, version=version, on_progress=report)
        except Exception as exc:
            out.put(("error", planner, None, str(exc)))
            return
        out.put(("finished", planner, 1.0, result.to_dict()))
    out.put(("done", None, 1.0, "all planners finished"))


@contextlib.contextmanager
def _no_script_main() -> Iterator[None]:
    """A spawned child re-runs the parent's ``__main__`` from its file. When that is a script
    (a page run by Streamlit's script runner, e.g. under AppTest) it must not run again in the
    solver child: hide it behind a bare module while the child starts."""
    main = sys.modules.get("__main__")
    if main is None or getattr(main, "__spec__", None) is not None:
        yield
        return
    sys.modules["__main__"] = types.ModuleType("__main__")
    try:
        yield
    finally:
        sys.modules["__main__"] = main


class _JobBoard:
    """Jobs of this server process (shared by every session)."""

    def __init__(self) -> None:
        self.jobs: dict[str, SolveJob] = {}
        self.lock = threading.Lock()


@st.cache_resource(show_spinner=False)
def _board() -> _JobBoard:
    return _JobBoard()


def start_solve(scenario_name: str, planners: Iterable[str]) -> SolveJob:
    """Start solving ``scenario_name`` (its latest version) with ``planners`` in a child
    process; returns the job. Only a user with the ``solve`` right may, and a county-limited
    user only a scenario of their counties (:func:`~dashboard.services.access.authorize`: an
    ``AccessError`` says why not). The version checked is the version solved."""
    wanted = [p for p in planners if p in runnable_planners()]
    if not wanted:
        raise PlannerError("no runnable planner selected")
    version, parsed = scenario(scenario_name)
    authorize(current_access(), "solve", parsed)
    job = SolveJob(uuid.uuid4().hex[:12], scenario_name, wanted)
    ctx = multiprocessing.get_context("spawn")
    out = ctx.Queue()
    process = ctx.Process(
        target=_solve_worker,
        args=(db_url(), scenario_name, version, wanted, out),
        name=f"solve-{scenario_name}",
        daemon=True,
    )
    with _no_script_main():
        process.start()
    board = _board()
    with board.lock:
        board.jobs[job.id] = job
    threading.Thread(
        target=_follow, args=(job, process, out, db_url()), daemon=True, name=f"follow-{job.id}"
    ).start()
    return job


def _follow(job: SolveJob, process: Any, out: Any, url: str) -> None:
    """Thread: move the child's messages into ``job`` until it is done or the child is gone
    (then its run, if it was still 'running', is marked failed at once)."""
    while True:
        try:
            kind, planner, fraction, payload = out.get(timeout=0.5)
        except queue.Empty:
            if not process.is_alive():
                if not job.done:
                    job.error = job.error or f"solver process ended (exit code {process.exitcode})"
                    _reap(url)
                    job.done = True
                return
            continue
        job.apply(kind, planner, fraction, payload)
        if job.done:
            process.join(timeout=5)
            return


def _reap(url: str) -> None:
    from planner.storage import open_database, reap_stale_runs

    engine = open_database(url)
    try:
        reap_stale_runs(engine)
    finally:
        engine.dispose()


def job(job_id: str) -> SolveJob | None:
    """A job of this server by id."""
    return _board().jobs.get(job_id)


def wait(job_id: str, timeout: float = 120.0) -> SolveJob:
    """Block until a job is done (for tests and scripts)."""
    deadline = time.monotonic() + timeout
    found = job(job_id)
    while found is not None and not found.done and time.monotonic() < deadline:
        time.sleep(0.2)
    if found is None:
        raise LookupError(job_id)
    return found
