"""Run a planner on a stored scenario and store what it found.

The planner functions (listed in :mod:`planner.registry`) build their library's ``Problem``
from scenario data, call the pure ``solve()``, compute KPIs with ``evaluate()`` and turn the
solution into result rows; this module only handles the run's life cycle (start, atomic
finish, failure) around them.

A run ends honestly whatever happens to its process: the planner works in a thread of its own
while this thread renews the run's heartbeat and stays free to take signals, so Ctrl-C
(``KeyboardInterrupt``) stores the run as ``interrupted`` at once, even while a solver is deep
in C code, and SIGTERM stores it as ``failed``, "stopped by SIGTERM" (raising
:class:`~planner.errors.Terminated`). Nothing of an interrupted plan is written. A SIGKILL
leaves the run ``running`` until :func:`planner.storage.reap_stale_runs` notices the process is
gone.
"""

from __future__ import annotations

import contextlib
import dataclasses
import signal
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from sqlalchemy.engine import Engine
from sqlalchemy.exc import OperationalError

from planner.errors import (
    PlannerError,
    PlannerUnavailableError,
    RunFailedError,
    ScenarioError,
    Terminated,
)
from planner.orchestration.context import ProgressCallback, RunContext
from planner.quality import plan_quality
from planner.registry import PLANNER_SECTION, PLANNERS, available_planners
from planner.scenario import Scenario, check_referrals_folder
from planner.storage import store
from planner.storage.models import FollowUpAssignment, Placement, Run, ScenarioRecord, Shift


@dataclass(frozen=True)
class RunResult:
    """A stored run and its KPIs, as the CLI and dashboard show it; ``report`` adds the
    planner's JSON-ready details of this solve (see ``RunOutcome.report``)."""

    run: Run
    kpis: dict[str, float | None]
    report: dict = field(default_factory=dict)

    def to_dict(self) -> dict:
        """JSON-ready summary."""
        return {
            "run_id": self.run.id,
            "planner": self.run.planner,
            "status": self.run.status,
            "solver_status": self.run.solver_status,
            "seconds": self.run.seconds,
            "objective": self.run.objective,
            "bound": self.run.bound,
            "message": self.run.message,
            "time_limit_s": self.run.time_limit_s,
            "quality": dataclasses.asdict(
                plan_quality(
                    self.run.solver_status,
                    self.run.objective,
                    self.run.bound,
                    time_limit_s=self.run.time_limit_s,
                )
            ),
            "kpis": self.kpis,
            **self.report,
        }


def check_stored_inputs(record: ScenarioRecord, scenario: Scenario) -> None:
    """Check again, before a run starts, where the stored scenario reads files from: a version
    stored before the check (or edited in the database) may name any readable file. The
    allowed folders are its ``input_folder`` (its file's) and ``$PLANNER_DATA_DIR``."""
    folder = Path(record.input_folder) if record.input_folder else None
    try:
        check_referrals_folder(scenario.routing, folder)
    except ScenarioError as exc:
        raise ScenarioError(
            f"stored scenario {record.name} v{record.version}: {exc}; store it again with "
            "'planner scenario create FILE'"
        ) from None


def execute(
    engine: Engine,
    scenario_name: str,
    planner: str,
    *,
    version: int | None = None,
    on_progress: ProgressCallback | None = None,
) -> RunResult:
    """Run ``planner`` on a stored scenario and store the outcome atomically.

    Raises :class:`PlannerUnavailableError` for an unknown planner and
    :class:`RunFailedError` (after storing the run as failed) when the planner fails.
    """
    record, scenario = store.get_scenario(engine, scenario_name, version)
    check_stored_inputs(record, scenario)
    if planner not in PLANNERS:
        raise PlannerUnavailableError(
            f"planner {planner!r} is not available in this build; available: "
            f"{', '.join(available_planners()) or 'none yet'}"
        )
    store.reap_stale_runs(engine)
    params = getattr(scenario, PLANNER_SECTION.get(planner, planner), None)
    with _sigterm_raises():
        run = store.start_run(
            engine,
            record,
            planner,
            seed=scenario.scenario.seed,
            time_limit_s=(
                scenario.staffing.continuity_seconds()
                if planner == "continuity"
                else getattr(params, "time_limit_s", None)
            ),
        )
        started = time.perf_counter()
        run_id = store.id_of(run)
        try:  # from here on, the run ends as finished, failed or interrupted, whatever happens
            context = _context(engine, scenario_name, planner, record.version)
            outcome = _in_worker(
                lambda: PLANNERS[planner](scenario, on_progress, context), engine, run_id
            )
            stored = store.finish_run(engine, run_id, outcome)
        except KeyboardInterrupt:
            store.fail_run(
                engine,
                run_id,
                f"interrupted by Ctrl-C after {time.perf_counter() - started:.1f} s; "
                "no plan stored",
                status="interrupted",
            )
            raise
        except Terminated:
            store.fail_run(engine, run_id, "stopped by SIGTERM")
            raise
        except BaseException as exc:
            message = str(exc) if isinstance(exc, PlannerError) else f"{type(exc).__name__}: {exc}"
            store.fail_run(engine, run_id, message)
            if isinstance(exc, Exception):
                raise RunFailedError(
                    f"{planner} run {run.id} on {scenario_name} failed after "
                    f"{time.perf_counter() - started:.1f} s: {message}"
                ) from exc
            raise
    return RunResult(stored, store.run_kpis(engine, store.id_of(stored)), dict(outcome.report))


def _context(engine: Engine, scenario_name: str, planner: str, version: int) -> RunContext:
    """The earlier plans of the same scenario version that ``planner`` builds on."""
    context = RunContext()
    if planner != "placement":
        placed = store.latest_run(engine, scenario_name, "placement", version=version)
        if placed is not None:
            context = RunContext(
                placements=tuple(store.run_rows(engine, store.id_of(placed), Placement))
            )
    if planner == "continuity":
        rostered = store.latest_run(engine, scenario_name, "staffing", version=version)
        if rostered is not None:
            context = RunContext(
                placements=context.placements,
                shifts=tuple(store.run_rows(engine, store.id_of(rostered), Shift)),
                follow_ups=tuple(store.run_rows(engine, store.id_of(rostered), FollowUpAssignment)),
            )
    return context


@contextlib.contextmanager
def _sigterm_raises() -> Iterator[None]:
    """SIGTERM raises :class:`Terminated` in this (main) thread while the block runs, so the run
    is marked before the process ends; elsewhere (not the main thread) nothing changes."""
    if threading.current_thread() is not threading.main_thread():
        yield
        return

    def stop(_signum: int, _frame: Any) -> None:
        raise Terminated()

    previous = signal.signal(signal.SIGTERM, stop)
    try:
        yield
    finally:
        signal.signal(signal.SIGTERM, previous)


def _in_worker(
    work: Callable[[], store.RunOutcome], engine: Engine, run_id: int
) -> store.RunOutcome:
    """``work()`` in a worker thread; this thread renews the run's heartbeat meanwhile and takes
    Ctrl-C and SIGTERM at once (a solver in C code would hold them until it returns). The
    worker's exception is raised here. Interrupted, the worker is left to end with the process
    (a daemon thread: Python cannot stop a thread inside a solver)."""
    box: dict[str, Any] = {}

    def target() -> None:
        try:
            box["outcome"] = work()
        except BaseException as exc:  # handed to the caller's thread
            box["error"] = exc

    worker = threading.Thread(target=target, name=f"run-{run_id}", daemon=True)
    worker.start()
    every = store.HEARTBEAT.total_seconds()
    next_beat = time.monotonic() + every
    while worker.is_alive():
        worker.join(timeout=0.25)
        if time.monotonic() >= next_beat:
            next_beat = time.monotonic() + every
            with contextlib.suppress(OperationalError):  # a busy database: the next beat counts
                store.beat(engine, run_id)
    if "error" in box:
        raise box["error"]
    outcome: store.RunOutcome = box["outcome"]
    return outcome
