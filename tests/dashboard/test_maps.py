"""The map helpers on tiny hand-made inputs: colours, Web Mercator, views, labels, marks."""

from __future__ import annotations

import math

import pandas as pd
import pydeck as pdk
import pytest

from dashboard import maps
from dashboard.maps.marks import label_boxes
from dashboard.maps.placement import _units_text, site_labels
from dashboard.mercator import (
    EARTH_RADIUS_M,
    inverse_mercator_y,
    mercator_y,
    metres_per_px,
    px_per_radian,
)


@pytest.fixture
def three_sites() -> pd.DataFrame:
    """Units 1 and 10 at two Stockholm sites 0.03° (~1.7 km) apart, unit 2 in Luleå.

    Easy to reason about: at zoom 4 (all of Sweden) the Stockholm pair is ~0.7 px apart, far
    under the 16 px merge distance, and Luleå is hundreds of pixels away; at zoom 7 every
    label names its site.
    """
    return pd.DataFrame(
        {
            "unit": [10, 1, 2],
            "site_id": ["B", "A", "C"],
            "site_name": ["Solna", "Stockholm", "Luleå"],
            "lon": [18.10, 18.07, 22.15],
            "lat": [59.33, 59.33, 65.58],
        }
    )


def test_share_colour_is_viridis_and_grey_when_unknown() -> None:
    """Viridis (colour-blind safe, lightness rising with the share) at 0, ¼, ½, ¾, 1 and
    linear between; no red-green scale; None and NaN are the no-data grey."""
    assert maps.share_colour(0.0) == [68, 1, 84, 255]
    assert maps.share_colour(0.5) == [33, 145, 140, 255]
    assert maps.share_colour(1.0) == [253, 231, 37, 255]
    assert maps.share_colour(0.125) == [64, 42, 112, 255]  # halfway between the first two stops
    assert maps.share_colour(1.7) == maps.share_colour(1.0)  # clamped
    lightness = [sum(maps.share_colour(p / 10)[:3]) for p in range(11)]
    assert lightness == sorted(lightness)
    assert maps.share_colour(None) == [222, 222, 222, 255]
    assert maps.share_colour(math.nan, alpha=100) == [222, 222, 222, 100]


def test_share_legend_names_not_planned_grey() -> None:
    """The legend shows the scale's ends and what the grey means."""
    html = maps.share_legend_html()
    assert "rgb(68,1,84) 0%" in html and "rgb(253,231,37) 100%" in html
    assert "rgb(178,178,178)" in html and "not planned" in html


def test_unit_colours_cycle_after_ten() -> None:
    """Unit 11 (index 10) gets unit 1's colour; alpha is the last channel."""
    assert maps.colour(0) == [31, 119, 180, 255]
    assert maps.colour(10, 170) == [31, 119, 180, 170]
    assert maps.colour(3) == [214, 39, 40, 255]


def test_web_mercator_arithmetic() -> None:
    """deck.gl's 512 px world: 512 / 2π px per radian at zoom 0, twice that one zoom up; the
    equator is y = 0 and y maps back to its latitude."""
    assert px_per_radian(0) == 512 / (2 * math.pi)
    assert px_per_radian(1) == 2 * px_per_radian(0)
    assert metres_per_px(0) * 512 == pytest.approx(2 * math.pi * EARTH_RADIUS_M)
    assert metres_per_px(3) == pytest.approx(metres_per_px(0) / 8)
    assert mercator_y(0.0) == pytest.approx(0.0)
    assert mercator_y(45.0) == pytest.approx(math.log(math.tan(math.radians(67.5))))
    assert inverse_mercator_y(mercator_y(60.0)) == pytest.approx(60.0)
    assert mercator_y(90.0) == mercator_y(85.05)  # clamped to the projection's range


def test_national_view_fits_sweden() -> None:
    """With every county in the plan, the map opens on all of Sweden, filling the map's height."""
    view = maps.sweden_view()
    x0, y0, x1, y1 = maps.SWEDEN_BOUNDS
    w, h = maps.fits(
        {"zoom": view.zoom, "longitude": view.longitude, "latitude": view.latitude},
        [x0, x1],
        [y0, y1],
    )
    assert max(w, h) <= 1.0 and max(w, h) >= 0.8
    assert 3.3 <= view.zoom <= 4.3  # deck.gl zoom (512 px world) for ~14° of latitude in 620 px


def test_view_for_leaves_the_padding_free() -> None:
    """A box framed with 10 % padding on each side fills 80 % of the tighter dimension."""
    view = maps.view_for([15.0, 17.0], [58.0, 59.0], padding=0.1)
    w, h = maps.fits(
        {"zoom": view.zoom, "longitude": view.longitude, "latitude": view.latitude},
        [15.0, 17.0],
        [58.0, 59.0],
    )
    assert max(w, h) == pytest.approx(0.8, abs=0.002)
    assert maps.view_for([], []).zoom == maps.sweden_view().zoom  # no points: Sweden


def test_view_box_and_counties_in() -> None:
    """The box a view shows is centred on it; counties meet it by their bounding boxes."""
    view = pdk.ViewState(latitude=59.0, longitude=16.0, zoom=7.0)
    lon0, lat0, lon1, lat1 = maps.view_box(view)
    assert (lon0 + lon1) / 2 == pytest.approx(16.0)
    assert lat0 < 59.0 < lat1
    assert lon1 - lon0 == pytest.approx(math.degrees(maps.MAP_WIDTH_PX / px_per_radian(7.0)))
    bounds = {
        "01": ([17.0, 19.0], [59.0, 60.0]),
        "25": ([20.0, 24.0], [65.0, 69.0]),
        "99": ([], []),
    }
    assert maps.counties_in((16.0, 58.0, 18.0, 59.5), bounds) == ["01"]
    assert maps.counties_in((10.0, 55.0, 25.0, 70.0), bounds) == ["01", "25"]


def test_site_labels_one_per_site_with_names(three_sites: pd.DataFrame) -> None:
    """Each site has one label naming it and its units (units sharing a site are listed in
    one label, a run of three or more as a range), whatever the zoom."""
    shared = pd.DataFrame(
        {
            "unit": [4, 5, 6, 7, 2],
            "site_id": ["K"] * 4 + ["E"],
            "site_name": ["Kristinehamn"] * 4 + ["Eskilstuna"],
            "lon": [14.1] * 4 + [16.5],
            "lat": [59.31] * 4 + [59.37],
        }
    )
    assert site_labels(three_sites) == [
        {"lon": 18.07, "lat": 59.33, "label": "Stockholm: unit 1"},
        {"lon": 22.15, "lat": 65.58, "label": "Luleå: unit 2"},
        {"lon": 18.1, "lat": 59.33, "label": "Solna: unit 10"},
    ]
    assert [d["label"] for d in site_labels(shared)] == [
        "Eskilstuna: unit 2",
        "Kristinehamn: units 4-7",
    ]


def test_close_site_labels_do_not_overlap_on_the_national_map(three_sites: pd.DataFrame) -> None:
    """At zoom 4 Stockholm and Solna are ~0.7 px apart: their named labels are placed apart
    (the first above its dot, the other moved off with a leader line), over no dot."""
    import shapely

    frame = maps.PixelFrame(pdk.ViewState(latitude=62, longitude=17, zoom=4.0))
    placed = maps.spread_labels(site_labels(three_sites), frame, marks_px=8)
    boxes = label_boxes(placed, frame)
    assert (placed[0]["dx"], placed[0]["leader"]) == (0, False)
    assert placed[0]["dy"] > 0  # above its dot
    for i, a in enumerate(boxes):
        for b in boxes[i + 1 :]:
            assert not a.intersects(b)
        for d in placed:
            assert not a.intersects(shapely.Point(frame.to_px(d["lon"], d["lat"])).buffer(8))
    # Zooming in scales labels and distances alike: still apart, names kept, at every zoom.
    layer = maps.text_layer(placed, frame, layer_id="labels")
    texts = [
        f["properties"]["label"]
        for f in layer.data["features"]
        if f["properties"]["part"] == "text"
    ]
    assert texts == ["Stockholm: unit 1", "Luleå: unit 2", "Solna: unit 10"]
    leaders = [f for f in layer.data["features"] if f["properties"]["part"] == "leader"]
    assert len(leaders) == sum(d["leader"] for d in placed)


def test_units_text_joins_runs_of_three_or_more() -> None:
    """Three or more consecutive units are a range; two, or gaps, are listed."""
    assert _units_text([7, 4, 5, 6]) == "4-7"
    assert _units_text([1, 2, 3]) == "1-3"
    assert _units_text([1, 2]) == "1, 2"
    assert _units_text([10, 1, 1]) == "1, 10"


def test_dot_is_a_ring_and_a_disc_of_the_asked_pixels() -> None:
    """One row gives two features, the white rim and the dot, their outer edge at 6 + 2 px."""
    view = pdk.ViewState(latitude=59.0, longitude=16.0, zoom=8.0)
    frame = maps.PixelFrame(view)
    layer = maps.dots_layer(
        [{"lon": 16.0, "lat": 59.0, "colour": [1, 2, 3, 255], "name": "A"}],
        frame,
        layer_id="dots",
    )
    rim, dot = layer.data["features"]
    assert rim["properties"]["fill"] == maps.RIM_COLOUR and dot["properties"]["fill"] == [
        1,
        2,
        3,
        255,
    ]
    assert dot["properties"]["name"] == "A" and dot["properties"]["lon"] == 16.0
    centre = frame.to_px(16.0, 59.0)
    outer = max(math.dist(centre, frame.to_px(*p)) for p in rim["geometry"]["coordinates"][0])
    disc = max(math.dist(centre, frame.to_px(*p)) for p in dot["geometry"]["coordinates"][0])
    assert outer == pytest.approx(8.0, abs=0.05)
    assert disc == pytest.approx(6.0, abs=0.05)


def test_share_tiles_colour_by_share_focus_or_not_planned() -> None:
    """Four counties: one with a share, one in focus without, one outside the plan, one with a
    stored share but no demand left to the units (not planned: grey, not "100 %")."""
    square = {"type": "Polygon", "coordinates": [[[0, 0], [1, 0], [1, 1], [0, 0]]]}
    geojson = {
        "features": [
            {"geometry": square, "properties": {"county_code": c, "county_name": n}}
            for c, n in (("01", "Stockholm"), ("03", "Uppsala"), ("25", "Norrbotten"), ("04", "Sö"))
        ]
    }
    layer = maps.share_tiles_layer(
        geojson, {"01": 0.5, "04": 1.0}, focus=["01", "03", "04"], planned={"01", "03"}
    )
    props = [f["properties"] for f in layer.data["features"]]
    assert props == [
        {
            "county_code": "01",
            "name": "Stockholm",
            "fill": [33, 145, 140, 255],
            "detail": "served share: 50,0 %",
        },
        {
            "county_code": "03",
            "name": "Uppsala",
            "fill": [222, 222, 222, 255],
            "detail": "served share: no data",
        },
        {
            "county_code": "25",
            "name": "Norrbotten",
            "fill": [178, 178, 178, 255],
            "detail": "not planned (outside the plan's counties)",
        },
        {
            "county_code": "04",
            "name": "Sö",
            "fill": [178, 178, 178, 255],
            "detail": "not planned (no demand left to the units)",
        },
    ]


def test_route_places_get_one_label_each() -> None:
    """A route from hub H through X, Y and X again back to H: three labels, the hub named,
    X with both visit numbers."""
    from dashboard.maps.routes import _place_labels

    stops = pd.DataFrame(
        {
            "route_id": ["R1"] * 5,
            "seq": [0, 1, 2, 3, 4],
            "kind": ["start", "delivery", "pickup", "delivery", "end"],
            "place": ["Nyköping", "X", "Y", "X", "Nyköping"],
            "lon": [17.0, 17.1, 17.2, 17.1, 17.0],
            "lat": [58.7, 58.8, 58.9, 58.8, 58.7],
        }
    )
    assert _place_labels(stops) == [
        {"lon": 17.0, "lat": 58.7, "label": "Nyköping hub", "name": "Nyköping"},
        {"lon": 17.1, "lat": 58.8, "label": "1 · 3", "name": "X"},
        {"lon": 17.2, "lat": 58.9, "label": "2", "name": "Y"},
    ]
