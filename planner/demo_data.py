"""Seeded demo data: a pool of part-time clinicians and the return visits they owe.

Deterministic for a given seed (numpy's PCG64). Every figure is traceable to
``../shared/docs/domain.md`` or marked as our assumption:

- ~300 part-time clinicians: doctors, physiotherapists, midwives, psychologists (provider page).
- Profession mix follows the out-of-county digital contacts 2020 (SKR): 67 % doctor, 10 %
  physiotherapist, 5 % psychologist (the 18 % nurse contacts are not in this pool); midwives are
  our assumption (5 %). Renormalised: doctor 0.77, physiotherapist 0.12, psychologist 0.06,
  midwife 0.05.
- Part time: contract hours 8-32 h a week (our assumption; regular time is at most 40 h,
  Arbetstidslagen); clinicians declare availability on 30-60 % of days (issue 5's realism rule).
- Home county drawn in proportion to SCB 2024 county population (sums of the kommun table).
- Return visits: the index clinician is whoever handled the index visit in the four weeks
  before the horizon (drawn in proportion to contract hours: more hours, more patients); each
  return visit has a window of 2-10 days (issue 5). Earlier visits in a patient's history were
  with the same clinician 96 % of the time (the provider's figure), so continuity metrics over
  the history start where the provider is today.

Spirometry referrals come from the demand model: :func:`planner.demand.daily_referrals`.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from enum import Enum

import numpy as np

from planner.geo import COUNTY_POPULATION

PROFESSION_MIX: dict[str, float] = {
    "doctor": 0.77,
    "physiotherapist": 0.12,
    "psychologist": 0.06,
    "midwife": 0.05,
}

#: Languages besides Swedish and the share of clinicians who offer them (our assumption).
LANGUAGE_SHARE: dict[str, float] = {"en": 0.85, "ar": 0.06, "fa": 0.04, "fi": 0.03, "pl": 0.02}

#: Digital blocks of the day (start hour, end hour); the night block runs past midnight.
BLOCKS: dict[str, tuple[int, int]] = {
    "07-12": (7, 12),
    "12-17": (12, 17),
    "17-22": (17, 22),
    "22-07": (22, 31),
}

HISTORICAL_SAME_CLINICIAN = 0.96


@dataclass(frozen=True)
class Clinician:
    """A part-time clinician as the roster sees them."""

    clinician_id: str
    profession: str
    contract_hours: float
    home_county: str
    available_days: tuple[dt.date, ...]
    preferred_blocks: tuple[str, ...]
    languages: tuple[str, ...]


@dataclass(frozen=True)
class ReturnVisit:
    """A return visit owed to a patient: same-clinician is met if the index clinician takes it
    within ``[window_start, window_end]``."""

    visit_id: str
    patient_id: str
    profession: str
    index_clinician_id: str
    index_date: dt.date
    window_start: dt.date
    window_end: dt.date
    history: tuple[tuple[dt.date, str], ...]  # earlier visits (date, clinician), oldest first


class DemoSize(Enum):
    """Named, seeded parameter sets (clinicians, days, return visits)."""

    TINY = (12, 14, 60)
    DEMO = (300, 28, 4000)

    @property
    def clinicians(self) -> int:
        """Clinicians in the pool."""
        return self.value[0]

    @property
    def days(self) -> int:
        """Days in the horizon."""
        return self.value[1]

    @property
    def return_visits(self) -> int:
        """Return visits over the horizon."""
        return self.value[2]


def clinician_pool(
    n: int,
    start: dt.date,
    days: int,
    seed: int,
    county_population: dict[str, int] | None = None,
) -> list[Clinician]:
    """``n`` part-time clinicians with availability over ``days`` days from ``start``."""
    if n < 0 or days < 1:
        raise ValueError(f"need n >= 0 and days >= 1, got n={n}, days={days}")
    rng = np.random.default_rng([seed, 1])
    population = COUNTY_POPULATION if county_population is None else county_population
    counties = sorted(population)
    weights = np.array([population[c] for c in counties], dtype=np.float64)
    professions = list(PROFESSION_MIX)
    prof_p = np.array([PROFESSION_MIX[p] for p in professions])
    dates = [start + dt.timedelta(days=i) for i in range(days)]
    pool = []
    for i in range(n):
        share = rng.uniform(0.30, 0.60)  # share of days this person can work at all
        mask = rng.random(days) < share
        if not mask.any():
            mask[rng.integers(days)] = True
        n_pref = int(rng.integers(1, 3))
        preferred = tuple(sorted(rng.choice(list(BLOCKS), size=n_pref, replace=False)))
        langs = ["sv"] + [lang for lang, p in LANGUAGE_SHARE.items() if rng.random() < p]
        pool.append(
            Clinician(
                clinician_id=f"C{i + 1:04d}",
                profession=str(rng.choice(professions, p=prof_p)),
                contract_hours=float(rng.choice([8, 12, 16, 20, 24, 32])),
                home_county=str(rng.choice(counties, p=weights / weights.sum())),
                available_days=tuple(d for d, ok in zip(dates, mask, strict=True) if ok),
                preferred_blocks=preferred,
                languages=tuple(langs),
            )
        )
    return pool


def return_visits(
    clinicians: list[Clinician], n: int, start: dt.date, days: int, seed: int
) -> list[ReturnVisit]:
    """``n`` return visits whose windows (2-10 days) start inside the horizon."""
    if not clinicians:
        if n:
            raise ValueError("return visits need at least one clinician")
        return []
    rng = np.random.default_rng([seed, 2])
    hours = np.array([c.contract_hours for c in clinicians], dtype=float)
    chosen = rng.choice(len(clinicians), size=n, p=hours / hours.sum())
    visits = []
    for k, idx in enumerate(chosen):
        clinician = clinicians[int(idx)]
        index_date = start - dt.timedelta(days=int(rng.integers(1, 29)))  # 4 weeks before
        length = int(rng.integers(2, 11))
        offset = int(rng.integers(0, max(1, days - 1)))
        window_start = start + dt.timedelta(days=offset)
        window_end = min(
            window_start + dt.timedelta(days=length - 1), start + dt.timedelta(days=days - 1)
        )
        history: list[tuple[dt.date, str]] = []
        for j in range(int(rng.integers(0, 4))):  # earlier visits before the index visit
            when = index_date - dt.timedelta(days=int(30 * (j + 1) + rng.integers(0, 30)))
            if rng.random() < HISTORICAL_SAME_CLINICIAN:
                who = clinician.clinician_id
            else:
                peers = [
                    c for c in clinicians if c.profession == clinician.profession
                ] or clinicians
                who = peers[int(rng.integers(len(peers)))].clinician_id
            history.append((when, who))
        history.sort()
        history.append((index_date, clinician.clinician_id))
        visits.append(
            ReturnVisit(
                visit_id=f"V{k + 1:06d}",
                patient_id=f"P{k + 1:06d}",
                profession=clinician.profession,
                index_clinician_id=clinician.clinician_id,
                index_date=index_date,
                window_start=window_start,
                window_end=window_end,
                history=tuple(history),
            )
        )
    return visits
