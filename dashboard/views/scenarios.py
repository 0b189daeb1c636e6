"""Scenarios: copy one and edit its parameters, solve it in the background with a progress bar,
and compare two or more scenarios side by side. Storing and solving need the ``create`` and
``solve`` rights (:mod:`dashboard.services.access`); a county-limited user's form starts within
their counties."""

from __future__ import annotations

import typing
from typing import Any, Literal

import altair as alt
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

# Sweeps ----------------------------------------------------------------------------------------
# A sweep (`planner sweep BASE --vary ...`) records its variants and the values each varies
# (the sweep_variant table); the chart puts one varied key on the x axis, one line per value of
# another, and a headline KPI on y. Clicking a point picks that scenario.
stored_sweeps = services.sweeps()
if stored_sweeps:
    st.header("Sweeps")
    by_name = {s["sweep"]: s for s in stored_sweeps}
    sweep_name = st.selectbox(
        "Sweep",
        list(by_name),
        key="sweep",
        format_func=lambda n: (
            f"{n} ({by_name[n]['variants']} variants of "
            f"{by_name[n]['base']}: {', '.join(by_name[n]['keys'])})"
        ),
    )
    points = services.sweep_points(sweep_name)
    varied = [k for k in by_name[sweep_name]["keys"] if k in points.columns]
    kpi_columns = [c for c in points.columns if c not in {"scenario", "version", "solved", *varied}]
    if not kpi_columns:
        st.caption(
            f"No variant of {sweep_name} has a plan yet: run the same `planner sweep` again "
            "to solve them."
        )
    else:
        # The x axis: a numeric key with the most values; lines: the next key, if any.
        numeric = [k for k in varied if pd.api.types.is_numeric_dtype(points[k])] or varied
        x_default = max(numeric, key=lambda k: points[k].nunique())
        c1, c2, c3 = st.columns(3)
        x_key = c1.selectbox("x axis", varied, index=varied.index(x_default), key="sweep_x")
        others = [k for k in varied if k != x_key]
        line_key = c2.selectbox(
            "One line per", ["(none)", *others], index=1 if others else 0, key="sweep_line"
        )
        shown = c3.multiselect(
            "KPIs",
            kpi_columns,
            default=kpi_columns[:2],
            key="sweep_kpis",
            format_func=lambda k: services.kpi_info(k).label,
        )
        charts = []
        for number, kpi in enumerate(shown):
            info = services.kpi_info(kpi)
            encoding: dict[str, Any] = {
                "x": alt.X(f"{x_key}:Q" if x_key in numeric else f"{x_key}:N", title=x_key),
                "y": alt.Y(
                    f"{kpi}:Q",
                    title=info.label,
                    axis=alt.Axis(format=".0%") if info.unit == "share" else alt.Axis(),
                ),
                "tooltip": ["scenario", *varied, alt.Tooltip(f"{kpi}:Q", title=info.label)],
            }
            if line_key != "(none)":
                encoding["color"] = alt.Color(f"{line_key}:N", title=line_key)
            charts.append(
                alt.Chart(points)
                .mark_line(point=alt.OverlayMarkDef(size=80, filled=True))
                .encode(**encoding)
                .properties(width=280, height=240, title=info.label)
                .add_params(
                    alt.selection_point(fields=["scenario"], name=f"pick{number}", on="click")
                )
            )
        point: str | None = None
        if charts:
            event: Any = st.altair_chart(alt.hconcat(*charts), on_select="rerun", key="sweep_chart")
            selections = event.get("selection", {}).values() if event else []
            chosen_points: list[dict[str, Any]] = next(
                (chosen for chosen in selections if chosen), []
            )
            point = chosen_points[0].get("scenario") if chosen_points else None
        st.caption("Click a point to see its scenario; hover for its name and values.")
        table = points.rename(columns={k: services.kpi_info(k).label for k in kpi_columns})
        st.dataframe(table, hide_index=True, width="stretch", key="sweep_table")
        if point:
            st.subheader(point)
            row = points[points["scenario"] == point].iloc[0]
            st.dataframe(
                pd.DataFrame(
                    [{"": k, "value": str(row[k])} for k in varied]
                    + [
                        {"": services.kpi_info(k).label, "value": services.format_kpi(k, row[k])}
                        for k in kpi_columns
                    ]
                ),
                hide_index=True,
                key="sweep_picked",
            )
            base = by_name[sweep_name]["base"]
            b1, b2 = st.columns(2)
            b1.button(
                f"Show {point} on every page",
                key="sweep_open",
                on_click=lambda: st.session_state.update(scenario=point),
            )
            if base in names and point in names:
                b2.button(
                    f"Compare {point} with {base}",
                    key="sweep_compare",
                    on_click=lambda: st.session_state.update(compare=[base, point]),
                )
