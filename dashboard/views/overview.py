"""Overview: the selected scenario's KPIs across its plans (one per planner), and alerts on
missed targets."""

from __future__ import annotations

import streamlit as st

from dashboard import services
from dashboard.views._common import (
    KPI_COLUMNS,
    access,
    cards,
    county_shares,
    fmt,
    headline,
    kpi_table,
    plan_status,
    planner_note,
    reference_kpis,
    require_scenario,
    visible_kpis,
)

acc = access()
name, version, scenario = require_scenario()
st.title("Overview")
st.caption(
    f"Scenario **{name}** v{version} — {scenario.scenario.description or 'no description'} "
    f"(weeks {scenario.scenario.weeks[0]} to {scenario.scenario.weeks[-1]})"
)

plans = services.plans(name, version)

# Alerts ----------------------------------------------------------------------------------
alerts: list[str] = []
staff = plans.get("staffing")
continuity = staff.kpis.get("continuity_rate") if staff else None
continuity_target = scenario.staffing.continuity_target
if staff and continuity is not None and continuity < continuity_target:
    bound = staff.kpis.get("availability_bound")
    why = (
        f"; the clinicians' availability allows at most {fmt('availability_bound', bound)}"
        if bound is not None
        else ""
    )
    alerts.append(
        f"Same-clinician rate {fmt('continuity_rate', continuity)} is "
        f"under the {continuity_target:.0%} target{why}."
    )
route = plans.get("routing")
on_time = route.kpis.get("on_time_share") if route else None
if on_time is not None and on_time < scenario.routing.on_time_target:
    alerts.append(
        f"Spirometers late: on-time share {fmt('on_time_share', on_time)} "
        f"is under the target {scenario.routing.on_time_target:.0%}."
    )
place = plans.get("placement")
floor = scenario.placement.county_floor_share
if place and floor > 0:
    under = {c: v for c, v in county_shares(place.kpis, acc).items() if v is not None and v < floor}
    lowest = place.kpis.get("min_county_share")
    if under:
        names = ", ".join(
            f"{services.county_names().get(c, c)} {v:.1%}" for c, v in sorted(under.items())
        )
        alerts.append(f"Counties under the served-share floor of {floor:.0%}: {names}.")
    elif lowest is not None and lowest < floor and acc.everything:
        alerts.append(
            f"The lowest county served share {fmt('min_county_share', lowest)} "
            f"is under the floor of {floor:.0%}."
        )
for text in alerts:
    st.error(text, icon=":material/warning:")
missing = [p for p in services.planner_names() if p not in plans]
for planner in missing:
    st.info(services.no_plan_message(planner, name), icon=":material/info:")
if not alerts and plans:
    st.success("Every stored plan meets its targets.", icon=":material/check_circle:")

# Cards per plan ------------------------------------------------------------------------------
for planner, plan in plans.items():
    shown = visible_kpis(plan.kpis, acc)
    title = services.PLANNER_TITLES.get(planner, planner.title())
    st.subheader(f"{title} plan")
    plan_status(plan)
    cards(shown, headline(shown, services.HEADLINES.get(planner, ())), reference_kpis(planner))
    with st.expander(f"All {planner} KPIs ({len(shown)})"):
        st.dataframe(
            kpi_table(shown),
            hide_index=True,
            width="stretch",
            column_order=KPI_COLUMNS,
            key=f"kpis_{planner}",
        )
    planner_note(plan)

if not plans:
    st.write("Nothing is solved for this scenario yet.")
