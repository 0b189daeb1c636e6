"""Mobile clinics: where each unit stands in the selected week, its reach, served share by county."""

from __future__ import annotations

import pandas as pd
import streamlit as st

from dashboard import maps, services
from dashboard.views._common import (
    access,
    cards,
    county_shares,
    kommun_shares,
    percent,
    plan_status,
    planner_note,
    reference_kpis,
    require_scenario,
)

acc = access()
name, version, scenario = require_scenario()
st.title("Mobile clinics")
plan = services.plans(name, version).get("placement")
if plan is None:
    st.info(services.no_plan_message("placement", name), icon=":material/info:")
    st.stop()

placements = services.rows(plan.run_id, "placement")
county_share = county_shares(plan.kpis, acc)
kommun_share = kommun_shares(plan.kpis, acc)
plan_status(plan)
cards(
    plan.kpis,
    ["served_share", "served_patients", "population_in_reach", "relocation_km"],
    reference_kpis("placement"),
)
planner_note(plan)

weeks = (
    sorted(placements["week"].unique()) if not placements.empty else list(scenario.scenario.weeks)
)
week = (
    st.select_slider("Week", options=weeks, value=weeks[0], key="week")
    if len(weeks) > 1
    else weeks[0]
)
this_week = placements[placements["week"] == week].sort_values("unit").copy()
this_week["county_name"] = this_week["county_code"].map(services.county_names())

radius_km = scenario.placement.radius_minutes  # ~60 km/h straight-line: minutes -> km
all_codes = sorted(services.county_names())
focus = [c for c in (scenario.placement.counties or all_codes) if acc.allows(c)]
spec, tooltip = maps.placement_map(this_week, county_share, focus, radius_km * 1000.0, kommun_share)
st.pydeck_chart(
    maps.PrebuiltDeck(spec, tooltip=tooltip), key="placement_map", height=maps.MAP_HEIGHT_PX
)
st.html(
    maps.share_legend_html(
        ("Kommuner" if kommun_share else "Counties") + " by served share over the horizon:"
    )
)
st.caption(
    f"Hover a {'kommun' if kommun_share else 'county'} for its value. Dots: each unit's site in {week}; circles: its reach drawn "
    f"as {radius_km:.0f} km (≈ {scenario.placement.radius_minutes:.0f} min at 60 km/h, an "
    "approximation of the road-network reach the planner uses)."
)
st.caption(maps.SOURCES)

st.subheader(f"Week {week}")
table = this_week[
    ["unit", "site_name", "county_name", "kommun_code", "expected_patients", "covered_population"]
].rename(
    columns={
        "site_name": "site",
        "county_name": "county",
        "kommun_code": "kommun",
        "expected_patients": "expected patients",
        "covered_population": "residents in reach",
    }
)
table["kommun"] = table["kommun"].map(lambda c: f"{services.kommun_names().get(c, c)} ({c})")
st.dataframe(table, hide_index=True, width="stretch", key="week_table")

st.subheader("Weekly schedule")
schedule = placements.pivot_table(index="unit", columns="week", values="site_name", aggfunc="first")
schedule.index = [f"Unit {u}" for u in schedule.index]
st.dataframe(schedule, width="stretch", key="schedule")

if county_share:
    st.subheader("Served share by county")
    by_county = pd.DataFrame(
        {
            "county": [services.county_names().get(c, c) for c in county_share],
            "code": list(county_share),
            "served share": [percent(v) for v in county_share.values()],
            "value": list(county_share.values()),
        }
    )
    st.dataframe(
        by_county.sort_values("value"), hide_index=True, width="stretch", key="county_table"
    )
