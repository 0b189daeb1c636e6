"""The staffing shape of demand: clinician-hours per day, block and profession.

The weekly model's ``primary_care`` contacts (summed over the counties) x `MINUTES_PER_CONTACT`
/ 60, scaled by pool size / `PROVIDER_POOL`, shaped by weekday (`WEEKDAY_SHAPE`; a Swedish
holiday on a weekday counts as Sunday) and by block of the day (`BLOCK_SHAPE`), and split
between professions (`planner.demo_data.PROFESSION_MIX` unless the caller gives a mix). Night
demand (`NIGHT_BLOCK`) is for doctors only. Every figure here is our assumption.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from functools import lru_cache

import pandas as pd

from planner.demand.model import weekly_demand
from planner.demand.params import DemandParams, Service
from planner.demo_data import PROFESSION_MIX
from planner.geo import COUNTY_POPULATION
from planner.weeks import is_business_day

#: Our assumption: clinician minutes per digital contact, documentation included.
MINUTES_PER_CONTACT = 20.0
#: Our assumption: relative demand by weekday (Monday peak, quiet Saturday); holidays = Sunday.
WEEKDAY_SHAPE = (1.30, 1.10, 1.05, 1.00, 0.95, 0.75, 0.85)
#: Our assumption: share of a day's clinician-hours per block (digital care 24/7, provider page).
BLOCK_SHAPE = {"07-12": 0.38, "12-17": 0.32, "17-22": 0.22, "22-07": 0.08}
#: The provider's pool; smaller pools serve a proportional share of demand.
PROVIDER_POOL = 300
#: The block whose demand is for doctors only.
NIGHT_BLOCK = "22-07"
_SUNDAY = 6


def demand_hours(
    start: dt.date,
    days: int,
    pool_size: int,
    demand: DemandParams | None = None,
    mix: Mapping[str, float] | None = None,
) -> dict[tuple[dt.date, str, str], float]:
    """Clinician-hours needed per (day, block, profession), from the weekly demand model.

    ``mix`` splits day-block hours between professions (default ``PROFESSION_MIX``; the
    staffing instance passes the pool's contract-hour shares, which are drawn from that mix).
    """
    demand = demand or DemandParams()
    dates = [start + dt.timedelta(days=i) for i in range(days)]
    weeks = tuple(sorted({f"{d.isocalendar().year}-W{d.isocalendar().week:02d}" for d in dates}))
    contacts = _weekly_contacts(weeks, demand.model_dump_json())
    shares = dict(mix or PROFESSION_MIX)
    scale = pool_size / PROVIDER_POOL
    out: dict[tuple[dt.date, str, str], float] = {}
    for day in dates:
        iso = day.isocalendar()
        week_hours = contacts[f"{iso.year}-W{iso.week:02d}"] * MINUTES_PER_CONTACT / 60 * scale
        day_hours = week_hours * WEEKDAY_SHAPE[_shape_day(day)] / sum(WEEKDAY_SHAPE)
        for block, share in BLOCK_SHAPE.items():
            hours = day_hours * share
            if block == NIGHT_BLOCK:
                out[(day, block, "doctor")] = round(hours, 1)
                continue
            for profession, p_share in shares.items():
                value = round(hours * p_share / sum(shares.values()), 1)
                if value > 0:
                    out[(day, block, profession)] = value
    return out


def _shape_day(day: dt.date) -> int:
    """The weekday whose `WEEKDAY_SHAPE` a day takes: its own, or Sunday for a weekday holiday."""
    return _SUNDAY if day.weekday() < 5 and not is_business_day(day) else day.weekday()


@lru_cache(maxsize=16)
def _weekly_contacts(weeks: tuple[str, ...], demand_json: str) -> dict[str, float]:
    """National ``primary_care`` contacts per ISO week (cached on the parameters' JSON).

    The model on one point per county (its SCB population) gives the national sums directly.
    """
    demand = DemandParams.model_validate_json(demand_json)
    localities = pd.DataFrame(
        {
            "locality_id": [int(c) for c in COUNTY_POPULATION],
            "kommun_code": [f"{c}80" for c in COUNTY_POPULATION],
            "county_code": list(COUNTY_POPULATION),
            "population": list(COUNTY_POPULATION.values()),
        }
    )
    frame = weekly_demand(localities, list(weeks), demand)
    frame = frame[frame["service"] == Service.PRIMARY_CARE.value]
    sums = frame.groupby(["iso_year", "iso_week"])["demand"].sum()
    return {f"{y}-W{w:02d}": float(v) for (y, w), v in sums.items()}
