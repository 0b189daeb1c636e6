"""When in the year demand falls: the share of a yearly volume in each ISO week, per component.

``f_s(t)`` of the formulation in :mod:`planner.demand`: flat (``1 / W(year)``), health checks
(working days and the summer dip) and the two flu-vaccination campaigns (`campaign_profile`).
"""

from __future__ import annotations

import datetime as dt
import functools

import numpy as np

from planner.demand.params import DemandParams
from planner.weeks import business_days, weeks_in_iso_year


def campaign_profile(
    year: int, week: int, start_week: int, end_week: int, ramp_weeks: int, decay: float
) -> float:
    """Share of a flu-vaccination campaign's season total that falls in ISO week (year, week).

    The campaign runs from ``start_week`` to ``end_week`` of the next ISO year. With ``k`` the
    number of weeks since the start, the weight is ``(k + 1) / (ramp_weeks + 1)`` while
    ``k < ramp_weeks`` (linear ramp-up) and ``decay ** (k - ramp_weeks)`` after (geometric
    decay from the peak), divided by the sum of the weights over the season so that every
    season sums to exactly 1. Outside the season the share is 0.
    """
    if week >= start_week:
        season = year
    elif week <= end_week:
        season = year - 1
    else:
        return 0.0
    start = dt.date.fromisocalendar(season, start_week, 1)
    end = dt.date.fromisocalendar(season + 1, end_week, 1)
    k = (dt.date.fromisocalendar(year, week, 1) - start).days // 7
    length = (end - start).days // 7 + 1
    weights = _campaign_weights(length, ramp_weeks, decay)
    return weights[k] / sum(weights)


@functools.lru_cache(maxsize=256)
def _campaign_weights(length: int, ramp_weeks: int, decay: float) -> tuple[float, ...]:
    return tuple(
        (k + 1) / (ramp_weeks + 1) if k < ramp_weeks else decay ** (k - ramp_weeks)
        for k in range(length)
    )


def week_factors(weeks: list[tuple[int, int]], p: DemandParams) -> dict[str, np.ndarray]:
    """Per-week share of the yearly volume, per volume component (arrays over `weeks`)."""
    flat = np.array([1.0 / weeks_in_iso_year(y) for y, _ in weeks])
    work = np.array([len(business_days(y, w)) / 5.0 for y, w in weeks])
    lo, hi = p.summer_weeks
    summer = np.array([p.summer_factor if lo <= w <= hi else 1.0 for _, w in weeks])
    risk = np.array(
        [
            campaign_profile(
                y,
                w,
                p.risk_start_week,
                p.season_end_week,
                p.vaccination_ramp_weeks,
                p.vaccination_decay,
            )
            for y, w in weeks
        ]
    )
    general = np.array(
        [
            campaign_profile(
                y,
                w,
                p.general_start_week,
                p.season_end_week,
                p.vaccination_ramp_weeks,
                p.vaccination_decay,
            )
            for y, w in weeks
        ]
    )
    return {"flat": flat, "health": flat * work * summer, "risk": risk, "general": general}
