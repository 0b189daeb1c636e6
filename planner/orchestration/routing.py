"""Spirometer logistics run: referrals, mode per referral, fleet size, daily courier routes.

Where the data comes from (figures from ``../shared/docs/domain.md`` or marked as assumptions
in :class:`planner.scenario.RoutingParams`):

* referrals: :func:`planner.demand.daily_referrals` (seeded Poisson draws per business day and
  locality) over the scenario's weeks, or the regional planner's own list when
  ``routing.referrals_csv`` is set (:func:`planner.demand.load_referrals_csv`; the run's first
  note names the file, its sha256 and any dates moved off weekends and holidays, and the KPI
  ``referrals_from_csv`` is 1); each is due ``service_level_days`` business days later;
* hubs: ``routing.hubs`` resolved with :func:`planner.geo.find_place`; a referral is served
  from the nearest hub by drive time, and its device goes back there;
* travel: :func:`planner.travel.matrix_source` (minutes and km on the travel network);
* mobile clinics: the stored placement plan of the same scenario version (``context``): a unit
  standing within ``mobile_reach_minutes`` of the patient's place hands devices over on the
  business days of its week;
* calendar: business days of :mod:`planner.weeks` (Swedish holidays).

Steps: the referrals no mode brings in time are named (:func:`routing.spirometry.choose_mode`);
then :func:`routing.modes.solve` chooses each referral's way out and back, its ship day and the
pool of each hub by cost (prices from :func:`planner.orchestration.routing_io.prices_for`,
devices available ``routing.devices``), routing the courier stops of each business day and hub
with the VRP (``routing.time_limit_s`` split over the day problems), and computes both
baselines (courier-first, parcel-only) by the same simulation; :func:`routing.modes.evaluate`
gives the KPIs: the plan's bill by kind, per referral and per mode, and both baselines'
(``courier_first_cost_sek``, ``parcel_only_cost_sek``, ...). The run's notes compare the three
and say which referrals went by courier and why. ``devices_searched`` is the model's pool,
``devices_needed`` the stored plan's (one more device per hub where dropped courier stops
pushed it under the target).

The conversions (scenario settings to the library's, the plan to stored rows) are in
:mod:`planner.orchestration.routing_io`.
"""

from __future__ import annotations

import datetime as dt
import time
from collections.abc import Sequence

import numpy as np
import pandas as pd

from planner import geo, travel
from planner.demand import Referral as DemandReferral
from planner.demand import daily_referrals, load_referrals_csv, weekly_demand
from planner.errors import ScenarioError
from planner.kpis import format_share, format_value
from planner.orchestration.context import ProgressCallback, RunContext, kept_after_search
from planner.orchestration.routing_io import (
    calendar_for,
    courier_params,
    courier_route_rows,
    cycle_params,
    handover_days,
    mode_params,
    place_names,
    prices_for,
    route_rows,
    shipment_rows,
)
from planner.scenario import RoutingParams, Scenario
from planner.storage.store import RunOutcome
from planner.weeks import week_monday
from routing import Calendar, CourierParams, CycleParams, FleetError, modes, spirometry
from routing.modes import ModeProblem
from routing.spirometry import Referral

#: Referrals named in a message before "and N more".
NAMED = 5
#: Seconds per referral kept from the search for what follows it: the plan's evaluation, its
#: notes and rows (measured: 95,000 national referrals, 1.3 s; with half as much again for a
#: loaded machine, 1.9 s).
TAIL_SECONDS_PER_REFERRAL = 20e-6


def resolve_hubs(names: Sequence[str]) -> list[geo.Place]:
    """The hubs as places; a ScenarioError naming ``routing.hubs`` for unknown or repeated ones."""
    if not names:
        raise ScenarioError("routing.hubs: no hub is named; give at least one place name")
    places: list[geo.Place] = []
    for name in names:
        try:
            place = geo.find_place(name)
        except geo.UnknownPlaceError as exc:
            raise ScenarioError(f"routing.hubs: {exc}") from None
        if any(p.locality_id == place.locality_id for p in places):
            raise ScenarioError(
                f"routing.hubs: {name!r} is the same place as an earlier hub ({place.name})"
            )
        places.append(place)
    return places


def referrals_for(
    scenario: Scenario, localities: pd.DataFrame, start: dt.date, days: int
) -> tuple[list[DemandReferral], str | None]:
    """The run's referrals and, when they come from ``routing.referrals_csv``, a note saying so.

    Without a CSV: the demand model's seeded draws (:func:`planner.demand.daily_referrals`).
    """
    path = scenario.routing.referrals_path()
    if path is None:
        weekly = weekly_demand(localities, scenario.scenario.weeks, scenario.demand)
        return daily_referrals(weekly, start, days, scenario.scenario.seed), None
    read = load_referrals_csv(path, localities, start, days)
    note = (
        f"referrals from routing.referrals_csv {str(path)!r} (sha256 {read.sha256[:12]}): "
        f"{len(read.referrals)} referrals in {read.rows} rows"
    )
    if read.moved:
        moved = [f"line {m.line} {m.written} -> {m.used}" for m in read.moved]
        note += (
            f"; {len(read.moved)} rows dated on a weekend or holiday count from the next "
            f"business day: {_named_list(moved)}"
        )
    return list(read.referrals), note


def _named_list(items: Sequence[str]) -> str:
    more = len(items) - NAMED
    return "; ".join(items[:NAMED]) + (f"; and {more} more" if more > 0 else "")


def run_routing(
    scenario: Scenario,
    on_progress: ProgressCallback | None = None,
    context: RunContext | None = None,
    *,
    deadline: float | None = None,
) -> RunOutcome:
    """The ``routing`` planner: referrals -> modes -> fleet size -> daily routes -> rows and KPIs.

    ``deadline`` (``time.perf_counter()``): by default ``routing.time_limit_s`` from the start
    of the search."""
    report = on_progress or (lambda fraction, message: None)
    context = context or RunContext()
    p = scenario.routing
    report(0.0, "referrals and travel times")
    hubs = resolve_hubs(p.hubs)
    hub_ids = [str(h.locality_id) for h in hubs]
    hub_name = {str(h.locality_id): h.name for h in hubs}
    localities = geo.load_localities()
    start = week_monday(scenario.scenario.start_week)
    days = 7 * scenario.scenario.horizon_weeks
    referrals, source_note = referrals_for(scenario, localities, start, days)
    cal = calendar_for(start, days + 400)
    cycle, courier = cycle_params(p), courier_params(p)
    source = travel.matrix_source()

    places = sorted({str(r.locality_id) for r in referrals})
    nearest = nearest_hubs(source, hub_ids, places)
    handover = handover_days(context.placements, places, p.mobile_reach_minutes, source)
    notes: list[str] = [source_note] if source_note else []
    # the referrals as the mode rule and the mode model see them
    rule = tuple(
        Referral(r.referral_id, place, r.date, *nearest[place], handover.get(place, ()))
        for r in referrals
        for place in (str(r.locality_id),)
    )
    names = place_names(places + hub_ids)
    late = late_referrals(rule, cal, cycle, courier, names)
    if late:
        notes.append(
            f"{len(late)} referrals no mode can reach in time "
            f"(routing.service_level_days = {p.service_level_days}): {_named_list(late)}"
        )
    if p.vehicles_per_hub == 0:
        notes += no_vehicle_notes(p, referrals, nearest, hub_name)

    courier_places = sorted(
        set(hub_ids) | {pl for pl, (_, mins) in nearest.items() if mins <= p.courier_reach_minutes}
    )
    table = source.matrix(courier_places, courier_places)
    problem = ModeProblem(
        rule,
        tuple(hub_ids),
        tuple(courier_places),
        table.minutes,
        table.km,
        cal,
        cycle,
        courier,
        prices_for(p),
        (start, start + dt.timedelta(days)),
        p.on_time_target,
        p.devices,
    )
    params = mode_params(p, scenario.scenario.seed)
    # one deadline for the baselines, every pass of the mode model and every day's routes
    # (the clock starts with the search: referrals and travel tables are bounded by the
    # scenario's sizes, not by the solver)
    if deadline is None:
        deadline = time.perf_counter() + p.time_limit_s
    reserve = tail_reserve(deadline - time.perf_counter(), len(referrals))
    try:
        solution = modes.solve(
            problem,
            params,
            lambda f, m: report(0.1 + 0.85 * (f or 0.0), m),
            deadline=deadline - reserve,
        )
    except FleetError as exc:
        raise ScenarioError(f"routing: {exc}") from None
    kpis = modes.evaluate(problem, solution)
    notes += mode_notes(p, problem, solution, names, hub_name)
    if solution.time_limited:
        kept = f", {reserve:.1f} s of it kept for the plan's evaluation" if reserve >= 0.05 else ""
        notes.append(
            f"time limit reached (routing.time_limit_s = {p.time_limit_s:g} s{kept}): "
            + "; ".join(solution.cut)
            + f"; the plan is the best found by then ({solution.chosen})"
        )
    return outcome(p, solution, kpis, params, source_note is not None, notes, report)


def tail_reserve(left: float, referrals: int) -> float:
    """Seconds of the ``left`` ones the search leaves for what comes after it: the plan's
    evaluation, notes and rows, seconds on national referrals (:data:`TAIL_SECONDS_PER_REFERRAL`
    each), at most half of them."""
    return kept_after_search(TAIL_SECONDS_PER_REFERRAL * referrals, left, 0.5)


def nearest_hubs(
    source: travel.MatrixSource, hub_ids: Sequence[str], places: Sequence[str]
) -> dict[str, tuple[str, float]]:
    """Each place's nearest hub by drive time, and those minutes."""
    if not places:
        return {}
    to_places = source.matrix(list(hub_ids), list(places))
    nearest: dict[str, tuple[str, float]] = {}
    for j, place in enumerate(places):
        column = to_places.minutes[:, j]
        i = int(np.argmin(column))
        nearest[place] = (hub_ids[i], float(column[i]))
    return nearest


def late_referrals(
    rule: Sequence[Referral],
    cal: Calendar,
    cycle: CycleParams,
    courier: CourierParams,
    names: dict[str, str],
) -> list[str]:
    """A line for each referral no mode brings in time (:func:`routing.spirometry.choose_mode`)."""
    modes_in_time = spirometry.ModeRule(cal, cycle, courier)
    return [
        f"{r.id} ({names.get(r.place, r.place)}, {r.date}): {modes_in_time.choose(r).reason}"
        for r in rule
        if modes_in_time.in_time(r) is None
    ]


def no_vehicle_notes(
    p: RoutingParams,
    referrals: Sequence[DemandReferral],
    nearest: dict[str, tuple[str, float]],
    hub_name: dict[str, str],
) -> list[str]:
    """With no vehicles, a note per hub on the referrals within its courier reach."""
    reachable: dict[str, int] = {}
    for place, (hub, minutes) in nearest.items():
        if minutes <= p.courier_reach_minutes:
            reachable[hub] = reachable.get(hub, 0) + sum(
                1 for r in referrals if str(r.locality_id) == place
            )
    return [
        f"hub {hub_name[hub]} has no vehicles (routing.vehicles_per_hub = 0) but "
        f"{count} referrals are within its courier reach "
        f"({p.courier_reach_minutes:g} min); they go by mobile clinic or parcel"
        for hub, count in sorted(reachable.items())
    ]


def mode_notes(
    p: RoutingParams,
    problem: ModeProblem,
    solution: modes.ModeSolution,
    names: dict[str, str],
    hub_name: dict[str, str],
) -> list[str]:
    """The plan against both baselines, and which referrals went by courier and why."""
    best, cf, po = solution.best, solution.courier_first, solution.parcel_only

    def brief(x: modes.PricedPlan | None) -> str:
        if x is None:
            return "not made (time limit)"
        unserved = sum(loan.ship is None for loan in x.plan.simulation.loans)
        return (
            f"{format_value('total_cost_sek', x.costs.total)}, "
            f"{format_share(x.on_time_share)} on time, {x.devices} devices"
        ) + (f", {unserved} unserved" if unserved else "")

    notes = [
        f"modes by cost ({solution.chosen} plan): {brief(best)}; courier-first: {brief(cf)}; "
        f"parcel-only: {brief(po)}"
    ]
    by_id = {r.id: r for r in problem.referrals}
    went = [
        x for x in best.plan.simulation.loans if x.mode == "courier" or x.return_mode == "courier"
    ]
    if went:
        lines = [
            f"{x.request} ({names.get(x.place, x.place)}, {by_id[x.request].date}): "
            f"{solution.courier_reasons.get(x.request, 'dropped delivery, pickup kept')}"
            for x in went
        ]
        notes.append(f"{len(went)} referrals go by courier: {_named_list(lines)}")
    else:
        notes.append("no referral goes by courier: no courier stop is cheaper or needed in time")
    for name, other in (("courier-first", cf), ("parcel-only", po)):
        if other is not None and other.devices > p.devices:
            notes.append(
                f"the {name} baseline needs {other.devices} devices, more than routing.devices "
                f"= {p.devices}"
            )
    return notes


def outcome(
    p: RoutingParams,
    solution: modes.ModeSolution,
    kpis: modes.ModeKpis,
    params: modes.ModeParams,
    from_csv: bool,
    notes: list[str],
    report: ProgressCallback,
) -> RunOutcome:
    """KPIs, notes, status and rows of the plan chosen by cost."""
    result = solution.best.plan
    values = dict(kpis.values)
    values["on_time_target"] = p.on_time_target
    values["day_problems"] = len(result.routes)
    values["seconds_per_day_problem"] = (
        max(params.min_day_seconds, params.route_seconds / len(result.routes))
        if result.routes
        else 0.0
    )
    values["devices_searched"] = solution.best.searched
    values["devices_added_for_routes"] = solution.best.devices - solution.best.searched
    values["referrals_from_csv"] = int(from_csv)
    values["mode_passes"] = solution.passes
    values["mode_seconds"] = solution.seconds
    values["plan_is_baseline"] = float(solution.chosen != modes.COST)
    values["time_limit_reached"] = float(solution.time_limited)

    dropped = list(result.simulation.dropped_deliveries) + list(result.simulation.dropped_pickups)
    if dropped:
        notes.append(
            f"{len(dropped)} courier stops did not fit a route and went by parcel: {_named_list(dropped)}"
        )
    added = values["devices_added_for_routes"]
    if added:
        notes.append(
            f"the routed plan needs {added:g} more devices than its model ({solution.best.searched}) "
            "because dropped courier stops went by parcel"
        )
    if values["on_time_share"] < p.on_time_target:
        notes.append(
            f"on-time share {format_share(values['on_time_share'])} is under the target "
            f"{format_share(p.on_time_target)}"
        )
    notes.append("mode search: " + "; ".join(solution.log))
    if kpis.violations:
        notes.append(f"{len(kpis.violations)} broken rules: {_named_list(list(kpis.violations))}")
    status = (
        "infeasible"
        if kpis.violations
        else "target_missed"
        if values["on_time_share"] < p.on_time_target
        else "feasible"
    )
    report(1.0, "done")
    return RunOutcome(
        solver_status=status,
        kpis=values,
        rows=[
            *route_rows(result.routes),
            *courier_route_rows(solution.best.costs),
            *shipment_rows(result, solution.best.costs),
        ],
        objective=values["total_cost_sek"],
        message="; ".join(notes) or None,
    )
