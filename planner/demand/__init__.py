"""Demand: weekly demand per locality and service line, its staffing shape, and your own CSVs.

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
`load_referrals_csv` reads a regional planner's own referral list into the same `Referral`s;
`load_demand_csv` reads your own weekly figures into the model's long format; `demand_hours`
shapes the primary-care contacts into clinician-hours per day, block and profession for the
roster.

Modules, one job each: `params` (the parameters and service lines), `seasons` (the week shares
``f_s(t)``), `model` (volumes and the weekly frame), `localities` (the locality table's
checks), `referrals` (seeded daily draws), `staffing_hours` (the staffing shape), `csvfile`
(reading a user CSV and reporting its problems), `demand_csv` and `referral_csv` (the two
formats).
"""

from planner.demand.csvfile import CsvProblem, DemandCsvError, ReferralCsvError
from planner.demand.demand_csv import load_demand_csv, write_demand_csv
from planner.demand.model import DEMAND_COLUMNS, aggregate, annual_volumes, weekly_demand
from planner.demand.params import SERVICES, DemandParams, Service, default_digital_rates
from planner.demand.referral_csv import MovedReferral, ReferralCsv, load_referrals_csv
from planner.demand.referrals import Referral, daily_referrals
from planner.demand.seasons import campaign_profile
from planner.demand.staffing_hours import demand_hours

__all__ = [
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
    "campaign_profile",
    "daily_referrals",
    "default_digital_rates",
    "demand_hours",
    "load_demand_csv",
    "load_referrals_csv",
    "weekly_demand",
    "write_demand_csv",
]
