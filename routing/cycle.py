"""The spirometer loan cycle: its calendar, lead times, referrals, loans and their check.

Pure: dates in, loans out; no I/O, no planner imports. The day-by-day simulation of a device
pool and the fleet-size search are in :mod:`routing.fleet`; this module holds the data they
share and :func:`check_cycle`, which re-checks a simulation from its dates alone.

The cycle of one loan (all day counts are business days unless said otherwise; ``add(d, n)``
is the ``n``-th business day after ``d``, ``add(d, 0)`` is ``d`` or the next business day):

* **ready**: the first day a device may leave the hub for the referral: the referral date
  for ``parcel`` and ``mobile``, ``add(date, courier_lead_days)`` for ``courier`` (the day's
  routes are planned the evening before); a request's ``ship_from`` may hold it later;
* **ship**: the first business day ``>= ready`` on which a clean device is free at the hub;
  free devices go to waiting referrals first come, first served (by referral date, then id);
* **device date** (in the patient's hands): ``courier``: the ship day (the route delivers it);
  ``parcel``: ``add(ship, parcel_days)``; ``mobile``: the first hand-over day of the referral
  (a business day a mobile clinic stands within reach) on or after ``add(ship, parcel_days)``
  (the device goes to the unit as a parcel); with no such day left it goes as a plain parcel;
* **use**: ``use_days`` calendar days from the device date; the return starts on the first
  business day on or after ``device date + use_days`` (``return_start``);
* **back** at the hub: the same day for a courier pickup (the route of ``return_start``),
  else ``add(return_start, return_parcel_days)`` by return parcel (also when a route drops
  the pickup); the return mode is the request's ``return_mode``, by default a courier pickup
  after a courier delivery;
* **available** again: ``add(back, cleaning_days)``; a device a courier brings back on day
  ``d`` is not offered before the next business day even with ``cleaning_days = 0`` (routes
  end after the day's devices are handed out).

On time: ``device date <= add(referral date, service_level_days)``.

:func:`check_cycle` names every broken rule of the cycle: "Device used twice at once",
"Unknown device", "Shipped before ready", "Cycle dates out of order", "Use too short",
"On-time flag wrong".
"""

from __future__ import annotations

import datetime as dt
import itertools
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Literal, Protocol

Mode = Literal["courier", "parcel", "mobile"]
MODES: tuple[str, ...] = ("courier", "parcel", "mobile")
#: Return modes of a :class:`Request` ("" is the default: courier after a courier delivery).
RETURN_MODES: tuple[str, ...] = ("", "courier", "parcel")
ONE_DAY = dt.timedelta(days=1)


class FleetError(ValueError):
    """Bad fleet input; the message names what is wrong and where."""


@dataclass(frozen=True)
class Calendar:
    """Business days: Monday to Friday except ``holidays``."""

    holidays: frozenset[dt.date] = frozenset()
    # (day, n) -> add(day, n): a simulation asks the same few hundred questions ~10^5 times
    _added: dict[tuple[dt.date, int], dt.date] = field(
        default_factory=dict, init=False, repr=False, compare=False, hash=False
    )

    def is_business(self, day: dt.date) -> bool:
        """True on a weekday that is not a holiday."""
        return day.weekday() < 5 and day not in self.holidays

    def on_or_after(self, day: dt.date) -> dt.date:
        """``day`` if it is a business day, else the next one."""
        while not self.is_business(day):
            day += ONE_DAY
        return day

    def add(self, day: dt.date, n: int) -> dt.date:
        """The ``n``-th business day after ``day``; ``n = 0`` is :meth:`on_or_after`."""
        known = self._added.get((day, n))
        if known is not None:
            return known
        if n < 0:
            raise FleetError(f"calendar: cannot add {n} business days.")
        found = self.on_or_after(day)
        for _ in range(n):
            found = self.on_or_after(found + ONE_DAY)
        self._added[day, n] = found
        return found

    def between(self, start: dt.date, end: dt.date) -> int:
        """Business days ``x`` with ``start < x <= end`` (0 when ``end <= start``)."""
        count, day = 0, start + ONE_DAY
        while day <= end:
            count += self.is_business(day)
            day += ONE_DAY
        return count


@dataclass(frozen=True)
class CycleParams:
    """Lead times of the loan cycle (see the module docstring for how each is used)."""

    use_days: int = 14
    cleaning_days: int = 1
    parcel_days: int = 1
    return_parcel_days: int = 3
    courier_lead_days: int = 1
    service_level_days: int = 3

    def __post_init__(self) -> None:
        for name in (
            "use_days",
            "cleaning_days",
            "parcel_days",
            "return_parcel_days",
            "courier_lead_days",
            "service_level_days",
        ):
            if getattr(self, name) < 0:
                raise FleetError(f"cycle: {name} is {getattr(self, name)}; it cannot be negative.")


@dataclass(frozen=True)
class Request:
    """A referral that needs a device: from ``hub``, to ``place``, by ``mode``.

    ``handover_days`` are the business days a mobile clinic stands within reach of ``place``
    (used by mode ``mobile`` only). ``return_mode`` is how the device comes back: ``courier``
    (a pickup on the route of the day its use ends) or ``parcel``; empty means the default,
    a courier pickup after a courier delivery and a return parcel otherwise. ``ship_from``, when
    set, holds the device at the hub until that day (a plan that serves another referral first).
    """

    id: str
    hub: str
    place: str
    date: dt.date
    mode: Mode = "parcel"
    handover_days: tuple[dt.date, ...] = ()
    return_mode: str = ""
    ship_from: dt.date | None = None

    def __post_init__(self) -> None:
        if self.mode not in MODES:
            raise FleetError(f"request {self.id}: unknown mode {self.mode!r}; use one of {MODES}.")
        if self.return_mode not in RETURN_MODES:
            raise FleetError(
                f"request {self.id}: unknown return mode {self.return_mode!r}; "
                f"use one of {RETURN_MODES}."
            )
        object.__setattr__(self, "handover_days", tuple(sorted(self.handover_days)))

    def returns_by(self, out_mode: str) -> str:
        """The return mode of a device that went out by ``out_mode``."""
        if self.return_mode:
            return self.return_mode
        return "courier" if out_mode == "courier" else "parcel"


def ready_day(request: Request, calendar: Calendar, params: CycleParams) -> dt.date:
    """The first day a device may leave the hub for ``request``."""
    lead = params.courier_lead_days if request.mode == "courier" else 0
    ready = calendar.add(request.date, lead)
    if request.ship_from is not None and request.ship_from > ready:
        return calendar.on_or_after(request.ship_from)
    return ready


def due_day(request: Request, calendar: Calendar, params: CycleParams) -> dt.date:
    """The last day the device may reach the patient and still be on time."""
    return calendar.add(request.date, params.service_level_days)


def device_day(
    request: Request, ship: dt.date, calendar: Calendar, params: CycleParams
) -> tuple[str, dt.date]:
    """(out mode, device date) for a device that leaves the hub on ``ship`` (courier served)."""
    if request.mode == "courier":
        return "courier", ship
    arrives = calendar.add(ship, params.parcel_days)
    if request.mode == "mobile":
        for day in request.handover_days:
            if day >= arrives and calendar.is_business(day):
                return "mobile", day
    return "parcel", arrives


def earliest_device_day(request: Request, calendar: Calendar, params: CycleParams) -> dt.date:
    """The device date with a device free at once (an unlimited pool)."""
    return device_day(request, ready_day(request, calendar, params), calendar, params)[1]


@dataclass(frozen=True)
class Loan:
    """One referral's device: which device, how it went out and came back, and when.

    Dates are ``None`` for a referral that never got a device (an empty pool).
    ``mode`` is the way it actually went out (a courier delivery dropped by the routes is a
    ``parcel``); ``return_mode`` is ``courier`` (picked up on a route) or ``parcel``.
    """

    request: str
    hub: str
    place: str
    referral_date: dt.date
    due: dt.date
    mode: str
    device: str | None = None
    ship: dt.date | None = None
    device_date: dt.date | None = None
    return_mode: str | None = None
    return_start: dt.date | None = None
    back: dt.date | None = None
    available: dt.date | None = None

    @property
    def on_time(self) -> bool:
        """Device in the patient's hands by the due day."""
        return self.device_date is not None and self.device_date <= self.due


class Router(Protocol):
    """Plans one day's courier routes from one hub; returns the stops it could not serve."""

    def __call__(
        self, day: dt.date, hub: str, deliveries: Sequence[Request], pickups: Sequence[Request]
    ) -> tuple[set[str], set[str]]:
        """(dropped delivery request ids, dropped pickup request ids)."""
        ...


@dataclass(frozen=True)
class Simulation:
    """The loans of one simulation (in request order) and the pool per hub."""

    loans: tuple[Loan, ...]
    pools: Mapping[str, int]
    dropped_deliveries: tuple[str, ...] = ()
    dropped_pickups: tuple[str, ...] = ()

    @property
    def on_time(self) -> int:
        """Number of referrals on time."""
        return sum(loan.on_time for loan in self.loans)

    @property
    def on_time_share(self) -> float:
        """Share of referrals on time (1.0 with no referral)."""
        return self.on_time / len(self.loans) if self.loans else 1.0


@dataclass(frozen=True)
class CycleViolation:
    """One broken rule of the device cycle: its name, where, and a sentence."""

    rule: str
    where: str
    message: str


def check_cycle(
    simulation: Simulation,
    calendar: Calendar,
    params: CycleParams,
    requests: Sequence[Request] | None = None,
) -> tuple[CycleViolation, ...]:
    """Re-check the loans from their dates alone.

    Rules: "Device used twice at once" (a device's [ship, available) intervals overlap),
    "Unknown device" (not in its hub's pool), "Shipped before ready", "Cycle dates out of
    order", "Use too short" (return before ``device date + use_days``), "On-time flag wrong".
    """
    found: list[CycleViolation] = []
    by_id = {r.id: r for r in requests or ()}
    per_device: dict[str, list[tuple[dt.date, Loan]]] = {}
    for loan in simulation.loans:
        if loan.ship is None:
            continue
        assert loan.device is not None
        hub, _, k = loan.device.rpartition("#")
        if hub != loan.hub or not k.isdigit() or not 1 <= int(k) <= simulation.pools.get(hub, 0):
            found.append(
                CycleViolation(
                    "Unknown device",
                    f"referral {loan.request}",
                    f"device {loan.device} is not in the pool of hub {loan.hub}.",
                )
            )
        per_device.setdefault(loan.device, []).append((loan.ship, loan))
        request = by_id.get(loan.request)
        ready = ready_day(request, calendar, params) if request is not None else None
        found += loan_date_violations(loan, ready, calendar, params)
    for device, items in per_device.items():
        found += device_overlaps(device, [loan for _, loan in sorted(items, key=lambda x: x[0])])
    return tuple(found)


def loan_date_violations(
    loan: Loan, ready: dt.date | None, calendar: Calendar, params: CycleParams
) -> list[CycleViolation]:
    """ "Cycle dates out of order" (or missing), "Use too short", "Shipped before ready" (when
    the ``ready`` day of the request is known) and "On-time flag wrong" of one shipped loan."""
    where = f"referral {loan.request}"
    ship, device, use_end = loan.ship, loan.device_date, loan.return_start
    back, available = loan.back, loan.available
    if (
        ship is None
        or device is None
        or use_end is None
        or back is None
        or available is None
        or not ship <= device <= use_end <= back <= available
    ):
        return [
            CycleViolation(
                "Cycle dates out of order",
                where,
                f"ship {ship}, device {device}, use ends {use_end}, back {back}, free {available}.",
            )
        ]
    found: list[CycleViolation] = []
    if use_end < device + dt.timedelta(days=params.use_days):
        found.append(
            CycleViolation(
                "Use too short",
                where,
                f"the return starts {use_end}, before {params.use_days} days of use from {device}.",
            )
        )
    if ready is not None and ship < ready:
        found.append(
            CycleViolation("Shipped before ready", where, f"shipped {ship}, ready {ready}.")
        )
    if (device <= calendar.add(loan.referral_date, params.service_level_days)) != loan.on_time:
        found.append(CycleViolation("On-time flag wrong", where, "due date mismatch."))
    return found


def device_overlaps(device: str, loans: Sequence[Loan]) -> list[CycleViolation]:
    """ "Device used twice at once": a loan of ``device`` (``loans`` in ship order) leaves
    before the previous one is free again."""
    found: list[CycleViolation] = []
    for a, b in itertools.pairwise(loans):
        if a.available is None or (b.ship is not None and b.ship < a.available):
            found.append(
                CycleViolation(
                    "Device used twice at once",
                    f"device {device}",
                    f"device {device} leaves for {b.request} on {b.ship}, but is not free from "
                    f"{a.request} until {a.available}.",
                )
            )
    return found
