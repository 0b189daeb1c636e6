"""Errors about the Swedish geography data."""

from __future__ import annotations

from planner.errors import PlannerError


class GeoError(PlannerError):
    """Base class for errors about the Swedish geography data."""


class GeoDataMissingError(GeoError, FileNotFoundError):
    """The built geography files are not there."""


class UnknownPlaceError(GeoError, LookupError):
    """A place name or kommun code that matches nothing."""

    def __str__(self) -> str:  # LookupError would quote the message like a dict key
        return str(self.args[0]) if self.args else ""
