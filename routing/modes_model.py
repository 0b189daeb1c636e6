"""The mode model: each referral's way out and back, its ship day and the device pools, in CP-SAT.

Formulation (one pass of :func:`routing.modes.solve`; money in SEK):

* an **option** ``o`` of referral ``r`` is (outbound mode, return mode, ship day): courier
  delivery (only where a single-stop route fits, :func:`routing.courier.courier_fits`), hand-over
  at a mobile clinic (only on a day a unit stands within reach) or parcel; courier pickup or
  return parcel; shipped ``k = 0..max_delay`` business days after the referral is ready (a
  parcel out and back also ``max_delay + 1 .. max_delay + max_wait``: left to wait). Each
  option fixes the device's dates by the cycle's rules (:mod:`routing.cycle`): the device date,
  whether it is on time, and the days ``[ship, available)`` it is away from the hub's shelf;
* ``x[o]`` in {0, 1}, ``sum_o x[o] = 1`` per referral;
* ``pool[h]`` devices at hub ``h``: at every ship day ``t`` of the hub,
  ``sum {x[o] : hub h, ship(o) <= t < available(o)} <= pool[h]`` (intervals that overlap at
  most ``pool`` at a time can share ``pool`` devices), and ``sum_h pool[h] <= max_devices``;
* ``routes[h, d]`` in ``0..vehicles``: the courier deliveries and the pickups of hub ``h`` on day
  ``d`` each fit ``capacity * routes[h, d]``;
* on time: ``sum {x[o] : o on time} + short >= ceil(target * referrals)``, ``short >= 0``;
* minimise ``sum_o cost(o) x[o] + per_route * sum routes + device_day * days * sum pool
  + penalty * short`` where ``cost(o)`` = parcel legs x leg price + the
  :class:`routing.costs.StopPricer` price of each courier stop (a marginal cost read from the
  previous pass's routes) + cleaning (a hand-over 0.1 SEK less than a parcel, so that it wins
  a tie: the patient is shown how to use the device).

Solver objects stay in :func:`solve_model`; it returns plain data (:class:`Assignment`).
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import math
import time
from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

from ortools.sat.python import cp_model

from routing.costs import StopPricer
from routing.courier import courier_fits
from routing.cycle import FleetError, Mode, Request, device_day, due_day, ready_day

if TYPE_CHECKING:
    from routing.modes import ModeParams, ModeProblem

#: Money in the model is in units of 1/SCALE SEK.
SCALE = 10
#: Penalty per referral short of the on-time target (SEK): above any plan's cost per referral.
SHORT_PENALTY = 1_000_000.0
#: Penalty per referral left to the queue (no device within the waits of the model), SEK.
QUEUE_PENALTY = 100_000.0


class ModeError(FleetError):
    """A mode problem that cannot be planned; the message names what and where."""


class OutOfTime(Exception):
    """The run's deadline came before this pass had a plan; ``where`` says how far it got."""

    def __init__(self, where: str) -> None:
        super().__init__(where)
        self.where = where


#: Referrals whose options are built between two looks at the clock.
CLOCK_EVERY = 500


@dataclass(frozen=True)
class Option:
    """One way to serve referral ``referral`` (its index): modes, dates, legs."""

    referral: int
    out: Mode
    ret: str
    ship: dt.date
    device_date: dt.date
    return_start: dt.date
    available: dt.date
    on_time: bool
    parcel_legs: int
    queued: bool = False

    @property
    def courier_days(self) -> tuple[dt.date, ...]:
        """The days this option puts a stop on a courier route (delivery, pickup)."""
        out = (self.ship,) if self.out == "courier" else ()
        return out + ((self.return_start,) if self.ret == "courier" else ())


@dataclass(frozen=True)
class Assignment:
    """One pass's answer: the option of each referral, the pools, the model's own figures."""

    chosen: tuple[Option, ...]
    pools: dict[str, int]
    objective: float
    bound: float
    status: str
    options: tuple[tuple[Option, ...], ...]
    option_costs: tuple[tuple[float, ...], ...]

    def requests(self, problem: ModeProblem) -> list[Request]:
        """The simulation's requests: modes, return modes and held ship days."""
        out: list[Request] = []
        for o in self.chosen:
            r = problem.referrals[o.referral]
            request = Request(r.id, r.hub, r.place, r.date, o.out, r.handover_days, o.ret)
            if o.ship > ready_day(request, problem.calendar, problem.cycle):
                request = dataclasses.replace(request, ship_from=o.ship)
            out.append(request)
        return out


def referral_options(
    problem: ModeProblem, index: int, max_delay: int, max_wait: int = 0, queue: bool = False
) -> tuple[Option, ...]:
    """Every option of one referral (see the module docstring); dominated ones left out.

    Parcels out and back may also wait ``max_wait`` business days more (a referral left late so
    that a scarce device serves others first). With ``queue`` (a device limit) one more option
    leaves the referral to the simulation's queue: no device counted in the model, late, and
    priced ``QUEUE_PENALTY`` over its parcels, so it is taken only when the devices run out."""
    cal, cycle, r = problem.calendar, problem.cycle, problem.referrals[index]
    courier = courier_fits(r.hub_minutes, problem.courier)
    outs: list[Mode] = ["courier"] if courier else []
    outs += ["mobile"] if r.handover_days else []
    outs.append("parcel")
    rets = ["courier", "parcel"] if courier else ["parcel"]
    kept: dict[tuple[str, str, dt.date], Option] = {}
    for out in outs:
        request = Request(r.id, r.hub, r.place, r.date, out, r.handover_days)
        due = due_day(request, cal, cycle)
        delays = range(max_delay + 1) if out != "parcel" else range(max_delay + max_wait + 1)
        for k in delays:
            ship = cal.add(ready_day(request, cal, cycle), k)
            went, device = device_day(request, ship, cal, cycle)
            if went != out:
                continue  # no hand-over day left: the same as a parcel
            use_end = cal.on_or_after(device + dt.timedelta(days=cycle.use_days))
            for ret in rets if k <= max_delay else ["parcel"]:
                back = use_end if ret == "courier" else cal.add(use_end, cycle.return_parcel_days)
                available = cal.add(back, cycle.cleaning_days)
                if ret == "courier" and available <= back:
                    available = cal.add(back, 1)
                legs = int(out != "courier") + int(ret == "parcel")
                option = Option(
                    index, out, ret, ship, device, use_end, available, device <= due, legs
                )
                kept[(out, ret, device)] = option  # the same device date shipped later
    if queue:  # no device within the waits: parcel whenever the simulation frees one
        last = max((o for o in kept.values() if o.out == o.ret == "parcel"), key=lambda o: o.ship)
        kept[("queue", "", last.device_date)] = dataclasses.replace(
            last, ship=cal.add(last.ship, 1), on_time=False, queued=True
        )
    return tuple(kept.values())


def option_cost(problem: ModeProblem, option: Option, pricer: StopPricer) -> float:
    """The option's own cost (SEK): parcel legs, courier stops at their marginal price, cleaning."""
    r = problem.referrals[option.referral]
    prices = problem.prices
    cost = option.parcel_legs * prices.parcel_leg + prices.cleaning_per_loan
    cost += QUEUE_PENALTY * option.queued
    for day in option.courier_days:
        cost += pricer.price(day, r.hub, r.place)
    return cost


def solve_model(
    problem: ModeProblem,
    pricer: StopPricer,
    params: ModeParams,
    hint: Sequence[Option] | None = None,
    deadline: float = math.inf,
) -> Assignment:
    """One CP-SAT pass of the model in the module docstring, within ``params.model_seconds``
    and ``deadline`` (``time.perf_counter()``): :class:`OutOfTime` when the deadline comes
    while the model is built (the clock is read every :data:`CLOCK_EVERY` referrals and
    before every constraint of a device pool) or before CP-SAT has a plan."""
    n = len(problem.referrals)
    built: list[tuple[Option, ...]] = []
    for i in range(n):
        if i % CLOCK_EVERY == 0:
            clock(deadline, f"options built for {i} of {n} referrals")
        built.append(
            referral_options(
                problem, i, params.max_delay, params.max_wait, problem.max_devices is not None
            )
        )
    options = tuple(built)
    priced: list[tuple[float, ...]] = []
    for i, opts in enumerate(options):
        if i % CLOCK_EVERY == 0:
            clock(deadline, f"options priced for {i} of {n} referrals")
        priced.append(tuple(option_cost(problem, o, pricer) for o in opts))
    costs = tuple(priced)
    m = cp_model.CpModel()
    x: list[list[cp_model.IntVar]] = []
    for i, o in enumerate(options):
        if i % CLOCK_EVERY == 0:
            clock(deadline, f"model variables made for {i} of {n} referrals")
        x.append([m.new_bool_var(f"x(r={i}, o={k})") for k in range(len(o))])
    for row in x:
        m.add_exactly_one(row)
    pools = add_pools(m, problem, options, x, deadline)
    clock(deadline, f"device pools of {n} referrals modelled")
    routes = add_routes(m, problem, options, x)
    clock(deadline, f"courier routes of {n} referrals modelled")
    need = math.ceil(problem.on_time_target * len(options) - 1e-9)
    short = m.new_int_var(0, len(options), "short")
    on_time = [x[i][k] for i, opts in enumerate(options) for k, o in enumerate(opts) if o.on_time]
    m.add(sum(on_time) + short >= need)
    days = (problem.horizon[1] - problem.horizon[0]).days
    terms = [  # at equal cost a hand-over wins (the patient is shown the device): 0.1 SEK less
        (x[i][k], round(SCALE * costs[i][k]) - (o.out == "mobile"))
        for i, opts in enumerate(options)
        for k, o in enumerate(opts)
    ]
    terms += [(v, round(SCALE * problem.prices.courier_per_route)) for v in routes.values()]
    terms += [(v, round(SCALE * problem.prices.device_per_day * days)) for v in pools.values()]
    terms.append((short, round(SCALE * SHORT_PENALTY)))
    clock(deadline, f"constraints of {n} referrals modelled")
    m.minimize(sum(c * v for v, c in terms))
    if hint is not None:
        add_hint(m, options, x, hint)
    left = deadline - time.perf_counter()
    seconds = min(params.model_seconds, left / 2)  # the other half: this pass's routes
    if left <= 0:
        raise OutOfTime(f"model of {n} referrals built, no time left to solve it")
    solver = cp_model.CpSolver()
    solver.parameters.max_time_in_seconds = seconds
    solver.parameters.num_workers = params.workers
    solver.parameters.random_seed = params.seed
    # Ctrl-C is the caller's: CP-SAT's own handler swallows it in the main thread and aborts
    # the process in any other (the planner runs solvers in a worker thread).
    solver.parameters.catch_sigint_signal = False
    status = solver.solve(m)
    if status not in (cp_model.OPTIMAL, cp_model.FEASIBLE) and seconds < params.model_seconds:
        raise OutOfTime(f"CP-SAT found no plan in the {seconds:.1f} s left")
    if status not in (cp_model.OPTIMAL, cp_model.FEASIBLE):
        raise ModeError(
            f"mode model: CP-SAT found no plan in {params.model_seconds:g} s "
            f"({solver.status_name(status)}); give it more time."
        )
    chosen = tuple(
        next(o for o, v in zip(opts, row, strict=True) if solver.boolean_value(v))
        for opts, row in zip(options, x, strict=True)
    )
    return Assignment(
        chosen,
        {h: int(solver.value(v)) for h, v in pools.items()},
        solver.objective_value / SCALE,
        solver.best_objective_bound / SCALE,
        "optimal" if status == cp_model.OPTIMAL else "feasible",
        options,
        costs,
    )


def clock(deadline: float, where: str) -> None:
    """:class:`OutOfTime` saying ``where`` the model got when ``deadline`` has passed."""
    if time.perf_counter() >= deadline:
        raise OutOfTime(where)


def add_pools(
    m: cp_model.CpModel,
    problem: ModeProblem,
    options: Sequence[Sequence[Option]],
    x: Sequence[Sequence[cp_model.IntVar]],
    deadline: float = math.inf,
) -> dict[str, cp_model.IntVar]:
    """``pool[h]`` covers the devices away at every ship day; the pools fit ``max_devices``.
    :class:`OutOfTime` when ``deadline`` passes (it is looked at before each day's constraint)."""
    pools: dict[str, cp_model.IntVar] = {}
    for hub in problem.hubs:
        mine = [
            (o, x[i][k])
            for i, opts in enumerate(options)
            if problem.referrals[i].hub == hub
            for k, o in enumerate(opts)
        ]
        n = len({o.referral for o, _ in mine})
        pools[hub] = m.new_int_var(0, n, f"pool({hub})")
        days = sorted({o.ship for o, _ in mine})
        for d, t in enumerate(days):
            clock(deadline, f"device pool of hub {hub} modelled for {d} of {len(days)} days")
            away = [v for o, v in mine if o.ship <= t < o.available and not o.queued]
            m.add(sum(away) <= pools[hub])
    if problem.max_devices is not None:
        m.add(sum(pools.values()) <= problem.max_devices)
    return pools


def add_routes(
    m: cp_model.CpModel,
    problem: ModeProblem,
    options: Sequence[Sequence[Option]],
    x: Sequence[Sequence[cp_model.IntVar]],
) -> dict[tuple[str, dt.date], cp_model.IntVar]:
    """``routes[h, d]``: enough vehicles for the day's courier deliveries and pickups."""
    deliveries: dict[tuple[str, dt.date], list[cp_model.IntVar]] = {}
    pickups: dict[tuple[str, dt.date], list[cp_model.IntVar]] = {}
    for i, opts in enumerate(options):
        hub = problem.referrals[i].hub
        for k, o in enumerate(opts):
            if o.out == "courier":
                deliveries.setdefault((hub, o.ship), []).append(x[i][k])
            if o.ret == "courier":
                pickups.setdefault((hub, o.return_start), []).append(x[i][k])
    c = problem.courier
    routes: dict[tuple[str, dt.date], cp_model.IntVar] = {}
    for key in sorted(set(deliveries) | set(pickups)):
        routes[key] = v = m.new_int_var(0, c.vehicles_per_hub, f"routes({key[0]}, {key[1]})")
        for stops in (deliveries.get(key, []), pickups.get(key, [])):
            if stops:
                m.add(sum(stops) <= c.capacity * v)
    return routes


def add_hint(
    m: cp_model.CpModel,
    options: Sequence[Sequence[Option]],
    x: Sequence[Sequence[cp_model.IntVar]],
    hint: Sequence[Option],
) -> None:
    """Hint each referral's previous option where it is still an option (the rest: CP-SAT's)."""
    for i, opts in enumerate(options):
        for k, o in enumerate(opts):
            m.add_hint(x[i][k], o == hint[i])
