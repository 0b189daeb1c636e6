"""Staffing run: build the rostering Problem from a scenario, solve, evaluate, store rows.

The instance (``build_instance``) is the seeded, realistic one the issue asks for; every
figure is from ``../shared/docs/domain.md`` or marked as our assumption:

* Clinicians and return visits: :mod:`planner.demo_data` (part-timers available on 30-60 % of
  days, contracts 8-32 h/week, return windows of 2-10 days, index clinician = who handled the
  index visit in the four weeks before the horizon, in proportion to contract hours).
* Availability per block: the three day blocks on every declared day; the night block only
  for clinicians who list it among their preferred blocks (our assumption: nights are opt-in).
* Demand in clinician-hours per day, block and profession from the demand model
  (:func:`planner.demand.staffing_hours.demand_hours`: ``primary_care`` contacts shaped by
  weekday and block, split by the pool's profession mix; night demand is for doctors only).
* Holidays: :func:`planner.weeks.is_business_day` (SE, PUBLIC + DE_FACTO).
* Rule modes: ``[staffing] soft_rules`` / ``hard_rules`` (rule names) override which rules
  are hard (see :data:`staffing.rulemodes.SWITCHABLE_RULES`).
* Mobile-clinic days: ``mobile_days`` adds a ``mobile`` block per site on the days a unit
  stands there, available to clinicians whose home county is the site's county. Nothing feeds
  it yet; the placement plan will.
"""

from __future__ import annotations

import datetime as dt
import re
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any
from zoneinfo import ZoneInfo

from planner import demo_data
from planner.demand import DemandParams
from planner.demand.staffing_hours import NIGHT_BLOCK, demand_hours
from planner.demo_data import clinician_pool, return_visits
from planner.orchestration.context import ProgressCallback, RunContext
from planner.scenario import Scenario
from planner.storage.models import FollowUpAssignment, Shift
from planner.storage.store import RunOutcome
from planner.weeks import is_business_day, week_monday
from staffing import (
    TIMEZONE,
    Block,
    Clinician,
    Miss,
    Problem,
    ReturnVisit,
    Solution,
    SolveParams,
    WorkRules,
    cover_first,
    digital_blocks,
    evaluate,
    explain_misses,
    miss_summary,
    solve,
)
from staffing.rules import demand_cover

STOCKHOLM = ZoneInfo(TIMEZONE)


@dataclass(frozen=True)
class MobileDay:
    """A mobile clinic standing at a site on a day, needing clinicians of a profession."""

    site_id: str
    county_code: str
    day: dt.date
    profession: str
    hours: float  # clinician-hours needed (e.g. 8 for one clinician's day)


def _is_holiday(day: dt.date) -> bool:
    return day.weekday() < 5 and not is_business_day(day)


def _mobile_blocks(mobile_days: Sequence[MobileDay]) -> list[Block]:
    """A ``mobile:<site>`` block (08-17, lunch 12-13) per site, offered on its unit's days."""
    sites: dict[str, MobileDay] = {}
    for m in mobile_days:
        sites.setdefault(m.site_id, m)
    blocks = []
    for site_id, m in sorted(sites.items()):
        site_days = frozenset(x.day for x in mobile_days if x.site_id == site_id)
        blocks.append(
            Block(
                f"mobile:{site_id}",
                8,
                17,
                breaks=((12, 13),),
                kind="mobile",
                site_id=site_id,
                county_code=m.county_code,
                days=site_days,
            )
        )
    return blocks


def _clinician(c: demo_data.Clinician, blocks: Sequence[Block]) -> Clinician:
    """A pool member as the library's clinician: the day blocks on every declared day, the
    night only if preferred, and the mobile blocks of the home county on their days."""
    day_blocks = [b.name for b in blocks if b.kind == "digital" and not b.night]
    available = {(d, b) for d in c.available_days for b in day_blocks}
    if NIGHT_BLOCK in c.preferred_blocks:
        available |= {(d, NIGHT_BLOCK) for d in c.available_days}
    for b in blocks:
        if b.kind == "mobile" and b.county_code == c.home_county:
            available |= {(d, b.name) for d in c.available_days if b.offered_on(d)}
    return Clinician(
        c.clinician_id,
        c.profession,
        c.contract_hours,
        frozenset(available),
        frozenset(c.preferred_blocks),
        c.home_county,
        c.languages,
    )


def build_instance(
    clinicians: int,
    days: int,
    visits: int,
    seed: int,
    start: dt.date,
    *,
    rules: WorkRules | None = None,
    demand: DemandParams | None = None,
    mobile_days: Sequence[MobileDay] = (),
    continuity_target: float = 0.96,
    soft_rules: Sequence[str] = (),
    hard_rules: Sequence[str] = (),
) -> Problem:
    """The seeded, realistic staffing instance (see the module docstring)."""
    pool = clinician_pool(clinicians, start, days, seed)
    owed = return_visits(pool, visits, start, days, seed)
    blocks = [*digital_blocks(), *_mobile_blocks(mobile_days)]
    dates = [start + dt.timedelta(days=i) for i in range(days)]
    holidays = frozenset(d for d in dates if _is_holiday(d))
    staff = [_clinician(c, blocks) for c in pool]
    hours: defaultdict[str, float] = defaultdict(float)
    for c in pool:
        hours[c.profession] += c.contract_hours
    need = demand_hours(start, days, clinicians, demand, mix=hours)
    for m in mobile_days:
        key = (m.day, f"mobile:{m.site_id}", m.profession)
        need[key] = need.get(key, 0.0) + m.hours
    return Problem(
        start=start,
        days=days,
        blocks=tuple(blocks),
        clinicians=tuple(staff),
        visits=tuple(
            ReturnVisit(
                v.visit_id,
                v.patient_id,
                v.profession,
                v.index_clinician_id,
                v.window_start,
                v.window_end,
                v.history,
            )
            for v in owed
        ),
        demand=need,
        holidays=holidays,
        rules=rules or WorkRules(),
        continuity_target=continuity_target,
        soft_rules=frozenset(soft_rules),
        hard_rules=frozenset(hard_rules),
    )


def build_problem(scenario: Scenario, mobile_days: Sequence[MobileDay] = ()) -> Problem:
    """The staffing Problem of a scenario (demo data generators + demand model)."""
    s = scenario.staffing
    return build_instance(
        s.clinicians,
        s.horizon_days,
        s.return_visits,
        scenario.scenario.seed,
        week_monday(scenario.scenario.start_week),
        rules=s.work_rules(),
        demand=scenario.demand,
        mobile_days=mobile_days,
        continuity_target=s.continuity_target,
        soft_rules=s.soft_rules,
        hard_rules=s.hard_rules,
    )


def shortage_message(problem: Problem, solution: Solution, limit: int = 12) -> str | None:
    """Which days, blocks and professions are short of demand, or None when cover is met."""
    short = evaluate_shortages(problem, solution)
    if not short:
        return None
    total = sum(h for *_, h in short)
    parts = [f"{day} {block} {prof} {h:.1f} h" for day, block, prof, h in short[:limit]]
    more = f"; and {len(short) - limit} more" if len(short) > limit else ""
    cover = next((s for s in solution.stages if s.name == "cover"), None)
    why = (
        "the pool cannot give it within the rules"
        if cover is not None and cover.status == "OPTIMAL"
        else "best roster found in the time limit; the pool may not allow more"
    )
    return (
        f"demand cover short by {total:.1f} h in {len(short)} day/block/profession cells "
        f"({why}): " + "; ".join(parts) + more
    )


def evaluate_shortages(
    problem: Problem, solution: Solution
) -> list[tuple[dt.date, str, str, float]]:
    """(day, block, profession, hours short), in time order."""
    out = []
    for v in demand_cover(problem, solution):
        # a demand-cover violation always names its cell
        assert v.day is not None and v.block is not None and v.profession is not None
        out.append((v.day, v.block, v.profession, v.amount))
    return out


def wall_clock(day: dt.date, hours: float) -> dt.datetime:
    """``hours`` after midnight of ``day`` (may pass 24) as an aware Europe/Stockholm time."""
    naive = dt.datetime.combine(day, dt.time()) + dt.timedelta(hours=hours)
    return naive.replace(tzinfo=STOCKHOLM)


def outcome_rows(
    problem: Problem, solution: Solution, misses: Sequence[Miss] = ()
) -> list[Shift | FollowUpAssignment]:
    """Result rows: one Shift per rostered block and one FollowUpAssignment per return visit
    (with its miss reason when ``misses`` names it).

    Shift times are aware: Europe/Stockholm wall clock (the store keeps them in UTC). A night
    block is 22:00 to 07:00 on the clock, also across a daylight-saving change.
    """
    why = {m.visit_id: m for m in misses}
    prof = {c.clinician_id: c.profession for c in problem.clinicians}
    blocks = {b.name: b for b in problem.blocks}
    rows: list[Shift | FollowUpAssignment] = []
    for s in solution.shifts:
        b = blocks[s.block]
        rows.append(
            Shift(  # type: ignore[call-arg]  # run_id is set when the run's rows are stored
                clinician_id=s.clinician_id,
                profession=prof[s.clinician_id],
                day=s.day,
                block=s.block,
                start=wall_clock(s.day, b.start),
                end=wall_clock(s.day, b.end),
                kind=b.kind,
                site_id=b.site_id,
            )
        )
    visits = {v.visit_id: v for v in problem.visits}
    for f in solution.follow_ups:
        v = visits[f.visit_id]
        rows.append(
            FollowUpAssignment(  # type: ignore[call-arg]  # run_id: set when stored
                visit_id=v.visit_id,
                patient_id=v.patient_id,
                profession=v.profession,
                index_clinician_id=v.index_clinician_id,
                assigned_clinician_id=f.clinician_id,
                day=f.day,
                block=f.block,
                same_clinician=f.clinician_id == v.index_clinician_id,
                miss_reason=why[v.visit_id].reason if v.visit_id in why else None,
                miss_detail=why[v.visit_id].detail if v.visit_id in why else None,
            )
        )
    return rows


def run_problem(
    problem: Problem,
    params: SolveParams,
    on_progress: ProgressCallback | None = None,
    *,
    baseline: Solution | None = None,
) -> tuple[Solution, dict[str, float | None], str | None]:
    """Solve and evaluate: the solution, the flat KPIs (with the baseline's) and a shortage note.

    The cover-first baseline is both the reference rate and the solver's starting hint.
    """
    baseline = baseline or cover_first(problem)
    base_kpis = evaluate(problem, baseline)
    solution = solve(problem, params, on_progress=on_progress, hint=baseline)
    kpis = evaluate(problem, solution)
    flat: dict[str, float | None] = {
        k: (None if v is None else float(v)) for k, v in kpis.to_dict().items()
    }
    flat["baseline_rate"] = base_kpis.continuity_rate
    flat["baseline_cover"] = base_kpis.cover
    flat["baseline_hard_violations"] = float(base_kpis.hard_violations)
    flat["solve_seconds"] = solution.seconds
    if kpis.continuity_rate is not None and base_kpis.continuity_rate is not None:
        flat["continuity_gain_points"] = 100 * (kpis.continuity_rate - base_kpis.continuity_rate)
    return solution, flat, shortage_message(problem, solution)


def _slug(text: str) -> str:
    return re.sub(r"[^a-z0-9]+", "_", text.lower()).strip("_")


def miss_kpis(summary: dict[str, Any]) -> dict[str, float | None]:
    """The miss counts as flat KPIs: ``misses``, ``misses_reason_<reason>`` (every reason),
    ``misses_profession_<profession>`` and ``misses_not_rostered_by_<rule>``. Counts by county
    and clinician are in the follow-up rows (their ``miss_reason``) and the CLI's JSON."""
    out: dict[str, float | None] = {"misses": float(summary["total"])}
    for reason, n in summary["by_reason"].items():
        out[f"misses_reason_{reason}"] = float(n)
    for profession, counts in sorted(summary["by_profession"].items()):
        out[f"misses_profession_{_slug(profession)}"] = float(sum(counts.values()))
    for detail, n in summary["not_rostered_by"].items():
        out[f"misses_not_rostered_by_{_slug(detail)}"] = float(n)
    return out


#: Our assumption: a mobile clinic needs one doctor for a full day (8 h) on each business day.
MOBILE_DAY_PROFESSION, MOBILE_DAY_HOURS = "doctor", 8.0


def mobile_days_from_placements(scenario: Scenario, context: RunContext | None) -> list[MobileDay]:
    """Business days inside the staffing horizon on which a unit stands somewhere (from the
    stored placement plan of the same scenario version)."""
    if context is None or not context.placements:
        return []
    start = week_monday(scenario.scenario.start_week)
    end = start + dt.timedelta(days=scenario.staffing.horizon_days - 1)
    days = []
    for row in context.placements:
        monday = week_monday(row.week)
        for offset in range(7):
            day = monday + dt.timedelta(days=offset)
            if start <= day <= end and is_business_day(day):
                days.append(
                    MobileDay(
                        row.site_id, row.county_code, day, MOBILE_DAY_PROFESSION, MOBILE_DAY_HOURS
                    )
                )
    return days


def run_staffing(
    scenario: Scenario,
    on_progress: ProgressCallback | None = None,
    context: RunContext | None = None,
) -> RunOutcome:
    """The registered staffing planner: problem from the scenario, solve, evaluate, rows."""
    if on_progress:
        on_progress(0.0, "building the staffing problem")
    problem = build_problem(scenario, mobile_days_from_placements(scenario, context))
    params = SolveParams(
        time_limit_s=scenario.staffing.time_limit_s, num_workers=2, seed=scenario.scenario.seed
    )
    solution, kpis, note = run_problem(problem, params, on_progress)
    misses = explain_misses(problem, solution)
    summary = miss_summary(misses)
    stage = next((s for s in solution.stages if s.name == "continuity"), None)
    return RunOutcome(
        solver_status=solution.status,
        kpis={**kpis, **miss_kpis(summary)},
        rows=outcome_rows(problem, solution, misses),
        objective=None if stage is None or stage.objective is None else -stage.objective,
        bound=None if stage is None or stage.bound is None else -stage.bound,
        message=note,
        extra={"summary": solution.summary()},
        report={"misses": summary},
    )


__all__ = [
    "MobileDay",
    "build_instance",
    "build_problem",
    "miss_kpis",
    "outcome_rows",
    "run_problem",
    "run_staffing",
    "shortage_message",
]
