"""The Staffing page's "Reaching the continuity target" section: what the latest continuity run
(``planner solve continuity``) found, the two rosters side by side, the availability requests a
scheduler acts on (with downloads) and how the roster changes with them. Not a page itself; it
reads stored rows and KPIs through :mod:`dashboard.services`."""

from __future__ import annotations

import re

import pandas as pd
import streamlit as st

from dashboard import services
from dashboard.views._common import fmt, percent

#: The before/after comparison: row label -> KPI stored by both runs.
COMPARED = {
    "Same-clinician rate": "continuity_rate",
    "Availability bound (best rate the availability allows)": "availability_bound",
    "Demand cover": "cover",
    "Hard rule breaks": "hard_violations",
    "Rostered hours": "rostered_hours",
    "Return visits missing their clinician": "misses",
}
#: Columns of the request table, in order.
REQUEST_COLUMNS = [
    "clinician",
    "profession",
    "county",
    "day",
    "weekday",
    "block",
    "visits kept",
    "visits",
    "cost",
]
_LEVER = re.compile(r"^lever_(.+)_bound$")
WEEKDAYS = ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday")


def reaching_the_target(
    name: str,
    scenario: services.Scenario,
    staffing: services.Plan,
    continuity: services.Plan | None,
    acc: services.Access,
    homes: dict[str, str],
) -> None:
    """The section, or a one-line hint when the scenario has no finished continuity run.
    ``homes`` maps clinicians to their home county code (roster rows follow it)."""
    st.subheader("Reaching the continuity target")
    target = scenario.staffing.continuity_target
    if continuity is None:
        st.caption(
            f"No continuity run stored for {name}: run `planner solve continuity --scenario "
            f"{name}` to see which availability requests would reach the {percent(target)} target."
        )
        return
    kpis = continuity.kpis
    if continuity.message:
        if kpis.get("target_reached"):
            st.success(continuity.message, icon=":material/check_circle:")
        else:
            st.warning(continuity.message, icon=":material/info:")
    st.markdown(
        "An *availability request* asks one clinician to work one more day and block than "
        "they declared, so that return visits can keep their clinician. The continuity run "
        "picks the fewest, re-solves the roster with them accepted and stores that roster."
    )
    _compare(staffing, continuity)
    _bounds(scenario, kpis)
    _levers(scenario, kpis)
    _requests(name, continuity, acc)
    _roster_changes(staffing, continuity, acc, homes)


def _compare(staffing: services.Plan, continuity: services.Plan) -> None:
    """The two rosters' headline measures side by side."""
    before, after = staffing.kpis, continuity.kpis
    st.dataframe(
        pd.DataFrame(
            {
                "measure": list(COMPARED),
                "staffing roster": [fmt(k, before.get(k)) for k in COMPARED.values()],
                "with the requests": [fmt(k, after.get(k)) for k in COMPARED.values()],
            }
        ),
        hide_index=True,
        width="stretch",
        key="requests_compare",
    )
    st.caption(
        f"Staffing roster: run {staffing.run_id}, on the clinicians' declared availability. "
        f"With the requests: run {continuity.run_id}, the roster re-solved with every request "
        "accepted."
    )


def _uniform_cost(scenario: services.Scenario) -> float | None:
    """The one cost every request has, when the scenario prices them all alike."""
    s = scenario.staffing
    alike = s.request_cost_weekend == s.request_cost_night == 1.0 and all(
        f == 1.0 for f in s.request_cost_by_profession.values()
    )
    return s.request_cost if alike and s.request_cost > 0 else None


def _bounds(scenario: services.Scenario, kpis: dict[str, float | None]) -> None:
    """The number of requests against the proved lower bound and the greedy baseline."""
    target = scenario.staffing.continuity_target
    lower = kpis.get("requests_lower_bound")
    unit = _uniform_cost(scenario)
    reachable = kpis.get("bound_reachable")
    lifted = (
        f"{fmt('bound_reachable', reachable)}, the most the allowed extra days give"
        if reachable is not None and reachable < target - 1e-9
        else f"the {percent(target)} target"
    )
    rows = [
        (
            "Requests in this plan",
            fmt("requests", kpis.get("requests")),
            fmt("requests_cost", kpis.get("requests_cost")),
            "The slots beyond the declared availability that the re-solved roster works "
            f"({fmt('requests_asked', kpis.get('requests_asked'))} were asked over "
            f"{fmt('rounds', kpis.get('rounds'))} re-solve rounds; those it could not use are "
            "left out).",
        ),
        (
            "Proved lower bound",
            "–" if lower is None or unit is None else fmt("requests", lower / unit),
            "not proved" if lower is None else fmt("requests_lower_bound", lower),
            "No set of requests costs less and lifts the availability bound (which no roster "
            f"can beat) to {lifted}: proved by an exact search.",
        ),
        (
            "Greedy baseline",
            fmt("greedy_requests", kpis.get("greedy_requests")),
            fmt("greedy_requests_cost", kpis.get("greedy_requests_cost")),
            "What a simple rule asks: the request keeping the most visits per cost first, "
            "until the availability bound reaches the target.",
        ),
    ]
    st.markdown("**How many requests**")
    st.dataframe(
        pd.DataFrame([row[:3] for row in rows], columns=["measure", "requests", "cost"]),
        hide_index=True,
        width="stretch",
        key="requests_bounds",
    )
    st.markdown("\n".join(f"- *{row[0]}*: {row[3]}" for row in rows))
    cost = kpis.get("requests_cost")
    if lower is None:
        verdict = "The least number of requests was not proved within the time limit."
    elif not kpis.get("target_reached"):
        verdict = (
            "The roster stops short of the target: the lower bound is the least that reaching "
            "it takes, not a measure of this plan."
        )
    elif cost is not None and cost <= lower + 1e-9:
        verdict = "The plan costs exactly the lower bound: no cheaper set of requests reaches it."
    else:
        verdict = (
            f"The plan costs {fmt('requests_cost', (cost or 0) - lower)} more than the lower "
            "bound: the re-solved roster needed more requests than the availability bound alone "
            "(rules or full blocks kept clinicians off some requested slots)."
        )
    st.caption(verdict + " The cost of a request is the scenario's price of asking for it.")


def _lever_labels(scenario: services.Scenario) -> dict[str, str]:
    """Lever KPI slug -> what it means for this scenario, in plain words."""
    s = scenario.staffing
    return {
        "requests": "No other lever (requests only)",
        "wider_windows": f"Follow-up windows {s.lever_window_extra_days} days wider",
        "digital_follow_ups": (
            f"Digital follow-ups on days off (up to {percent(s.lever_digital_share)} of return "
            f"visits, {s.lever_digital_cap_per_day} a day per clinician)"
        ),
    }


def _levers(scenario: services.Scenario, kpis: dict[str, float | None]) -> None:
    """Each lever's availability bound on its own and the requests still needed with it."""
    labels = _lever_labels(scenario)
    stored = [
        m.group(1)
        for k in kpis
        if (m := _LEVER.match(k)) and f"lever_{m.group(1)}_requests" in kpis
    ]
    slugs = [s for s in labels if s in stored] + sorted(s for s in stored if s not in labels)
    if not slugs:
        return
    st.markdown("**Other levers**")
    st.dataframe(
        pd.DataFrame(
            {
                "lever": [labels.get(s, s.replace("_", " ").capitalize()) for s in slugs],
                "availability bound with this lever alone": [
                    fmt("availability_bound", kpis[f"lever_{s}_bound"]) for s in slugs
                ],
                "requests still needed with it": [
                    fmt("requests", kpis[f"lever_{s}_requests"]) for s in slugs
                ],
            }
        ),
        hide_index=True,
        width="stretch",
        key="requests_levers",
    )
    st.caption(
        "The availability bound is the best same-clinician rate any roster can reach; the "
        "requests still needed are the fewest that lift it to the target with the lever pulled."
    )


def request_table(lines: pd.DataFrame) -> pd.DataFrame:
    """The requests as the page lists them (from :func:`dashboard.services.request_lines`):
    the block as Stockholm wall-clock times, the weekday, the visits comma-separated."""
    return pd.DataFrame(
        {
            "clinician": lines["clinician_id"],
            "profession": lines["profession"],
            "county": lines["county"],
            "day": lines["day"],
            "weekday": [WEEKDAYS[d.weekday()] for d in lines["day"]],
            "block": [
                f"{s:%H:%M}-{e:%H:%M}" for s, e in zip(lines["start"], lines["end"], strict=True)
            ],
            "visits kept": lines["visits_kept"],
            "visits": [", ".join(v.split()) for v in lines["visit_ids"]],
            "cost": lines["cost"],
        },
        columns=REQUEST_COLUMNS,
    )


def _requests(name: str, continuity: services.Plan, acc: services.Access) -> None:
    """The requests of clinicians the user may see, and their downloads."""
    mine = services.rows(continuity.run_id, "availability_request")
    st.markdown("**The requests to make**")
    if mine.empty:
        st.caption(
            "The plan makes no requests"
            + ("." if acc.everything else " for clinicians of your counties.")
        )
        return
    table = request_table(services.request_lines(mine))
    st.dataframe(table, hide_index=True, width="stretch", key="requests_table")
    st.caption(
        f"{len(mine)} requests"
        + ("" if acc.everything else " of clinicians of your counties")
        + ". Times are Stockholm local time; a 22:00-07:00 block ends the next morning. "
        "'Visits' are the return visits the request keeps with their clinician."
    )
    d1, d2, d3 = st.columns(3)
    d1.download_button(
        "Requests CSV (comma, for tools)",
        data=lambda: services.requests_csv(mine),
        file_name=f"requests-{name}.csv",
        mime="text/csv",
        on_click="ignore",
        key="dl_requests_csv",
        help="Comma-separated UTF-8: for scripts and other tools.",
    )
    d2.download_button(
        "Requests CSV for Excel (semicolon)",
        data=lambda: services.requests_csv(mine, excel=True),
        file_name=f"requests-{name}-excel.csv",
        mime="text/csv",
        on_click="ignore",
        key="dl_requests_excel",
        help="Semicolons, decimal commas and a byte-order mark: opens in columns in Swedish Excel.",
    )
    d3.download_button(
        "Requests XLSX",
        data=lambda: services.requests_xlsx(mine),
        file_name=f"requests-{name}.xlsx",
        mime="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        on_click="ignore",
        key="dl_requests_xlsx",
        help="One sheet with date cells and a filter on the header.",
    )


def _shifts(run_id: int, homes: dict[str, str]) -> pd.DataFrame:
    """A run's shifts of clinicians the user may see, with their home county and hours."""
    shifts = services.rows(run_id, "shift")
    shifts["home_county"] = shifts["clinician_id"].map(homes)
    shifts["hours"] = (
        pd.to_datetime(shifts["end"]) - pd.to_datetime(shifts["start"])
    ).dt.total_seconds() / 3600
    return shifts


def _roster_changes(
    staffing: services.Plan,
    continuity: services.Plan,
    acc: services.Access,
    homes: dict[str, str],
) -> None:
    """Per clinician the user may see: the shifts the re-solved roster adds and drops."""
    before = _shifts(staffing.run_id, homes)
    after = _shifts(continuity.run_id, homes)
    keys = ["clinician_id", "day", "block"]
    both = before[keys].merge(after[keys], how="outer", indicator=True)
    counties = services.county_names()
    people = sorted(set(before["clinician_id"]) | set(after["clinician_id"]))
    rows = []
    for who in people:
        mine = both[both["clinician_id"] == who]["_merge"]
        added, removed = int((mine == "right_only").sum()), int((mine == "left_only").sum())
        if not added and not removed:
            continue
        rows.append(
            {
                "clinician": who,
                "county": counties.get(homes.get(who, ""), homes.get(who, "")),
                "shifts before": int((before["clinician_id"] == who).sum()),
                "shifts after": int((after["clinician_id"] == who).sum()),
                "added": added,
                "dropped": removed,
                "hours before": round(before.loc[before["clinician_id"] == who, "hours"].sum(), 1),
                "hours after": round(after.loc[after["clinician_id"] == who, "hours"].sum(), 1),
            }
        )
    with st.expander(f"How the roster changes with the requests ({len(rows)} clinicians)"):
        st.caption(
            "The re-solve may move other shifts too. Clinicians"
            f"{'' if acc.everything else ' of your counties'} whose roster differs between the "
            "staffing roster and the one with the requests accepted."
        )
        if rows:
            st.dataframe(
                pd.DataFrame(rows), hide_index=True, width="stretch", key="requests_roster_changes"
            )
