"""Recombining a plan with the weeks' own best placements (``relink``), by hand."""

from __future__ import annotations

import time

import numpy as np
import pytest

from planner.placement.bounds import WeeklyRelaxation
from planner.placement.decompose import relink
from planner.placement.plan import plan_value

from .test_placement import line_problem


def relaxation_of(counts: list[list[int]]) -> WeeklyRelaxation:
    """A weekly relaxation holding ``counts`` as the weeks' own best placements (the values and
    bounds do not matter to ``relink``)."""
    weeks = len(counts)
    return WeeklyRelaxation(np.array(counts), np.zeros(weeks), np.full(weeks, np.inf))


def test_relink_takes_each_weeks_own_best_when_the_move_pays() -> None:
    """The line problem (demand at A in week 1, at C in week 2) planned with the unit at B both
    weeks is worth 20 patients x 10 = 200. The weeks' own best placements are A and C; the path
    through them, A then C, is worth 2000 - 183.33 for the move, the brute-force optimum."""
    problem = line_problem()
    at_b = np.array([[0, 1, 0], [0, 1, 0]])
    assert plan_value(problem, at_b) == pytest.approx(200.0)
    best = relink(
        problem, at_b, relaxation_of([[1, 0, 0], [0, 0, 1]]), None, time.perf_counter() + 10
    )
    assert best.tolist() == [[1, 0, 0], [0, 0, 1]]
    assert plan_value(problem, best) == pytest.approx(2000 - 183.3333, abs=1e-3)


def test_relink_never_returns_a_worse_plan() -> None:
    """Given the optimum (A then C) and weekly placements that are worse (B both weeks),
    ``relink`` hands the optimum back unchanged."""
    problem = line_problem()
    optimum = np.array([[1, 0, 0], [0, 0, 1]])
    best = relink(
        problem, optimum, relaxation_of([[0, 1, 0], [0, 1, 0]]), None, time.perf_counter() + 10
    )
    assert best.tolist() == optimum.tolist()


def test_relink_without_time_returns_the_plan_given() -> None:
    """With less than a second left there is no round at all: the plan comes back as given."""
    problem = line_problem()
    at_b = np.array([[0, 1, 0], [0, 1, 0]])
    best = relink(problem, at_b, relaxation_of([[1, 0, 0], [0, 0, 1]]), None, time.perf_counter())
    assert best is at_b
