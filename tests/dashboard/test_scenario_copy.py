"""The dashboard's scenario copy validates like `planner scenario create` (issue 16)."""

from __future__ import annotations

from pathlib import Path

import pytest

from planner.errors import ScenarioError
from planner.scenario import builtin_scenario_path, load_scenario
from planner.storage import list_scenarios, open_database


@pytest.fixture
def empty_db(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> str:
    """An empty SQLite database the dashboard's services use: anything stored shows here."""
    url = f"sqlite:///{tmp_path / 'copy.db'}"
    monkeypatch.setenv("PLANNER_DATABASE_URL", url)
    return url


def test_a_copy_naming_an_unknown_place_is_not_stored(empty_db: str) -> None:
    """A hub typed into the form that is no place: a ScenarioError naming the key and the
    place, nothing stored (before, it was stored and failed only when solved)."""
    from dashboard.services import copy_scenario

    tiny = load_scenario(builtin_scenario_path("tiny"))
    with pytest.raises(ScenarioError, match=r"routing\.hubs: unknown place 'Atlantis'"):
        copy_scenario(tiny, "tiny-atlantis", "", {"routing": {"hubs": ["Nyköping", "Atlantis"]}})
    assert list_scenarios(open_database(empty_db)) == []
    stored = copy_scenario(tiny, "tiny-copy", "", {"routing": {"hubs": ["Nyköping"]}})
    assert stored == {"name": "tiny-copy", "version": 1}
