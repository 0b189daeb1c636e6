"""The demand the mobile units were asked to serve, per locality and week, for the map.

Read from the demand model (:func:`planner.orchestration.placement.locality_demand`, the same
numbers the placement planner solved against), never re-optimised; cached per scenario
version, and limited to the signed-in user's counties like every stored row
(:func:`dashboard.services.rows`).
"""

from __future__ import annotations

import pandas as pd
import streamlit as st

from dashboard.services.access import current_access
from dashboard.services.store import _engine, db_url
from planner.orchestration.placement import locality_demand
from planner.storage import get_scenario


def unit_demand(name: str, version: int) -> pd.DataFrame:
    """Expected patients per locality and week left to the units (``locality_id``, ``name``,
    ``county_code``, ``kommun_code``, ``lon``, ``lat``, ``week``, ``patients``) of the
    scenario's version, in the counties the user may see."""
    frame = _unit_demand(db_url(), name, version)
    acc = current_access()
    if acc.everything:
        return frame
    return frame[frame["county_code"].isin(acc.counties or ())].reset_index(drop=True)


@st.cache_data(show_spinner="Reading the demand model…", max_entries=16)
def _unit_demand(url: str, name: str, version: int) -> pd.DataFrame:
    _, scenario = get_scenario(_engine(url), name, version)
    return locality_demand(scenario)
