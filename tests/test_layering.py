"""The import rules between the packages, read from the source (no import is executed)."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]

#: package -> modules it must never import (layering bottom-up: the pure libraries routing,
#: staffing and planner/placement, then planner, then dashboard; the dashboard holds no
#: optimisation, so no ortools). A dotted name forbids that module and everything under it;
#: planner/placement may import only itself (``planner.placement``), not the rest of planner.
FORBIDDEN = {
    "routing": {"planner", "dashboard", "staffing"},
    "staffing": {"planner", "dashboard", "routing"},
    "planner/placement": {"planner", "dashboard", "staffing", "routing"},
    "planner": {"dashboard"},
    "dashboard": {"ortools"},
}

#: package -> modules it may import although FORBIDDEN names a parent (its own modules).
ALLOWED = {"planner/placement": {"planner.placement"}}


def imported_modules(path: Path) -> set[str]:
    """Full module names a file imports (absolute imports only; ``from a import b`` is ``a``)."""
    tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
    names: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            names.add(node.module)
    return names


def imported_top_levels(path: Path) -> set[str]:
    """Top-level module names a file imports (absolute imports only)."""
    return {name.split(".")[0] for name in imported_modules(path)}


def within(name: str, packages: set[str]) -> bool:
    """True when module ``name`` is one of ``packages`` or inside one of them."""
    return any(name == p or name.startswith(p + ".") for p in packages)


def offending_imports(path: Path, package: str) -> list[str]:
    """The modules ``path`` (a file of ``package``) imports against the layering rules."""
    allowed = ALLOWED.get(package, set())
    return sorted(
        name
        for name in imported_modules(path)
        if within(name, FORBIDDEN[package]) and not within(name, allowed)
    )


@pytest.mark.parametrize("package", sorted(FORBIDDEN))
def test_no_import_runs_back_up(package: str) -> None:
    """routing/, staffing/ and planner/placement/ import no other package of the project
    (placement not the rest of planner/); planner/ not dashboard/; dashboard/ no ortools."""
    offenders = {
        str(path.relative_to(ROOT)): offending_imports(path, package)
        for path in (ROOT / package).rglob("*.py")
    }
    assert {k: v for k, v in offenders.items() if v} == {}


def test_layering_check_can_fail(tmp_path: Path) -> None:
    """The import reader sees both import forms (so the rule above is not vacuous)."""
    sample = tmp_path / "m.py"
    sample.write_text("import planner.geo\nfrom dashboard import app\nfrom . import x\n")
    assert imported_top_levels(sample) == {"planner", "dashboard"}


def test_placement_may_import_only_itself(tmp_path: Path) -> None:
    """In planner/placement an import of its own modules passes; planner.errors (the app's),
    planner.placementx (a sibling whose name merely starts alike) and routing do not."""
    sample = tmp_path / "m.py"
    sample.write_text(
        "from planner.placement.problem import Site\nimport planner.placement\n"
        "from planner.errors import PlannerError\nimport planner.placementx\n"
        "from routing.network import haversine_km\n"
    )
    assert offending_imports(sample, "planner/placement") == [
        "planner.errors",
        "planner.placementx",
        "routing.network",
    ]
