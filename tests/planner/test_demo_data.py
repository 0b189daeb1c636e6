"""Seeded demo generators: deterministic, and drawn from the documented facts."""

from __future__ import annotations

import datetime as dt
from collections import Counter

import pytest

from planner.demo_data import (
    PROFESSION_MIX,
    DemoSize,
    clinician_pool,
    return_visits,
)

START = dt.date(2026, 11, 2)  # a Monday, ISO week 45


@pytest.fixture(scope="module")
def demo_pool():  # type: ignore[no-untyped-def]
    """The demo-sized pool: 300 clinicians over 28 days, large enough for shares to settle."""
    return clinician_pool(DemoSize.DEMO.clinicians, START, DemoSize.DEMO.days, seed=42)


def test_same_seed_same_data_other_seed_differs(demo_pool) -> None:  # type: ignore[no-untyped-def]
    """A seed fixes every draw; another seed gives another pool."""
    assert clinician_pool(300, START, 28, seed=42) == demo_pool
    assert clinician_pool(300, START, 28, seed=43) != demo_pool
    a = return_visits(demo_pool, 100, START, 28, seed=1)
    assert a == return_visits(demo_pool, 100, START, 28, seed=1)
    assert a != return_visits(demo_pool, 100, START, 28, seed=2)


def test_pool_follows_the_documented_mix(demo_pool) -> None:  # type: ignore[no-untyped-def]
    """Doctors dominate as in SKR's contact shares; availability is 30-60 % of days."""
    mix = Counter(c.profession for c in demo_pool)
    for profession, share in PROFESSION_MIX.items():
        assert abs(mix[profession] / len(demo_pool) - share) < 0.06
    shares = [len(c.available_days) / 28 for c in demo_pool]
    assert 0.30 <= sum(shares) / len(shares) <= 0.60
    assert all(8 <= c.contract_hours <= 32 for c in demo_pool)
    assert all(c.languages[0] == "sv" for c in demo_pool)
    assert len({c.clinician_id for c in demo_pool}) == 300
    counties = Counter(c.home_county for c in demo_pool)
    assert counties["01"] > counties["25"]  # Stockholm outnumbers Norrbotten


def test_return_visits_are_well_formed(demo_pool) -> None:  # type: ignore[no-untyped-def]
    """Windows of 2-10 days inside the horizon; index visit before it; history ends there."""
    visits = return_visits(demo_pool, 4000, START, 28, seed=42)
    by_id = {c.clinician_id: c for c in demo_pool}
    end = START + dt.timedelta(days=27)
    for v in visits:
        assert START <= v.window_start <= v.window_end <= end
        assert (v.window_end - v.window_start).days + 1 <= 10
        assert v.index_date < START
        assert v.history[-1] == (v.index_date, v.index_clinician_id)
        assert by_id[v.index_clinician_id].profession == v.profession
    lengths = Counter((v.window_end - v.window_start).days + 1 for v in visits)
    assert lengths[2] > 0 and max(lengths) == 10
    earlier = [(v.index_clinician_id, who) for v in visits for _, who in v.history[:-1]]
    same = sum(a == b for a, b in earlier) / len(earlier)
    assert 0.93 <= same <= 0.99  # the provider's historical 96 %


def test_bad_sizes_are_rejected() -> None:
    """Negative sizes and visits without clinicians are errors, not empty data."""
    with pytest.raises(ValueError, match="n >= 0"):
        clinician_pool(-1, START, 28, seed=0)
    with pytest.raises(ValueError, match="at least one clinician"):
        return_visits([], 5, START, 28, seed=0)
