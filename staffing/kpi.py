"""``evaluate(problem, solution)``: the roster's KPIs, computed without the solver.

Continuity metrics (docs/domain.md), for a patient with N visits of which n_i are with
clinician i:

* same-clinician rate: share of return visits taken by the index clinician in the window
  (the provider's 96 % figure); per profession too;
* availability bound: share of return visits whose index clinician declared availability on
  some day of the window for a block that takes follow-ups; no roster can beat it;
* mobile site-days: the (day, mobile block) pairs that ask for a crew, those short of it
  (``mobile_site_days_unstaffed``: at least one crew member missing), and the crew members
  missing and above the need over all of them;
* UPC = max_i n_i / N; COC (Bice-Boxerman) = (sum_i n_i^2 - N) / (N (N - 1));
  SECON = share of consecutive visit pairs with the same clinician. Each is computed per patient
  over the history plus the return visit (when served) and averaged over patients with N >= 2.
"""

from __future__ import annotations

import bisect
import datetime as dt
import itertools
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from typing import Any

from staffing.misses import served_by_index
from staffing.problem import Problem
from staffing.rules import RULES, Violation, check, clinician_slots
from staffing.rules.cover import crew_needs, crew_rostered, staffed_minutes
from staffing.solution import Solution
from staffing.timegrid import Grid

#: The continuity measures in plain words, for people reading a roster's KPIs.
CONTINUITY_MEASURES: dict[str, str] = {
    "continuity_rate": "Same-clinician rate: the share of return visits taken by the clinician "
    "the patient saw at the index visit, within the return window (the provider promises 96 %).",
    "upc": "UPC (usual provider of care): for each patient, the share of their visits that were "
    "with the clinician they saw most; averaged over patients with two visits or more.",
    "coc": "COC (continuity of care index, Bice-Boxerman): how concentrated a patient's visits "
    "are on few clinicians; 1 when all were with one clinician, 0 when every visit was with a "
    "different one; averaged over patients.",
    "secon": "SECON (sequential continuity): the share of a patient's consecutive visit pairs "
    "that were with the same clinician; averaged over patients.",
}


@dataclass(frozen=True)
class Kpis:
    """KPIs of one roster; :meth:`to_dict` gives flat, storable numbers."""

    continuity_rate: float | None
    continuity_by_profession: dict[str, float | None]
    availability_bound: float | None
    bound_by_profession: dict[str, float | None]
    continuity_target: float
    upc: float | None
    coc: float | None
    secon: float | None
    cover: float | None
    shortfall_hours: float
    hours_by_clinician: dict[str, tuple[float, float]]  # id -> (rostered hours, contract hours)
    violations: tuple[Violation, ...] = field(default=())
    mobile_site_days: int = 0
    mobile_site_days_unstaffed: int = 0
    mobile_crew_missing: int = 0
    mobile_crew_extra: int = 0

    @property
    def hard_violations(self) -> int:
        """Number of hard-rule violations."""
        return sum(v.hard for v in self.violations)

    def violation_counts(self) -> dict[str, int]:
        """Violations per rule name (every rule listed, zero included)."""
        counts = Counter(v.rule for v in self.violations)
        return {r.name: counts.get(r.name, 0) for r in RULES}

    def shortages(self) -> list[Violation]:
        """Demand-cover violations: the days, blocks and professions that are short."""
        return [v for v in self.violations if v.rule == "Demand cover"]

    def to_dict(self) -> dict[str, Any]:
        """Flat numbers for storage and JSON."""
        hours = list(self.hours_by_clinician.values())
        dev = [abs(h - k) for h, k in hours]
        within = [abs(h - k) <= 0.1 * k for h, k in hours if k > 0]
        out: dict[str, Any] = {
            "continuity_rate": self.continuity_rate,
            "availability_bound": self.availability_bound,
            "continuity_target": self.continuity_target,
            "upc": self.upc,
            "coc": self.coc,
            "secon": self.secon,
            "cover": self.cover,
            "shortfall_hours": self.shortfall_hours,
            "mobile_site_days": self.mobile_site_days,
            "mobile_site_days_unstaffed": self.mobile_site_days_unstaffed,
            "mobile_crew_missing": self.mobile_crew_missing,
            "mobile_crew_extra": self.mobile_crew_extra,
            "hard_violations": self.hard_violations,
            "soft_violations": len(self.violations) - self.hard_violations,
            "rostered_hours": sum(h for h, _ in hours),
            "contract_hours": sum(k for _, k in hours),
            "mean_abs_contract_deviation_h": sum(dev) / len(dev) if dev else None,
            "share_within_10pct_of_contract": sum(within) / len(within) if within else None,
        }
        for p, rate in self.continuity_by_profession.items():
            out[f"continuity_rate_{p}"] = rate
        for p, rate in self.bound_by_profession.items():
            out[f"availability_bound_{p}"] = rate
        for name, n in self.violation_counts().items():
            out["violations_" + name.lower().replace(" ", "_").replace("-", "_")] = n
        return out


def _share(hits: int, total: int) -> float | None:
    return hits / total if total else None


def evaluate(problem: Problem, solution: Solution) -> Kpis:
    """Every KPI of ``solution`` on ``problem``, from the roster alone."""
    working = {(s.clinician_id, s.day, s.block) for s in solution.shifts}
    booked = {f.visit_id: f for f in solution.follow_ups}
    caps = {b.name: b for b in problem.blocks}
    same: Counter[str] = Counter()
    possible: Counter[str] = Counter()
    total: Counter[str] = Counter()
    by_id = {c.clinician_id: c for c in problem.clinicians}
    patients: dict[str, list[tuple[Any, str]]] = defaultdict(list)
    open_days: dict[str, list[dt.date]] = {}  # days a clinician could see a return visit
    for v in problem.visits:
        total[v.profession] += 1
        f = booked.get(v.visit_id)
        if served_by_index(v, f, working):
            same[v.profession] += 1
        days = open_days.get(v.index_clinician_id)
        if days is None:  # once per clinician: 20,000 visits would scan a year 20,000 times
            days = open_days[v.index_clinician_id] = sorted(
                {
                    day
                    for day, block in by_id[v.index_clinician_id].available
                    if caps[block].followup_capacity > 0 and caps[block].offered_on(day)
                }
            )
        first = bisect.bisect_left(days, v.window_start)
        if first < len(days) and days[first] <= v.window_end:
            possible[v.profession] += 1
        history = list(v.history)
        patients[v.patient_id] += history
        if f is not None and f.clinician_id is not None:
            patients[v.patient_id].append((f.day, f.clinician_id))
    upc, coc, secon = [], [], []
    for visits in patients.values():
        visits = sorted(visits, key=lambda t: t[0])
        n = len(visits)
        if n < 2:
            continue
        counts = Counter(who for _, who in visits)
        upc.append(max(counts.values()) / n)
        coc.append((sum(k * k for k in counts.values()) - n) / (n * (n - 1)))
        secon.append(sum(a[1] == b[1] for a, b in itertools.pairwise(visits)) / (n - 1))
    staffed = staffed_minutes(problem, solution)
    demand = sum(problem.demand.values())
    covered = sum(min(h, staffed[k] / 60) for k, h in problem.demand.items())
    slots = clinician_slots(problem, solution)
    grid = Grid(problem)
    weeks = problem.days / 7
    hours = {
        c.clinician_id: (
            sum(grid.minutes(s) for s in slots.get(c.clinician_id, [])) / 60,
            c.contract_hours * weeks,
        )
        for c in problem.clinicians
    }
    n_total = sum(total.values())
    crews = crew_needs(problem)
    crewed = crew_rostered(problem, solution)
    gaps = {k: n - crewed[k] for k, n in crews.items()}
    return Kpis(
        continuity_rate=_share(sum(same.values()), n_total),
        continuity_by_profession={p: _share(same[p], total[p]) for p in sorted(total)},
        availability_bound=_share(sum(possible.values()), n_total),
        bound_by_profession={p: _share(possible[p], total[p]) for p in sorted(total)},
        continuity_target=problem.continuity_target,
        upc=sum(upc) / len(upc) if upc else None,
        coc=sum(coc) / len(coc) if coc else None,
        secon=sum(secon) / len(secon) if secon else None,
        cover=covered / demand if demand > 0 else None,
        shortfall_hours=demand - covered,
        hours_by_clinician=hours,
        violations=tuple(check(problem, solution)),
        mobile_site_days=len({(d, b) for d, b, _ in crews}),
        mobile_site_days_unstaffed=len({(d, b) for (d, b, _), gap in gaps.items() if gap > 0}),
        mobile_crew_missing=sum(max(0, gap) for gap in gaps.values()),
        mobile_crew_extra=sum(max(0, -gap) for gap in gaps.values()),
    )
