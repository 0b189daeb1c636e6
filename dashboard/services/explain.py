"""Plain words from the library for the pages: what each miss reason and continuity measure
means (one source: :mod:`staffing.misses` and :mod:`staffing.kpi`)."""

from __future__ import annotations

from staffing import CONTINUITY_MEASURES, MISS_REASONS


def miss_reasons() -> dict[str, str]:
    """Miss reason key -> what it means, in the order the reasons are tested."""
    return dict(MISS_REASONS)


def continuity_measures() -> dict[str, str]:
    """KPI name (``continuity_rate``, ``upc``, ``coc``, ``secon``) -> what it measures."""
    return dict(CONTINUITY_MEASURES)
