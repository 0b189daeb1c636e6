"""The mobile clinics page in AppTest on the tiny scenario: its map, schedule and week table.

Expected values come from the store (``stored_runs``, ``run_rows``), not from the solver.
"""

from __future__ import annotations

import math
import re

import pytest

from tests.dashboard.page_reading import Runs, layers_of, open_page, tables


def ground_m(lon1: float, lat1: float, lon2: float, lat2: float) -> float:
    """Great-circle distance in metres (haversine on deck.gl's earth radius)."""
    p1, p2 = math.radians(lat1), math.radians(lat2)
    a = (
        math.sin((p2 - p1) / 2) ** 2
        + math.cos(p1) * math.cos(p2) * math.sin(math.radians(lon2 - lon1) / 2) ** 2
    )
    return 2 * 6_378_137.0 * math.asin(math.sqrt(a))


def test_mobile_clinics_map_and_schedule_match_stored_rows(
    app_test, app_db: str, stored_runs: Runs
) -> None:
    """The map draws Sweden's counties and the week's sites; the schedule is the stored plan."""
    from planner.storage import open_database, run_rows
    from planner.storage.models import Placement

    at = open_page(app_test, "views/mobile_clinics.py")
    rows = run_rows(open_database(app_db), stored_runs["placement"][0], Placement)
    assert len(at.get("deck_gl_json_chart")) == 1
    spec, layers = layers_of(at)
    assert list(layers) == [
        "borders",
        "counties",
        "kommuner",
        "demand",
        "reach",
        "sites",
        "unit_labels",
    ]
    assert len(layers["borders"]["data"]["features"]) == 21  # every county drawn, no tile server
    assert spec["mapStyle"] == "__MAP_STYLE__" and "mapProvider" not in spec
    schedule = at.dataframe[1].value
    expected = {(f"Unit {r.unit}", r.week): r.site_name for r in rows}
    assert {(u, w): schedule.loc[u, w] for u, w in expected} == expected
    weeks = sorted({r.week for r in rows})
    at.select_slider(key="week").set_value(weeks[-1]).run()
    week_table = tables(at, "site", "residents in reach")[0]
    assert sorted(week_table["site"]) == sorted(r.site_name for r in rows if r.week == weeks[-1])
    _, layers = layers_of(at)
    sites = {
        (round(f["properties"]["lon"], 4), round(f["properties"]["lat"], 4))
        for f in layers["sites"]["data"]["features"]
    }
    assert sites == {(round(r.lon, 4), round(r.lat, 4)) for r in rows if r.week == weeks[-1]}


def test_mobile_clinics_tiles_carry_the_stored_shares(app_test, stored_runs: Runs) -> None:
    """Regression test for the "orange box": kommun and county tiles carry the stored served
    share as their own fill colour (viridis), read with the per-feature accessor; a kommun
    with no demand left to the units (Nyköping's fixed clinic covers it) is "not planned"."""
    from dashboard import maps, services
    from dashboard.maps.style import NO_DATA, NOT_PLANNED
    from planner.orchestration.placement import locality_demand
    from planner.scenario import builtin_scenario_path, load_scenario

    at = open_page(app_test, "views/mobile_clinics.py")
    kpis = stored_runs["placement"][1]
    shares = {k[-2:]: v for k, v in kpis.items() if re.match(r"^county_share_\d\d$", k)}
    kommun_shares = {k[-4:]: v for k, v in kpis.items() if re.match(r"^kommun_share_\d{4}$", k)}
    focus = load_scenario(builtin_scenario_path("tiny")).placement.counties
    assert sorted(shares) == sorted(focus) == ["04", "05"]
    assert {k[:2] for k in kommun_shares} == set(focus)
    _, layers = layers_of(at)
    assert layers["counties"]["getFillColor"] == "@@=properties.fill"
    kommun_tiles = {
        f["properties"]["kommun_code"]: f["properties"]["fill"]
        for f in layers["kommuner"]["data"]["features"]
    }
    # Every kommun of the two counties is drawn: by its share, or grey where none is stored.
    assert sorted(kommun_tiles) == sorted(k for k in services.kommun_names() if k[:2] in focus)
    planned = set(locality_demand(load_scenario(builtin_scenario_path("tiny")))["kommun_code"])
    assert set(kommun_tiles) - planned, "tiny has kommuner the fixed clinic covers"
    assert kommun_tiles == {
        k: NOT_PLANNED
        if k not in planned
        else maps.share_colour(kommun_shares[k])
        if k in kommun_shares
        else NO_DATA
        for k in kommun_tiles
    }
    # Regional map: the scenario's counties lie under their kommuner, so the county layer holds
    # only the rest of Sweden, in plain land.
    county_tiles = {
        f["properties"]["county_code"]: (f["properties"]["fill"], f["properties"]["detail"])
        for f in layers["counties"]["data"]["features"]
    }
    rest = sorted(set(services.county_names()) - set(focus))
    assert len(rest) == 19
    assert county_tiles == dict.fromkeys(
        rest, (NOT_PLANNED, "not planned (outside the plan's counties)")
    )


def test_every_map_layer_is_one_polygon_layer(app_test) -> None:
    """One deck.gl layer type, built alike (per-feature colours, fill only, pickable): a second
    type or pipeline state costs ~0.4 s per page load in software WebGL (maps.layers docstring)."""
    at = open_page(app_test, "views/mobile_clinics.py")
    spec, _ = layers_of(at)
    for layer in spec["layers"]:
        assert layer["@@type"] == "GeoJsonLayer" and layer["stroked"] is False, layer["id"]
        assert layer["getFillColor"] == "@@=properties.fill", layer["id"]
        assert layer["pickable"] is True, layer["id"]
        kinds = {f["geometry"]["type"] for f in layer["data"]["features"]}
        assert kinds <= {"Polygon", "MultiPolygon"}, (layer["id"], kinds)  # no point/line sublayers
        for feature in layer["data"]["features"]:
            fill = feature["properties"]["fill"]
            assert len(fill) == 4 and all(isinstance(c, int) for c in fill), (layer["id"], fill)
        for key, value in layer.items():
            if key.endswith(("Units", "Anchor", "Baseline", "characterSet")):
                assert not str(value).startswith("@@="), (layer["id"], key, value)


def test_mobile_clinics_marks_are_true_to_size(app_test, app_db: str, stored_runs: Runs) -> None:
    """Reach is a thin translucent ring at the scenario's radius (ground metres) around each
    site, sites are dots of a few pixels (the "orange box" drew world-sized discs), and each
    site of the first week has its named label."""
    from dashboard import maps
    from planner.scenario import builtin_scenario_path, load_scenario
    from planner.storage import open_database, run_rows
    from planner.storage.models import Placement

    at = open_page(app_test, "views/mobile_clinics.py")
    spec, layers = layers_of(at)
    radius_m = load_scenario(builtin_scenario_path("tiny")).placement.radius_minutes * 1000.0
    frame = maps.PixelFrame(spec["initialViewState"])
    sites = {
        f["properties"]["name"]: f
        for f in layers["sites"]["data"]["features"]
        if f["properties"]["fill"] != maps.RIM_COLOUR
    }
    rows = run_rows(open_database(app_db), stored_runs["placement"][0], Placement)
    first_week = [r for r in rows if r.week == min(r.week for r in rows)]
    assert sorted(sites) == sorted(f"Unit {r.unit} · {r.site_name}" for r in first_week)
    assert len(layers["reach"]["data"]["features"]) == len(sites)
    for ring in layers["reach"]["data"]["features"]:
        site = sites[ring["properties"]["name"]]["properties"]
        distances = [
            ground_m(site["lon"], site["lat"], lon, lat)
            for part in ring["geometry"]["coordinates"]
            for lon, lat in part
        ]
        assert 0.97 * radius_m <= min(distances) <= max(distances) <= 1.03 * radius_m
        assert ring["properties"]["fill"][3] == 170  # translucent
    for dot in sites.values():
        x, y = frame.to_px(dot["properties"]["lon"], dot["properties"]["lat"])
        radius_px = max(
            math.dist((x, y), frame.to_px(lon, lat))
            for lon, lat in dot["geometry"]["coordinates"][0]
        )
        assert 5.9 <= radius_px <= 6.1  # the 6 px dot
    labels = [
        f["properties"]["label"]
        for f in layers["unit_labels"]["data"]["features"]
        if f["properties"]["part"] == "text"
    ]
    # One label per site, naming it and its units; tiny's units stand at distinct sites.
    assert len({r.site_id for r in first_week}) == len(first_week)
    assert sorted(labels) == sorted(f"{r.site_name}: unit {r.unit}" for r in first_week)


def test_mobile_clinics_first_view_frames_the_scenario(app_test) -> None:
    """The first view frames the two counties: all of them visible, and not zoomed out further."""
    from dashboard import maps
    from planner import geo
    from planner.scenario import builtin_scenario_path, load_scenario

    at = open_page(app_test, "views/mobile_clinics.py")
    spec, _ = layers_of(at)
    focus = load_scenario(builtin_scenario_path("tiny")).placement.counties
    counties = geo.load_counties()
    x0, y0, x1, y1 = counties[counties["county_code"].isin(focus)].total_bounds
    width_share, height_share = maps.fits(spec["initialViewState"], [x0, x1], [y0, y1])
    assert max(width_share, height_share) <= 1.0
    assert max(width_share, height_share) >= 0.8


def test_demand_layer_is_the_demand_model_per_locality(app_test) -> None:
    """The demand layer draws the week's demand left to the units per locality, the demand
    model's own numbers (largest first), each named with its patients in the tooltip; the
    toggle hides it."""
    from dashboard import maps
    from planner.orchestration.placement import locality_demand
    from planner.scenario import builtin_scenario_path, load_scenario

    at = open_page(app_test, "views/mobile_clinics.py")
    _, layers = layers_of(at)
    source = locality_demand(load_scenario(builtin_scenario_path("tiny")))
    week = source[source["week"] == min(source["week"])]
    assert 0 < len(week) <= maps.MAX_DEMAND_POINTS  # tiny: every place drawn
    dots = {
        f["properties"]["locality_id"]: f["properties"]
        for f in layers["demand"]["data"]["features"]
    }
    assert dots.keys() == set(week["locality_id"])
    for row in week.itertuples():
        dot = dots[row.locality_id]
        assert dot["patients"] == pytest.approx(row.patients, abs=1e-3)
        assert dot["name"] == row.name
        assert dot["detail"].startswith(f"{services_number(row.patients)} expected patients in")
    biggest = week.loc[week["patients"].idxmax(), "locality_id"]
    assert dots[biggest]["radius_px"] == max(d["radius_px"] for d in dots.values())
    at.toggle(key="demand_layer").set_value(False).run()
    _, layers = layers_of(at)
    assert "demand" not in layers


def services_number(value: float) -> str:
    """A place's patients as the tooltip writes them (one decimal, Swedish)."""
    return f"{value:,.1f}".replace(",", " ").replace(".", ",")
