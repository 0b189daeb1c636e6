"""Scenarios: copy one and edit its parameters, solve it in the background with a progress bar,
and compare two or more scenarios side by side. Storing and solving need the ``create`` and
``solve`` rights (:mod:`dashboard.services.access`); a county-limited user's form starts within
their counties."""

from __future__ import annotations

import typing
from typing import Any, Literal

import pandas as pd
import streamlit as st

from dashboard import services
from dashboard.views._common import access, label, visible_kpis

SECTIONS = ("scenario", "placement", "staffing", "routing")

acc = access()
st.title("Scenarios")
stored = services.scenarios()
names = [s["name"] for s in stored]
if not names:
    st.info("No scenario is stored yet — run `planner demo` first.")
    st.stop()
st.dataframe(pd.DataFrame(stored), hide_index=True, width="stretch", key="scenario_list")


def _editable(annotation: Any) -> str | None:
    """Which input a field gets: int, float, bool, str, choice, list; None = not in the form."""
    origin = typing.get_origin(annotation)
    if annotation in (int, float, bool, str):
        return annotation.__name__
    if origin is Literal:
        return "choice"
    if origin is list and typing.get_args(annotation):
        inner = typing.get_args(annotation)[0]
        inner = typing.get_args(inner)[0] if typing.get_origin(inner) is typing.Annotated else inner
        if inner is str or typing.get_origin(inner) is Literal:
            return "list"
    return None


def _input(section: str, field: str, info: Any, value: Any, kind: str) -> Any:
    key = f"form_{section}_{field}"
    helptext = info.description or None
    if kind == "bool":
        return st.checkbox(field, value=value, key=key, help=helptext)
    if kind == "int":
        return int(st.number_input(field, value=int(value), step=1, key=key, help=helptext))
    if kind == "float":
        return float(
            st.number_input(field, value=float(value), key=key, help=helptext, format="%.4g")
        )
    if kind == "choice":
        options = list(typing.get_args(info.annotation))
        return st.selectbox(field, options, index=options.index(value), key=key, help=helptext)
    if kind == "list":
        text = st.text_input(field, value=", ".join(map(str, value)), key=key, help=helptext)
        return [part.strip() for part in text.split(",") if part.strip()]
    return st.text_input(field, value=str(value), key=key, help=helptext)


# Create ----------------------------------------------------------------------------------------
st.header("Create a scenario")
base_name = st.selectbox(
    "Copy of",
    names,
    index=names.index(st.session_state.get("scenario") or names[0]),
    key="copy_base",
)
_, base = services.scenario(base_name)
may_create = acc.may("create")
if not may_create:
    st.info(
        f"Your account ({acc.email or 'unknown'}) may read plans but not store scenarios: ask "
        "an administrator to add 'create' for it to the [permissions] section of the "
        "dashboard's secrets.",
        icon=":material/lock:",
    )
starting = services.within_counties(base, acc)
if starting:
    st.caption(
        "The form starts within your counties: counties, hubs and fixed clinics of the copied "
        "scenario outside them are left out."
    )
with st.form("create_scenario"):
    new_name = st.text_input(
        "Name (lower-case letters, digits, - and _)", value=f"{base_name}-copy", key="form_name"
    )
    description = st.text_input(
        "Description", value=base.scenario.description, key="form_description"
    )
    changes: dict[str, dict[str, Any]] = {}
    for section in SECTIONS:
        model = getattr(base, section)
        with st.expander(f"[{section}]", expanded=section == "placement"):
            cols = st.columns(3)
            values = {}
            fields = [
                (f, i, kind)
                for f, i in type(model).model_fields.items()
                if f not in ("name", "description") and (kind := _editable(i.annotation))
            ]
            for index, (field, info, kind) in enumerate(fields):
                value = starting.get(section, {}).get(field, getattr(model, field))
                with cols[index % 3]:
                    values[field] = _input(section, field, info, value, kind)
            changes[section] = values
    submitted = st.form_submit_button("Store scenario", type="primary", disabled=not may_create)
if submitted:
    try:
        stored_as = services.copy_scenario(base, new_name.strip(), description, changes)
    except Exception as exc:
        st.error(f"Not stored: {exc}")
    else:
        st.success(f"Stored scenario {stored_as['name']} version {stored_as['version']}.")
        st.session_state["run_scenario"] = stored_as["name"]
        names = [s["name"] for s in services.scenarios()]

# Run -------------------------------------------------------------------------------------------
st.header("Solve a scenario")
runnable = services.runnable_planners()
preset = st.session_state.get("run_scenario")
c1, c2 = st.columns([1, 2])
run_name = c1.selectbox(
    "Scenario", names, index=names.index(preset) if preset in names else 0, key="run_name"
)
chosen = c2.multiselect(
    "Planners",
    runnable,
    default=runnable,
    key="run_planners",
    format_func=lambda p: services.PLANNER_TITLES.get(p, p),
)
missing = [p for p in services.planner_names() if p not in runnable]
if missing:
    st.caption(f"Not in this build yet: {', '.join(missing)}.")
may_solve = acc.may("solve")
if not may_solve:
    st.info(
        f"Your account ({acc.email or 'unknown'}) may read plans but not start solves: ask an "
        "administrator to add 'solve' for it to the [permissions] section of the dashboard's "
        "secrets.",
        icon=":material/lock:",
    )
if st.button("Solve in the background", disabled=not chosen or not may_solve, key="solve"):
    try:
        job = services.start_solve(run_name, chosen)
    except services.AccessError as exc:
        st.error(f"Not started: {exc}")
    else:
        st.session_state["job_id"] = job.id


@st.fragment(run_every=1.0)
def _progress() -> None:
    job_id = st.session_state.get("job_id")
    job = services.job(job_id) if job_id else None
    if job is None:
        return
    text = f"{job.scenario}: {job.message}"
    st.progress(job.overall, text=text[:200])
    if job.finished:
        st.dataframe(
            pd.DataFrame(
                [
                    {
                        "planner": r["planner"],
                        "run": r["run_id"],
                        "status": r["solver_status"],
                        "seconds": r["seconds"],
                    }
                    for r in job.finished
                ]
            ),
            hide_index=True,
            key="job_runs",
        )
    if job.error:
        st.error(f"Solve failed: {job.error}")
    elif job.done:
        st.success(f"{job.scenario}: every plan stored ({', '.join(job.planners)}).")


_progress()

# Compare ---------------------------------------------------------------------------------------
st.header("Compare scenarios")
default_pick = names[:2] if len(names) >= 2 else names
picked = st.multiselect(
    "Scenarios to compare (the first is the reference)", names, default=default_pick, key="compare"
)
if len(picked) < 2:
    st.caption("Pick two or more scenarios.")
else:
    table: dict[str, dict[str, float | None]] = {}
    for scen in picked:
        for planner, plan in services.plans(scen).items():
            for kpi, value in visible_kpis(plan.kpis, acc).items():
                table.setdefault(f"{planner} · {kpi}", {})[scen] = value
    comparison = services.comparison(picked)
    reference = comparison.reference
    st.subheader("What differs")
    if comparison.parameters:
        st.dataframe(
            pd.DataFrame([{"parameter": p.key, **p.values} for p in comparison.parameters]),
            hide_index=True,
            width="stretch",
            key="compare_parameters",
        )
    else:
        st.caption("The scenarios plan with the same parameters.")
    st.subheader("Headline KPIs")
    headline = pd.DataFrame(
        [
            {
                "plan": services.PLANNER_TITLES.get(k.planner, k.planner),
                "KPI": k.label,
                f"{reference} (reference)": k.shown(reference),
                **{
                    column: value
                    for scen in comparison.scenarios[1:]
                    for column, value in (
                        (scen, k.shown(scen)),
                        (f"change {scen}", k.shown_change(scen)),
                    )
                },
            }
            for k in comparison.kpis
        ]
    )
    if headline.empty:
        st.info("None of these scenarios has a stored plan yet.")
    else:
        st.dataframe(
            headline,
            hide_index=True,
            width="stretch",
            key="compare_headline",
            column_config={
                "KPI": st.column_config.TextColumn(
                    help="Hover a card on the plan's page for the definition."
                )
            },
        )
        st.download_button(
            "Comparison XLSX",
            data=lambda: services.excel_bytes(headline),
            file_name="scenario-comparison.xlsx",
            on_click="ignore",
            key="dl_compare",
        )
    for warning in comparison.warnings:
        st.warning(warning, icon=":material/warning:")
    if table:
        frame = pd.DataFrame.from_dict(table, orient="index").reindex(columns=picked)
        unsolved = [scen for scen in picked if frame[scen].isna().all()]
        if unsolved:
            st.info(
                f"No stored plan yet for {', '.join(unsolved)}: solve it above to fill its column."
            )
        for scen in picked[1:]:
            frame[f"Δ {scen} − {reference}"] = frame[scen] - frame[reference]
        frame.index.name = "planner · kpi"
        with st.expander(f"Every stored KPI ({len(frame)}), as stored"):
            st.dataframe(
                frame,
                width="stretch",
                key="compare_table",
                column_config={
                    c: st.column_config.NumberColumn(format="%.4g") for c in frame.columns
                },
            )
            st.caption(
                "Rows are the KPIs each planner stored; a blank cell means that scenario has "
                f"no such KPI (or no plan of that planner). {label('served_share')} etc. are "
                "shares in [0, 1]."
            )
