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


class RunNotFoundError(PlannerError, LookupError):
    """No stored run has the requested id."""


class DatabaseError(PlannerError):
    """The database cannot be opened or written (unreachable server, read-only file, bad URL);
    the message names the database without its password."""


class ScenarioConflictError(PlannerError):
    """Another process stored the same scenario name at the same moment, again and again."""


class OutputPathError(PlannerError):
    """An ``--out`` path cannot be written: a folder where a file is expected, or no such
    folder."""


class Terminated(SystemExit):
    """SIGTERM ended a run (exit code 143); the run is stored as failed, "stopped by SIGTERM".

    A ``SystemExit``, so that a process that does not catch it ends quietly with that code.
    """

    def __init__(self) -> None:
        super().__init__(143)


class SweepError(PlannerError):
    """A sweep cannot start: a bad ``--vary`` or variants file (unknown key, wrong type, empty
    grid), or a database the chosen cluster cannot share."""


class ClusterError(PlannerError):
    """The Dask scheduler given with ``--scheduler`` does not answer."""
