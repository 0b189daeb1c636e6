"""The constraints of the CP-SAT model, one function per named rule (see :mod:`staffing.model`).

Each function posts one rule's constraints on a :class:`~staffing.model.RosterModel` (for one
clinician where the rule is about one clinician's shifts): as written when the rule is hard in
the problem, with priced slack (:meth:`RosterModel.add_slack`) when the problem made it soft.
The rules are read as :mod:`staffing.rules` reads them, through :mod:`staffing.timegrid`.
:class:`RosterModel` calls them in a fixed order, which fixes the order of variables and
constraints in the model (and so the solver's search).
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Iterator
from typing import TYPE_CHECKING

from ortools.sat.python import cp_model

from staffing.problem import Clinician, Problem
from staffing.rules import contract_per_period, crew_needs, fair_allowance, mertid_cap
from staffing.timegrid import Slot

if TYPE_CHECKING:
    from staffing.model import RosterModel

#: Rule-slack price of one day over Max consecutive days (as one hour of the minute-priced rules).
DAY_SLACK_WEIGHT = 60

Terms = list[tuple[cp_model.IntVar, int]]


def _conflicting_pairs(
    rm: RosterModel, mine: set[Slot]
) -> Iterator[tuple[Slot, Slot, dict[str, int]]]:
    """Pairs of candidate slots that cannot both be worked, with the minutes by rule: from the
    day-0 patterns, or pair by pair when a clock change falls in the horizon (then days differ
    in length and a pattern does not hold on every day)."""
    grid = rm.grid
    if not grid.clock_changes:
        for d, b1 in sorted(mine):
            for pat in grid.pair_patterns:
                p1, p2, delta = pat
                if p1 == b1 and (d + delta, p2) in mine:
                    yield (d, b1), (d + delta, p2), rm.pair_reasons[pat]
        return
    ordered = sorted(mine)
    for i, first in enumerate(ordered):
        for second in ordered[i + 1 :]:
            if second[0] - first[0] > 2:
                break
            reasons = grid.pair_reasons(first, second)
            if reasons:
                yield first, second, reasons


def daily_rest_and_breaks(rm: RosterModel, c: Clinician) -> None:
    """Daily rest, Break within 5 h and No overlapping shifts: pairs of candidate slots that
    overlap, rest less than the daily rest apart, or touch and together break the span or the
    5-h stretch, ``x1 + x2 <= 1``; touching chains of 3+ that break them, ``sum <= n - 1``.

    A pair or chain whose reasons are all rules the problem made soft costs the minutes it
    breaks them by instead; overlaps stay hard.
    """
    cid, mine, grid = c.clinician_id, rm.cand[c.clinician_id], rm.grid
    for first, second, reasons in _conflicting_pairs(rm, mine):
        pair = [rm.x[(cid, first)], rm.x[(cid, second)]]
        if set(reasons) <= rm.soft_conflicts:
            name = f"rest({cid},{first},{second})"
            rm.add_slack(name, [(v, 1) for v in pair], 1, 1, sum(reasons.values()))
        else:
            rm.model.add_bool_or([v.Not() for v in pair])
    for chain in grid.chain_patterns:
        for d in range(rm.problem.days):
            slots = [(d + dd, b) for dd, b in chain]
            if all(s in mine for s in slots):
                xs = [(rm.x[(cid, s)], 1) for s in slots]
                reasons = (
                    grid.chain_reasons(slots) if grid.clock_changes else rm.chain_reasons[chain]
                )
                if not reasons:
                    continue
                if set(reasons) <= rm.soft_conflicts:
                    name = f"chain({cid},d{d})"
                    rm.add_slack(name, xs, len(slots) - 1, 1, sum(reasons.values()))
                else:
                    rm.model.add(sum(v for v, _ in xs) <= len(slots) - 1)


def max_consecutive_days(rm: RosterModel, c: Clinician) -> None:
    """Max consecutive days: ``sum_{d in W} works[c, d] <= K`` over windows ``W`` of K + 1
    days, ``x[c, d, b] => works[c, d]`` (only where the clinician has a slot on all K + 1 days).

    Soft: ``<= K + s_W`` with ``s_W`` in {0, 1}; a run of L > K days holds L - K such windows,
    so ``sum s`` is exactly the days over, priced :data:`DAY_SLACK_WEIGHT` per day.
    """
    problem, m, cid, mine = rm.problem, rm.model, c.clinician_id, rm.cand[c.clinician_id]
    k = problem.rules.max_consecutive_days
    days_with = {d for d, _ in mine}
    for d0 in range(problem.days - k):
        window = range(d0, d0 + k + 1)
        if not all(d in days_with for d in window):
            continue
        for d in window:
            if (cid, d) not in rm.works:
                w = m.new_bool_var(f"works({cid},d{d})")
                rm.works[(cid, d)] = w
                for s in mine:
                    if s[0] == d:
                        m.add_implication(rm.x[(cid, s)], w)
        if problem.is_hard("Max consecutive days"):
            m.add(sum(rm.works[(cid, d)] for d in window) <= k)
        else:
            terms = [(rm.works[(cid, d)], 1) for d in window]
            rm.add_slack(f"consecutive({cid},d{d0})", terms, k, 1, DAY_SLACK_WEIGHT)


def weekly_rest(rm: RosterModel, c: Clinician) -> None:
    """Weekly rest: one of the candidate rest windows of each full week is free,
    ``sum_k r[c, p, k] >= 1`` and ``r[c, p, k] => not x`` for the slots overlapping window k
    (skipped when a window has no candidate slot at all: that week always has its rest).

    Soft: a literal ``rest_miss[c, p]`` joins the ``bool_or``, priced at the full weekly rest
    in minutes (a proxy: the checker reports the hours missing).
    """
    m, cid, mine = rm.model, c.clinician_id, rm.cand[c.clinician_id]
    for p in rm.grid.full_periods():
        windows = [frozenset(s for s in slots if s in mine) for _, slots in rm.grid.rest_windows(p)]
        if not windows or any(not w for w in windows):
            continue
        minimal = [w for w in set(windows) if not any(o < w for o in windows)]
        lits = []
        entries = []
        for i, inside in enumerate(sorted(minimal, key=sorted)):
            r = m.new_bool_var(f"rest({cid},p{p},{i})")
            for s in inside:
                m.add_implication(r, rm.x[(cid, s)].Not())
            lits.append(r)
            entries.append((r, sorted(inside)))
        if not rm.problem.is_hard("Weekly rest"):
            miss = m.new_bool_var(f"rest_miss({cid},p{p})")
            rm.rest_miss[(cid, p)] = miss
            lits.append(miss)
        m.add_bool_or(lits)
        rm.rest[(cid, p)] = entries


def working_hours(rm: RosterModel, c: Clinician) -> None:
    """Weekly maximum hours, the mertid excess and the contract deviation of each 7-day period
    (in that order per period), then the Mertid limit over the horizon."""
    cid, mine = c.clinician_id, sorted(rm.cand[c.clinician_id])
    contract = contract_per_period(rm.grid, c)
    extras: Terms = []
    for p in range(len(rm.grid.periods)):
        terms = [(rm.x[(cid, s)], rm.grid.minutes(s)) for s in mine if s[0] // 7 == p]
        if not terms:
            continue  # nothing to decide: the deviation is the whole contract
        target = round(contract[p] * 60)
        weekly_maximum_hours(rm, cid, p, terms)
        extras += mertid_excess(rm, cid, p, terms, target)
        contract_deviation(rm, cid, p, terms, target)
    mertid_limit(rm, cid, extras)


def weekly_maximum_hours(rm: RosterModel, cid: str, p: int, terms: Terms) -> None:
    """Weekly maximum hours: ``sum minutes x <= 60 H`` in period ``p`` (only when the
    clinician's candidates could pass it). Soft: slack in minutes, the checker's amount x 60."""
    limit = round(rm.problem.rules.max_weekly_hours * 60)
    most = sum(w for _, w in terms)
    if most <= limit:
        return
    if rm.problem.is_hard("Weekly maximum hours"):
        rm.model.add(sum(v * w for v, w in terms) <= limit)
    else:
        rm.add_slack(f"weekly_max({cid},p{p})", terms, limit, most - limit, 1)


def mertid_excess(rm: RosterModel, cid: str, p: int, terms: Terms, target: int) -> Terms:
    """Minutes above contract in period ``p``: ``excess[c, p] >= minutes - contract``; returns
    the excess variable with its upper bound (none when the candidates cannot pass the
    contract) for :func:`mertid_limit`."""
    most = sum(w for _, w in terms)
    if most <= target:
        return []
    e = rm.model.new_int_var(0, most - target, f"excess({cid},p{p})")
    rm.model.add(e >= sum(v * w for v, w in terms) - target)
    rm.excess[(cid, p)] = e
    return [(e, most - target)]


def contract_deviation(rm: RosterModel, cid: str, p: int, terms: Terms, target: int) -> None:
    """Contract hours (soft, the contract stage): ``dev[c, p] >= |minutes - contract|``."""
    most = sum(w for _, w in terms)
    minutes = sum(v * w for v, w in terms)
    dev = rm.model.new_int_var(0, max(target, most - target, 0), f"dev({cid},p{p})")
    rm.model.add(dev >= minutes - target)
    rm.model.add(dev >= target - minutes)
    rm.dev[(cid, p)] = dev


def mertid_limit(rm: RosterModel, cid: str, extras: Terms) -> None:
    """Mertid limit: ``sum_p excess[c, p] <= cap`` (48 h per 4 weeks, pro rata; only when the
    excesses could pass it). Soft: slack in minutes, the checker's amount x 60."""
    cap = round(mertid_cap(rm.problem) * 60)
    most = sum(w for _, w in extras)
    if most <= cap:
        return
    if rm.problem.is_hard("Mertid limit"):
        rm.model.add(sum(e for e, _ in extras) <= cap)
    else:
        rm.add_slack(f"mertid({cid})", [(e, 1) for e, _ in extras], cap, most - cap, 1)


def mobile_crew(rm: RosterModel) -> None:
    """Mobile crew (soft, the cover stage, priced above every demand minute):
    ``crew_short[d, b, p] >= crew - sum x`` over the clinicians of the profession who may work
    the site-day; also its counting bound (:attr:`RosterModel.crew_bound`): a site-day with
    fewer candidates than its crew keeps the rest short. A crew above the need earns nothing
    here (the short is 0)."""
    problem, m = rm.problem, rm.model
    index = {b.name: i for i, b in enumerate(problem.blocks)}
    mobile = {i for i, b in enumerate(problem.blocks) if b.kind == "mobile"}
    crews: dict[tuple[Slot, str], list[cp_model.IntVar]] = defaultdict(list)
    for (cid, slot), var in rm.x.items():
        if slot[1] in mobile:
            crews[(slot, rm.by_id[cid].profession)].append(var)
    for (day, block, profession), crew in crew_needs(problem).items():
        slot = (problem.day_index(day), index[block])
        xs = crews.get((slot, profession), [])
        short = m.new_int_var(0, crew, f"crew_short(d{slot[0]},{block},{profession})")
        m.add(short >= crew - sum(xs))
        rm.crew_short[(slot, profession)] = short
        rm.crew_bound += max(0, crew - len(xs))


def demand_cover(rm: RosterModel) -> None:
    """Demand cover (soft, the cover stage): ``short[d, b, p] >= demand minutes - staffed
    minutes``; also the counting bound of the stage (:attr:`RosterModel.cover_bound`): a cell
    cannot be staffed beyond all its candidates."""
    problem, m, blocks = rm.problem, rm.model, rm.problem.blocks
    index = {b.name: i for i, b in enumerate(blocks)}
    staffed: dict[tuple[Slot, str], Terms] = defaultdict(list)
    for (cid, slot), var in rm.x.items():
        staffed[(slot, rm.by_id[cid].profession)].append((var, rm.grid.minutes(slot)))
    for (day, block, profession), hours in sorted(problem.demand.items()):
        need = round(hours * 60)
        if need <= 0:
            continue
        key = ((problem.day_index(day), index[block]), profession)
        s = m.new_int_var(0, need, f"short(d{key[0][0]},{block},{profession})")
        terms = staffed.get(key, [])
        if terms:
            m.add(s >= need - sum(v * w for v, w in terms))
        else:
            m.add(s == need)
        rm.short[key] = s
        rm.cover_bound += max(0, need - sum(w for _, w in terms))


def followup_capacity(rm: RosterModel) -> None:
    """Follow-up capacity per block, for the visits the index clinician takes: ``y[v, d]`` for
    the days of the window on which the clinician has a candidate slot with capacity,
    ``sum_d y[v, d] <= 1`` and ``sum_v y[v, d] <= sum_b cap_b x[c, d, b]``."""
    problem, m, blocks = rm.problem, rm.model, rm.problem.blocks
    per_day: dict[tuple[str, int], list[cp_model.IntVar]] = defaultdict(list)
    day_slots: dict[tuple[str, int], list[Slot]] = defaultdict(list)
    for cid, slot in rm.x:
        if blocks[slot[1]].followup_capacity > 0:
            day_slots[(cid, slot[0])].append(slot)
    for v in problem.visits:
        cid = v.index_clinician_id
        options = []
        for d in range(problem.day_index(v.window_start), problem.day_index(v.window_end) + 1):
            if (cid, d) in day_slots:
                y = m.new_bool_var(f"y({v.visit_id},d{d})")
                rm.y[(v.visit_id, d)] = y
                per_day[(cid, d)].append(y)
                options.append(y)
        if len(options) > 1:
            m.add_at_most_one(options)
    for (cid, d), ys in per_day.items():
        cap = sum(blocks[s[1]].followup_capacity * rm.x[(cid, s)] for s in day_slots[(cid, d)])
        m.add(sum(ys) <= cap)


def fair_share(
    rm: RosterModel, rule: str, kind: str, pick: Callable[[Problem, Slot], bool]
) -> None:
    """Fair share of nights (weekends): soft, ``unfair[c] >= sum x - allowed`` for clinicians
    whose candidates could pass their allowance; hard, ``sum x <= allowed``."""
    problem, m = rm.problem, rm.model
    allowed = fair_allowance(problem, kind)
    for c in problem.clinicians:
        cid = c.clinician_id
        xs = [rm.x[(cid, s)] for s in sorted(rm.cand[cid]) if pick(problem, s)]
        if len(xs) <= allowed[cid]:
            continue
        if problem.is_hard(rule):
            m.add(sum(xs) <= allowed[cid])
            continue
        u = m.new_int_var(0, len(xs) - allowed[cid], f"unfair({cid},{kind})")
        m.add(u >= sum(xs) - allowed[cid])
        rm.unfair[(cid, kind)] = u


def preferred_blocks(rm: RosterModel) -> None:
    """Preferred blocks: soft, each shift outside a clinician's preferred blocks counts in
    :attr:`RosterModel.prefs`; hard, those shifts are ``x = 0``."""
    outside = [
        var
        for (cid, slot), var in rm.x.items()
        if rm.by_id[cid].preferred_blocks
        and rm.problem.blocks[slot[1]].name not in rm.by_id[cid].preferred_blocks
    ]
    if rm.problem.is_hard("Preferred blocks"):
        for var in outside:
            rm.model.add(var == 0)
        outside = []
    rm.prefs = outside
