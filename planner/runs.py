"""Orchestration: run a planner on a stored scenario and store what it found.

Each planner registers a function ``(scenario, on_progress) -> RunOutcome`` under its name.
That function builds the planner's ``Problem`` from scenario data, calls the pure ``solve()``,
computes KPIs with ``evaluate()`` and turns the solution into result rows; this module only
handles the run's life cycle (start, atomic finish, failure) around it.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Protocol

from sqlalchemy.engine import Engine

from planner.errors import PlannerError, PlannerUnavailableError, RunFailedError
from planner.scenario import Scenario
from planner.storage import store
from planner.storage.models import Placement, Run


class ProgressCallback(Protocol):
    """How long work reports progress: a fraction in [0, 1] (or None if unknown) and a note.

    ``routing`` and ``staffing`` call the same shape of callable without importing this, so
    the protocol is a convention rather than a shared base class.
    """

    def __call__(self, fraction: float | None, message: str) -> None: ...


@dataclass(frozen=True)
class RunContext:
    """Earlier stored plans of the same scenario version that a planner may build on.

    Staffing turns placement rows into mobile-clinic days; routing offers hand-overs at units
    standing within reach. Empty when no such plan is stored.
    """

    placements: tuple[Placement, ...] = ()


PlannerFn = Callable[[Scenario, ProgressCallback | None, RunContext], store.RunOutcome]

#: name -> planner function; filled by :func:`register` (placement, staffing, routing).
PLANNERS: dict[str, PlannerFn] = {}

#: Every planner the project plans to offer, in the order ``solve all`` runs them.
PLANNER_NAMES = ("placement", "staffing", "routing")


def register(name: str) -> Callable[[PlannerFn], PlannerFn]:
    """Decorator that makes a planner function available to ``planner solve NAME``."""

    def decorate(fn: PlannerFn) -> PlannerFn:
        PLANNERS[name] = fn
        return fn

    return decorate


def available_planners() -> list[str]:
    """Planner names that can run in this build."""
    _load_builtin_planners()
    return [name for name in PLANNER_NAMES if name in PLANNERS] + sorted(
        set(PLANNERS) - set(PLANNER_NAMES)
    )


def _load_builtin_planners() -> None:
    # Planners register themselves on import; a planner whose module is not there yet is
    # simply not available (reported by name when asked for).
    import importlib

    for name in PLANNER_NAMES:
        try:
            importlib.import_module(f"planner.orchestration.{name}")
        except ModuleNotFoundError as exc:
            if exc.name != f"planner.orchestration.{name}":
                raise


@dataclass(frozen=True)
class RunResult:
    """A stored run and its KPIs, as the CLI and dashboard show it."""

    run: Run
    kpis: dict[str, float | None]

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
            "kpis": self.kpis,
        }


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
    _load_builtin_planners()
    if planner not in PLANNERS:
        raise PlannerUnavailableError(
            f"planner {planner!r} is not available in this build; available: "
            f"{', '.join(available_planners()) or 'none yet'}"
        )
    store.reap_stale_runs(engine)
    params = getattr(scenario, planner, None)
    run = store.start_run(
        engine,
        record,
        planner,
        seed=scenario.scenario.seed,
        time_limit_s=getattr(params, "time_limit_s", None),
    )
    context = RunContext()
    if planner != "placement":
        placed = store.latest_run(engine, scenario_name, "placement", version=record.version)
        if placed is not None:
            context = RunContext(placements=tuple(store.run_rows(engine, placed.id, Placement)))  # type: ignore[arg-type]
    started = time.perf_counter()
    try:
        outcome = PLANNERS[planner](scenario, on_progress, context)
        stored = store.finish_run(engine, run.id, outcome)  # type: ignore[arg-type]
    except BaseException as exc:
        message = str(exc) if isinstance(exc, PlannerError) else f"{type(exc).__name__}: {exc}"
        store.fail_run(engine, run.id, message)  # type: ignore[arg-type]
        if isinstance(exc, Exception):
            raise RunFailedError(
                f"{planner} run {run.id} on {scenario_name} failed after "
                f"{time.perf_counter() - started:.1f} s: {message}"
            ) from exc
        raise
    return RunResult(stored, store.run_kpis(engine, stored.id))  # type: ignore[arg-type]
