"""KPI definitions and Swedish number formats (planner.kpis)."""

from __future__ import annotations

import pytest

from planner.kpis import (
    KPIS,
    UNITS,
    better,
    describe,
    format_change,
    format_value,
    help_text,
    swedish_number,
)


@pytest.mark.parametrize(
    ("value", "decimals", "shown"),
    [
        (2679310, 0, "2 679 310"),
        (159.744, 1, "159,7"),
        (-1234.5, 2, "-1 234,50"),
        (0, 0, "0"),
    ],
)
def test_swedish_numbers(value: float, decimals: int, shown: str) -> None:
    """A space between thousands and a decimal comma, whatever the size or sign."""
    assert swedish_number(value, decimals) == shown


@pytest.mark.parametrize(
    ("name", "value", "shown"),
    [
        ("served_share", 0.449048, "44,9 %"),
        ("total_cost_sek", 60960.4, "60 960 SEK"),
        ("population_in_reach", 2679310, "2 679 310 residents"),
        ("served_patients", 159.744, "160 patients"),
        ("relocation_hours", 3.25, "3,25 h"),
        ("mean_travel_minutes", 17.44, "17,4 min"),
        ("target_reached", 1, "yes"),
        ("on_time_target_met", 0, "no"),
        ("routes", 12, "12"),
        ("upc", 0.9312, "0,93"),
        ("continuity_gain_points", 4.25, "4,2 points"),
        ("county_share_04", 0.5, "50,0 %"),
        ("served_share", None, "n/a"),
    ],
)
def test_values_read_the_swedish_way(name: str, value: float | None, shown: str) -> None:
    """Shares as per cent with a decimal comma, money in whole SEK, units after the number."""
    assert format_value(name, value) == shown


def test_every_named_kpi_has_a_unit_and_a_definition() -> None:
    """The catalogue itself: known units, a label and a sentence for every entry."""
    for name, info in KPIS.items():
        assert info.unit in UNITS, name
        assert info.label and info.definition.endswith("."), name


@pytest.mark.parametrize(
    ("name", "label", "unit"),
    [
        ("violations_weekly_rest", "Rule bent: Weekly rest", "count"),
        ("misses_reason_blocks_full", "Misses: blocks full", "count"),
        ("continuity_rate_doctor", "Same-clinician rate, doctors", "share"),
        ("courier_first_cost_sek", "Courier first: total cost", "SEK"),
        ("parcel_only_on_time_share", "Parcel only: on time", "share"),
        ("lever_wider_windows_bound", "Lever wider windows: rate reachable", "share"),
        ("mobile_crew_gaps_not_declared", "Crew missing: not declared", "count"),
        ("cost_per_mobile_referral_sek", "Cost per mobile hand-over referral", "SEK"),
    ],
)
def test_kpi_families_are_described(name: str, label: str, unit: str) -> None:
    """Names made from a rule, reason, profession or baseline get their own words."""
    info = describe(name)
    assert (info.label, info.unit) == (label, unit)
    assert info.definition


def test_the_help_is_a_definition_not_a_raw_value() -> None:
    """The '?' of a card says what the KPI means and its unit (the issue saw 'served_share = 0.449048')."""
    text = help_text("served_share")
    assert "demand left to them" in text and text.endswith("Unit: per cent.")
    assert "=" not in text
    assert describe("no_such_kpi").definition == ""


@pytest.mark.parametrize(
    ("name", "way"),
    [
        ("total_cost_sek", "lower"),
        ("served_share", "higher"),
        ("continuity_rate", "higher"),
        ("violations_weekly_rest", "lower"),
        ("requests", "lower"),
        ("relocation_km", "lower"),
        ("referrals", None),
        ("continuity_target", None),
        ("courier_first_cost_sek", None),
    ],
)
def test_which_way_is_better(name: str, way: str | None) -> None:
    """Deltas are coloured by what is good: a cost going down, a share going up."""
    assert better(name) == way


def test_changes_are_signed_in_the_kpis_unit() -> None:
    """Shares change in percentage points; money in SEK; nothing is a bare float."""
    assert format_change("served_share", -0.0125) == "-1,2 points"
    assert format_change("total_cost_sek", 60960.0) == "+60 960 SEK"
    assert format_change("routes", 0) == "±0"
