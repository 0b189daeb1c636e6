"""The placement library's own errors: bad input, and plans that no placement can satisfy.

They derive from :class:`PlacementError` only (the library imports nothing from the app); the
app's adapter (:mod:`planner.orchestration.placement`) and the bench commands report them as
the app's ``PlannerError`` with the same message.
"""

from __future__ import annotations


class PlacementError(Exception):
    """Base class: something the user can fix, described in one readable message."""


class PlacementInputError(PlacementError, ValueError):
    """A placement problem's data is inconsistent; the message says what and where."""


class PlacementInfeasibleError(PlacementError):
    """No plan satisfies the named constraints; the message says which and by how much."""


class OrLibraryFormatError(PlacementError, ValueError):
    """An OR-Library file does not follow the format; the message names the file and line."""
