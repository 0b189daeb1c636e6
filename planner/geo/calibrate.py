"""Calibration to SCB's kommun totals, in exact whole people (rule 3 of ``data/geo/README.md``).

In each kommun the tätort points keep their 2020 figures and the rest of SCB's 2024 total lives
outside tätorter; where the points add up to more than the kommun (growth elsewhere since 2020,
or a generous split), they are scaled down to the total and nobody lives outside.
"""

from __future__ import annotations

import pandas as pd

from planner.geo.errors import GeoError


def largest_remainder(weights: list[int], total: int) -> list[int]:
    """Integers proportional to ``weights`` that sum to ``total`` exactly.

    Exact integer arithmetic (no floats), so the result is the same on every machine; ties in
    the remainders go to the earlier position (callers pass rows in id order).
    """
    weight_sum = sum(weights)
    if weight_sum <= 0:
        raise GeoError("cannot share a population over zero weights")
    floors = [w * total // weight_sum for w in weights]
    remainders = [w * total % weight_sum for w in weights]
    missing = total - sum(floors)
    order = sorted(range(len(weights)), key=lambda i: (-remainders[i], i))
    for i in order[:missing]:
        floors[i] += 1
    return floors


def calibrate_to_kommuner(
    parts: pd.DataFrame, totals: pd.Series
) -> tuple[pd.DataFrame, dict[str, int]]:
    """Tätort points with a calibrated ``population``, and the people each kommun has left.

    ``parts`` are the rows of `planner.geo.tatorter.split_tatorter` (``population_raw`` per
    point); ``totals`` is SCB's 2024 population by kommun code. A kommun whose points exceed its
    total scales them down by `largest_remainder` (in locality id order) and has 0 left; the
    others keep their points and have ``total - points`` left; a kommun without points has its
    whole total left. A part scaled down to nobody is dropped (the main tätort row stays).
    """
    parts = parts.copy()
    parts["population"] = parts["population_raw"].astype("int64")
    rest: dict[str, int] = {}
    for kommun, rows in parts.groupby("kommun_code", sort=True):
        target = int(totals[kommun])
        have = int(rows["population_raw"].sum())
        if have > target:
            ordered = rows.sort_values("locality_id")
            parts.loc[ordered.index, "population"] = largest_remainder(
                [int(v) for v in ordered["population_raw"]], target
            )
            rest[str(kommun)] = 0
        else:
            rest[str(kommun)] = target - have
    for kommun in totals.index:
        rest.setdefault(str(kommun), int(totals[kommun]))
    # A part that the kommun cap left without people is no place to plan for.
    kept = parts[(parts["kind"] == "tatort") | (parts["population"] > 0)]
    return kept, rest
