"""A day-by-day simulation of a spirometer pool (:func:`simulate`) and the fleet-size search.

Pure: dates in, loans out; no I/O, no planner imports. The caller supplies the business-day
calendar (holidays) and, optionally, a :class:`~routing.cycle.Router` that plans each day's
courier routes. The rules of one loan's cycle are in :mod:`routing.cycle`.

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

Without a router (every fleet search, and any plan without a courier leg) the hubs never meet
and no courier stop is dropped: each hub serves its referrals in queue order, each from the
device free first. :class:`Shelf` computes those loans referral by referral (no day loop, the
dates of a ship day computed once) and gives the same loans as the day-by-day run
(:func:`simulate_day_by_day`); :func:`simulate` and :func:`smallest_pool` take it when they can.
"""

from __future__ import annotations

import bisect
import dataclasses
import datetime as dt
import heapq
import math
import time
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass

from routing.cycle import (
    Calendar,
    CycleParams,
    FleetError,
    Loan,
    Request,
    Router,
    Simulation,
    device_day,
    due_day,
    ready_day,
)

#: A hub's free devices: a heap of (available date, device id).
FreeHeap = list[tuple[dt.date, str]]
#: A hub's waiting referrals: a heap of (ready day, referral date, id, request).
WaitingHeap = list[tuple[dt.date, dt.date, str, Request]]
#: Courier pickups due on a day: (request, its loan so far).
Pickup = tuple[Request, Loan]


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
    if not requests:
        return Simulation((), dict(pools))
    if shelf_fits(requests, params, router):  # nothing to ask a router: the same loans, sooner
        return Shelf(requests, calendar, params).simulation(pools)
    return simulate_day_by_day(requests, pools, calendar, params, router)


def simulate_day_by_day(
    requests: Sequence[Request],
    pools: Mapping[str, int],
    calendar: Calendar,
    params: CycleParams,
    router: Router | None = None,
) -> Simulation:
    """:func:`simulate` as the pool runs: business day after business day, every hub's
    hand-outs, courier routes and returns of the day (any request; the reference that
    :class:`Shelf` is tested against). ``requests`` non-empty, ids unique."""
    run = _Run(requests, pools, calendar, params, router)
    day: dt.date | None = calendar.on_or_after(min(r.date for r in requests))
    while day is not None and run.busy():
        run.step(day)
        day = run.next_event(day)
    loans = [
        run.loans.get(r.id)
        or Loan(r.id, r.hub, r.place, r.date, due_day(r, calendar, params), r.mode)
        for r in requests
    ]
    return Simulation(tuple(loans), dict(pools), tuple(run.dropped_d), tuple(run.dropped_p))


def has_courier_leg(request: Request) -> bool:
    """The request's device goes out or comes back on a courier route."""
    return request.mode == "courier" or request.return_mode == "courier"


def shelf_fits(requests: Sequence[Request], params: CycleParams, router: object = None) -> bool:
    """:class:`Shelf` gives :func:`simulate`'s loans: no courier leg, or no router and every
    courier pickup due after its ship day (``use_days >= 1``)."""
    if not any(map(has_courier_leg, requests)):
        return True
    return router is None and params.use_days >= 1


#: One served loan of :class:`Shelf`: device, ship day, out mode, device date, return mode,
#: return start, back, available.
ShelfLoan = tuple[str, dt.date, str, dt.date, str, dt.date, dt.date, dt.date]


class Shelf:
    """:func:`simulate` without a router, referral by referral instead of day by day.

    With no router every courier stop is served and nothing one hub does touches another: a hub
    hands out its devices in queue order (ready day, referral date, id), each referral's on the
    first day ``>=`` its ready day, and the previous hand-out's, on which a device is free; the
    device free first (then by id) goes. A device that is free on the day it left (every lead
    time 0) is on the shelf from the next business day, as in the day-by-day run; a courier
    pickup must fall after the ship day (``use_days >= 1``, see :func:`shelf_fits`). The queue
    and the due days are computed once, a loan's dates once per ship or device day, so that a
    fleet search can run the same requests with many pool sizes.
    """

    def __init__(
        self, requests: Sequence[Request], calendar: Calendar, params: CycleParams
    ) -> None:
        if not shelf_fits(requests, params):
            raise FleetError(
                "shelf: a courier pickup on the ship day (use_days = 0); use simulate()."
            )
        self.requests = tuple(requests)
        self.calendar, self.params = calendar, params
        #: hub -> its queue: (ready day, referral date, id, request), in hand-out order
        self.queues: dict[str, list[tuple[dt.date, dt.date, str, Request]]] = {}
        for r in requests:
            self.queues.setdefault(r.hub, []).append(
                (ready_day(r, calendar, params), r.date, r.id, r)
            )
        for queue in self.queues.values():
            queue.sort(key=lambda q: (q[0], q[1], q[2]))
        self.due = {r.id: due_day(r, calendar, params) for r in requests}
        # (device date, return mode) -> (return start, back, available); ship -> parcel's arrival
        self._back: dict[tuple[dt.date, str], tuple[dt.date, dt.date, dt.date]] = {}
        self._parcel: dict[dt.date, dt.date] = {}

    def _returned(self, device_date: dt.date, mode: str) -> tuple[dt.date, dt.date, dt.date]:
        """(return start, back, available) of a device in the patient's hands on
        ``device_date`` that comes back by ``mode`` (a courier pickup is never dropped)."""
        known = self._back.get((device_date, mode))
        if known is None:
            cal, p = self.calendar, self.params
            start = cal.on_or_after(device_date + dt.timedelta(days=p.use_days))
            back = start if mode == "courier" else cal.add(start, p.return_parcel_days)
            available = cal.add(back, p.cleaning_days)
            if mode == "courier" and available <= back:
                available = cal.add(back, 1)  # back at day's end: offered the next day
            known = self._back[device_date, mode] = (start, back, available)
        return known

    def _out(self, request: Request, ship: dt.date) -> tuple[str, dt.date]:
        """(out mode, device date) of a device shipped on ``ship``: :func:`device_day`."""
        if request.mode == "courier":
            return "courier", ship
        arrives = self._parcel.get(ship)
        if arrives is None:
            arrives = self._parcel[ship] = self.calendar.add(ship, self.params.parcel_days)
        if request.mode == "mobile":
            days = request.handover_days
            for day in days[bisect.bisect_left(days, arrives) :]:
                if self.calendar.is_business(day):
                    return "mobile", day
        return "parcel", arrives

    def hub_loans(self, hub: str, size: int) -> list[ShelfLoan | None]:
        """The loans of ``hub``'s queue (in queue order) with ``size`` devices; ``None`` for
        a referral that never gets one (no device)."""
        queue = self.queues.get(hub, [])
        if size <= 0:
            return [None] * len(queue)
        free = [(dt.date.min, f"{hub}#{k + 1}") for k in range(size)]
        heapq.heapify(free)  # by id as text: "hub#10" before "hub#2", as in the day-by-day run
        held: list[tuple[dt.date, str]] = []  # shipped today: on the shelf from tomorrow
        today = dt.date.min
        out: list[ShelfLoan | None] = []
        add = self.calendar.add
        for ready, _, _, request in queue:
            day = ready if ready > today else today
            while True:
                if held and day > today:
                    for item in held:
                        heapq.heappush(free, item)
                    held.clear()
                if free and free[0][0] <= day:
                    break
                if held:  # nothing free today: the next business day, or when one is free
                    for item in held:
                        heapq.heappush(free, item)
                    held.clear()
                    day = max(add(today, 1), free[0][0])
                else:
                    day = free[0][0]
            _, device = heapq.heappop(free)
            mode, when = self._out(request, day)
            back_by = request.returns_by(mode)
            start, back, available = self._returned(when, back_by)
            held.append((available, device))
            today = day
            out.append((device, day, mode, when, back_by, start, back, available))
        return out

    def on_time(self, hub: str, size: int) -> tuple[int, list[ShelfLoan | None]]:
        """The number of ``hub``'s referrals on time with ``size`` devices, and the loans."""
        loans = self.hub_loans(hub, size)
        due = self.due
        count = sum(
            1
            for (_, _, rid, _), x in zip(self.queues.get(hub, []), loans, strict=True)
            if x is not None and x[3] <= due[rid]
        )
        return count, loans

    def simulation(self, pools: Mapping[str, int]) -> Simulation:
        """The same :class:`Simulation` as :func:`simulate` (loans in request order)."""
        for hub, size in pools.items():
            if size < 0:
                raise FleetError(f"pool of hub {hub}: {size} devices; it cannot be negative.")
        made: dict[str, Loan] = {}
        for hub, queue in self.queues.items():
            loans = self.hub_loans(hub, pools.get(hub, 0))
            for (_, _, rid, r), x in zip(queue, loans, strict=True):
                due = self.due[rid]
                if x is None:
                    made[rid] = Loan(rid, hub, r.place, r.date, due, r.mode)
                else:
                    made[rid] = Loan(rid, hub, r.place, r.date, due, x[2], x[0], x[1], x[3], *x[4:])
        return Simulation(tuple(made[r.id] for r in self.requests), dict(pools))


class _Run:
    """The state of one :func:`simulate`: free devices, waiting referrals, pickups due, loans."""

    def __init__(
        self,
        requests: Sequence[Request],
        pools: Mapping[str, int],
        calendar: Calendar,
        params: CycleParams,
        router: Router | None,
    ) -> None:
        self.calendar, self.params, self.router = calendar, params, router
        self.free: dict[str, FreeHeap] = {
            hub: [(dt.date.min, f"{hub}#{k + 1}") for k in range(size)]
            for hub, size in pools.items()
        }
        for heap in self.free.values():
            heapq.heapify(heap)
        order = sorted(requests, key=lambda r: (r.date, r.id))
        self.waiting: dict[str, WaitingHeap] = {}
        for r in order:
            heapq.heappush(
                self.waiting.setdefault(r.hub, []),
                (ready_day(r, calendar, params), r.date, r.id, r),
            )
        self.by_id = {r.id: r for r in order}
        self.loans: dict[str, Loan] = {}
        self.pending_pickups: dict[dt.date, list[Pickup]] = {}
        self.dropped_d: list[str] = []
        self.dropped_p: list[str] = []

    def busy(self) -> bool:
        """A referral can still get a device, or a courier pickup is still due."""
        servable = any(bool(q) and bool(self.free.get(h)) for h, q in self.waiting.items())
        return servable or bool(self.pending_pickups)

    def step(self, day: dt.date) -> None:
        """One business day: hand devices out, plan the courier routes, schedule the returns."""
        hubs = sorted(
            set(self.waiting) | {r.hub for items in self.pending_pickups.values() for r, _ in items}
        )
        started, deliveries = self.hand_out(day, hubs)
        pickups: dict[str, list[Pickup]] = {}
        for request, loan in self.pending_pickups.pop(day, []):
            pickups.setdefault(request.hub, []).append((request, loan))
        for hub in hubs:
            self.route(day, hub, deliveries.get(hub, []), pickups.get(hub, []), started)
        for rid, loan in started.items():
            self.start_use(rid, loan)

    def hand_out(
        self, day: dt.date, hubs: Sequence[str]
    ) -> tuple[dict[str, Loan], dict[str, list[Request]]]:
        """Free devices to referrals ready today, first come, first served: the loans started
        and each hub's courier deliveries."""
        started: dict[str, Loan] = {}
        deliveries: dict[str, list[Request]] = {}
        for hub in hubs:
            queue, pool = self.waiting.get(hub, []), self.free.get(hub, [])
            while queue and queue[0][0] <= day and pool and pool[0][0] <= day:
                _, _, _, request = heapq.heappop(queue)
                _, device = heapq.heappop(pool)
                mode, when = device_day(request, day, self.calendar, self.params)
                started[request.id] = Loan(
                    request.id,
                    hub,
                    request.place,
                    request.date,
                    due_day(request, self.calendar, self.params),
                    mode,
                    device,
                    day,
                    when,
                )
                if mode == "courier":
                    deliveries.setdefault(hub, []).append(request)
        return started, deliveries

    def route(
        self,
        day: dt.date,
        hub: str,
        out: list[Request],
        pickups: list[Pickup],
        started: dict[str, Loan],
    ) -> None:
        """The router's day at ``hub``: dropped deliveries go by parcel (``started`` updated),
        dropped pickups by return parcel; every pickup's device is back."""
        back_in = [r for r, _ in pickups]
        lost_d: set[str] = set()
        lost_p: set[str] = set()
        if self.router is not None and (out or back_in):
            lost_d, lost_p = self.router(day, hub, out, back_in)
        for request in out:
            if request.id in lost_d:
                self.dropped_d.append(request.id)
                parcel = self.calendar.add(day, self.params.parcel_days)
                started[request.id] = dataclasses.replace(
                    started[request.id], mode="parcel", device_date=parcel
                )
        for request, loan in pickups:
            if request.id in lost_p:
                self.dropped_p.append(request.id)
                back = self.calendar.add(day, self.params.return_parcel_days)
                self.finish(request, loan, back, "parcel")
            else:
                self.finish(request, loan, day, "courier")

    def start_use(self, rid: str, loan: Loan) -> None:
        """The use period of a started loan: a courier pickup due when it ends, or a return
        parcel posted then."""
        assert loan.device_date is not None
        ret = self.calendar.on_or_after(loan.device_date + dt.timedelta(days=self.params.use_days))
        source = self.by_id[rid]
        if source.returns_by(loan.mode) == "courier":
            loan = _returned(loan, return_start=ret)
            self.loans[rid] = loan
            self.pending_pickups.setdefault(ret, []).append((source, loan))
        else:
            back = self.calendar.add(ret, self.params.return_parcel_days)
            self.finish(source, loan, back, "parcel", ret)

    def finish(
        self,
        request: Request,
        loan: Loan,
        back: dt.date,
        mode: str,
        return_start: dt.date | None = None,
    ) -> None:
        """The device is back on ``back`` by ``mode``; free again after cleaning.
        ``return_start``: the end of use when ``loan`` does not hold it yet."""
        assert loan.device is not None
        available = self.calendar.add(back, self.params.cleaning_days)
        if mode == "courier" and available <= back:
            available = self.calendar.add(back, 1)  # back at day's end: offered the next day
        self.loans[request.id] = _returned(
            loan,
            return_mode=mode,
            back=back,
            available=available,
            return_start=return_start or loan.return_start,
        )
        heapq.heappush(self.free[request.hub], (available, loan.device))

    def next_event(self, day: dt.date) -> dt.date | None:
        """The first business day after ``day`` on which a pickup is due or a device can go
        out; ``None`` when nothing can happen any more."""
        candidates: list[dt.date] = list(self.pending_pickups)
        for hub, queue in self.waiting.items():
            pool = self.free.get(hub, [])
            if queue and pool:
                candidates.append(max(queue[0][0], pool[0][0]))
        if not candidates:
            return None
        nxt = self.calendar.add(day, 1)
        return max(nxt, self.calendar.on_or_after(min(candidates)))


def _returned(
    loan: Loan,
    *,
    return_start: dt.date | None,
    return_mode: str | None = None,
    back: dt.date | None = None,
    available: dt.date | None = None,
) -> Loan:
    """``loan`` with its return dates (``dataclasses.replace`` was half of a simulation's
    time: two per loan, 10^5 loans on national referrals)."""
    return Loan(
        loan.request,
        loan.hub,
        loan.place,
        loan.referral_date,
        loan.due,
        loan.mode,
        loan.device,
        loan.ship,
        loan.device_date,
        return_mode,
        return_start,
        back,
        available,
    )


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
    #: the search stopped at the deadline: ``devices`` reaches the goal but may not be fewest
    time_limited: bool = False


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

    @property
    def time_limited(self) -> bool:
        """True when a hub's search stopped at the deadline (its pool may not be the fewest)."""
        return any(h.time_limited for h in self.hubs)


def peak_loans(loans: Iterable[Loan]) -> int:
    """The most devices away from the hub at once (``[ship, available)``): with that many, the
    same simulation never waits for a device."""
    return _peak((x.ship, x.available) for x in loans if x.ship is not None)


def _peak(away: Iterable[tuple[dt.date, dt.date | None]]) -> int:
    """:func:`peak_loans` of (ship, available) pairs."""
    events: list[tuple[dt.date, int]] = []
    for ship, available in away:
        events.append((ship, 1))
        events.append((available or dt.date.max, -1))
    peak = out = 0
    for _, step in sorted(events):  # on one day a device back (-1) goes out again (+1)
        out += step
        peak = max(peak, out)
    return peak


def smallest_pool(
    requests: Sequence[Request],
    hub: str,
    calendar: Calendar,
    params: CycleParams,
    target: float,
    deadline: float = math.inf,
) -> HubFleet:
    """Binary search for the fewest devices at ``hub`` with ``target`` of its referrals on time.

    The search starts at the most devices ever away with one device per referral (nobody
    waits with that many) and stops at ``deadline`` (``time.perf_counter()``) with the
    smallest pool known to reach the goal, flagged ``time_limited``.
    """
    mine = [r for r in requests if r.hub == hub]
    n = len(mine)
    runs = 0
    # the same loans from the shelf, its queue sorted once
    shelf = Shelf(mine, calendar, params) if shelf_fits(mine, params) else None

    def run(size: int) -> tuple[float, list[tuple[dt.date, dt.date | None]]]:
        """The on-time share with ``size`` devices, and each served loan's (ship, available)."""
        nonlocal runs
        runs += 1
        if shelf is not None:
            count, loans = shelf.on_time(hub, size)
            return count / n, [(x[1], x[7]) for x in loans if x is not None]
        sim = simulate(mine, {hub: size}, calendar, params)
        return sim.on_time_share, [(x.ship, x.available) for x in sim.loans if x.ship is not None]

    if n == 0:
        return HubFleet(hub, 0, 0, 1.0, 1.0, True, 0)
    best, away = run(n)  # one device per referral: nobody waits
    goal = min(target, best)
    lo, hi = 0, n  # share(hi) >= goal; find the smallest such size
    # with the most devices ever away at once the same loans happen (nobody waits for a
    # device): the search starts there, and a search the deadline stops keeps it
    hi = min(n, _peak(away))
    final = best
    while lo < hi and time.perf_counter() < deadline:
        mid = (lo + hi) // 2
        share = run(mid)[0]
        if share >= goal - 1e-12:
            hi, final = mid, share
        else:
            lo = mid + 1
    return HubFleet(hub, n, hi, final, best, best >= target - 1e-12, runs, lo < hi)


def fleet_size(
    requests: Sequence[Request],
    hubs: Iterable[str],
    calendar: Calendar,
    params: CycleParams,
    target: float,
    deadline: float = math.inf,
) -> FleetSize:
    """The smallest pool per hub for ``target`` (see the module docstring); past ``deadline``
    each hub keeps the smallest pool found so far that reaches it."""
    if not 0 <= target <= 1:
        raise FleetError(f"fleet: target {target} is not a share in [0, 1].")
    return FleetSize(
        tuple(smallest_pool(requests, h, calendar, params, target, deadline) for h in hubs),
        target,
    )
