"""Spirometer modes decided by cost: a frozen :class:`ModeProblem` -> :func:`solve` -> :class:`ModeSolution`.

Each referral's outbound mode (courier route, hand-over at a mobile clinic, parcel to a pickup
point), its return mode (courier pickup, return parcel), its ship day and the device pool of
each hub are chosen to minimise the whole bill (:class:`routing.costs.Prices`: parcel legs,
courier km, driver hours and routes, device capital, cleaning) subject to the on-time target
and the devices available.

How (:func:`solve`): a CP-SAT model over referrals x modes x ship days
(:mod:`routing.modes_model`) prices each courier stop at a marginal cost; the chosen plan is
simulated day by day with the courier stops routed by the VRP (:class:`routing.courier.DayRouter`)
and billed from its actual routes (:func:`routing.costs.price_plan`); the stops are re-priced
from those routes (:class:`routing.costs.StopPricer`) and the model solved again while the bill
improves (at most ``passes`` times). Two chains of passes start from different prices: every
stop a round trip of its own (no route to share: couriers look dear), and the stops' marginal
costs on the courier-first baseline's routes (every route shared: couriers look cheap); the
better end wins. The two rules it replaces are computed by the same
simulation and billed the same way: **courier-first** (:func:`routing.spirometry.choose_mode`:
a courier whenever the hub is in reach) and **parcel-only** (every device out and back by parcel).
Both are candidates too: the plan returned is the cheapest within the devices available that
serves every referral and meets the on-time target (when none does, the one with the best on-time share), so it never
costs more than a baseline that meets the target with the devices available. The baselines
keep their own pool (the fleet search's), even over the limit: they are reported as they are.

:func:`evaluate` re-checks a solution from its plans alone: every route and loan
(:func:`routing.spirometry.evaluate`), the device limit, the on-time target, the bill.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import math
import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

import numpy as np

from routing import modes_model
from routing.costs import Costs, Prices, StopPricer, price_plan, sek, share_text
from routing.courier import CourierParams, DayRouter, DayRoutes
from routing.cycle import Calendar, CycleParams, Loan, Request
from routing.fleet import fleet_size, simulate
from routing.modes_model import ModeError
from routing.params import ProgressCallback, SolveParams
from routing.spirometry import ModeRule, Plan, Referral, plan
from routing.spirometry import evaluate as evaluate_plan

#: The names of the plans a solution holds.
COST, COURIER_FIRST, PARCEL_ONLY = "cost", "courier_first", "parcel_only"
#: The courier-first baseline starts only with this many times the parcel-only baseline's
#: seconds left (measured on 95,000 national referrals: 2.4 times for its search and routes,
#: 0.5 for its evaluation; at the sizes the search is for, milliseconds against seconds left).
COURIER_FIRST_WORK = 3.0


@dataclass(frozen=True, eq=False)
class ModeProblem:
    """Referrals, hubs, travel tables of the hubs and courier places, prices, target, devices.

    ``places``/``minutes``/``km``: square travel tables over every hub and every referral place
    within courier reach. ``max_devices``: devices available over all hubs (``None``: no limit).
    ``horizon``: [first day, day after the last]; devices are paid for over it.
    """

    referrals: tuple[Referral, ...]
    hubs: tuple[str, ...]
    places: tuple[str, ...]
    minutes: np.ndarray
    km: np.ndarray
    calendar: Calendar
    cycle: CycleParams
    courier: CourierParams
    prices: Prices
    horizon: tuple[dt.date, dt.date]
    on_time_target: float = 0.95
    max_devices: int | None = None

    def __post_init__(self) -> None:
        if not 0 <= self.on_time_target <= 1:
            raise ModeError(f"on_time_target {self.on_time_target} is not a share in [0, 1].")
        if self.max_devices is not None and self.max_devices < 0:
            raise ModeError(f"max_devices is {self.max_devices}; it cannot be negative.")
        known = set(self.places)
        n = len(self.places)
        for name in ("minutes", "km"):
            if np.shape(getattr(self, name)) != (n, n):
                raise ModeError(f"{name}: the table must be {n} x {n} (one row per place).")
        for hub in self.hubs:
            if hub not in known:
                raise ModeError(f"hub {hub}: not in the travel tables.")
        ids: set[str] = set()
        for r in self.referrals:
            if r.id in ids:
                raise ModeError(f"referral {r.id}: the id is used twice.")
            ids.add(r.id)
            if r.hub not in self.hubs:
                raise ModeError(f"referral {r.id}: hub {r.hub} is not one of the hubs.")
            if math.isnan(r.hub_minutes) or r.hub_minutes < 0:
                raise ModeError(f"referral {r.id}: {r.hub_minutes} minutes to its hub.")
            near = math.isfinite(r.hub_minutes) and r.hub_minutes <= self.courier.reach_minutes
            if near and r.place not in known:
                raise ModeError(
                    f"referral {r.id}: place {r.place} is within courier reach of {r.hub} "
                    "but not in the travel tables."
                )


@dataclass(frozen=True)
class ModeParams:
    """Search settings: passes of model + routes, seconds per model, routing time, workers."""

    passes: int = 4
    model_seconds: float = 10.0
    max_delay: int = 3
    max_wait: int = 12
    route_seconds: float = 10.0
    min_day_seconds: float = 0.05
    max_replans: int = 3
    workers: int = 2
    seed: int = 0
    routing: SolveParams = field(default_factory=SolveParams)

    def __post_init__(self) -> None:
        if self.passes < 1 or self.workers < 1 or min(self.max_delay, self.max_wait) < 0:
            raise ModeError("params: passes and workers must be >= 1, max_delay, max_wait >= 0.")
        if self.max_replans < 0:
            raise ModeError("params: max_replans must be >= 0.")
        if not (self.model_seconds > 0 and self.route_seconds > 0 and self.min_day_seconds > 0):
            raise ModeError("params: model_seconds, route_seconds, min_day_seconds must be > 0.")


@dataclass(frozen=True)
class PricedPlan:
    """A simulated, routed plan with its bill; ``searched``: the devices before the routes
    (the model's or the fleet search's pool), ``pools`` after any device added for routes."""

    name: str
    plan: Plan
    costs: Costs
    pools: Mapping[str, int]
    searched: int = 0
    #: day problems met after the deadline: nothing routed, their stops went by parcel
    skipped_days: int = 0

    @property
    def on_time_share(self) -> float:
        """Share of referrals with the device in hand by the due day."""
        return self.plan.simulation.on_time_share

    @property
    def devices(self) -> int:
        """Devices over all hubs."""
        return sum(self.pools.values())


@dataclass(frozen=True)
class ModeSolution:
    """The plan chosen, both baselines, why each courier referral went by courier, the log.

    ``status``: ``"feasible"`` (the target is met), ``"target_missed"``. ``chosen`` names which
    candidate won (``cost``, or a baseline when no pass of the model beat it).
    ``courier_first`` is ``None`` when the deadline came before it was made.
    """

    best: PricedPlan
    courier_first: PricedPlan | None
    parcel_only: PricedPlan
    chosen: str
    status: str
    courier_reasons: Mapping[str, str]
    log: tuple[str, ...] = ()
    seconds: float = 0.0
    passes: int = 0
    #: what the deadline cut, one phrase each; empty when the search ran to its end
    cut: tuple[str, ...] = ()

    @property
    def time_limited(self) -> bool:
        """True when the run's deadline cut the search short."""
        return bool(self.cut)


def solve(
    problem: ModeProblem,
    params: ModeParams,
    on_progress: ProgressCallback | None = None,
    *,
    deadline: float = math.inf,
) -> ModeSolution:
    """The cheapest plan meeting the target, with both baselines (see the module docstring).

    Every stage shares ``deadline`` (``time.perf_counter()``): the parcel-only baseline is
    always made (its fleet search stops at the deadline with the smallest pool found that
    reaches the target, and it has no route to wait for); past the deadline the courier-first
    baseline is skipped (also before it, with less than :data:`COURIER_FIRST_WORK` times the
    parcel-only baseline's seconds left: a national plan), no pass of the model starts, and
    day problems met after it route nothing (their stops go by parcel). The best plan so far
    is returned, ``cut`` saying what the deadline cut.
    """
    report = on_progress or (lambda fraction, message: None)
    started = time.perf_counter()
    cut: list[str] = []
    report(0.0, "baseline: parcel-only")
    parcel = baseline(problem, params, PARCEL_ONLY, deadline, cut)
    # courier-first runs the same fleet search and simulations and routes its stops too: it
    # takes COURIER_FIRST_WORK times as long at least, most of it past a deadline it meets
    # midway (the simulations go on to the end)
    need = COURIER_FIRST_WORK * (time.perf_counter() - started)
    courier: PricedPlan | None = None
    left = deadline - time.perf_counter()
    if left > need:
        report(0.1, "baseline: courier-first")
        courier = baseline(problem, params, COURIER_FIRST, deadline, cut)
    elif left > 0:
        cut.append(
            f"the courier-first baseline was not made (about {need:.1f} s of work, "
            f"{left:.1f} s left)"
        )
    else:
        cut.append("the courier-first baseline was not made")
    best: PricedPlan | None = None
    reasons: dict[str, str] = {}
    log: list[str] = []
    passes = 0
    starts: list[tuple[str, Sequence[DayRoutes]]] = [("round trips", ())]
    if courier is not None and courier.plan.routes:  # else the same prices twice
        starts.append(("courier-first routes", courier.plan.routes))
    for n, (label, routes) in enumerate(starts):
        if time.perf_counter() >= deadline:
            cut.append(f"the mode model's chain from {label} did not start")
            continue
        report(0.3 + 0.3 * n, f"mode model from {label}")
        found = chain(problem, params, _pricer(problem, routes), f"{label}, ", deadline)
        log += found.log
        passes += found.passes
        cut += [f"the chain from {label}: {c}" for c in found.cut]
        if found.best is not None and (
            best is None or _rank(problem, found.best) < _rank(problem, best)
        ):
            best, reasons = found.best, found.reasons
    chosen = min(
        [p for p in (best, parcel, courier) if p is not None], key=lambda p: _rank(problem, p)
    )
    if best is None:
        log.append(f"no pass of the model made a plan: the {chosen.name} baseline is the plan")
    elif chosen is not best:
        log.append(f"the {chosen.name} baseline is better than every pass: it is the plan")
        reasons = (
            {x.request: "courier-first rule" for x in _courier_loans(chosen.plan)}
            if chosen is courier
            else {}
        )
    status = (
        "feasible" if chosen.on_time_share >= problem.on_time_target - 1e-12 else "target_missed"
    )
    report(1.0, "done")
    return ModeSolution(
        chosen,
        courier,
        parcel,
        chosen.name,
        status,
        reasons,
        tuple(log),
        time.perf_counter() - started,
        passes,
        tuple(cut),
    )


@dataclass(frozen=True)
class Chain:
    """The passes of one chain: its best plan, the reasons of that plan's couriers, the log."""

    best: PricedPlan | None
    reasons: dict[str, str]
    log: tuple[str, ...]
    passes: int
    #: what the deadline cut (empty when the chain ended on its own)
    cut: tuple[str, ...] = ()


def chain(
    problem: ModeProblem,
    params: ModeParams,
    pricer: StopPricer,
    label: str,
    deadline: float = math.inf,
) -> Chain:
    """Model, route, re-price from the routes, again, while the routed bill improves; no pass
    starts after ``deadline``, and one the deadline stops before it has a plan is dropped."""
    hint: Sequence[modes_model.Option] | None = None
    best: PricedPlan | None = None
    reasons: dict[str, str] = {}
    log: list[str] = []
    cut: list[str] = []
    passes = 0
    for k in range(params.passes):
        if time.perf_counter() >= deadline:
            cut.append(f"pass {k + 1} did not start")
            break
        try:
            a = modes_model.solve_model(problem, pricer, params, hint, deadline)
        except modes_model.OutOfTime as exc:
            cut.append(f"pass {k + 1} stopped ({exc.where})")
            break
        if hint is not None and list(a.chosen) == list(hint):
            log.append(f"{label}pass {k + 1}: same modes as before; stop")
            break
        passes += 1
        candidate = routed(problem, params, COST, a.requests(problem), a.pools, deadline=deadline)
        if candidate.skipped_days:
            cut.append(f"pass {k + 1} routed nothing on {candidate.skipped_days} day problems")
        log.append(
            f"{label}pass {k + 1}: model {a.status} {sek(a.objective)} (bound "
            f"{sek(a.bound)}); routed {sek(candidate.costs.total)}, on time "
            f"{share_text(candidate.on_time_share)}, {candidate.devices} devices"
        )
        if best is not None and _rank(problem, candidate) >= _rank(problem, best):
            log.append(f"{label}pass {k + 1}: no better than pass {k}; stop")
            break
        best, hint = candidate, a.chosen
        reasons = courier_reasons(problem, a)
        if not candidate.plan.routes:
            log.append(f"{label}pass {k + 1}: no courier route to re-price the stops from; stop")
            break
        pricer = _pricer(problem, candidate.plan.routes)
    return Chain(best, reasons, tuple(log), passes, tuple(cut))


def _rank(problem: ModeProblem, p: PricedPlan) -> tuple[bool, int, bool, float, float]:
    """Within the devices available first, then every referral served, then meets the target,
    then the better share when it does not, then the bill."""
    over = problem.max_devices is not None and p.devices > problem.max_devices
    unserved = sum(x.ship is None for x in p.plan.simulation.loans)
    met = p.on_time_share >= problem.on_time_target - 1e-12
    return (over, unserved, not met, 0.0 if met else -p.on_time_share, round(p.costs.total, 6))


def _pricer(problem: ModeProblem, routes: Sequence[DayRoutes]) -> StopPricer:
    return StopPricer(
        problem.places,
        problem.minutes,
        problem.km,
        problem.courier.stop_minutes,
        problem.prices,
        routes,
    )


def _courier_loans(result: Plan) -> list[Loan]:
    return [x for x in result.simulation.loans if x.mode == "courier" or x.return_mode == "courier"]


def baseline(
    problem: ModeProblem,
    params: ModeParams,
    name: str,
    deadline: float = math.inf,
    cut: list[str] | None = None,
) -> PricedPlan:
    """A rule's plan: courier-first (:func:`routing.spirometry.choose_mode`) or parcel-only;
    its pool is the fleet search's (:func:`routing.fleet.fleet_size`), routed and billed like
    any plan. What ``deadline`` cuts is appended to ``cut``."""
    if name == COURIER_FIRST:
        rule = ModeRule(problem.calendar, problem.cycle, problem.courier)
        requests = [rule.choose(r).request for r in problem.referrals]
    else:
        requests = [Request(r.id, r.hub, r.place, r.date, "parcel") for r in problem.referrals]
    fleet = fleet_size(
        requests, problem.hubs, problem.calendar, problem.cycle, problem.on_time_target, deadline
    )
    label = name.replace("_", "-")
    found = routed(problem, params, name, requests, fleet.pools, limit=False, deadline=deadline)
    if cut is not None and fleet.time_limited:
        cut.append(f"the {label} baseline's fleet search kept a pool that may not be the smallest")
    if cut is not None and found.skipped_days:
        cut.append(f"the {label} baseline routed nothing on {found.skipped_days} day problems")
    return found


def routed(
    problem: ModeProblem,
    params: ModeParams,
    name: str,
    requests: Sequence[Request],
    pools: Mapping[str, int],
    limit: bool = True,
    deadline: float = math.inf,
) -> PricedPlan:
    """Simulate ``requests`` with the courier stops routed each day; when dropped stops (sent
    by parcel) push under the target a plan that meets it without routes (every courier stop
    served), the hub with most late referrals gets one more
    device and the plan is made again (at most ``max_replans`` times, within ``max_devices``
    when ``limit``). Day problems share ``deadline`` (those after it route nothing, counted in
    ``skipped_days``); no new attempt starts after it."""
    pools = {h: pools.get(h, 0) for h in problem.hubs}
    searched = sum(pools.values())
    # without a courier stop the routes change nothing: the plan is its own guess
    couriers = any(r.mode == "courier" or r.return_mode == "courier" for r in requests)
    guess = simulate(requests, pools, problem.calendar, problem.cycle) if couriers else None
    expected = set()
    if guess is not None:
        expected = {(x.ship, x.hub) for x in guess.loans if x.mode == "courier"}
        expected |= {(x.back, x.hub) for x in guess.loans if x.return_mode == "courier"}
    # under a deadline a plan's routes get at most a third of the time left, so that the
    # passes after it still have some
    budget = min(params.route_seconds, (deadline - time.perf_counter()) / 3)
    seconds = max(params.min_day_seconds, budget / max(1, len(expected)))
    route_params = dataclasses.replace(params.routing, time_limit=seconds)
    for attempt in range(params.max_replans + 1):
        router = DayRouter(
            problem.places,
            problem.minutes,
            problem.km,
            problem.courier,
            route_params,
            deadline=deadline,
        )
        result = plan(requests, pools, problem.calendar, problem.cycle, router, problem.horizon)
        late = [x.hub for x in result.simulation.loans if not x.on_time]
        room = not limit or problem.max_devices is None or sum(pools.values()) < problem.max_devices
        if (
            result.simulation.on_time_share >= problem.on_time_target - 1e-12
            or guess is None
            or guess.on_time_share < problem.on_time_target - 1e-12  # not the routes' doing
            or not room
            or attempt == params.max_replans
            or time.perf_counter() >= deadline
        ):
            break
        worst = max(sorted(set(late)), key=late.count)
        pools[worst] += 1
    return PricedPlan(
        name, result, price_plan(result, problem.prices), pools, searched, router.skipped_days
    )


def courier_reasons(problem: ModeProblem, a: modes_model.Assignment) -> dict[str, str]:
    """Why each referral the model sends by courier (either way) goes so: the on-time target
    (no other option is on time), or the price (the courier option is the cheapest)."""
    reasons: dict[str, str] = {}
    for o, opts, costs in zip(a.chosen, a.options, a.option_costs, strict=True):
        if o.out != "courier" and o.ret != "courier":
            continue
        r = problem.referrals[o.referral]
        mine = costs[opts.index(o)]
        others = [
            (c, p) for p, c in zip(opts, costs, strict=True) if "courier" not in (p.out, p.ret)
        ]
        cheapest, alt = min(others, key=lambda t: t[0])
        in_time = [p for _, p in others if p.on_time]
        if o.out == "courier" and o.on_time and not in_time:
            due = problem.calendar.add(r.date, problem.cycle.service_level_days)
            first = min(p.device_date for _, p in others)
            reasons[r.id] = (
                f"on time only by courier: due {due}, a parcel brings it on {first} at the "
                "earliest; the on-time target needs it"
            )
        elif mine < cheapest:
            reasons[r.id] = f"cheaper: {sek(mine)} against {sek(cheapest)} by {alt.out}"
        else:
            reasons[r.id] = (
                f"a courier {'pickup' if o.ret == 'courier' else 'delivery'} frees the device "
                f"sooner ({sek(mine)} against {sek(cheapest)}): fewer devices in the pool"
            )
    return reasons


@dataclass(frozen=True)
class ModeKpis:
    """KPIs of the chosen plan and both baselines, and every broken rule."""

    values: dict[str, float]
    violations: tuple[str, ...]


def evaluate(problem: ModeProblem, solution: ModeSolution) -> ModeKpis:
    """Recompute the KPIs from the solution's plans alone (routes re-checked, bills re-priced)."""
    kpis = evaluate_plan(solution.best.plan, problem.prices)
    values = dict(kpis.values)
    violations = list(kpis.violations)
    wanted = {r.id for r in problem.referrals}
    got = {x.request for x in solution.best.plan.simulation.loans}
    if got != wanted:
        violations.append(f"Referrals not planned: {sorted(wanted - got)[:5]}")
    devices = solution.best.plan.devices_needed
    if problem.max_devices is not None and devices > problem.max_devices:
        violations.append(f"Devices over the limit: {devices} > {problem.max_devices}")
    n = max(1, len(problem.referrals))
    values["cost_per_referral_sek"] = values["total_cost_sek"] / n
    for name, other in (
        (COURIER_FIRST, solution.courier_first),
        (PARCEL_ONLY, solution.parcel_only),
    ):
        if other is None:  # not made before the deadline: no figures rather than made-up ones
            continue
        # the baseline that is the plan is not checked twice (seconds on national referrals)
        again = (
            kpis.values
            if other is solution.best
            else evaluate_plan(other.plan, problem.prices).values
        )
        values[f"{name}_cost_sek"] = again["total_cost_sek"]
        values[f"{name}_on_time_share"] = again["on_time_share"]
        values[f"{name}_devices"] = again["devices_needed"]
        values[f"{name}_courier_cost_sek"] = again["courier_cost_sek"]
        values[f"saving_vs_{name}_sek"] = again["total_cost_sek"] - values["total_cost_sek"]
    values["on_time_target_met"] = float(values["on_time_share"] >= problem.on_time_target - 1e-12)
    return ModeKpis(values, tuple(violations))
