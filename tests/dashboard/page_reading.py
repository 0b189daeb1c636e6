"""Reading a dashboard page in AppTest: open it, find its tables, KPI tables and map layers.

Shared by the page tests (the browser tests have :mod:`tests.dashboard.browser`).
"""

from __future__ import annotations

import json
from typing import Any

import pandas as pd
from streamlit.testing.v1 import AppTest

#: planner -> (run id, KPIs), as the ``stored_runs`` fixture gives them.
Runs = dict[str, tuple[int, dict[str, Any]]]


def open_page(at: AppTest, page: str) -> AppTest:
    """Run the app and switch to ``page``; fails on any exception box."""
    at.run()
    if page != "views/overview.py":
        at.switch_page(page).run()
    assert not at.exception, [e.value for e in at.exception]
    return at


def tables(at: AppTest, *columns: str) -> list[pd.DataFrame]:
    """The page's tables that have all ``columns`` (st.dataframe keys are not visible in AppTest)."""
    return [df.value for df in at.dataframe if set(columns) <= set(map(str, df.value.columns))]


def kpi_tables(at: AppTest) -> list[dict[str, float | None]]:
    """KPI tables by planner, in page order (the overview shows placement, staffing, routing)."""
    return [
        dict(zip(t["kpi"], t["stored"], strict=True)) for t in tables(at, "kpi", "stored", "value")
    ]


def layers_of(at: AppTest, index: int = 0) -> tuple[dict[str, Any], dict[str, dict[str, Any]]]:
    """The deck spec of the page's ``index``-th map and its layers by id."""
    spec = json.loads(at.get("deck_gl_json_chart")[index].proto.json)
    return spec, {layer["id"]: layer for layer in spec["layers"]}


def listed(kpis: dict[str, Any]) -> dict[str, Any]:
    """KPIs as the pages list them: per-kommun shares are drawn on the map, not listed."""
    return {k: v for k, v in kpis.items() if not k.startswith("kommun_share_")}


class Downloads:
    """What the page's download buttons serve: AppTest makes a media file manager per run and
    drops it afterwards; this keeps the last one (install it with ``monkeypatch``) and runs a
    button's deferred ``data`` callable as a click would."""

    def __init__(self, monkeypatch: Any) -> None:
        from streamlit.runtime.media_file_manager import MediaFileManager
        from streamlit.testing.v1 import app_test

        managers: list[MediaFileManager] = []

        class Kept(MediaFileManager):
            def __init__(self, *args: Any, **kwargs: Any) -> None:
                super().__init__(*args, **kwargs)
                managers.append(self)

        monkeypatch.setattr(app_test, "MediaFileManager", Kept)
        self._managers = managers

    def read(self, at: AppTest, key: str) -> bytes:
        """The bytes the download button ``key`` serves on the last run."""
        button = at.download_button(key=key)
        manager = self._managers[-1]
        url = manager.execute_deferred(button.proto.deferred_file_id)
        file = manager.read_file(url.rsplit("/", 1)[-1].split(".")[0])
        assert file is not None, url
        return file.content
