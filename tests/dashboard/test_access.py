"""Access: embedded mode shows everything; with [auth] every page needs a login and roles limit counties."""

from __future__ import annotations

import pytest

from dashboard.services import Access, access_for

AUTH = {
    "redirect_uri": "http://localhost:8501/oauth2callback",
    "cookie_secret": "a-test-cookie-secret-that-is-long-enough",
    "client_id": "dashboard",
    "client_secret": "secret",
    "server_metadata_url": "https://idp.example.se/.well-known/openid-configuration",
}
ROLES = {"ops@example.se": ["*"], "Sormland@Example.se": ["04"]}


def with_auth(at, user: dict):
    at.secrets["auth"] = AUTH
    at.secrets["roles"] = ROLES
    at.user = user
    return at


def test_roles_mapping() -> None:
    """'*' means every county, codes limit, unknown or missing emails see nothing."""
    assert access_for("ops@example.se", ROLES).everything
    assert access_for("sormland@example.se", ROLES).counties == frozenset({"04"})
    assert access_for("stranger@example.se", ROLES).counties == frozenset()
    assert access_for(None, ROLES).counties == frozenset()


def test_roles_compare_emails_loosely_and_pad_codes() -> None:
    """Emails match whatever their case and surrounding spaces; a single code or numbers work
    too (TOML ``4`` is county ``04``)."""
    roles = {" Planner@Example.se ": [4, "5"], "one@example.se": "21"}
    assert access_for("planner@EXAMPLE.se", roles) == Access(
        "planner@EXAMPLE.se", frozenset({"04", "05"})
    )
    assert access_for("one@example.se", roles).counties == frozenset({"21"})
    assert access_for("one@example.se", roles).allows("21")
    assert not access_for("one@example.se", roles).allows("04")


def test_visible_rows_follow_the_counties() -> None:
    """A county-limited user keeps the rows of their counties (not rows without a county);
    a user who sees everything keeps every row."""
    import pandas as pd

    rows = pd.DataFrame({"clinician_id": ["a", "b", "c"], "county_code": ["04", "05", None]})
    only_04 = Access("planner@example.se", frozenset({"04"}))
    assert list(only_04.visible(rows, "county_code")["clinician_id"]) == ["a"]
    assert list(Access(None, None).visible(rows, "county_code")["clinician_id"]) == ["a", "b", "c"]


def test_embedded_mode_needs_no_login(app_test) -> None:
    """Without [auth] the overview shows at once, with every county's KPIs."""
    at = app_test.run()
    assert not at.exception and at.title[0].value == "Overview"
    assert not [b for b in at.button if b.key == "login"]


@pytest.mark.parametrize(
    "page",
    [
        "views/overview.py",
        "views/mobile_clinics.py",
        "views/staffing.py",
        "views/spirometers.py",
        "views/scenarios.py",
    ],
)
def test_logged_out_user_sees_only_the_login(app_test, page: str) -> None:
    """With [auth], a logged-out user gets the login button and no page content, on every page."""
    at = with_auth(app_test, {"is_logged_in": False}).run()
    assert not at.exception
    assert [b.label for b in at.button] == ["Log in"]
    assert not at.metric and not at.dataframe and not at.get("deck_gl_json_chart")
    at.switch_page(page).run()  # asking for the page directly still ends at the login
    assert not at.exception
    assert [b.label for b in at.button] == ["Log in"]
    assert not at.metric and not at.dataframe and not at.get("deck_gl_json_chart")


def placement_kpis_listed(stored_runs: dict) -> dict:
    """The stored placement KPIs as the overview lists them (no per-kommun shares)."""
    kpis = stored_runs["placement"][1]
    return {k: v for k, v in kpis.items() if not k.startswith("kommun_share_")}


def test_regional_planner_sees_only_their_county(app_test, stored_runs) -> None:
    """A user whose role allows county 04 sees 04's sites and KPIs, nothing of 05."""
    at = with_auth(
        app_test, {"is_logged_in": True, "email": "sormland@example.se", "name": "S"}
    ).run()
    assert not at.exception and at.title[0].value == "Overview"
    kpis = [set(df.value["kpi"]) for df in at.dataframe if "kpi" in df.value.columns]
    assert kpis[0] == set(placement_kpis_listed(stored_runs)) - {"county_share_05"}
    assert [c.value for c in at.sidebar.caption][:2] == [
        "Signed in as sormland@example.se",
        "Counties: Södermanlands län",
    ]
    at.switch_page("views/mobile_clinics.py").run()
    assert not at.exception
    week = next(df.value for df in at.dataframe if "site" in df.value.columns)
    assert set(week["county"]) == {"Södermanlands län"}


def test_operations_manager_sees_every_county(app_test, stored_runs) -> None:
    """'*' in [roles] shows all counties' KPIs."""
    at = with_auth(app_test, {"is_logged_in": True, "email": "ops@example.se"}).run()
    kpis = next(set(df.value["kpi"]) for df in at.dataframe if "kpi" in df.value.columns)
    assert kpis == set(placement_kpis_listed(stored_runs))
    assert {"county_share_04", "county_share_05"} <= kpis


def test_unlisted_user_is_told_to_ask_for_access(app_test) -> None:
    """A signed-in user missing from [roles] sees no data and a clear message."""
    at = with_auth(app_test, {"is_logged_in": True, "email": "stranger@example.se"}).run()
    assert not at.exception
    assert [w.value for w in at.warning] == [
        "Your account (stranger@example.se) has no counties assigned. Ask an administrator "
        "to add it to the [roles] section of the dashboard's secrets."
    ]
    assert not at.metric and not at.dataframe
