"""Who may see what: sign-in (``[auth]``) and the counties each user may see (``[roles]``).

Without an ``[auth]`` section in Streamlit secrets the app is the embedded single-user tool
(``planner dashboard`` listens on localhost only) and everyone sees all counties. With
``[auth]`` every page requires ``st.login`` (OIDC), and the ``[roles]`` section maps a user's
email to the county codes they may see (``"*"`` = all of Sweden)::

    [roles]
    "ops.manager@example.se" = ["*"]          # operations manager: every county
    "planner.sormland@example.se" = ["04"]    # regional planner, Region Sörmland
    "scheduler@example.se" = ["04", "05"]

A logged-in user who is not listed sees no county (and is told so). Emails compare
case-insensitively. Result rows of a clinician (shifts, return visits, availability requests)
belong to the clinician's home county: :meth:`Access.visible` keeps the rows a user may see.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import pandas as pd
import streamlit as st

#: The ``[roles]`` value that grants every county.
ALL_COUNTIES = "*"


def _secrets_section(name: str) -> dict[str, Any]:
    """A section of Streamlit secrets as a dict; empty when there are no secrets or no section."""
    try:
        if not st.secrets.load_if_toml_exists():
            return {}
        section = st.secrets.get(name)
    except Exception:
        return {}
    return dict(section) if section is not None else {}


def auth_enabled() -> bool:
    """True when an ``[auth]`` section is configured in Streamlit secrets."""
    return bool(_secrets_section("auth"))


@dataclass(frozen=True)
class Access:
    """Who is looking and which counties they may see (None = all)."""

    email: str | None
    counties: frozenset[str] | None

    def allows(self, county_code: str) -> bool:
        """Whether rows of this county may be shown."""
        return self.counties is None or county_code in self.counties

    @property
    def everything(self) -> bool:
        """No county restriction."""
        return self.counties is None

    def visible(self, frame: pd.DataFrame, column: str) -> pd.DataFrame:
        """The rows of ``frame`` whose county code (in ``column``) this user may see. A row
        without a county only for a user who sees every county."""
        if self.counties is None:
            return frame
        return frame[frame[column].isin(self.counties)]


def access_for(email: str | None, roles: dict[str, Any]) -> Access:
    """Counties ``email`` may see under the ``[roles]`` mapping (see the module docstring)."""
    if not email:
        return Access(None, frozenset())
    wanted = email.strip().lower()
    for key, value in roles.items():
        if str(key).strip().lower() != wanted:
            continue
        codes = [value] if isinstance(value, str) else list(value)
        if ALL_COUNTIES in codes:
            return Access(email, None)
        return Access(email, frozenset(str(c).zfill(2) for c in codes))
    return Access(email, frozenset())


def current_access() -> Access:
    """Access of this session: everything without auth; the role's counties with it."""
    if not auth_enabled():
        return Access(None, None)
    email = st.user.get("email") if st.user.get("is_logged_in") else None
    return access_for(email if isinstance(email, str) else None, _secrets_section("roles"))
