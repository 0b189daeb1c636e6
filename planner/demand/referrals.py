"""Daily spirometry referrals drawn from the weekly model (seeded Poisson, business days only).

A `Referral` is one patient who needs a home spirometer; the device-logistics planner serves
them. `planner.demand.referral_csv` reads a regional planner's own list into the same type.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import numpy as np
import pandas as pd

from planner.demand.params import Service
from planner.weeks import business_days, format_iso_week, is_business_day


@dataclass(frozen=True, slots=True)
class Referral:
    """One asthma spirometry referral: a home spirometer must be sent to this locality."""

    referral_id: str
    locality_id: int
    kommun_code: str
    county_code: str
    date: dt.date


def daily_referrals(weekly: pd.DataFrame, start: dt.date, days: int, seed: int) -> list[Referral]:
    """Seeded Poisson draws of spirometry referrals per business day and locality.

    A week's expected spirometry demand in a locality is spread evenly over that ISO week's
    business days (Mon-Fri without Swedish holidays); each business day in
    ``[start, start + days)`` draws ``Poisson(weekly / business_days)`` referrals per
    locality. Weekends and holidays get none. Ordered by date then locality_id, with ids
    ``R-000001, R-000002, ...``. Same inputs and seed, same list. ValueError if a needed week
    is missing from ``weekly``.
    """
    if days < 0:
        raise ValueError(f"days must be >= 0, got {days}.")
    spiro = weekly.loc[weekly["service"] == Service.SPIROMETRY.value]
    table = spiro.pivot_table(
        index=["iso_year", "iso_week"],
        columns="locality_id",
        values="demand",
        aggfunc="sum",
        fill_value=0.0,
    ).sort_index(axis=1)
    info = spiro.drop_duplicates("locality_id").set_index("locality_id")[
        ["kommun_code", "county_code"]
    ]
    place_ids = [int(loc) for loc in table.columns]
    # one lookup per locality, not a pandas .loc per draw (64,000 of them on two national years)
    where = {
        int(loc): (str(kommun), str(county))
        for loc, kommun, county in zip(
            info.index, info["kommun_code"], info["county_code"], strict=True
        )
    }
    # a week's row and business days looked up once, not a pandas .loc per day
    row = {(int(y), int(w)): i for i, (y, w) in enumerate(table.index)}
    expected = table.to_numpy(dtype=float)
    per_day: dict[tuple[int, int], np.ndarray] = {}
    rng = np.random.default_rng(seed)
    out: list[Referral] = []
    for offset in range(days):
        day = start + dt.timedelta(days=offset)
        if not is_business_day(day):
            continue
        iso = day.isocalendar()
        key = (iso.year, iso.week)
        if key not in row:
            raise ValueError(
                f"No spirometry demand for {format_iso_week(*key)} (needed for {day}); "
                "compute weekly demand for every week the days cover."
            )
        lam = per_day.get(key)
        if lam is None:
            lam = per_day[key] = expected[row[key]] / len(business_days(*key))
        counts = rng.poisson(np.clip(lam, 0.0, None))
        drawn = np.flatnonzero(counts)
        for j, count in zip(drawn.tolist(), counts[drawn].tolist(), strict=True):
            loc_id = place_ids[j]
            kommun, county = where[loc_id]
            for _ in range(count):
                out.append(
                    Referral(
                        referral_id=f"R-{len(out) + 1:06d}",
                        locality_id=loc_id,
                        kommun_code=kommun,
                        county_code=county,
                        date=day,
                    )
                )
    return out
