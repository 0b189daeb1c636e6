"""Who may see and do what: sign-in (``[auth]``), counties (``[roles]``) and rights
(``[permissions]``) in Streamlit secrets.

Without an ``[auth]`` section the app is the embedded single-user tool (``planner dashboard``
listens on localhost only): everyone sees all counties and may store and solve scenarios. With
``[auth]`` every page requires ``st.login`` (OIDC), and

* ``[roles]`` maps a user's email to the county codes they may see (``"*"`` = all of Sweden);
* ``[permissions]`` maps a user's email to what they may do besides reading: ``"create"``
  (store a scenario from the Scenarios page) and ``"solve"`` (start solves there). A user
  not listed only reads. Unknown words grant nothing;
* ``[access]`` holds switches: ``accept_missing_email_verified = true`` lets users in whose
  identity provider sends no ``email_verified`` claim (Microsoft Entra ID does not). Off by
  default::

    [roles]
    "ops.manager@example.se" = ["*"]          # operations manager: every county
    "planner.sormland@example.se" = ["04"]    # regional planner, Region Sörmland
    "scheduler@example.se" = ["04", "05"]

    [permissions]
    "ops.manager@example.se" = ["create", "solve"]
    "planner.sormland@example.se" = ["create", "solve"]

A signed-in user who is not listed in ``[roles]`` sees no county (and is told so), and so does a
user whose provider says ``email_verified = false`` (or sends no such claim, unless the switch
above is on): an unverified address could be anyone's. Emails compare case-insensitively.

What a county-limited user sees: every result row is filtered by
:func:`dashboard.services.store.rows` (each table's county is named there), KPIs named by
county or kommun (``county_share_NN``, ``kommun_share_NNNN``) and ``min_county_share`` only of
their counties, plan-wide totals as stored, and no planner notes (free text that names places
anywhere). What a county-limited user may create or solve (:func:`authorize`): a scenario whose
``placement.counties`` is non-empty and within theirs, whose ``placement.fixed_clinics`` and
``routing.hubs`` lie in their counties, and that reads no ``routing.referrals_csv`` (a file on
the server is the operator's). The checks run in the service functions
(:func:`~dashboard.services.store.copy_scenario`, :func:`~dashboard.services.jobs.start_solve`),
not only in the page. The ``planner`` CLI is the operator's tool with direct database access: it
knows no roles.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import pandas as pd
import streamlit as st

from planner import geo
from planner.errors import PlannerError
from planner.scenario import Scenario

#: The ``[roles]`` value that grants every county.
ALL_COUNTIES = "*"
#: What a ``[permissions]`` entry may grant.
PERMISSIONS = frozenset({"create", "solve"})
#: KPIs that belong to one county: ``county_share_NN`` and ``kommun_share_NNNN`` (county NN).
_COUNTY_KPI = re.compile(r"^(?:county_share_(\d{2})|kommun_share_(\d{2})\d{2})$")
#: KPIs that hold one (unnamed) county's value: only for users who see every county.
_ANY_COUNTY_KPIS = frozenset({"min_county_share"})


class AccessError(PlannerError, PermissionError):
    """The signed-in user may not do this (the message says why and what to ask for)."""


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
    """Who is looking, which counties they may see (None = all) and what they may do besides
    reading (None = everything: the embedded tool). ``refused`` says why a signed-in user gets
    no data at all (then ``counties`` is empty)."""

    email: str | None
    counties: frozenset[str] | None
    permissions: frozenset[str] | None = frozenset()
    refused: str | None = None

    def allows(self, county_code: str) -> bool:
        """Whether rows of this county may be shown."""
        return self.counties is None or county_code in self.counties

    @property
    def everything(self) -> bool:
        """No county restriction."""
        return self.counties is None

    def may(self, permission: str) -> bool:
        """Whether this user holds ``permission`` (``create`` or ``solve``)."""
        return self.permissions is None or permission in self.permissions

    def visible(self, frame: pd.DataFrame, column: str) -> pd.DataFrame:
        """The rows of ``frame`` whose county code (in ``column``) this user may see. A row
        without a county only for a user who sees every county."""
        if self.counties is None:
            return frame
        return frame[frame[column].isin(self.counties)]

    def kpis(self, kpis: Mapping[str, float | None]) -> dict[str, float | None]:
        """The KPIs this user may see: county- and kommun-named ones of their counties only,
        no single-county extremes unless they see every county."""
        if self.counties is None:
            return dict(kpis)
        out = {}
        for name, value in kpis.items():
            match = _COUNTY_KPI.match(name)
            county = match and (match.group(1) or match.group(2))
            if name in _ANY_COUNTY_KPIS or (county and county not in self.counties):
                continue
            out[name] = value
        return out


def _entry(email: str, mapping: Mapping[str, Any]) -> list[Any] | None:
    """The list ``mapping`` gives ``email`` (case-insensitive, a single string as a list)."""
    wanted = email.strip().lower()
    for key, value in mapping.items():
        if str(key).strip().lower() == wanted:
            return [value] if isinstance(value, (str, int)) else list(value)
    return None


def access_for(
    email: str | None, roles: Mapping[str, Any], permissions: Mapping[str, Any] | None = None
) -> Access:
    """Counties and rights of ``email`` under ``[roles]`` and ``[permissions]`` (module docstring)."""
    if not email:
        return Access(None, frozenset())
    granted = frozenset(str(p) for p in _entry(email, permissions or {}) or []) & PERMISSIONS
    codes = _entry(email, roles)
    if codes is None:
        return Access(email, frozenset(), granted)
    if ALL_COUNTIES in codes:
        return Access(email, None, granted)
    return Access(email, frozenset(str(c).zfill(2) for c in codes), granted)


def email_verified(claims: Mapping[str, Any], accept_missing: bool) -> bool:
    """Whether the provider vouches for the address: ``email_verified`` true (some providers
    send the text "true"); a missing claim only with ``accept_missing``."""
    value = claims.get("email_verified")
    if value is None:
        return accept_missing
    if isinstance(value, str):
        return value.strip().lower() == "true"
    return value is True


def current_access() -> Access:
    """Access of this session: everything without auth; the role's counties and rights with it."""
    if not auth_enabled():
        return Access(None, None, None)
    if not st.user.get("is_logged_in"):
        return Access(None, frozenset())
    email = st.user.get("email")
    email = email if isinstance(email, str) else None
    switches = _secrets_section("access")
    if not email_verified(st.user, bool(switches.get("accept_missing_email_verified", False))):
        return Access(
            email,
            frozenset(),
            frozenset(),
            refused=f"Your sign-in ({email or 'no email'}) does not come with a verified email "
            "address (the identity provider's email_verified claim), so no data is shown. "
            "Verify the address with your organisation's account service and sign in again.",
        )
    return access_for(email, _secrets_section("roles"), _secrets_section("permissions"))


def _county_of_place(key: str, name: str) -> str:
    """The county code of a place a scenario names under ``key`` (hub, fixed clinic)."""
    try:
        return str(geo.find_place(name).county_code)
    except geo.GeoError as exc:
        raise AccessError(f"{key}: {exc}") from None


def within_counties(scenario: Scenario, access: Access) -> dict[str, dict[str, Any]]:
    """The section keys that bring ``scenario`` within a county-limited user's counties, as a
    form's starting values: its counties among theirs (all of theirs when none is), its hubs
    and fixed clinics in them. Nothing for a user who sees every county."""
    if access.counties is None:
        return {}
    mine = access.counties
    counties = sorted(set(scenario.placement.counties) & mine) or sorted(mine)

    def inside(key: str, names: list[str]) -> list[str]:
        found = []
        for name in names:
            try:
                if _county_of_place(key, name) in mine:
                    found.append(name)
            except AccessError:
                continue
        return found

    return {
        "placement": {
            "counties": counties,
            "fixed_clinics": inside("placement.fixed_clinics", scenario.placement.fixed_clinics),
        },
        "routing": {"hubs": inside("routing.hubs", scenario.routing.hubs)},
    }


def authorize(access: Access, action: str, scenario: Scenario) -> None:
    """Raise :class:`AccessError` unless ``access`` may ``action`` (``create`` or ``solve``)
    ``scenario``: the right itself, and for a county-limited user a scenario of their
    counties (module docstring)."""
    verb = {"create": "store", "solve": "solve"}[action]
    who = access.email or "this account"
    if not access.may(action):
        raise AccessError(
            f"{who} may not {verb} scenarios: ask an administrator to add {action!r} for it to "
            "the [permissions] section of the dashboard's secrets."
        )
    if access.counties is None:
        return
    mine = ", ".join(sorted(access.counties)) or "none"
    counties = scenario.placement.counties
    if not counties or not set(counties) <= access.counties:
        raise AccessError(
            f"{who} may {verb} only scenarios of its counties ({mine}): placement.counties is "
            f"{', '.join(counties) if counties else 'empty (all of Sweden)'}"
        )
    for key, places in (
        ("placement.fixed_clinics", scenario.placement.fixed_clinics),
        ("routing.hubs", scenario.routing.hubs),
    ):
        outside = [p for p in places if _county_of_place(key, p) not in access.counties]
        if outside:
            raise AccessError(
                f"{who} may {verb} only scenarios of its counties ({mine}): {key} names "
                f"{', '.join(outside)}, outside them"
            )
    if scenario.routing.referrals_csv is not None:
        raise AccessError(
            f"{who} may not {verb} a scenario that reads routing.referrals_csv (a file on the "
            "server): the operator stores those with the planner CLI"
        )
