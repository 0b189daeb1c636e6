"""Scenario files: parsing, strict validation with named errors, versions by content."""

from __future__ import annotations

from pathlib import Path

import pytest

from planner.errors import ScenarioError
from planner.scenario import (
    Scenario,
    builtin_scenario_path,
    iso_weeks,
    load_scenario,
    scenario_from_dict,
)


def write(tmp_path: Path, text: str, name: str = "s.toml") -> Path:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


@pytest.fixture
def minimal_toml(tmp_path: Path) -> Path:
    """Only the one required key: every other value comes from documented defaults."""
    return write(tmp_path, '[scenario]\nname = "minimal"\n')


def test_builtin_scenarios_load() -> None:
    """The shipped demo and tiny scenarios are valid and say what the provider runs."""
    demo = load_scenario(builtin_scenario_path("demo"))
    assert demo.name == "demo"
    assert demo.placement.units == 10
    assert demo.staffing.clinicians == 300
    assert demo.staffing.continuity_target == 0.96
    assert demo.placement.region_contracts[0].county_code == "04"
    tiny = load_scenario(builtin_scenario_path("tiny"))
    assert tiny.placement.units == 2


def test_minimal_file_takes_defaults(minimal_toml: Path) -> None:
    """A file with only a name gets every section with defaults."""
    scenario = load_scenario(minimal_toml)
    assert scenario.placement.units == 10
    assert scenario.routing.use_days == 14
    assert scenario.scenario.weeks[0] == "2026-W45"


def test_unknown_key_is_named_with_file(tmp_path: Path) -> None:
    """A typo in a key is reported with the file and the dotted key."""
    path = write(tmp_path, '[scenario]\nname = "x"\n[placement]\nunitz = 3\n')
    with pytest.raises(ScenarioError) as info:
        load_scenario(path)
    assert str(path) in str(info.value)
    assert "placement.unitz: unknown key" in str(info.value)


def test_unknown_section_is_rejected(tmp_path: Path) -> None:
    """A whole unknown section is rejected too, not ignored."""
    path = write(tmp_path, '[scenario]\nname = "x"\n[placment]\nunits = 3\n')
    with pytest.raises(ScenarioError, match=r"placment: unknown key"):
        load_scenario(path)


def test_wrong_type_is_named(tmp_path: Path) -> None:
    """A string where a number belongs is not coerced: the key and value are named."""
    path = write(tmp_path, '[scenario]\nname = "x"\n[placement]\nradius_minutes = "45"\n')
    with pytest.raises(ScenarioError, match=r"placement\.radius_minutes: .*'45'"):
        load_scenario(path)


def test_negative_count_is_named(tmp_path: Path) -> None:
    """A negative count says which key and what bound it breaks."""
    path = write(tmp_path, '[scenario]\nname = "x"\n[staffing]\nclinicians = -5\n')
    with pytest.raises(
        ScenarioError, match=r"staffing\.clinicians: .*greater than or equal to 0.*-5"
    ):
        load_scenario(path)


def test_all_errors_are_listed_at_once(tmp_path: Path) -> None:
    """Several mistakes give one message with a line for each."""
    path = write(
        tmp_path, '[scenario]\nname = "x"\nhorizon_weeks = 0\n[routing]\ndevices = -1\nfoo = 1\n'
    )
    with pytest.raises(ScenarioError) as err:
        load_scenario(path)
    message = str(err.value)
    assert "scenario.horizon_weeks" in message
    assert "routing.devices" in message
    assert "routing.foo: unknown key" in message


def test_bad_week_and_name(tmp_path: Path) -> None:
    """Weeks must exist in their year; names must be slugs."""
    path = write(tmp_path, '[scenario]\nname = "Bad Name"\nstart_week = "2026-W54"\n')
    with pytest.raises(ScenarioError) as err:
        load_scenario(path)
    message = str(err.value)
    assert "scenario.name" in message
    assert "2026 has weeks 1-53" in message


def test_missing_name_and_bad_toml(tmp_path: Path) -> None:
    """A missing required key and a syntax error both name the file."""
    path = write(tmp_path, "[scenario]\n")
    with pytest.raises(ScenarioError, match=r"scenario\.name: required key is missing"):
        load_scenario(path)
    broken = write(tmp_path, "[scenario\nname=", name="broken.toml")
    with pytest.raises(ScenarioError, match=r"broken\.toml: not valid TOML"):
        load_scenario(broken)
    with pytest.raises(ScenarioError, match="no such scenario file"):
        load_scenario(tmp_path / "absent.toml")


def test_demand_section_is_validated(tmp_path: Path) -> None:
    """The demand assumptions are part of the scenario and validated the same way."""
    path = write(
        tmp_path, '[scenario]\nname = "x"\n[demand]\ncounty_multipliers = { "04" = -1.0 }\n'
    )
    with pytest.raises(ScenarioError, match=r"demand\.county_multipliers"):
        load_scenario(path)


def test_replace_merges_and_revalidates(minimal_toml: Path) -> None:
    """replace() changes one key of a section and rejects invalid values."""
    scenario = load_scenario(minimal_toml)
    changed = scenario.replace(placement={"units": 4})
    assert changed.placement.units == 4
    assert changed.placement.radius_minutes == scenario.placement.radius_minutes
    assert scenario.placement.units == 10  # the original is immutable
    with pytest.raises(ScenarioError):
        scenario.replace(placement={"units": -1})


def test_content_hash_follows_parameters(minimal_toml: Path) -> None:
    """Equal parameters hash equal; any change changes the hash; round trip through dict."""
    a = load_scenario(minimal_toml)
    b = scenario_from_dict(a.to_dict())
    assert isinstance(b, Scenario)
    assert a.content_hash() == b.content_hash()
    assert a.replace(routing={"devices": 151}).content_hash() != a.content_hash()


def test_iso_weeks_cross_the_year_end() -> None:
    """Week 52 of 2026 is followed by week 53 and then 2027-W01 (2026 has 53 ISO weeks)."""
    assert iso_weeks("2026-W52", 3) == ["2026-W52", "2026-W53", "2027-W01"]


# --- routing.referrals_csv ---------------------------------------------------------------------


def test_referrals_csv_unset_leaves_the_stored_parameters_alone(minimal_toml: Path) -> None:
    """Without the key it is left out of the stored parameters, so existing versions keep their hash."""
    scenario = load_scenario(minimal_toml)
    assert scenario.routing.referrals_csv is None and scenario.routing.referrals_path() is None
    assert "referrals_csv" not in scenario.to_dict()["routing"]


def test_referrals_csv_relative_to_the_scenario_file(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A relative path is read from the scenario file's folder, not the working directory, and stored absolute."""
    (tmp_path / "region" / "data").mkdir(parents=True)
    csv = tmp_path / "region" / "data" / "referrals.csv"
    csv.write_text("date,kommun_code\n2026-11-03,0480\n", encoding="utf-8")
    path = write(
        tmp_path / "region",
        '[scenario]\nname = "x"\n[routing]\nreferrals_csv = "data/referrals.csv"\n',
    )
    monkeypatch.chdir(tmp_path)  # a data/referrals.csv here must not matter
    scenario = load_scenario(path)
    assert scenario.routing.referrals_csv == str(csv)
    assert scenario.routing.referrals_path() == csv
    again = scenario_from_dict(scenario.to_dict())  # as read back from the store
    assert (
        again.routing.referrals_csv == str(csv) and again.content_hash() == scenario.content_hash()
    )


def test_referrals_csv_relative_to_the_working_directory_without_a_file(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, minimal_toml: Path
) -> None:
    """Set in code (replace, a dict) a relative path is taken from the working directory, then kept absolute."""
    monkeypatch.chdir(tmp_path)
    scenario = load_scenario(minimal_toml).replace(routing={"referrals_csv": "sub/../r.csv"})
    assert scenario.routing.referrals_csv == str(tmp_path / "r.csv")


def test_missing_referrals_csv_names_the_key_and_the_path(tmp_path: Path) -> None:
    """A CSV that does not exist is rejected when the file is read, naming the file, key and path."""
    path = write(tmp_path, '[scenario]\nname = "x"\n[routing]\nreferrals_csv = "absent.csv"\n')
    with pytest.raises(ScenarioError) as err:
        load_scenario(path)
    message = str(err.value)
    assert (
        message == f"{path}: routing.referrals_csv: no such file {str(tmp_path / 'absent.csv')!r}"
    )
    empty = write(
        tmp_path, '[scenario]\nname = "x"\n[routing]\nreferrals_csv = " "\n', name="e.toml"
    )
    with pytest.raises(ScenarioError, match=r"routing\.referrals_csv: give a file path"):
        load_scenario(empty)


# --- routing.engine ----------------------------------------------------------------------------


def test_routing_engine_unset_keeps_the_hash_and_the_library_default(minimal_toml: Path) -> None:
    """Without the key it is left out of the stored parameters and the courier routes use the
    routing library's default engine; set, it reaches SolveParams."""
    from planner.orchestration.routing_io import mode_params
    from routing import SolveParams

    scenario = load_scenario(minimal_toml)
    assert "engine" not in scenario.to_dict()["routing"]
    assert mode_params(scenario.routing, 7).routing == SolveParams(seed=7)
    chosen = scenario.replace(routing={"engine": "ortools"})
    assert chosen.content_hash() != scenario.content_hash()
    assert mode_params(chosen.routing, 7).routing.engine == "ortools"


def test_unknown_routing_engine_is_named(tmp_path: Path) -> None:
    """An engine that does not exist is a ScenarioError naming routing.engine."""
    path = write(tmp_path, '[scenario]\nname = "x"\n[routing]\nengine = "fastest"\n')
    with pytest.raises(ScenarioError, match=r"routing\.engine"):
        load_scenario(path)


# --- staffing request keys (issue 15) ----------------------------------------------------------


def test_request_keys_unset_keep_the_hash_and_price_by_day_and_profession(
    minimal_toml: Path,
) -> None:
    """At their defaults the request and lever keys are left out of the stored parameters; set,
    a Saturday night for a doctor costs base x weekend x night x profession."""
    import datetime as dt

    scenario = load_scenario(minimal_toml)
    stored = scenario.to_dict()["staffing"]
    assert not {k for k in stored if k.startswith(("request_", "lever_"))}
    priced = scenario.replace(
        staffing={
            "request_cost": 2.0,
            "request_cost_weekend": 1.5,
            "request_cost_night": 2.0,
            "request_cost_by_profession": {"doctor": 3.0},
        }
    )
    assert priced.content_hash() != scenario.content_hash()
    cost = priced.staffing.request_cost_fn()
    saturday, monday = dt.date(2026, 11, 7), dt.date(2026, 11, 2)
    assert cost("doctor", saturday, True) == 2.0 * 1.5 * 2.0 * 3.0
    assert cost("midwife", monday, False) == 2.0


def test_request_cost_for_an_unknown_profession_is_named(tmp_path: Path) -> None:
    """A profession the pool does not have is a ScenarioError naming the key and the known ones."""
    path = write(
        tmp_path,
        '[scenario]\nname = "x"\n[staffing]\nrequest_cost_by_profession = { surgeon = 2.0 }\n',
    )
    with pytest.raises(ScenarioError, match=r"request_cost_by_profession.*surgeon.*doctor"):
        load_scenario(path)
