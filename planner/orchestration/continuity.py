"""Continuity run: what it takes to reach the same-clinician target, and the roster with it.

``planner solve continuity`` builds the same staffing problem as the staffing run, asks for the
fewest availability requests (:func:`staffing.reach.reach_target`), re-solves the roster with
them accepted and stores that roster as its own run (shifts and follow-ups, as a staffing run
stores them) with one :class:`AvailabilityRequest` row per request. The levers beside requests
(wider windows, digital follow-ups) are compared in the run's report and KPIs. The scenario keys
are :class:`planner.scenario_continuity.ContinuityLevers`.
"""

from __future__ import annotations

import math
import time
from typing import Any

from planner.kpis import format_share
from planner.orchestration.context import ProgressCallback, RunContext
from planner.orchestration.staffing import (
    build_problem,
    explain_deadline,
    explain_note,
    miss_kpis,
    mobile_days_from_placements,
    outcome_rows,
    search_deadline,
    wall_clock,
)
from planner.scenario import Scenario
from planner.storage.models import AvailabilityRequest
from planner.storage.store import RunOutcome
from staffing import (
    Block,
    Clinician,
    FollowUp,
    Problem,
    ShiftAssignment,
    Solution,
    SolveParams,
    explain_misses,
    miss_summary,
)
from staffing.reach import LEVERS, LeverResult, Reach, compare_levers, reach_target
from staffing.requests import CostFn, Request


def request_cost(scenario: Scenario) -> CostFn:
    """The scenario's price of asking a clinician for a (day, block)."""
    price = scenario.staffing.request_cost_fn()

    def cost(c: Clinician, day: Any, block: Block) -> float:
        return price(c.profession, day, block.night)

    return cost


def stored_roster(problem: Problem, context: RunContext | None) -> Solution | None:
    """The staffing run's stored roster as a library solution (the re-solve's start), if it is
    a roster of this problem (every shift a declared slot); None otherwise."""
    if context is None or not context.shifts:
        return None
    shifts = tuple(ShiftAssignment(s.day, s.block, s.clinician_id) for s in context.shifts)
    try:
        if any((s.day, s.block) not in problem.clinician(s.clinician_id).available for s in shifts):
            return None
    except KeyError:
        return None  # a clinician of another problem
    follow_ups = tuple(
        FollowUp(f.visit_id, f.assigned_clinician_id, f.day, f.block) for f in context.follow_ups
    )
    return Solution("STORED", shifts, follow_ups)


def request_rows(problem: Problem, requests: tuple[Request, ...]) -> list[AvailabilityRequest]:
    """One row per request: who, when (Stockholm wall clock), its cost and the visits it keeps."""
    blocks = {b.name: b for b in problem.blocks}
    rows = []
    for r in requests:
        c, b = problem.clinician(r.clinician_id), blocks[r.block]
        rows.append(
            AvailabilityRequest(  # type: ignore[call-arg]  # run_id is set by store.finish_run
                clinician_id=r.clinician_id,
                profession=c.profession,
                county_code=c.home_county,
                day=r.day,
                block=r.block,
                start=wall_clock(r.day, b.start),
                end=wall_clock(r.day, b.end),
                cost=r.cost,
                visits_kept=len(r.keeps),
                visit_ids=",".join(r.keeps),
            )
        )
    return rows


def reach_kpis(reach: Reach, levers: list[LeverResult]) -> dict[str, float | None]:
    """The run's KPIs: the re-solved roster's (as a staffing run's), the requests, their lower
    bound and greedy baseline, and each lever's bound and requests."""
    k = reach.kpis
    out: dict[str, float | None] = {
        key: (None if v is None else float(v)) for key, v in k.to_dict().items()
    }
    plan = reach.plan
    out |= {
        "target_reached": float(reach.reached),
        "requests": float(len(reach.requests)),
        "requests_cost": reach.cost,
        "requests_asked": float(len(reach.asked)),
        "requests_lower_bound": reach.lower_bound,
        "greedy_requests": float(len(plan.greedy)),
        "greedy_requests_cost": plan.greedy_cost,
        "bound_before": plan.bound_before,
        "bound_reachable": plan.bound_after,
        "rounds": float(reach.rounds),
        "visits_kept_by_requests": float(sum(len(r.keeps) for r in reach.requests)),
    }
    for lever in levers:
        slug = lever.lever.replace(" ", "_").replace("-", "_")
        out[f"lever_{slug}_bound"] = lever.bound
        out[f"lever_{slug}_requests"] = float(lever.requests)
    return out


def reach_message(reach: Reach, levers: list[LeverResult]) -> str:
    """The run in plain words: the rate reached, with how many requests, against the bound."""
    k, plan = reach.kpis, reach.plan
    rate = "n/a" if k.continuity_rate is None else format_share(k.continuity_rate)
    if reach.reached:
        head = (
            f"With {len(reach.requests)} availability requests accepted, {rate} of return "
            f"visits meet their clinician (target {format_share(reach.target)})."
        )
    elif not plan.reachable:
        head = (
            f"The {format_share(reach.target)} target cannot be reached within "
            f"the extra days clinicians may be asked for: at most {format_share(plan.bound_after)} of "
            f"visits can have their clinician available; with {len(reach.requests)} requests the "
            f"roster reaches {rate}."
        )
    else:
        head = (
            f"With {len(reach.requests)} requests the roster reaches {rate}, short of "
            f"{format_share(reach.target)} after {reach.rounds} rounds (the rules or full blocks keep "
            f"clinicians off the requested slots)."
        )
    bound = (
        f" No set of fewer than {math.ceil(plan.lower_bound - 1e-9):g} requests can reach it (proved: that many "
        f"are needed just to make the index clinicians available); the greedy rule would ask "
        f"{len(plan.greedy)} for that alone."
        if plan.lower_bound
        else ""
    )
    others = "; ".join(
        f"{lv.lever} ({lv.setting}): {format_share(lv.bound)} alone, {lv.requests} requests with it"
        for lv in levers[1:]
    )
    return f"{head}{bound} Other levers: {others}."


def run_continuity(
    scenario: Scenario,
    on_progress: ProgressCallback | None = None,
    context: RunContext | None = None,
) -> RunOutcome:
    """The registered continuity planner: requests, the re-solved roster, the levers."""
    if on_progress:
        on_progress(0.0, "building the staffing problem")
    s = scenario.staffing
    problem = build_problem(scenario, mobile_days_from_placements(scenario, context))
    cost = request_cost(scenario)
    params = SolveParams(time_limit_s=s.time_limit_s, num_workers=2, seed=scenario.scenario.seed)
    # one deadline for the requests' plan, every round, the repair, the pruning and the lever
    # comparison (the clock starts once the problem is built); each solve at most time_limit_s
    end = time.perf_counter() + s.continuity_seconds()
    deadline = search_deadline(problem, end, s.continuity_seconds())
    reach = reach_target(
        problem,
        params,
        max_extra_days=s.request_max_extra_days,
        cost=cost,
        before=stored_roster(problem, context),
        on_progress=on_progress,
        deadline=deadline,
    )
    levers = compare_levers(
        problem,
        window_days=s.lever_window_extra_days,
        digital_share=s.lever_digital_share,
        digital_cap=s.lever_digital_cap_per_day,
        max_extra_days=s.request_max_extra_days,
        cost=cost,
        alone=reach.plan,
        deadline=deadline,
    )
    compared = {lv.lever for lv in levers}
    skipped = [name for name in LEVERS if name not in compared]
    cut = "; ".join(
        [reach.time_limit_note] * bool(reach.time_limit_note)
        + [f"levers not compared: {', '.join(skipped)}"] * bool(skipped)
    )
    misses = explain_misses(
        reach.problem,
        reach.solution,
        explain_deadline(end),
    )
    summary = miss_summary(misses)
    unexplained_note = explain_note(summary)
    cut = "; ".join(c for c in (cut, unexplained_note) if c)
    stage = next((st for st in reach.solution.stages if st.name == "continuity"), None)
    return RunOutcome(
        solver_status=reach.solution.status,
        kpis={
            **reach_kpis(reach, levers),
            **miss_kpis(summary),
            "time_limit_reached": float(bool(cut)),
        },
        rows=[
            *outcome_rows(reach.problem, reach.solution, misses),
            *request_rows(reach.problem, reach.requests),
        ],
        objective=None if stage is None or stage.objective is None else -stage.objective,
        bound=None if stage is None or stage.bound is None else -stage.bound,
        message=(
            f"Time limits reached (each roster solve {s.time_limit_s:g} s at most, the whole "
            f"run {s.continuity_seconds():g} s): {cut}. "
            if cut
            else ""
        )
        + reach_message(reach, levers),
        extra={"summary": reach.solution.summary()},
        report={
            "requests": [
                {
                    "clinician_id": r.clinician_id,
                    "day": r.day.isoformat(),
                    "block": r.block,
                    "cost": r.cost,
                    "keeps": list(r.keeps),
                }
                for r in reach.requests
            ],
            "levers": [lv.__dict__ for lv in levers],
            "misses": summary,
        },
    )


__all__ = ["reach_kpis", "reach_message", "request_cost", "request_rows", "run_continuity"]
