"""Where the planner reads its built data and keeps its state.

The repository layout is the default: built geography in ``data/geo/`` and run-time state
(the SQLite database, travel-matrix caches) in ``var/``. Both can be moved with environment
variables so that tests and deployments never write into the source tree by accident.
"""

from __future__ import annotations

import os
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parents[1]


def geo_dir() -> Path:
    """Folder with the built geography files (``PLANNER_GEO_DIR`` overrides)."""
    return Path(os.environ.get("PLANNER_GEO_DIR", REPO_ROOT / "data" / "geo"))


def data_dir() -> Path | None:
    """The configured data folder a scenario file may read input files from besides its own
    folder (``PLANNER_DATA_DIR``; unset or empty: none)."""
    value = os.environ.get("PLANNER_DATA_DIR", "").strip()
    return Path(value).expanduser() if value else None


def var_dir() -> Path:
    """Folder for run-time state: database file, caches (``PLANNER_VAR_DIR`` overrides)."""
    path = Path(os.environ.get("PLANNER_VAR_DIR", REPO_ROOT / "var"))
    path.mkdir(parents=True, exist_ok=True)
    return path


def cache_dir() -> Path:
    """Folder for derived, disposable data such as travel matrices."""
    path = var_dir() / "cache"
    path.mkdir(parents=True, exist_ok=True)
    return path
