"""Locality ids: stable, disjoint ranges per kind of point (``data/geo/README.md``, "Locality ids").

The build checks that the ranges stay disjoint.
"""

from __future__ import annotations

TATORT_ID_BASE = 100_000_000  # 1KKKKNNN: tätort KKKK T? NNN at SCB's point, in its main kommun
PART_ID_BASE = 100_000_000_000  # 1KKKKNNNPPPP: the same tätort's part in kommun PPPP
GEONAMES_ID_MAX = TATORT_ID_BASE - 1  # GeoNames geonameids are below 14 M today
SPREAD_ID_STEP = 10_000  # -(KKKK + j * 10,000): the j-th spread point of kommun KKKK (j >= 0)


def tatort_id(code: str) -> int:
    """Locality id of a tätort at SCB's point: ``0180TC101`` (Stockholm) -> 100180101."""
    return TATORT_ID_BASE + int(code[:4]) * 1_000 + int(code[6:])


def part_id(code: str, kommun_code: str) -> int:
    """Locality id of a tätort's part in another kommun: ``0180TC101`` in 0184 -> 101801010184."""
    return PART_ID_BASE + (int(code[:4]) * 1_000 + int(code[6:])) * 10_000 + int(kommun_code)


def spread_id(kommun_code: str, j: int) -> int:
    """Locality id of kommun ``kommun_code``'s ``j``-th spread point: Kiruna 2584 -> -2584, -12584."""
    return -(int(kommun_code) + j * SPREAD_ID_STEP)
