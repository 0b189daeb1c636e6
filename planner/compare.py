"""Compare scenarios: what differs in their parameters, and about ten headline KPIs with the
absolute and relative change against a reference scenario.

A regional planner asks "what does 12 units instead of 10 buy?". :func:`compare` answers from
stored plans: the parameters that differ (side by side, counties by name), the headline KPIs of
each scenario's latest plans with their change against the first (reference) scenario, and
warnings when the plans are not comparable as they stand: a plan missing, a plan far from
proven or not usable, different time limits, or a change smaller than the plans' own gaps.
It reads nothing itself: :func:`load_plans` reads the store for the CLI; the dashboard passes
the plans a user may see.
"""

from __future__ import annotations

import json
import math
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, Protocol

from sqlalchemy.engine import Engine

from planner.kpis import describe, format_change, format_value
from planner.quality import plan_quality

#: The headline KPIs of a comparison, by planner (about ten, each answering "what changed for
#: patients, clinicians or money").
COMPARE_KPIS: tuple[tuple[str, str], ...] = (
    ("placement", "served_share"),
    ("placement", "served_patients"),
    ("placement", "relocation_km"),
    ("staffing", "continuity_rate"),
    ("staffing", "cover"),
    ("staffing", "shortfall_hours"),
    ("continuity", "requests"),
    ("routing", "total_cost_sek"),
    ("routing", "on_time_share"),
    ("routing", "devices_needed"),
)

#: Keys that name a scenario rather than change what it plans.
_IDENTITY = frozenset({"scenario.name", "scenario.description"})


class PlanLike(Protocol):
    """What a comparison needs of a stored plan (a run and its KPIs)."""

    @property
    def solver_status(self) -> str | None: ...
    @property
    def objective(self) -> float | None: ...
    @property
    def bound(self) -> float | None: ...
    @property
    def time_limit_s(self) -> float | None: ...
    @property
    def kpis(self) -> Mapping[str, float | None]: ...


@dataclass(frozen=True)
class StoredPlan:
    """A plan read from the store (see :func:`load_plans`)."""

    solver_status: str | None
    objective: float | None
    bound: float | None
    time_limit_s: float | None
    kpis: Mapping[str, float | None]


@dataclass(frozen=True)
class ParameterRow:
    """One parameter that differs: its dotted key and each scenario's value, as people read it."""

    key: str
    values: dict[str, str]


@dataclass(frozen=True)
class KpiRow:
    """One headline KPI across the scenarios: values, and the change against the reference
    (absolute, and relative when the reference is not 0)."""

    planner: str
    kpi: str
    label: str
    unit: str
    values: dict[str, float | None]
    change: dict[str, float | None]
    relative: dict[str, float | None]

    def shown(self, scenario: str) -> str:
        """A scenario's value with its unit, the Swedish way."""
        return format_value(self.kpi, self.values.get(scenario))

    def shown_change(self, scenario: str) -> str:
        """``+1,2 points, +1,3 %``: the change against the reference, or '' for none."""
        change, relative = self.change.get(scenario), self.relative.get(scenario)
        if change is None:
            return ""
        text = format_change(self.kpi, change)
        if relative is not None and change != 0:
            sign = "+" if relative > 0 else "-"
            text += f", {sign}{abs(100 * relative):.1f} %".replace(".", ",")
        return text


@dataclass(frozen=True)
class Comparison:
    """Scenarios side by side (the first is the reference)."""

    scenarios: list[str]
    parameters: list[ParameterRow]
    kpis: list[KpiRow]
    warnings: list[str] = field(default_factory=list)

    @property
    def reference(self) -> str:
        """The scenario every change is measured against."""
        return self.scenarios[0]

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready: parameters, KPIs with values and changes, warnings."""
        return {
            "reference": self.reference,
            "scenarios": self.scenarios,
            "parameters": [{"key": p.key, "values": p.values} for p in self.parameters],
            "kpis": [
                {
                    "planner": k.planner,
                    "kpi": k.kpi,
                    "label": k.label,
                    "unit": k.unit,
                    "values": k.values,
                    "change": k.change,
                    "relative_change": k.relative,
                }
                for k in self.kpis
            ],
            "warnings": self.warnings,
        }


def flatten(params: Mapping[str, Any], prefix: str = "") -> dict[str, Any]:
    """Nested scenario parameters as dotted keys (``placement.units``)."""
    out: dict[str, Any] = {}
    for key, value in params.items():
        dotted = f"{prefix}{key}"
        if isinstance(value, Mapping) and value and all(isinstance(k, str) for k in value):
            out.update(flatten(value, dotted + "."))
        else:
            out[dotted] = value
    return out


def _readable(key: str, value: Any, county_names: Mapping[str, str]) -> str:
    """A parameter value for people: county codes by name, lists joined, nothing as '-'."""
    if value is None:
        return "-"
    if key.endswith("counties") and isinstance(value, list):
        return ", ".join(county_names.get(str(c), str(c)) for c in value) or "all of Sweden"
    if isinstance(value, list):
        return (
            ", ".join(
                json.dumps(v, ensure_ascii=False) if isinstance(v, dict) else str(v) for v in value
            )
            or "-"
        )
    if isinstance(value, float):
        return f"{value:g}".replace(".", ",")
    return str(value)


def parameter_rows(
    params: Mapping[str, Mapping[str, Any]], county_names: Mapping[str, str] | None = None
) -> list[ParameterRow]:
    """The parameters whose values differ between the scenarios (identity keys left out)."""
    flat = {name: flatten(p) for name, p in params.items()}
    keys = sorted({k for f in flat.values() for k in f} - _IDENTITY)
    rows = []
    for key in keys:
        raw = {name: f.get(key) for name, f in flat.items()}
        if len({json.dumps(v, sort_keys=True) for v in raw.values()}) > 1:
            rows.append(
                ParameterRow(
                    key, {n: _readable(key, v, county_names or {}) for n, v in raw.items()}
                )
            )
    return rows


def _finite(value: float | None) -> float | None:
    return value if value is not None and math.isfinite(value) else None


def kpi_rows(
    plans: Mapping[str, Mapping[str, PlanLike]],
    wanted: Sequence[tuple[str, str]] = COMPARE_KPIS,
) -> list[KpiRow]:
    """Each wanted (planner, KPI) that some scenario stores, with changes against the first."""
    names = list(plans)
    reference = names[0]
    rows = []
    for planner, kpi in wanted:
        values = {
            n: _finite(plans[n][planner].kpis.get(kpi)) if planner in plans[n] else None
            for n in names
        }
        if all(v is None for v in values.values()):
            continue
        base = values[reference]
        change: dict[str, float | None] = {}
        relative: dict[str, float | None] = {}
        for n in names[1:]:
            value = values[n]
            change[n] = None if value is None or base is None else value - base
            relative[n] = (
                None if change[n] is None or base in (None, 0) else change[n] / abs(base)  # type: ignore[operator]
            )
        info = describe(kpi)
        rows.append(KpiRow(planner, kpi, info.label, info.unit, values, change, relative))
    return rows


def comparison_warnings(
    plans: Mapping[str, Mapping[str, PlanLike]], rows: Sequence[KpiRow]
) -> list[str]:
    """What could distort the comparison: missing plans, plans far from proven or unusable,
    different time limits, changes smaller than the plans' own gaps."""
    names = list(plans)
    planners = sorted({p for by in plans.values() for p in by}, key=_planner_order)
    warnings = []
    for planner in planners:
        missing = [n for n in names if planner not in plans[n]]
        if missing:
            warnings.append(f"{planner}: no stored plan for {', '.join(missing)}.")
        present = {n: plans[n][planner] for n in names if planner in plans[n]}
        qualities = {
            n: plan_quality(p.solver_status, p.objective, p.bound, time_limit_s=p.time_limit_s)
            for n, p in present.items()
        }
        weak = [n for n, q in qualities.items() if q.grade in ("far", "none")]
        if weak:
            warnings.append(
                f"{planner}: the plan of {', '.join(weak)} is far from proven or not usable; "
                "its KPIs may change with a longer solve."
            )
        limits = {p.time_limit_s for p in present.values()}
        if len(limits) > 1:
            shown = ", ".join(
                f"{n} {p.time_limit_s:g} s" for n, p in present.items() if p.time_limit_s
            )
            warnings.append(f"{planner}: the solves had different time limits ({shown}).")
        gaps = [q.gap for q in qualities.values() if q.gap is not None]
        widest = max(gaps, default=0.0)
        if widest > 0.01:
            small = [
                r.label
                for r in rows
                if r.planner == planner
                and any(v is not None and abs(v) < widest for v in r.relative.values())
            ]
            if small:
                gap = f"{100 * widest:.1f}".replace(".", ",")
                warnings.append(
                    f"{planner}: {', '.join(small)} change by less than the plans' own gap "
                    f"(up to {gap} %), so the difference may be the solver's, not the "
                    "scenario's."
                )
    return warnings


def _planner_order(planner: str) -> int:
    order = [p for p, _ in COMPARE_KPIS]
    return order.index(planner) if planner in order else len(order)


def compare(
    params: Mapping[str, Mapping[str, Any]],
    plans: Mapping[str, Mapping[str, PlanLike]],
    county_names: Mapping[str, str] | None = None,
    wanted: Sequence[tuple[str, str]] = COMPARE_KPIS,
) -> Comparison:
    """Compare scenarios (``params`` and ``plans`` keyed by scenario name, the reference
    first): differing parameters, headline KPIs with changes, warnings."""
    if len(params) < 2:
        raise ValueError("compare needs two scenarios or more")
    rows = kpi_rows(plans, wanted)
    return Comparison(
        list(params), parameter_rows(params, county_names), rows, comparison_warnings(plans, rows)
    )


def load_plans(
    engine: Engine,
    names: Sequence[str],
    kpi_filter: Callable[[dict[str, float | None]], dict[str, float | None]] | None = None,
) -> tuple[dict[str, dict[str, Any]], dict[str, dict[str, StoredPlan]]]:
    """Each scenario's parameters (latest version) and its latest finished plan per planner."""
    from planner.errors import PlannerError
    from planner.registry import PLANNER_NAMES
    from planner.storage import get_scenario, id_of, latest_run, run_kpis

    if len(set(names)) < len(names):
        raise PlannerError("name each scenario once")
    params: dict[str, dict[str, Any]] = {}
    plans: dict[str, dict[str, StoredPlan]] = {}
    for name in names:
        record, scenario = get_scenario(engine, name)
        params[name] = scenario.to_dict()
        plans[name] = {}
        for planner in PLANNER_NAMES:
            run = latest_run(engine, name, planner, version=record.version)
            if run is None:
                continue
            kpis = run_kpis(engine, id_of(run))
            plans[name][planner] = StoredPlan(
                run.solver_status,
                run.objective,
                run.bound,
                run.time_limit_s,
                kpi_filter(kpis) if kpi_filter else kpis,
            )
    return params, plans
