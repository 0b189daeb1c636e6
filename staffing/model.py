"""The CP-SAT model of continuity-first rostering.

Variables (only where they can be 1, which keeps 300 clinicians x 28 days x 4 blocks and
~4,000 return visits to a few tens of thousands of booleans):

* ``x[c, d, b]``: clinician ``c`` works block ``b`` on day ``d``; only for the candidate slots
  of :func:`staffing.candidates.candidate_slots` (declared available, offered, with demand or a
  return visit of the clinician's that day).
* ``y[v, d]``: return visit ``v`` is taken by its index clinician on day ``d``; only for days
  of the window on which that clinician has a candidate slot with follow-up capacity. Visits
  not taken by their index clinician go to "another clinician" after the solve
  (:func:`staffing.booking.book_follow_ups`); they are not modelled one by one.

Hard rules as constraints, one function per named rule in :mod:`staffing.constraints` (same
reading as :mod:`staffing.rules` via :mod:`staffing.timegrid`):

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
overlapping shifts and the follow-up rules are always hard; Mobile crew, Demand cover, Contract
hours and Return visit unserved always soft (reasons in
:data:`staffing.rulemodes.FIXED_RULE_REASONS`).

Objectives, minimised lexicographically by :func:`staffing.solve.solve`:

1. cover: ``W x sum crew_short[d, b, p] + sum short[d, b, p]`` with ``short >= demand
   minutes - staffed minutes`` and, for each placed unit's site-day (only when there is one),
   ``crew_short >= crew - sum x`` over the clinicians of the profession who may work it
   (:func:`staffing.rules.crew_needs`: one doctor for an 8-h day). ``W`` (:attr:`crew_weight`)
   is the total demand in minutes plus one, more than any cover can change, so the stage is
   lexicographic inside: every crew member before any digital minute, even where the doctor
   would cover more digital time (two 5-h blocks beat one 8-h site-day). Crews are weighted
   here rather than given a stage of their own: a crew stage hands the cover stage whatever
   roster first reaches the crew bound, which may be far from the warm start's cover;
1b. rule slack (only when a rule is made soft and can be broken): ``sum weight x slack``, in
   minutes (60 x the checker's amounts). It comes right after cover: a softened working-time
   rule is bent only as far as mobile crews and demand cover need, never for continuity,
   contract hours, preferences or fairness;
2. continuity: ``-sum y``;
3. contract: ``sum |minutes[c, p] - contract minutes[c, p]|``;
4. preferences and fairness: blocks outside preferences + 3 x blocks above the fair share of
   nights and weekends (only for those of the two rules that are soft).

``lower_bounds`` holds counting bounds of stages 1, 2 and 4 (crew members and cells that no
candidate can supply; visits whose index clinician has no usable day; zero), which the solve
puts in the objective's domain so CP-SAT can prove a stage optimal as soon as it reaches them.

Size on the benchmark instance (300 clinicians, 28 days, 4 blocks, 4,000 return visits, seed
1): about 12,300 shift and 9,700 visit booleans, 26,800 variables and 27,000 constraints in all.
"""

from __future__ import annotations

import datetime as dt
import math
import time
from collections import defaultdict
from collections.abc import Iterable

from ortools.sat.python import cp_model

from staffing import constraints
from staffing.candidates import candidate_slots
from staffing.problem import Problem
from staffing.rules import (
    contract_per_period,
    crew_needs,
    fair_allowance,
    is_night,
    is_weekend_slot,
)
from staffing.solution import Solution
from staffing.timegrid import Grid, Slot

FAIRNESS_WEIGHT = 3

#: A complete assignment of the model's variables.
Values = dict[cp_model.IntVar, int]

#: A softened rule's slack: ``(slack, terms, limit, weight)`` with
#: ``slack = max(0, sum(coef * var for var, coef in terms) - limit)``, priced ``weight`` per unit.
SlackTerm = tuple[cp_model.IntVar, list[tuple[cp_model.IntVar, int]], int, int]


class OutOfTime(Exception):
    """The deadline passed while the model was being built (the message says how far)."""


class RosterModel:
    """CP-SAT variables, constraints and the stage objectives (four, five with a rule-slack
    stage) for one problem.

    The constructor declares the shift variables ``x``, then calls the functions of
    :mod:`staffing.constraints` (one per named rule), which add their variables to the
    dictionaries below; a new rule's constraints are a new function there, called here.
    Nothing of OR-Tools leaves :func:`staffing.solve.solve`.
    """

    def __init__(self, problem: Problem, deadline: float = math.inf) -> None:
        """Build the model; past the ``deadline`` (``time.perf_counter()``) raise
        :class:`OutOfTime` (building is Python and grows with clinicians x days)."""
        self.problem = problem
        self.grid = grid = Grid(problem)
        self.model = cp_model.CpModel()
        self.cand = candidate_slots(problem, keep_visits=True)
        self.by_id = {c.clinician_id: c for c in problem.clinicians}
        self.x: dict[tuple[str, Slot], cp_model.IntVar] = {}
        self.y: dict[tuple[str, int], cp_model.IntVar] = {}
        self.works: dict[tuple[str, int], cp_model.IntVar] = {}
        self.rest: dict[tuple[str, int], list[tuple[cp_model.IntVar, list[Slot]]]] = {}
        self.crew_short: dict[tuple[Slot, str], cp_model.IntVar] = {}
        self.short: dict[tuple[Slot, str], cp_model.IntVar] = {}
        self.excess: dict[tuple[str, int], cp_model.IntVar] = {}
        self.dev: dict[tuple[str, int], cp_model.IntVar] = {}
        self.unfair: dict[tuple[str, str], cp_model.IntVar] = {}
        self.prefs: list[cp_model.IntVar] = []
        self.slack: list[SlackTerm] = []
        self.rest_miss: dict[tuple[str, int], cp_model.IntVar] = {}
        self.crew_bound = 0
        #: Price of one crew member missing in the cover stage: more than all demand minutes.
        self.crew_weight = 1 + sum(max(0, round(h * 60)) for h in problem.demand.values())
        self.cover_bound = 0
        #: Rules whose pair and chain conflicts are priced instead of forbidden.
        self.soft_conflicts = {
            r for r in ("Daily rest", "Break within 5 h") if not problem.is_hard(r)
        }
        self.pair_reasons = {
            pat: grid.pair_reasons((0, pat[0]), (pat[2], pat[1])) for pat in grid.pair_patterns
        }
        self.chain_reasons = {
            chain: grid.chain_reasons(list(chain)) for chain in grid.chain_patterns
        }

        for c in problem.clinicians:
            for slot in sorted(self.cand[c.clinician_id]):
                self.x[(c.clinician_id, slot)] = self.model.new_bool_var(
                    f"x({c.clinician_id},d{slot[0]},{problem.blocks[slot[1]].name})"
                )
        for done, c in enumerate(problem.clinicians):
            if time.perf_counter() >= deadline:
                raise OutOfTime(
                    f"roster model built for {done} of {len(problem.clinicians)} clinicians"
                )
            constraints.daily_rest_and_breaks(self, c)
            constraints.max_consecutive_days(self, c)
            constraints.weekly_rest(self, c)
            constraints.working_hours(self, c)
        constraints.mobile_crew(self)
        constraints.demand_cover(self)
        constraints.followup_capacity(self)
        constraints.fair_share(self, "Fair share of nights", "nights", is_night)
        constraints.fair_share(self, "Fair share of weekends", "weekends", is_weekend_slot)
        constraints.preferred_blocks(self)
        self.lower_bounds, self.objectives = self._stages()

    def _stages(self) -> tuple[list[int | None], list[tuple[str, cp_model.LinearExpr]]]:
        """The counting lower bounds and the objectives of the stages, in order.

        Bounds: the crew members and cells no candidate can supply (cover); minus the visits
        with a modelled day (continuity: a visit is taken by its index clinician at most once);
        none (contract); zero (rule slack, preferences and fairness).
        """
        zero = cp_model.LinearExpr.constant(0)
        with_options = len({vid for vid, _ in self.y})
        cover = _sum(self.short.values()) if self.short else zero
        if self.has_crews:
            cover = self.crew_weight * _sum(self.crew_short.values()) + cover
        stages: list[tuple[str, cp_model.LinearExpr, int | None]] = [
            ("cover", cover, self.crew_weight * self.crew_bound + self.cover_bound)
        ]
        if self.has_slack:
            stages.append(("rule slack", self._slack_objective(), 0))
        stages += [
            ("continuity", -_sum(self.y.values()) if self.y else zero, -with_options),
            ("contract", _sum(self.dev.values()) if self.dev else zero, None),
            (
                "preferences and fairness",
                _sum(self.prefs) + FAIRNESS_WEIGHT * _sum(self.unfair.values())
                if (self.prefs or self.unfair)
                else zero,
                0,
            ),
        ]
        return [b for _, _, b in stages], [(name, obj) for name, obj, _ in stages]

    @property
    def has_crews(self) -> bool:
        """Whether a placed unit asks for a crew (then the cover stage prices crews first)."""
        return bool(self.crew_short)

    # -- softened rules ----------------------------------------------------------------------
    def add_slack(
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
        return _sum(w * s for s, _, _, w in self.slack) + self._rest_miss_weight() * _sum(
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

    def values_from(self, solution: Solution) -> Values:
        """A complete assignment of the model's variables for a roster (used as a hint).

        ``y`` is 1 where the roster books the visit with its index clinician on a modelled day.
        The variables come in a fixed order (the order of the hints).
        """
        p = self.problem
        index = {b.name: i for i, b in enumerate(p.blocks)}
        on = {(s.clinician_id, (p.day_index(s.day), index[s.block])) for s in solution.shifts}
        vals: Values = {}
        for shift, var in self.x.items():
            vals[var] = int(shift in on)
        by_visit = {v.visit_id: v for v in p.visits}
        for f in solution.follow_ups:
            v = by_visit.get(f.visit_id)
            if v and f.clinician_id == v.index_clinician_id and f.day is not None:
                taken = (f.visit_id, p.day_index(f.day))
                if taken in self.y:
                    vals[self.y[taken]] = 1
        for var in self.y.values():
            vals.setdefault(var, 0)
        for (cid, d), w in self.works.items():
            vals[w] = int(any(vals[self.x[(cid, s)]] for s in self.cand[cid] if s[0] == d))
        for week, entries in self.rest.items():
            chosen = False
            for r, slots in entries:
                free = not chosen and all(vals[self.x[(week[0], s)]] == 0 for s in slots)
                vals[r] = int(free)
                chosen = chosen or free
            if week in self.rest_miss:
                vals[self.rest_miss[week]] = int(not chosen)
        self._hour_values(vals)
        self._crew_values(vals)
        self._cover_values(vals)
        self._fairness_values(vals)
        for s, terms, limit, _ in self.slack:  # after works and excess, which they may sum
            vals[s] = max(0, sum(vals[v] * w for v, w in terms) - limit)
        return vals

    def _hour_values(self, vals: Values) -> None:
        """Set the excess and contract deviations of the shifts in ``vals``."""
        minutes: dict[tuple[str, int], int] = defaultdict(int)
        for (cid, slot), var in self.x.items():
            if vals[var]:
                minutes[(cid, slot[0] // 7)] += self.grid.minutes(slot)
        for c in self.problem.clinicians:
            contract = contract_per_period(self.grid, c)
            for per in range(len(self.grid.periods)):
                target = round(contract[per] * 60)
                got = minutes[(c.clinician_id, per)]
                if (c.clinician_id, per) in self.excess:
                    vals[self.excess[(c.clinician_id, per)]] = max(0, got - target)
                dev = self.dev.get((c.clinician_id, per))
                if dev is not None:
                    vals[dev] = abs(got - target)

    def _crew_values(self, vals: Values) -> None:
        """Set the crew members missing at the mobile site-days of the shifts in ``vals``."""
        p = self.problem
        crews = crew_needs(p)
        rostered: dict[tuple[Slot, str], int] = defaultdict(int)
        for (cid, slot), var in self.x.items():
            if vals[var] and (slot, self.by_id[cid].profession) in self.crew_short:
                rostered[(slot, self.by_id[cid].profession)] += 1
        for cell, s in self.crew_short.items():
            (d, b), profession = cell
            day = p.start + dt.timedelta(days=d)
            vals[s] = max(0, crews[(day, p.blocks[b].name, profession)] - rostered[cell])

    def _cover_values(self, vals: Values) -> None:
        """Set the shortfalls of the shifts in ``vals``."""
        p, blocks = self.problem, self.problem.blocks
        staffed: dict[tuple[Slot, str], int] = defaultdict(int)
        for (cid, slot), var in self.x.items():
            if vals[var]:
                staffed[(slot, self.by_id[cid].profession)] += self.grid.minutes(slot)
        for cell, s in self.short.items():
            (d, b), profession = cell
            day = p.start + dt.timedelta(days=d)
            need = round(p.demand[(day, blocks[b].name, profession)] * 60)
            vals[s] = max(0, need - staffed[cell])

    def _fairness_values(self, vals: Values) -> None:
        """Set the night and weekend blocks above the fair share of the shifts in ``vals``."""
        p = self.problem
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

    def stage_values(self, vals: Values) -> list[int]:
        """The stage objectives of a complete assignment (as from :meth:`values_from`), in the
        order of :attr:`objectives`."""
        value = {
            "cover": self.crew_weight * sum(vals[v] for v in self.crew_short.values())
            + sum(vals[v] for v in self.short.values()),
            "rule slack": sum(w * vals[s] for s, _, _, w in self.slack)
            + self._rest_miss_weight() * sum(vals[v] for v in self.rest_miss.values()),
            "continuity": -sum(vals[v] for v in self.y.values()),
            "contract": sum(vals[v] for v in self.dev.values()),
            "preferences and fairness": sum(vals[v] for v in self.prefs)
            + FAIRNESS_WEIGHT * sum(vals[v] for v in self.unfair.values()),
        }
        return [value[name] for name, _ in self.objectives]

    def all_vars(self) -> list[cp_model.IntVar]:
        """Every decision and auxiliary variable (for complete hints between stages)."""
        out: list[cp_model.IntVar] = [*self.x.values(), *self.y.values(), *self.works.values()]
        out += [r for entries in self.rest.values() for r, _ in entries]
        out += [*self.crew_short.values(), *self.short.values()]
        out += [*self.excess.values(), *self.unfair.values()]
        out += list(self.dev.values())
        out += [s for s, *_ in self.slack] + list(self.rest_miss.values())
        return out


def _sum(terms: Iterable[cp_model.LinearExprT]) -> cp_model.LinearExpr:
    """The sum of variables or expressions as one linear expression (0 when empty)."""
    return cp_model.LinearExpr.sum(list(terms))
