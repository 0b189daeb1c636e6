"""The locality table every demand function reads: its columns, its checks, and lookups on it.

Any frame with ``locality_id``, ``kommun_code``, ``county_code`` and ``population`` works (the
GeoDataFrame of `planner.geo.load_localities`, or a tiny hand-made one in tests).
"""

from __future__ import annotations

import pandas as pd

#: The columns the demand functions read from a locality table (others are ignored).
NEEDED_COLUMNS = ("locality_id", "kommun_code", "county_code", "population")


def check_localities(localities: pd.DataFrame) -> pd.DataFrame:
    """The checked table: the four columns, int64 ids, string codes, float populations, by id.

    ValueError, naming the problem, for a missing column, a duplicate id, a negative or
    non-numeric population, or a code that lost its leading zero.
    """
    missing = [c for c in NEEDED_COLUMNS if c not in localities.columns]
    if missing:
        raise ValueError(f"The locality table lacks column(s) {missing}.")
    loc = pd.DataFrame(localities[list(NEEDED_COLUMNS)]).reset_index(drop=True)
    if loc["locality_id"].duplicated().any():
        dups = sorted(loc.loc[loc["locality_id"].duplicated(), "locality_id"].unique())[:5]
        raise ValueError(f"The locality table has duplicate locality_id values, e.g. {dups}.")
    pop = pd.to_numeric(loc["population"], errors="coerce")
    if pop.isna().any() or (pop < 0).any():
        raise ValueError("The locality table needs non-negative numeric populations.")
    loc["locality_id"] = loc["locality_id"].astype("int64")
    loc["kommun_code"] = loc["kommun_code"].astype(str)
    loc["county_code"] = loc["county_code"].astype(str)
    code_formats = (("kommun_code", r"\d{4}", "0114"), ("county_code", r"\d{2}", "01"))
    for column, pattern, example in code_formats:
        bad = loc.loc[~loc[column].str.fullmatch(pattern), column]
        if len(bad):
            raise ValueError(
                f"The locality table's {column} must be strings like {example!r} (leading "
                f"zeros kept), got e.g. {sorted(set(bad))[:3]}."
            )
    loc["population"] = pop.astype("float64")
    return loc.sort_values("locality_id", kind="stable").reset_index(drop=True)


def locality_places(loc: pd.DataFrame) -> tuple[dict[int, str], dict[int, str]]:
    """(kommun code, county code) of every locality id."""
    ids = loc["locality_id"].astype(int)
    return (
        dict(zip(ids, loc["kommun_code"], strict=True)),
        dict(zip(ids, loc["county_code"], strict=True)),
    )


def kommun_seats(loc: pd.DataFrame) -> dict[str, int]:
    """Each municipality's most populous locality (ties: lowest locality_id)."""
    ranked = loc.sort_values(["population", "locality_id"], ascending=[False, True], kind="stable")
    first = ranked.drop_duplicates("kommun_code")
    return dict(zip(first["kommun_code"], first["locality_id"].astype(int), strict=True))
