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
    percent,
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
        f"under the {percent(continuity_target)} target{why}."
    )
staff_kpis = staff.kpis if staff else {}
gap_hours = staff_kpis.get("shortfall_hours")
if gap_hours:
    alerts.append(
        f"Cover gap: {fmt('shortfall_hours', gap_hours)} of demanded clinician time have "
        f"nobody rostered (demand cover {fmt('cover', staff_kpis.get('cover'))}); the "
        "Staffing page lists the days and blocks."
    )
unstaffed = staff_kpis.get("mobile_site_days_unstaffed")
if unstaffed:
    alerts.append(
        f"Mobile clinics without a full crew on {fmt('mobile_site_days_unstaffed', unstaffed)} "
        f"of {fmt('mobile_site_days', staff_kpis.get('mobile_site_days'))} site-days."
    )
route = plans.get("routing")
on_time = route.kpis.get("on_time_share") if route else None
if on_time is not None and on_time < scenario.routing.on_time_target:
    alerts.append(
        f"Spirometers late: on-time share {fmt('on_time_share', on_time)} "
        f"is under the target {percent(scenario.routing.on_time_target)}."
    )
place = plans.get("placement")
floor = scenario.placement.county_floor_share
if place and floor > 0:
    under = {c: v for c, v in county_shares(place.kpis, acc).items() if v is not None and v < floor}
    lowest = place.kpis.get("min_county_share")
    if under:
        names = ", ".join(
            f"{services.county_names().get(c, c)} {percent(v)}" for c, v in sorted(under.items())
        )
        alerts.append(f"Counties under the served-share floor of {percent(floor)}: {names}.")
    elif lowest is not None and lowest < floor and acc.everything:
        alerts.append(
            f"The lowest county served share {fmt('min_county_share', lowest)} "
            f"is under the floor of {percent(floor)}."
        )
for planner, plan in plans.items():
    broken = plan.kpis.get("hard_violations") or plan.kpis.get("violations")
    title = services.PLANNER_TITLES.get(planner, planner)
    if broken:
        alerts.append(
            f"{title} plan breaks {fmt('violations', broken)} rules; do not use it as is."
        )
    if plan.quality.grade in ("far", "none"):
        alerts.append(f"{title} plan: {plan.quality.words}")
for text in alerts:
    st.error(text, icon=":material/warning:")
history = services.runs(name)
for planner in history["planner"].unique():
    newest = history[history["planner"] == planner].iloc[0]
    current = plans.get(planner)
    if newest["status"] in ("failed", "interrupted") and (
        current is None or current.run_id < newest["Run"]
    ):
        kept = f"the plan shown is run {current.run_id}" if current else "no plan is stored"
        st.warning(
            f"The latest {newest['Plan'].lower()} run (run {newest['Run']}) "
            f"{newest['Ended']}; {kept}. See Runs below.",
            icon=":material/history:",
        )
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

# Runs ------------------------------------------------------------------------------------------
st.subheader("Runs")
st.caption(
    "The scenario's latest runs, newest first: also those that failed or were interrupted "
    "(they store no plan). A run still 'running' whose process is gone is marked failed."
)
st.dataframe(
    history.drop(columns=["planner", "status"]),
    hide_index=True,
    width="stretch",
    column_config={
        "Seconds": st.column_config.NumberColumn("Seconds", format="%.1f"),
        "Started": st.column_config.DatetimeColumn(
            "Started (Stockholm)", format="YYYY-MM-DD HH:mm"
        ),
    },
    key="runs",
)
