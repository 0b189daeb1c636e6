"""Helpers every page shares: the selected scenario, KPI formatting, cards and KPI tables.

Not a page itself (``app.py`` lists the pages explicitly); it talks to the library only
through :mod:`dashboard.services`.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence

import pandas as pd
import streamlit as st

from dashboard import services

_COUNTY_KPI = re.compile(r"^county_share_(\d{2})$")
#: Per-kommun shares (290 of them) are drawn on the map, not listed in KPI tables.
_KOMMUN_KPI = re.compile(r"^kommun_share_(\d{4})$")


def fmt(name: str, value: float | None) -> str:
    """A KPI value as people read it: Swedish numbers with the KPI's unit, shares as per
    cent, yes/no for flags (``95,0 %``, ``60 960 SEK``, ``2 679 310 residents``)."""
    return services.format_kpi(name, value)


def card_value(name: str, value: float | None) -> str:
    """A KPI value for a card: :func:`fmt` without the unit when the card's label already names
    it ("Patients served: 19 071", not "19 071 patients", which a quarter-width card cuts off)."""
    text = fmt(name, value)
    unit = services.kpi_info(name).unit
    if unit and unit not in ("%", "SEK") and unit.lower() in label(name).lower().split():
        return text.removesuffix(f" {unit}")
    return text


def percent(value: float | None) -> str:
    """A share as per cent, the Swedish way (``95,0 %``)."""
    return services.format_share(value)


def label(name: str) -> str:
    """A KPI for people: ``served_share`` -> ``Served share``; counties and kommuner by name."""
    if match := _COUNTY_KPI.match(name):
        return f"Served share {services.county_names().get(match.group(1), match.group(1))}"
    if match := _KOMMUN_KPI.match(name):
        return f"Served share {services.kommun_names().get(match.group(1), match.group(1))}"
    return services.kpi_info(name).label


def visible_kpis(kpis: dict[str, float | None], access: services.Access) -> dict[str, float | None]:
    """KPIs the user may see (:meth:`services.Access.kpis`) as tables list them: per-kommun
    shares are left to the map."""
    return {k: v for k, v in access.kpis(kpis).items() if not _KOMMUN_KPI.match(k)}


def county_shares(
    kpis: dict[str, float | None], access: services.Access
) -> dict[str, float | None]:
    """Served share by county code (the ``county_share_NN`` KPIs) of the counties allowed."""
    return {
        m.group(1): value
        for name, value in kpis.items()
        if (m := _COUNTY_KPI.match(name)) and access.allows(m.group(1))
    }


def kommun_shares(
    kpis: dict[str, float | None], access: services.Access
) -> dict[str, float | None]:
    """Served share by kommun code (the ``kommun_share_NNNN`` KPIs) in the counties allowed."""
    return {
        m.group(1): value
        for name, value in kpis.items()
        if (m := _KOMMUN_KPI.match(name)) and access.allows(m.group(1)[:2])
    }


#: The columns of :func:`kpi_table` people see (the stored name and number stay for lookups).
KPI_COLUMNS = ("KPI", "value", "what it means")


def kpi_table(kpis: dict[str, float | None]) -> pd.DataFrame:
    """KPIs as a table people read (show it with ``column_order=KPI_COLUMNS``): the stored
    name, its label, the value with its unit, what it means, and the stored number."""
    return pd.DataFrame(
        {
            "kpi": list(kpis),
            "KPI": [label(k) for k in kpis],
            "value": [fmt(k, v) for k, v in kpis.items()],
            "what it means": [services.kpi_info(k).definition for k in kpis],
            "stored": list(kpis.values()),
        }
    )


def cards(
    kpis: dict[str, float | None],
    names: Sequence[str],
    reference: dict[str, float | None] | None = None,
    columns: int = 4,
) -> None:
    """One ``st.metric`` per name that is stored, with its definition as help and, given the
    reference scenario's KPIs, the change against it (green when the change is good)."""
    names = [n for n in names if n in kpis]
    for start in range(0, len(names), columns):
        cols = st.columns(columns)
        for col, name in zip(cols, names[start : start + columns], strict=False):
            value, delta, colour = kpis[name], None, "off"
            before = None if reference is None else reference.get(name)
            if value is not None and before is not None:
                delta = services.kpi_change(name, value - before) + " vs reference"
                way = services.kpi_better(name)
                colour = "normal" if way == "higher" else "inverse" if way == "lower" else "off"
            col.metric(
                label(name),
                card_value(name, value),
                delta=delta,
                delta_color=colour,  # type: ignore[arg-type]
                help=services.kpi_help(name),
            )


def headline(kpis: dict[str, float | None], chosen: Iterable[str]) -> list[str]:
    """The page's chosen KPI names that the plan stores, in the page's order (never topped up
    with whatever is stored next: a page shows what it chose on purpose)."""
    return [name for name in chosen if name in kpis]


def reference_kpis(planner: str) -> dict[str, float | None] | None:
    """KPIs of the reference scenario's plan of ``planner`` (sidebar "Compare with"), if any."""
    reference = st.session_state.get("reference")
    if not reference or reference == selected_scenario():
        return None
    plan = services.plans(reference).get(planner)
    return None if plan is None else plan.kpis


def plan_status(plan: services.Plan) -> None:
    """How good the plan is, in words, with its run, time and time limit; a warning when the
    plan is far from proven or not usable."""
    quality = plan.quality
    finished = plan.finished_at.strftime("%Y-%m-%d %H:%M") if plan.finished_at else "?"
    solver = services.status_words(plan.solver_status)
    said = solver.lower() in quality.words.lower()  # "Proven optimal." needs no "proven optimal"
    text = (
        f"**Plan quality:** {quality.words} "
        f"(run {plan.run_id}{'' if said else f', solver: {solver}'}, "
        f"{services.run_time_words(plan.seconds or 0, plan.time_limit_s)}, "
        f"finished {finished} UTC)"
    )
    if quality.grade in ("far", "none"):
        st.warning(text, icon=":material/warning:")
    else:
        st.caption(text)


def planner_note(plan: services.Plan) -> None:
    """The planner's note in full, one item per line (notes join items with '; ')."""
    if not plan.message:
        return
    items = [item.strip() for part in plan.message.split(". ") for item in part.split("; ")]
    items = [item for item in items if item]
    with st.expander(f"Notes from the planner ({len(items)})"):
        st.markdown("\n".join(f"- {item}" for item in items))


def selected_scenario() -> str | None:
    """The scenario chosen in the sidebar (set by ``app.py``)."""
    return st.session_state.get("scenario")


def require_scenario() -> tuple[str, int, services.Scenario]:
    """The selected scenario's name, version and parameters; stops the page when none is stored."""
    name = selected_scenario()
    if name is None:
        st.info(
            "No scenario is stored yet — run `planner demo` (or `make run`) to store and solve "
            "the demo scenario."
        )
        st.stop()
    version, scenario = services.scenario(name)
    return name, version, scenario


def access() -> services.Access:
    """This session's county access (stops the page when the user may see no county)."""
    acc = services.current_access()
    if acc.refused:
        st.warning(acc.refused)
        st.stop()
    if acc.counties is not None and not acc.counties:
        st.warning(
            f"Your account ({acc.email or 'unknown'}) has no counties assigned. Ask an "
            "administrator to add it to the [roles] section of the dashboard's secrets."
        )
        st.stop()
    return acc
