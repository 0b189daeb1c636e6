"""The built geography files: their names, columns and coordinate systems.

Four GeoParquet files in ``data/geo/`` (or ``PLANNER_GEO_DIR``), described column by column in
``data/geo/README.md``.
"""

from __future__ import annotations

METRIC_CRS = "EPSG:3006"  # SWEREF99 TM: metres, for distances and areas in Sweden
WGS84 = "EPSG:4326"

COUNTIES_FILE = "counties.parquet"
MUNICIPALITIES_FILE = "municipalities.parquet"
LOCALITIES_FILE = "localities.parquet"
LAKES_FILE = "lakes.parquet"
GEO_FILES = (COUNTIES_FILE, MUNICIPALITIES_FILE, LOCALITIES_FILE, LAKES_FILE)

GEO_FILES = (COUNTIES_FILE, MUNICIPALITIES_FILE, LOCALITIES_FILE, LAKES_FILE)

COUNTY_COLUMNS = ["county_code", "county_name", "population", "geometry"]
MUNICIPALITY_COLUMNS = ["kommun_code", "kommun_name", "county_code", "population", "geometry"]
LOCALITY_COLUMNS = [
    "locality_id",
    "name",
    "kind",
    "tatort_code",
    "kommun_code",
    "county_code",
    "lon",
    "lat",
    "population_raw",
    "population",
    "geometry",
]
LAKE_COLUMNS = ["name", "geometry"]
