"""Units given identities (``track_units``), their relocations and a plan's value, by hand."""

from __future__ import annotations

import itertools

import numpy as np
import pytest

from planner.placement import DemandPoint, PlacementProblem, PlacementSolution, Site
from planner.placement.kpi import rule_min_stay
from planner.placement.plan import plan_value, relocation_cost, site_ids, track_units

from .test_placement import line_problem


def square_problem(**changes: object) -> PlacementProblem:
    """Three sites A, B, D with A-B 10 km and D 30 km from both A and B, so a unit leaving A or
    B for D drives the same 30 km; one point per site, two units, three weeks, minimum stay 2."""
    km = np.array([[0.0, 10.0, 30.0], [10.0, 0.0, 30.0], [30.0, 30.0, 0.0]])
    base: dict[str, object] = {
        "sites": (Site("A", "A", "01"), Site("B", "B", "01"), Site("D", "D", "01")),
        "points": (DemandPoint("a", "01"), DemandPoint("b", "01"), DemandPoint("d", "01")),
        "weeks": ("w1", "w2", "w3"),
        "demand": np.ones((3, 3)),
        "site_point_minutes": km,
        "site_site_minutes": km,
        "site_site_km": km,
        "units": 2,
        "radius_minutes": 5,
        "capacity_per_week": 10,
        "min_stay_weeks": 2,
    }
    base.update(changes)
    return PlacementProblem(**base)  # type: ignore[arg-type]


def test_track_units_moves_as_few_units_as_possible() -> None:
    """Units at A and B, then sites B and C: unit 0 drives A -> C (one move of 100 km) rather
    than both units shifting one site along (two moves of 50 km)."""
    problem = line_problem(units=2)
    counts = np.array([[1, 1, 0], [0, 1, 1]])
    assert track_units(problem, counts) == (("A", "B"), ("C", "B"))


def test_track_units_moves_the_unit_that_has_stayed_longest() -> None:
    """The units start at B and A; both stand at A in week 2 (unit 1 all along, unit 0 just
    arrived from B); in week 3 one of them goes to D, 30 km either way. Unit 1 goes, so unit 0
    keeps its two-week minimum stay, and the minimum-stay rule finds nothing to report.
    (Without the tie-break the matching sends unit 0, the first one.)"""
    problem = square_problem(initial_sites=("B", "A"))
    counts = np.array([[1, 1, 0], [2, 0, 0], [1, 0, 1]])
    plan = track_units(problem, counts)
    assert plan == (("B", "A"), ("A", "A"), ("A", "D"))
    assert rule_min_stay(problem, PlacementSolution(status="FEASIBLE", unit_sites=plan)) == []


def test_track_units_starts_from_the_initial_sites() -> None:
    """With the units starting at B and A, week 1's sites A and B keep both units in place."""
    problem = square_problem(initial_sites=("B", "A"))
    counts = np.array([[1, 1, 0], [1, 1, 0], [1, 1, 0]])
    assert track_units(problem, counts) == (("B", "A"),) * 3


def test_track_units_rejects_a_week_without_every_unit() -> None:
    """A week that places one of the two units is a bug in the caller, said with the week."""
    with pytest.raises(AssertionError, match="week 1: 1 units placed, expected 2"):
        track_units(square_problem(), np.array([[1, 1, 0], [1, 0, 0], [1, 1, 0]]))


def test_relocation_cost_and_plan_value_of_one_move() -> None:
    """The line problem's best plan, A then C: one move of 100 km at 1 per km plus 100 minutes
    of driving at 200/2400 x 10 per minute = 183.33; it serves 100 + 100 patients at 10 each."""
    problem = line_problem()
    counts = np.array([[1, 0, 0], [0, 0, 1]])
    assert relocation_cost(problem, counts) == pytest.approx(100 + 100 * 200 / 2400 * 10)
    assert plan_value(problem, counts) == pytest.approx(2000 - 183.3333, abs=1e-3)
    assert relocation_cost(problem, np.array([[0, 1, 0], [0, 1, 0]])) == 0.0


def test_site_ids_repeat_a_site_per_unit() -> None:
    """A row of units per site becomes one site id per unit, in site order."""
    assert site_ids(square_problem(), np.array([2, 0, 1])) == ("A", "A", "D")


def _full_assignment_km(problem: PlacementProblem, counts: np.ndarray) -> float:
    """Least km of moves week by week by one assignment over every unit and slot (how
    ``track_units`` matched before it kept stays first): the oracle for the total it drives."""
    from ortools.graph.python import linear_sum_assignment

    km, previous, total = problem.site_site_km, None, 0.0
    for w in range(len(problem.weeks)):
        slots = [s for s in range(len(problem.sites)) for _ in range(counts[w, s])]
        if previous is not None:
            lsa = linear_sum_assignment.SimpleLinearSumAssignment()
            for u, s in enumerate(previous):
                for j, t in enumerate(slots):
                    lsa.add_arc_with_cost(u, j, 0 if s == t else round(km[s, t] * 1000) + 10**6)
            assert lsa.solve() == lsa.OPTIMAL
            total += sum(km[previous[u], slots[lsa.right_mate(u)]] for u in range(len(slots)))
            slots = [slots[lsa.right_mate(u)] for u in range(len(slots))]
        previous = slots
    return total


@pytest.mark.parametrize("seed", range(20))
def test_keeping_stays_drives_no_more_than_the_full_assignment(seed: int) -> None:
    """Random plans of 6 units over 7 sites (points on a plane: km obey the triangle
    inequality) for 8 weeks: the units tracked by keeping stays first drive exactly the km of
    the assignment over every unit, and every week's units stand where the plan says."""
    rng = np.random.default_rng(seed)
    xy = rng.uniform(0, 100, size=(7, 2))
    km = np.sqrt(((xy[:, None, :] - xy[None, :, :]) ** 2).sum(axis=2))
    weeks = tuple(f"w{w}" for w in range(8))
    counts = np.array([rng.multinomial(6, [1 / 7] * 7) for _ in weeks])
    problem = PlacementProblem(
        sites=tuple(Site(f"S{s}", f"S{s}", "01") for s in range(7)),
        points=(DemandPoint("p", "01"),),
        weeks=weeks,
        demand=np.ones((1, 8)),
        site_point_minutes=np.zeros((7, 1)),
        site_site_minutes=km,
        site_site_km=km,
        units=6,
        radius_minutes=5,
        capacity_per_week=10,
        min_stay_weeks=1 + seed % 3,
    )
    plan = track_units(problem, counts)
    index = {f"S{s}": s for s in range(7)}
    driven = sum(
        km[index[a], index[b]]
        for before, after in itertools.pairwise(plan)
        for a, b in zip(before, after, strict=True)
    )
    assert driven == pytest.approx(_full_assignment_km(problem, counts))
    for w, sites in enumerate(plan):
        assert np.bincount([index[s] for s in sites], minlength=7).tolist() == counts[w].tolist()
