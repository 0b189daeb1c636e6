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

_SHARE_WORDS = ("share", "rate", "cover", "bound", "utilisation", "utilization", "target")
#: KPIs whose names hold a share word but that are not shares: a cost of requests.
_NOT_SHARES = frozenset({"requests_lower_bound"})
#: KPIs that store yes (1) or no (0).
_FLAGS = frozenset({"target_reached"})
_COUNTY_KPI = re.compile(r"^county_share_(\d{2})$")
#: Per-kommun shares (290 of them) are drawn on the map, not listed in KPI tables.
_KOMMUN_KPI = re.compile(r"^kommun_share_(\d{4})$")


def is_share(name: str, value: float | None) -> bool:
    """KPIs shown as percentages: share-like names with a value in [0, 1]."""
    if value is None or name in _NOT_SHARES or name in _FLAGS:
        return False
    return any(w in name for w in _SHARE_WORDS) and 0.0 <= value <= 1.0


def fmt(name: str, value: float | None) -> str:
    """A KPI value as text: percentages for shares, yes/no for flags, thousands separators,
    3 significant digits."""
    if value is None:
        return "n/a"
    if name in _FLAGS:
        return "yes" if value else "no"
    if is_share(name, value):
        return f"{100 * value:.1f} %"
    if float(value).is_integer():
        return f"{int(value):,}".replace(",", " ")
    if abs(value) >= 100:
        return f"{value:,.0f}".replace(",", " ")
    return f"{value:.3g}"


def label(name: str) -> str:
    """A KPI name for people: ``served_share`` -> ``Served share``."""
    match = _COUNTY_KPI.match(name)
    if match:
        county = services.county_names().get(match.group(1), match.group(1))
        return f"Served share {county}"
    return name.replace("_", " ").capitalize()


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


def kpi_table(kpis: dict[str, float | None]) -> pd.DataFrame:
    """KPIs as a table: name, value (as stored), shown (formatted)."""
    return pd.DataFrame(
        {
            "kpi": list(kpis),
            "value": list(kpis.values()),
            "shown": [fmt(k, v) for k, v in kpis.items()],
        }
    )


def cards(kpis: dict[str, float | None], names: Sequence[str], columns: int = 4) -> None:
    """One ``st.metric`` per name (the stored value, formatted), in rows of ``columns``."""
    names = [n for n in names if n in kpis]
    for start in range(0, len(names), columns):
        cols = st.columns(columns)
        for col, name in zip(cols, names[start : start + columns], strict=False):
            col.metric(label(name), fmt(name, kpis[name]), help=f"{name} = {kpis[name]!r}")


def headline(kpis: dict[str, float | None], preferred: Iterable[str], n: int = 4) -> list[str]:
    """The preferred KPI names that are stored, topped up with other stored ones to ``n``."""
    chosen = [p for p in preferred if p in kpis]
    for name in kpis:
        if len(chosen) >= n:
            break
        if name not in chosen and not _COUNTY_KPI.match(name) and not _KOMMUN_KPI.match(name):
            chosen.append(name)
    return chosen[:n]


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
