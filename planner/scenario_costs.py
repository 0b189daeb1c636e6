"""The routing section's prices and mode-search keys (``[routing]`` in a scenario TOML).

:class:`planner.scenario.RoutingParams` inherits these keys, so they sit flat in ``[routing]``
beside the parcel and courier prices declared there. Every price is our assumption unless a
source is named: carriers do not publish per-item prices (``../shared/docs/domain.md``).
"""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict

from planner.scenario_bounds import MAX_TIME_LIMIT_S, bounded


class RoutingCosts(BaseModel):
    """Prices of driver time, devices and cleaning, and how long the mode search may run."""

    model_config = ConfigDict(extra="forbid", strict=True, frozen=True)

    courier_cost_sek_per_hour: float = bounded(
        350.0,
        ge=0,
        le=100_000,
        description="Our assumption: a driver's hour with employer's contributions, per route hour.",
    )
    device_price_sek: float = bounded(
        5000.0, ge=0, le=1_000_000, description="Our assumption: purchase price of one spirometer."
    )
    device_life_years: float = bounded(
        3.0,
        gt=0,
        le=50,
        description="Our assumption: years a device is used; its price is spread over them "
        "(capital per device-day = price / (365 x years), paid for the pool over the horizon).",
    )
    cleaning_cost_sek: float = bounded(
        50.0,
        ge=0,
        le=100_000,
        description="Our assumption: a disposable turbine and ~15 min of reprocessing, per loan.",
    )
    mode_passes: int = bounded(
        4, ge=1, le=20, description="Passes of the mode model re-priced from the routes."
    )
    mode_time_limit_s: float = bounded(
        10.0,
        gt=0,
        le=MAX_TIME_LIMIT_S,
        description="Seconds for each pass of the mode model (CP-SAT).",
    )

    @property
    def device_cost_sek_per_day(self) -> float:
        """The device's price spread over its life, per calendar day."""
        return self.device_price_sek / (365.0 * self.device_life_years)
