"""The Staffing page's "why return visits miss" section and its continuity measures, in plain
words. Not a page itself; it reads stored rows and KPIs through :mod:`dashboard.services`."""

from __future__ import annotations

import pandas as pd
import streamlit as st

from dashboard import services
from dashboard.views._common import fmt

#: Columns of the drill-down table, in order.
VISIT_COLUMNS = [
    "visit_id",
    "patient_id",
    "profession",
    "index_clinician_id",
    "county",
    "miss_reason",
    "miss_detail",
    "assigned_clinician_id",
    "day",
    "block",
]


def continuity_measures(kpis: dict[str, float | None]) -> None:
    """The stored continuity measures with what each means."""
    meaning = services.continuity_measures()
    shown = [k for k in meaning if k in kpis]
    if not shown:
        return
    st.subheader("Continuity measures")
    st.dataframe(
        pd.DataFrame(
            {
                "measure": [k.replace("_", " ") for k in shown],
                "value": [fmt(k, kpis[k]) for k in shown],
                "what it means": [meaning[k] for k in shown],
            }
        ),
        hide_index=True,
        width="stretch",
        key="continuity_measures",
    )
    st.markdown("\n".join(f"- {meaning[k]}" for k in shown))


def _counts(missed: pd.DataFrame, by: str, reasons: list[str]) -> pd.DataFrame:
    """Misses per value of ``by`` and reason (a column per reason), most misses first."""
    table = pd.crosstab(missed[by], missed["miss_reason"]).reindex(columns=reasons, fill_value=0)
    table["misses"] = table.sum(axis=1)
    return table.sort_values(["misses", by], ascending=[False, True]).reset_index()


def why_misses(follow: pd.DataFrame, county_of: dict[str, str], allows_all: bool) -> None:
    """Counts of the misses by reason, profession, county and clinician, and the visits behind
    them. ``follow`` holds the follow-up rows the user may see; ``county_of`` maps a clinician
    to their home county name."""
    if "miss_reason" not in follow.columns:
        return
    missed = follow[follow["miss_reason"].notna()].copy()
    st.subheader("Why return visits miss their clinician")
    if missed.empty:
        if not follow["same_clinician"].all():
            st.info("This run stored no miss reasons; solve staffing again to see them.")
        else:
            st.success("Every return visit is kept with its index clinician.")
        return
    meaning = services.miss_reasons()
    reasons = [r for r in meaning if r in set(missed["miss_reason"])]
    missed["county"] = missed["index_clinician_id"].map(county_of).fillna("")
    by_reason = missed["miss_reason"].value_counts()
    st.dataframe(
        pd.DataFrame(
            {
                "reason": list(meaning),
                "what it means": list(meaning.values()),
                "visits": [int(by_reason.get(r, 0)) for r in meaning],
            }
        ),
        hide_index=True,
        width="stretch",
        key="miss_reasons",
    )
    held = missed[missed["miss_reason"] == "not_rostered"]
    if not held.empty:
        st.caption(
            "Not rostered, by what kept the clinician off a free block: "
            + "; ".join(f"{d} {n}" for d, n in held["miss_detail"].value_counts().items())
            + ". A rule name means adding the block would bend that rule; 'Demand cover' that "
            "the clinician was needed on another block that would otherwise be short."
        )
    st.caption(
        f"{len(missed)} of {len(follow)} return visits"
        f"{'' if allows_all else ' you may see'} miss their index clinician."
    )
    tabs = st.tabs(["By profession", "By county", "By clinician"])
    for tab, by, key in zip(
        tabs,
        ["profession", "county", "index_clinician_id"],
        ["misses_profession", "misses_county", "misses_clinician"],
        strict=True,
    ):
        tab.dataframe(_counts(missed, by, reasons), hide_index=True, width="stretch", key=key)
    _drill_down(missed, reasons)


def _drill_down(missed: pd.DataFrame, reasons: list[str]) -> None:
    """The visits behind a reason and a clinician."""
    st.markdown("**The visits behind the counts**")
    c1, c2 = st.columns(2)
    reason = c1.selectbox("Reason", ["all", *reasons], key="miss_reason_pick")
    chosen = missed if reason == "all" else missed[missed["miss_reason"] == reason]
    people = sorted(chosen["index_clinician_id"].unique())
    who = c2.selectbox("Index clinician", ["all", *people], key="miss_clinician_pick")
    if who != "all":
        chosen = chosen[chosen["index_clinician_id"] == who]
    st.dataframe(
        chosen[VISIT_COLUMNS].sort_values(["miss_reason", "index_clinician_id", "visit_id"]),
        hide_index=True,
        width="stretch",
        key="missed_visits",
    )
