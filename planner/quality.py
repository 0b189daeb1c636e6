"""How good a plan is, in words a manager can act on.

Every planner stores its solver status, and when it has one, the objective and the best bound
the solver proved. :func:`plan_quality` turns those into one grade and one sentence: "proven
optimal", "within 1,8 % of the best possible", "far from proven: solve longer", or for a
heuristic without a bound, what it was checked against. The dashboard and the CLI show the
same sentence wherever a plan is shown; statuses are compared in one case (:func:`status_key`).
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Literal

Grade = Literal["optimal", "near", "fair", "far", "unproven", "none"]

#: Gaps up to these are "near" and "fair"; above is "far" (solve longer).
NEAR_GAP = 0.01
FAIR_GAP = 0.10

#: Solver statuses in words (upper-case keys, see :func:`status_key`).
STATUS_WORDS: dict[str, str] = {
    "OPTIMAL": "proven optimal",
    "FEASIBLE": "a feasible plan, not proven optimal",
    "BASELINE": "the solver's starting plan: the solver found nothing better than the simple "
    "rule it starts from within the time limit",
    "TARGET_MISSED": "a plan that misses its service target",
    "INFEASIBLE": "no plan keeps every hard rule",
    "UNKNOWN": "no plan found within the time limit",
}


def status_key(status: str | None) -> str:
    """A solver status in the one case every planner uses (``feasible`` -> ``FEASIBLE``)."""
    return (status or "UNKNOWN").strip().upper()


def status_words(status: str | None) -> str:
    """A solver status for people (``BASELINE`` explained)."""
    key = status_key(status)
    return STATUS_WORDS.get(key, key.replace("_", " ").lower())


def relative_gap(objective: float | None, bound: float | None) -> float | None:
    """|bound - objective| / max(1, |objective|); None without both (finite) numbers.

    The definition of :func:`planner.placement.mip.relative_gap`, which the pure placement
    library keeps for itself (it may not import the rest of ``planner``, and this module must
    not pull OR-Tools into the dashboard); a test keeps the two equal.
    """
    if (
        objective is None
        or bound is None
        or not (math.isfinite(objective) and math.isfinite(bound))
    ):
        return None
    return abs(bound - objective) / max(1.0, abs(objective))


@dataclass(frozen=True)
class PlanQuality:
    """A plan's grade, its gap (when a bound is known) and one sentence saying both."""

    grade: Grade
    gap: float | None
    words: str


def run_time_words(seconds: float, time_limit_s: float | None) -> str:
    """How long a run took and what its limit covers: "17,5 s in all, search limit 10 s" (the
    limit bounds the search; reading inputs and storing the plan come on top)."""
    took = f"{seconds:.1f}".replace(".", ",") + " s"
    return f"{took} in all, search limit {time_limit_s:g} s" if time_limit_s else took


def _percent(share: float) -> str:
    if share >= 10:
        return f"{share * 100:,.0f}".replace(",", " ") + " %"
    return f"{share * 100:.1f}".replace(".", ",") + " %"


def plan_quality(
    status: str | None,
    objective: float | None,
    bound: float | None,
    *,
    time_limit_s: float | None = None,
) -> PlanQuality:
    """Grade a stored plan from its solver status, objective and proven bound.

    ``optimal``: proven (status OPTIMAL or no gap); ``near``: within 1 % of the best possible;
    ``fair``: within 10 %; ``far``: more than 10 % may be left (solve longer); ``unproven``: a
    plan without a bound (heuristics); ``none``: no plan.
    """
    key = status_key(status)
    limit = f" (the time limit was {time_limit_s:g} s)" if time_limit_s else ""
    if key in ("INFEASIBLE", "UNKNOWN"):
        return PlanQuality("none", None, f"No usable plan: {status_words(key)}{limit}.")
    gap = relative_gap(objective, bound)
    if key == "OPTIMAL":
        return PlanQuality("optimal", 0.0 if gap is None else gap, "Proven optimal.")
    if gap is not None and gap <= 1e-6:
        return PlanQuality(
            "optimal", gap, "Meets its proven bound: no better plan exists for its objective."
        )
    prefix = (
        "Baseline plan: the solver found nothing better than its starting plan. "
        if key == "BASELINE"
        else ""
    )
    if gap is None:
        return PlanQuality(
            "unproven",
            None,
            f"{prefix}No proven bound: the best plan the heuristic found{limit}, compared with "
            "the simple rules.",
        )
    if gap <= NEAR_GAP:
        return PlanQuality(
            "near", gap, f"{prefix}Within {_percent(gap)} of the best possible (proven bound)."
        )
    if gap <= FAIR_GAP:
        return PlanQuality(
            "fair",
            gap,
            f"{prefix}Within {_percent(gap)} of the best possible; a longer solve may close "
            "the gap.",
        )
    return PlanQuality(
        "far",
        gap,
        f"{prefix}Far from proven: the best possible plan may be up to {_percent(gap)} better; "
        f"solve longer{limit}.",
    )
