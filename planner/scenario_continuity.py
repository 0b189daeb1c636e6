"""The staffing section's keys for reaching the continuity target (``[staffing]`` in a TOML).

:class:`planner.scenario.StaffingParams` inherits these keys, so they sit flat in
``[staffing]``. They drive ``planner solve continuity``: which availability requests may be
made and what each costs, and the other levers compared beside them. Unset keys are left out
of the stored scenario, so scenarios stored before these keys keep their version.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from typing import Annotated

from pydantic import BaseModel, ConfigDict, Field, field_validator

from planner.scenario_bounds import bounded

#: The professions a request cost may name (the clinician pool's, planner.demo_data).
PROFESSIONS = ("doctor", "physiotherapist", "psychologist", "midwife")

#: A factor on a request's cost.
Factor = Annotated[float, Field(ge=0, le=1000, allow_inf_nan=False)]


class ContinuityLevers(BaseModel):
    """Availability requests (who may be asked, at what cost) and the levers beside them."""

    model_config = ConfigDict(extra="forbid", strict=True, frozen=True)

    # Each key at its default is left out of the stored scenario (``exclude_if``), so a
    # scenario stored before these keys keeps its hash and version.

    continuity_time_limit_s: float | None = bounded(
        None,
        exclude_if=lambda v: v is None,
        gt=0,
        le=3600,
        description="Seconds for the whole continuity run: every re-solve round, the request "
        "plans, the repair, the pruning and the levers. Unset: time_limit_s per round (three "
        "rounds at most), so the run's limit is three times the roster's.",
    )
    request_max_extra_days: int = bounded(
        4,
        exclude_if=lambda v: v == 4,
        ge=0,
        le=28,
        description="Extra days one clinician may be asked to work per four weeks (pro rata). "
        "Our assumption: about one a week; people are asked, not ordered.",
    )
    request_cost: float = bounded(
        1.0,
        exclude_if=lambda v: v == 1.0,
        ge=0,
        le=1000,
        description="Cost of one request on a weekday day block.",
    )
    request_cost_weekend: float = bounded(
        1.0,
        exclude_if=lambda v: v == 1.0,
        ge=0,
        le=1000,
        description="Factor on a request for a Saturday or Sunday.",
    )
    request_cost_night: float = bounded(
        1.0,
        exclude_if=lambda v: v == 1.0,
        ge=0,
        le=1000,
        description="Factor on a request for a night block.",
    )
    request_cost_by_profession: dict[str, Factor] = Field(
        default_factory=dict,
        max_length=len(PROFESSIONS),
        exclude_if=lambda v: not v,
        description="Factor on a request by profession, e.g. {doctor = 2.0}; others 1. At "
        f"most {len(PROFESSIONS)} entries (the professions), each factor 0 to 1,000.",
    )
    lever_window_extra_days: int = bounded(
        3,
        exclude_if=lambda v: v == 3,
        ge=0,
        le=28,
        description="The wider-window lever compared with requests: days added to every "
        "follow-up window.",
    )
    lever_digital_share: float = bounded(
        0.05,
        exclude_if=lambda v: v == 0.05,
        ge=0,
        le=1,
        description="The digital lever compared with requests: share of all return visits "
        "the index clinician may answer digitally on a day off.",
    )
    lever_digital_cap_per_day: int = bounded(
        4,
        exclude_if=lambda v: v == 4,
        ge=0,
        le=100,
        description="The digital lever's cap: digital follow-ups per clinician and day off.",
    )

    @field_validator("request_cost_by_profession")
    @classmethod
    def _known_professions(cls, value: dict[str, float]) -> dict[str, float]:
        for name in value:
            if name not in PROFESSIONS:
                raise ValueError(
                    f"unknown profession {name[:40]!r}; known: {', '.join(PROFESSIONS)}"
                )
        return value

    def request_cost_fn(self) -> Callable[[str, dt.date, bool], float]:
        """A request's cost from its clinician's profession, its day and whether its block is
        a night: the base cost times the weekend, night and profession factors."""

        def cost(profession: str, day: dt.date, night: bool) -> float:
            factor = self.request_cost_by_profession.get(profession, 1.0)
            if day.weekday() >= 5:
                factor *= self.request_cost_weekend
            if night:
                factor *= self.request_cost_night
            return self.request_cost * factor

        return cost
