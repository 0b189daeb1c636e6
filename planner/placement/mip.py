"""The MIP engine every placement model uses: OR-Tools MathOpt with HiGHS.

One function, :func:`solve_mip`, runs a built ``mathopt.Model`` under a time limit and returns
a :class:`MipOutcome` with a status in the project's vocabulary, the incumbent's objective, the
proven bound and the relative gap. MathOpt objects never leave the placement ``solve()``
functions that call it.

HiGHS in MathOpt has no progress callback, so progress is reported by a ticker thread as the
share of the time limit used; that is honest about what we know (the solver may finish early).
"""

from __future__ import annotations

import datetime as dt
import math
import threading
import time
from collections.abc import Mapping
from dataclasses import dataclass

from ortools.math_opt.python import mathopt
from ortools.math_opt.solvers import highs_pb2

from planner.placement.progress import ProgressCallback

#: termination reason -> status reported to users (and stored with a run).
_STATUS = {
    mathopt.TerminationReason.OPTIMAL: "OPTIMAL",
    mathopt.TerminationReason.FEASIBLE: "FEASIBLE",
    mathopt.TerminationReason.INFEASIBLE: "INFEASIBLE",
    mathopt.TerminationReason.INFEASIBLE_OR_UNBOUNDED: "INFEASIBLE",
    mathopt.TerminationReason.UNBOUNDED: "UNBOUNDED",
    mathopt.TerminationReason.NO_SOLUTION_FOUND: "NO_SOLUTION",
}


@dataclass(frozen=True)
class MipOutcome:
    """What a MIP solve found: status, objective, proven bound, gap and the raw result."""

    status: str
    objective: float | None
    bound: float | None
    gap: float | None
    seconds: float
    result: mathopt.SolveResult

    @property
    def has_solution(self) -> bool:
        """True when an incumbent exists (OPTIMAL or FEASIBLE)."""
        return self.status in ("OPTIMAL", "FEASIBLE")


def relative_gap(objective: float | None, bound: float | None) -> float | None:
    """|bound - objective| / max(1, |objective|); None without both numbers."""
    if objective is None or bound is None or not math.isfinite(bound):
        return None
    return abs(bound - objective) / max(1.0, abs(objective))


def _highs_options(options: Mapping[str, bool | int | float | str]) -> highs_pb2.HighsOptionsProto:
    proto = highs_pb2.HighsOptionsProto()
    for name, value in options.items():
        if isinstance(value, bool):
            proto.bool_options[name] = value
        elif isinstance(value, int):
            proto.int_options[name] = value
        elif isinstance(value, float):
            proto.double_options[name] = value
        else:
            proto.string_options[name] = str(value)
    return proto


def solve_mip(
    model: mathopt.Model,
    *,
    time_limit_s: float,
    relative_gap_tolerance: float = 1e-4,
    on_progress: ProgressCallback | None = None,
    label: str = "solving",
    highs_options: Mapping[str, bool | int | float | str] | None = None,
) -> MipOutcome:
    """Solve ``model`` with HiGHS within ``time_limit_s``; the best incumbent is kept.

    ``highs_options`` are HiGHS options by name (e.g. ``{"objective_bound": 100.0}``, a cutoff
    MathOpt's ``cutoff_limit`` does not pass on to HiGHS).
    """
    params = mathopt.SolveParameters(
        time_limit=dt.timedelta(seconds=time_limit_s),
        relative_gap_tolerance=relative_gap_tolerance,
        absolute_gap_tolerance=1e-6,
        random_seed=0,
        highs=_highs_options(highs_options or {}),
    )
    stop = threading.Event()
    started = time.perf_counter()

    def tick(report: ProgressCallback) -> None:
        while not stop.wait(0.5):
            elapsed = time.perf_counter() - started
            report(min(elapsed / time_limit_s, 0.99), f"{label} ({elapsed:.0f} s)")

    ticker = (
        threading.Thread(target=tick, args=(on_progress,), daemon=True) if on_progress else None
    )
    if ticker:
        ticker.start()
    try:
        result = mathopt.solve(model, mathopt.SolverType.HIGHS, params=params)
    finally:
        stop.set()
        if ticker:
            ticker.join()
    seconds = time.perf_counter() - started
    status = _STATUS.get(result.termination.reason, result.termination.reason.name)
    objective = result.objective_value() if result.has_primal_feasible_solution() else None
    bound = result.termination.objective_bounds.dual_bound
    if status == "OPTIMAL" and objective is not None:
        bound = objective if not math.isfinite(bound) else bound
    if on_progress:
        on_progress(1.0, f"{status.lower()} in {seconds:.1f} s")
    return MipOutcome(
        status=status,
        objective=objective,
        bound=bound if bound is not None and math.isfinite(bound) else None,
        gap=relative_gap(objective, bound),
        seconds=seconds,
        result=result,
    )
