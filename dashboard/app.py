"""Entry point of the dashboard: ``streamlit run dashboard/app.py`` (``planner dashboard``).

Pages are listed here with ``st.navigation``; the sidebar holds the scenario selector every
page reads. With an ``[auth]`` section in Streamlit secrets nothing but a login screen is
shown until the user has signed in with ``st.login`` (OIDC); see :mod:`dashboard.services.access`
for the ``[roles]`` mapping of users to counties.
"""

from __future__ import annotations

from pathlib import Path

import streamlit as st

from dashboard import services

HERE = Path(__file__).resolve().parent

st.set_page_config(
    page_title="Clinic ops planner", page_icon=":material/local_hospital:", layout="wide"
)

if services.auth_enabled() and not st.user.get("is_logged_in"):
    st.title("Clinic ops planner")
    st.write("The plans are for signed-in staff only. Sign in with your organisation account.")
    st.button("Log in", type="primary", on_click=st.login, key="login")
    st.stop()

# Streamlit serves the default page at the root URL "/" whatever its url_path (which must
# still be unique: "home" is never shown). "/overview" is a hidden page that sends the browser
# to "/", so every page answers at /<its name> and no "Page not found" dialog appears.
overview = st.Page(
    HERE / "views" / "overview.py",
    title="Overview",
    icon=":material/dashboard:",
    default=True,
    url_path="home",
)


def _to_overview() -> None:
    st.switch_page(overview)


pages = [
    overview,
    st.Page(_to_overview, title="Overview", url_path="overview", visibility="hidden"),
    st.Page(
        HERE / "views" / "mobile_clinics.py",
        title="Mobile clinics",
        icon=":material/local_shipping:",
        url_path="mobile-clinics",
    ),
    st.Page(
        HERE / "views" / "staffing.py",
        title="Staffing",
        icon=":material/groups:",
        url_path="staffing",
    ),
    st.Page(
        HERE / "views" / "spirometers.py",
        title="Spirometers",
        icon=":material/air:",
        url_path="spirometers",
    ),
    st.Page(
        HERE / "views" / "scenarios.py",
        title="Scenarios",
        icon=":material/tune:",
        url_path="scenarios",
    ),
]
navigation = st.navigation(pages)

with st.sidebar:
    names = [s["name"] for s in services.scenarios()]
    if names:
        default = services.default_scenario(names)
        if st.session_state.get("scenario") not in names:
            st.session_state["scenario"] = default
        st.selectbox("Scenario", names, key="scenario")
        others = [n for n in names if n != st.session_state.get("scenario")]
        if st.session_state.get("reference") not in others:
            st.session_state["reference"] = None
        if others:
            st.selectbox(
                "Compare with",
                [None, *others],
                format_func=lambda n: "no reference" if n is None else n,
                placeholder="no reference",
                key="reference",
                help="Cards show each KPI's change against this scenario's plans.",
            )
    else:
        st.session_state["scenario"] = None
        st.caption("No scenario stored yet.")
    if services.auth_enabled():
        acc = services.current_access()
        st.caption(f"Signed in as {acc.email or st.user.get('name') or 'unknown'}")
        if acc.counties is not None:
            shown = (
                ", ".join(services.county_names().get(c, c) for c in sorted(acc.counties)) or "none"
            )
            st.caption(f"Counties: {shown}")
        st.button("Log out", on_click=st.logout, key="logout")
    if st.get_option("client.toolbarMode") == "developer":  # managers need no database path
        st.caption(f"Database: `{services.db_url().split('@')[-1]}`")

navigation.run()
