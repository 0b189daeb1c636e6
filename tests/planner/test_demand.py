"""Tests for planner.demand: the weekly demand model, daily referrals, the demand and referral CSVs."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from pydantic import ValidationError

from planner.demand import (
    DEMAND_COLUMNS,
    CsvProblem,
    DemandCsvError,
    DemandParams,
    MovedReferral,
    Referral,
    ReferralCsvError,
    Service,
    aggregate,
    daily_referrals,
    demand_hours,
    load_demand_csv,
    load_referrals_csv,
    weekly_demand,
    write_demand_csv,
)
from planner.paths import geo_dir
from planner.weeks import business_days, iso_week_range, parse_iso_week, weeks_in_iso_year

P = DemandParams()


@pytest.fixture
def tiny() -> pd.DataFrame:
    """Three localities in two counties with round populations, so every number is hand-made.

    Localities 1 and 2 lie in Stockholm municipality 0180 (county 01, digital rate 375 per
    1,000), locality 3 in Luleå 2580 (county 25, Norrbotten, 104 per 1,000). With the default
    25 % share locality 3 has 2000 * 0.104 * 0.25 = 52 digital contacts a year: 1 a week in a
    52-week ISO year.
    """
    return pd.DataFrame(
        {
            "locality_id": [1, 2, 3],
            "name": ["Norrmalm", "Södermalm", "Luleå"],
            "kommun_code": ["0180", "0180", "2580"],
            "county_code": ["01", "01", "25"],
            "population": [1000, 3000, 2000],
        }
    )


def _value(df: pd.DataFrame, loc: int, year: int, week: int, service: Service) -> float:
    """The single demand value of one locality, week and service."""
    sel = df[
        (df["locality_id"] == loc)
        & (df["iso_year"] == year)
        & (df["iso_week"] == week)
        & (df["service"] == service.value)
    ]
    assert len(sel) == 1
    return float(sel["demand"].iloc[0])


def _series(df: pd.DataFrame, service: Service) -> pd.Series:
    """Total demand of one service per (iso_year, iso_week)."""
    return df[df["service"] == service.value].groupby(["iso_year", "iso_week"])["demand"].sum()


# --- ISO weeks ---------------------------------------------------------------------------------


def test_parse_iso_week_accepts_both_forms():
    """'2026-W45' and (2026, 45) give the same week."""
    assert parse_iso_week("2026-W45") == parse_iso_week((2026, 45)) == (2026, 45)


@pytest.mark.parametrize("bad", ["2026-45", "2026-W5", "W45", "2025-W53", "2026-W00", (2026, 54)])
def test_parse_iso_week_rejects_bad_weeks(bad):
    """Malformed weeks and weeks a year does not have are errors (2025 has 52 weeks)."""
    with pytest.raises(ValueError, match="ISO week"):
        parse_iso_week(bad)


def test_iso_week_range_crosses_the_year_and_week_53():
    """2026 has 53 ISO weeks, so 2026-W52:2027-W01 is three weeks."""
    assert weeks_in_iso_year(2026) == 53 and weeks_in_iso_year(2025) == 52
    assert iso_week_range("2026-W52:2027-W01") == [(2026, 52), (2026, 53), (2027, 1)]
    assert iso_week_range("2026-W45") == [(2026, 45)]
    with pytest.raises(ValueError, match="before the start"):
        iso_week_range("2026-W45:2026-W44")


def test_business_days_skip_swedish_holidays():
    """Christmas week 2025 keeps only Monday 22 and Tuesday 23 December."""
    assert business_days(2025, 52) == [dt.date(2025, 12, 22), dt.date(2025, 12, 23)]
    assert len(business_days(2025, 10)) == 5


# --- the weekly model: hand-computed numbers ---------------------------------------------------


def test_output_format(tiny):
    """Long format with the documented columns, one row per locality, week and service."""
    df = weekly_demand(tiny, ["2025-W10", (2025, 11)], P)
    assert tuple(df.columns) == DEMAND_COLUMNS
    assert len(df) == 3 * 2 * 4
    assert set(df["kommun_code"]) == {"0180", "2580"}  # codes stay strings with leading zero
    assert df["locality_id"].dtype == np.int64 and df["demand"].dtype == np.float64
    assert list(df["service"].unique()) == [s.value for s in Service]


def test_weeks_are_stacked_blocks_of_one_week_and_service(tiny):
    """Rows run by week, then service (Service order), then locality (the input order); each
    week's rows are those of that week alone; strings keep the dtype pandas gives them."""
    weeks = ["2025-W52", "2026-W01", "2026-W02"]
    df = weekly_demand(tiny, weeks, P)
    alone = [weekly_demand(tiny, [w], P) for w in weeks]
    pd.testing.assert_frame_equal(df, pd.concat(alone, ignore_index=True), check_exact=True)
    block = 0
    for week in weeks:
        for service in Service:
            rows = df.iloc[3 * block : 3 * block + 3]
            assert list(rows["locality_id"]) == [1, 2, 3]
            assert list(rows["kommun_code"]) == ["0180", "0180", "2580"]
            assert {(y, w) for y, w in zip(rows["iso_year"], rows["iso_week"], strict=True)} == {
                parse_iso_week(week)
            }
            assert set(rows["service"]) == {service.value}
            block += 1
    strings = pd.DataFrame({"s": np.array(["0180"], dtype=object)})["s"].dtype
    assert df["kommun_code"].dtype == df["county_code"].dtype == df["service"].dtype == strings


def test_primary_care_is_rate_times_population_over_weeks(tiny):
    """Digital contacts = population x rate/1000 x share / ISO weeks in the year."""
    df = weekly_demand(tiny, ["2025-W10", "2026-W10"], P)
    assert _value(df, 3, 2025, 10, Service.PRIMARY_CARE) == pytest.approx(1.0)
    assert _value(df, 3, 2026, 10, Service.PRIMARY_CARE) == pytest.approx(52 / 53)
    assert _value(df, 1, 2025, 10, Service.PRIMARY_CARE) == pytest.approx(1000 * 0.375 * 0.25 / 52)
    assert _value(df, 2, 2025, 10, Service.PRIMARY_CARE) == pytest.approx(3000 * 0.375 * 0.25 / 52)


def test_an_iso_year_sums_to_the_yearly_volume(tiny):
    """All 53 weeks of 2026 add up to exactly one year of digital contacts and spirometry."""
    df = weekly_demand(tiny, iso_week_range("2026-W01:2026-W53"), P)
    yearly = (1000 + 3000) * 0.375 * 0.25 + 2000 * 0.104 * 0.25
    assert _series(df, Service.PRIMARY_CARE).sum() == pytest.approx(yearly)
    assert _series(df, Service.SPIROMETRY).sum() == pytest.approx(6000 * 300e-5 * 0.05)


def test_health_checks_follow_working_days_and_summer(tiny):
    """Health checks: 4 per 1,000 a year / 52, x working days / 5, x 0.5 in summer weeks."""
    df = weekly_demand(tiny, ["2025-W10", "2025-W52", "2025-W25", "2025-W28"], P)
    base = 2000 * 4 / 1000 / 52
    assert _value(df, 3, 2025, 10, Service.HEALTH_CHECK) == pytest.approx(base)
    assert _value(df, 3, 2025, 52, Service.HEALTH_CHECK) == pytest.approx(base * 2 / 5)  # Christmas
    assert _value(df, 3, 2025, 25, Service.HEALTH_CHECK) == pytest.approx(base * 4 / 5)  # Midsummer
    assert _value(df, 3, 2025, 28, Service.HEALTH_CHECK) == pytest.approx(base * 0.5)  # July


def test_spirometry_is_referral_rate_times_share(tiny):
    """Spirometry: 300 per 100,000 a year x 5 % share / 52 weeks."""
    df = weekly_demand(tiny, ["2025-W10"], P)
    assert _value(df, 3, 2025, 10, Service.SPIROMETRY) == pytest.approx(2000 * 300e-5 * 0.05 / 52)


def test_stockholm_digital_demand_per_capita_exceeds_norrbotten_by_the_rate_ratio(tiny):
    """Per inhabitant, Stockholm's digital contacts are 375/104 times Norrbotten's."""
    df = weekly_demand(tiny, ["2025-W10"], P)
    sthlm = _value(df, 1, 2025, 10, Service.PRIMARY_CARE) / 1000
    norrb = _value(df, 3, 2025, 10, Service.PRIMARY_CARE) / 2000
    assert sthlm / norrb == pytest.approx(P.digital_rate("01") / P.digital_rate("25"))
    assert sthlm / norrb == pytest.approx(375 / 104)


def test_default_digital_rates_stay_within_the_skr_spread():
    """Every county gets a rate between Norrbotten's 104 and Stockholm's 375."""
    rates = P.digital_contacts_per_1000
    assert len(rates) == 21 and rates["01"] == 375 and rates["25"] == 104
    assert all(104 <= r <= 375 for r in rates.values())
    assert rates["14"] > rates["04"] > rates["09"]  # Västra Götaland > Sörmland > Gotland


# --- vaccination -------------------------------------------------------------------------------


def test_vaccination_is_zero_outside_the_season(tiny):
    """No flu vaccination from week 21 to week 44; some in weeks 45 and 20."""
    df = weekly_demand(tiny, iso_week_range("2025-W01:2026-W01"), P)
    vacc = _series(df, Service.VACCINATION)
    off = vacc.loc[[(2025, w) for w in range(21, 45)]]
    assert (off == 0).all()
    assert vacc.loc[(2025, 45)] > 0 and vacc.loc[(2025, 20)] > 0


def test_vaccination_week_45_is_the_first_ramp_step(tiny):
    """Week 45 gets weight 1/3 of the risk-group season over the season's weight sum."""
    df = weekly_demand(tiny, ["2025-W45"], P)
    # Season 2025-W45..2026-W20 has 28 weeks: ramp 1/3, 2/3, then 0.8**j for j = 0..25.
    weight_sum = 1 / 3 + 2 / 3 + (1 - 0.8**26) / (1 - 0.8)
    risk_volume = 2000 * 0.03 * 0.20 * 0.64
    expected = risk_volume * (1 / 3) / weight_sum
    assert _value(df, 3, 2025, 45, Service.VACCINATION) == pytest.approx(expected)


def test_a_vaccination_season_sums_to_its_volume(tiny):
    """Weeks 45 to 20 add up to population x share x (65+ share x coverage + under-65 uptake)."""
    df = weekly_demand(tiny, iso_week_range("2025-W45:2026-W20"), P)
    expected = 6000 * 0.03 * (0.20 * 0.64 + 0.80 * 0.05)
    assert _series(df, Service.VACCINATION).sum() == pytest.approx(expected)


def test_general_campaign_adds_demand_from_week_49(tiny):
    """Switching on the general campaign changes nothing before week 49 and adds from week 49."""
    weeks = iso_week_range("2025-W45:2025-W52")
    with_general = _series(weekly_demand(tiny, weeks, P), Service.VACCINATION)
    risk_only_df = weekly_demand(tiny, weeks, P.replace(uptake_under_65=0.0))
    risk_only = _series(risk_only_df, Service.VACCINATION)
    diff = with_general - risk_only
    assert (diff.loc[[(2025, w) for w in range(45, 49)]] == 0).all()
    assert (diff.loc[[(2025, w) for w in range(49, 53)]] > 0).all()


# --- multipliers and params --------------------------------------------------------------------


def test_county_multiplier_scales_exactly_that_county(tiny):
    """A 1.5 multiplier on county 25 scales locality 3 and nothing else."""
    weeks = ["2025-W46", "2025-W50"]
    base = weekly_demand(tiny, weeks, P)
    scaled = weekly_demand(tiny, weeks, P.replace(county_multipliers={"25": 1.5}))
    in_25 = base["county_code"] == "25"
    np.testing.assert_allclose(scaled.loc[in_25, "demand"], 1.5 * base.loc[in_25, "demand"])
    np.testing.assert_array_equal(scaled.loc[~in_25, "demand"], base.loc[~in_25, "demand"])


def test_kommun_and_service_multipliers_combine(tiny):
    """Kommun 0180 x 2 and spirometry x 3 give x 6 for spirometry in 0180 only."""
    base = weekly_demand(tiny, ["2025-W46"], P)
    params = P.replace(kommun_multipliers={"0180": 2.0}, service_multipliers={"spirometry": 3.0})
    scaled = weekly_demand(tiny, ["2025-W46"], params)
    factor = np.where(base["kommun_code"] == "0180", 2.0, 1.0) * np.where(
        base["service"] == "spirometry", 3.0, 1.0
    )
    np.testing.assert_allclose(scaled["demand"], base["demand"] * factor)


@pytest.mark.parametrize(
    "change",
    [
        {"primary_care_share": 1.2},
        {"health_checks_per_1000": -1.0},
        {"risk_start_week": 54},
        {"season_end_week": 0},
        {"general_start_week": 44},  # before the risk-group start
        {"county_multipliers": {"1": 2.0}},
        {"county_multipliers": {"01": -0.5}},
        {"kommun_multipliers": {"114": 2.0}},
        {"digital_contacts_per_1000": {"01": float("nan")}},
        {"service_multipliers": {"dentistry": 2.0}},
        {"no_such_field": 1},
    ],
)
def test_params_reject_bad_values(change):
    """Negative rates, shares above 1, bad weeks, bad codes and unknown fields are errors."""
    with pytest.raises(ValidationError):
        DemandParams(**{**P.model_dump(), **change})
    with pytest.raises(ValidationError):
        P.replace(**change)


def test_params_are_frozen():
    """Parameters cannot be changed in place; replace() returns a new object."""
    with pytest.raises(ValidationError):
        P.primary_care_share = 0.5  # type: ignore[misc]
    assert P.replace(primary_care_share=0.5).primary_care_share == 0.5
    assert P.primary_care_share == 0.25


def test_params_survive_a_json_round_trip():
    """Scenarios store model_dump(mode='json'); validating it again gives equal params."""
    params = P.replace(
        kommun_multipliers={"0114": 1.5}, service_multipliers={Service.VACCINATION: 2.0}
    )
    stored = json.loads(json.dumps(params.model_dump(mode="json")))
    assert DemandParams.model_validate(stored) == params


def test_localities_need_the_documented_columns(tiny):
    """A locality table without population is rejected with the missing column named."""
    with pytest.raises(ValueError, match="population"):
        weekly_demand(tiny.drop(columns="population"), ["2025-W10"], P)


def test_localities_with_numeric_codes_are_rejected(tiny):
    """Kommun code 114 read as a number (leading zero lost) is an error, not a new kommun."""
    with pytest.raises(ValueError, match="leading zeros"):
        weekly_demand(tiny.assign(kommun_code=[180, 180, 2580]), ["2025-W10"], P)


def test_aggregate_by_county(tiny):
    """County 01 sums localities 1 and 2."""
    df = weekly_demand(tiny, ["2025-W10"], P)
    agg = aggregate(df, by=("county_code",))
    row = agg[(agg["county_code"] == "01") & (agg["service"] == "primary_care")]
    assert float(row["demand"].iloc[0]) == pytest.approx(4000 * 0.375 * 0.25 / 52)
    total = aggregate(df, by=(), per_week=False, per_service=False)
    assert float(total["demand"].iloc[0]) == pytest.approx(df["demand"].sum())


# --- property test -----------------------------------------------------------------------------


_localities = st.lists(
    st.tuples(
        st.sampled_from([("0180", "01"), ("0114", "01"), ("2580", "25"), ("0980", "09")]),
        st.integers(min_value=0, max_value=1_000_000),
    ),
    min_size=1,
    max_size=6,
).map(
    lambda rows: pd.DataFrame(
        {
            "locality_id": range(1, len(rows) + 1),
            "kommun_code": [k for (k, _), _ in rows],
            "county_code": [c for (_, c), _ in rows],
            "population": [p for _, p in rows],
        }
    )
)


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    localities=_localities,
    week=st.sampled_from(["2025-W03", "2025-W28", "2025-W47", "2025-W52", "2026-W53"]),
    m=st.floats(min_value=0.0, max_value=20.0, allow_nan=False),
)
def test_demand_is_non_negative_and_linear_in_a_multiplier(localities, week, m):
    """Demand is never negative and county 01's totals scale exactly with its multiplier."""
    base = weekly_demand(localities, [week], P)
    scaled = weekly_demand(localities, [week], P.replace(county_multipliers={"01": m}))
    assert (base["demand"] >= 0).all() and (scaled["demand"] >= 0).all()
    in_01 = base["county_code"] == "01"
    assert scaled.loc[in_01, "demand"].sum() == pytest.approx(m * base.loc[in_01, "demand"].sum())
    assert scaled.loc[~in_01, "demand"].sum() == pytest.approx(base.loc[~in_01, "demand"].sum())


# --- daily referrals ---------------------------------------------------------------------------


@pytest.fixture
def busy_weekly(tiny) -> pd.DataFrame:
    """Spirometry at 100 % share and x 50: locality 3 expects 2000 x 0.003 x 50 / 52 = 5.77 a week.

    Large enough that every week has referrals, so seeds visibly differ.
    """
    params = P.replace(spirometry_share=1.0, service_multipliers={"spirometry": 50.0})
    return weekly_demand(tiny, iso_week_range("2025-W50:2026-W04"), params)


def test_daily_referrals_are_deterministic_for_a_seed(busy_weekly):
    """Two calls with the same seed are equal; another seed gives another list."""
    a = daily_referrals(busy_weekly, dt.date(2025, 12, 8), 42, seed=7)
    b = daily_referrals(busy_weekly, dt.date(2025, 12, 8), 42, seed=7)
    c = daily_referrals(busy_weekly, dt.date(2025, 12, 8), 42, seed=8)
    assert a == b and a != c
    assert [r.referral_id for r in a[:3]] == ["R-000001", "R-000002", "R-000003"]


def test_daily_referrals_only_on_business_days(busy_weekly):
    """No referrals on weekends or on Christmas Eve, Christmas Day and New Year's Day."""
    refs = daily_referrals(busy_weekly, dt.date(2025, 12, 8), 42, seed=1)
    dates = {r.date for r in refs}
    assert all(d.weekday() < 5 for d in dates)
    assert not dates & {dt.date(2025, 12, 24), dt.date(2025, 12, 25), dt.date(2026, 1, 1)}
    assert {r.kommun_code for r in refs if r.locality_id == 3} == {"2580"}


def test_daily_referrals_match_the_expectation_on_average(busy_weekly):
    """Over 2025-W50..2026-W04 the mean count over 200 seeds is within 2 % of the expectation."""
    weeks = busy_weekly[busy_weekly["service"] == "spirometry"]
    expected = weeks["demand"].sum()
    start = dt.date.fromisocalendar(2025, 50, 1)
    days = (dt.date.fromisocalendar(2026, 4, 7) - start).days + 1
    counts = [len(daily_referrals(busy_weekly, start, days, seed=s)) for s in range(200)]
    assert np.mean(counts) == pytest.approx(expected, rel=0.02)


def test_daily_referrals_need_every_week(busy_weekly):
    """Days outside the weekly frame's weeks are an error, not silently zero."""
    with pytest.raises(ValueError, match="2026-W05"):
        daily_referrals(busy_weekly, dt.date(2026, 1, 26), 7, seed=1)


# --- demand CSV --------------------------------------------------------------------------------


def test_csv_round_trip_at_locality_level(tiny, tmp_path):
    """weekly_demand -> CSV (one row per locality and week) -> load_demand_csv gives it back."""
    df = weekly_demand(tiny, iso_week_range("2025-W50:2026-W02"), P)
    path = write_demand_csv(df, tmp_path / "demand.csv")
    assert path.read_text().splitlines()[0] == (
        "locality_id,week,primary_care,vaccination,health_check,spirometry"
    )
    pd.testing.assert_frame_equal(load_demand_csv(path, tiny), df, check_exact=False, rtol=1e-12)


def test_csv_round_trip_at_kommun_level(tiny, tmp_path):
    """Kommun rows are spread by population share, which is how the model distributes them."""
    df = weekly_demand(tiny, ["2025-W47", "2025-W48"], P)
    path = write_demand_csv(df, tmp_path / "demand.csv", level="kommun")
    assert path.read_text().splitlines()[1].startswith("0180,2025-W47,")
    pd.testing.assert_frame_equal(load_demand_csv(path, tiny), df, check_exact=False, rtol=1e-12)


def test_csv_kommun_row_is_spread_by_population(tiny, tmp_path):
    """100 contacts in 0180 become 25 in locality 1 (1,000 people) and 75 in locality 2 (3,000)."""
    path = tmp_path / "d.csv"
    path.write_text("kommun_code,week,primary_care\n0180,2026-W45,100\n")
    df = load_demand_csv(path, tiny)
    pc = df[df["service"] == "primary_care"].set_index("locality_id")["demand"]
    assert pc.to_dict() == {1: 25.0, 2: 75.0}
    assert (df.loc[df["service"] != "primary_care", "demand"] == 0).all()  # missing columns = 0
    assert tuple(df.columns) == DEMAND_COLUMNS


def test_csv_keeps_leading_zeros(tmp_path):
    """Municipality 0114 (Upplands Väsby) stays '0114', never 114."""
    locs = pd.DataFrame(
        {"locality_id": [7], "kommun_code": ["0114"], "county_code": ["01"], "population": [10]}
    )
    path = tmp_path / "d.csv"
    path.write_text("kommun_code,week,vaccination\n0114,2026-W45,3\n")
    df = load_demand_csv(path, locs)
    assert set(df["kommun_code"]) == {"0114"}


def test_csv_accepts_semicolons_decimal_commas_and_year_week_columns(tiny, tmp_path):
    """A Swedish-Excel file with ';', '2,5' and iso_year/iso_week columns reads fine."""
    path = tmp_path / "d.csv"
    path.write_text("locality_id;iso_year;iso_week;spirometry\n3;2026;45;2,5\n")
    df = load_demand_csv(path, tiny)
    assert _value(df, 3, 2026, 45, Service.SPIROMETRY) == 2.5


HEADER = "kommun_code,week,primary_care,vaccination\n"


@pytest.mark.parametrize(
    ("content", "line", "column", "fragment"),
    [
        pytest.param(
            HEADER + "0180,2026-W45,1,0\n9999,2026-W45,2,0\n",
            3,
            "kommun_code",
            "unknown municipality",
            id="unknown-kommun",
        ),
        pytest.param(
            HEADER + "180,2026-W45,1,0\n", 2, "kommun_code", "'0180'", id="lost-leading-zero"
        ),
        pytest.param(
            "locality_id,week,primary_care\n99,2026-W45,1\n",
            2,
            "locality_id",
            "unknown locality",
            id="unknown-locality",
        ),
        pytest.param(
            "locality_id,week,primary_care\n1.5,2026-W45,1\n",
            2,
            "locality_id",
            "not an integer",
            id="non-integer-locality",
        ),
        pytest.param(HEADER + "0180,2026-W45,1,-3\n", 2, "vaccination", "negative", id="negative"),
        pytest.param(
            HEADER + "0180,2026-W45,many,0\n", 2, "primary_care", "not a number", id="non-numeric"
        ),
        pytest.param(HEADER + "0180,2026-W45,inf,0\n", 2, "primary_care", "finite", id="infinite"),
        pytest.param(HEADER + "0180,2026-W45,,0\n", 2, "primary_care", "empty", id="empty-cell"),
        pytest.param(HEADER + "0180,2026-45,1,0\n", 2, "week", "ISO week", id="bad-week"),
        pytest.param(HEADER + "0180,2025-W53,1,0\n", 2, "week", "52", id="no-such-week"),
        pytest.param(
            "kommun_code,iso_year,iso_week,primary_care\n0180,2026,54,1\n",
            2,
            "iso_week",
            "ISO week",
            id="bad-iso-week",
        ),
        pytest.param(
            "kommun_code,primary_care\n0180,1\n", 1, "week", "missing required", id="missing-week"
        ),
        pytest.param(
            "week,primary_care\n2026-W45,1\n",
            1,
            "kommun_code/locality_id",
            "missing required",
            id="missing-code",
        ),
        pytest.param(
            "kommun_code,week\n0180,2026-W45\n",
            1,
            "primary_care/vaccination/health_check/spirometry",
            "service line",
            id="no-service-column",
        ),
        pytest.param(
            "kommun_code,week,vacination\n0180,2026-W45,1\n",
            1,
            "field 3",
            "unknown column name (did you mean 'vaccination'?",
            id="misspelt-column",
        ),
        pytest.param(
            HEADER + "0180,2026-W45,1,0\n2580,2026-W45,1,0\n0180,2026-W45,2,0\n",
            4,
            "kommun_code, week",
            "duplicate of line 2",
            id="duplicate",
        ),
        pytest.param(HEADER + "0180,2026-W45,1\n", 2, "vaccination", "fields", id="short-row"),
        pytest.param("", 1, "-", "empty", id="empty-file"),
        pytest.param(HEADER, 2, "-", "no data rows", id="header-only"),
        pytest.param(
            "locality_id,kommun_code,week,spirometry\n3,0180,2026-W45,1\n",
            2,
            "kommun_code",
            "lies in municipality '2580'",
            id="locality-kommun-mismatch",
        ),
    ],
)
def test_csv_errors_name_file_line_and_column(tiny, tmp_path, content, line, column, fragment):
    """Each kind of bad input raises DemandCsvError naming the file, the line and the column."""
    path = tmp_path / "my-demand.csv"
    path.write_text(content)
    with pytest.raises(DemandCsvError) as info:
        load_demand_csv(path, tiny)
    err = info.value
    assert isinstance(err, ValueError)
    message = str(err)
    assert str(path) in message
    assert f"line {line}, column {column!r}" in message
    assert fragment in message
    assert any(p.line == line and p.column == column for p in err.problems)


def test_csv_errors_are_collected_and_line_numbers_count_blank_lines(tiny, tmp_path):
    """All bad rows are reported at once, at their real line numbers (a blank line counts)."""
    path = tmp_path / "d.csv"
    path.write_text(HEADER + "0180,2026-W45,x,0\n\n9999,2026-W46,1,0\n0180,2026-W47,1,-1\n")
    with pytest.raises(DemandCsvError) as info:
        load_demand_csv(path, tiny)
    assert info.value.problems == [
        CsvProblem(2, "primary_care", "not a number"),
        CsvProblem(4, "kommun_code", "unknown municipality code '9999' (no locality in it)"),
        CsvProblem(5, "vaccination", "negative value '-1'"),
    ]


def test_csv_error_list_is_capped_at_twenty(tiny, tmp_path):
    """Thirty bad rows give the first twenty problems and say there are more."""
    rows = "".join(f"0180,2026-W{w:02d},-1,0\n" for w in range(1, 31))
    path = tmp_path / "d.csv"
    path.write_text(HEADER + rows)
    with pytest.raises(DemandCsvError, match="there are more") as info:
        load_demand_csv(path, tiny)
    assert len(info.value.problems) == 20 and info.value.problems[-1].line == 21


# --- referral CSV ------------------------------------------------------------------------------

#: The tiny scenario's horizon: 2026-W45 and W46, Monday 2 to Sunday 15 November 2026, no
#: holidays on a weekday, so only weekends are not business days.
NOV_START, NOV_DAYS = dt.date(2026, 11, 2), 14


def _referrals(path: Path, tiny: pd.DataFrame, start: dt.date = NOV_START, days: int = NOV_DAYS):
    """The referrals of a CSV as (id, locality, date) triples."""
    read = load_referrals_csv(path, tiny, start, days)
    return [(r.referral_id, r.locality_id, r.date) for r in read.referrals]


def test_referral_csv_gives_counts_dates_ids_and_localities(tiny, tmp_path):
    """Rows are sorted by date then locality then line, counts repeat a row, ids follow the order."""
    path = tmp_path / "referrals.csv"
    path.write_text(
        "date,locality_id,count\n2026-11-04,3,1\n2026-11-03,2,2\n2026-11-03,1,1\n2026-11-13,1,0\n"
    )
    read = load_referrals_csv(path, tiny, NOV_START, NOV_DAYS)
    assert [(r.referral_id, r.locality_id, r.date) for r in read.referrals] == [
        ("R-000001", 1, dt.date(2026, 11, 3)),
        ("R-000002", 2, dt.date(2026, 11, 3)),
        ("R-000003", 2, dt.date(2026, 11, 3)),
        ("R-000004", 3, dt.date(2026, 11, 4)),
    ]
    assert read.referrals[3] == Referral("R-000004", 3, "2580", "25", dt.date(2026, 11, 4))
    assert read.rows == 4 and read.moved == () and len(read.sha256) == 64


def test_referral_csv_reads_back_what_daily_referrals_drew(tiny, busy_weekly, tmp_path):
    """daily_referrals -> one CSV row per referral -> load_referrals_csv gives the same list."""
    start, days = dt.date(2025, 12, 8), 42
    drawn = daily_referrals(busy_weekly, start, days, seed=7)
    path = tmp_path / "drawn.csv"
    path.write_text(
        "date,locality_id\n" + "".join(f"{r.date},{r.locality_id}\n" for r in drawn[::-1])
    )
    assert list(load_referrals_csv(path, tiny, start, days).referrals) == drawn


def test_referral_csv_kommun_goes_to_its_most_populous_locality(tiny, tmp_path):
    """Municipality 0180 means Södermalm (3,000 people), not Norrmalm (1,000): never split."""
    path = tmp_path / "r.csv"
    path.write_text("date,kommun_code,count\n2026-11-05,0180,3\n")
    assert {loc for _, loc, _ in _referrals(path, tiny)} == {2}


def test_referral_csv_keeps_your_ids_in_a_semicolon_file(tiny, tmp_path):
    """A Swedish-Excel file with ';' and its own referral ids keeps them, in date order."""
    path = tmp_path / "r.csv"
    path.write_text("referral_id;date;locality_id\nREM-7;2026-11-10;3\nREM-3;2026-11-09;1\n")
    assert _referrals(path, tiny) == [
        ("REM-3", 1, dt.date(2026, 11, 9)),
        ("REM-7", 3, dt.date(2026, 11, 10)),
    ]


def test_referral_csv_moves_weekends_and_holidays_to_the_next_business_day(tiny, tmp_path):
    """Christmas 2025: Christmas Eve and the Saturday after both count from Monday 29 December."""
    path = tmp_path / "r.csv"
    path.write_text("date,locality_id\n2025-12-24,1\n2025-12-27,2\n2025-12-29,3\n")
    read = load_referrals_csv(path, tiny, dt.date(2025, 12, 22), 14)
    assert {r.date for r in read.referrals} == {dt.date(2025, 12, 29)}
    assert read.moved == (
        MovedReferral(2, dt.date(2025, 12, 24), dt.date(2025, 12, 29)),
        MovedReferral(3, dt.date(2025, 12, 27), dt.date(2025, 12, 29)),
    )


REF = "date,locality_id,count\n"


@pytest.mark.parametrize(
    ("content", "line", "column", "fragment"),
    [
        pytest.param(
            REF + "2026-11-03,99,1\n",
            2,
            "locality_id",
            "unknown locality id 99",
            id="unknown-locality",
        ),
        pytest.param(
            "date,kommun_code\n2026-11-03,9999\n",
            2,
            "kommun_code",
            "unknown municipality code '9999'",
            id="unknown-kommun",
        ),
        pytest.param(
            "date,kommun_code\n2026-11-03,180\n", 2, "kommun_code", "'0180'", id="lost-leading-zero"
        ),
        pytest.param(
            "date,locality_id,kommun_code\n2026-11-03,3,0180\n",
            2,
            "kommun_code",
            "lies in municipality '2580'",
            id="locality-kommun-mismatch",
        ),
        pytest.param(REF + "3/11/2026,1,1\n", 2, "date", "write YYYY-MM-DD", id="bad-date"),
        pytest.param(
            REF + "2026-02-30,1,1\n", 2, "date", "bad date '2026-02-30'", id="no-such-date"
        ),
        pytest.param(
            REF + "2026-11-16,1,1\n",
            2,
            "date",
            "outside the scenario's horizon 2026-11-02 to 2026-11-15",
            id="after-horizon",
        ),
        pytest.param(
            REF + "2026-10-30,1,1\n",
            2,
            "date",
            "outside the scenario's horizon",
            id="before-horizon",
        ),
        pytest.param(
            REF + "2026-11-14,1,1\n",
            2,
            "date",
            "a Saturday; the next business day, 2026-11-16, is after",
            id="last-weekend",
        ),
        pytest.param(REF + "2026-11-03,1,-2\n", 2, "count", "negative value '-2'", id="negative"),
        pytest.param(
            REF + "2026-11-03,1,1.5\n", 2, "count", "not a whole number", id="non-integer-count"
        ),
        pytest.param(REF + "2026-11-03,1,two\n", 2, "count", "not a number", id="non-numeric"),
        pytest.param(REF + "2026-11-03,1,\n", 2, "count", "empty value", id="empty-count"),
        pytest.param(
            "referral_id,date,locality_id\nA,2026-11-03,1\nB,2026-11-03,1\nA,2026-11-04,2\n",
            4,
            "referral_id",
            "duplicate of line 2 (the same referral id)",
            id="duplicate-id",
        ),
        pytest.param(
            "referral_id,date,locality_id\n,2026-11-03,1\n",
            2,
            "referral_id",
            "empty referral id",
            id="empty-id",
        ),
        pytest.param(
            "referral_id,date,locality_id\n" + "x" * 33 + ",2026-11-03,1\n",
            2,
            "referral_id",
            "has 33 characters; at most 32",
            id="long-id",
        ),
        pytest.param(
            "date,locality_id,patients\n2026-11-03,1,1\n",
            1,
            "field 3",
            "unknown column name",
            id="unknown-column",
        ),
        pytest.param(
            "referral_id,date,locality_id,count\nA,2026-11-03,1,1\n",
            1,
            "count",
            "not both",
            id="id-and-count",
        ),
        pytest.param("locality_id\n1\n", 1, "date", "missing required", id="missing-date"),
        pytest.param(
            "date\n2026-11-03\n",
            1,
            "kommun_code/locality_id",
            "missing required",
            id="missing-place",
        ),
        pytest.param(REF + "2026-11-03,1\n", 2, "count", "fields", id="short-row"),
        pytest.param("", 1, "-", "empty", id="empty-file"),
        pytest.param(REF, 2, "-", "no data rows", id="header-only"),
    ],
)
def test_referral_csv_errors_name_file_line_and_column(
    tiny, tmp_path, content, line, column, fragment
):
    """Each kind of bad referral raises ReferralCsvError naming the file, the line and the column."""
    path = tmp_path / "my-referrals.csv"
    path.write_text(content)
    with pytest.raises(ReferralCsvError) as info:
        load_referrals_csv(path, tiny, NOV_START, NOV_DAYS)
    err = info.value
    assert isinstance(err, DemandCsvError) and isinstance(err, ValueError)
    message = str(err)
    assert message.startswith(f"{path}: ") and "referral CSV" in message
    assert f"{path}: line {line}, column {column!r}: " in message
    assert fragment in message
    assert any(p.line == line and p.column == column for p in err.problems)


def test_referral_csv_errors_are_collected_before_anything_is_used(tiny, tmp_path):
    """Three bad rows among good ones: all three are reported at once, at their own lines."""
    path = tmp_path / "r.csv"
    path.write_text(REF + "2026-11-03,1,1\n2026-11-31,1,1\n\n2026-11-04,7,1\n2026-11-05,2,x\n")
    with pytest.raises(ReferralCsvError) as info:
        load_referrals_csv(path, tiny, NOV_START, NOV_DAYS)
    assert info.value.problems == [
        CsvProblem(3, "date", "bad date '2026-11-31': write YYYY-MM-DD, e.g. 2026-11-09"),
        CsvProblem(5, "locality_id", "unknown locality id 7"),
        CsvProblem(6, "count", "not a number"),
    ]


# --- staffing hours ------------------------------------------------------------------------------


def test_staffing_hours_without_contacts_keep_only_the_night_block():
    """With no digital contacts every day block is dropped (0 h is no need) and the night
    block stays, for doctors only, at exactly 0 h: one entry per day."""
    start = dt.date(2026, 11, 2)
    need = demand_hours(start, 3, 300, DemandParams(primary_care_share=0.0))
    days = [start + dt.timedelta(days=i) for i in range(3)]
    assert need == {(d, "22-07", "doctor"): 0.0 for d in days}


def test_staffing_hours_scale_with_the_pool_and_split_by_the_mix():
    """A pool of 150 needs half the hours of the provider's 300 (within rounding), and a
    3:1 doctor:midwife mix gives doctors three times the midwives' day-block hours."""
    day = dt.date(2026, 11, 2)
    full = demand_hours(day, 1, 300, mix={"doctor": 3.0, "midwife": 1.0})
    half = demand_hours(day, 1, 150, mix={"doctor": 3.0, "midwife": 1.0})
    assert half[(day, "07-12", "doctor")] == pytest.approx(
        full[(day, "07-12", "doctor")] / 2, abs=0.1
    )
    assert full[(day, "07-12", "doctor")] == pytest.approx(
        3 * full[(day, "07-12", "midwife")], abs=0.3
    )
    assert {p for (_, b, p) in full if b == "22-07"} == {"doctor"}


# --- CLI ---------------------------------------------------------------------------------------


def _run_cli(args: list[str]):
    """Invoke `planner demand ...` as registered in planner.cli (a sub-app named 'demand')."""
    import typer
    from typer.testing import CliRunner

    from planner.cli.demand import demand_app

    app = typer.Typer()
    app.add_typer(demand_app, name="demand")
    return CliRunner().invoke(app, ["demand", *args])


@pytest.fixture
def fake_geo(tiny, monkeypatch):
    """The CLI's locality table replaced by the tiny frame (no data files)."""
    from planner.cli import demand as cli_demand

    monkeypatch.setattr(cli_demand, "load_localities", lambda: tiny)


def test_cli_show_prints_json_totals(fake_geo):
    """`demand show --weeks ... --json` ends with one JSON object of weekly totals."""
    result = _run_cli(["show", "--weeks", "2025-W10:2025-W11", "--json"])
    assert result.exit_code == 0, result.output
    payload = json.loads(result.stdout.strip().splitlines()[-1])
    assert payload["weeks"] == ["2025-W10", "2025-W11"]
    assert payload["by"] == "national"
    expected = (4000 * 0.375 + 2000 * 0.104) * 0.25 / 52
    assert payload["rows"][0]["primary_care"] == pytest.approx(expected, abs=1e-3)


def test_cli_show_by_county_and_service(fake_geo):
    """--by county --service spirometry gives one row per county and week, one service."""
    args = ["show", "--weeks", "2025-W10", "--by", "county", "--service", "spirometry", "--json"]
    result = _run_cli(args)
    assert result.exit_code == 0, result.output
    payload = json.loads(result.stdout.strip().splitlines()[-1])
    assert [r["county_code"] for r in payload["rows"]] == ["01", "25"]
    assert set(payload["totals"]) == {"spirometry"}


def test_cli_show_reports_a_bad_csv(fake_geo, tmp_path):
    """A bad --csv file exits with code 2 and the file, line and column on stderr."""
    path = tmp_path / "bad.csv"
    path.write_text(HEADER + "0180,2026-W45,-1,0\n")
    result = _run_cli(["show", "--csv", str(path)])
    assert result.exit_code == 2
    assert "line 2" in result.output and "primary_care" in result.output


def test_cli_export_writes_a_csv_that_show_reads_back(fake_geo, tmp_path):
    """`demand export` writes a kommun-level CSV whose totals `demand show --csv` reproduces."""
    out = tmp_path / "template.csv"
    result = _run_cli(["export", "--weeks", "2025-W47", "--out", str(out), "--json"])
    assert result.exit_code == 0, result.output
    assert out.read_text().startswith("kommun_code,week,")
    shown = _run_cli(["show", "--csv", str(out), "--json"])
    model = _run_cli(["show", "--weeks", "2025-W47", "--json"])
    assert shown.exit_code == 0 and model.exit_code == 0, shown.output + model.output
    totals = json.loads(shown.stdout.strip().splitlines()[-1])["totals"]
    assert totals == pytest.approx(json.loads(model.stdout.strip().splitlines()[-1])["totals"])


# --- integration on the real data ----------------------------------------------------------------


@pytest.mark.skipif(
    not (geo_dir() / "localities.parquet").exists(),
    reason="data/geo/localities.parquet is not built yet (the geography build makes it)",
)
def test_national_yearly_totals_on_real_localities():
    """On the real localities the provider's yearly volumes are in a plausible range."""
    from planner.geo import load_localities

    localities = load_localities()
    year = weekly_demand(localities, iso_week_range("2026-W01:2026-W53"), P)
    season = weekly_demand(localities, iso_week_range("2025-W45:2026-W20"), P)
    totals = aggregate(year, by=(), per_week=False).set_index("service")["demand"]
    vaccination = season.loc[season["service"] == "vaccination", "demand"].sum()
    print(
        f"\npopulation {localities['population'].sum():,.0f}; 2026 totals: "
        + ", ".join(f"{s} {v:,.0f}" for s, v in totals.items())
        + f"; vaccination season 2025/26 {vaccination:,.0f}"
    )
    assert 10.0e6 < localities["population"].sum() < 11.0e6
    assert 1e5 < totals["primary_care"] < 5e6
    assert 1e4 < vaccination < 2e5
    assert 1e4 < totals["health_check"] < 1e5
    assert 500 < totals["spirometry"] < 5000
    assert (year["demand"] >= 0).all()
    assert year["kommun_code"].str.fullmatch(r"\d{4}").all()
