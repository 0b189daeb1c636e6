"""Tätorter: SCB's points, and the split of a tätort that spans several kommuner (rule 2).

SCB gives a tätort one kommun code, but Stockholm's spans 12 kommuner. Each tätort is read as a
disc of its own area around SCB's point (`disc_radius_m`); `split_tatorter` shares its people
between the kommuner the disc overlaps.
"""

from __future__ import annotations

import math
import re
from typing import Any

import geopandas as gpd
import pandas as pd
import shapely
from shapely.geometry import Point
from shapely.geometry.base import BaseGeometry

from planner.geo.calibrate import largest_remainder
from planner.geo.ids import part_id, tatort_id

MIN_PART_SHARE = 0.01
"""A kommun's part of a tätort is kept apart only if it holds at least this share of it..."""
MIN_PART_POPULATION = 200
"""...and at least this many people (SCB's own lower limit for a tätort)."""


def disc_radius_m(area_ha: float) -> float:
    """Radius in metres of the disc with a tätort's area (at least one hectare)."""
    return math.sqrt(max(area_ha, 1.0) * 10_000.0 / math.pi)


def split_tatorter(tatorter: pd.DataFrame, kommuner: gpd.GeoDataFrame) -> pd.DataFrame:
    """Tätort parts: one row per (tätort, kommun) with its share of the tätort's population.

    ``kommuner`` is metric (SWEREF99 TM) with ``kommun_code`` and SCB ``population``. A tätort
    is read as a disc of its own area around SCB's point. Each kommun the disc overlaps weighs
    ``overlap / kommun area x room``, where a kommun's *room* is its SCB population less the
    people of the other tätorter that SCB files under it: the residents the kommun has left for
    this tätort, assumed spread evenly over the kommun. The main part sits at SCB's point in
    SCB's main kommun; a part in another kommun at the representative point of the overlap.
    """
    by_code = kommuner.set_index("kommun_code")
    filed = tatorter.groupby("kommun_code")["population"].sum()
    polygons = by_code.geometry
    index = shapely.STRtree(kommuner.geometry.values)
    codes = kommuner["kommun_code"].to_numpy()
    rows: list[dict[str, Any]] = []
    for t in tatorter.itertuples(index=False):
        point = Point(t.x_sweref99tm, t.y_sweref99tm)
        disc = point.buffer(disc_radius_m(t.area_ha), 32)
        main = str(t.kommun_code)
        overlaps: dict[str, tuple[float, BaseGeometry]] = {}
        for i in index.query(disc, predicate="intersects"):
            code = str(codes[int(i)])
            piece = disc.intersection(polygons[code])
            if not piece.is_empty and piece.area > 0:
                overlaps[code] = (float(piece.area), piece)
        weights: dict[str, float] = {}
        for code, (area, _piece) in overlaps.items():
            own = int(t.population) if code == main else 0
            room = max(0, int(by_code.at[code, "population"]) - int(filed.get(code, 0)) + own)
            weights[code] = area / float(polygons[code].area) * room
        total = sum(weights.values())
        kept = {
            k: w
            for k, w in weights.items()
            if k != main
            and total > 0
            and w / total >= MIN_PART_SHARE
            and w / total * t.population >= MIN_PART_POPULATION
        }
        others = sorted(kept)
        # Integer split in proportion to the kept weights; the main kommun takes the rest.
        scale = 1_000_000
        # SCB files a tätort under the kommun that holds most of it, so the main part is never
        # smaller than another part.
        main_weight = max([total - sum(kept.values()), *kept.values()]) if total > 0 else 1.0
        norm = main_weight + sum(kept.values())
        shares = largest_remainder(
            [max(1, round(main_weight / norm * scale))]
            + [round(kept[k] / norm * scale) for k in others],
            int(t.population),
        )
        rows.append(_part_row(t, main, point, shares[0], main=True, name=str(t.name)))
        for k, share in zip(others, shares[1:], strict=True):
            where = overlaps[k][1].representative_point()
            name = f"{t.name} (del i {by_code.at[k, 'kommun_name']})"
            rows.append(_part_row(t, k, where, share, main=False, name=name))
    return pd.DataFrame(rows)


def _part_row(
    t: Any, kommun: str, where: Point, people: int, *, main: bool, name: str
) -> dict[str, Any]:
    return {
        "locality_id": tatort_id(t.tatort_code) if main else part_id(t.tatort_code, kommun),
        "name": name,
        "kommun_code": kommun,
        "kind": "tatort" if main else "tatort_part",
        "tatort_code": str(t.tatort_code),
        "x": float(where.x),
        "y": float(where.y),
        "population_raw": int(people),
    }


def tatort_name_parts(name: str) -> set[str]:
    """The place names inside a tätort's name: "Ekskogen, Älgeby och Långsjötorp" -> three."""
    parts = re.split(r",\s*|\s+och\s+", name)
    return {p.strip().casefold() for p in parts if p.strip()}
