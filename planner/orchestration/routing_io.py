"""The routing run's conversions: scenario settings to the routing library, its plan to rows.

Inputs: the business-day calendar of :mod:`planner.weeks`, the loan cycle's lead times and the
courier settings from :class:`planner.scenario.RoutingParams`, the days a stored mobile-clinic
placement hands devices over, place names. Outputs: the stored rows of a plan
(:class:`~planner.storage.models.RouteStop`, :class:`~planner.storage.models.Shipment`). The
run itself is :func:`planner.orchestration.routing.run_routing`.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence

import numpy as np

from planner import geo, travel
from planner.scenario import RoutingParams
from planner.storage.models import Placement, RouteStop, Shipment
from planner.weeks import business_days, is_business_day, parse_iso_week
from routing import Calendar, CourierParams, CycleParams, DayRoutes, SolveParams
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


def solve_params(p: RoutingParams, seconds: float, seed: int) -> SolveParams:
    """The routing search of the courier routes: ``seconds`` per day, the scenario's seed, and
    ``routing.engine`` when the scenario sets it (else the library's default engine)."""
    params = SolveParams(time_limit=seconds, seed=seed)
    return params if p.engine is None else params.replace(engine=p.engine)


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
            rid = f"{day.day.isoformat()}-{hub}-{route.vehicle}"
            rows.append(_stop_row(day, rid, 0, "start", hub, route.departure, route.start_load))
            for k, sid in enumerate(route.stops):
                place = day.places[day.problem.stops[day.problem.stop_index[sid]].location]
                kind = "delivery" if stops[sid].delivery else "pickup"
                minute, load = route.arrivals[k], route.loads[k]
                rows.append(_stop_row(day, rid, k + 1, kind, place, minute, load, sid[2:]))
            end = len(route.stops) + 1
            rows.append(_stop_row(day, rid, end, "end", hub, route.end, route.loads[-1]))
    return rows


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
    return RouteStop(  # type: ignore[call-arg]  # run_id is set by store.finish_run
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


def shipment_rows(result: Plan) -> list[Shipment]:
    """One row per referral: mode, dates and whether it was on time."""
    return [
        Shipment(  # type: ignore[call-arg]  # run_id is set by store.finish_run
            referral_id=x.request,
            locality_id=x.place,
            mode=x.mode,
            referral_date=x.referral_date,
            ship_date=x.ship,
            device_date=x.device_date,
            return_date=x.back,
            on_time=x.on_time,
        )
        for x in result.simulation.loans
    ]
