"""Spirometers: the chosen day's courier routes with their stops in order, the device pool over
time, and the on-time share."""

from __future__ import annotations

import altair as alt
import pandas as pd
import streamlit as st

from dashboard import maps, services
from dashboard.views._common import (
    access,
    cards,
    fmt,
    headline,
    kpi_table,
    require_scenario,
    visible_kpis,
)

acc = access()
name, version, scenario = require_scenario()
st.title("Spirometers")
plan = services.plans(name, version).get("routing")
if plan is None:
    st.info(services.no_plan_message("routing", name), icon=":material/info:")
    st.stop()

kpis = visible_kpis(plan.kpis, acc)
cards(kpis, headline(kpis, ["on_time_share", "devices_needed"]))
on_time = kpis.get("on_time_share")
if on_time is not None:
    target = scenario.routing.on_time_target
    (st.error if on_time < target else st.success)(
        f"On-time share {fmt('on_time_share', on_time)} against the target {target:.0%} "
        f"(device in hand within {scenario.routing.service_level_days} business days)."
    )

places = services.localities().set_index("locality_id")
by_name = services.localities().drop_duplicates("name").set_index("name")


def where(place_id: str) -> tuple[float, float, str] | None:
    """lon, lat and name of a stop's place: a locality id, else a place name."""
    key = str(place_id)
    if key in places.index:
        row = places.loc[key]
        return float(row["lon"]), float(row["lat"]), str(row["name"])
    if key in by_name.index:
        row = by_name.loc[key]
        return float(row["lon"]), float(row["lat"]), key
    return None


stops = services.rows(plan.run_id, "route_stop")
shipments = services.rows(plan.run_id, "shipment")
if not shipments.empty:
    county_of = places["county_code"]
    shipments = shipments[
        shipments["locality_id"]
        .astype(str)
        .map(county_of)
        .fillna("")
        .map(lambda c: acc.allows(c) if c else acc.everything)
    ]

st.subheader("Courier routes")
if stops.empty:
    st.info("This plan has no courier stops (every device goes by parcel or mobile clinic).")
else:
    days = sorted(pd.to_datetime(stops["day"]).dt.date.unique())
    day = (
        st.select_slider(
            "Day",
            options=days,
            value=days[0],
            key="route_day",
            format_func=lambda d: d.strftime("%a %d %b"),
        )
        if len(days) > 1
        else days[0]
    )
    today = (
        stops[pd.to_datetime(stops["day"]).dt.date == day].sort_values(["route_id", "seq"]).copy()
    )
    located = [where(p) for p in today["place_id"]]
    today["lon"] = [p[0] if p else None for p in located]
    today["lat"] = [p[1] if p else None for p in located]
    today["place"] = [
        p[2] if p else str(pid) for p, pid in zip(located, today["place_id"], strict=True)
    ]
    unknown = int(today["lon"].isna().sum())
    today = today.dropna(subset=["lon", "lat"])
    routes = today["route_id"].nunique()
    st.pydeck_chart(maps.route_map(today), key="route_map", height=maps.ROUTE_MAP_HEIGHT_PX)
    st.caption(
        f"{routes} route{'s' if routes != 1 else ''} on {day:%A %d %B}; "
        "numbers give the visiting order from the hub."
        + (f" {unknown} stops have no known position and are not drawn." if unknown else "")
    )
    st.caption(maps.SOURCES)
    table = today[
        ["route_id", "seq", "kind", "place", "referral_id", "arrival_minute", "load"]
    ].copy()
    table["arrival"] = table["arrival_minute"].map(
        lambda m: f"{int(m) // 60:02d}:{int(m) % 60:02d}"
    )
    st.dataframe(
        table.drop(columns="arrival_minute"), hide_index=True, width="stretch", key="stops_table"
    )

st.subheader("Device pool over time")
if shipments.empty:
    st.info("No shipments stored in this plan.")
else:
    out_from = pd.to_datetime(shipments["ship_date"].fillna(shipments["device_date"]))
    back = pd.to_datetime(shipments["return_date"])
    first, last = out_from.min(), back.max() if back.notna().any() else out_from.max()
    days = pd.date_range(first, last, freq="D")
    in_use = [int(((out_from <= d) & (back.isna() | (back > d))).sum()) for d in days]
    pool = pd.DataFrame({"day": days, "devices out": in_use})
    chart = (
        alt.Chart(pool)
        .mark_area(opacity=0.6, line=True)
        .encode(
            x=alt.X("day:T", title=None),
            y=alt.Y("devices out:Q"),
            tooltip=[alt.Tooltip("day:T", format="%Y-%m-%d"), "devices out"],
        )
    )
    devices = kpis.get("devices_needed") or scenario.routing.devices
    rule = (
        alt.Chart(pd.DataFrame({"pool": [devices]}))
        .mark_rule(color="red", strokeDash=[4, 3])
        .encode(y="pool:Q")
    )
    st.altair_chart(chart + rule, width="stretch", key="pool_chart")
    st.caption(
        f"Devices out with patients or in transit per day (shipped to returned); red line: "
        f"{'devices needed' if kpis.get('devices_needed') else 'the scenario pool'} ({devices:g})."
    )
    modes = shipments.groupby("mode").agg(
        shipments=("referral_id", "count"), on_time=("on_time", "mean")
    )
    modes["on_time"] = modes["on_time"].map(lambda v: fmt("share", v))
    st.dataframe(modes, width="stretch", key="modes_table")

with st.expander(f"All routing KPIs ({len(kpis)})"):
    st.dataframe(kpi_table(kpis), hide_index=True, width="stretch", key="kpis_routing")
