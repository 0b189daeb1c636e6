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
import reprlib
import stat
import tomllib
from importlib import resources
from pathlib import Path
from typing import Annotated, Any, Literal

from pydantic import (
    AfterValidator,
    BaseModel,
    ConfigDict,
    Field,
    StringConstraints,
    ValidationError,
    ValidationInfo,
    field_validator,
)
from pydantic_core import ErrorDetails

from planner import geo
from planner.demand import DemandParams
from planner.demand.params import COUNTY_CODES
from planner.errors import ScenarioError
from planner.paths import data_dir
from planner.scenario_bounds import (
    MAX_COUNTIES,
    MAX_HUBS,
    MAX_PLACES,
    MAX_SEED,
    MAX_TIME_LIMIT_S,
    PlaceName,
    bounded,
    listed,
)
from planner.scenario_continuity import ContinuityLevers
from planner.scenario_costs import RoutingCosts
from planner.weeks import iso_weeks, parse_iso_week
from staffing import RULE_DEFAULTS, WorkRules, check_rule_modes
from staffing.reach import MAX_ROUNDS

_STRICT = ConfigDict(extra="forbid", strict=True, frozen=True)
_NAME = re.compile(r"^[a-z0-9][a-z0-9_-]{0,62}$")

#: Mobile clinics in a fleet (the provider: ten).
MAX_UNITS = 100
#: Weeks a scenario plans (two years).
MAX_HORIZON_WEEKS = 104
#: Characters of a scenario's description.
MAX_DESCRIPTION_CHARS = 1000
#: Characters of a file path (Linux's PATH_MAX).
MAX_PATH_CHARS = 4096
#: Expected spirometry referrals a year, all multipliers applied: each becomes a device loan the
#: routing planner plans one by one, so this bounds its size (the provider: ~1,600 a year).
MAX_SPIROMETRY_REFERRALS_PER_YEAR = 50_000
#: Bytes of a scenario file: real ones are a few kB.
MAX_FILE_BYTES = 1_000_000
#: Levels of tables and lists in a scenario file: real ones nest four deep.
MAX_NESTING = 16


def _known_county(code: str) -> str:
    if code not in COUNTY_CODES:
        raise ValueError(f"unknown county code {code!r}; Sweden's are {', '.join(COUNTY_CODES)}")
    return code


#: A county by its two-digit code, one of Sweden's 21.
CountyCode = Annotated[str, Field(pattern=r"^\d{2}$"), AfterValidator(_known_county)]


class ScenarioMeta(BaseModel):
    """Identity and time frame of a scenario."""

    model_config = _STRICT

    name: str = Field(
        max_length=63,
        description="Lower-case identifier: letters, digits, '-' and '_'; at most 63 characters.",
    )
    description: str = Field(
        default="",
        max_length=MAX_DESCRIPTION_CHARS,
        description=f"Free text. At most {MAX_DESCRIPTION_CHARS:,} characters.",
    )
    seed: int = bounded(
        42,
        ge=0,
        le=MAX_SEED,
        description="Seed for every generated input (demo data, draws); PostgreSQL's integer.",
    )
    start_week: str = Field(
        default="2026-W45",
        max_length=10,
        description="First ISO week planned; flu campaign starts ~w45. Like 2026-W45; at most 10 "
        "characters.",
    )
    horizon_weeks: int = bounded(8, ge=1, le=MAX_HORIZON_WEEKS, description="Weeks planned.")

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

    county_code: CountyCode
    unit_weeks: int = bounded(
        ge=0,
        le=MAX_UNITS * MAX_HORIZON_WEEKS,
        description="Unit-weeks contracted: the whole fleet for the whole horizon at most.",
    )


#: The service lines a mobile clinic can offer.
ServiceLine = Literal["primary_care", "vaccination", "health_check", "spirometry"]


def _default_services() -> list[ServiceLine]:
    return ["vaccination", "health_check"]


class PlacementParams(BaseModel):
    """Where the mobile clinics stand each week (issue 4)."""

    model_config = _STRICT

    units: int = bounded(
        10, ge=0, le=MAX_UNITS, description="Mobile clinics in the fleet (provider: ten)."
    )
    radius_minutes: float = bounded(
        45.0, gt=0, le=600, description="Travel time within which a unit serves."
    )
    capacity_per_week: float = bounded(
        250.0,
        ge=0,
        le=10_000,
        description="Patients per unit-week: ~50 drop-in vaccinations a day x 5 days.",
    )
    min_stay_weeks: int = bounded(
        1, ge=1, le=MAX_HORIZON_WEEKS, description="Weeks a unit stays once it moves to a site."
    )
    relocation_cost_sek_per_km: float = bounded(
        30.0,
        ge=0,
        le=100_000,
        description="Our assumption: truck, fuel and staff time per km moved.",
    )
    counties: list[CountyCode] = listed(
        MAX_COUNTIES,
        "Plan only these counties (sites and demand); empty means all of Sweden.",
        what="county codes",
        default_factory=list,
    )
    candidate_rule: Literal["population", "kommun_seats"] = Field(
        default="population",
        description="Candidates: localities above candidate_min_population, or every kommun's "
        "largest locality (its seat, as a proxy).",
    )
    candidate_min_population: int = bounded(
        5000,
        ge=0,
        le=10_000_000,
        description="Localities at least this large are candidate sites.",
    )
    candidate_sites: list[PlaceName] = listed(
        MAX_PLACES,
        "Extra candidate sites by place name or kommun code.",
        what="places",
        default_factory=list,
    )
    demand_merge_population: int = bounded(
        1000,
        ge=0,
        le=10_000_000,
        description="Demand points under this many residents are merged into the nearest larger "
        "point of the same kommun within demand_merge_km (our modelling choice: keeps the model "
        "about the size HiGHS closes in time); 0 keeps every point.",
    )
    demand_merge_km: float = bounded(
        10.0,
        ge=0,
        le=2000,
        description="Straight-line km within which a small demand point joins a larger one.",
    )
    fixed_clinics: list[PlaceName] = listed(
        MAX_PLACES,
        "Fixed clinics whose reach counts as covered (Nyköping primary-care centre).",
        what="places",
        default_factory=lambda: ["Nyköping"],
    )
    services: list[ServiceLine] = listed(
        4,
        "Service lines the units offer (care and vaccination clinics: domain.md).",
        what="service lines",
        default_factory=_default_services,
    )
    value_per_patient_sek: float = bounded(
        500.0,
        gt=0,
        le=1_000_000,
        description="Value of a served patient: a digital visit's 500 SEK (domain.md).",
    )
    equity: Literal["none", "floor", "maximin"] = "none"
    county_floor_share: float = bounded(0.0, ge=0, le=1, description="With equity='floor'.")
    region_contracts: list[RegionContract] = listed(
        MAX_COUNTIES, what="contracts", default_factory=list
    )
    time_limit_s: float = bounded(
        30.0, gt=0, le=MAX_TIME_LIMIT_S, description="Seconds the placement solve may take."
    )


#: A rule's name, as staffing.RULE_DEFAULTS spells it.
RuleName = Annotated[str, StringConstraints(max_length=100)]

#: The fields of :class:`staffing.WorkRules` by name.
WORK_RULE_FIELDS = {f.name: f for f in dataclasses.fields(WorkRules)}


def _work_rule(name: str) -> Any:
    """The scenario key for the working-time limit ``WorkRules.<name>``: the library's default,
    bounds and description (declared once, in :class:`staffing.WorkRules`)."""
    spec = WORK_RULE_FIELDS[name]
    low_op, low = spec.metadata["bound"]
    high_op, high = spec.metadata["upper"]
    return bounded(
        spec.default, description=spec.metadata["description"], **{low_op: low, high_op: high}
    )


class StaffingParams(ContinuityLevers):
    """Continuity-first rostering of part-time clinicians (issue 5); what it takes to reach the
    continuity target (issue 15: the keys of :class:`planner.scenario_continuity.ContinuityLevers`)."""

    model_config = _STRICT

    clinicians: int = bounded(
        300, ge=0, le=1000, description="Part-time clinicians (provider: ~300)."
    )
    horizon_days: int = bounded(28, ge=1, le=366, description="Days rostered.")
    return_visits: int = bounded(
        4000,
        ge=0,
        le=20_000,
        description="Return visits over the horizon (provider: ~4,000 a month).",
    )
    continuity_target: float = bounded(
        0.96, ge=0, le=1, description="Same-doctor share (provider)."
    )
    # Working-time limits a scenario may set (a subset of staffing.WorkRules; the others keep
    # the library's default): default, bound and description are WorkRules' (see _work_rule).
    max_weekly_hours: float = _work_rule("max_weekly_hours")
    daily_rest_hours: float = _work_rule("daily_rest_hours")
    weekly_rest_hours: float = _work_rule("weekly_rest_hours")
    max_hours_without_break: float = _work_rule("max_hours_without_break")
    max_consecutive_days: int = _work_rule("max_consecutive_days")
    mertid_hours_per_4_weeks: float = _work_rule("mertid_hours_per_4_weeks")
    time_limit_s: float = bounded(
        60.0, gt=0, le=MAX_TIME_LIMIT_S, description="Seconds the staffing solve may take."
    )
    soft_rules: list[RuleName] = listed(
        len(RULE_DEFAULTS),
        "Rule names made soft (priced right after cover), e.g. 'Max consecutive days'.",
        what="rules",
        default_factory=list,
        exclude_if=lambda v: not v,  # unset: left out, so stored scenarios keep their hash
    )
    hard_rules: list[RuleName] = listed(
        len(RULE_DEFAULTS),
        "Rule names made hard, e.g. 'Fair share of nights'.",
        what="rules",
        default_factory=list,
        exclude_if=lambda v: not v,
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

    def continuity_seconds(self) -> float:
        """The continuity run's time limit: ``continuity_time_limit_s``, else ``time_limit_s``
        for each of its re-solve rounds."""
        if self.continuity_time_limit_s is not None:
            return self.continuity_time_limit_s
        return self.time_limit_s * MAX_ROUNDS

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

    hubs: list[PlaceName] = listed(
        MAX_HUBS,
        "Device hubs by place name.",
        what="hubs",
        default_factory=lambda: ["Malmö", "Nyköping"],
    )
    devices: int = bounded(
        150,
        ge=0,
        le=10_000,
        description="Devices available: the plan's pools sum to at most this.",
    )
    vehicles_per_hub: int = bounded(1, ge=0, le=20, description="Courier vehicles at each hub.")
    vehicle_capacity: int = bounded(20, ge=1, le=1000, description="Devices a courier carries.")
    max_route_minutes: float = bounded(
        480.0, gt=0, le=1440, description="Driver shift incl. breaks."
    )
    service_level_days: int = bounded(
        3, ge=0, le=30, description="Business days to device in hand."
    )
    use_days: int = bounded(14, ge=1, le=90, description="Days of daily measurement (domain.md).")
    cleaning_days: int = bounded(
        1, ge=0, le=30, description="Business days to reprocess (ERS; assumption)."
    )
    parcel_days: int = bounded(1, ge=0, le=30, description="MyPack Collect: next business day.")
    return_parcel_days: int = bounded(3, ge=0, le=30, description="Return parcel: 1-5 days.")
    parcel_cost_sek: float = bounded(
        120.0, ge=0, le=100_000, description="Our assumption per parcel leg."
    )
    courier_cost_sek_per_km: float = bounded(8.0, ge=0, le=10_000, description="Our assumption.")
    courier_cost_sek_per_route: float = bounded(
        600.0,
        ge=0,
        le=1_000_000,
        description="Our assumption: the vehicle's day (lease, insurance), per route used; the "
        "driver is paid per hour (courier_cost_sek_per_hour).",
    )
    courier_reach_minutes: float = bounded(
        120.0,
        gt=0,
        le=1440,
        description="Our assumption: places within this drive of a hub get day routes.",
    )
    courier_lead_days: int = bounded(
        1,
        ge=0,
        le=30,
        description="Business days from referral to its route (planned the evening before).",
    )
    stop_minutes: float = bounded(
        10.0, ge=0, le=480, description="Our assumption: minutes per courier stop."
    )
    mobile_reach_minutes: float = bounded(
        30.0,
        gt=0,
        le=1440,
        description="A mobile clinic this close to the patient can hand the device over.",
    )
    on_time_target: float = bounded(
        0.95, ge=0, le=1, description="Share of referrals with the device in hand on time."
    )
    time_limit_s: float = bounded(
        10.0,
        gt=0,
        le=MAX_TIME_LIMIT_S,
        description="Seconds the routing run's search may take: the baselines, the mode "
        "model's passes and every day's courier routes share them (past them the best plan so "
        "far is kept, KPI time_limit_reached = 1).",
    )
    engine: Literal["pyvrp", "ortools", "portfolio"] | None = Field(
        default=None,
        exclude_if=lambda v: v is None,  # unset: left out, so stored scenarios keep their hash
        description="Routing engine of the courier routes (routing.SolveParams.engine); unset: "
        "the routing library's default.",
    )
    referrals_csv: str | None = Field(
        default=None,
        max_length=MAX_PATH_CHARS,
        exclude_if=lambda v: v is None,  # unset: left out, so stored scenarios keep their hash
        description="A CSV of referrals (date; locality_id or kommun_code; optional count or "
        "referral_id; format in README 'Referrals from a CSV'). When set it replaces the demand "
        "model's seeded draws. A relative path is taken from the scenario file's folder (from "
        "the working directory when the scenario is not read from a file) and stored absolute. "
        "A scenario file may only name a CSV in its own folder (or below it) or in the data "
        f"folder $PLANNER_DATA_DIR, symlinks and '..' resolved. At most {MAX_PATH_CHARS:,} "
        "characters.",
    )

    @field_validator("referrals_csv")
    @classmethod
    def _absolute_csv_path(cls, value: str | None) -> str | None:
        if value is None:
            return None
        if not value.strip():
            raise ValueError("give a file path, or leave the key out to use the demand model")
        if "\0" in value:
            raise ValueError("a file path cannot contain a NUL character")
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

    @field_validator("demand")
    @classmethod
    def _referrals_within_bounds(cls, value: DemandParams) -> DemandParams:
        # Each referral becomes a device loan the routing planner plans one by one: bound what
        # the rate, share and multipliers multiply up to, not only each of them.
        expected = value.spirometry_referrals_per_year()
        if expected > MAX_SPIROMETRY_REFERRALS_PER_YEAR:
            raise ValueError(
                "asthma_referrals_per_100k x spirometry_share x the multipliers give "
                f"{expected:,.0f} spirometry referrals a year; at most "
                f"{MAX_SPIROMETRY_REFERRALS_PER_YEAR:,} are planned (the provider: ~1,600)"
            )
        return value

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


#: Errors listed in one message before "and N more" (a table of 290 bad values is one mistake).
MAX_ERRORS_SHOWN = 20

# What a message shows of a given value: its start, never all of a long text or deep list.
_SHORT = reprlib.Repr()
_SHORT.maxstring = _SHORT.maxother = 60
_SHORT.maxlist = _SHORT.maxtuple = _SHORT.maxdict = 5
_SHORT.maxlevel = 3


def _describe(error: ErrorDetails) -> str:
    """One line for one pydantic error: the dotted key, what is wrong, what was given."""
    key = ".".join(_SHORT.repr(p) if not isinstance(p, str) else p[:60] for p in error["loc"])
    key = key or "<top level>"
    if error["type"] == "extra_forbidden":
        return f"{key}: unknown key"
    if error["type"] == "missing":
        return f"{key}: required key is missing"
    message = error["msg"]
    if message.startswith("Value error, "):
        message = message[len("Value error, ") :]
    return f"{key}: {message} (got {_SHORT.repr(error.get('input'))})"


def scenario_from_dict(data: dict[str, Any], source: str = "<dict>") -> Scenario:
    """Validate a parsed scenario; errors name ``source`` and every offending key."""
    try:
        return Scenario.model_validate(data)
    except ValidationError as exc:
        errors = exc.errors()
        lines = [_describe(err) for err in errors[:MAX_ERRORS_SHOWN]]
        if len(errors) > MAX_ERRORS_SHOWN:
            lines.append(f"and {len(errors) - MAX_ERRORS_SHOWN} more")
        raise ScenarioError(f"{source}: invalid scenario:\n  " + "\n  ".join(lines)) from None


def _read_text(path: Path) -> str:
    """A scenario file's text; a one-line ScenarioError naming the file if it is missing, not
    a regular file, unreadable, larger than MAX_FILE_BYTES or not UTF-8."""
    try:
        mode = path.stat().st_mode
        raw = b""
        if stat.S_ISREG(mode):  # a FIFO or device would block or never end: not opened
            with path.open("rb") as handle:
                raw = handle.read(MAX_FILE_BYTES + 1)  # never more, whatever the file's size
    except FileNotFoundError:
        raise ScenarioError(f"{path}: no such scenario file") from None
    except PermissionError:
        raise ScenarioError(f"{path}: cannot be read (permission denied)") from None
    except OSError as exc:
        raise ScenarioError(f"{path}: cannot be read ({exc.strerror or exc})") from None
    except ValueError:  # os.stat: a NUL character in the path
        raise ScenarioError(f"{path}: cannot be read (not a valid path)") from None
    if stat.S_ISDIR(mode):
        raise ScenarioError(f"{path}: is a folder; give a scenario file (.toml)")
    if not stat.S_ISREG(mode):
        raise ScenarioError(f"{path}: not a regular file; give a scenario file (.toml)")
    if len(raw) > MAX_FILE_BYTES:
        raise ScenarioError(
            f"{path}: larger than {MAX_FILE_BYTES:,} bytes; a scenario file is a few kB"
        )
    try:
        return raw.decode("utf-8-sig")  # a byte-order mark (Windows editors) is not content
    except UnicodeDecodeError as exc:
        raise ScenarioError(
            f"{path}: not UTF-8 text (byte {exc.start} is not UTF-8); save it as UTF-8"
        ) from None


def _nesting(data: Any) -> int:
    """How many levels of tables and lists ``data`` has (iterative: no recursion limit)."""
    deepest, stack = 0, [(data, 1)]
    while stack:
        value, depth = stack.pop()
        if isinstance(value, dict | list):
            deepest = max(deepest, depth)
            stack.extend(
                (v, depth + 1) for v in (value.values() if isinstance(value, dict) else value)
            )
    return deepest


def _parse(path: Path) -> dict[str, Any]:
    """The file's TOML as a dict; a one-line ScenarioError naming the file if it is not one."""
    text = _read_text(path)
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise ScenarioError(f"{path}: not valid TOML: {exc}") from None
    except RecursionError:  # tomllib parses nested arrays and inline tables recursively
        raise ScenarioError(
            f"{path}: nested more than {MAX_NESTING} levels deep; a scenario nests a few"
        ) from None
    if _nesting(data) > MAX_NESTING:
        raise ScenarioError(
            f"{path}: nested more than {MAX_NESTING} levels deep; a scenario nests a few"
        )
    return data


def input_folders(scenario_folder: Path | None) -> list[Path]:
    """The folders a scenario may read input files from, symlinks resolved: the scenario file's
    own folder (when read from a file) and the data folder ``$PLANNER_DATA_DIR`` (when set)."""
    folders = [scenario_folder] if scenario_folder is not None else []
    configured = data_dir()
    if configured is not None:
        folders.append(configured)
    return [folder.absolute().resolve() for folder in folders]


def check_referrals_folder(routing: RoutingParams, scenario_folder: Path | None) -> None:
    """A ScenarioError naming ``routing.referrals_csv`` if the CSV is outside the folders of
    :func:`input_folders` once symlinks and '..' are resolved (any readable file, such as
    /etc/passwd, could be named otherwise)."""
    if routing.referrals_csv is None:
        return
    folders = input_folders(scenario_folder)
    try:
        real = Path(routing.referrals_csv).resolve()
    except (OSError, RuntimeError):  # a symlink loop
        real = None
    if real is not None and any(real.is_relative_to(folder) for folder in folders):
        return
    where = " or ".join(str(f) for f in folders) or "no folder ($PLANNER_DATA_DIR is not set)"
    raise ScenarioError(
        f"routing.referrals_csv: {routing.referrals_csv!r} is outside the folders a scenario "
        f"may read from ({where}); put the CSV in the scenario file's folder (or below it) "
        "or in $PLANNER_DATA_DIR"
    )


def load_scenario(path: str | Path) -> Scenario:
    """Read and validate a scenario TOML file.

    A relative ``routing.referrals_csv`` is taken from the file's folder (so the scenario means
    the same list wherever it is run from); it must exist and lie in that folder (or below it)
    or in ``$PLANNER_DATA_DIR`` (:func:`check_referrals_folder`). Every problem is a
    :class:`ScenarioError` naming the file (and the key, for a value).
    """
    path = Path(path)
    data = _parse(path)
    routing = data.get("routing")
    if isinstance(routing, dict) and isinstance(routing.get("referrals_csv"), str):
        csv_path = Path(os.path.expanduser(routing["referrals_csv"]))
        if routing["referrals_csv"].strip() and not csv_path.is_absolute():
            routing["referrals_csv"] = str(path.absolute().parent / csv_path)
    scenario = scenario_from_dict(data, source=str(path))
    try:
        check_referrals_folder(scenario.routing, path.absolute().parent)
        scenario.routing.referrals_path()
    except ScenarioError as exc:
        raise ScenarioError(f"{path}: {exc}") from None
    return scenario


#: The scenario keys that name places, as (section, key).
PLACE_KEYS = (("placement", "fixed_clinics"), ("placement", "candidate_sites"), ("routing", "hubs"))
#: Unknown places named in one message; the lookup stops there (each miss suggests spellings).
MAX_UNKNOWN_PLACES = 10


def check_places(scenario: Scenario, source: str, directory: Path | None = None) -> None:
    """Every place the scenario names is in the geography (the lookup the planners make when
    they solve, :func:`planner.geo.find_place`); a ScenarioError naming ``source`` and each
    unknown place by key otherwise.

    Separate from :func:`scenario_from_dict` so that reading a scenario needs no built
    geography; ``planner scenario create`` and the dashboard's copy call it before storing.
    """
    named = [
        (f"{section}.{key}", name)
        for section, key in PLACE_KEYS
        for name in getattr(getattr(scenario, section), key)
    ]
    unknown: list[str] = []
    for key, name in named:
        if len(unknown) == MAX_UNKNOWN_PLACES:
            unknown.append("(stopped looking)")
            break
        try:
            geo.find_place(name, directory)
        except geo.UnknownPlaceError as exc:
            unknown.append(f"{key}: {exc}")
    if unknown:
        raise ScenarioError(f"{source}: unknown place(s):\n  " + "\n  ".join(unknown))


def builtin_scenario_path(name: str) -> Path:
    """Path of a scenario shipped with the package (``demo``, ``tiny``)."""
    path = Path(str(resources.files("planner") / "scenarios" / f"{name}.toml"))
    if not path.exists():
        raise ScenarioError(f"no built-in scenario named {name!r}")
    return path
