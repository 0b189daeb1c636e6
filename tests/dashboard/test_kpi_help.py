"""Every KPI a plan stores has a definition and a unit to show (no raw 'name = value' help)."""

from __future__ import annotations

from planner.kpis import describe


def test_every_stored_kpi_is_defined(stored_runs) -> None:
    """All KPIs of all four planners on tiny have a definition from the catalogue."""
    undefined = sorted(
        name for _, kpis in stored_runs.values() for name in kpis if not describe(name).definition
    )
    assert undefined == []
