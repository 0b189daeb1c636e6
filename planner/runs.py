"""Run a planner on a stored scenario and store what it found.

The planner functions (listed in :mod:`planner.registry`) build their library's ``Problem``
from scenario data, call the pure ``solve()``, compute KPIs with ``evaluate()`` and turn the
solution into result rows; this module only handles the run's life cycle (start, atomic
finish, failure) around them.
"""

from __future__ import annotations

import dataclasses
import time
from dataclasses import dataclass, field

from sqlalchemy.engine import Engine

from planner.errors import PlannerError, PlannerUnavailableError, RunFailedError
from planner.orchestration.context import ProgressCallback, RunContext
from planner.quality import plan_quality
from planner.registry import PLANNER_SECTION, PLANNERS, available_planners
from planner.storage import store
from planner.storage.models import FollowUpAssignment, Placement, Run, Shift


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
    if planner not in PLANNERS:
        raise PlannerUnavailableError(
            f"planner {planner!r} is not available in this build; available: "
            f"{', '.join(available_planners()) or 'none yet'}"
        )
    store.reap_stale_runs(engine)
    params = getattr(scenario, PLANNER_SECTION.get(planner, planner), None)
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
            context = RunContext(
                placements=tuple(store.run_rows(engine, store.id_of(placed), Placement))
            )
    if planner == "continuity":
        rostered = store.latest_run(engine, scenario_name, "staffing", version=record.version)
        if rostered is not None:
            context = RunContext(
                placements=context.placements,
                shifts=tuple(store.run_rows(engine, store.id_of(rostered), Shift)),
                follow_ups=tuple(store.run_rows(engine, store.id_of(rostered), FollowUpAssignment)),
            )
    started = time.perf_counter()
    try:
        outcome = PLANNERS[planner](scenario, on_progress, context)
        stored = store.finish_run(engine, store.id_of(run), outcome)
    except BaseException as exc:
        message = str(exc) if isinstance(exc, PlannerError) else f"{type(exc).__name__}: {exc}"
        store.fail_run(engine, store.id_of(run), message)
        if isinstance(exc, Exception):
            raise RunFailedError(
                f"{planner} run {run.id} on {scenario_name} failed after "
                f"{time.perf_counter() - started:.1f} s: {message}"
            ) from exc
        raise
    return RunResult(stored, store.run_kpis(engine, store.id_of(stored)), dict(outcome.report))
