"""The real dashboard in headless Chromium: every page loads without an exception box, with its
map canvas and tables, and a screenshot of each is saved to test-artifacts/."""

from __future__ import annotations

import os
import time

import pytest

from tests.dashboard import browser


@pytest.fixture(scope="module")
def driver():
    reason = browser.missing_browser()
    if reason:
        if os.environ.get("CI"):
            pytest.fail(f"browser test cannot run in CI: {reason}")
        pytest.skip(reason)
    with browser.chromium() as drv:
        yield drv


def test_every_page_in_chromium(driver, solved_db: str, artifacts_dir, tmp_path) -> None:
    """Each page at its URL path: no stException, no "Page not found" dialog, its title, map
    canvas/tables where expected; a screenshot of each is saved."""
    # Overview: a KPI table per plan (placement, staffing, continuity, routing) and the runs;
    # mobile clinics:
    # week, schedule, county shares; staffing: continuity measures, shifts, return visits, miss
    # reasons, misses by profession, county and clinician (three tabs), the missed visits, the
    # continuity run's roster comparison, request counts, levers, requests and roster changes,
    # KPIs; spirometers: baselines, cost by mode, per referral, routes, stops, modes, KPIs;
    # scenarios: the stored list.
    expected_tables = {
        "overview": 5,
        "mobile-clinics": 3,
        "staffing": 14,
        "spirometers": 7,
        "scenarios": 1,
    }
    with browser.dashboard_server(solved_db, var_dir=str(tmp_path / "var")) as base:
        for name, (path, _, needs_map) in browser.PAGES.items():
            seconds = browser.open_page(driver, base, name, timeout=60)
            time.sleep(0.5)  # tables draw on a canvas after the script ends
            shot = browser.screenshot(driver, artifacts_dir / f"dashboard-{name}.png")
            assert shot.stat().st_size > 10_000
            assert browser.exceptions(driver) == [], name
            assert browser.dialogs(driver) == [], name
            assert browser.current_path(driver) == path, name
            if needs_map:
                assert browser.count(driver, "stDeckGlJsonChart", "canvas") == 1, name
            tables = browser.count(driver, "stDataFrame")
            assert tables == expected_tables[name], (name, tables)
            print(f"{name}: {seconds:.2f} s, {tables} tables")

        # A bookmark of /overview lands on the overview at "/" without a "Page not found" dialog.
        browser.open_page(driver, base, "overview", url_path="overview", timeout=60)
        time.sleep(0.5)
        assert browser.dialogs(driver) == []
        assert browser.current_path(driver) == ""
