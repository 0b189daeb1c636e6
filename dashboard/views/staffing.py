"""Staffing: the roster per clinician and day, the same-clinician rate against the target line,
the availability bound and the baseline, the continuity measures in plain words, why return
visits miss their clinician (with the visits behind the counts), downloads (CSV, XLSX,
iCalendar), and what it takes to reach the continuity target (the continuity run's
availability requests, with their downloads)."""

from __future__ import annotations

import re

import altair as alt
import pandas as pd
import streamlit as st

from dashboard import services
from dashboard.views._common import (
    KPI_COLUMNS,
    access,
    cards,
    kpi_table,
    percent,
    plan_status,
    planner_note,
    reference_kpis,
    require_scenario,
    visible_kpis,
)
from dashboard.views._misses import continuity_measures, why_misses
from dashboard.views._requests import reaching_the_target

PAGE_SIZE = 60

acc = access()
name, version, scenario = require_scenario()
st.title("Staffing")
stored_plans = services.plans(name, version)
plan = stored_plans.get("staffing")
if plan is None:
    st.info(services.no_plan_message("staffing", name), icon=":material/info:")
    st.stop()

kpis = plan.kpis
run_id = plan.run_id
plan_status(plan)
cards(
    kpis,
    ["continuity_rate", "availability_bound", "cover", "shortfall_hours"],
    reference_kpis("staffing"),
)
planner_note(plan)

# Same-clinician rate against the line, the bound and the baseline ---------------------------
groups = [
    "all",
    *sorted({m.group(1) for k in kpis if (m := re.match(r"^continuity_rate_(.+)$", k))}),
]
records = []
for group in groups:
    suffix = "" if group == "all" else f"_{group}"
    for measure, key in (
        ("same-clinician rate", f"continuity_rate{suffix}"),
        ("availability bound", f"availability_bound{suffix}"),
        ("baseline", f"baseline_rate{suffix}"),
    ):
        if kpis.get(key) is not None:
            records.append({"group": group, "measure": measure, "value": kpis[key]})
rates = pd.DataFrame(records, columns=["group", "measure", "value"])
if not rates.empty:
    st.subheader("Same-clinician rate")
    line = (
        alt.Chart(pd.DataFrame({"target": [scenario.staffing.continuity_target]}))
        .mark_rule(color="red", strokeDash=[4, 3])
        .encode(x="target:Q")
    )
    rates["row"] = rates["group"] + " · " + rates["measure"]
    chart = alt.layer(
        alt.Chart(rates)
        .mark_bar()
        .encode(
            x=alt.X(
                "value:Q",
                title="share of return visits",
                scale=alt.Scale(domain=[0, 1]),
                axis=alt.Axis(format="%"),
            ),
            y=alt.Y(
                "row:N",
                title=None,
                sort=list(rates["row"]),
                axis=alt.Axis(labelLimit=260, labelOverlap=False),
            ),
            # Not red: red is the target line.
            color=alt.Color(
                "measure:N",
                title=None,
                scale=alt.Scale(
                    domain=["same-clinician rate", "availability bound", "baseline"],
                    range=["#1f5fa8", "#9ecae1", "#969696"],
                ),
            ),
            tooltip=["group", "measure", alt.Tooltip("value:Q", format=".1%")],
        ),
        line,
    ).properties(height=max(120, 24 * len(rates)))
    st.altair_chart(chart, width="stretch", key="continuity_chart")
    st.caption(
        f"Red line: the {percent(scenario.staffing.continuity_target)} target. The availability bound is the "
        "best rate the clinicians' declared availability allows; the baseline is a simple "
        "roster without continuity optimisation."
    )
continuity_measures(kpis)

# Roster ----------------------------------------------------------------------------------------
shifts = services.rows(run_id, "shift")
homes = services.clinician_home_counties(name, version)
shifts["home_county"] = shifts["clinician_id"].map(homes).fillna("")
st.subheader("Roster")
col1, col2 = st.columns(2)
professions = sorted(shifts["profession"].unique())
chosen_prof = col1.multiselect("Profession", professions, default=professions, key="professions")
county_codes = sorted(c for c in shifts["home_county"].unique() if c)
county_label = services.county_names()
chosen_counties = col2.multiselect(
    "Home county",
    county_codes,
    default=county_codes,
    key="counties",
    format_func=lambda c: county_label.get(c, c),
)
view = shifts[
    shifts["profession"].isin(chosen_prof) & shifts["home_county"].isin(chosen_counties)
].copy()
view["hours"] = (
    pd.to_datetime(view["end"]) - pd.to_datetime(view["start"])
).dt.total_seconds() / 3600
view["day"] = pd.to_datetime(view["day"])
people = sorted(view["clinician_id"].unique())
st.caption(
    f"{len(view)} shifts of {len(people)} clinicians "
    f"({len(shifts)} shifts in the plan{'' if acc.everything else ' you may see'})."
)
if people:
    pages = max(1, -(-len(people) // PAGE_SIZE))
    page = (
        st.number_input(
            f"Clinicians page (of {pages}, {PAGE_SIZE} per page)", 1, pages, 1, key="roster_page"
        )
        if pages > 1
        else 1
    )
    shown = set(people[(page - 1) * PAGE_SIZE : page * PAGE_SIZE])
    cells = (
        view[view["clinician_id"].isin(shown)]
        .groupby(["clinician_id", "profession", "day"], as_index=False)
        .agg(hours=("hours", "sum"), blocks=("block", lambda b: ", ".join(sorted(b))))
    )
    heat = (
        alt.Chart(cells)
        .mark_rect()
        .encode(
            x=alt.X(
                "yearmonthdate(day):O",
                title="day",
                axis=alt.Axis(format="%a %d %b", labelAngle=-60),
            ),
            y=alt.Y("clinician_id:N", title="clinician", sort=sorted(shown)),
            color=alt.Color("hours:Q", scale=alt.Scale(scheme="blues"), title="hours"),
            tooltip=[
                "clinician_id",
                "profession",
                alt.Tooltip("day:T", format="%Y-%m-%d"),
                "blocks",
                alt.Tooltip("hours:Q", format=".1f"),
            ],
        )
        .properties(height=max(200, 14 * len(shown)))
    )
    st.altair_chart(heat, width="stretch", key="roster_heatmap")

    # The shift table pages with the heatmap: the demo's 4 000+ shifts at once made the page
    # ship ~0.5 MB and draw for seconds; the downloads below still hold every filtered shift.
    shown_shifts = view[view["clinician_id"].isin(shown)].sort_values(["clinician_id", "start"])
    site_names = (
        {}
        if stored_plans.get("placement") is None
        else dict(
            services.rows(stored_plans["placement"].run_id, "placement")[
                ["site_id", "site_name"]
            ].values
        )
    )
    # The store keeps UTC; people read Stockholm wall-clock time (summer time included), the
    # home county by name and the mobile clinic's site by name, not "06" or a place id.
    starts = services.local_times(shown_shifts["start"])
    ends = services.local_times(shown_shifts["end"])
    table = pd.DataFrame(
        {
            "clinician": shown_shifts["clinician_id"],
            "profession": shown_shifts["profession"],
            "home county": shown_shifts["home_county"].map(lambda c: county_label.get(c, c)),
            "day": shown_shifts["day"].dt.date,
            "block": shown_shifts["block"],
            "kind": shown_shifts["kind"],
            "site": shown_shifts["site_id"].map(
                lambda p: "" if p is None or pd.isna(p) else site_names.get(p, p)
            ),
            "start": starts.dt.strftime("%H:%M"),
            "end": [
                e.strftime("%H:%M")
                + (f" (+{(e.date() - s.date()).days} d)" if e.date() > s.date() else "")
                for s, e in zip(starts, ends, strict=True)
            ],
            "hours": shown_shifts["hours"].map(lambda h: services.number(h, 1)),
        }
    )
    if pages > 1:
        st.caption(
            f"Shifts of the {len(shown)} clinicians on page {page} ({len(table)} of {len(view)} "
            "filtered shifts; the downloads hold all of them)."
        )
    st.dataframe(table, hide_index=True, width="stretch", height=300, key="shift_table")

    st.subheader("Downloads")
    d1, d2, d3 = st.columns(3)
    export_rows = view.drop(columns=["home_county", "hours"])
    placed = stored_plans.get("placement")
    sites = (
        {}
        if placed is None
        else dict(services.rows(placed.run_id, "placement")[["site_id", "site_name"]].values)
    )
    # Everyone the filters select, shifts or not, with county name and contract hours.
    context = services.roster_context(name, version, tuple(sorted(shifts["block"].unique())))
    listed = [
        p
        for p in context.people
        if p.profession in chosen_prof
        and context.county_codes.get(p.clinician_id) in chosen_counties
    ]
    d1.download_button(
        "Roster CSV (comma, for tools)",
        data=lambda: services.roster_csv(export_rows, sites, context=context, people=listed),
        file_name=f"roster-{name}.csv",
        mime="text/csv",
        on_click="ignore",
        key="dl_csv",
        help="Comma-separated UTF-8 with ISO times, for scripts and tools; one row per shift "
        "with the clinician's worked and contract hours over the horizon.",
    )
    d1.download_button(
        "Roster CSV for Excel (semicolon)",
        data=lambda: services.roster_csv(
            export_rows, sites, excel=True, context=context, people=listed
        ),
        file_name=f"roster-{name}-excel.csv",
        mime="text/csv",
        on_click="ignore",
        key="dl_csv_excel",
        help="Semicolons, decimal commas and a byte-order mark: opens in columns in Swedish "
        "Excel. The same rows as the comma CSV.",
    )
    d2.download_button(
        "Roster XLSX (a sheet per week)",
        data=lambda: services.roster_xlsx(export_rows, sites, context=context, people=listed),
        file_name=f"roster-{name}.xlsx",
        on_click="ignore",
        key="dl_xlsx",
        mime="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        help="A sheet per week (date columns, filters, worked against contract hours) and a "
        "last sheet with each clinician's hours over the whole horizon.",
    )
    who = d3.selectbox("Clinician calendar", people, key="ics_clinician")
    d3.download_button(
        f"iCalendar for {who}",
        data=lambda: services.roster_ics(
            export_rows, who, run_id, sites, services.earlier_rosters(run_id, who)
        ),
        file_name=f"roster-{name}-{who}.ics",
        mime="text/calendar",
        on_click="ignore",
        key="dl_ics",
        help="Import into a calendar application. After a re-plan, importing the new file "
        "moves changed shifts and cancels removed ones. For calendars to subscribe to, "
        "publish the folder of `planner export roster --format ics`.",
    )
else:
    st.info("No shifts match the filters.")

# Follow-ups ----------------------------------------------------------------------------------
follow = services.rows(run_id, "follow_up")
if not follow.empty:
    st.subheader("Return visits")
    summary = follow.groupby("profession").agg(
        visits=("visit_id", "count"),
        same_clinician=("same_clinician", "mean"),
        unassigned=("assigned_clinician_id", lambda s: int(s.isna().sum())),
    )
    summary["same_clinician"] = summary["same_clinician"].map(lambda v: percent(v))
    st.dataframe(summary, width="stretch", key="follow_table")
    why_misses(
        follow,
        {cid: county_label.get(c, c) for cid, c in homes.items()},
        acc.everything,
    )

reaching_the_target(name, scenario, plan, stored_plans.get("continuity"), acc, homes)

with st.expander(f"All staffing KPIs ({len(kpis)})"):
    st.dataframe(
        kpi_table(visible_kpis(kpis, acc)),
        hide_index=True,
        width="stretch",
        column_order=KPI_COLUMNS,
        key="kpis_staffing",
    )
