"""The import rules between the packages, read from the source (no import is executed)."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]

#: package -> top-level modules it must never import (layering bottom-up: routing/staffing,
#: then planner, then dashboard; the dashboard holds no optimisation, so no ortools).
FORBIDDEN = {
    "routing": {"planner", "dashboard", "staffing"},
    "staffing": {"planner", "dashboard", "routing"},
    "planner": {"dashboard"},
    "dashboard": {"ortools"},
}


def imported_top_levels(path: Path) -> set[str]:
    """Top-level module names a file imports (absolute imports only)."""
    tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
    names: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names.update(alias.name.split(".")[0] for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            names.add(node.module.split(".")[0])
    return names


@pytest.mark.parametrize("package", sorted(FORBIDDEN))
def test_no_import_runs_back_up(package: str) -> None:
    """routing/ and staffing/ import neither planner/ nor dashboard/; dashboard/ no ortools."""
    offenders = {
        str(path.relative_to(ROOT)): sorted(imported_top_levels(path) & FORBIDDEN[package])
        for path in (ROOT / package).rglob("*.py")
    }
    assert {k: v for k, v in offenders.items() if v} == {}


def test_layering_check_can_fail(tmp_path: Path) -> None:
    """The import reader sees both import forms (so the rule above is not vacuous)."""
    sample = tmp_path / "m.py"
    sample.write_text("import planner.geo\nfrom dashboard import app\nfrom . import x\n")
    assert imported_top_levels(sample) == {"planner", "dashboard"}
