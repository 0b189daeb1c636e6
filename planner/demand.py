"""Weekly demand per locality and service line, and the bring-your-own demand CSV.

The model is an *expectation* model: for every locality ``i`` (population ``P_i``, county
``c(i)``, municipality ``k(i)``), ISO week ``t`` and service line ``s`` it gives the expected
number of the provider's contacts,

    demand[i, t, s] = A[i, s] * f_s(t) * m_county[c(i)] * m_kommun[k(i)] * m_service[s]

where ``A[i, s]`` is a yearly (or, for vaccination, per-season) volume and ``f_s(t)`` the share
of it that falls in week ``t``:

* ``primary_care``: ``A = P_i * r[c(i)] / 1000 * share_pc`` with ``r`` the county's digital
  contacts per 1,000 inhabitants and year; flat over the year, ``f(t) = 1 / W(year)`` where
  ``W`` is the number of ISO weeks in that ISO year (52 or 53), so an ISO year sums to ``A``.
* ``vaccination`` (flu): two campaigns, risk groups (65+) from ``risk_start_week`` and everyone
  else from ``general_start_week``, both ending with ``season_end_week`` of the next year.
  ``A_risk = P_i * share_65 * coverage_65 * share_vacc`` and
  ``A_general = P_i * (1 - share_65) * uptake_under_65 * share_vacc``; each is spread with a
  ramp-up-then-decay profile normalised to sum to 1 over its season (see `campaign_profile`).
  Zero between ``season_end_week`` and ``risk_start_week``.
* ``health_check``: ``A = P_i * rate / 1000``; ``f(t) = 1/W * workdays(t)/5 * summer(t)``
  (Swedish public holidays and the July dip are lost demand, not moved to other weeks).
* ``spirometry`` (home spirometer loans after an asthma referral):
  ``A = P_i * referrals_per_100k / 100000 * share_spiro``; flat, ``f(t) = 1 / W``.

No randomness: `weekly_demand` is deterministic. `daily_referrals` turns the weekly spirometry
expectation into seeded Poisson draws per business day for the device-logistics planner;
`load_referrals_csv` reads a regional planner's own referral list into the same `Referral`s.
"""

from __future__ import annotations

import csv
import datetime as dt
import functools
import hashlib
import io
import math
import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from enum import Enum
from pathlib import Path
from typing import Annotated, Any, NoReturn

import numpy as np
import pandas as pd
from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

from planner.errors import PlannerError
from planner.geo import COUNTY_POPULATION
from planner.weeks import (
    business_days,
    format_iso_week,
    is_business_day,
    iso_week_range,
    next_business_day,
    parse_iso_week,
    weeks_in_iso_year,
)

__all__ = [
    "COUNTY_POPULATION",
    "DEMAND_COLUMNS",
    "SERVICES",
    "CsvProblem",
    "DemandCsvError",
    "DemandParams",
    "MovedReferral",
    "Referral",
    "ReferralCsv",
    "ReferralCsvError",
    "Service",
    "aggregate",
    "annual_volumes",
    "business_days",
    "campaign_profile",
    "daily_referrals",
    "default_digital_rates",
    "format_iso_week",
    "is_business_day",
    "iso_week_range",
    "load_demand_csv",
    "load_referrals_csv",
    "parse_iso_week",
    "weekly_demand",
    "weeks_in_iso_year",
    "write_demand_csv",
]


class Service(str, Enum):
    """The provider's service lines that generate demand."""

    PRIMARY_CARE = "primary_care"  # digital primary-care contacts (chat, phone, video)
    VACCINATION = "vaccination"  # seasonal flu vaccination at clinics and mobile units
    HEALTH_CHECK = "health_check"  # health tests at the care and vaccination clinics
    SPIROMETRY = "spirometry"  # asthma referral -> a home spirometer loan


SERVICES: tuple[str, ...] = tuple(s.value for s in Service)

#: Columns (and their order) of every long demand frame this module returns.
DEMAND_COLUMNS: tuple[str, ...] = (
    "locality_id",
    "kommun_code",
    "county_code",
    "iso_year",
    "iso_week",
    "service",
    "demand",
)


# domain.md, "Demand": "Use 375 per 1,000 inhabitants (Stockholm) vs 104 (Norrbotten) as the
# spread of digital uptake between regions" (SKR, out-of-county digital contacts 2020).
_STOCKHOLM, _NORRBOTTEN = "01", "25"
_DIGITAL_HIGH, _DIGITAL_LOW = 375.0, 104.0


def default_digital_rates(
    population: Mapping[str, int] = COUNTY_POPULATION,
    *,
    high: float = _DIGITAL_HIGH,
    low: float = _DIGITAL_LOW,
) -> dict[str, float]:
    """Digital contacts per 1,000 inhabitants and year per county (our interpolation rule).

    Stockholm gets ``high`` and Norrbotten ``low`` (SKR 2020, domain.md). Every other county
    is interpolated linearly in log10(county population) between those two anchors and clamped
    to ``[low, high]`` (we do not extrapolate beyond the observed spread): bigger, more urban
    counties use digital care more. The rule is our assumption; rounded to whole contacts.
    With SCB 2024 populations it implies about 2.60 M digital contacts nationally, 13 % above
    SKR's 2.3 M for 2020 (domain.md), which we accept given the growth since 2020.
    """
    lo_x = math.log10(population[_NORRBOTTEN])
    hi_x = math.log10(population[_STOCKHOLM])
    rates: dict[str, float] = {}
    for code, pop in population.items():
        x = math.log10(max(pop, 1))
        rate = low + (high - low) * (x - lo_x) / (hi_x - lo_x)
        rates[code] = float(round(min(high, max(low, rate))))
    return rates


_COUNTY_RE = re.compile(r"^\d{2}$")
_KOMMUN_RE = re.compile(r"^\d{4}$")

NonNegative = Annotated[float, Field(ge=0, allow_inf_nan=False)]
Share = Annotated[float, Field(ge=0, le=1, allow_inf_nan=False)]
WeekNumber = Annotated[int, Field(ge=1, le=53)]


class DemandParams(BaseModel):
    """Parameters of the weekly demand model; immutable, change them with `replace`.

    Every default is either a figure from docs/domain.md (the line is named) or marked
    "our assumption". Multipliers are scenario knobs (1.0 = base case).
    """

    model_config = ConfigDict(extra="forbid", frozen=True)

    # --- primary care (digital contacts) ---
    digital_contacts_per_1000: dict[str, NonNegative] = Field(
        default_factory=default_digital_rates,
        description="Out-of-county digital contacts per 1,000 inhabitants and year, by county "
        "code. Anchors 375 (Stockholm) and 104 (Norrbotten) from domain.md 'Demand' (SKR "
        "2020); other counties by `default_digital_rates` (our assumption: log-population).",
    )
    digital_contacts_per_1000_fallback: NonNegative = Field(
        default=217.0,
        description="Rate for a county missing from the table: SKR's 2.3 M digital contacts "
        "2020 (domain.md 'Demand') over the SCB 2024 total 10,587,710 (data/geo/scb) = 217.",
    )
    primary_care_share: Share = Field(
        default=0.25,
        description="Our assumption: the provider's share of all out-of-county digital "
        "contacts (a leading provider among a handful).",
    )

    # --- flu vaccination ---
    risk_start_week: WeekNumber = Field(
        default=45, description="domain.md 'Demand': risk-group campaign starts around week 45."
    )
    general_start_week: WeekNumber = Field(
        default=49, description="domain.md 'Demand': everyone else around week 49."
    )
    season_end_week: WeekNumber = Field(
        default=20, description="domain.md 'Demand': season reported weeks 40-20; ends week 20."
    )
    share_65_plus: Share = Field(
        default=0.20,
        description="Our assumption from SCB's age structure: about 20 % of the population is 65+.",
    )
    coverage_65_plus: Share = Field(
        default=0.64, description="domain.md 'Demand': 65+ coverage about 64 %."
    )
    uptake_under_65: Share = Field(
        default=0.05,
        description="Our assumption: share of under-65s vaccinated in the general campaign "
        "(risk groups under 65 and people paying themselves).",
    )
    vaccination_share: Share = Field(
        default=0.03,
        description="Our assumption: the provider's share of all flu vaccinations. Cross-check: "
        "~53,000 a season is ten mobile units at ~50 a day (domain.md) for ~20 weeks.",
    )
    vaccination_ramp_weeks: int = Field(
        default=2,
        ge=0,
        le=20,
        description="Our assumption: weeks of linear ramp-up before a campaign's peak week.",
    )
    vaccination_decay: Share = Field(
        default=0.8,
        description="Our assumption: after the peak each week has this fraction of the "
        "previous week's vaccinations (geometric decay).",
    )

    # --- health checks ---
    health_checks_per_1000: NonNegative = Field(
        default=4.0,
        description="Our assumption: the provider's health checks per 1,000 inhabitants and "
        "year before holiday and summer effects.",
    )
    summer_weeks: tuple[WeekNumber, WeekNumber] = Field(
        default=(27, 32),
        description="Our assumption: Swedish summer holiday weeks (first, last; inclusive).",
    )
    summer_factor: NonNegative = Field(
        default=0.5, description="Our assumption: health-check demand in summer weeks x 0.5."
    )

    # --- spirometry (asthma referrals -> home spirometer loans) ---
    asthma_referrals_per_100k: NonNegative = Field(
        default=300.0,
        description="Our assumption: new asthma investigations with spirometry per 100,000 "
        "inhabitants and year (asthma prevalence ~8-10 % in Sweden; new diagnoses a few per "
        "1,000 a year).",
    )
    spirometry_share: Share = Field(
        default=0.05,
        description="Our assumption: the provider's share of those referrals (digital asthma "
        "diagnosis with a home spirometer, domain.md 'Home spirometry').",
    )

    # --- scenario multipliers ---
    county_multipliers: dict[str, NonNegative] = Field(
        default_factory=dict, description="Scenario multiplier by 2-digit county code."
    )
    kommun_multipliers: dict[str, NonNegative] = Field(
        default_factory=dict, description="Scenario multiplier by 4-digit municipality code."
    )
    service_multipliers: dict[Service, NonNegative] = Field(
        default_factory=dict, description="Scenario multiplier by service line."
    )

    @field_validator("digital_contacts_per_1000", "county_multipliers")
    @classmethod
    def _county_keys(cls, value: dict[str, float]) -> dict[str, float]:
        bad = [k for k in value if not _COUNTY_RE.match(k)]
        if bad:
            raise ValueError(f"county codes must be 2 digits like '01', got {bad}")
        return value

    @field_validator("kommun_multipliers")
    @classmethod
    def _kommun_keys(cls, value: dict[str, float]) -> dict[str, float]:
        bad = [k for k in value if not _KOMMUN_RE.match(k)]
        if bad:
            raise ValueError(f"municipality codes must be 4 digits like '0114', got {bad}")
        return value

    @model_validator(mode="after")
    def _week_order(self) -> DemandParams:
        if not self.season_end_week < self.risk_start_week <= self.general_start_week:
            raise ValueError(
                "Vaccination weeks must satisfy season_end_week < risk_start_week <= "
                f"general_start_week, got {self.season_end_week}, {self.risk_start_week}, "
                f"{self.general_start_week}."
            )
        if self.summer_weeks[0] > self.summer_weeks[1]:
            raise ValueError(f"summer_weeks must be (first, last), got {self.summer_weeks}.")
        return self

    def replace(self, **changes: Any) -> DemandParams:
        """A validated copy with some fields changed."""
        return type(self).model_validate({**self.model_dump(), **changes})

    def digital_rate(self, county_code: str) -> float:
        """Digital contacts per 1,000 inhabitants and year in a county."""
        return self.digital_contacts_per_1000.get(
            county_code, self.digital_contacts_per_1000_fallback
        )


# ---------------------------------------------------------------------------------------------
# ISO weeks and business days
# ---------------------------------------------------------------------------------------------


# ---------------------------------------------------------------------------------------------
# The weekly model
# ---------------------------------------------------------------------------------------------

_LOCALITY_COLUMNS = ("locality_id", "kommun_code", "county_code", "population")


def _check_localities(localities: pd.DataFrame) -> pd.DataFrame:
    missing = [c for c in _LOCALITY_COLUMNS if c not in localities.columns]
    if missing:
        raise ValueError(f"The locality table lacks column(s) {missing}.")
    loc = pd.DataFrame(localities[list(_LOCALITY_COLUMNS)]).reset_index(drop=True)
    if loc["locality_id"].duplicated().any():
        dups = sorted(loc.loc[loc["locality_id"].duplicated(), "locality_id"].unique())[:5]
        raise ValueError(f"The locality table has duplicate locality_id values, e.g. {dups}.")
    pop = pd.to_numeric(loc["population"], errors="coerce")
    if pop.isna().any() or (pop < 0).any():
        raise ValueError("The locality table needs non-negative numeric populations.")
    loc["locality_id"] = loc["locality_id"].astype("int64")
    loc["kommun_code"] = loc["kommun_code"].astype(str)
    loc["county_code"] = loc["county_code"].astype(str)
    code_formats = (("kommun_code", r"\d{4}", "0114"), ("county_code", r"\d{2}", "01"))
    for column, pattern, example in code_formats:
        bad = loc.loc[~loc[column].str.fullmatch(pattern), column]
        if len(bad):
            raise ValueError(
                f"The locality table's {column} must be strings like {example!r} (leading "
                f"zeros kept), got e.g. {sorted(set(bad))[:3]}."
            )
    loc["population"] = pop.astype("float64")
    return loc.sort_values("locality_id", kind="stable").reset_index(drop=True)


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


def _week_factors(weeks: list[tuple[int, int]], p: DemandParams) -> dict[str, np.ndarray]:
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


def annual_volumes(localities: pd.DataFrame, params: DemandParams) -> pd.DataFrame:
    """Yearly (vaccination: per-season) volume per locality and component, multipliers applied.

    Columns: locality_id, kommun_code, county_code, primary_care, vaccination_risk,
    vaccination_general, health_check, spirometry.
    """
    p = params
    loc = _check_localities(localities)
    pop = loc["population"].to_numpy()
    rate = loc["county_code"].map(p.digital_rate).to_numpy(dtype=float)
    mult = loc["county_code"].map(p.county_multipliers).fillna(1.0).to_numpy(dtype=float) * loc[
        "kommun_code"
    ].map(p.kommun_multipliers).fillna(1.0).to_numpy(dtype=float)

    def service_mult(s: Service) -> float:
        return p.service_multipliers.get(s, 1.0)

    vacc = service_mult(Service.VACCINATION) * p.vaccination_share * mult * pop
    out = loc[["locality_id", "kommun_code", "county_code"]].copy()
    out["primary_care"] = (
        service_mult(Service.PRIMARY_CARE) * mult * pop * rate / 1000.0 * p.primary_care_share
    )
    out["vaccination_risk"] = vacc * p.share_65_plus * p.coverage_65_plus
    out["vaccination_general"] = vacc * (1.0 - p.share_65_plus) * p.uptake_under_65
    out["health_check"] = (
        service_mult(Service.HEALTH_CHECK) * mult * pop * p.health_checks_per_1000 / 1000.0
    )
    out["spirometry"] = (
        service_mult(Service.SPIROMETRY)
        * mult
        * pop
        * p.asthma_referrals_per_100k
        / 100_000.0
        * p.spirometry_share
    )
    return out


def _normalise_weeks(weeks: Iterable[tuple[int, int] | str]) -> list[tuple[int, int]]:
    if isinstance(weeks, str):
        raise TypeError("Give a sequence of weeks, e.g. iso_week_range('2026-W45:2026-W52').")
    out = [parse_iso_week(w) for w in weeks]
    if len(set(out)) != len(out):
        raise ValueError("The same ISO week is given more than once.")
    return out


def weekly_demand(
    localities: pd.DataFrame,
    weeks: Sequence[tuple[int, int]] | Sequence[str],
    params: DemandParams | None = None,
) -> pd.DataFrame:
    """Expected contacts per locality, ISO week and service line (long format).

    ``localities`` needs columns locality_id, kommun_code, county_code and population (a
    GeoDataFrame from `planner.geo.load_localities` works). ``weeks`` are ``(year, week)``
    pairs or ``"2026-W45"`` strings. Returns `DEMAND_COLUMNS`, sorted by week, service (in
    `Service` order) and locality_id; ``demand`` is a float expectation, never negative.
    """
    params = params or DemandParams()
    week_list = _normalise_weeks(weeks)
    vol = annual_volumes(localities, params)
    f = _week_factors(week_list, params)
    n_loc, n_week = len(vol), len(week_list)
    # (weeks x localities) matrices per service, then stacked in Service order.
    per_service = {
        Service.PRIMARY_CARE: np.outer(f["flat"], vol["primary_care"]),
        Service.VACCINATION: np.outer(f["risk"], vol["vaccination_risk"])
        + np.outer(f["general"], vol["vaccination_general"]),
        Service.HEALTH_CHECK: np.outer(f["health"], vol["health_check"]),
        Service.SPIROMETRY: np.outer(f["flat"], vol["spirometry"]),
    }
    frames = []
    for w_idx, (year, week) in enumerate(week_list):
        for service in Service:
            frames.append(
                pd.DataFrame(
                    {
                        "locality_id": vol["locality_id"].to_numpy(),
                        "kommun_code": vol["kommun_code"].to_numpy(),
                        "county_code": vol["county_code"].to_numpy(),
                        "iso_year": np.full(n_loc, year, dtype="int64"),
                        "iso_week": np.full(n_loc, week, dtype="int64"),
                        "service": np.full(n_loc, service.value, dtype=object),
                        "demand": per_service[service][w_idx],
                    }
                )
            )
    if not frames or n_loc == 0 or n_week == 0:
        return _empty_demand()
    return pd.concat(frames, ignore_index=True)[list(DEMAND_COLUMNS)]


def _empty_demand() -> pd.DataFrame:
    return pd.DataFrame(
        {
            "locality_id": pd.Series(dtype="int64"),
            "kommun_code": pd.Series(dtype=str),
            "county_code": pd.Series(dtype=str),
            "iso_year": pd.Series(dtype="int64"),
            "iso_week": pd.Series(dtype="int64"),
            "service": pd.Series(dtype=str),
            "demand": pd.Series(dtype="float64"),
        }
    )


def aggregate(
    demand: pd.DataFrame,
    by: Sequence[str] = ("kommun_code",),
    *,
    per_week: bool = True,
    per_service: bool = True,
) -> pd.DataFrame:
    """Sum ``demand`` over localities by ``by`` (e.g. ``("county_code",)`` or ``()``).

    Keeps iso_year/iso_week and service as keys unless ``per_week`` / ``per_service`` is
    False. Returns the keys as columns and a ``demand`` column.
    """
    keys = list(by)
    if per_week:
        keys += ["iso_year", "iso_week"]
    if per_service:
        keys.append("service")
    if not keys:
        return pd.DataFrame({"demand": [float(demand["demand"].sum())]})
    return demand.groupby(keys, as_index=False, sort=True)["demand"].sum()


# ---------------------------------------------------------------------------------------------
# Daily spirometry referrals
# ---------------------------------------------------------------------------------------------


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
    ids = table.columns.to_numpy()
    rng = np.random.default_rng(seed)
    out: list[Referral] = []
    for offset in range(days):
        day = start + dt.timedelta(days=offset)
        if not is_business_day(day):
            continue
        iso = day.isocalendar()
        key = (iso.year, iso.week)
        if key not in table.index:
            raise ValueError(
                f"No spirometry demand for {format_iso_week(*key)} (needed for {day}); "
                "compute weekly demand for every week the days cover."
            )
        lam = table.loc[key].to_numpy(dtype=float) / len(business_days(*key))
        counts = rng.poisson(np.clip(lam, 0.0, None))
        for loc_id, count in zip(ids[counts > 0], counts[counts > 0], strict=True):
            kommun, county = info.loc[loc_id, ["kommun_code", "county_code"]]
            for _ in range(int(count)):
                out.append(
                    Referral(
                        referral_id=f"R-{len(out) + 1:06d}",
                        locality_id=int(loc_id),
                        kommun_code=str(kommun),
                        county_code=str(county),
                        date=day,
                    )
                )
    return out


# ---------------------------------------------------------------------------------------------
# Bring-your-own demand CSV
# ---------------------------------------------------------------------------------------------

MAX_REPORTED_PROBLEMS = 20
_ALLOWED_COLUMNS = frozenset(
    {"kommun_code", "locality_id", "week", "iso_year", "iso_week", *SERVICES}
)


@dataclass(frozen=True, slots=True)
class CsvProblem:
    """One problem in a demand CSV: the 1-based line in the file (header = 1) and column."""

    line: int
    column: str
    message: str


class DemandCsvError(PlannerError, ValueError):
    """A demand CSV that cannot be used; the message lists every problem found (up to 20).

    A `PlannerError` (so the CLI prints it without a traceback) and a ValueError.
    """

    #: What the file is, in the message's first line.
    kind = "demand CSV"

    def __init__(self, path: Path, problems: Sequence[CsvProblem], truncated: bool = False):
        self.path = Path(path)
        self.problems = list(problems)
        lines = [f"{self.path}: line {p.line}, column {p.column!r}: {p.message}" for p in problems]
        head = f"{self.path}: {len(self.problems)} problem(s) in the {self.kind}"
        if truncated:
            head += f" (showing the first {len(self.problems)}; there are more)"
        super().__init__(head + ":\n  " + "\n  ".join(lines))


class ReferralCsvError(DemandCsvError):
    """A referral CSV that cannot be used; reported like a `DemandCsvError` (which it is)."""

    kind = "referral CSV"


def _raise_problems(
    error: type[DemandCsvError], path: Path, problems: Sequence[CsvProblem]
) -> NoReturn:
    """Raise ``error`` with the first `MAX_REPORTED_PROBLEMS` problems, saying if there are more."""
    raise error(path, problems[:MAX_REPORTED_PROBLEMS], len(problems) > MAX_REPORTED_PROBLEMS)


def _read_csv(
    path: Path, error: type[DemandCsvError]
) -> tuple[str, list[str], int, list[tuple[int, list[str]]]]:
    """A CSV's delimiter, header, header line and data rows as (line, stripped cells).

    UTF-8 (a byte-order mark is dropped); ``;`` when the first line has more semicolons than
    commas, else ``,``. Blank lines are skipped but counted, so lines are the file's own
    (header = line 1 unless blank lines precede it). An empty file or one that is not UTF-8
    raises ``error``.
    """
    try:
        text = path.read_text(encoding="utf-8-sig")
    except UnicodeDecodeError as exc:
        raise error(path, [CsvProblem(1, "-", f"not UTF-8 text ({exc.reason})")]) from None
    first_line = text.split("\n", 1)[0]
    delimiter = ";" if first_line.count(";") > first_line.count(",") else ","
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)
    header: list[str] | None = None
    header_line = 1
    rows: list[tuple[int, list[str]]] = []
    for cells in reader:
        if not cells or all(not c.strip() for c in cells):
            continue  # blank line
        if header is None:
            header = [c.strip() for c in cells]
            header_line = reader.line_num
        else:
            rows.append((reader.line_num, [c.strip() for c in cells]))
    if header is None:
        raise error(path, [CsvProblem(1, "-", "the file is empty (no header, no rows)")])
    return delimiter, header, header_line, rows


def _check_header(header: Sequence[str], line: int, allowed: frozenset[str]) -> list[CsvProblem]:
    """Columns that appear twice or are not ``allowed`` (a misspelt column is never ignored)."""
    problems: list[CsvProblem] = []
    seen: set[str] = set()
    for name in header:
        if name in seen:
            problems.append(CsvProblem(line, name, "column appears twice in the header"))
        seen.add(name)
        if name not in allowed:
            problems.append(
                CsvProblem(line, name, f"unknown column (allowed: {', '.join(sorted(allowed))})")
            )
    return problems


def _check_locality_header(
    header: Sequence[str], line: int, allowed: frozenset[str]
) -> list[CsvProblem]:
    """:func:`_check_header`, and a file keyed by place needs locality_id or kommun_code."""
    problems = _check_header(header, line, allowed)
    if not ({"locality_id", "kommun_code"} & set(header)):
        problems.append(CsvProblem(line, "kommun_code/locality_id", "missing required column"))
    return problems


def _end_of_header(
    error: type[DemandCsvError],
    path: Path,
    problems: Sequence[CsvProblem],
    rows: Sequence[tuple[int, list[str]]],
    header_line: int,
) -> None:
    """Raise ``error`` for the header's problems, or for a file without data rows."""
    if problems:
        _raise_problems(error, path, problems)
    if not rows:
        raise error(path, [CsvProblem(header_line + 1, "-", "no data rows after the header")])


def _locality_places(loc: pd.DataFrame) -> tuple[dict[int, str], dict[int, str]]:
    """(kommun code, county code) of every locality id."""
    ids = loc["locality_id"].astype(int)
    return (
        dict(zip(ids, loc["kommun_code"], strict=True)),
        dict(zip(ids, loc["county_code"], strict=True)),
    )


def _row_cells(
    header: Sequence[str], line: int, cells: Sequence[str], problems: list[CsvProblem]
) -> dict[str, str] | None:
    """The row as {column: cell}; None and a problem if it has the wrong number of fields."""
    if len(cells) != len(header):
        where = header[len(cells)] if len(cells) < len(header) else "(extra field)"
        msg = f"row has {len(cells)} fields, the header has {len(header)}"
        problems.append(CsvProblem(line, where, msg))
        return None
    return dict(zip(header, cells, strict=True))


def _parse_code(
    row: dict[str, str],
    has_loc: bool,
    has_kommun: bool,
    known_kommun: set[str],
    kommun_of: dict[int, str],
    problems: list[tuple[str, str]],
) -> int | str | None:
    """The row's locality id (or kommun code); None and a problem if it is not usable."""
    kommun = row["kommun_code"] if has_kommun else None
    if kommun is not None and not _KOMMUN_RE.match(kommun):
        hint = (
            f" (leading zero lost? did you mean {kommun.zfill(4)!r})"
            if kommun.isdigit() and len(kommun) < 4
            else ""
        )
        problems.append(("kommun_code", f"bad municipality code {kommun!r}: 4 digits{hint}"))
        kommun = None
    elif kommun is not None and kommun not in known_kommun:
        problems.append(
            ("kommun_code", f"unknown municipality code {kommun!r} (no locality in it)")
        )
        kommun = None
    if not has_loc:
        return kommun
    raw = row["locality_id"]
    try:
        loc_id = int(raw)
    except ValueError:
        problems.append(("locality_id", f"not an integer locality id: {raw!r}"))
        return None
    if loc_id not in kommun_of:
        problems.append(("locality_id", f"unknown locality id {loc_id}"))
        return None
    if kommun is not None and kommun_of[loc_id] != kommun:
        problems.append(
            (
                "kommun_code",
                f"locality {loc_id} lies in municipality {kommun_of[loc_id]!r}, not {kommun!r}",
            )
        )
    return loc_id


def _parse_week_cells(
    row: dict[str, str], has_week: bool, problems: list[tuple[str, str]]
) -> tuple[int, int] | None:
    """The row's ISO week from ``week`` or ``iso_year`` + ``iso_week``; None if bad."""
    if has_week:
        try:
            return parse_iso_week(row["week"])
        except ValueError as exc:
            problems.append(("week", str(exc)))
            return None
    raw_y, raw_w = row["iso_year"], row["iso_week"]
    if not raw_y.isdigit():
        problems.append(("iso_year", f"not a year: {raw_y!r}"))
    elif not raw_w.isdigit():
        problems.append(("iso_week", f"not a week number: {raw_w!r}"))
    else:
        try:
            return parse_iso_week((int(raw_y), int(raw_w)))
        except ValueError as exc:
            problems.append(("iso_week", str(exc)))
    return None


def _parse_value(
    raw: str,
    column: str,
    decimal_comma: bool,
    problems: list[tuple[str, str]],
    empty_hint: str = "write 0 for no demand",
) -> float | None:
    """A non-negative finite number (decimal comma if asked); None and a problem otherwise."""
    if raw == "":
        problems.append((column, f"empty value ({empty_hint})"))
        return None
    try:
        value = float(raw.replace(",", ".") if decimal_comma else raw)
    except ValueError:
        problems.append((column, f"not a number: {raw!r}"))
        return None
    if not math.isfinite(value):
        problems.append((column, f"not a finite number: {raw!r}"))
    elif value < 0:
        problems.append((column, f"negative value {raw}"))
    else:
        return value
    return None


def load_demand_csv(path: Path, localities: pd.DataFrame) -> pd.DataFrame:
    """Read your own demand figures; returns the same long format as `weekly_demand`.

    Format (UTF-8, comma- or semicolon-separated; header on line 1):

    * ``kommun_code`` (4 digits, e.g. ``0114``) or ``locality_id`` (integer); with both,
      the locality must lie in that municipality. Municipality rows are spread over its
      localities by population share (equally if they all have population 0).
    * ``week`` like ``2026-W45``, or the two columns ``iso_year`` and ``iso_week``.
    * one column per service line: ``primary_care``, ``vaccination``, ``health_check``,
      ``spirometry`` (at least one; a missing one means 0). Values are non-negative numbers
      (a decimal comma is accepted in semicolon files); empty cells are an error (write 0).
    * no other columns (a misspelt service column would otherwise be silently ignored).

    Everything is checked before anything is used; all problems (up to 20) are reported in
    one `DemandCsvError` naming the file, the line (header = line 1) and the column.
    """
    path = Path(path)
    loc = _check_localities(localities)
    delimiter, header, hl, rows = _read_csv(path, DemandCsvError)

    # --- header ---
    problems = _check_locality_header(header, hl, _ALLOWED_COLUMNS)
    seen = set(header)
    has_loc, has_kommun = "locality_id" in seen, "kommun_code" in seen
    has_week, has_pair = "week" in seen, {"iso_year", "iso_week"} <= seen
    if has_week and ({"iso_year", "iso_week"} & seen):
        problems.append(CsvProblem(hl, "week", "give either week or iso_year + iso_week, not both"))
    elif not has_week and not has_pair:
        problems.append(CsvProblem(hl, "week", "missing required column (or iso_year + iso_week)"))
    services = [s for s in SERVICES if s in seen]
    if not services:
        problems.append(
            CsvProblem(hl, "/".join(SERVICES), "missing required column: at least one service line")
        )
    _end_of_header(DemandCsvError, path, problems, rows, hl)

    # --- rows ---
    kommun_of, county_of = _locality_places(loc)
    known_kommun = set(kommun_of.values())
    code_col = "locality_id" if has_loc else "kommun_code"
    parsed: list[tuple[Any, tuple[int, int], dict[str, float]]] = []
    first_seen: dict[tuple[Any, tuple[int, int]], int] = {}
    for line, cells in rows:
        row = _row_cells(header, line, cells, problems)
        if row is None:
            continue
        row_problems: list[tuple[str, str]] = []
        code = _parse_code(row, has_loc, has_kommun, known_kommun, kommun_of, row_problems)
        week = _parse_week_cells(row, has_week, row_problems)
        values: dict[str, float] = {}
        for s in services:
            value = _parse_value(row[s], s, delimiter == ";", row_problems)
            if value is not None:
                values[s] = value
        if code is not None and week is not None:
            if (code, week) in first_seen:
                row_problems.append(
                    (
                        f"{code_col}, week",
                        f"duplicate of line {first_seen[code, week]} ({code_col} {code}, "
                        f"week {format_iso_week(*week)})",
                    )
                )
            else:
                first_seen[code, week] = line
        problems.extend(CsvProblem(line, c, m) for c, m in row_problems)
        if not row_problems and week is not None:
            parsed.append((code, week, values))
    if problems:
        _raise_problems(DemandCsvError, path, problems)

    # --- spread and build the long frame ---
    records: list[dict[str, Any]] = []
    if has_loc:
        spread = {int(i): [(int(i), 1.0)] for i in loc["locality_id"]}
    else:
        spread = {}
        for kommun, group in loc.groupby("kommun_code", sort=False):
            pops = group["population"].to_numpy(dtype=float)
            shares = pops / pops.sum() if pops.sum() > 0 else np.full(len(pops), 1.0 / len(pops))
            spread[kommun] = list(zip(group["locality_id"].astype(int), shares, strict=True))
    for code, (year, week), values in parsed:
        for loc_id, share in spread[code]:
            kommun, county = kommun_of[loc_id], county_of[loc_id]
            for s in SERVICES:
                records.append(
                    {
                        "locality_id": loc_id,
                        "kommun_code": kommun,
                        "county_code": county,
                        "iso_year": year,
                        "iso_week": week,
                        "service": s,
                        "demand": values.get(s, 0.0) * share,
                    }
                )
    if not records:
        return _empty_demand()
    out = pd.DataFrame.from_records(records, columns=list(DEMAND_COLUMNS))
    out = out.astype(
        {"locality_id": "int64", "iso_year": "int64", "iso_week": "int64", "demand": "float64"}
    )
    order = {s: i for i, s in enumerate(SERVICES)}
    out = out.sort_values(
        ["iso_year", "iso_week", "service", "locality_id"],
        key=lambda c: c.map(order) if c.name == "service" else c,
        kind="stable",
    )
    return out.reset_index(drop=True)


def write_demand_csv(demand: pd.DataFrame, path: Path, *, level: str = "locality") -> Path:
    """Write a long demand frame in the CSV format `load_demand_csv` reads.

    ``level="locality"`` writes one row per locality and week; ``level="kommun"`` sums to
    one row per municipality and week (reading that back spreads it by population again).
    """
    if level not in ("locality", "kommun"):
        raise ValueError(f"level must be 'locality' or 'kommun', got {level!r}.")
    key = "locality_id" if level == "locality" else "kommun_code"
    wide = demand.pivot_table(
        index=[key, "iso_year", "iso_week"],
        columns="service",
        values="demand",
        aggfunc="sum",
        fill_value=0.0,
    ).reset_index()
    labels = zip(wide["iso_year"], wide["iso_week"], strict=True)
    wide.insert(1, "week", [format_iso_week(y, w) for y, w in labels])
    columns = [key, "week", *[s for s in SERVICES if s in wide.columns]]
    wide = wide.sort_values(["iso_year", "iso_week", key])[columns]
    path = Path(path)
    wide.to_csv(path, index=False)
    return path


# ---------------------------------------------------------------------------------------------
# Bring-your-own referral CSV
# ---------------------------------------------------------------------------------------------

_REFERRAL_COLUMNS = frozenset({"date", "locality_id", "kommun_code", "count", "referral_id"})
_DATE_RE = re.compile(r"^\d{4}-\d{2}-\d{2}$")
#: Longest referral id the shipment and route tables store.
MAX_REFERRAL_ID_LENGTH = 32
_WEEKDAYS = ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday")


@dataclass(frozen=True, slots=True)
class MovedReferral:
    """A CSV row dated on a weekend or holiday, counted from the next business day instead."""

    line: int
    written: dt.date
    used: dt.date


@dataclass(frozen=True, slots=True)
class ReferralCsv:
    """What `load_referrals_csv` read: the referrals and where they came from."""

    path: Path
    sha256: str  # of the file's bytes, so a run can say exactly which list it planned
    rows: int  # data rows in the file
    referrals: tuple[Referral, ...]
    moved: tuple[MovedReferral, ...]  # rows whose date was not a business day


def _kommun_seats(loc: pd.DataFrame) -> dict[str, int]:
    """Each municipality's most populous locality (ties: lowest locality_id)."""
    ranked = loc.sort_values(["population", "locality_id"], ascending=[False, True], kind="stable")
    first = ranked.drop_duplicates("kommun_code")
    return dict(zip(first["kommun_code"], first["locality_id"].astype(int), strict=True))


def _parse_referral_date(
    raw: str, start: dt.date, end: dt.date, problems: list[tuple[str, str]]
) -> tuple[dt.date, dt.date] | None:
    """The written date and the business day it counts from; None and a problem if unusable.

    ``[start, end)`` is the horizon. A weekend or holiday moves to the next business day, which
    must still lie in the horizon.
    """
    try:
        if not _DATE_RE.match(raw):
            raise ValueError
        day = dt.date.fromisoformat(raw)
    except ValueError:
        problems.append(("date", f"bad date {raw!r}: write YYYY-MM-DD, e.g. 2026-11-09"))
        return None
    last = end - dt.timedelta(days=1)
    if not start <= day < end:
        problems.append(
            (
                "date",
                f"{day} is outside the scenario's horizon {start} to {last} "
                "(scenario.start_week and scenario.horizon_weeks)",
            )
        )
        return None
    used = next_business_day(day)
    if used >= end:
        what = _WEEKDAYS[day.weekday()] if day.weekday() >= 5 else "Swedish holiday"
        problems.append(
            (
                "date",
                f"{day} is a {what}; the next business day, {used}, is after the horizon's last "
                f"day {last}",
            )
        )
        return None
    return day, used


def load_referrals_csv(
    path: Path, localities: pd.DataFrame, start: dt.date, days: int
) -> ReferralCsv:
    """Read your own spirometry referrals for the days ``[start, start + days)``.

    Format (UTF-8, comma- or semicolon-separated; header on line 1; one row per referral, or
    per place and day with ``count``):

    * ``date``: the referral day, ``YYYY-MM-DD``, inside the horizon. A weekend or Swedish
      holiday is kept and counted from the next business day (as the clinic receives it); if
      that day is past the horizon the row is an error.
    * ``locality_id`` (integer, as in ``data/geo/localities.parquet``) or ``kommun_code``
      (4 digits, e.g. ``0114``); with both, the locality must lie in that municipality. A
      municipality alone means its most populous locality (as ``planner.geo.find_place``
      resolves a kommun code): referrals are whole patients, so they are not spread.
    * optional ``count``: referrals in that row, a whole number >= 0 (default 1).
    * optional ``referral_id``: your id for the row's one referral (unique, at most 32
      characters); not together with ``count``. Without it ids are ``R-000001, ...``.
    * no other columns.

    The referrals are ordered like `daily_referrals` makes them: by (business) date, then
    locality_id, then line in the file. Everything is checked before anything is used; all
    problems (up to 20) are reported in one `ReferralCsvError` naming the file, the line
    (header = line 1) and the column.
    """
    path = Path(path)
    loc = _check_localities(localities)
    delimiter, header, hl, rows = _read_csv(path, ReferralCsvError)

    # --- header ---
    problems = _check_locality_header(header, hl, _REFERRAL_COLUMNS)
    seen = set(header)
    has_loc, has_kommun = "locality_id" in seen, "kommun_code" in seen
    has_count, has_id = "count" in seen, "referral_id" in seen
    if "date" not in seen:
        problems.append(CsvProblem(hl, "date", "missing required column"))
    if has_count and has_id:
        problems.append(
            CsvProblem(
                hl, "count", "give either referral_id (one referral per row) or count, not both"
            )
        )
    _end_of_header(ReferralCsvError, path, problems, rows, hl)

    # --- rows ---
    kommun_of, county_of = _locality_places(loc)
    seats = _kommun_seats(loc)
    known_kommun = set(seats)
    end = start + dt.timedelta(days=days)
    first_line: dict[str, int] = {}
    parsed: list[tuple[dt.date, int, int, int, str | None]] = []  # used, locality, line, n, id
    moved: list[MovedReferral] = []
    for line, cells in rows:
        row = _row_cells(header, line, cells, problems)
        if row is None:
            continue
        row_problems: list[tuple[str, str]] = []
        code = _parse_code(row, has_loc, has_kommun, known_kommun, kommun_of, row_problems)
        dates = _parse_referral_date(row["date"], start, end, row_problems)
        count: int | None = 1
        if has_count:
            value = _parse_value(
                row["count"],
                "count",
                delimiter == ";",
                row_problems,
                empty_hint="write 0 for no referrals",
            )
            count = None
            if value is not None and not value.is_integer():
                row_problems.append(("count", f"not a whole number of referrals: {row['count']!r}"))
            elif value is not None:
                count = int(value)
        rid = row["referral_id"] if has_id else None
        if rid is not None:
            if not rid:
                row_problems.append(("referral_id", "empty referral id"))
            elif len(rid) > MAX_REFERRAL_ID_LENGTH:
                row_problems.append(
                    (
                        "referral_id",
                        f"referral id {rid!r} is longer than {MAX_REFERRAL_ID_LENGTH} characters",
                    )
                )
            elif rid in first_line:
                row_problems.append(
                    ("referral_id", f"duplicate of line {first_line[rid]} (referral id {rid!r})")
                )
            else:
                first_line[rid] = line
        problems.extend(CsvProblem(line, c, m) for c, m in row_problems)
        if row_problems or code is None or dates is None or count is None:
            continue
        locality = code if isinstance(code, int) else seats[code]
        parsed.append((dates[1], locality, line, count, rid))
        if dates[0] != dates[1]:
            moved.append(MovedReferral(line, *dates))
    if problems:
        _raise_problems(ReferralCsvError, path, problems)

    referrals: list[Referral] = []
    for day, locality, _, count, rid in sorted(parsed, key=lambda r: r[:3]):
        for _ in range(count):
            referrals.append(
                Referral(
                    referral_id=rid or f"R-{len(referrals) + 1:06d}",
                    locality_id=locality,
                    kommun_code=kommun_of[locality],
                    county_code=county_of[locality],
                    date=day,
                )
            )
    return ReferralCsv(
        path=path,
        sha256=hashlib.sha256(path.read_bytes()).hexdigest(),
        rows=len(rows),
        referrals=tuple(referrals),
        moved=tuple(moved),
    )
