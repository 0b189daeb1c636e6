"""The weekly demand model: expected contacts per locality, ISO week and service line.

``demand[i, t, s] = A[i, s] * f_s(t) * multipliers``: `annual_volumes` gives ``A`` (with the
scenario multipliers), :mod:`planner.demand.seasons` gives ``f``, and `weekly_demand` puts them
together in the long format of `DEMAND_COLUMNS`. No randomness.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence

import numpy as np
import pandas as pd

from planner.demand.localities import check_localities
from planner.demand.params import DemandParams, Service
from planner.demand.seasons import week_factors
from planner.weeks import parse_iso_week

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


def annual_volumes(localities: pd.DataFrame, params: DemandParams) -> pd.DataFrame:
    """Yearly (vaccination: per-season) volume per locality and component, multipliers applied.

    Columns: locality_id, kommun_code, county_code, primary_care, vaccination_risk,
    vaccination_general, health_check, spirometry.
    """
    p = params
    loc = check_localities(localities)
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
    f = week_factors(week_list, params)
    n_loc, n_week = len(vol), len(week_list)
    # (weeks x localities) matrices per service, then stacked in Service order.
    per_service = {
        Service.PRIMARY_CARE: np.outer(f["flat"], vol["primary_care"]),
        Service.VACCINATION: np.outer(f["risk"], vol["vaccination_risk"])
        + np.outer(f["general"], vol["vaccination_general"]),
        Service.HEALTH_CHECK: np.outer(f["health"], vol["health_check"]),
        Service.SPIROMETRY: np.outer(f["flat"], vol["spirometry"]),
    }
    if n_loc == 0 or n_week == 0:
        return empty_demand()
    # one column each, rows by week, then service (in Service order), then locality: the
    # order (and dtypes) of one frame per week and service, concatenated
    # (strings are taken from columns of one row per place or service, not made one by one)
    services = list(Service)
    blocks = n_week * len(services)
    years = np.array([year for year, _ in week_list], dtype="int64")
    weeks_ = np.array([week for _, week in week_list], dtype="int64")
    demand = np.stack([per_service[s] for s in services], axis=1)  # weeks x services x places
    place = np.tile(np.arange(n_loc), blocks)
    names = pd.DataFrame(
        {
            "kommun_code": vol["kommun_code"].to_numpy(),
            "county_code": vol["county_code"].to_numpy(),
        }
    )
    service = pd.Series(np.array([s.value for s in services], dtype=object)).array
    out = pd.DataFrame(
        {
            "locality_id": vol["locality_id"].to_numpy()[place],
            "kommun_code": names["kommun_code"].array.take(place),
            "county_code": names["county_code"].array.take(place),
            "iso_year": np.repeat(years, len(services) * n_loc),
            "iso_week": np.repeat(weeks_, len(services) * n_loc),
            "service": service.take(np.tile(np.repeat(np.arange(len(services)), n_loc), n_week)),
            "demand": demand.reshape(-1),
        }
    )
    return out[list(DEMAND_COLUMNS)]


def empty_demand() -> pd.DataFrame:
    """A long demand frame with no rows and the dtypes of a full one."""
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
