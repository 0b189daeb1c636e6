"""Scenarios: a named, versioned set of parameters for all three planners and the demand model.

A scenario is written by a regional planner as a TOML file::

    [scenario]
    name = "demo"
    start_week = "2026-W45"
    horizon_weeks = 8

    [placement]
    units = 10
    radius_minutes = 45

Every section is optional and every key has a documented default (sources in
``../shared/docs/domain.md``; our own assumptions say so). Validation is strict: an unknown key, a
value of the wrong type or a negative count is rejected with a message that names the file and the
key, and nothing is stored. The parsed :class:`Scenario` is immutable; change it with
:meth:`Scenario.replace`.
"""

from __future__ import annotations

import dataclasses
import hashlib
import json
import os
import re
import tomllib
from importlib import resources
from pathlib import Path
from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError, ValidationInfo, field_validator
from pydantic_core import ErrorDetails

from planner.demand import DemandParams
from planner.errors import ScenarioError
from planner.scenario_continuity import ContinuityLevers
from planner.scenario_costs import RoutingCosts
from planner.weeks import iso_weeks, parse_iso_week
from staffing import WorkRules, check_rule_modes

_STRICT = ConfigDict(extra="forbid", strict=True, frozen=True)
_NAME = re.compile(r"^[a-z0-9][a-z0-9_-]{0,62}$")


class ScenarioMeta(BaseModel):
    """Identity and time frame of a scenario."""

    model_config = _STRICT

    name: str = Field(description="Lower-case identifier: letters, digits, '-' and '_'.")
    description: str = ""
    seed: int = Field(
        default=42, ge=0, description="Seed for every generated input (demo data, draws)."
    )
    start_week: str = Field(
        default="2026-W45", description="First ISO week planned; flu campaign starts ~w45."
    )
    horizon_weeks: int = Field(default=8, ge=1, le=104)

    @field_validator("name")
    @classmethod
    def _name_is_slug(cls, value: str) -> str:
        if not _NAME.match(value):
            raise ValueError("must be lower-case letters, digits, '-' or '_' (max 63 characters)")
        return value

    @field_validator("start_week")
    @classmethod
    def _week_exists(cls, value: str) -> str:
        parse_iso_week(value)
        return value

    @property
    def weeks(self) -> list[str]:
        """The planned ISO weeks."""
        return iso_weeks(self.start_week, self.horizon_weeks)


class RegionContract(BaseModel):
    """A region that contracts a number of unit-weeks of mobile clinics over the horizon."""

    model_config = _STRICT

    county_code: str = Field(pattern=r"^\d{2}$")
    unit_weeks: int = Field(ge=0)


#: The service lines a mobile clinic can offer.
ServiceLine = Literal["primary_care", "vaccination", "health_check", "spirometry"]


def _default_services() -> list[ServiceLine]:
    return ["vaccination", "health_check"]


class PlacementParams(BaseModel):
    """Where the mobile clinics stand each week (issue 4)."""

    model_config = _STRICT

    units: int = Field(default=10, ge=0, description="Mobile clinics in the fleet (provider: ten).")
    radius_minutes: float = Field(
        default=45.0, gt=0, description="Travel time within which a unit serves."
    )
    capacity_per_week: float = Field(
        default=250.0,
        ge=0,
        description="Patients per unit-week: ~50 drop-in vaccinations a day x 5 days.",
    )
    min_stay_weeks: int = Field(
        default=1, ge=1, description="Weeks a unit stays once it moves to a site."
    )
    relocation_cost_sek_per_km: float = Field(
        default=30.0, ge=0, description="Our assumption: truck, fuel and staff time per km moved."
    )
    counties: list[Annotated[str, Field(pattern=r"^\d{2}$")]] = Field(
        default_factory=list,
        description="Plan only these counties (sites and demand); empty means all of Sweden.",
    )
    candidate_rule: Literal["population", "kommun_seats"] = Field(
        default="population",
        description="Candidates: localities above candidate_min_population, or every kommun's "
        "largest locality (its seat, as a proxy).",
    )
    candidate_min_population: int = Field(
        default=5000, ge=0, description="Localities at least this large are candidate sites."
    )
    candidate_sites: list[str] = Field(
        default_factory=list, description="Extra candidate sites by place name or kommun code."
    )
    demand_merge_population: int = Field(
        default=1000,
        ge=0,
        description="Demand points under this many residents are merged into the nearest larger "
        "point of the same kommun within demand_merge_km (our modelling choice: keeps the model "
        "about the size HiGHS closes in time); 0 keeps every point.",
    )
    demand_merge_km: float = Field(
        default=10.0,
        ge=0,
        allow_inf_nan=False,
        description="Straight-line km within which a small demand point joins a larger one.",
    )
    fixed_clinics: list[str] = Field(
        default_factory=lambda: ["Nyköping"],
        description="Fixed clinics whose reach counts as covered (Nyköping primary-care centre).",
    )
    services: list[ServiceLine] = Field(
        default_factory=_default_services,
        description="Service lines the units offer (care and vaccination clinics: domain.md).",
    )
    value_per_patient_sek: float = Field(
        default=500.0,
        gt=0,
        description="Value of a served patient: a digital visit's 500 SEK (domain.md).",
    )
    equity: Literal["none", "floor", "maximin"] = "none"
    county_floor_share: float = Field(default=0.0, ge=0, le=1, description="With equity='floor'.")
    region_contracts: list[RegionContract] = Field(default_factory=list)
    time_limit_s: float = Field(default=30.0, gt=0)


#: The fields of :class:`staffing.WorkRules` by name.
WORK_RULE_FIELDS = {f.name: f for f in dataclasses.fields(WorkRules)}


def _work_rule(name: str) -> Any:
    """The scenario key for the working-time limit ``WorkRules.<name>``: the library's default,
    lower bound and description (declared once, in :class:`staffing.WorkRules`)."""
    spec = WORK_RULE_FIELDS[name]
    op, low = spec.metadata["bound"]
    return Field(default=spec.default, description=spec.metadata["description"], **{op: low})


class StaffingParams(ContinuityLevers):
    """Continuity-first rostering of part-time clinicians (issue 5); what it takes to reach the
    continuity target (issue 15: the keys of :class:`planner.scenario_continuity.ContinuityLevers`)."""

    model_config = _STRICT

    clinicians: int = Field(default=300, ge=0, description="Part-time clinicians (provider: ~300).")
    horizon_days: int = Field(default=28, ge=1, le=366)
    return_visits: int = Field(default=4000, ge=0, description="Return visits over the horizon.")
    continuity_target: float = Field(
        default=0.96, ge=0, le=1, description="Same-doctor share (provider)."
    )
    # Working-time limits a scenario may set (a subset of staffing.WorkRules; the others keep
    # the library's default): default, bound and description are WorkRules' (see _work_rule).
    max_weekly_hours: float = _work_rule("max_weekly_hours")
    daily_rest_hours: float = _work_rule("daily_rest_hours")
    weekly_rest_hours: float = _work_rule("weekly_rest_hours")
    max_hours_without_break: float = _work_rule("max_hours_without_break")
    max_consecutive_days: int = _work_rule("max_consecutive_days")
    mertid_hours_per_4_weeks: float = _work_rule("mertid_hours_per_4_weeks")
    time_limit_s: float = Field(default=60.0, gt=0)
    soft_rules: list[str] = Field(
        default_factory=list,
        exclude_if=lambda v: not v,  # unset: left out, so stored scenarios keep their hash
        description="Rule names made soft (priced right after cover), e.g. 'Max consecutive days'.",
    )
    hard_rules: list[str] = Field(
        default_factory=list,
        exclude_if=lambda v: not v,
        description="Rule names made hard, e.g. 'Fair share of nights'.",
    )

    @field_validator("soft_rules")
    @classmethod
    def _soft_rules_can_be_soft(cls, value: list[str]) -> list[str]:
        check_rule_modes(soft_rules=value)
        return value

    @field_validator("hard_rules")
    @classmethod
    def _hard_rules_can_be_hard(cls, value: list[str], info: ValidationInfo) -> list[str]:
        check_rule_modes(soft_rules=info.data.get("soft_rules", []), hard_rules=value)
        return value

    def work_rules(self) -> WorkRules:
        """The library's working-time limits: the scenario's values, WorkRules' defaults for
        the limits a scenario does not set."""
        return WorkRules(
            **{
                name: getattr(self, name)
                for name in WORK_RULE_FIELDS
                if name in type(self).model_fields
            }
        )


class RoutingParams(RoutingCosts):
    """Spirometer cycle and daily delivery/pickup routes (issue 6); modes by cost (issue 14:
    the keys of :class:`planner.scenario_costs.RoutingCosts`)."""

    model_config = _STRICT

    hubs: list[str] = Field(
        default_factory=lambda: ["Malmö", "Nyköping"], description="Device hubs by place name."
    )
    devices: int = Field(
        default=150, ge=0, description="Devices available: the plan's pools sum to at most this."
    )
    vehicles_per_hub: int = Field(default=1, ge=0)
    vehicle_capacity: int = Field(default=20, ge=1, description="Devices a courier carries.")
    max_route_minutes: float = Field(default=480.0, gt=0, description="Driver shift incl. breaks.")
    service_level_days: int = Field(default=3, ge=0, description="Business days to device in hand.")
    use_days: int = Field(default=14, ge=1, description="Days of daily measurement (domain.md).")
    cleaning_days: int = Field(
        default=1, ge=0, description="Business days to reprocess (ERS; assumption)."
    )
    parcel_days: int = Field(default=1, ge=0, description="MyPack Collect: next business day.")
    return_parcel_days: int = Field(default=3, ge=0, description="Return parcel: 1-5 days.")
    parcel_cost_sek: float = Field(
        default=120.0, ge=0, description="Our assumption per parcel leg."
    )
    courier_cost_sek_per_km: float = Field(default=8.0, ge=0, description="Our assumption.")
    courier_cost_sek_per_route: float = Field(
        default=600.0,
        ge=0,
        description="Our assumption: the vehicle's day (lease, insurance), per route used; the "
        "driver is paid per hour (courier_cost_sek_per_hour).",
    )
    courier_reach_minutes: float = Field(
        default=120.0,
        gt=0,
        description="Our assumption: places within this drive of a hub get day routes.",
    )
    courier_lead_days: int = Field(
        default=1,
        ge=0,
        description="Business days from referral to its route (planned the evening before).",
    )
    stop_minutes: float = Field(
        default=10.0, ge=0, description="Our assumption: minutes per courier stop."
    )
    mobile_reach_minutes: float = Field(
        default=30.0,
        gt=0,
        description="A mobile clinic this close to the patient can hand the device over.",
    )
    on_time_target: float = Field(default=0.95, ge=0, le=1)
    time_limit_s: float = Field(default=10.0, gt=0)
    engine: Literal["pyvrp", "ortools", "portfolio"] | None = Field(
        default=None,
        exclude_if=lambda v: v is None,  # unset: left out, so stored scenarios keep their hash
        description="Routing engine of the courier routes (routing.SolveParams.engine); unset: "
        "the routing library's default.",
    )
    referrals_csv: str | None = Field(
        default=None,
        exclude_if=lambda v: v is None,  # unset: left out, so stored scenarios keep their hash
        description="A CSV of referrals (date; locality_id or kommun_code; optional count or "
        "referral_id; format in README 'Referrals from a CSV'). When set it replaces the demand "
        "model's seeded draws. A relative path is taken from the scenario file's folder (from "
        "the working directory when the scenario is not read from a file) and stored absolute.",
    )

    @field_validator("referrals_csv")
    @classmethod
    def _absolute_csv_path(cls, value: str | None) -> str | None:
        if value is None:
            return None
        if not value.strip():
            raise ValueError("give a file path, or leave the key out to use the demand model")
        return os.path.abspath(os.path.expanduser(value))

    def referrals_path(self) -> Path | None:
        """The referral CSV, if one is set; a ScenarioError naming the key if it does not exist."""
        if self.referrals_csv is None:
            return None
        path = Path(self.referrals_csv)
        if not path.is_file():
            raise ScenarioError(f"routing.referrals_csv: no such file {str(path)!r}")
        return path


class Scenario(BaseModel):
    """A full scenario: identity, demand assumptions and each planner's parameters."""

    model_config = _STRICT

    scenario: ScenarioMeta
    demand: DemandParams = Field(default_factory=DemandParams)
    placement: PlacementParams = Field(default_factory=PlacementParams)
    staffing: StaffingParams = Field(default_factory=StaffingParams)
    routing: RoutingParams = Field(default_factory=RoutingParams)

    @property
    def name(self) -> str:
        """The scenario's name."""
        return self.scenario.name

    def to_dict(self) -> dict[str, Any]:
        """Plain JSON-compatible parameters (what the store keeps)."""
        return self.model_dump(mode="json")

    def content_hash(self) -> str:
        """Stable hash of the parameters: equal scenarios share a stored version."""
        canonical = json.dumps(self.to_dict(), sort_keys=True, separators=(",", ":"))
        return hashlib.sha256(canonical.encode()).hexdigest()

    def replace(self, **sections: Any) -> Scenario:
        """A copy with whole sections or section keys replaced, validated again.

        ``scenario.replace(placement={"units": 8})`` merges into the placement section.
        """
        data = self.to_dict()
        for section, values in sections.items():
            if isinstance(values, dict) and isinstance(data.get(section), dict):
                data[section] = {**data[section], **values}
            else:
                data[section] = values
        return scenario_from_dict(data, source="<replace>")


def _describe(error: ErrorDetails) -> str:
    """One line for one pydantic error: the dotted key, what is wrong, what was given."""
    key = ".".join(str(part) for part in error["loc"]) or "<top level>"
    if error["type"] == "extra_forbidden":
        return f"{key}: unknown key"
    if error["type"] == "missing":
        return f"{key}: required key is missing"
    message = error["msg"]
    if message.startswith("Value error, "):
        message = message[len("Value error, ") :]
    return f"{key}: {message} (got {error.get('input')!r})"


def scenario_from_dict(data: dict[str, Any], source: str = "<dict>") -> Scenario:
    """Validate a parsed scenario; errors name ``source`` and every offending key."""
    try:
        return Scenario.model_validate(data)
    except ValidationError as exc:
        lines = [_describe(err) for err in exc.errors()]
        raise ScenarioError(f"{source}: invalid scenario:\n  " + "\n  ".join(lines)) from None


def load_scenario(path: str | Path) -> Scenario:
    """Read and validate a scenario TOML file.

    A relative ``routing.referrals_csv`` is taken from the file's folder (so the scenario means
    the same list wherever it is run from) and must exist.
    """
    path = Path(path)
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise ScenarioError(f"{path}: no such scenario file") from None
    except tomllib.TOMLDecodeError as exc:
        raise ScenarioError(f"{path}: not valid TOML: {exc}") from None
    routing = data.get("routing")
    if isinstance(routing, dict) and isinstance(routing.get("referrals_csv"), str):
        csv_path = Path(routing["referrals_csv"]).expanduser()
        if routing["referrals_csv"].strip() and not csv_path.is_absolute():
            routing["referrals_csv"] = str(path.absolute().parent / csv_path)
    scenario = scenario_from_dict(data, source=str(path))
    try:
        scenario.routing.referrals_path()
    except ScenarioError as exc:
        raise ScenarioError(f"{path}: {exc}") from None
    return scenario


def builtin_scenario_path(name: str) -> Path:
    """Path of a scenario shipped with the package (``demo``, ``tiny``)."""
    path = Path(str(resources.files("planner") / "scenarios" / f"{name}.toml"))
    if not path.exists():
        raise ScenarioError(f"no built-in scenario named {name!r}")
    return path
