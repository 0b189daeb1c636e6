"""Mobile clinics: where each unit stands in the selected week, its reach, served share by county."""

from __future__ import annotations

import pandas as pd
import streamlit as st

from dashboard import maps, services
from dashboard.views._common import (
    access,
    cards,
    county_shares,
    fmt,
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
# The demand the units were asked to serve (the demand model's numbers, read not re-solved):
# where it is zero over the horizon, a county or kommun was never planned, so it is grey, not
# "0 %" (or the 100 % a county without demand stores).
demand = services.unit_demand(name, version)
planned = set(demand["county_code"]) | set(demand["kommun_code"])
show_demand = st.toggle(
    "Show demand (expected patients per place this week)", value=True, key="demand_layer"
)
week_demand = demand[demand["week"] == week]
spec, tooltip = maps.placement_map(
    this_week,
    county_share,
    focus,
    radius_km * 1000.0,
    kommun_share,
    demand=week_demand if show_demand else None,
    planned=planned,
)
st.pydeck_chart(
    maps.PrebuiltDeck(spec, tooltip=tooltip), key="placement_map", height=maps.MAP_HEIGHT_PX
)
st.html(
    maps.share_legend_html(
        ("Kommuner" if kommun_share else "Counties") + " by served share over the horizon:"
    )
)
drawn = min(len(week_demand), maps.MAX_DEMAND_POINTS)
demand_note = (
    f" Grey discs: expected patients per place in {week} left to the units (area grows with "
    f"patients; {fmt('served_patients', float(week_demand['patients'].sum()))} in all"
    + (
        f", the {drawn} largest of {len(week_demand)} places drawn"
        if drawn < len(week_demand)
        else ""
    )
    + ")."
    if show_demand
    else ""
)
st.caption(
    f"Hover a {'kommun' if kommun_share else 'county'} for its value. Coloured dots: each "
    f"unit's site in {week}, labelled with its name and units; circles: its reach drawn as "
    f"{radius_km:.0f} km (≈ {scenario.placement.radius_minutes:.0f} min at 60 km/h, an "
    "approximation of the road-network reach the planner uses)." + demand_note
)
st.caption(maps.SOURCES)

st.subheader(f"Week {week}")
kommun_label = services.kommun_names()
table = pd.DataFrame(
    {
        "unit": this_week["unit"],
        "site": this_week["site_name"],
        "kommun": this_week["kommun_code"].map(lambda c: kommun_label.get(c, c)),
        "county": this_week["county_name"],
        "expected patients": this_week["expected_patients"].map(
            lambda v: fmt("served_patients", v)
        ),
        "residents in reach": this_week["covered_population"].map(
            lambda v: fmt("population_in_reach", v)
        ),
    }
)
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
            "served share": [
                percent(v) if c in planned else "not planned" for c, v in county_share.items()
            ],
            "value": [v if c in planned else None for c, v in county_share.items()],
        }
    )
    st.dataframe(
        by_county.sort_values("value"),
        hide_index=True,
        width="stretch",
        key="county_table",
        column_order=("county", "served share"),
    )
