"""``solve(problem, params, *, on_progress=None) -> Solution``: pure, no I/O, no globals.

Lexicographic optimisation in four CP-SAT stages on one model: demand cover, then
same-clinician return visits, then closeness to contract hours, then preferences and fairness.
When the problem makes a hard rule soft, a "rule slack" stage runs right after cover (see
:mod:`staffing.model`): softened rules are bent only as far as cover needs.
Once a stage is done its objective is fixed at the value found (``objective <= value``) before
the next stage runs; a stage stopped by its time share keeps the best value it found.

Warm start: the cover-first baseline plus :func:`staffing.baseline.continuity_repair` (legal
shifts added where index clinicians can meet their patients) is the first complete hint. Each
later stage starts from the best of the previous stage's roster, that roster after the same
repair (and the contract fill), and the warm start, among those that keep every fixed
objective. Counting lower bounds
(:attr:`RosterModel.lower_bounds`) go into the objective's domain, so a stage that reaches one
is proved optimal and stops early. The final roster is therefore never worse than the warm
start in the stage order.
"""

from __future__ import annotations

import datetime as dt
import time
from collections.abc import Callable
from dataclasses import dataclass

from ortools.sat.python import cp_model

from staffing.baseline import book_follow_ups, continuity_repair, contract_fill, cover_first
from staffing.model import RosterModel
from staffing.problem import Problem
from staffing.solution import ShiftAssignment, Solution, StageResult

Progress = Callable[[float | None, str], None]

#: Share of the remaining time limit each stage may use at most (unused time passes on).
STAGE_SHARES = {
    "cover": 0.15,
    "rule slack": 0.2,
    "continuity": 0.55,
    "contract": 0.6,
    "preferences and fairness": 1.0,
}


@dataclass(frozen=True)
class SolveParams:
    """Solver settings. ``deterministic`` uses CP-SAT's interleaved search and a deterministic
    time limit so that the same input gives the same roster (for tests and audits)."""

    time_limit_s: float = 60.0
    num_workers: int = 2
    seed: int = 0
    deterministic: bool = False
    log: bool = False

    def __post_init__(self) -> None:
        if self.time_limit_s <= 0:
            raise ValueError("The time limit must be positive.")
        if self.num_workers < 1:
            raise ValueError("num_workers must be at least 1.")


class _Reporter(cp_model.CpSolverSolutionCallback):
    """Reports each improving roster through ``on_progress``."""

    def __init__(
        self, on_progress: Progress | None, stage: str, fraction: Callable[[], float]
    ) -> None:
        super().__init__()
        self._on_progress, self._stage, self._fraction = on_progress, stage, fraction

    def on_solution_callback(self) -> None:
        if self._on_progress is not None:
            self._on_progress(
                self._fraction(), f"{self._stage}: objective {self.ObjectiveValue():g}"
            )


def _set_objective_floor(model: cp_model.CpModel, floor: int) -> None:
    objective = model.Proto().objective
    offset = round(objective.offset)
    objective.domain.clear()
    objective.domain.extend([floor - offset, cp_model.INT_MAX])


def _decode(problem: Problem, rm: RosterModel, vals: dict) -> list[ShiftAssignment]:
    return sorted(
        ShiftAssignment(
            problem.start + dt.timedelta(days=slot[0]), problem.blocks[slot[1]].name, cid
        )
        for (cid, slot), var in rm.x.items()
        if vals.get(var, 0)
    )


def _polish(problem: Problem, rm: RosterModel, vals: dict, *, fill: bool) -> dict:
    """A roster's assignment after the greedy continuity repair (and, with ``fill``, the
    contract fill); the visits the roster gives index clinicians keep their days."""
    same_day = {
        vid: problem.start + dt.timedelta(days=d)
        for (vid, d), var in rm.y.items()
        if vals.get(var, 0)
    }
    shifts = continuity_repair(problem, _decode(problem, rm, vals))
    if fill:
        shifts = contract_fill(problem, shifts)
    return rm.values_from(
        Solution("HINT", tuple(shifts), tuple(book_follow_ups(problem, shifts, same_day)))
    )


def solve(
    problem: Problem,
    params: SolveParams | None = None,
    *,
    on_progress: Progress | None = None,
    hint: Solution | None = None,
) -> Solution:
    """The best roster found within the time limit, with its status per stage.

    ``hint`` is a starting roster (by default the cover-first baseline); it must satisfy the
    hard rules for CP-SAT to use it as a complete hint.
    """
    params = params or SolveParams()
    started = time.perf_counter()

    def report(fraction: float | None, message: str) -> None:
        if on_progress is not None:
            on_progress(fraction, message)

    report(0.0, "cover-first baseline")
    if hint is None:
        hint = cover_first(problem)
    # Warm start: the hint plus legal shifts that put index clinicians inside their windows.
    repaired = continuity_repair(problem, hint.shifts)
    hint = Solution(hint.status, tuple(repaired), tuple(book_follow_ups(problem, repaired)))
    report(0.02, "building the model")
    rm = RosterModel(problem)
    model = rm.model
    values = rm.values_from(hint)
    for var, value in values.items():
        model.add_hint(var, value)
    variables = rm.all_vars()

    stages: list[StageResult] = []
    best = values
    fixed: list[int] = []
    statuses = []
    spent = time.perf_counter() - started  # deterministic mode counts deterministic time only
    if params.deterministic:
        spent = 0.0
    for i, (name, objective) in enumerate(rm.objectives):
        if not params.deterministic:
            spent = time.perf_counter() - started  # wall clock: warm starts count too
        remaining = params.time_limit_s - spent
        if remaining <= 0.05:
            stages.append(StageResult(name, "SKIPPED", None, None, 0.0))
            statuses.append("SKIPPED")
            continue
        budget = remaining * STAGE_SHARES[name]
        model.minimize(objective)
        if rm.lower_bounds[i] is not None:
            # Hand CP-SAT the counting bound (it may not find it itself) as the objective's
            # domain, so a stage that reaches it is proved optimal and stops at once.
            _set_objective_floor(model, rm.lower_bounds[i])
        solver = cp_model.CpSolver()
        solver.parameters.num_workers = params.num_workers
        solver.parameters.random_seed = params.seed
        solver.parameters.log_search_progress = params.log
        if params.deterministic:
            solver.parameters.interleave_search = True
            solver.parameters.max_deterministic_time = budget
        else:
            solver.parameters.max_time_in_seconds = budget
        t0 = time.perf_counter()
        reporter = _Reporter(
            on_progress,
            name,
            lambda: min(0.99, (time.perf_counter() - started) / params.time_limit_s),
        )
        report(
            (time.perf_counter() - started) / params.time_limit_s,
            f"stage {i + 1}/{len(rm.objectives)}: {name}",
        )
        status = solver.solve(model, reporter)
        seconds = time.perf_counter() - t0
        spent += solver.deterministic_time if params.deterministic else seconds
        status_name = solver.status_name(status)
        statuses.append(status_name)
        if status in (cp_model.OPTIMAL, cp_model.FEASIBLE):
            value = round(solver.objective_value)
            stages.append(
                StageResult(
                    name, status_name, solver.objective_value, solver.best_objective_bound, seconds
                )
            )
            best = {var: solver.value(var) for var in variables}
            model.add(objective <= value)
            fixed.append(value)
            # Start the next stage from the best of: this stage's roster, the warm start, and
            # this stage's roster after the greedy continuity repair (CP-SAT leaves visit
            # variables at 0 while they do not count) plus, before the contract stage, the
            # contract fill; each must meet every objective fixed so far.
            if i + 1 < len(rm.objectives):
                options = [best, values]
                following = rm.objectives[i + 1][0]
                if following in ("continuity", "contract"):
                    options.append(_polish(problem, rm, best, fill=following == "contract"))
                scored = [(rm.stage_values(o), k) for k, o in enumerate(options)]
                ok = [
                    (sv[i + 1], k)
                    for sv, k in scored
                    if all(a <= f for a, f in zip(sv, fixed, strict=False))
                ]
                if ok:
                    best = dict(options[min(ok)[1]])
            model.clear_hints()
            for var, v in best.items():
                model.add_hint(var, v)
        else:
            stages.append(StageResult(name, status_name, None, None, seconds))
            break
    report(0.99, "booking follow-ups")
    shifts = _decode(problem, rm, best)
    same_day = {
        vid: problem.start + dt.timedelta(days=d)
        for (vid, d), var in rm.y.items()
        if best.get(var, 0)
    }
    follow_ups = book_follow_ups(problem, shifts, same_day)
    if statuses and statuses[0] in ("INFEASIBLE", "MODEL_INVALID"):
        overall = statuses[0]
    elif not any(s in ("OPTIMAL", "FEASIBLE") for s in statuses):
        overall = "BASELINE"
    elif all(s == "OPTIMAL" for s in statuses):
        overall = "OPTIMAL"
    else:
        overall = "FEASIBLE"
    if overall in ("INFEASIBLE", "MODEL_INVALID"):
        return Solution(overall, stages=tuple(stages), seconds=time.perf_counter() - started)
    report(1.0, f"done: {overall}")
    return Solution(
        overall,
        tuple(shifts),
        tuple(follow_ups),
        tuple(stages),
        seconds=time.perf_counter() - started,
        notes=tuple(f"{k}={v}" for k, v in rm.size().items()),
    )
