"""A stored roster as the exports need it: who the clinicians are, the plan's earlier rosters.

The store keeps shifts, not the clinician pool: the staffing planner builds its pool with
:func:`planner.demo_data.clinician_pool` from the scenario's seed, start week and horizon, so
the same call gives the same people (home county, weekly contract hours) for the exports.

Re-plans and calendars: "the previous export" of a clinician's calendar is not kept anywhere.
Every finished staffing run of the scenario (any version, by run id, up to the exported one)
is a roster that may have been exported; :func:`earlier_rosters` hands them to
:func:`staffing.export.revise`, which gives each event the id of the run in which it last
changed as ``SEQUENCE`` and cancels shifts that an earlier run had and the exported one has
not. Exporting the same run twice gives the same calendars, and a clinician who skipped
exports still gets every cancellation. (Before this, ``SEQUENCE`` was the exported run's id:
an event's number never exceeds that, so calendars imported from older exports update too.)
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Mapping
from dataclasses import dataclass

from sqlalchemy.engine import Engine
from sqlmodel import col, select

from planner.demo_data import clinician_pool
from planner.orchestration.staffing import break_hours
from planner.scenario import Scenario, scenario_from_dict
from planner.storage import run_rows
from planner.storage.database import session
from planner.storage.models import Run, ScenarioRecord, Shift
from planner.weeks import week_monday
from staffing.export import Roster, RosterPerson

#: Finished staffing runs read as earlier rosters at most (the oldest beyond are left out;
#: their shifts were cancelled or re-planned in the newer runs' exports already).
MAX_EARLIER_ROSTERS = 50


@dataclass(frozen=True)
class RosterContext:
    """What the exports add to a run's shifts: the pool, the horizon and the blocks' breaks."""

    people: list[RosterPerson]
    days: list[dt.date]
    breaks: dict[str, float]
    county_codes: dict[str, str]  # clinician id -> home county code (for filters)


def roster_context(
    scenario: Scenario, block_names: Iterable[str], counties: Mapping[str, str]
) -> RosterContext:
    """The scenario's clinician pool (home county by name via ``counties``, weekly contract
    hours), its staffing horizon and the unpaid breaks of the blocks in ``block_names``."""
    s = scenario.staffing
    start = week_monday(scenario.scenario.start_week)
    pool = clinician_pool(s.clinicians, start, s.horizon_days, scenario.scenario.seed)
    people = [
        RosterPerson(
            c.clinician_id,
            c.profession,
            counties.get(c.home_county, c.home_county),
            c.contract_hours,
        )
        for c in pool
    ]
    days = [start + dt.timedelta(days=i) for i in range(s.horizon_days)]
    homes = {c.clinician_id: c.home_county for c in pool}
    return RosterContext(people, days, break_hours(block_names), homes)


def run_scenario(engine: Engine, run: Run) -> tuple[ScenarioRecord, Scenario]:
    """The stored scenario version a run solved."""
    with session(engine) as db:
        record = db.get(ScenarioRecord, run.scenario_id)
    assert record is not None  # a run's scenario is a foreign key
    return record, scenario_from_dict(
        record.params, source=f"stored scenario {record.name} v{record.version}"
    )


def as_roster(run: Run, shifts: list[Shift]) -> Roster:
    """A stored staffing run's shifts as a roster: run id and finish time."""
    assert run.id is not None  # a stored run has its id
    stamp = run.finished_at or run.started_at
    return Roster(run.id, stamp if stamp.tzinfo else stamp.replace(tzinfo=dt.UTC), shifts)


def earlier_rosters(engine: Engine, run: Run, clinician_id: str | None = None) -> list[Roster]:
    """The finished staffing runs of ``run``'s scenario (any version) before it, oldest first,
    as rosters (only ``clinician_id``'s shifts when given); at most
    :data:`MAX_EARLIER_ROSTERS`, the newest."""
    record, _ = run_scenario(engine, run)
    with session(engine) as db:
        runs = db.exec(
            select(Run)
            .join(ScenarioRecord, col(Run.scenario_id) == ScenarioRecord.id)
            .where(
                ScenarioRecord.name == record.name,
                Run.planner == "staffing",
                Run.status == "finished",
                col(Run.id) < run.id,
            )
            .order_by(col(Run.id).desc())
            .limit(MAX_EARLIER_ROSTERS)
        ).all()
        if clinician_id is not None:
            ids = [r.id for r in runs]
            rows = db.exec(
                select(Shift).where(col(Shift.run_id).in_(ids), Shift.clinician_id == clinician_id)
            ).all()
    out = []
    for r in reversed(runs):
        shifts = (
            [s for s in rows if s.run_id == r.id]
            if clinician_id is not None
            else run_rows(engine, r.id or 0, Shift)
        )
        out.append(as_roster(r, shifts))
    return out
