"""Named errors the planner raises for bad input; the CLI prints them without a traceback."""

from __future__ import annotations


class PlannerError(Exception):
    """Base class: something the user can fix, described in one readable message."""


class ScenarioError(PlannerError, ValueError):
    """A scenario file or stored scenario is invalid; the message names the file and key."""


class ScenarioNotFoundError(PlannerError, LookupError):
    """No stored scenario has the requested name (or version)."""


class PlannerUnavailableError(PlannerError):
    """The requested planner is not part of this build yet."""


class RunFailedError(PlannerError):
    """A planner run failed; the run is stored with status 'failed' and this message."""
