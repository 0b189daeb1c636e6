"""``solve(problem, params, *, on_progress=None) -> Solution``: pure, no I/O, no globals.

Lexicographic optimisation in four CP-SAT stages on one model: demand cover, then
same-clinician return visits, then closeness to contract hours, then preferences and fairness.
When placed mobile units ask for crews, the cover stage prices a missing crew member above any
demand minute: every site-day gets its crew before any digital hour counts. When the problem
makes a hard rule soft, a "rule slack" stage runs right after cover (see
:mod:`staffing.model`): softened rules are bent only as far as crews and cover need.
Once a stage is done its objective is fixed at the value found (``objective <= value``) before
the next stage runs; a stage stopped by its time share keeps the best value it found.

Warm start: the cover-first baseline plus :func:`staffing.warmstart.continuity_repair` (legal
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
import math
import time
from collections.abc import Callable
from dataclasses import dataclass

from ortools.sat.python import cp_model

from staffing.baseline import cover_first
from staffing.booking import book_follow_ups
from staffing.model import OutOfTime, RosterModel, Values
from staffing.problem import Problem
from staffing.solution import ShiftAssignment, Solution, StageResult
from staffing.warmstart import continuity_repair, contract_fill

#: ``on_progress(fraction, message)``: ``fraction`` in [0, 1] (None when unknown).
ProgressCallback = Callable[[float | None, str], None]

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
        self, on_progress: ProgressCallback | None, stage: str, fraction: Callable[[], float]
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


def _decode(problem: Problem, rm: RosterModel, vals: Values) -> list[ShiftAssignment]:
    return sorted(
        ShiftAssignment(
            problem.start + dt.timedelta(days=slot[0]), problem.blocks[slot[1]].name, cid
        )
        for (cid, slot), var in rm.x.items()
        if vals.get(var, 0)
    )


def _polish(
    problem: Problem, rm: RosterModel, vals: Values, *, fill: bool, deadline: float
) -> Values:
    """A roster's assignment after the greedy continuity repair (and, with ``fill``, the
    contract fill); the visits the roster gives index clinicians keep their days."""
    same_day = _same_day(problem, rm, vals)
    shifts = continuity_repair(problem, _decode(problem, rm, vals), deadline)
    if fill:
        shifts = contract_fill(problem, shifts, deadline)
    return rm.values_from(
        Solution("HINT", tuple(shifts), tuple(book_follow_ups(problem, shifts, same_day)))
    )


def _same_day(problem: Problem, rm: RosterModel, vals: Values) -> dict[str, dt.date]:
    """The visits an assignment gives their index clinician, with the day."""
    return {
        vid: problem.start + dt.timedelta(days=d)
        for (vid, d), var in rm.y.items()
        if vals.get(var, 0)
    }


def _warm_start(problem: Problem, hint: Solution | None, deadline: float) -> Solution:
    """The hint (by default the cover-first baseline) plus legal shifts that put index
    clinicians inside their windows, with its follow-ups booked (both greedies stop at the
    ``deadline``; a cut-short hint keeps its flag and message)."""
    if hint is None:
        hint = cover_first(problem, deadline)
    if time.perf_counter() >= deadline:
        return hint  # no repair: its follow-ups stand (booking them again takes seconds)
    repaired = continuity_repair(problem, hint.shifts, deadline)
    return Solution(
        hint.status,
        tuple(repaired),
        tuple(book_follow_ups(problem, repaired)),
        time_limited=hint.time_limited,
        message=hint.message,
    )


def _solve_stage(
    rm: RosterModel,
    stage: int,
    budget: float,
    params: SolveParams,
    reporter: _Reporter,
) -> tuple[cp_model.CpSolver, cp_model.CpSolverStatus, float]:
    """Minimise stage ``stage``'s objective within ``budget``: the solver, status and seconds."""
    model = rm.model
    model.minimize(rm.objectives[stage][1])
    floor = rm.lower_bounds[stage]
    if floor is not None:
        # Hand CP-SAT the counting bound (it may not find it itself) as the objective's
        # domain, so a stage that reaches it is proved optimal and stops at once.
        _set_objective_floor(model, floor)
    solver = cp_model.CpSolver()
    solver.parameters.num_workers = params.num_workers
    solver.parameters.random_seed = params.seed
    solver.parameters.log_search_progress = params.log
    # Ctrl-C is the caller's (planner.runs): CP-SAT's own handler swallows it in the main
    # thread and aborts the process in any other.
    solver.parameters.catch_sigint_signal = False
    if params.deterministic:
        solver.parameters.interleave_search = True
        solver.parameters.max_deterministic_time = budget
    else:
        solver.parameters.max_time_in_seconds = budget
    t0 = time.perf_counter()
    status = solver.solve(model, reporter)
    return solver, status, time.perf_counter() - t0


def _next_start(
    problem: Problem,
    rm: RosterModel,
    stage: int,
    best: Values,
    warm: Values,
    fixed: list[int],
    deadline: float,
) -> Values:
    """The start of the stage after ``stage``: the best of this stage's roster, the warm start,
    and this stage's roster after the greedy continuity repair (CP-SAT leaves visit variables
    at 0 while they do not count) plus, before the contract stage, the contract fill; each
    must meet every objective fixed so far."""
    options = [best, warm]
    following = rm.objectives[stage + 1][0]
    if following in ("continuity", "contract"):
        options.append(_polish(problem, rm, best, fill=following == "contract", deadline=deadline))
    scored = [(rm.stage_values(o), k) for k, o in enumerate(options)]
    ok = [
        (sv[stage + 1], k)
        for sv, k in scored
        if all(a <= f for a, f in zip(sv, fixed, strict=False))
    ]
    return dict(options[min(ok)[1]]) if ok else best


def _lexicographic(
    problem: Problem,
    rm: RosterModel,
    params: SolveParams,
    warm: Values,
    started: float,
    deadline: float,
    on_progress: ProgressCallback | None,
) -> tuple[list[StageResult], list[str], Values]:
    """Run the stages in order, each fixing its objective at the value found: the stage
    results, their statuses and the best complete assignment."""
    model, variables = rm.model, rm.all_vars()
    stages: list[StageResult] = []
    statuses: list[str] = []
    best, fixed = warm, []
    # deterministic mode counts deterministic time only; wall clock counts warm starts too
    spent = 0.0 if params.deterministic else time.perf_counter() - started
    for i, (name, objective) in enumerate(rm.objectives):
        if not params.deterministic:
            spent = time.perf_counter() - started
        remaining = (
            params.time_limit_s - spent
            if params.deterministic
            else min(params.time_limit_s - spent, deadline - time.perf_counter())
        )
        if remaining <= 0.05:
            stages.append(StageResult(name, "SKIPPED", None, None, 0.0))
            statuses.append("SKIPPED")
            continue
        reporter = _Reporter(
            on_progress,
            name,
            lambda: min(0.99, (time.perf_counter() - started) / params.time_limit_s),
        )
        _report(
            on_progress,
            (time.perf_counter() - started) / params.time_limit_s,
            f"stage {i + 1}/{len(rm.objectives)}: {name}",
        )
        solver, status, seconds = _solve_stage(
            rm, i, remaining * STAGE_SHARES[name], params, reporter
        )
        spent += solver.deterministic_time if params.deterministic else seconds
        status_name = solver.status_name(status)
        statuses.append(status_name)
        if status not in (cp_model.OPTIMAL, cp_model.FEASIBLE):
            stages.append(StageResult(name, status_name, None, None, seconds))
            break
        value = round(solver.objective_value)
        stages.append(
            StageResult(
                name, status_name, solver.objective_value, solver.best_objective_bound, seconds
            )
        )
        best = {var: solver.value(var) for var in variables}
        model.add(objective <= value)
        fixed.append(value)
        if i + 1 < len(rm.objectives):
            best = _next_start(problem, rm, i, best, warm, fixed, deadline)
        model.clear_hints()
        for var, v in best.items():
            model.add_hint(var, v)
    return stages, statuses, best


def _overall_status(statuses: list[str]) -> str:
    """The solution's status from its stages' (see :class:`~staffing.solution.Solution`)."""
    if statuses and statuses[0] in ("INFEASIBLE", "MODEL_INVALID"):
        return statuses[0]
    if not any(s in ("OPTIMAL", "FEASIBLE") for s in statuses):
        return "BASELINE"
    if all(s == "OPTIMAL" for s in statuses):
        return "OPTIMAL"
    return "FEASIBLE"


def _report(on_progress: ProgressCallback | None, fraction: float | None, message: str) -> None:
    if on_progress is not None:
        on_progress(fraction, message)


def solve(
    problem: Problem,
    params: SolveParams | None = None,
    *,
    on_progress: ProgressCallback | None = None,
    hint: Solution | None = None,
    deadline: float | None = None,
) -> Solution:
    """The best roster found within the time limit, with its status per stage.

    ``hint`` is a starting roster (by default the cover-first baseline); it must satisfy the
    hard rules for CP-SAT to use it as a complete hint.

    Every stage shares one deadline: ``deadline`` (a ``time.perf_counter()`` value, e.g. set
    by a caller whose own work counts against the limit) or ``params.time_limit_s`` from now
    (deterministic solves without a ``deadline`` count deterministic time only). Past it the
    greedies stop adding, the model is not built (the warm start is the roster) and no stage
    runs; the solution says so (``time_limited``, ``message``).
    """
    params = params or SolveParams()
    started = time.perf_counter()
    if deadline is None:
        deadline = math.inf if params.deterministic else started + params.time_limit_s
    _report(on_progress, 0.0, "cover-first baseline")
    start = _warm_start(problem, hint, deadline)
    _report(on_progress, 0.02, "building the model")
    try:
        if time.perf_counter() >= deadline:
            raise OutOfTime("roster model not built")
        rm = RosterModel(problem, deadline)
    except OutOfTime as out_of_time:
        # the warm start keeps every rule the greedy checks: it is the plan
        notes = [n for n in (start.message, str(out_of_time)) if n]
        return Solution(
            "BASELINE",
            start.shifts,
            start.follow_ups,
            seconds=time.perf_counter() - started,
            time_limited=True,
            message="; ".join(notes) + "; no solver stage ran: the cover-first roster with "
            "the continuity repair is the plan",
        )
    warm = rm.values_from(start)
    for var, value in warm.items():
        rm.model.add_hint(var, value)
    stages, statuses, best = _lexicographic(
        problem, rm, params, warm, started, deadline, on_progress
    )
    _report(on_progress, 0.99, "booking follow-ups")
    shifts = _decode(problem, rm, best)
    follow_ups = book_follow_ups(problem, shifts, _same_day(problem, rm, best))
    overall = _overall_status(statuses)
    if overall in ("INFEASIBLE", "MODEL_INVALID"):
        return Solution(overall, stages=tuple(stages), seconds=time.perf_counter() - started)
    _report(on_progress, 1.0, f"done: {overall}")
    cut = [s.name for s in stages if s.status not in ("OPTIMAL", "INFEASIBLE", "MODEL_INVALID")]
    notes = [start.message] if start.message else []
    if cut:
        notes.append("stages stopped or skipped by the time limit: " + ", ".join(cut))
    return Solution(
        overall,
        tuple(shifts),
        tuple(follow_ups),
        tuple(stages),
        seconds=time.perf_counter() - started,
        notes=tuple(f"{k}={v}" for k, v in rm.size().items()),
        time_limited=bool(cut) or start.time_limited,
        message="; ".join(notes),
    )
