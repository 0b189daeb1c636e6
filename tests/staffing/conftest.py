"""Tiny named staffing instances that are easy to understand by reading them."""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Sequence

import pytest

from staffing import Block, Clinician, Problem, ReturnVisit, WorkRules, digital_blocks

MONDAY = dt.date(2026, 11, 2)  # ISO week 45, no Swedish holiday in it


def day(i: int) -> dt.date:
    """Day ``i`` of the horizon (0 = Monday 2 November 2026)."""
    return MONDAY + dt.timedelta(days=i)


def everywhere(
    days: int, blocks: tuple[str, ...] = ("07-12", "12-17", "17-22", "22-07")
) -> frozenset:
    """Availability on every day for the given blocks."""
    return frozenset((day(i), b) for i in range(days) for b in blocks)


def one_week(
    clinicians: list[Clinician],
    *,
    rules: WorkRules | None = None,
    demand: Mapping[tuple[dt.date, str, str], float] | None = None,
    visits: Sequence[ReturnVisit] = (),
    blocks: tuple[Block, ...] | None = None,
) -> Problem:
    """A 7-day problem with the four digital blocks (or ``blocks``)."""
    return Problem(
        MONDAY,
        7,
        blocks or digital_blocks(),
        tuple(clinicians),
        tuple(visits),
        demand or {},
        rules=rules or WorkRules(),
    )


def van(*days: int, site: str = "S1", county: str = "04") -> Block:
    """A mobile unit's block at ``site`` (08-17 with lunch 12-13: 8 h worked), offered on the
    given day indices, open to the clinicians of ``county``."""
    return Block(
        f"mobile:{site}",
        8,
        17,
        breaks=((12, 13),),
        kind="mobile",
        site_id=site,
        county_code=county,
        days=frozenset(day(i) for i in days),
    )


@pytest.fixture
def desk_or_van() -> Problem:
    """One doctor (20 h/week) free on Monday for the two digital day blocks or a mobile unit's
    site-day (they overlap, so not both); 5 h of demand in each digital block and the unit's
    8 h. The desk covers 10 h (the seam break is paid), the van 8 h: cover alone prefers the
    desk and leaves the placed unit without its doctor."""
    ann = Clinician(
        "ANN",
        "doctor",
        20.0,
        frozenset({(day(0), "07-12"), (day(0), "12-17"), (day(0), "mobile:S1")}),
        home_county="04",
    )
    demand = {
        (day(0), "07-12", "doctor"): 5.0,
        (day(0), "12-17", "doctor"): 5.0,
        (day(0), "mobile:S1", "doctor"): 8.0,
    }
    return one_week([ann], demand=demand, blocks=(*digital_blocks(), van(0)))


@pytest.fixture
def lone_doctor() -> Problem:
    """One doctor (10 h/week contract, prefers mornings) who can work any block all week; no demand."""
    ann = Clinician("ANN", "doctor", 10.0, everywhere(7), preferred_blocks=frozenset({"07-12"}))
    return one_week([ann])


@pytest.fixture
def two_doctors_one_visit() -> Problem:
    """Two doctors (10 h/week) free on Monday and Tuesday mornings; one 5-h morning to cover each
    day; BEA owes a return visit on Monday. Cover-first takes ANN (lower id) on Monday and BEA
    (fewer hours so far) on Tuesday, so the visit goes to ANN; continuity-first swaps them."""
    ann = Clinician("ANN", "doctor", 10.0, everywhere(2, ("07-12",)))
    bea = Clinician("BEA", "doctor", 10.0, everywhere(2, ("07-12",)))
    visit = ReturnVisit("V1", "P1", "doctor", "BEA", day(0), day(0), ((day(-20), "BEA"),))
    demand = {(day(0), "07-12", "doctor"): 5.0, (day(1), "07-12", "doctor"): 5.0}
    return Problem(MONDAY, 2, digital_blocks(), (ann, bea), (visit,), demand)


@pytest.fixture
def small_clinic() -> Problem:
    """Four doctors and a psychologist over two weeks, demand on day blocks, 12 return visits:
    big enough for every stage to matter, small enough to solve to optimality in a second."""
    people = [
        Clinician(
            "D1",
            "doctor",
            16.0,
            frozenset(
                (day(i), b) for i in range(14) if i % 2 == 0 for b in ("07-12", "12-17", "17-22")
            ),
        ),
        Clinician(
            "D2",
            "doctor",
            12.0,
            frozenset(
                (day(i), b) for i in range(14) if i % 3 != 1 for b in ("07-12", "12-17", "22-07")
            ),
            preferred_blocks=frozenset({"22-07"}),
        ),
        Clinician("D3", "doctor", 20.0, everywhere(14, ("07-12", "12-17", "17-22"))),
        Clinician(
            "D4",
            "doctor",
            8.0,
            frozenset((day(i), b) for i in (1, 4, 8, 11) for b in ("07-12", "12-17")),
        ),
        Clinician(
            "S1",
            "psychologist",
            10.0,
            frozenset((day(i), b) for i in range(14) if i % 7 < 5 for b in ("07-12", "12-17")),
        ),
    ]
    demand = {}
    for i in range(14):
        weekend = i % 7 >= 5
        demand[(day(i), "07-12", "doctor")] = 5.0 if weekend else 7.0
        demand[(day(i), "12-17", "doctor")] = 5.0
        demand[(day(i), "22-07", "doctor")] = 4.0
        if not weekend:
            demand[(day(i), "07-12", "psychologist")] = 2.0
    visits = []
    owners = ["D1", "D2", "D3", "D4", "S1", "D4", "D1", "D2", "D4", "S1", "D3", "D4"]
    for k, owner in enumerate(owners):
        start = k % 10
        prof = "psychologist" if owner == "S1" else "doctor"
        visits.append(
            ReturnVisit(
                f"V{k}",
                f"P{k}",
                prof,
                owner,
                day(start),
                day(min(13, start + 1 + k % 3)),
                ((day(-30), owner), (day(-10), owner)),
            )
        )
    return Problem(
        MONDAY,
        14,
        digital_blocks(followup_capacity=2, night_followups=1),
        tuple(people),
        tuple(visits),
        demand,
    )
