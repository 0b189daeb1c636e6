"""The spirometer loan cycle, a day-by-day simulation of a device pool, and the fleet-size search.

Pure: dates in, loans out; no I/O, no planner imports. The caller supplies the business-day
calendar (holidays) and, optionally, a :class:`Router` that plans each day's courier routes.

The cycle of one loan (all day counts are business days unless said otherwise; ``add(d, n)``
is the ``n``-th business day after ``d``, ``add(d, 0)`` is ``d`` or the next business day):

* **ready**: the first day a device may leave the hub for the referral: the referral date
  for ``parcel`` and ``mobile``, ``add(date, courier_lead_days)`` for ``courier`` (the day's
  routes are planned the evening before);
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
  the pickup);
* **available** again: ``add(back, cleaning_days)``; a device a courier brings back on day
  ``d`` is not offered before the next business day even with ``cleaning_days = 0`` (routes
  end after the day's devices are handed out).

On time: ``device date <= add(referral date, service_level_days)``.

A :class:`Router` sees, each business day and hub, the courier deliveries and pickups of that
day and returns the ones its routes could not serve; those fall back to parcel (delivery: a
parcel sent that day; pickup: a return parcel posted that day). Without a router every courier
stop is served (the lead-time model used by the fleet search).

Fleet size (:func:`fleet_size`): per hub, the smallest pool whose simulation puts at least
``target`` of that hub's referrals on time, by binary search over the pool size (on-time
counts never fall when a device is added: first come, first served with return dates that
never move earlier when the ship day moves later). When no pool reaches the target (a
referral no mode reaches in time), the smallest pool that reaches the best possible share.
Hubs are searched one by one, so the total is the sum of per-hub minima: every hub meets the
target on its own referrals, which is slightly stricter than the target over all referrals.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import heapq
import itertools
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Literal, Protocol

Mode = Literal["courier", "parcel", "mobile"]
MODES: tuple[str, ...] = ("courier", "parcel", "mobile")
ONE_DAY = dt.timedelta(days=1)


class FleetError(ValueError):
    """Bad fleet input; the message names what is wrong and where."""


# --------------------------------------------------------------------------------------------
# Calendar
# --------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Calendar:
    """Business days: Monday to Friday except ``holidays``."""

    holidays: frozenset[dt.date] = frozenset()

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
        if n < 0:
            raise FleetError(f"calendar: cannot add {n} business days.")
        day = self.on_or_after(day)
        for _ in range(n):
            day = self.on_or_after(day + ONE_DAY)
        return day

    def between(self, start: dt.date, end: dt.date) -> int:
        """Business days ``x`` with ``start < x <= end`` (0 when ``end <= start``)."""
        count, day = 0, start + ONE_DAY
        while day <= end:
            count += self.is_business(day)
            day += ONE_DAY
        return count


# --------------------------------------------------------------------------------------------
# Problem
# --------------------------------------------------------------------------------------------


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
    (used by mode ``mobile`` only).
    """

    id: str
    hub: str
    place: str
    date: dt.date
    mode: Mode = "parcel"
    handover_days: tuple[dt.date, ...] = ()

    def __post_init__(self) -> None:
        if self.mode not in MODES:
            raise FleetError(f"request {self.id}: unknown mode {self.mode!r}; use one of {MODES}.")
        object.__setattr__(self, "handover_days", tuple(sorted(self.handover_days)))


def ready_day(request: Request, calendar: Calendar, params: CycleParams) -> dt.date:
    """The first day a device may leave the hub for ``request``."""
    lead = params.courier_lead_days if request.mode == "courier" else 0
    return calendar.add(request.date, lead)


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


# --------------------------------------------------------------------------------------------
# Result
# --------------------------------------------------------------------------------------------


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


# --------------------------------------------------------------------------------------------
# Simulation
# --------------------------------------------------------------------------------------------


def simulate(
    requests: Sequence[Request],
    pools: Mapping[str, int],
    calendar: Calendar,
    params: CycleParams,
    router: Router | None = None,
) -> Simulation:
    """Run the pool day by day until every referral is served and every device is back.

    ``pools`` gives the devices at each hub (ids ``"{hub}#{k}"``, ``k`` from 1). A request
    whose hub has no device is never served (dates ``None``).
    """
    ids = [r.id for r in requests]
    if len(set(ids)) != len(ids):
        raise FleetError("requests: an id is used twice.")
    for hub, size in pools.items():
        if size < 0:
            raise FleetError(f"pool of hub {hub}: {size} devices; it cannot be negative.")
    # free devices per hub: a heap of (available date, device id)
    free: dict[str, list[tuple[dt.date, str]]] = {
        hub: [(dt.date.min, f"{hub}#{k + 1}") for k in range(size)] for hub, size in pools.items()
    }
    for heap in free.values():
        heapq.heapify(heap)
    order = sorted(requests, key=lambda r: (r.date, r.id))
    waiting: dict[str, list[tuple[dt.date, dt.date, str, Request]]] = {}
    for r in order:
        heapq.heappush(
            waiting.setdefault(r.hub, []), (ready_day(r, calendar, params), r.date, r.id, r)
        )
    by_id = {r.id: r for r in order}
    loans: dict[str, Loan] = {}
    pending_pickups: dict[dt.date, list[tuple[Request, Loan]]] = {}
    dropped_d: list[str] = []
    dropped_p: list[str] = []
    if not order:
        return Simulation((), dict(pools))
    day = calendar.on_or_after(min(r.date for r in order))

    def serveable(hub: str) -> bool:
        return bool(waiting.get(hub)) and bool(free.get(hub))

    def finish(request: Request, loan: Loan, back: dt.date, mode: str) -> None:
        available = calendar.add(back, params.cleaning_days)
        if mode == "courier" and available <= back:
            available = calendar.add(back, 1)  # back at day's end: offered the next day
        loans[request.id] = _replace(loan, return_mode=mode, back=back, available=available)
        heapq.heappush(free[request.hub], (available, loan.device))  # type: ignore[arg-type]

    while any(serveable(h) for h in waiting) or pending_pickups:
        hubs = sorted(
            set(waiting) | {r.hub for items in pending_pickups.values() for r, _ in items}
        )
        deliveries: dict[str, list[tuple[Request, str]]] = {}
        started: dict[str, Loan] = {}
        for hub in hubs:
            queue, pool = waiting.get(hub, []), free.get(hub, [])
            # first come, first served among referrals ready today
            while queue and queue[0][0] <= day and pool and pool[0][0] <= day:
                _, _, _, request = heapq.heappop(queue)
                _, device = heapq.heappop(pool)
                mode, when = device_day(request, day, calendar, params)
                started[request.id] = Loan(
                    request.id,
                    hub,
                    request.place,
                    request.date,
                    due_day(request, calendar, params),
                    mode,
                    device,
                    day,
                    when,
                )
                if mode == "courier":
                    deliveries.setdefault(hub, []).append((request, device))
        today_pickups = pending_pickups.pop(day, [])
        by_hub_pickups: dict[str, list[tuple[Request, Loan]]] = {}
        for request, loan in today_pickups:
            by_hub_pickups.setdefault(request.hub, []).append((request, loan))
        for hub in hubs:
            out = [r for r, _ in deliveries.get(hub, [])]
            back_in = [r for r, _ in by_hub_pickups.get(hub, [])]
            lost_d: set[str] = set()
            lost_p: set[str] = set()
            if router is not None and (out or back_in):
                lost_d, lost_p = router(day, hub, out, back_in)
            for request in out:
                if request.id in lost_d:
                    dropped_d.append(request.id)
                    loan = started[request.id]
                    started[request.id] = _replace(
                        loan, mode="parcel", device_date=calendar.add(day, params.parcel_days)
                    )
            for request, loan in by_hub_pickups.get(hub, []):
                if request.id in lost_p:
                    dropped_p.append(request.id)
                    finish(request, loan, calendar.add(day, params.return_parcel_days), "parcel")
                else:
                    finish(request, loan, day, "courier")
        for rid, loan in started.items():
            assert loan.device_date is not None
            ret = calendar.on_or_after(loan.device_date + dt.timedelta(days=params.use_days))
            loan = _replace(loan, return_start=ret)
            loans[rid] = loan
            source = by_id[rid]
            if loan.mode == "courier":
                pending_pickups.setdefault(ret, []).append((source, loan))
            else:
                finish(source, loan, calendar.add(ret, params.return_parcel_days), "parcel")
        # the next business day on which anything can happen
        day = _next_event(day, calendar, waiting, free, pending_pickups)
        if day is None:
            break
    out: list[Loan] = []
    for r in requests:
        if r.id in loans:
            out.append(loans[r.id])
        else:
            out.append(Loan(r.id, r.hub, r.place, r.date, due_day(r, calendar, params), r.mode))
    return Simulation(tuple(out), dict(pools), tuple(dropped_d), tuple(dropped_p))


def _next_event(
    day: dt.date,
    calendar: Calendar,
    waiting: Mapping[str, list],
    free: Mapping[str, list],
    pending: Mapping[dt.date, list],
) -> dt.date | None:
    """The first business day after ``day`` on which a pickup is due or a device can go out."""
    candidates: list[dt.date] = list(pending)
    for hub, queue in waiting.items():
        pool = free.get(hub, [])
        if queue and pool:
            candidates.append(max(queue[0][0], pool[0][0]))
    if not candidates:
        return None
    nxt = calendar.add(day, 1)
    return max(nxt, calendar.on_or_after(min(candidates)))


def _replace(loan: Loan, **changes: object) -> Loan:
    return dataclasses.replace(loan, **changes)  # type: ignore[arg-type]


# --------------------------------------------------------------------------------------------
# Fleet size
# --------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class HubFleet:
    """The search result of one hub: smallest pool and its on-time share.

    ``best_share`` is the share with one device per referral; ``target_met`` is False when
    even that misses the target (``devices`` is then the smallest pool reaching ``best_share``).
    """

    hub: str
    referrals: int
    devices: int
    on_time_share: float
    best_share: float
    target_met: bool
    simulations: int


@dataclass(frozen=True)
class FleetSize:
    """Smallest pool per hub (each hub meets the target on its own referrals)."""

    hubs: tuple[HubFleet, ...]
    target: float

    @property
    def devices(self) -> int:
        """Total devices over all hubs."""
        return sum(h.devices for h in self.hubs)

    @property
    def pools(self) -> dict[str, int]:
        """Devices per hub."""
        return {h.hub: h.devices for h in self.hubs}

    @property
    def reachable(self) -> bool:
        """True when every hub reaches the target."""
        return all(h.target_met for h in self.hubs)


def smallest_pool(
    requests: Sequence[Request], hub: str, calendar: Calendar, params: CycleParams, target: float
) -> HubFleet:
    """Binary search for the fewest devices at ``hub`` with ``target`` of its referrals on time."""
    mine = [r for r in requests if r.hub == hub]
    n = len(mine)
    runs = 0

    def share(size: int) -> float:
        nonlocal runs
        runs += 1
        return simulate(mine, {hub: size}, calendar, params).on_time_share

    if n == 0:
        return HubFleet(hub, 0, 0, 1.0, 1.0, True, 0)
    best = share(n)  # one device per referral: nobody waits
    goal = min(target, best)
    lo, hi = 0, n  # share(hi) >= goal; find the smallest such size
    while lo < hi:
        mid = (lo + hi) // 2
        if share(mid) >= goal - 1e-12:
            hi = mid
        else:
            lo = mid + 1
    final = share(lo)
    return HubFleet(hub, n, lo, final, best, best >= target - 1e-12, runs)


def fleet_size(
    requests: Sequence[Request],
    hubs: Iterable[str],
    calendar: Calendar,
    params: CycleParams,
    target: float,
) -> FleetSize:
    """The smallest pool per hub for ``target`` (see the module docstring)."""
    if not 0 <= target <= 1:
        raise FleetError(f"fleet: target {target} is not a share in [0, 1].")
    return FleetSize(
        tuple(smallest_pool(requests, h, calendar, params, target) for h in hubs), target
    )


# --------------------------------------------------------------------------------------------
# Checks
# --------------------------------------------------------------------------------------------


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
    per_device: dict[str, list[Loan]] = {}
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
        per_device.setdefault(loan.device, []).append(loan)
        dates = [loan.ship, loan.device_date, loan.return_start, loan.back, loan.available]
        if any(d is None for d in dates) or any(a > b for a, b in itertools.pairwise(dates)):  # type: ignore[operator]
            found.append(
                CycleViolation(
                    "Cycle dates out of order",
                    f"referral {loan.request}",
                    f"ship {loan.ship}, device {loan.device_date}, use ends "
                    f"{loan.return_start}, back {loan.back}, free {loan.available}.",
                )
            )
            continue
        if loan.return_start < loan.device_date + dt.timedelta(days=params.use_days):  # type: ignore[operator]
            found.append(
                CycleViolation(
                    "Use too short",
                    f"referral {loan.request}",
                    f"the return starts {loan.return_start}, before "
                    f"{params.use_days} days of use from {loan.device_date}.",
                )
            )
        if loan.request in by_id:
            ready = ready_day(by_id[loan.request], calendar, params)
            if loan.ship < ready:  # type: ignore[operator]
                found.append(
                    CycleViolation(
                        "Shipped before ready",
                        f"referral {loan.request}",
                        f"shipped {loan.ship}, ready {ready}.",
                    )
                )
        if (
            loan.device_date <= calendar.add(loan.referral_date, params.service_level_days)
        ) != loan.on_time:  # type: ignore[operator]
            found.append(
                CycleViolation(
                    "On-time flag wrong", f"referral {loan.request}", "due date mismatch."
                )
            )
    for device, items in per_device.items():
        items = sorted(items, key=lambda x: x.ship)  # type: ignore[arg-type, return-value]
        for a, b in itertools.pairwise(items):
            if a.available is None or b.ship < a.available:  # type: ignore[operator]
                found.append(
                    CycleViolation(
                        "Device used twice at once",
                        f"device {device}",
                        f"device {device} leaves for {b.request} on {b.ship}, but is not free from "
                        f"{a.request} until {a.available}.",
                    )
                )
    return tuple(found)
