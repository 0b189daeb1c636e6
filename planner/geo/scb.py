"""SCB's source tables (``data/geo/scb/``): kommun populations 2024, tätorter 2020, county totals.

The tables are copies of ``shared/data/scb`` kept in the repository (provenance in
``data/geo/scb/PROVENANCE.md``). County figures are SCB's: the sums of its kommun table
(:data:`COUNTY_POPULATION`).
"""

from __future__ import annotations

import csv
from pathlib import Path

import pandas as pd

from planner.paths import REPO_ROOT

SCB_KOMMUN_FILE = "kommun_population_2024.csv"
SCB_TATORT_FILE = "tatorter_2020.csv"


def scb_dir() -> Path:
    """Folder with SCB's source tables (a copy of ``shared/data/scb`` kept in the repository)."""
    return REPO_ROOT / "data" / "geo" / "scb"


def _kommun_population() -> dict[str, int]:
    """SCB's kommun table as kommun code -> population."""
    with open(scb_dir() / SCB_KOMMUN_FILE, encoding="utf-8", newline="") as handle:
        return {row["kommun_code"]: int(row["population"]) for row in csv.DictReader(handle)}


KOMMUN_POPULATION: dict[str, int] = dict(sorted(_kommun_population().items()))
"""SCB population per kommun on 31 Dec 2024, keyed by the four-digit kommun code (the 290
kommuner; the first two digits are the county's code)."""


def _county_population() -> dict[str, int]:
    """County totals: the sums of SCB's kommun table by the first two digits of the code."""
    totals: dict[str, int] = {}
    for kommun, population in KOMMUN_POPULATION.items():
        totals[kommun[:2]] = totals.get(kommun[:2], 0) + population
    return dict(sorted(totals.items()))


COUNTY_POPULATION: dict[str, int] = _county_population()
"""SCB population per county on 31 Dec 2024: the sums of SCB's kommun table, keyed by the
two-digit county code (Stockholm "01" 2,473,307)."""

SWEDEN_POPULATION = 10_587_710
"""SCB population of Sweden on 31 Dec 2024: the sum of :data:`COUNTY_POPULATION`."""


def read_scb_kommuner(directory: Path | None = None) -> pd.DataFrame:
    """SCB's kommun populations (31 Dec 2024): kommun_code, kommun_name, population."""
    path = (directory or scb_dir()) / SCB_KOMMUN_FILE
    frame = pd.read_csv(path, dtype={"kommun_code": str, "population": "int64"})
    return frame[["kommun_code", "kommun_name", "population"]].sort_values(
        "kommun_code", ignore_index=True
    )


def read_scb_tatorter(directory: Path | None = None) -> pd.DataFrame:
    """SCB's tätorter 2020 with population, area and SCB's point (SWEREF99 TM and WGS 84)."""
    path = (directory or scb_dir()) / SCB_TATORT_FILE
    frame = pd.read_csv(
        path,
        dtype={
            "tatort_code": str,
            "kommun_code": str,
            "lan_code": str,
            "population": "int64",
            "area_ha": "float64",
        },
    )
    return frame.sort_values("tatort_code", ignore_index=True)
