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
        app_test,
        {"is_logged_in": True, "email": "sormland@example.se", "name": "S", "email_verified": True},
    ).run()
    assert not at.exception and at.title[0].value == "Overview"
    kpis = [set(df.value["kpi"]) for df in at.dataframe if "kpi" in df.value.columns]
    assert kpis[0] == set(placement_kpis_listed(stored_runs)) - {
        "county_share_05",
        "min_county_share",
    }
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
    at = with_auth(
        app_test, {"is_logged_in": True, "email": "ops@example.se", "email_verified": True}
    ).run()
    kpis = next(set(df.value["kpi"]) for df in at.dataframe if "kpi" in df.value.columns)
    assert kpis == set(placement_kpis_listed(stored_runs))
    assert {"county_share_04", "county_share_05"} <= kpis


def test_unlisted_user_is_told_to_ask_for_access(app_test) -> None:
    """A signed-in user missing from [roles] sees no data and a clear message."""
    at = with_auth(
        app_test, {"is_logged_in": True, "email": "stranger@example.se", "email_verified": True}
    ).run()
    assert not at.exception
    assert [w.value for w in at.warning] == [
        "Your account (stranger@example.se) has no counties assigned. Ask an administrator "
        "to add it to the [roles] section of the dashboard's secrets."
    ]
    assert not at.metric and not at.dataframe


# Who may create and solve (issue 16 item 2) ------------------------------------------------

PLANNER = {"is_logged_in": True, "email": "sormland@example.se", "email_verified": True}
RIGHTS = {"sormland@example.se": ["create", "solve"], "ops@example.se": ["create", "solve"]}


def tiny_scenario():
    """tiny: counties 04 and 05, fixed clinic and hub Nyköping (04)."""
    from planner.scenario import builtin_scenario_path, load_scenario

    return load_scenario(builtin_scenario_path("tiny"))


def only_04(scenario):
    """tiny limited to Södermanland (04): everything it names lies in 04."""
    placement = scenario.placement.model_copy(update={"counties": ["04"]})
    return scenario.model_copy(update={"placement": placement})


def test_rights_come_from_the_permissions_section() -> None:
    """[permissions] grants 'create' and 'solve' per email; unknown words grant nothing; the
    embedded tool (no [auth]) may do everything."""
    roles, rights = {"a@x.se": ["04"]}, {"A@x.se": ["create", "sovle"]}
    acc = access_for("a@x.se", roles, rights)
    assert acc.may("create") and not acc.may("solve")
    assert not access_for("a@x.se", roles).may("create")
    assert Access(None, None, None).may("solve")


def test_county_user_may_create_only_scenarios_of_their_counties() -> None:
    """A 04 user with the rights may store tiny limited to 04, not tiny (04 and 05), not all
    of Sweden, not a hub in Skåne; without the right not even the 04 one."""
    from dashboard.services import AccessError, authorize

    acc = access_for("sormland@example.se", ROLES, RIGHTS)
    tiny = tiny_scenario()
    authorize(acc, "create", only_04(tiny))
    authorize(acc, "solve", only_04(tiny))
    with pytest.raises(AccessError, match=r"placement.counties is 04, 05"):
        authorize(acc, "create", tiny)
    national = tiny.model_copy(
        update={"placement": tiny.placement.model_copy(update={"counties": []})}
    )
    with pytest.raises(AccessError, match=r"empty \(all of Sweden\)"):
        authorize(acc, "solve", national)
    malmo = only_04(tiny).model_copy(
        update={"routing": tiny.routing.model_copy(update={"hubs": ["Nyköping", "Malmö"]})}
    )
    with pytest.raises(AccessError, match=r"routing.hubs names Malmö"):
        authorize(acc, "solve", malmo)
    with pytest.raises(AccessError, match=r"\[permissions\]"):
        authorize(access_for("sormland@example.se", ROLES), "create", only_04(tiny))
    authorize(access_for("ops@example.se", ROLES, RIGHTS), "solve", national)


def _store_and_solve(counties: list[str]) -> None:
    """App script: store a copy of tiny with these counties, then solve tiny; the outcome of
    each (the stored name or the error) goes to session state."""
    import streamlit as st

    from dashboard import services

    _, base = services.scenario("tiny")
    for key, act in (
        (
            "stored",
            lambda: services.copy_scenario(base, "mine", "", {"placement": {"counties": counties}}),
        ),
        ("solve", lambda: services.start_solve("tiny", ["placement"]).id),
    ):
        try:
            st.session_state[key] = act()
        except services.AccessError as exc:
            st.session_state[key] = f"refused: {exc}"


def stored_names(url: str) -> list[str]:
    from planner.storage import list_scenarios, open_database

    engine = open_database(url)
    names = [s["name"] for s in list_scenarios(engine)]
    engine.dispose()
    return names


def test_services_refuse_a_county_user_outside_their_counties(writable_db: str) -> None:
    """Called directly (not through the page), copy_scenario refuses a 04 user a copy with 05
    and stores nothing, and start_solve refuses to solve tiny (04 and 05) and starts nothing."""
    from streamlit.testing.v1 import AppTest

    at = with_auth(AppTest.from_function(_store_and_solve, args=(["04", "05"],)), PLANNER)
    at.secrets["permissions"] = RIGHTS
    at.run(timeout=60)
    assert not at.exception
    assert at.session_state["stored"].startswith("refused: sormland@example.se may store only")
    assert "placement.counties is 04, 05" in at.session_state["solve"]
    assert stored_names(writable_db) == ["tiny"]


def test_services_let_a_county_user_store_their_counties(writable_db: str) -> None:
    """The same user may store tiny limited to 04; a user without [permissions] may not."""
    from streamlit.testing.v1 import AppTest

    at = with_auth(AppTest.from_function(_store_and_solve, args=(["04"],)), PLANNER)
    at.secrets["permissions"] = RIGHTS
    at.run(timeout=60)
    assert at.session_state["stored"] == {"name": "mine", "version": 1}
    assert stored_names(writable_db) == ["mine", "tiny"]
    reader = with_auth(AppTest.from_function(_store_and_solve, args=(["04"],)), PLANNER)
    reader.run(timeout=60)
    assert "may not store scenarios" in reader.session_state["stored"]
    assert "may not solve scenarios" in reader.session_state["solve"]


def test_scenarios_page_disables_store_and_solve_without_the_rights(app_test) -> None:
    """A signed-in reader sees both buttons disabled and is told which right to ask for."""
    at = with_auth(app_test, PLANNER).run()
    at.switch_page("views/scenarios.py").run()
    assert not at.exception
    assert at.button(key="solve").disabled
    assert next(b for b in at.button if b.label == "Store scenario").disabled
    assert [i.value for i in at.info if "[permissions]" in i.value] == [
        "Your account (sormland@example.se) may read plans but not store scenarios: ask an "
        "administrator to add 'create' for it to the [permissions] section of the dashboard's "
        "secrets.",
        "Your account (sormland@example.se) may read plans but not start solves: ask an "
        "administrator to add 'solve' for it to the [permissions] section of the dashboard's "
        "secrets.",
    ]


# email_verified (issue 16 item 3) ------------------------------------------------------------


@pytest.mark.parametrize(
    ("claim", "switch", "let_in"),
    [
        (True, None, True),
        ("true", None, True),
        (False, None, False),
        ("false", None, False),
        (None, None, False),
        (None, True, True),
        (False, True, False),
    ],
)
def test_unverified_email_gets_no_data(app_test, claim, switch, let_in: bool) -> None:
    """A provider saying email_verified false gets no data and a clear message; a missing
    claim too, unless [access] accept_missing_email_verified is on."""
    user = {"is_logged_in": True, "email": "ops@example.se"}
    if claim is not None:
        user["email_verified"] = claim
    at = with_auth(app_test, user)
    if switch is not None:
        at.secrets["access"] = {"accept_missing_email_verified": switch}
    at.run()
    assert not at.exception
    if let_in:
        assert at.title[0].value == "Overview" and at.dataframe
        return
    assert [w.value for w in at.warning] == [
        "Your sign-in (ops@example.se) does not come with a verified email address (the "
        "identity provider's email_verified claim), so no data is shown. Verify the address "
        "with your organisation's account service and sign in again."
    ]
    assert not at.metric and not at.dataframe
