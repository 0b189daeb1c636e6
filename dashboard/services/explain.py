"""Plain words from the library for the pages: what each KPI means and how to read its value
(:mod:`planner.kpis`), how good a plan is (:mod:`planner.quality`), what each miss reason and
continuity measure means (:mod:`staffing.misses`, :mod:`staffing.kpi`)."""

from __future__ import annotations

import pandas as pd

from planner.kpis import (
    HEADLINES,
    KpiInfo,
    better,
    describe,
    format_change,
    format_share,
    format_value,
    help_text,
    swedish_number,
)
from planner.quality import PlanQuality, plan_quality, run_time_words, status_words
from staffing import CONTINUITY_MEASURES, MISS_REASONS, TIMEZONE


def miss_reasons() -> dict[str, str]:
    """Miss reason key -> what it means, in the order the reasons are tested."""
    return dict(MISS_REASONS)


def continuity_measures() -> dict[str, str]:
    """KPI name (``continuity_rate``, ``upc``, ``coc``, ``secon``) -> what it measures."""
    return dict(CONTINUITY_MEASURES)


def kpi_info(name: str) -> KpiInfo:
    """Label, unit and definition of a stored KPI."""
    return describe(name)


def format_kpi(name: str, value: float | None) -> str:
    """A KPI value the Swedish way, with its unit (``95,0 %``, ``60 960 SEK``)."""
    return format_value(name, value)


def number(value: float, decimals: int = 0) -> str:
    """A number the Swedish way: ``1234567.891`` -> ``1 234 567,89`` with ``decimals=2``."""
    return swedish_number(value, decimals)


def local_times(times: pd.Series) -> pd.Series:
    """Stored times (UTC, naive or aware) as Europe/Stockholm wall-clock times, summer time
    included: the store keeps UTC, people read the clock on their wall."""
    stamps = pd.to_datetime(times, utc=True)
    return stamps.dt.tz_convert(TIMEZONE)


def kpi_help(name: str) -> str:
    """The definition and unit of a KPI, for a card's "?"."""
    return help_text(name)


def kpi_change(name: str, change: float) -> str:
    """A KPI's change against a reference, signed, in its unit."""
    return format_change(name, change)


def kpi_better(name: str) -> str | None:
    """ "higher" or "lower" when that direction of change is good."""
    return better(name)


__all__ = [
    "HEADLINES",
    "KpiInfo",
    "PlanQuality",
    "continuity_measures",
    "format_kpi",
    "format_share",
    "kpi_better",
    "kpi_change",
    "kpi_help",
    "kpi_info",
    "local_times",
    "miss_reasons",
    "number",
    "plan_quality",
    "run_time_words",
    "status_words",
]
