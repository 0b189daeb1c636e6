"""Bounded scenario inputs (issue 16): every key's bounds read from the models' own metadata,
Sweden's county codes, hostile values refused at ``scenario create`` on both databases.

The bound tests are generated from ``model_fields``: a numeric key added later without a lower
and an upper bound, or a list, table or text without a most length, fails here.
"""

from __future__ import annotations

import math
import re
import time
import tracemalloc
import typing
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import annotated_types
import pytest
import tomli_w
from pydantic import BaseModel
from pydantic.fields import FieldInfo
from typer.testing import CliRunner

from planner.cli import app
from planner.errors import ScenarioError
from planner.geo import KOMMUN_POPULATION
from planner.scenario import Scenario, load_scenario, scenario_from_dict
from planner.scenario_bounds import number_text

Data = dict[str, Any]

#: A valid entry of each list of tables, so one key of it can be varied.
ENTRY = {"placement.region_contracts": {"county_code": "04", "unit_weeks": 1}}

#: Each table or pair of numbers with one number set to ``v`` (a valid key where a key is needed).
CONTAINERS: dict[str, Callable[[float], Any]] = {
    "demand.digital_contacts_per_1000": lambda v: {"04": v},
    "demand.county_multipliers": lambda v: {"04": v},
    "demand.kommun_multipliers": lambda v: {"0480": v},
    "demand.service_multipliers": lambda v: {"vaccination": v},
    "demand.summer_weeks": lambda v: [v, v],
    "staffing.request_cost_by_profession": lambda v: {"doctor": v},
}

#: Each list, table or text with ``n`` entries or characters.
SIZED: dict[str, Callable[[int], Any]] = {
    "scenario.name": lambda n: "a" * n,
    "scenario.description": lambda n: "d" * n,
    "scenario.start_week": lambda n: "2026-W45".ljust(n, "0"),
    "demand.digital_contacts_per_1000": lambda n: {f"{i:02d}": 1.0 for i in range(n)},
    "demand.county_multipliers": lambda n: {f"{i:02d}": 1.0 for i in range(n)},
    "demand.kommun_multipliers": lambda n: {f"{i:04d}": 1.0 for i in range(n)},
    "demand.service_multipliers": lambda n: {f"s{i}": 1.0 for i in range(n)},
    "placement.counties": lambda n: ["04"] * n,
    "placement.candidate_sites": lambda n: ["Nyköping"] * n,
    "placement.fixed_clinics": lambda n: ["Nyköping"] * n,
    "placement.services": lambda n: ["vaccination"] * n,
    "placement.region_contracts": lambda n: [ENTRY["placement.region_contracts"]] * n,
    "staffing.request_cost_by_profession": lambda n: {f"p{i}": 1.0 for i in range(n)},
    "staffing.soft_rules": lambda n: ["x"] * n,
    "staffing.hard_rules": lambda n: ["x"] * n,
    "routing.hubs": lambda n: ["Nyköping"] * n,
    "routing.referrals_csv": lambda n: "r" * n,
}


@dataclass(frozen=True)
class Number:
    """One numeric scenario key: where it is, its bounds and how to set it in a scenario."""

    loc: str  # as an error names it, e.g. "placement.region_contracts.0.unit_weeks"
    kind: type
    metadata: tuple[Any, ...]
    description: str
    data: Callable[[float], Data]

    def bound(self, *ops: type) -> Any:
        """The first constraint of one of the annotated_types classes ``ops``, or None."""
        return next((m for m in self.metadata if isinstance(m, ops)), None)


def _scenario(section: str, values: Data) -> Data:
    base: Data = {"scenario": {"name": "bounds"}}
    base[section] = {**base.get(section, {}), **values}
    return base


def _numeric(annotation: Any) -> tuple[type, tuple[Any, ...]] | None:
    """``(int or float, constraints)`` of an ``Annotated[int|float, Field(...)]``, else None."""
    if typing.get_origin(annotation) is typing.Annotated:
        inner, *extras = typing.get_args(annotation)
        if inner in (int, float):
            found = [m for e in extras if isinstance(e, FieldInfo) for m in e.metadata]
            return inner, tuple(found)
    return None


def _walk(
    section: str, model: type[BaseModel], prefix: str, wrap: Callable[[Data], Data]
) -> list[Number]:
    out: list[Number] = []
    for key, field in model.model_fields.items():
        path = f"{prefix}.{key}"
        ann = field.annotation
        args = typing.get_args(ann)
        # An optional number (``float | None``: unset means a derived default) is a number.
        plain = next((a for a in args if a in (int, float)), None) if type(None) in args else ann
        if plain in (int, float):
            out.append(
                Number(
                    path,
                    plain,
                    tuple(field.metadata),
                    field.description or "",
                    lambda v, key=key: wrap({key: v}),  # type: ignore[misc]
                )
            )
        elif (
            typing.get_origin(ann) is list
            and args
            and isinstance(args[0], type)
            and issubclass(args[0], BaseModel)
        ):
            entry = ENTRY[path]  # a KeyError here: add a valid entry of the new list to ENTRY
            out += _walk(
                section,
                args[0],
                f"{path}.0",
                lambda d, key=key, entry=entry: wrap({key: [{**entry, **d}]}),  # type: ignore[misc]
            )
        elif any(_numeric(a) for a in args):
            kind, metadata = next(n for a in args if (n := _numeric(a)))
            build = CONTAINERS[path]  # a KeyError here: add the new table to CONTAINERS
            out.append(
                Number(
                    path,
                    kind,
                    metadata,
                    field.description or "",
                    lambda v, key=key, build=build: wrap({key: build(v)}),  # type: ignore[misc]
                )
            )
    return out


def numbers() -> list[Number]:
    """Every numeric key of every section, nested tables and number tables included."""
    out: list[Number] = []
    for section, info in Scenario.model_fields.items():
        model = info.annotation
        assert isinstance(model, type) and issubclass(model, BaseModel)
        out += _walk(section, model, section, lambda d, s=section: _scenario(s, d))  # type: ignore[misc]
    return out


NUMBERS = numbers()


def sized_fields() -> list[tuple[str, FieldInfo]]:
    """Every text, list and table key of every section."""
    out = []
    for section, info in Scenario.model_fields.items():
        model = info.annotation
        assert isinstance(model, type) and issubclass(model, BaseModel)
        for key, field in model.model_fields.items():
            ann = field.annotation
            kinds = {typing.get_origin(a) or a for a in (typing.get_args(ann) or (ann,))}
            if ann is str or typing.get_origin(ann) in (list, dict, tuple) or str in kinds:
                if typing.get_origin(ann) is tuple:  # a fixed pair: its length is its type
                    continue
                out.append((f"{section}.{key}", field))
    return out


def _just_past(number: Number, side: str) -> float:
    """The nearest value outside the bound on ``side`` ('lower' or 'upper')."""
    if side == "lower":
        c = number.bound(annotated_types.Ge, annotated_types.Gt)
        if isinstance(c, annotated_types.Gt):
            return c.gt
        return c.ge - 1 if number.kind is int else math.nextafter(c.ge, -math.inf)
    c = number.bound(annotated_types.Le, annotated_types.Lt)
    if isinstance(c, annotated_types.Lt):
        return c.lt
    return c.le + 1 if number.kind is int else math.nextafter(c.le, math.inf)


def _at(number: Number, side: str) -> float:
    """The bound itself on ``side``, or the nearest value inside an exclusive bound."""
    if side == "lower":
        c = number.bound(annotated_types.Ge, annotated_types.Gt)
        if isinstance(c, annotated_types.Gt):
            return c.gt + 1 if number.kind is int else math.nextafter(c.gt, math.inf)
        return c.ge
    c = number.bound(annotated_types.Le, annotated_types.Lt)
    if isinstance(c, annotated_types.Lt):
        return c.lt - 1 if number.kind is int else math.nextafter(c.lt, -math.inf)
    return c.le


def _value(number: Number, value: float) -> float:
    return int(value) if number.kind is int else float(value)


def write_scenario(tmp_path: Path, data: Data, name: str = "s.toml") -> Path:
    """``data`` as a scenario TOML file."""
    path = tmp_path / name
    path.write_text(tomli_w.dumps(data), encoding="utf-8")
    return path


def _names(loc: str, message: str) -> bool:
    """Whether an error message names ``loc`` as the key of one of its lines."""
    return re.search(rf"(^|\s){re.escape(loc)}[.:]", message) is not None


def _has(number: Number, side: str) -> bool:
    """Whether the key declares a bound on ``side`` (one without is
    test_every_number_declares_both_bounds_and_states_the_maximum's failure, not a crash here)."""
    if side == "lower":
        return number.bound(annotated_types.Ge, annotated_types.Gt) is not None
    return number.bound(annotated_types.Le, annotated_types.Lt) is not None


SIDES = [(n, side) for n in NUMBERS for side in ("lower", "upper") if _has(n, side)]
IDS = [f"{n.loc}-{side}" for n, side in SIDES]


def test_the_walk_finds_every_section_and_the_known_sizes() -> None:
    """The generated list is not empty by accident: it holds the sizes issue 16 names."""
    locs = {n.loc for n in NUMBERS}
    for key in (
        "scenario.seed",
        "staffing.clinicians",
        "staffing.return_visits",
        "placement.units",
        "routing.vehicles_per_hub",
        "routing.devices",
        "placement.region_contracts.0.unit_weeks",
        "demand.county_multipliers",
        "staffing.max_weekly_hours",
        "routing.mode_time_limit_s",
        "staffing.request_cost",
    ):
        assert key in locs
    assert len(NUMBERS) > 60


@pytest.mark.parametrize("number", NUMBERS, ids=[n.loc for n in NUMBERS])
def test_every_number_declares_both_bounds_and_states_the_maximum(number: Number) -> None:
    """A lower and an upper bound in the field's constraints; floats refuse inf and nan; the
    description (the model's documentation) states the maximum."""
    low = number.bound(annotated_types.Ge, annotated_types.Gt)
    high = number.bound(annotated_types.Le, annotated_types.Lt)
    assert low is not None, f"{number.loc} has no lower bound"
    assert high is not None, f"{number.loc} has no upper bound"
    if number.kind is float:
        assert any(getattr(m, "allow_inf_nan", True) is False for m in number.metadata), (
            f"{number.loc} allows inf and nan"
        )
    most = high.le if isinstance(high, annotated_types.Le) else high.lt
    assert number_text(most) in number.description, f"{number.loc}: maximum not described"


@pytest.mark.parametrize(("number", "side"), SIDES, ids=IDS)
def test_just_past_a_bound_is_refused_naming_file_and_key(
    tmp_path: Path, number: Number, side: str
) -> None:
    """One step outside the bound: a ScenarioError naming the file and ``section.key``."""
    path = write_scenario(tmp_path, number.data(_value(number, _just_past(number, side))))
    with pytest.raises(ScenarioError) as err:
        load_scenario(path)
    assert str(path) in str(err.value)
    assert _names(number.loc, str(err.value)), str(err.value)


@pytest.mark.parametrize(("number", "side"), SIDES, ids=IDS)
def test_the_bound_itself_is_accepted(tmp_path: Path, number: Number, side: str) -> None:
    """At the bound (inside an exclusive one) the key's own check passes: no error names it
    (another key's rule may still object, e.g. the demand model's week order)."""
    path = write_scenario(tmp_path, number.data(_value(number, _at(number, side))))
    try:
        load_scenario(path)
    except ScenarioError as err:
        assert not _names(number.loc, str(err)), str(err)


@pytest.mark.parametrize(
    ("number", "value"),
    [(n, v) for n in NUMBERS if n.kind is float for v in (math.inf, -math.inf, math.nan)],
    ids=[f"{n.loc}-{v}" for n in NUMBERS if n.kind is float for v in ("inf", "-inf", "nan")],
)
def test_inf_and_nan_are_refused(tmp_path: Path, number: Number, value: float) -> None:
    """``time_limit_s = inf``, ``radius_minutes = nan``: refused like any out-of-range value."""
    path = write_scenario(tmp_path, number.data(value))
    with pytest.raises(ScenarioError) as err:
        load_scenario(path)
    assert _names(number.loc, str(err.value)), str(err.value)


SIZED_FIELDS = sized_fields()


@pytest.mark.parametrize(("loc", "field"), SIZED_FIELDS, ids=[loc for loc, _ in SIZED_FIELDS])
def test_every_text_list_and_table_has_a_most_length(
    tmp_path: Path, loc: str, field: FieldInfo
) -> None:
    """A most length in the field's constraints (and description); one more is refused,
    naming the key."""
    most = next(
        (m.max_length for m in field.metadata if isinstance(m, annotated_types.MaxLen)), None
    )
    assert most is not None, f"{loc} has no most length"
    assert f"{most:,}" in (field.description or ""), f"{loc}: most length not described"
    section, key = loc.split(".")
    path = write_scenario(tmp_path, _scenario(section, {key: SIZED[loc](most + 1)}))
    with pytest.raises(ScenarioError) as err:
        load_scenario(path)
    assert _names(loc, str(err.value)), str(err.value)


def _limits() -> list[tuple[str, Data]]:
    """Every size limit's next size up, as scenario data."""
    out = [
        (f"{n.loc}+1", n.data(_value(n, _just_past(n, "upper"))))
        for n in NUMBERS
        if _has(n, "upper")
    ]
    for loc, field in SIZED_FIELDS:
        most = next(
            (m.max_length for m in field.metadata if isinstance(m, annotated_types.MaxLen)), None
        )
        if most is None:  # test_every_text_list_and_table_has_a_most_length fails for it
            continue
        section, key = loc.split(".")
        out.append((f"{loc}[{most + 1}]", _scenario(section, {key: SIZED[loc](most + 1)})))
    return out


LIMITS = _limits()


@pytest.mark.parametrize(("name", "data"), LIMITS, ids=[name for name, _ in LIMITS])
def test_next_size_up_is_refused_before_anything_is_allocated(
    tmp_path: Path, name: str, data: Data
) -> None:
    """Each limit refuses the next size up when the file is read, in under a second of CPU and
    200 MB: validation comes before anything proportional to the size is built."""
    path = write_scenario(tmp_path, data)
    tracemalloc.start()
    started = time.process_time()
    try:
        with pytest.raises(ScenarioError):
            load_scenario(path)
        seconds = time.process_time() - started
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert peak < 200 * 2**20 and seconds < 1.0, (peak, seconds)


# --- named rules --------------------------------------------------------------------------------


def test_seed_must_fit_postgresql_integer() -> None:
    """2^31 - 1 is the largest seed (PostgreSQL ``integer``); 2^31 is refused by name."""
    assert (
        scenario_from_dict({"scenario": {"name": "s", "seed": 2**31 - 1}}).scenario.seed
        == 2**31 - 1
    )
    with pytest.raises(ScenarioError, match=r"scenario\.seed: .*less than or equal to 2147483647"):
        scenario_from_dict({"scenario": {"name": "s", "seed": 2**31}})


@pytest.mark.parametrize(
    ("section", "values", "key"),
    [
        ("placement", {"counties": ["04", "99"]}, "placement.counties.1"),
        ("placement", {"counties": ["02"]}, "placement.counties.0"),
        (
            "placement",
            {"region_contracts": [{"county_code": "11", "unit_weeks": 2}]},
            "placement.region_contracts.0.county_code",
        ),
        ("demand", {"county_multipliers": {"26": 2.0}}, "demand.county_multipliers"),
        (
            "demand",
            {"digital_contacts_per_1000": {"00": 100.0}},
            "demand.digital_contacts_per_1000",
        ),
        ("demand", {"kommun_multipliers": {"0499": 2.0}}, "demand.kommun_multipliers"),
    ],
)
def test_unknown_county_and_kommun_codes_are_named(section: str, values: Data, key: str) -> None:
    """Two digits are not enough: only Sweden's 21 counties (and SCB's 290 kommuner) exist."""
    with pytest.raises(ScenarioError) as err:
        scenario_from_dict(_scenario(section, values), source="codes.toml")
    message = str(err.value)
    assert message.startswith("codes.toml: ") and _names(key, message), message
    assert "unknown" in message


def test_every_county_code_is_accepted() -> None:
    """The 21 codes the issue lists are exactly the ones accepted."""
    codes = [
        "01",
        "03",
        "04",
        "05",
        "06",
        "07",
        "08",
        "09",
        "10",
        "12",
        "13",
        "14",
        "17",
        "18",
        "19",
        "20",
        "21",
        "22",
        "23",
        "24",
        "25",
    ]
    scenario = scenario_from_dict(_scenario("placement", {"counties": codes}))
    assert scenario.placement.counties == codes


def test_spirometry_referrals_a_year_are_bounded() -> None:
    """Each factor within its bounds, the product is what the routing planner meets: refused
    above 50,000 referrals a year, naming the demand section and the keys multiplied."""
    fine = scenario_from_dict(_scenario("demand", {"service_multipliers": {"spirometry": 20.0}}))
    assert fine.demand.spirometry_referrals_per_year() == pytest.approx(20 * 1588.2, rel=1e-3)
    with pytest.raises(
        ScenarioError, match=r"demand: asthma_referrals_per_100k x .* at most 50,000"
    ):
        scenario_from_dict(
            _scenario(
                "demand", {"spirometry_share": 1.0, "service_multipliers": {"spirometry": 5.0}}
            )
        )


def test_error_messages_show_only_the_start_of_a_long_value(tmp_path: Path) -> None:
    """A megabyte-long or deeply nested wrong value is named, not echoed whole."""
    path = write_scenario(
        tmp_path, _scenario("placement", {"units": "9" * 500_000, "radius_minutes": [[[[[[1]]]]]]})
    )
    with pytest.raises(ScenarioError) as err:
        load_scenario(path)
    message = str(err.value)
    assert "placement.units" in message and "placement.radius_minutes" in message
    assert len(message) < 1000


def test_a_table_of_many_bad_values_is_one_short_message() -> None:
    """290 bad multipliers: the first 20 lines and a count, not 290 lines."""
    data = _scenario("demand", {"kommun_multipliers": dict.fromkeys(KOMMUN_POPULATION, -1.0)})
    with pytest.raises(ScenarioError) as err:
        scenario_from_dict(data)
    lines = str(err.value).splitlines()
    assert len(lines) == 22 and lines[-1].strip() == "and 270 more"


# --- at scenario create, on both databases ------------------------------------------------------

runner = CliRunner()

#: Hostile scenario files: each is refused at create with these words in the one error.
HOSTILE: dict[str, tuple[str, list[str]]] = {
    "inf-time-limit": ("[placement]\ntime_limit_s = inf\n", ["placement.time_limit_s"]),
    "inf-radius": ("[placement]\nradius_minutes = inf\n", ["placement.radius_minutes"]),
    "nan-target": ("[routing]\non_time_target = nan\n", ["routing.on_time_target"]),
    "seed-2^31": ("[scenario]\nseed = 2147483648\n", ["scenario.seed"]),
    "huge-clinicians": ("[staffing]\nclinicians = 1000000000\n", ["staffing.clinicians"]),
    "huge-units": ("[placement]\nunits = 1000000000\n", ["placement.units"]),
    "unknown-county": ('[placement]\ncounties = ["27"]\n', ["placement.counties.0", "'27'"]),
    "unknown-hub": (
        '[routing]\nhubs = ["Nyköping", "Atlantis"]\n',
        ["routing.hubs", "'Atlantis'"],
    ),
    "unknown-clinic": (
        '[placement]\nfixed_clinics = ["Gotham"]\n',
        ["placement.fixed_clinics", "'Gotham'"],
    ),
    "unknown-sites": (
        '[placement]\ncandidate_sites = ["Nyköping", "Narnia", "9999"]\n',
        ["placement.candidate_sites", "'Narnia'", "'9999'"],
    ),
}


@pytest.mark.parametrize("case", list(HOSTILE))
def test_hostile_values_are_refused_at_create_and_nothing_is_stored(
    db_url: str, tmp_path: Path, case: str
) -> None:
    """The same named error on SQLite and PostgreSQL, exit 2, no traceback, nothing stored."""
    body, words = HOSTILE[case]
    if "[scenario]" in body:
        body = body.replace("[scenario]\n", '[scenario]\nname = "hostile"\n')
    else:
        body = '[scenario]\nname = "hostile"\n' + body
    path = tmp_path / f"{case}.toml"
    path.write_text(body, encoding="utf-8")
    result = runner.invoke(app, ["--db", db_url, "scenario", "create", str(path)])
    assert result.exit_code == 2, result.output
    assert "Traceback" not in result.output and str(path) in result.output
    for word in words:
        assert word in result.output, result.output
    listed = runner.invoke(app, ["--db", db_url, "scenario", "list", "--json"])
    assert listed.output.strip().splitlines()[-1] == '{"scenarios": []}'
