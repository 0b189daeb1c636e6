"""The demand model's parameters and service lines: every default traced to domain.md or marked.

`DemandParams` is immutable (change it with `replace`) and validated on construction; the
formulation it parameterises is in :mod:`planner.demand`.
"""

from __future__ import annotations

import math
import re
from collections.abc import Mapping
from enum import Enum
from typing import Annotated, Any

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

from planner.geo import COUNTY_POPULATION, KOMMUN_POPULATION
from planner.scenario_bounds import MAX_COUNTIES, MAX_KOMMUNER, bounded


class Service(str, Enum):
    """The provider's service lines that generate demand."""

    PRIMARY_CARE = "primary_care"  # digital primary-care contacts (chat, phone, video)
    VACCINATION = "vaccination"  # seasonal flu vaccination at clinics and mobile units
    HEALTH_CHECK = "health_check"  # health tests at the care and vaccination clinics
    SPIROMETRY = "spirometry"  # asthma referral -> a home spirometer loan


SERVICES: tuple[str, ...] = tuple(s.value for s in Service)


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


#: Sweden's 21 county codes (SCB).
COUNTY_CODES: tuple[str, ...] = tuple(COUNTY_POPULATION)

COUNTY_CODE_RE = re.compile(r"^\d{2}$")
KOMMUN_CODE_RE = re.compile(r"^\d{4}$")

#: Contacts (referrals, checks) per 1,000 (100,000) inhabitants and year: at most 100 a person.
MAX_RATE = 100_000.0
#: A scenario multiplier: at most a hundred times the base case (1.0). What the multipliers
#: multiply up to is bounded by the scenario (planner.scenario: spirometry referrals a year).
MAX_MULTIPLIER = 100.0

Rate = Annotated[float, Field(ge=0, le=MAX_RATE, allow_inf_nan=False)]
Multiplier = Annotated[float, Field(ge=0, le=MAX_MULTIPLIER, allow_inf_nan=False)]
WeekNumber = Annotated[int, Field(ge=1, le=53)]


def _short(keys: list[str]) -> list[str]:
    """Keys as a message shows them: the first five, each cut to 10 characters."""
    return [key[:10] for key in keys[:5]]


class DemandParams(BaseModel):
    """Parameters of the weekly demand model; immutable, change them with `replace`.

    Every default is either a figure from docs/domain.md (the line is named) or marked
    "our assumption". Multipliers are scenario knobs (1.0 = base case).
    """

    model_config = ConfigDict(extra="forbid", frozen=True)

    # --- primary care (digital contacts) ---
    digital_contacts_per_1000: dict[str, Rate] = Field(
        default_factory=default_digital_rates,
        max_length=MAX_COUNTIES,
        description="Out-of-county digital contacts per 1,000 inhabitants and year, by county "
        "code. Anchors 375 (Stockholm) and 104 (Norrbotten) from domain.md 'Demand' (SKR "
        "2020); other counties by `default_digital_rates` (our assumption: log-population). "
        f"At most {MAX_COUNTIES} entries (the counties), each at most {MAX_RATE:,.0f}.",
    )
    digital_contacts_per_1000_fallback: float = bounded(
        217.0,
        ge=0,
        le=MAX_RATE,
        description="Rate for a county missing from the table: SKR's 2.3 M digital contacts "
        "2020 (domain.md 'Demand') over the SCB 2024 total 10,587,710 (data/geo/scb) = 217.",
    )
    primary_care_share: float = bounded(
        0.25,
        ge=0,
        le=1,
        description="Our assumption: the provider's share of all out-of-county digital "
        "contacts (a leading provider among a handful).",
    )

    # --- flu vaccination ---
    risk_start_week: int = bounded(
        45,
        ge=1,
        le=53,
        description="domain.md 'Demand': risk-group campaign starts around week 45.",
    )
    general_start_week: int = bounded(
        49, ge=1, le=53, description="domain.md 'Demand': everyone else around week 49."
    )
    season_end_week: int = bounded(
        20,
        ge=1,
        le=53,
        description="domain.md 'Demand': season reported weeks 40-20; ends week 20.",
    )
    share_65_plus: float = bounded(
        0.20,
        ge=0,
        le=1,
        description="Our assumption from SCB's age structure: about 20 % of the population is 65+.",
    )
    coverage_65_plus: float = bounded(
        0.64, ge=0, le=1, description="domain.md 'Demand': 65+ coverage about 64 %."
    )
    uptake_under_65: float = bounded(
        0.05,
        ge=0,
        le=1,
        description="Our assumption: share of under-65s vaccinated in the general campaign "
        "(risk groups under 65 and people paying themselves).",
    )
    vaccination_share: float = bounded(
        0.03,
        ge=0,
        le=1,
        description="Our assumption: the provider's share of all flu vaccinations. Cross-check: "
        "~53,000 a season is ten mobile units at ~50 a day (domain.md) for ~20 weeks.",
    )
    vaccination_ramp_weeks: int = bounded(
        2,
        ge=0,
        le=20,
        description="Our assumption: weeks of linear ramp-up before a campaign's peak week.",
    )
    vaccination_decay: float = bounded(
        0.8,
        ge=0,
        le=1,
        description="Our assumption: after the peak each week has this fraction of the "
        "previous week's vaccinations (geometric decay).",
    )

    # --- health checks ---
    health_checks_per_1000: float = bounded(
        4.0,
        ge=0,
        le=1000,
        description="Our assumption: the provider's health checks per 1,000 inhabitants and "
        "year before holiday and summer effects.",
    )
    summer_weeks: tuple[WeekNumber, WeekNumber] = Field(
        default=(27, 32),
        description="Our assumption: Swedish summer holiday weeks (first, last; inclusive); "
        "each 1 to 53.",
    )
    summer_factor: float = bounded(
        0.5,
        ge=0,
        le=MAX_MULTIPLIER,
        description="Our assumption: health-check demand in summer weeks x 0.5.",
    )

    # --- spirometry (asthma referrals -> home spirometer loans) ---
    asthma_referrals_per_100k: float = bounded(
        300.0,
        ge=0,
        le=MAX_RATE,
        description="Our assumption: new asthma investigations with spirometry per 100,000 "
        "inhabitants and year (asthma prevalence ~8-10 % in Sweden; new diagnoses a few per "
        "1,000 a year).",
    )
    spirometry_share: float = bounded(
        0.05,
        ge=0,
        le=1,
        description="Our assumption: the provider's share of those referrals (digital asthma "
        "diagnosis with a home spirometer, domain.md 'Home spirometry').",
    )

    # --- scenario multipliers ---
    county_multipliers: dict[str, Multiplier] = Field(
        default_factory=dict,
        max_length=MAX_COUNTIES,
        description="Scenario multiplier by 2-digit county code. At most "
        f"{MAX_COUNTIES} entries (the counties), each at most {MAX_MULTIPLIER:g}.",
    )
    kommun_multipliers: dict[str, Multiplier] = Field(
        default_factory=dict,
        max_length=MAX_KOMMUNER,
        description="Scenario multiplier by 4-digit municipality code. At most "
        f"{MAX_KOMMUNER} entries (the kommuner), each at most {MAX_MULTIPLIER:g}.",
    )
    service_multipliers: dict[Service, Multiplier] = Field(
        default_factory=dict,
        max_length=len(SERVICES),
        description="Scenario multiplier by service line. At most "
        f"{len(SERVICES)} entries (the service lines), each at most {MAX_MULTIPLIER:g}.",
    )

    @field_validator("digital_contacts_per_1000", "county_multipliers")
    @classmethod
    def _county_keys(cls, value: dict[str, float]) -> dict[str, float]:
        bad = [k for k in value if not COUNTY_CODE_RE.match(k)]
        if bad:
            raise ValueError(f"county codes must be 2 digits like '01', got {_short(bad)}")
        unknown = sorted(k for k in value if k not in COUNTY_POPULATION)
        if unknown:
            raise ValueError(f"unknown county code(s) {unknown}; Sweden's are {COUNTY_CODES}")
        return value

    @field_validator("kommun_multipliers")
    @classmethod
    def _kommun_keys(cls, value: dict[str, float]) -> dict[str, float]:
        bad = [k for k in value if not KOMMUN_CODE_RE.match(k)]
        if bad:
            raise ValueError(f"municipality codes must be 4 digits like '0114', got {_short(bad)}")
        unknown = sorted(k for k in value if k not in KOMMUN_POPULATION)
        if unknown:
            raise ValueError(f"unknown municipality code(s) {unknown} (SCB's 290 kommuner)")
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

    def spirometry_referrals_per_year(self) -> float:
        """Expected spirometry referrals a year in all of Sweden, every multiplier applied (the
        formula of :func:`planner.demand.annual_volumes` on SCB's kommun populations)."""
        per_person = (
            self.asthma_referrals_per_100k
            / 100_000.0
            * self.spirometry_share
            * self.service_multipliers.get(Service.SPIROMETRY, 1.0)
        )
        return per_person * sum(
            population
            * self.county_multipliers.get(kommun[:2], 1.0)
            * self.kommun_multipliers.get(kommun, 1.0)
            for kommun, population in KOMMUN_POPULATION.items()
        )

    def replace(self, **changes: Any) -> DemandParams:
        """A validated copy with some fields changed."""
        return type(self).model_validate({**self.model_dump(), **changes})

    def digital_rate(self, county_code: str) -> float:
        """Digital contacts per 1,000 inhabitants and year in a county."""
        return self.digital_contacts_per_1000.get(
            county_code, self.digital_contacts_per_1000_fallback
        )
