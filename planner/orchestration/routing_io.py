"""The routing run's conversions: scenario settings to the routing library, its plan to rows.

Inputs: the business-day calendar of :mod:`planner.weeks`, the loan cycle's lead times, the
courier settings, the prices (:func:`prices_for`) and the mode search's settings with the day
routes' :class:`routing.SolveParams` (:func:`mode_params`) from
:class:`planner.scenario.RoutingParams`, the days a stored mobile-clinic
placement hands devices over, place names. Outputs: the stored rows of a plan
(:class:`~planner.storage.models.RouteStop`, :class:`~planner.storage.models.Shipment`), made
with ``model_construct`` (the values are ours, typed above; SQLModel's ``__init__`` cost ~50 us a
row, seconds for a national plan's 95,000 shipments); :func:`planner.storage.store.insert_rows`
stores such rows. The run itself is :func:`planner.orchestration.routing.run_routing`.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence

import numpy as np

from planner import geo, travel
from planner.scenario import RoutingParams
from planner.storage.models import CourierRoute, Placement, RouteStop, Shipment
from planner.weeks import business_days, is_business_day, parse_iso_week
from routing import Calendar, CourierParams, CycleParams, DayRoutes, SolveParams
from routing.costs import Costs, Prices
from routing.modes import ModeParams
from routing.spirometry import Plan


def calendar_for(start: dt.date, days: int) -> Calendar:
    """Business days of :mod:`planner.weeks` from ``start`` for ``days`` days (weekends beyond)."""
    holidays = frozenset(
        start + dt.timedelta(d)
        for d in range(days)
        if (start + dt.timedelta(d)).weekday() < 5 and not is_business_day(start + dt.timedelta(d))
    )
    return Calendar(holidays)


def cycle_params(p: RoutingParams) -> CycleParams:
    """The lead times of the loan cycle from the scenario."""
    return CycleParams(
        use_days=p.use_days,
        cleaning_days=p.cleaning_days,
        parcel_days=p.parcel_days,
        return_parcel_days=p.return_parcel_days,
        courier_lead_days=p.courier_lead_days,
        service_level_days=p.service_level_days,
    )


def courier_params(p: RoutingParams) -> CourierParams:
    """The courier settings from the scenario (time windows and shift: module defaults)."""
    return CourierParams(
        vehicles_per_hub=p.vehicles_per_hub,
        capacity=p.vehicle_capacity,
        max_route_minutes=p.max_route_minutes,
        stop_minutes=p.stop_minutes,
        reach_minutes=p.courier_reach_minutes,
        cost_per_km=p.courier_cost_sek_per_km,
        cost_per_route=p.courier_cost_sek_per_route,
    )


def prices_for(p: RoutingParams) -> Prices:
    """Every price of the plan from the scenario (each key's source or "our assumption" is in
    :class:`planner.scenario.RoutingParams` and :mod:`planner.scenario_costs`)."""
    return Prices(
        parcel_leg=p.parcel_cost_sek,
        courier_per_km=p.courier_cost_sek_per_km,
        courier_per_hour=p.courier_cost_sek_per_hour,
        courier_per_route=p.courier_cost_sek_per_route,
        device_per_day=p.device_cost_sek_per_day,
        cleaning_per_loan=p.cleaning_cost_sek,
    )


def mode_params(p: RoutingParams, seed: int) -> ModeParams:
    """The mode search's settings: passes and seconds per model pass, routing time, seed, and
    the courier routes' engine (``routing.engine`` when the scenario sets it, else the
    library's default engine)."""
    routing = SolveParams(seed=seed)
    return ModeParams(
        passes=p.mode_passes,
        model_seconds=p.mode_time_limit_s,
        route_seconds=p.time_limit_s,
        seed=seed,
        routing=routing if p.engine is None else routing.replace(engine=p.engine),
    )


def handover_days(
    placements: Sequence[Placement],
    places: Sequence[str],
    reach: float,
    source: travel.MatrixSource,
) -> dict[str, tuple[dt.date, ...]]:
    """Business days a mobile clinic stands within ``reach`` minutes of each place."""
    if not placements or not places:
        return {}
    sites = sorted({p.site_id for p in placements})
    table = source.matrix(sites, list(places))
    near = {
        site: {places[int(j)] for j in np.flatnonzero(table.minutes[i] <= reach)}
        for i, site in enumerate(sites)
    }
    out: dict[str, set[dt.date]] = {}
    for row in placements:
        days = business_days(*parse_iso_week(row.week))
        for place in near[row.site_id]:
            out.setdefault(place, set()).update(days)
    return {place: tuple(sorted(days)) for place, days in out.items()}


def place_names(ids: Sequence[str]) -> dict[str, str]:
    """The locality name of each id in ``ids`` (ids with no locality are left out)."""
    localities = geo.load_localities()
    wanted = set(ids)
    return {
        str(int(r.locality_id)): str(r.name)
        for r in localities.itertuples()
        if str(int(r.locality_id)) in wanted
    }


def route_rows(days: Sequence[DayRoutes]) -> list[RouteStop]:
    """One row per start, stop and end of every route, in visiting order."""
    rows: list[RouteStop] = []
    for day in days:
        stops = {s.id: s for s in day.problem.stops}
        hub = day.hub
        for route in day.solution.routes:
            if not route.stops:
                continue
            rid = route_id(day.day, hub, route.vehicle)
            rows.append(_stop_row(day, rid, 0, "start", hub, route.departure, route.start_load))
            for k, sid in enumerate(route.stops):
                place = day.places[day.problem.stops[day.problem.stop_index[sid]].location]
                kind = "delivery" if stops[sid].delivery else "pickup"
                minute, load = route.arrivals[k], route.loads[k]
                rows.append(_stop_row(day, rid, k + 1, kind, place, minute, load, sid[2:]))
            end = len(route.stops) + 1
            rows.append(_stop_row(day, rid, end, "end", hub, route.end, route.loads[-1]))
    return rows


def route_id(day: dt.date, hub: str, vehicle: str) -> str:
    """The stored id of a courier route: its day, hub and vehicle."""
    return f"{day.isoformat()}-{hub}-{vehicle}"


def courier_route_rows(costs: Costs) -> list[CourierRoute]:
    """One row per driven courier route: stops, km, driver hours and cost."""
    return [
        CourierRoute.model_construct(  # run_id is set by store.finish_run
            day=r.day,
            route_id=route_id(r.day, r.hub, r.vehicle),
            hub_id=r.hub,
            stops=r.stops,
            km=r.km,
            hours=r.hours,
            cost_sek=r.cost,
        )
        for r in costs.routes
    ]


def _stop_row(
    day: DayRoutes,
    route_id: str,
    seq: int,
    kind: str,
    place: str,
    minute: float,
    load: int,
    referral: str | None = None,
) -> RouteStop:
    return RouteStop.model_construct(  # run_id is set by store.finish_run
        day=day.day,
        route_id=route_id,
        hub_id=day.hub,
        seq=seq,
        kind=kind,
        place_id=place,
        referral_id=referral,
        arrival_minute=minute,
        load=load,
    )


def shipment_rows(result: Plan, costs: Costs | None = None) -> list[Shipment]:
    """One row per referral: modes, dates, whether it was on time, and its share of the bill."""
    return [
        Shipment.model_construct(  # run_id is set by store.finish_run
            referral_id=x.request,
            locality_id=x.place,
            mode=x.mode,
            referral_date=x.referral_date,
            ship_date=x.ship,
            device_date=x.device_date,
            return_date=x.back,
            on_time=x.on_time,
            return_mode=x.return_mode,
            cost_sek=None if costs is None else costs.per_referral.get(x.request),
        )
        for x in result.simulation.loans
    ]
