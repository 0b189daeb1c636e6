"""Swedish counties, kommuner and populated places: the built files in ``data/geo/`` and their build.

County figures are SCB's: the sums of its kommun table (:data:`COUNTY_POPULATION`). Modules, one
job each:

* reading and looking up: `files` (names, columns, CRS), `load` (the cached readers),
  `lookup` (`find_place`), `render` (the population map), `errors`;
* building (``planner data build``): `build` (`build_geo_data`, the steps in order), with the
  rules in `scb` (SCB's tables), `tatorter` (the split of tätorter over kommuner), `calibrate`
  (to SCB's kommun totals), `rural` (people outside tätorter), `lakes` (GSHHG) and `ids`
  (locality id ranges).
"""

from planner.geo.build import build_geo_data, ensure_geo_data
from planner.geo.errors import GeoDataMissingError, GeoError, UnknownPlaceError
from planner.geo.files import (
    COUNTIES_FILE,
    COUNTY_COLUMNS,
    GEO_FILES,
    LAKE_COLUMNS,
    LAKES_FILE,
    LOCALITIES_FILE,
    LOCALITY_COLUMNS,
    METRIC_CRS,
    MUNICIPALITIES_FILE,
    MUNICIPALITY_COLUMNS,
    WGS84,
)
from planner.geo.load import (
    geo_info,
    load_counties,
    load_lakes,
    load_localities,
    load_municipalities,
)
from planner.geo.lookup import Place, find_place
from planner.geo.render import render_population_map
from planner.geo.scb import COUNTY_POPULATION, KOMMUN_POPULATION, SWEDEN_POPULATION, scb_dir

__all__ = [
    "COUNTIES_FILE",
    "COUNTY_COLUMNS",
    "COUNTY_POPULATION",
    "GEO_FILES",
    "KOMMUN_POPULATION",
    "LAKES_FILE",
    "LAKE_COLUMNS",
    "LOCALITIES_FILE",
    "LOCALITY_COLUMNS",
    "METRIC_CRS",
    "MUNICIPALITIES_FILE",
    "MUNICIPALITY_COLUMNS",
    "SWEDEN_POPULATION",
    "WGS84",
    "GeoDataMissingError",
    "GeoError",
    "Place",
    "UnknownPlaceError",
    "build_geo_data",
    "ensure_geo_data",
    "find_place",
    "geo_info",
    "load_counties",
    "load_lakes",
    "load_localities",
    "load_municipalities",
    "render_population_map",
    "scb_dir",
]
