"""Plan quality in words (planner.quality)."""

from __future__ import annotations

import pytest

from planner.quality import plan_quality, relative_gap, status_key, status_words


@pytest.mark.parametrize(
    ("status", "objective", "bound", "grade", "words"),
    [
        ("OPTIMAL", 100.0, 100.0, "optimal", "Proven optimal."),
        ("FEASIBLE", 48.0, 48.0, "optimal", "Meets its proven bound"),
        ("FEASIBLE", 1000.0, 1018.0, "fair", "Within 1,8 % of the best possible"),
        ("FEASIBLE", 1000.0, 1004.0, "near", "Within 0,4 % of the best possible"),
        ("FEASIBLE", 1000.0, 70900.0, "far", "may be up to 6 990 % better; solve longer"),
        ("feasible", 173394.9, None, "unproven", "No proven bound"),
        ("BASELINE", 50.0, 60.0, "far", "Baseline plan: the solver found nothing better"),
        ("INFEASIBLE", None, None, "none", "No usable plan"),
    ],
)
def test_grades_and_words(
    status: str, objective: float | None, bound: float | None, grade: str, words: str
) -> None:
    """The demo's 1.8 % and a 7,000 % gap no longer read the same ('FEASIBLE' both)."""
    quality = plan_quality(status, objective, bound, time_limit_s=20)
    assert quality.grade == grade
    assert words in quality.words


def test_far_plans_name_the_time_limit() -> None:
    """'Solve longer' says how long the solve was allowed."""
    assert "(the time limit was 20 s)" in plan_quality("FEASIBLE", 1.0, 80.0, time_limit_s=20).words


def test_statuses_compare_in_one_case() -> None:
    """Routing's 'feasible' and placement's 'FEASIBLE' are one status; BASELINE is explained."""
    assert status_key("feasible") == status_key("FEASIBLE") == "FEASIBLE"
    assert "starting plan" in status_words("BASELINE")
    assert status_key(None) == "UNKNOWN"


def test_gap_needs_two_finite_numbers() -> None:
    """No bound, or an infinite one, is no gap (not a gap of infinity)."""
    assert relative_gap(10.0, None) is None
    assert relative_gap(10.0, float("inf")) is None
    assert relative_gap(0.0, 0.5) == 0.5  # divided by at least 1


@pytest.mark.parametrize(
    ("objective", "bound"), [(100.0, 101.0), (0.2, 0.7), (-50.0, -40.0), (1e6, 1e6), (3.0, None)]
)
def test_gap_is_the_placement_solvers_gap(objective: float, bound: float | None) -> None:
    """One definition of the gap: the stored plans' equals the placement solver's."""
    from planner.placement.mip import relative_gap as solver_gap

    assert relative_gap(objective, bound) == solver_gap(objective, bound)
