"""Spirometers: the plan's cost against both baselines, cost by mode and per referral, the
chosen day's courier routes (named by hub, with km, hours and cost) and their stops in order,
the device pool over time, and the on-time share."""

from __future__ import annotations

import altair as alt
import pandas as pd
import streamlit as st

from dashboard import maps, services
from dashboard.views._common import (
    KPI_COLUMNS,
    access,
    cards,
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
st.title("Spirometers")
plan = services.plans(name, version).get("routing")
if plan is None:
    st.info(services.no_plan_message("routing", name), icon=":material/info:")
    st.stop()

plan_status(plan)
kpis = visible_kpis(plan.kpis, acc)
cards(
    kpis,
    headline(kpis, ["total_cost_sek", "on_time_share", "devices_needed", "cost_per_referral_sek"]),
    reference_kpis("routing"),
)
on_time = kpis.get("on_time_share")
if on_time is not None:
    target = scenario.routing.on_time_target
    (st.error if on_time < target else st.success)(
        f"On-time share {fmt('on_time_share', on_time)} against the target {percent(target)} "
        f"(device in hand within {scenario.routing.service_level_days} business days)."
    )

places = services.localities().set_index("locality_id")
by_name = services.localities().drop_duplicates("name").set_index("name")

BASELINES = (
    ("This plan (modes chosen by cost)", ""),
    ("Courier whenever in reach (old rule)", "courier_first_"),
    ("Parcels only", "parcel_only_"),
)


def sek(value: float | None) -> str:
    """An amount in whole kronor, the Swedish way (``60 960 SEK``)."""
    return fmt("total_cost_sek", value)


def place_name(place_id: object) -> str:
    """A place's name (hubs and stops are stored by locality id)."""
    key = str(place_id)
    return str(places.loc[key, "name"]) if key in places.index else key


def route_label(route_id: str, hub_id: object, day: object) -> str:
    """A route as people name it: "Nyköping hub, vehicle 1, 3 Nov" (the stored id is
    ``<day>-<hub id>-v<n>``; the hub by its name, never its numeric place id)."""
    when = pd.Timestamp(day)
    vehicle = str(route_id).rsplit(f"-{hub_id}-", 1)[-1].lstrip("v")
    return f"{place_name(hub_id)} hub, vehicle {vehicle}, {when.day} {when:%b}"


def route_names(frame: pd.DataFrame) -> dict[str, str]:
    """route id -> :func:`route_label` for the routes of ``frame`` (stops or bills)."""
    return {
        str(r.route_id): route_label(r.route_id, r.hub_id, r.day)
        for r in frame.drop_duplicates("route_id").itertuples()
    }


def compare_baselines() -> pd.DataFrame:
    """The plan and both baselines side by side, from the run's KPIs."""
    referrals = kpis.get("referrals") or 0
    rows = []
    for title, prefix in BASELINES:
        total = kpis.get(f"{prefix}total_cost_sek" if not prefix else f"{prefix}cost_sek")
        rows.append(
            {
                "plan": title,
                "total": sek(total),
                "per referral": sek(total / referrals)
                if total is not None and referrals
                else "n/a",
                "courier part": sek(kpis.get(f"{prefix}courier_cost_sek")),
                "on time": percent(kpis.get(f"{prefix}on_time_share")),
                "devices": fmt(
                    "devices",
                    kpis.get(f"{prefix}devices_needed" if not prefix else f"{prefix}devices"),
                ),
            }
        )
    return pd.DataFrame(rows)


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
routes_bill = services.rows(plan.run_id, "courier_route")

st.subheader("Cost against the baselines")
if kpis.get("parcel_only_cost_sek") is None:
    st.info("This plan was stored before modes were chosen by cost: re-solve to compare.")
else:
    st.dataframe(compare_baselines(), hide_index=True, width="stretch", key="baselines_table")
    saving = kpis.get("saving_vs_parcel_only_sek")
    st.caption(
        "The two baselines are the same referrals run through the same simulation and prices: "
        "the old rule sends a courier whenever the hub is within reach; the other ships every "
        "device by parcel. "
        + (
            f"This plan costs {sek(abs(saving))} {'less' if saving >= 0 else 'more'} than "
            "parcels only."
            if saving is not None
            else ""
        )
    )

if not shipments.empty and "cost_sek" in shipments and shipments["cost_sek"].notna().any():
    st.subheader("Cost by mode")
    by_mode = (
        shipments.assign(
            out=shipments["mode"],
            back=shipments["return_mode"].fillna("n/a"),
        )
        .groupby(["out", "back"])
        .agg(
            referrals=("referral_id", "count"),
            cost=("cost_sek", "sum"),
            per_referral=("cost_sek", "mean"),
            on_time=("on_time", "mean"),
        )
        .reset_index()
    )
    by_mode["cost"] = by_mode["cost"].map(sek)
    by_mode["per_referral"] = by_mode["per_referral"].map(sek)
    by_mode["on_time"] = by_mode["on_time"].map(lambda v: percent(v))
    st.dataframe(
        by_mode.rename(
            columns={
                "out": "device out by",
                "back": "back by",
                "per_referral": "per referral",
                "on_time": "on time",
            }
        ),
        hide_index=True,
        width="stretch",
        key="cost_by_mode_table",
    )
    with st.expander(f"Cost per referral ({len(shipments)})"):
        per = shipments.assign(place=shipments["locality_id"].map(place_name))
        per = per[
            ["referral_id", "place", "mode", "return_mode", "ship_date", "on_time", "cost_sek"]
        ].sort_values("cost_sek", ascending=False)
        per["cost_sek"] = per["cost_sek"].map(sek)
        per = per.rename(columns={"mode": "out by", "return_mode": "back by", "cost_sek": "cost"})
        st.dataframe(
            per,
            hide_index=True,
            width="stretch",
            key="per_referral_table",
        )
    st.caption(
        "Each referral carries its parcel legs and cleaning, an equal share of its courier "
        "route's cost and an equal share of the device pool's capital."
    )

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
    names = route_names(today)
    today["route"] = today["route_id"].map(names)
    routes = today["route_id"].nunique()
    st.pydeck_chart(maps.route_map(today), key="route_map", height=maps.ROUTE_MAP_HEIGHT_PX)
    st.caption(
        f"{routes} route{'s' if routes != 1 else ''} on {day:%A %d %B}; "
        "numbers give the visiting order from the hub (labels set apart where stops are close)."
        + (f" {unknown} stops have no known position and are not drawn." if unknown else "")
    )
    st.caption(maps.SOURCES)
    if not routes_bill.empty:
        bills = routes_bill[pd.to_datetime(routes_bill["day"]).dt.date == day].copy()
        bills = bills.assign(
            route=bills["route_id"].map(route_names(bills)),
            hub=bills["hub_id"].map(place_name),
            km=bills["km"].map(lambda v: f"{services.number(v, 1)} km"),
            hours=bills["hours"].map(lambda v: f"{services.number(v, 1)} h"),
            cost=bills["cost_sek"].map(sek),
        )
        st.dataframe(
            bills[["route", "hub", "stops", "km", "hours", "cost"]],
            hide_index=True,
            width="stretch",
            key="routes_table",
        )
        st.caption(
            f"All days: {len(routes_bill)} routes, "
            f"{services.number(float(routes_bill['km'].sum()))} km, "
            f"{services.number(float(routes_bill['hours'].sum()), 1)} driver hours, "
            f"{sek(float(routes_bill['cost_sek'].sum()))}."
        )
    table = today[["route", "seq", "kind", "place", "referral_id", "arrival_minute", "load"]].copy()
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
    modes["on_time"] = modes["on_time"].map(lambda v: percent(v))
    st.dataframe(modes, width="stretch", key="modes_table")

with st.expander(f"All routing KPIs ({len(kpis)})"):
    st.dataframe(
        kpi_table(kpis),
        hide_index=True,
        width="stretch",
        column_order=KPI_COLUMNS,
        key="kpis_routing",
    )
planner_note(plan)
