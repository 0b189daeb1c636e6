"""Reading the built geography files (cached per file and modification time)."""

from __future__ import annotations

import functools
from pathlib import Path

import geopandas as gpd

from planner.geo.errors import GeoDataMissingError
from planner.geo.files import COUNTIES_FILE, LAKES_FILE, LOCALITIES_FILE, MUNICIPALITIES_FILE
from planner.paths import geo_dir


@functools.lru_cache(maxsize=16)
def _read_cached(path: Path, stamp: tuple[int, int]) -> gpd.GeoDataFrame:
    # ``stamp`` (mtime, size) is part of the key so that a rebuild is picked up.
    return gpd.read_parquet(path)


def _load(name: str, directory: Path | None) -> gpd.GeoDataFrame:
    path = (Path(directory) if directory is not None else geo_dir()) / name
    try:
        stat = path.stat()
    except FileNotFoundError:
        raise GeoDataMissingError(
            f"{path} is missing: run `planner data build` to create the geography files"
        ) from None
    # A copy, so a caller's edits never leak into the cache.
    return _read_cached(path.resolve(), (stat.st_mtime_ns, stat.st_size)).copy()


def load_counties(directory: Path | None = None) -> gpd.GeoDataFrame:
    """The 21 counties: county_code, county_name, population (SCB 2024), geometry (WGS 84)."""
    return _load(COUNTIES_FILE, directory)


def load_municipalities(directory: Path | None = None) -> gpd.GeoDataFrame:
    """The 290 kommuner with SCB's 2024 population, geometry (WGS 84)."""
    return _load(MUNICIPALITIES_FILE, directory)


def load_localities(directory: Path | None = None) -> gpd.GeoDataFrame:
    """Populated points with kind, kommun, county, source and calibrated population (WGS 84)."""
    return _load(LOCALITIES_FILE, directory)


def load_lakes(directory: Path | None = None) -> gpd.GeoDataFrame:
    """The lakes the travel network may not cross (name, polygon less islands, WGS 84)."""
    return _load(LAKES_FILE, directory)


def geo_info(directory: Path | None = None) -> dict[str, int]:
    """Counts of counties, municipalities, localities and the calibrated total population."""
    localities = load_localities(directory)
    return {
        "counties": len(load_counties(directory)),
        "municipalities": len(load_municipalities(directory)),
        "localities": len(localities),
        "population": int(localities["population"].sum()),
    }
