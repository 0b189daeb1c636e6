"""The dashboard's import rules, read from the source: the services are the one bridge to the
library, and nothing in the dashboard optimises."""

from __future__ import annotations

import re
from pathlib import Path

from tests.test_layering import imported_top_levels

DASHBOARD = Path(__file__).resolve().parents[2] / "dashboard"
LIBRARY = {"planner", "staffing", "routing"}


def library_imports(root: Path) -> dict[str, list[str]]:
    """File (relative to ``root``) -> library packages it imports, for files outside services/."""
    found = {
        str(path.relative_to(root)): sorted(imported_top_levels(path) & LIBRARY)
        for path in root.rglob("*.py")
        if "services" not in path.relative_to(root).parts
    }
    return {k: v for k, v in found.items() if v}


def test_only_the_services_import_the_library() -> None:
    """Views, maps, app and mercator import nothing from planner, staffing or routing."""
    assert library_imports(DASHBOARD) == {}


def test_library_import_check_can_fail(tmp_path: Path) -> None:
    """A view importing planner is reported; the same import under services/ is allowed."""
    (tmp_path / "views").mkdir()
    (tmp_path / "services").mkdir()
    (tmp_path / "views" / "page.py").write_text("from planner.storage import latest_run\n")
    (tmp_path / "services" / "store.py").write_text("import planner.storage\n")
    assert library_imports(tmp_path) == {"views/page.py": ["planner"]}


def test_dashboard_imports_no_solver() -> None:
    """The dashboard holds no optimisation: no ortools anywhere under dashboard/."""
    for path in DASHBOARD.rglob("*.py"):
        assert not re.search(r"^\s*(import|from)\s+ortools", path.read_text(), re.M), path
