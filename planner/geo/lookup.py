"""Looking places up: a locality by name, or a kommun's most populous locality by its code."""

from __future__ import annotations

import difflib
from dataclasses import dataclass
from pathlib import Path

import pandas as pd

from planner.geo.errors import UnknownPlaceError
from planner.geo.load import load_localities, load_municipalities


@dataclass(frozen=True)
class Place:
    """One populated point: a tätort (or its part in a kommun), a GeoNames place or a spread point."""

    locality_id: int
    name: str
    kommun_code: str
    county_code: str
    lon: float
    lat: float
    population: int


def _most_populous(rows: pd.DataFrame) -> pd.Series:
    """The row with the largest calibrated population (then raw, then lowest id)."""
    ranked = rows.sort_values(
        ["population", "population_raw", "locality_id"], ascending=[False, False, True]
    )
    return ranked.iloc[0]


def _as_place(row: pd.Series) -> Place:
    return Place(
        locality_id=int(row["locality_id"]),
        name=str(row["name"]),
        kommun_code=str(row["kommun_code"]),
        county_code=str(row["county_code"]),
        lon=float(row["lon"]),
        lat=float(row["lat"]),
        population=int(row["population"]),
    )


def find_place(query: str, directory: Path | None = None) -> Place:
    """A locality by name, or a kommun's most populous locality by its 4-digit code.

    Names are tried in order: exact spelling, then ignoring case (accents still matter:
    "Goteborg" is not "Göteborg"), then kommun names ("Solna" is the most populous point of Solna
    kommun, the part of Stockholm's tätort there). Sweden has several places with the same name;
    the most populous one wins.
    """
    text = query.strip()
    localities = load_localities(directory)
    kommuner = load_municipalities(directory)

    if len(text) == 4 and text.isdigit():
        rows = localities[localities["kommun_code"] == text]
        if rows.empty:
            raise UnknownPlaceError(f"unknown kommun code {text!r}")
        return _as_place(_most_populous(rows))

    for rows in (
        localities[localities["name"] == text],
        localities[localities["name"].str.casefold() == text.casefold()],
    ):
        if not rows.empty:
            return _as_place(_most_populous(rows))
    kommun = kommuner[kommuner["kommun_name"].str.casefold() == text.casefold()]
    if not kommun.empty:
        code = kommun["kommun_code"].iloc[0]
        return _as_place(_most_populous(localities[localities["kommun_code"] == code]))

    names = sorted(set(localities["name"]) | set(kommuner["kommun_name"]))
    by_folded = {name.casefold(): name for name in names}
    close = difflib.get_close_matches(text.casefold(), list(by_folded), n=5, cutoff=0.6)
    if close:
        hint = ", ".join(by_folded[c] for c in close)
        raise UnknownPlaceError(f"unknown place {query!r}; did you mean: {hint}?")
    raise UnknownPlaceError(
        f"unknown place {query!r}; give a locality name or a 4-digit kommun code"
    )
