"""The CP-SAT model of continuity-first rostering.

Variables (only where they can be 1, which keeps 300 clinicians x 28 days x 4 blocks and
~4,000 return visits to a few tens of thousands of booleans):

* ``x[c, d, b]``: clinician ``c`` works block ``b`` on day ``d``; only for the candidate slots
  of :func:`staffing.baseline.candidate_slots` (declared available, offered, with demand).
* ``y[v, d]``: return visit ``v`` is taken by its index clinician on day ``d``; only for days
  of the window on which that clinician has a candidate slot with follow-up capacity. Visits
  not taken by their index clinician go to "another clinician" after the solve
  (:func:`staffing.baseline.book_follow_ups`); they are not modelled one by one.

Hard rules as constraints (same reading as :mod:`staffing.rules` via :mod:`staffing.timegrid`):

* pairs of slots that overlap, rest less than the daily rest apart, or touch and together
  break the span or the 5-h stretch: ``x1 + x2 <= 1``; touching chains of 3+: ``sum <= n-1``;
* max consecutive days: ``sum_{d in W} w[c, d] <= K`` over windows ``W`` of K+1 days,
  ``x[c, d, b] <= w[c, d]`` (only where the clinician has a slot on all K+1 days);
* weekly rest: one of the candidate rest windows of each full week is free,
  ``sum_k r[c, p, k] >= 1`` and ``r[c, p, k] => not x`` for the slots overlapping window k
  (skipped when a window has no candidate slot at all);
* weekly maximum: ``sum minutes x <= 60 H`` per 7-day period; mertid: ``e[c, p] >= minutes -
  contract``, ``sum_p e[c, p] <= cap``;
* follow-up capacity: ``sum_v y[v, d] <= sum_b cap_b x[c, d, b]``; ``sum_d y[v, d] <= 1``.

Rule modes (``Problem.soft_rules`` / ``Problem.hard_rules``): every constraint above belongs to
a named rule and is posted as written when the rule is hard in the problem. A rule made soft
gets slack instead, ``slack >= lhs - limit``, priced in a "rule slack" stage (below):

* Daily rest, Break within 5 h: a conflicting pair or chain whose reasons (by
  :meth:`~staffing.timegrid.Grid.pair_reasons`) are all soft costs the minutes it breaks them
  by; overlaps stay hard. This is a pairwise price; ``evaluate`` reports the exact amount.
* Max consecutive days: ``sum_{d in W} w[c, d] <= K + s_W`` with ``s_W`` in {0, 1}: a run of
  L > K days contains L - K such windows, so ``sum s`` is exactly the days over; 60 per day.
* Weekly rest: the rest windows' ``bool_or`` gets a literal ``miss[c, p]`` priced at the full
  weekly rest in minutes (a proxy: the checker reports the hours missing).
* Weekly maximum hours, Mertid limit: slack in minutes, exactly the checker's amount x 60.

A rule made hard becomes a constraint: Fair share of nights/weekends ``sum x <= allowed``;
Preferred blocks ``x = 0`` outside the clinician's preferred blocks. Availability, No
overlapping shifts and the follow-up rules are always hard; Demand cover, Contract hours and
Return visit unserved always soft (reasons in :data:`staffing.problem.FIXED_RULE_REASONS`).

Objectives, minimised lexicographically by :func:`staffing.solve.solve`:

1. cover: ``sum short[d, b, p]`` with ``short >= demand minutes - staffed minutes``;
1b. rule slack (only when a rule is made soft and can be broken): ``sum weight x slack``, in
   minutes (60 x the checker's amounts). It comes right after cover: a softened working-time
   rule is bent only as far as demand cover needs, never for continuity, contract hours,
   preferences or fairness;
2. continuity: ``-sum y``;
3. contract: ``sum |minutes[c, p] - contract minutes[c, p]|``;
4. preferences and fairness: blocks outside preferences + 3 x blocks above the fair share of
   nights and weekends (only for those of the two rules that are soft).

``lower_bounds`` holds counting bounds of stages 1, 2 and 4 (cells that no candidate can fill;
visits whose index clinician has no usable day; zero), which the solve puts in the objective's
domain so CP-SAT can prove a stage optimal as soon as it reaches them.

Size on the benchmark instance (300 clinicians, 28 days, 4 blocks, 4,000 return visits): about
12,500 shift and 10,000 visit booleans, 27,000 variables and 31,000 constraints in all.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict

from ortools.sat.python import cp_model

from staffing.baseline import candidate_slots
from staffing.problem import Problem
from staffing.rules import (
    contract_per_period,
    fair_allowance,
    is_night,
    is_weekend_slot,
    mertid_cap,
)
from staffing.solution import Solution
from staffing.timegrid import Grid, Slot

FAIRNESS_WEIGHT = 3
#: Rule-slack price of one day over Max consecutive days (as one hour of the minute-priced rules).
DAY_SLACK_WEIGHT = 60


class RosterModel:
    """CP-SAT variables, constraints and the stage objectives (four, five with a rule-slack
    stage) for one problem."""

    def __init__(self, problem: Problem) -> None:
        self.problem = problem
        self.grid = grid = Grid(problem)
        self.model = m = cp_model.CpModel()
        rules = problem.rules
        self.cand = cand = candidate_slots(problem)
        self.by_id = {c.clinician_id: c for c in problem.clinicians}
        self.x: dict[tuple[str, Slot], cp_model.IntVar] = {}
        self.y: dict[tuple[str, int], cp_model.IntVar] = {}
        self.works: dict[tuple[str, int], cp_model.IntVar] = {}
        self.rest: dict[tuple[str, int], list[tuple[cp_model.IntVar, list[Slot]]]] = {}
        self.short: dict[tuple[Slot, str], cp_model.IntVar] = {}
        self.excess: dict[tuple[str, int], cp_model.IntVar] = {}
        self.dev: dict[tuple[str, int], cp_model.IntVar] = {}
        self.unfair: dict[tuple[str, str], cp_model.IntVar] = {}
        # softened rules: slack = max(0, sum(coef * var) - limit), priced weight per unit
        self.slack: list[tuple[cp_model.IntVar, list[tuple[cp_model.IntVar, int]], int, int]] = []
        self.rest_miss: dict[tuple[str, int], cp_model.IntVar] = {}
        blocks = problem.blocks
        soft_conflicts = {r for r in ("Daily rest", "Break within 5 h") if not problem.is_hard(r)}
        reasons = {
            pat: grid.pair_reasons((0, pat[0]), (pat[2], pat[1])) for pat in grid.pair_patterns
        }
        chain_reasons = {chain: grid.chain_reasons(list(chain)) for chain in grid.chain_patterns}

        for c in problem.clinicians:
            for slot in sorted(cand[c.clinician_id]):
                self.x[(c.clinician_id, slot)] = m.new_bool_var(
                    f"x({c.clinician_id},d{slot[0]},{blocks[slot[1]].name})"
                )

        chains = grid.chain_patterns
        for c in problem.clinicians:
            cid = c.clinician_id
            mine = cand[cid]
            # daily rest, overlap, span and stretch: pairs and chains
            for d, b1 in sorted(mine):
                for pat in grid.pair_patterns:
                    p1, p2, delta = pat
                    if p1 == b1 and (d + delta, p2) in mine:
                        pair = [self.x[(cid, (d, b1))], self.x[(cid, (d + delta, p2))]]
                        if set(reasons[pat]) <= soft_conflicts:
                            self._add_slack(
                                f"rest({cid},d{d},{pat})",
                                [(v, 1) for v in pair],
                                1,
                                1,
                                sum(reasons[pat].values()),
                            )
                        else:
                            m.add_bool_or([v.Not() for v in pair])
            for chain in chains:
                for d in range(problem.days):
                    slots = [(d + dd, b) for dd, b in chain]
                    if all(s in mine for s in slots):
                        xs = [(self.x[(cid, s)], 1) for s in slots]
                        if set(chain_reasons[chain]) <= soft_conflicts:
                            self._add_slack(
                                f"chain({cid},d{d})",
                                xs,
                                len(slots) - 1,
                                1,
                                sum(chain_reasons[chain].values()),
                            )
                        else:
                            m.add(sum(v for v, _ in xs) <= len(slots) - 1)
            # max consecutive days
            k = rules.max_consecutive_days
            days_with = {d for d, _ in mine}
            for d0 in range(problem.days - k):
                window = range(d0, d0 + k + 1)
                if all(d in days_with for d in window):
                    for d in window:
                        if (cid, d) not in self.works:
                            w = m.new_bool_var(f"works({cid},d{d})")
                            self.works[(cid, d)] = w
                            for s in mine:
                                if s[0] == d:
                                    m.add_implication(self.x[(cid, s)], w)
                    if problem.is_hard("Max consecutive days"):
                        m.add(sum(self.works[(cid, d)] for d in window) <= k)
                    else:
                        self._add_slack(
                            f"consecutive({cid},d{d0})",
                            [(self.works[(cid, d)], 1) for d in window],
                            k,
                            1,
                            DAY_SLACK_WEIGHT,
                        )
            # weekly rest
            for p in grid.full_periods():
                windows = []
                for _, slots in grid.rest_windows(p):
                    inside = frozenset(s for s in slots if s in mine)
                    windows.append(inside)
                if not windows or any(not w for w in windows):
                    continue
                minimal = [w for w in set(windows) if not any(o < w for o in windows)]
                lits = []
                entries = []
                for i, inside in enumerate(sorted(minimal, key=sorted)):
                    r = m.new_bool_var(f"rest({cid},p{p},{i})")
                    for s in inside:
                        m.add_implication(r, self.x[(cid, s)].Not())
                    lits.append(r)
                    entries.append((r, sorted(inside)))
                if not problem.is_hard("Weekly rest"):
                    miss = m.new_bool_var(f"rest_miss({cid},p{p})")
                    self.rest_miss[(cid, p)] = miss
                    lits.append(miss)
                m.add_bool_or(lits)
                self.rest[(cid, p)] = entries
            # weekly maximum, mertid, contract deviation
            contract = contract_per_period(grid, c)
            total_extra = []
            for p, _days in enumerate(grid.periods):
                terms = [
                    (self.x[(cid, s)], blocks[s[1]].minutes) for s in sorted(mine) if s[0] // 7 == p
                ]
                if not terms:
                    continue  # nothing to decide: the deviation is the whole contract
                minutes = sum(v * w for v, w in terms)
                most = sum(w for _, w in terms)
                limit = round(rules.max_weekly_hours * 60)
                if most > limit:
                    if problem.is_hard("Weekly maximum hours"):
                        m.add(minutes <= limit)
                    else:
                        self._add_slack(f"weekly_max({cid},p{p})", terms, limit, most - limit, 1)
                target = round(contract[p] * 60)
                if most > target:
                    e = m.new_int_var(0, most - target, f"excess({cid},p{p})")
                    m.add(e >= minutes - target)
                    self.excess[(cid, p)] = e
                    total_extra.append((e, most - target))
                dev = m.new_int_var(0, max(target, most - target, 0), f"dev({cid},p{p})")
                m.add(dev >= minutes - target)
                m.add(dev >= target - minutes)
                self.dev[(cid, p)] = dev
            cap = round(mertid_cap(problem) * 60)
            if sum(w for _, w in total_extra) > cap:
                if problem.is_hard("Mertid limit"):
                    m.add(sum(e for e, _ in total_extra) <= cap)
                else:
                    self._add_slack(
                        f"mertid({cid})",
                        [(e, 1) for e, _ in total_extra],
                        cap,
                        sum(w for _, w in total_extra) - cap,
                        1,
                    )

        # demand cover
        index = {b.name: i for i, b in enumerate(blocks)}
        staffed: dict[tuple[Slot, str], list[tuple[cp_model.IntVar, int]]] = defaultdict(list)
        prof = {c.clinician_id: c.profession for c in problem.clinicians}
        for (cid, slot), var in self.x.items():
            staffed[(slot, prof[cid])].append((var, blocks[slot[1]].minutes))
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
            self.short[key] = s

        # return visits by the index clinician
        per_day: dict[tuple[str, int], list[cp_model.IntVar]] = defaultdict(list)
        day_slots: dict[tuple[str, int], list[Slot]] = defaultdict(list)
        for cid, slot in self.x:
            if blocks[slot[1]].followup_capacity > 0:
                day_slots[(cid, slot[0])].append(slot)
        for v in problem.visits:
            cid = v.index_clinician_id
            options = []
            for d in range(problem.day_index(v.window_start), problem.day_index(v.window_end) + 1):
                if (cid, d) in day_slots:
                    y = m.new_bool_var(f"y({v.visit_id},d{d})")
                    self.y[(v.visit_id, d)] = y
                    per_day[(cid, d)].append(y)
                    options.append(y)
            if len(options) > 1:
                m.add_at_most_one(options)
        for (cid, d), ys in per_day.items():
            cap = sum(
                blocks[s[1]].followup_capacity * self.x[(cid, s)] for s in day_slots[(cid, d)]
            )
            m.add(sum(ys) <= cap)

        # fairness of nights and weekends
        for kind, pick, rule in (
            ("nights", is_night, "Fair share of nights"),
            ("weekends", is_weekend_slot, "Fair share of weekends"),
        ):
            allowed = fair_allowance(problem, kind)
            for c in problem.clinicians:
                cid = c.clinician_id
                xs = [self.x[(cid, s)] for s in sorted(cand[cid]) if pick(problem, s)]
                if len(xs) > allowed[cid]:
                    if problem.is_hard(rule):
                        m.add(sum(xs) <= allowed[cid])
                        continue
                    u = m.new_int_var(0, len(xs) - allowed[cid], f"unfair({cid},{kind})")
                    m.add(u >= sum(xs) - allowed[cid])
                    self.unfair[(cid, kind)] = u
        outside = [
            var
            for (cid, slot), var in self.x.items()
            if self.by_id[cid].preferred_blocks
            and blocks[slot[1]].name not in self.by_id[cid].preferred_blocks
        ]
        if problem.is_hard("Preferred blocks"):
            for var in outside:
                m.add(var == 0)
            outside = []
        self.prefs = outside

        # Counting lower bounds of the stage objectives: a cell cannot be staffed beyond all its
        # candidates; a visit is taken by its index clinician at most once, and only if modelled.
        cover_lb = 0
        for key in self.short:
            need = round(
                problem.demand[
                    (problem.start + dt.timedelta(days=key[0][0]), blocks[key[0][1]].name, key[1])
                ]
                * 60
            )
            cover_lb += max(0, need - sum(w for _, w in staffed.get(key, [])))
        with_options = len({vid for vid, _ in self.y})
        self.lower_bounds: list[int | None] = [cover_lb, -with_options, None, 0]
        self.objectives: list[tuple[str, cp_model.LinearExpr]] = [
            ("cover", sum(self.short.values()) if self.short else cp_model.LinearExpr.constant(0)),
            *([("rule slack", self._slack_objective())] if self.has_slack else []),
            ("continuity", -sum(self.y.values()) if self.y else cp_model.LinearExpr.constant(0)),
            ("contract", sum(self.dev.values()) if self.dev else cp_model.LinearExpr.constant(0)),
            (
                "preferences and fairness",
                sum(self.prefs) + FAIRNESS_WEIGHT * sum(self.unfair.values())
                if (self.prefs or self.unfair)
                else cp_model.LinearExpr.constant(0),
            ),
        ]
        if self.has_slack:
            self.lower_bounds.insert(1, 0)

    # -- softened rules ----------------------------------------------------------------------
    def _add_slack(
        self,
        name: str,
        terms: list[tuple[cp_model.IntVar, int]],
        limit: int,
        most: int,
        weight: int,
    ) -> None:
        """``slack >= sum(coef * var) - limit`` with ``0 <= slack <= most``, priced ``weight``."""
        s = self.model.new_int_var(0, most, f"slack:{name}")
        self.model.add(s >= sum(v * w for v, w in terms) - limit)
        self.slack.append((s, terms, limit, weight))

    @property
    def has_slack(self) -> bool:
        """Whether a softened rule can be broken at all (then the model has a rule-slack stage)."""
        return bool(self.slack or self.rest_miss)

    def _rest_miss_weight(self) -> int:
        return round(self.problem.rules.weekly_rest_hours * 60)

    def _slack_objective(self) -> cp_model.LinearExpr:
        return sum(w * s for s, _, _, w in self.slack) + self._rest_miss_weight() * sum(
            self.rest_miss.values()
        )

    # -- sizes, hints, decoding --------------------------------------------------------------
    def size(self) -> dict[str, int]:
        """Variable and constraint counts (for logs and benchmarks)."""
        proto = self.model.Proto()
        return {
            "variables": len(proto.variables),
            "constraints": len(proto.constraints),
            "shift_vars": len(self.x),
            "visit_vars": len(self.y),
        }

    def values_from(self, solution: Solution) -> dict[cp_model.IntVar, int]:
        """A complete assignment of the model's variables for a roster (used as a hint).

        ``y`` is 1 where the roster books the visit with its index clinician on a modelled day.
        """
        p = self.problem
        index = {b.name: i for i, b in enumerate(p.blocks)}
        on = {(s.clinician_id, (p.day_index(s.day), index[s.block])) for s in solution.shifts}
        vals: dict[cp_model.IntVar, int] = {}
        for key, var in self.x.items():
            vals[var] = int(key in on)
        by_visit = {v.visit_id: v for v in p.visits}
        for f in solution.follow_ups:
            v = by_visit.get(f.visit_id)
            if v and f.clinician_id == v.index_clinician_id and f.day is not None:
                key = (f.visit_id, p.day_index(f.day))
                if key in self.y:
                    vals[self.y[key]] = 1
        for var in self.y.values():
            vals.setdefault(var, 0)
        for (cid, d), w in self.works.items():
            vals[w] = int(any(vals[self.x[(cid, s)]] for s in self.cand[cid] if s[0] == d))
        for key, entries in self.rest.items():
            cid = key[0]
            chosen = False
            for r, slots in entries:
                free = not chosen and all(vals[self.x[(cid, s)]] == 0 for s in slots)
                vals[r] = int(free)
                chosen = chosen or free
            if key in self.rest_miss:
                vals[self.rest_miss[key]] = int(not chosen)
        blocks = self.problem.blocks
        minutes: dict[tuple[str, int], int] = defaultdict(int)
        for (cid, slot), var in self.x.items():
            if vals[var]:
                minutes[(cid, slot[0] // 7)] += blocks[slot[1]].minutes
        for c in p.clinicians:
            contract = contract_per_period(self.grid, c)
            for per in range(len(self.grid.periods)):
                target = round(contract[per] * 60)
                got = minutes[(c.clinician_id, per)]
                if (c.clinician_id, per) in self.excess:
                    vals[self.excess[(c.clinician_id, per)]] = max(0, got - target)
                dev = self.dev.get((c.clinician_id, per))
                if dev is not None:
                    vals[dev] = abs(got - target)
        staffed: dict[tuple[Slot, str], int] = defaultdict(int)
        for (cid, slot), var in self.x.items():
            if vals[var]:
                staffed[(slot, self.by_id[cid].profession)] += blocks[slot[1]].minutes
        for key, s in self.short.items():
            day, block = p.start + dt.timedelta(days=key[0][0]), blocks[key[0][1]].name
            need = round(p.demand[(day, block, key[1])] * 60)
            vals[s] = max(0, need - staffed[key])
        for kind, pick in (("nights", is_night), ("weekends", is_weekend_slot)):
            allowed = fair_allowance(p, kind)
            for c in p.clinicians:
                u = self.unfair.get((c.clinician_id, kind))
                if u is not None:
                    n = sum(
                        vals[self.x[(c.clinician_id, s)]]
                        for s in self.cand[c.clinician_id]
                        if pick(p, s)
                    )
                    vals[u] = max(0, n - allowed[c.clinician_id])
        for s, terms, limit, _ in self.slack:  # after works and excess, which they may sum
            vals[s] = max(0, sum(vals[v] * w for v, w in terms) - limit)
        return vals

    def stage_values(self, vals: dict[cp_model.IntVar, int]) -> list[int]:
        """The stage objectives of a complete assignment (as from :meth:`values_from`), in the
        order of :attr:`objectives`."""
        out = [
            sum(vals[v] for v in self.short.values()),
            -sum(vals[v] for v in self.y.values()),
            sum(vals[v] for v in self.dev.values()),
            sum(vals[v] for v in self.prefs)
            + FAIRNESS_WEIGHT * sum(vals[v] for v in self.unfair.values()),
        ]
        if self.has_slack:
            out.insert(
                1,
                sum(w * vals[s] for s, _, _, w in self.slack)
                + self._rest_miss_weight() * sum(vals[v] for v in self.rest_miss.values()),
            )
        return out

    def all_vars(self) -> list[cp_model.IntVar]:
        """Every decision and auxiliary variable (for complete hints between stages)."""
        out: list[cp_model.IntVar] = [*self.x.values(), *self.y.values(), *self.works.values()]
        out += [r for entries in self.rest.values() for r, _ in entries]
        out += [*self.short.values(), *self.excess.values(), *self.unfair.values()]
        out += list(self.dev.values())
        out += [s for s, *_ in self.slack] + list(self.rest_miss.values())
        return out
