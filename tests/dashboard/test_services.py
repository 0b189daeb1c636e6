"""The services' pure parts on tiny hand-made inputs: job progress, shift records, names."""

from __future__ import annotations

import datetime as dt
import math

import pandas as pd
import pytest

from dashboard import services
from dashboard.services.exports import shift_records
from dashboard.services.jobs import SolveJob


@pytest.fixture
def two_planner_job() -> SolveJob:
    """A job of two planners: each counts for half of the overall progress."""
    return SolveJob("job1", "tiny", ["placement", "staffing"])


def test_job_progress_counts_finished_planners(two_planner_job: SolveJob) -> None:
    """Halfway through the first planner is 25 %; the first finished is 50 %; a progress
    message without a fraction changes only the message; done is 100 %."""
    job = two_planner_job
    assert job.overall == 0.0
    job.apply("progress", "placement", 0.5, "placement: half")
    assert (job.planner, job.message, job.overall) == ("placement", "placement: half", 0.25)
    job.apply("finished", "placement", 1.0, {"planner": "placement", "run_id": 7})
    assert job.overall == 0.5 and job.finished == [{"planner": "placement", "run_id": 7}]
    job.apply("progress", "staffing", 0.4, "staffing: starting")
    assert job.overall == 0.7
    job.apply("progress", "staffing", None, "staffing: searching")
    assert (job.message, job.fraction, job.overall) == ("staffing: searching", 0.4, 0.7)
    job.apply("done", None, 1.0, "all planners finished")
    assert job.done and job.error is None and job.overall == 1.0


def test_job_error_ends_the_job(two_planner_job: SolveJob) -> None:
    """An error message marks the job done with the error's text."""
    two_planner_job.apply("error", "placement", None, "scenario 'x' not found")
    assert two_planner_job.done and two_planner_job.error == "scenario 'x' not found"


def test_shift_records_from_a_table() -> None:
    """One stored-looking row: NaN becomes None, text times become datetimes, the day a date,
    and columns that are not Shift fields (hours) are left out."""
    frame = pd.DataFrame(
        {
            "clinician_id": ["C0001"],
            "profession": ["doctor"],
            "day": [pd.Timestamp("2026-11-03")],
            "block": ["am"],
            "start": ["2026-11-03 08:00"],
            "end": ["2026-11-03 12:00"],
            "kind": ["digital"],
            "site_id": [math.nan],
            "hours": [4.0],
        }
    )
    (shift,) = shift_records(frame)
    assert shift.model_dump(exclude={"id", "run_id"}) == {
        "clinician_id": "C0001",
        "profession": "doctor",
        "day": dt.date(2026, 11, 3),
        "block": "am",
        "start": dt.datetime(2026, 11, 3, 8),
        "end": dt.datetime(2026, 11, 3, 12),
        "kind": "digital",
        "site_id": None,
    }


def test_default_scenario_prefers_demo() -> None:
    """``demo`` when stored, else the first name, else None."""
    assert services.default_scenario(["a", "demo"]) == "demo"
    assert services.default_scenario(["b", "a"]) == "b"
    assert services.default_scenario([]) is None


def test_no_plan_message_names_the_command() -> None:
    """A runnable planner without a plan: the CLI command that makes one."""
    assert services.no_plan_message("routing", "north") == (
        "No routing plan stored yet for north — run `planner solve routing --scenario north` "
        "(or use the Scenarios page)."
    )


def test_request_lines_are_stockholm_times_with_county_names() -> None:
    """Stored UTC times become Stockholm wall clock in winter (+1 h) and summer (+2 h); the
    county code becomes its name; rows come in day order; visits are space-separated."""
    utc = dt.UTC
    frame = pd.DataFrame(
        {
            "id": [1, 2],
            "clinician_id": ["C0002", "C0001"],
            "profession": ["doctor", "midwife"],
            "county_code": ["04", "05"],
            "day": [dt.date(2026, 11, 3), dt.date(2026, 6, 1)],
            "block": ["07-12", "22-07"],
            "start": [
                dt.datetime(2026, 11, 3, 6, tzinfo=utc),
                dt.datetime(2026, 6, 1, 20, tzinfo=utc),
            ],
            "end": [
                dt.datetime(2026, 11, 3, 11, tzinfo=utc),
                dt.datetime(2026, 6, 2, 5, tzinfo=utc),
            ],
            "cost": [1.0, 2.5],
            "visits_kept": [2, 1],
            "visit_ids": ["V1,V2", "V3"],
        }
    )
    lines = services.request_lines(frame)
    assert list(lines["clinician_id"]) == ["C0001", "C0002"]
    assert [f"{s:%H:%M}-{e:%H:%M}" for s, e in zip(lines["start"], lines["end"], strict=True)] == [
        "22:00-07:00",
        "07:00-12:00",
    ]
    assert list(lines["county"]) == ["Östergötlands län", "Södermanlands län"]
    assert list(lines["visit_ids"]) == ["V3", "V1 V2"]
    assert list(lines["hours"]) == [9.0, 5.0]


def test_shipped_streamlit_config_listens_on_this_machine_only() -> None:
    """Plain `streamlit run dashboard/app.py` from the repository root binds to localhost and
    hides the developer menu (issue 16: it listened on all interfaces without a config)."""
    import tomllib

    from planner.paths import REPO_ROOT

    config = tomllib.loads((REPO_ROOT / ".streamlit" / "config.toml").read_text(encoding="utf-8"))
    assert config["server"]["address"] == "localhost"
    assert config["client"]["toolbarMode"] == "viewer"
    assert config["browser"]["gatherUsageStats"] is False
