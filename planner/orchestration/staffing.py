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
  stands there, available to clinicians whose home county is the site's county
  (:func:`mobile_days_from_placements` reads them from the stored placement plan). Each
  site-day asks for its crew (one doctor per unit, rule "Mobile crew"), which the solve puts
  before digital cover; the run names every site-day left short and why, with the site's name
  (:func:`crew_message`), and :func:`pool_crew_gaps` tells the placement run, from the same
  pool, which placed site-days no clinician of the county declared.
"""

from __future__ import annotations

import datetime as dt
import math
import re
import time
from collections import Counter, defaultdict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any
from zoneinfo import ZoneInfo

from planner import demo_data, geo
from planner.demand import DemandParams
from planner.demand.staffing_hours import NIGHT_BLOCK, demand_hours
from planner.demo_data import clinician_pool, return_visits
from planner.kpis import swedish_number
from planner.orchestration.context import ProgressCallback, RunContext, kept_after_search
from planner.scenario import Scenario
from planner.storage.models import FollowUpAssignment, Shift
from planner.storage.store import RunOutcome
from planner.weeks import is_business_day, week_monday
from staffing import (
    CREW_REASONS,
    TIMEZONE,
    Block,
    Clinician,
    CrewGap,
    Miss,
    Problem,
    ReturnVisit,
    Solution,
    SolveParams,
    WorkRules,
    cover_first,
    digital_blocks,
    evaluate,
    explain_crews,
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
    site_name: str = ""  # for people reading messages ("" when unknown: the id is shown)


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


def break_hours(block_names: Iterable[str]) -> dict[str, float]:
    """Unpaid break hours of each named block of a stored roster (the night's 30 minutes, a
    mobile day's lunch): the exports compare worked hours, not elapsed ones, with contracts."""
    blocks = {b.name: b for b in digital_blocks()}
    out = {}
    for name in set(block_names):
        block = blocks.get(name)
        if block is None and name.startswith("mobile:"):
            site = name.removeprefix("mobile:")
            (block,) = _mobile_blocks([MobileDay(site, "", dt.date.min, "", 0.0)])
        if block is not None:
            out[name] = (block.end - block.start) - block.hours
    return out


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


def shortage_message(
    problem: Problem,
    solution: Solution,
    limit: int = 12,
    labels: Mapping[str, str] | None = None,
) -> str | None:
    """Which days, blocks and professions are short of demand, or None when cover is met.

    ``labels`` names blocks for people (a mobile block by its site: ``mobile Köping``)."""
    short = evaluate_shortages(problem, solution)
    if not short:
        return None
    labels = labels or {}
    total = sum(h for *_, h in short)
    parts = [
        f"{day} {labels.get(block, block)} {prof} {swedish_number(h, 1)} h"
        for day, block, prof, h in short[:limit]
    ]
    more = f"; and {len(short) - limit} more" if len(short) > limit else ""
    cover = next((s for s in solution.stages if s.name == "cover"), None)
    why = (
        "the pool cannot give it within the rules"
        if cover is not None and cover.status == "OPTIMAL"
        else "best roster found in the time limit, the pool may not allow more"
    )
    return (
        f"demand cover short by {swedish_number(total, 1)} h in {swedish_number(len(short))} "
        "day/block/profession cells "
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
    (with its miss reason when ``misses`` names it). Made with ``model_construct`` (the values
    are ours, no validation to run): a year of 1,000 clinicians is 130,000 rows, ~45 us each
    through ``__init__``.

    Shift times are aware: Europe/Stockholm wall clock (the store keeps them in UTC). A night
    block is 22:00 to 07:00 on the clock, also across a daylight-saving change.
    """
    why = {m.visit_id: m for m in misses}
    prof = {c.clinician_id: c.profession for c in problem.clinicians}
    blocks = {b.name: b for b in problem.blocks}
    rows: list[Shift | FollowUpAssignment] = [
        Shift.model_construct(
            clinician_id=s.clinician_id,
            profession=prof[s.clinician_id],
            day=s.day,
            block=s.block,
            start=wall_clock(s.day, blocks[s.block].start),
            end=wall_clock(s.day, blocks[s.block].end),
            kind=blocks[s.block].kind,
            site_id=blocks[s.block].site_id,
        )
        for s in solution.shifts
    ]
    visits = {v.visit_id: v for v in problem.visits}
    for f in solution.follow_ups:
        v = visits[f.visit_id]
        rows.append(
            FollowUpAssignment.model_construct(
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
    labels: Mapping[str, str] | None = None,
    deadline: float | None = None,
) -> tuple[Solution, dict[str, float | None], str | None]:
    """Solve and evaluate: the solution, the flat KPIs (with the baseline's) and a shortage note
    (blocks named by ``labels``, see :func:`shortage_message`).

    The cover-first baseline is both the reference rate and the solver's starting hint. Both
    share ``deadline`` (``time.perf_counter()``; by default the time limit from now): KPI
    ``time_limit_reached`` says whether it cut anything short.
    """
    if deadline is None and not params.deterministic:
        deadline = time.perf_counter() + params.time_limit_s
    baseline = baseline or cover_first(problem, math.inf if deadline is None else deadline)
    base_kpis = evaluate(problem, baseline)
    solution = solve(problem, params, on_progress=on_progress, hint=baseline, deadline=deadline)
    same = solution.shifts == baseline.shifts and solution.follow_ups == baseline.follow_ups
    # KPIs come "from the roster alone": a solve that kept its hint (often so at the time
    # limit) has the baseline's, and evaluating 1,000 clinicians x 366 days takes seconds
    kpis = base_kpis if same else evaluate(problem, solution)
    flat: dict[str, float | None] = {
        k: (None if v is None else float(v)) for k, v in kpis.to_dict().items()
    }
    flat["baseline_rate"] = base_kpis.continuity_rate
    flat["baseline_cover"] = base_kpis.cover
    flat["baseline_hard_violations"] = float(base_kpis.hard_violations)
    flat["baseline_mobile_site_days_unstaffed"] = float(base_kpis.mobile_site_days_unstaffed)
    flat["solve_seconds"] = solution.seconds
    flat["time_limit_reached"] = float(solution.time_limited)
    if kpis.continuity_rate is not None and base_kpis.continuity_rate is not None:
        flat["continuity_gain_points"] = 100 * (kpis.continuity_rate - base_kpis.continuity_rate)
    return solution, flat, shortage_message(problem, solution, labels=labels)


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
    out["misses_not_rostered_unexplained"] = float(summary.get("not_rostered_unexplained", 0))
    return out


#: Seconds after the solve for working out what kept index clinicians off the roster (at
#: most the time limit): the rules are read around every free slot of every such miss, ~3 ms
#: a miss, so 20,000 return visits could take a minute.
EXPLAIN_SECONDS = 5.0


#: Seconds per clinician-day for the work after the search that no time limit can skip:
#: booking follow-ups, the KPIs of the baseline and the plan, explaining misses (1 s at
#: least), the result rows: 5.9 s for 1,000 clinicians x 366 days (measured ~6 s on a 2-core
#: machine; 0.1 s for the demo's 300 x 28).
AFTER_SEARCH_SECONDS_PER_CLINICIAN_DAY = 1.6e-5


def search_deadline(problem: Problem, end: float, limit: float) -> float:
    """When the search (cover-first baseline, warm starts, solver stages) must stop so that the
    run, its KPIs and rows included, ends near ``end`` (the clock start + ``limit``): the work
    after the search is reserved in proportion to the problem's size, at most half the limit.
    """
    after = AFTER_SEARCH_SECONDS_PER_CLINICIAN_DAY * len(problem.clinicians) * problem.days
    return end - kept_after_search(after, limit, 0.5)


def explain_deadline(end: float) -> float:
    """When explaining misses must stop: by the run's ``end``, but with at least 1 s and at
    most :data:`EXPLAIN_SECONDS` from now (a search that ended early leaves the full 5 s)."""
    now = time.perf_counter()
    return now + min(EXPLAIN_SECONDS, max(1.0, end - now))


def explain_note(summary: dict[str, Any]) -> str | None:
    """A sentence on the ``not_rostered`` misses the explanation's time left unexplained."""
    n = summary.get("not_rostered_unexplained", 0)
    if not n:
        return None
    total = summary["by_reason"]["not_rostered"]
    return (
        f"{n} of {total} misses not rostered are not explained (what kept the index "
        "clinician off the roster): the time for explanations ran out"
    )


#: Our assumption: a mobile clinic needs one doctor for a full day (8 h) on each business day.
MOBILE_DAY_PROFESSION, MOBILE_DAY_HOURS = "doctor", 8.0
#: Worked hours of a mobile block (08-17 less the lunch hour, :func:`_mobile_blocks`).
MOBILE_BLOCK_HOURS = 8.0


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
                        row.site_id,
                        row.county_code,
                        day,
                        MOBILE_DAY_PROFESSION,
                        MOBILE_DAY_HOURS,
                        row.site_name,
                    )
                )
    return days


def county_names() -> dict[str, str]:
    """County names by code from the built geography (empty when it is not built: messages
    then say "county 04")."""
    try:
        frame = geo.load_counties()
    except geo.GeoDataMissingError:
        return {}
    return {str(k): str(v) for k, v in zip(frame["county_code"], frame["county_name"], strict=True)}


def site_labels(mobile_days: Sequence[MobileDay]) -> dict[str, str]:
    """Each mobile block's name for people: ``mobile:<site_id>`` -> ``mobile <site name>``."""
    return {f"mobile:{m.site_id}": f"mobile {m.site_name or m.site_id}" for m in mobile_days}


def _plural(profession: str, n: int) -> str:
    if n == 1:
        return profession
    return profession[:-2] + "ves" if profession.endswith("fe") else profession + "s"


def crew_gap_text(gap: CrewGap, counties: Mapping[str, str]) -> str:
    """Why a site-day is short of its crew, in words ("no doctor of Västmanlands län declared
    that day"; "the 2 doctors of Hallands län who declared that day are kept off it: Daily rest
    (1), crews another site that day (1)")."""
    county = gap.county_code or ""
    where = counties.get(county) or (f"county {county}" if county else "the site's county")
    kept = ", ".join(f"{rule[0].lower()}{rule[1:]} ({n})" for rule, n in gap.blocked_by)
    if gap.reason == "not_declared":
        if gap.declared == 0:
            text = f"no {gap.profession} of {where} declared that day"
        else:
            text = (
                f"only {gap.declared} {_plural(gap.profession, gap.declared)} of {where} "
                f"declared that day for a crew of {gap.crew}"
            )
        return f"{text}; kept off it: {kept}" if kept else text
    if gap.reason == "blocked":
        who = (
            f"the {gap.profession} of {where} who declared that day is"
            if gap.declared == 1
            else f"the {gap.declared} {_plural(gap.profession, gap.declared)} of {where} who "
            "declared that day are"
        )
        return f"{who} kept off it: {kept}"
    return (
        f"a {gap.profession} of {where} declared that day and no hard rule keeps them off, "
        "but the roster leaves them off (a solve stopped by its time limit)"
    )


def crew_message(
    gaps: Sequence[CrewGap],
    site_days: int,
    site_names: Mapping[str, str],
    counties: Mapping[str, str],
    limit: int = 12,
) -> str | None:
    """The site-days short of their crew with the site's name and why, or None when every
    placed unit has its crew."""
    if not gaps:
        return None
    days = sorted({(g.day, g.block) for g in gaps})
    parts = [
        f"{site_names.get(g.site_id or '', g.site_id)} {g.day} "
        f"({g.missing} of {g.crew} {_plural(g.profession, g.crew)} missing: "
        f"{crew_gap_text(g, counties)})"
        if g.crew > 1
        else f"{site_names.get(g.site_id or '', g.site_id)} {g.day} ({crew_gap_text(g, counties)})"
        for g in gaps[:limit]
    ]
    more = f"; and {len(gaps) - limit} more" if len(gaps) > limit else ""
    return (
        f"mobile units without their crew on {len(days)} of {site_days} site-days: "
        + "; ".join(parts)
        + more
    )


def crew_kpis(gaps: Sequence[CrewGap]) -> dict[str, float | None]:
    """``mobile_crew_gaps_<reason>``: crew members missing by reason (every reason, zeros too)."""
    missing: Counter[str] = Counter()
    for g in gaps:
        missing[g.reason] += g.missing
    return {f"mobile_crew_gaps_{r}": float(missing[r]) for r in CREW_REASONS}


@dataclass(frozen=True)
class PoolGap:
    """A county-day on which placed units ask for more clinicians of a profession than the
    county's clinicians who declared the day (from the pool alone, before any roster)."""

    county_code: str
    day: dt.date
    profession: str
    crews: int
    declared: int
    sites: tuple[str, ...]  # site names (ids when unknown) standing in the county that day

    @property
    def missing(self) -> int:
        """Crew members no declared clinician can supply."""
        return self.crews - self.declared


def declared_by_county_day(scenario: Scenario) -> Counter[tuple[str, str, dt.date]]:
    """Clinicians of the staffing pool per (profession, home county, day) who declared the day:
    the clinicians a mobile site-day of that county may get (the same seeded pool as
    :func:`build_problem`, over the staffing horizon)."""
    s = scenario.staffing
    pool = clinician_pool(
        s.clinicians,
        week_monday(scenario.scenario.start_week),
        s.horizon_days,
        scenario.scenario.seed,
    )
    return Counter((c.profession, c.home_county, d) for c in pool for d in c.available_days)


def pool_crew_gaps(scenario: Scenario, mobile_days: Sequence[MobileDay]) -> list[PoolGap]:
    """The county-days whose placed site-days ask for more clinicians than the county's pool
    declared that day (necessary for a crew; the rules may still keep some off), in order."""
    declared = declared_by_county_day(scenario)
    crews: Counter[tuple[str, str, dt.date]] = Counter()
    sites: defaultdict[tuple[str, str, dt.date], set[str]] = defaultdict(set)
    hours: defaultdict[tuple[str, str, dt.date, str], float] = defaultdict(float)
    for m in mobile_days:
        hours[(m.profession, m.county_code, m.day, m.site_id)] += m.hours
        sites[(m.profession, m.county_code, m.day)].add(m.site_name or m.site_id)
    for (profession, county, day, _site), h in hours.items():
        crews[(profession, county, day)] += math.ceil(h / MOBILE_BLOCK_HOURS - 1e-9)
    out = []
    for (profession, county, day), n in sorted(crews.items(), key=lambda kv: kv[0][::-1]):
        key = (profession, county, day)
        if declared[key] < n:
            out.append(
                PoolGap(county, day, profession, n, declared[key], tuple(sorted(sites[key])))
            )
    return out


def pool_gap_message(
    gaps: Sequence[PoolGap], counties: Mapping[str, str], limit: int = 12
) -> str | None:
    """The placed site-days the staffing pool cannot crew, for the placement run's message."""
    if not gaps:
        return None
    parts = []
    for g in gaps[:limit]:
        county = counties.get(g.county_code, f"county {g.county_code}")
        who = (
            f"no {g.profession}"
            if g.declared == 0
            else f"only {g.declared} {_plural(g.profession, g.declared)}"
        )
        units = f"{g.crews} units" if g.crews > 1 else "the unit"
        parts.append(f"{', '.join(g.sites)} {g.day} ({who} of {county} declared it for {units})")
    missing = sum(g.missing for g in gaps)
    more = f"; and {len(gaps) - limit} more" if len(gaps) > limit else ""
    return (
        f"staffing pool: {missing} placed unit-{'day' if missing == 1 else 'days'} in the "
        "staffing horizon cannot get a crew: " + "; ".join(parts) + more
    )


def run_staffing(
    scenario: Scenario,
    on_progress: ProgressCallback | None = None,
    context: RunContext | None = None,
) -> RunOutcome:
    """The registered staffing planner: problem from the scenario, solve, evaluate, rows."""
    if on_progress:
        on_progress(0.0, "building the staffing problem")
    mobile_days = mobile_days_from_placements(scenario, context)
    problem = build_problem(scenario, mobile_days)
    params = SolveParams(
        time_limit_s=scenario.staffing.time_limit_s, num_workers=2, seed=scenario.scenario.seed
    )
    # one deadline for the baseline, the warm starts, the model and every stage, early enough
    # for the KPIs and rows; the clock starts once the problem is built (the demo data grow
    # with the sizes, not the limit)
    end = time.perf_counter() + params.time_limit_s
    solution, kpis, note = run_problem(
        problem,
        params,
        on_progress,
        labels=site_labels(mobile_days),
        deadline=search_deadline(problem, end, params.time_limit_s),
    )
    limit_note = (
        f"time limit {params.time_limit_s:g} s reached ({solution.message})"
        if solution.time_limited
        else None
    )
    misses = explain_misses(problem, solution, explain_deadline(end))
    summary = miss_summary(misses)
    unexplained_note = explain_note(summary)
    if unexplained_note:
        kpis["time_limit_reached"] = 1.0
    gaps = explain_crews(problem, solution)
    names = {m.site_id: m.site_name or m.site_id for m in mobile_days}
    crews = crew_message(
        gaps, int(kpis["mobile_site_days"] or 0), names, county_names() if gaps else {}
    )
    stage = next((s for s in solution.stages if s.name == "continuity"), None)
    return RunOutcome(
        solver_status=solution.status,
        kpis={**kpis, **miss_kpis(summary), **crew_kpis(gaps)},
        rows=outcome_rows(problem, solution, misses),
        objective=None if stage is None or stage.objective is None else -stage.objective,
        bound=None if stage is None or stage.bound is None else -stage.bound,
        message=". ".join(m for m in (crews, note, limit_note, unexplained_note) if m) or None,
        extra={"summary": solution.summary()},
        report={
            "misses": summary,
            "mobile_crews": [
                {**g.to_dict(), "site_name": names.get(g.site_id or "", g.site_id)} for g in gaps
            ],
        },
    )


__all__ = [
    "MobileDay",
    "PoolGap",
    "break_hours",
    "build_instance",
    "build_problem",
    "county_names",
    "crew_gap_text",
    "crew_kpis",
    "crew_message",
    "declared_by_county_day",
    "explain_deadline",
    "explain_note",
    "miss_kpis",
    "outcome_rows",
    "pool_crew_gaps",
    "pool_gap_message",
    "run_problem",
    "run_staffing",
    "search_deadline",
    "shortage_message",
    "site_labels",
]
