"""What a spirometer plan costs: the prices, the bill of a plan, and courier stop prices.

* :class:`Prices` - every price the plan pays (SEK): parcel legs, courier km, driver hours and
  routes, device capital per device-day, cleaning per loan. Defaults are our assumptions (no
  carrier publishes per-item prices); the scenario gives the values it uses.
* :func:`price_plan` - the bill of a :class:`routing.spirometry.Plan`, recomputed from its routes
  (:func:`routing.kpi.evaluate`: km, minutes, vehicles) and its loans alone: the total, the
  cost by kind, per referral and per outbound mode.
* :class:`StopPricer` - the marginal cost of one more courier stop at a place on a day, read
  from a plan's routes (the saving of removing a stop that is on a route, the cheapest insertion
  into the day's routes for one that is not, an out-and-back trip on a day without routes).
  The route's own price (``courier_per_route``) is not in it: the mode model pays it once per
  route it opens.

A courier route's cost is shared equally by its stops in the per-referral bill; a device's
capital by the referrals of its hub's pool equally. Pure: no I/O, no planner imports.
"""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, fields

import numpy as np

from routing import kpi
from routing.courier import DayRoutes
from routing.cycle import FleetError


class PriceError(FleetError):
    """A price the plan cannot use (negative or not a number); the message names it."""


@dataclass(frozen=True)
class Prices:
    """Every price of the plan, in SEK (defaults: our assumptions, see the README)."""

    parcel_leg: float = 120.0
    courier_per_km: float = 8.0
    courier_per_hour: float = 350.0
    courier_per_route: float = 600.0
    device_per_day: float = 5000.0 / (3 * 365)
    cleaning_per_loan: float = 50.0

    def __post_init__(self) -> None:
        for f in fields(self):
            value = getattr(self, f.name)
            if not (isinstance(value, int | float) and math.isfinite(value) and value >= 0):
                raise PriceError(f"prices: {f.name} is {value!r}; a price must be a number >= 0.")

    def leg(self, km: float, minutes: float) -> float:
        """The variable cost of driving ``km`` in ``minutes`` (or of ``minutes`` at a stop)."""
        return self.courier_per_km * km + self.courier_per_hour * minutes / 60.0


@dataclass(frozen=True)
class RouteBill:
    """One courier route's figures: its day, hub and vehicle, stops, km, hours and cost (SEK)."""

    day: dt.date
    hub: str
    vehicle: str
    stops: int
    km: float
    hours: float
    cost: float


@dataclass(frozen=True)
class Costs:
    """The bill of one plan (SEK). ``by_mode``: mean cost per referral of each outbound mode;
    ``routes``: each driven courier route with its own km, hours and cost."""

    courier_km: float
    courier_hours: float
    courier_routes: float
    parcels: float
    devices: float
    cleaning: float
    per_referral: Mapping[str, float]
    by_mode: Mapping[str, float]
    routes: tuple[RouteBill, ...] = ()

    @property
    def courier(self) -> float:
        """Courier routes: km, driver hours and the routes themselves."""
        return self.courier_km + self.courier_hours + self.courier_routes

    @property
    def total(self) -> float:
        """Everything the plan pays for."""
        return self.courier + self.parcels + self.devices + self.cleaning


def price_plan(plan: object, prices: Prices) -> Costs:
    """The bill of ``plan`` (a :class:`routing.spirometry.Plan`) from its routes and loans."""
    from routing.spirometry import Plan  # the plan type; spirometry imports this module

    assert isinstance(plan, Plan)
    per: dict[str, float] = {loan.request: 0.0 for loan in plan.simulation.loans}
    km_cost = hour_cost = route_cost = 0.0
    bills: list[RouteBill] = []
    for day in plan.routes:
        ev = kpi.evaluate(day.problem, day.solution)
        km_cost += prices.courier_per_km * ev.distance
        hour_cost += prices.courier_per_hour * ev.duration / 60.0
        route_cost += prices.courier_per_route * ev.vehicles
        vehicle = {v.id: k for k, v in enumerate(day.problem.vehicles)}
        for route in day.solution.routes:
            if not route.stops:
                continue
            again = kpi.schedule(day.problem, vehicle[route.vehicle], route.stops)
            cost = prices.leg(again.distance, again.duration) + prices.courier_per_route
            bills.append(
                RouteBill(
                    day.day,
                    day.hub,
                    route.vehicle,
                    len(route.stops),
                    again.distance,
                    again.duration / 60.0,
                    cost,
                )
            )
            share = cost
            for sid in route.stops:
                per[sid[2:]] = per.get(sid[2:], 0.0) + share / len(route.stops)
    legs = 0
    for loan in plan.simulation.loans:
        n = int(loan.ship is not None and loan.mode in ("parcel", "mobile"))
        n += int(loan.return_mode == "parcel")
        legs += n
        per[loan.request] += n * prices.parcel_leg + prices.cleaning_per_loan * (
            loan.ship is not None
        )
    days = (plan.horizon[1] - plan.horizon[0]).days
    devices = prices.device_per_day * days * plan.devices_needed
    served = [x for x in plan.simulation.loans if x.ship is not None]
    for loan in served:
        per[loan.request] += devices / len(served)
    cleaning = prices.cleaning_per_loan * len(served)
    by_mode: dict[str, list[float]] = {}
    for loan in plan.simulation.loans:
        by_mode.setdefault(loan.mode, []).append(per[loan.request])
    return Costs(
        km_cost,
        hour_cost,
        route_cost,
        legs * prices.parcel_leg,
        devices,
        cleaning,
        per,
        {mode: float(np.mean(v)) for mode, v in sorted(by_mode.items())},
        tuple(bills),
    )


class StopPricer:
    """The marginal variable cost (SEK) of a courier stop at a place on a day, from routes.

    ``places``, ``minutes`` and ``km``: the travel tables of every hub and courier place.
    ``routes``: the day routes of a plan (none: every stop is priced as its own round trip).
    """

    def __init__(
        self,
        places: Sequence[str],
        minutes: np.ndarray,
        km: np.ndarray,
        stop_minutes: float,
        prices: Prices,
        routes: Sequence[DayRoutes] = (),
    ) -> None:
        self.index = {p: i for i, p in enumerate(places)}
        self.minutes, self.km = np.asarray(minutes, float), np.asarray(km, float)
        self.stop_minutes, self.prices = stop_minutes, prices
        #: (day, hub) -> each route's places, hub first and last
        self.tours: dict[tuple[dt.date, str], list[list[str]]] = {}
        for day in routes:
            loc = day.problem.stops
            for route in day.solution.routes:
                if route.stops:
                    seq = [day.places[loc[day.problem.stop_index[s]].location] for s in route.stops]
                    self.tours.setdefault((day.day, day.hub), []).append([day.hub, *seq, day.hub])

    def leg(self, a: str, b: str) -> float:
        """Variable cost of driving from place ``a`` to place ``b``."""
        i, j = self.index[a], self.index[b]
        return self.prices.leg(float(self.km[i, j]), float(self.minutes[i, j]))

    def round_trip(self, hub: str, place: str) -> float:
        """A route of its own: out, the stop, back (the route's price aside)."""
        return self.leg(hub, place) + self.leg(place, hub) + self.stop_cost()

    def stop_cost(self) -> float:
        """The driver's time at one stop."""
        return self.prices.courier_per_hour * self.stop_minutes / 60.0

    def price(self, day: dt.date, hub: str, place: str) -> float:
        """On a route that day: the saving of leaving out the place's run of stops, shared by
        them; else the cheapest insertion into the day's routes; else (no route) a round trip."""
        tours = self.tours.get((day, hub), [])
        if not tours:
            return self.round_trip(hub, place)
        on_route = [tour for tour in tours if place in tour[1:-1]]
        if on_route:  # its share of the detour to the place: the saving if all its stops went
            tour = on_route[0]
            first = tour.index(place, 1)  # a stop at the hub's own place is not the hub
            last = first
            while last + 2 < len(tour) and tour[last + 1] == place:
                last += 1
            a, b = tour[first - 1], tour[last + 1]
            saving = self.leg(a, place) + self.leg(place, b) - self.leg(a, b)
            return max(0.0, saving) / (last - first + 1) + self.stop_cost()
        best = math.inf
        for tour in tours:
            for k in range(len(tour) - 1):
                a, b = tour[k], tour[k + 1]
                extra = self.leg(a, place) + self.leg(place, b) - self.leg(a, b)
                best = min(best, max(0.0, extra) + self.stop_cost())
        return best


def sek(amount: float) -> str:
    """Money in a note, as the planner's pages write it: ``1 250 SEK`` (a space between
    thousands; the library cannot use the planner's formatter)."""
    return f"{amount:,.0f}".replace(",", " ") + " SEK"


def share_text(share: float) -> str:
    """A share in a note: ``95,3 %`` (decimal comma)."""
    return f"{100 * share:.1f}".replace(".", ",") + " %"
