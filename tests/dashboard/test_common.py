"""The pages' shared helpers on tiny hand-made KPIs: formatting and per-county filtering."""

from __future__ import annotations

import pytest

from dashboard.services import Access
from dashboard.views._common import county_shares, fmt, headline, kommun_shares, visible_kpis


@pytest.fixture
def two_county_kpis() -> dict[str, float | None]:
    """Shares of counties 04 and 05 and of one kommun in each (one unknown), plus a total."""
    return {
        "county_share_04": 0.9,
        "county_share_05": 0.8,
        "kommun_share_0480": 0.7,
        "kommun_share_0580": None,
        "served_share": 0.85,
    }


def test_fmt_shares_counts_and_decimals() -> None:
    """Swedish numbers with the KPI's unit: shares as per cent with a decimal comma, a space
    per thousand, units after the number."""
    assert fmt("served_share", 0.9235) == "92,3 %"
    assert fmt("devices_needed", 52.0) == "52"
    assert fmt("population_in_reach", 733075.0) == "733 075 residents"
    assert fmt("courier_km", 5548.38) == "5 548 km"
    assert fmt("mean_travel_minutes", 18.4608) == "18,5 min"
    assert fmt("anything", None) == "n/a"


def test_shares_by_county_and_kommun_follow_access(
    two_county_kpis: dict[str, float | None],
) -> None:
    """A user of county 04 gets 04's and its kommun's shares; everyone gets all of them."""
    only_04 = Access("planner@example.se", frozenset({"04"}))
    everyone = Access(None, None)
    assert county_shares(two_county_kpis, only_04) == {"04": 0.9}
    assert kommun_shares(two_county_kpis, only_04) == {"0480": 0.7}
    assert county_shares(two_county_kpis, everyone) == {"04": 0.9, "05": 0.8}
    assert kommun_shares(two_county_kpis, everyone) == {"0480": 0.7, "0580": None}


def test_visible_kpis_and_headline(two_county_kpis: dict[str, float | None]) -> None:
    """Tables leave out other counties and every kommun; headlines are the page's own choice,
    never topped up with whatever is stored next."""
    only_04 = Access("planner@example.se", frozenset({"04"}))
    assert visible_kpis(two_county_kpis, only_04) == {"county_share_04": 0.9, "served_share": 0.85}
    assert headline(two_county_kpis, ["missing", "served_share"]) == ["served_share"]


def test_fmt_flags_and_request_counts() -> None:
    """``target_reached`` is yes/no; the requests' lower bound is a cost, never a percentage
    (its name holds "bound"); the levers' bounds stay shares."""
    assert fmt("target_reached", 1.0) == "yes"
    assert fmt("target_reached", 0.0) == "no"
    assert fmt("requests_lower_bound", 1.0) == "1"
    assert fmt("lever_wider_windows_bound", 0.9) == "90,0 %"


def test_card_value_drops_a_unit_its_label_names() -> None:
    """A card's label that names the unit keeps the value short enough for a quarter-width
    card; money, shares and units the label does not name stay."""
    from dashboard.views._common import card_value

    assert card_value("patients_served", 19071.3) == "19 071"  # "Patients served"
    assert card_value("requests", 110.0) == "110"  # "Availability requests"
    assert card_value("total_cost_sek", 96895.1) == "96 895 SEK"
    assert card_value("shortfall_hours", 24.6) == "24,6 h"  # "Cover gap"
    assert card_value("served_share", 0.445) == "44,5 %"
    assert card_value("patients_served", None) == fmt("patients_served", None)
