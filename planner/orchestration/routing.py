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

Steps: mode per referral (:func:`routing.spirometry.choose_mode`), then the smallest pool per
hub (:func:`routing.fleet.fleet_size`; the search simulates with the modes' lead times and
does not solve routes for every candidate size), then the day-by-day plan with that pool where
each business day and hub gets a :class:`routing.problem.Problem` (``routing.time_limit_s`` split
evenly over the days and hubs with courier stops, at least ``MIN_DAY_SECONDS`` each); stops a
route drops go by parcel. When those parcels push a hub under the target that the search met,
the hub gets one more device and the plan is made again (at most ``MAX_REPLANS`` times), so
``devices_needed`` is the pool of the stored, routed plan and ``devices_searched`` the
lead-time search's answer. KPIs come from :func:`routing.spirometry.evaluate`.

The conversions (scenario settings to the library's, the plan to stored rows) are in
:mod:`planner.orchestration.routing_io`.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd

from planner import geo, travel
from planner.demand import Referral as DemandReferral
from planner.demand import daily_referrals, load_referrals_csv, weekly_demand
from planner.errors import ScenarioError
from planner.orchestration.context import ProgressCallback, RunContext
from planner.orchestration.routing_io import (
    calendar_for,
    courier_params,
    cycle_params,
    handover_days,
    place_names,
    route_rows,
    shipment_rows,
    solve_params,
)
from planner.scenario import RoutingParams, Scenario
from planner.storage.store import RunOutcome
from planner.weeks import week_monday
from routing import (
    Calendar,
    CourierParams,
    CycleParams,
    DayRouter,
    DayRoutes,
    FleetSize,
    Request,
    fleet_size,
    simulate,
)
from routing.spirometry import Plan, Referral, choose_mode, evaluate, plan

#: Shortest solve per day and hub, in seconds (the first solution of these small problems
#: takes milliseconds; the rest of the time is local search).
MIN_DAY_SECONDS = 0.05
#: Referrals named in a message before "and N more".
NAMED = 5
#: Times the routed plan may add a device to a hub that dropped stops pushed under the target.
MAX_REPLANS = 3


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


def _share(result: Plan, hub: str) -> float:
    loans = [x for x in result.simulation.loans if x.hub == hub]
    return sum(x.on_time for x in loans) / len(loans) if loans else 1.0


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
) -> RunOutcome:
    """The ``routing`` planner: referrals -> modes -> fleet size -> daily routes -> rows and KPIs."""
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
    requests, late = choose_modes(
        referrals, nearest, handover, cal, cycle, courier, place_names(places + hub_ids)
    )
    if late:
        notes.append(
            f"{len(late)} referrals no mode can reach in time "
            f"(routing.service_level_days = {p.service_level_days}): {_named_list(late)}"
        )
    if p.vehicles_per_hub == 0:
        notes += no_vehicle_notes(p, referrals, nearest, hub_name)

    report(0.1, "fleet size")
    fleet = fleet_size(requests, hub_ids, cal, cycle, p.on_time_target)
    for h in fleet.hubs:
        if not h.target_met:
            notes.append(
                f"hub {hub_name[h.hub]}: no pool reaches the on-time target "
                f"{p.on_time_target:.0%}; at best {h.best_share:.1%} with {h.devices} devices"
            )
    horizon = (start, start + dt.timedelta(days))
    routed = routed_plan(
        scenario, requests, fleet, hub_ids, cal, cycle, courier, source, horizon, report
    )
    return outcome(p, courier, routed, fleet.devices, source_note is not None, notes, report)


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


def choose_modes(
    referrals: Sequence[DemandReferral],
    nearest: dict[str, tuple[str, float]],
    handover: dict[str, tuple[dt.date, ...]],
    cal: Calendar,
    cycle: CycleParams,
    courier: CourierParams,
    names: dict[str, str],
) -> tuple[list[Request], list[str]]:
    """The request of each referral by the mode rule, and a line for each one no mode brings
    in time."""
    requests: list[Request] = []
    late: list[str] = []
    for r in referrals:
        place = str(r.locality_id)
        hub, minutes = nearest[place]
        choice = choose_mode(
            Referral(r.referral_id, place, r.date, hub, minutes, handover.get(place, ())),
            cal,
            cycle,
            courier,
        )
        requests.append(choice.request)
        if not choice.in_time:
            late.append(f"{r.referral_id} ({names.get(place, place)}, {r.date}): {choice.reason}")
    return requests, late


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


@dataclass(frozen=True)
class RoutedPlan:
    """The plan with routes, the pool it was made with, and the seconds per day problem."""

    result: Plan
    pools: dict[str, int]
    seconds: float


def routed_plan(
    scenario: Scenario,
    requests: Sequence[Request],
    fleet: FleetSize,
    hub_ids: Sequence[str],
    cal: Calendar,
    cycle: CycleParams,
    courier: CourierParams,
    source: travel.MatrixSource,
    horizon: tuple[dt.date, dt.date],
    report: ProgressCallback,
) -> RoutedPlan:
    """The day-by-day plan with routes; a hub that dropped stops pushed under the target the
    search met gets one more device and the plan is made again (at most ``MAX_REPLANS``)."""
    p = scenario.routing
    # split the routing time over the day problems the lead-time plan expects
    guess = simulate(requests, fleet.pools, cal, cycle)
    expected = {(x.ship, x.hub) for x in guess.loans if x.mode == "courier"}
    expected |= {(x.back, x.hub) for x in guess.loans if x.return_mode == "courier"}
    seconds = max(MIN_DAY_SECONDS, p.time_limit_s / max(1, len(expected)))
    courier_places = sorted(set(hub_ids) | {x.place for x in requests if x.mode == "courier"})
    table = source.matrix(courier_places, courier_places)
    done = [0]

    def progress(day: DayRoutes) -> None:
        done[0] += 1
        report(0.2 + 0.75 * min(1.0, done[0] / max(1, len(expected))), f"routes of {day.day}")

    pools = dict(fleet.pools)
    target_met = {h.hub: h.target_met for h in fleet.hubs}
    for attempt in range(MAX_REPLANS + 1):
        router = DayRouter(
            courier_places,
            table.minutes,
            table.km,
            courier,
            solve_params(p, seconds, scenario.scenario.seed),
            progress,
        )
        result = plan(requests, pools, cal, cycle, router, horizon)
        # routes that drop stops send them by parcel, which can push a hub under the target
        # that the lead-time search met: add a device there and plan again
        short = [
            hub
            for hub in hub_ids
            if target_met[hub] and _share(result, hub) < p.on_time_target - 1e-12
        ]
        if not short or attempt == MAX_REPLANS:
            break
        for hub in short:
            pools[hub] += 1
        done[0] = 0
        report(0.2, f"re-planning with {sum(pools.values())} devices")
    return RoutedPlan(result, pools, seconds)


def outcome(
    p: RoutingParams,
    courier: CourierParams,
    routed: RoutedPlan,
    searched: int,
    from_csv: bool,
    notes: list[str],
    report: ProgressCallback,
) -> RunOutcome:
    """KPIs, notes, status and rows of the routed plan (``searched``: the search's devices)."""
    result = routed.result
    added = sum(routed.pools.values()) - searched
    kpis = evaluate(result, p.parcel_cost_sek, courier)
    values = dict(kpis.values)
    values["on_time_target"] = p.on_time_target
    values["day_problems"] = len(result.routes)
    values["seconds_per_day_problem"] = routed.seconds
    values["devices_searched"] = searched
    values["devices_added_for_routes"] = added
    values["referrals_from_csv"] = int(from_csv)

    dropped = list(result.simulation.dropped_deliveries) + list(result.simulation.dropped_pickups)
    if dropped:
        notes.append(
            f"{len(dropped)} courier stops did not fit a route and went by parcel: {_named_list(dropped)}"
        )
    if added:
        notes.append(
            f"the routed plan needs {added} more devices than the lead-time search "
            f"({searched}) because dropped courier stops went by parcel"
        )
    if values["on_time_share"] < p.on_time_target:
        notes.append(
            f"on-time share {values['on_time_share']:.1%} is under the target {p.on_time_target:.0%}"
        )
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
        rows=[*route_rows(result.routes), *shipment_rows(result)],
        objective=values["total_cost_sek"],
        message="; ".join(notes) or None,
    )
