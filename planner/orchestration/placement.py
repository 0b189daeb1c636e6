"""Builds the placement problem from a scenario, solves it, and turns the plan into rows.

Where the data comes from:
- candidate sites: localities with at least ``candidate_min_population`` residents (or every
  kommun's largest locality with ``candidate_rule = "kommun_seats"``), plus named extra sites;
- demand points: every locality, with the weekly demand of the service lines the units offer;
  small ones merged into a nearby larger one of the same kommun (``merge_small_points``);
- travel: the matrix source of :mod:`planner.travel` (cached on disk);
- fixed clinics: named places whose reach (the same radius) covers demand without a unit.

After the solve, :func:`crew_check` asks the staffing pool (the same seeded clinicians the
staffing run rosters) whether each placed site-day in the staffing horizon has a doctor of its
county who declared the day, and names those that do not (a warning: the model does not see
the pool).

The placement library raises its own errors (:class:`~planner.placement.PlacementError`);
:func:`placement_errors` reports them as the app's :class:`PlannerError` with the same message,
so the CLI prints them without a traceback and a failed run stores them as they are.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import numpy as np
import pandas as pd

from planner import geo, travel
from planner.demand import weekly_demand
from planner.errors import PlannerError, ScenarioError
from planner.orchestration.context import ProgressCallback, RunContext
from planner.orchestration.staffing import (
    county_names,
    mobile_days_from_placements,
    pool_crew_gaps,
    pool_gap_message,
)
from planner.placement import (
    DemandPoint,
    PlacementError,
    PlacementKpis,
    PlacementProblem,
    PlacementSolution,
    RegionContract,
    Site,
    SolveParams,
    evaluate,
    solve,
)
from planner.scenario import Scenario
from planner.storage.models import Placement
from planner.storage.store import RunOutcome
from routing.network import haversine_km


@contextmanager
def placement_errors() -> Iterator[None]:
    """Report the placement library's errors as :class:`PlannerError`, message unchanged."""
    try:
        yield
    except PlacementError as exc:
        raise PlannerError(str(exc)) from exc


def _resolve(names: list[str], key: str, directory: Path | None) -> list[geo.Place]:
    places = []
    for name in names:
        try:
            places.append(geo.find_place(name, directory))
        except geo.UnknownPlaceError as exc:
            raise ScenarioError(f"{key}: {exc}") from None
    return places


def candidate_localities(
    scenario: Scenario, localities: pd.DataFrame, directory: Path | None = None
) -> pd.DataFrame:
    """The localities that may host a unit, by the scenario's candidate rule.

    Spread points (a kommun's people outside tätorter, ``kind = "spread"``) are demand only: a
    unit stands in a town, a tätort or a named place, not at a grid point.
    """
    params = scenario.placement
    if "kind" in localities.columns:
        localities = localities[localities["kind"] != "spread"]
    if params.candidate_rule == "kommun_seats":
        ranked = localities.sort_values(
            ["kommun_code", "population", "population_raw", "locality_id"],
            ascending=[True, False, False, True],
        )
        chosen = set(ranked.groupby("kommun_code").head(1)["locality_id"])
    else:
        chosen = set(
            localities.loc[
                localities["population"] >= params.candidate_min_population, "locality_id"
            ]
        )
    chosen |= {
        p.locality_id
        for p in _resolve(params.candidate_sites, "placement.candidate_sites", directory)
    }
    out = localities[localities["locality_id"].isin(chosen)].sort_values("locality_id")
    if out.empty:
        raise ScenarioError(
            f"placement: no candidate site (no locality has {params.candidate_min_population} "
            "residents and no candidate_sites are named)"
        )
    return out


def merge_small_points(
    localities: pd.DataFrame, table: pd.DataFrame, min_population: int, within_km: float
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Demand points under ``min_population`` residents joined to the nearest point of at least
    that size in the same kommun within ``within_km`` (straight line): its residents and weekly
    demand move there. A small point with no such neighbour stays. Rows keep locality order.

    Why: SCB's 2,017 tätorter and the spread points make ~2,800 demand points, and the
    placement model grows with the distinct reaches among them; a village 5 km from a town is
    within the same units' reach in practice.
    """
    if min_population <= 0 or within_km <= 0:
        return localities, table
    big = localities["population"] >= min_population
    target = localities["locality_id"].to_numpy().copy()
    for _kommun, rows in localities.groupby("kommun_code", sort=False):
        anchors = rows[big.loc[rows.index]]
        small = rows[~big.loc[rows.index]]
        if anchors.empty or small.empty:
            continue
        dist = haversine_km(
            small["lon"].to_numpy()[:, None],
            small["lat"].to_numpy()[:, None],
            anchors["lon"].to_numpy()[None, :],
            anchors["lat"].to_numpy()[None, :],
        )
        nearest = dist.argmin(axis=1)
        close = dist[np.arange(len(small)), nearest] <= within_km
        positions = localities.index.get_indexer(small.index[close])
        target[positions] = anchors["locality_id"].to_numpy()[nearest[close]]
    if (target == localities["locality_id"].to_numpy()).all():
        return localities, table
    mapping = pd.Series(target, index=localities["locality_id"].to_numpy())
    merged_table = table.groupby(mapping.reindex(table.index).to_numpy()).sum()
    population = localities.groupby(target)["population"].sum()
    kept = localities[localities["locality_id"].isin(population.index)].copy()
    kept["population"] = kept["locality_id"].map(population).astype("int64")
    kept = kept.reset_index(drop=True)
    return kept, merged_table.reindex(kept["locality_id"]).fillna(0.0)


def demand_table(
    scenario: Scenario, localities: pd.DataFrame, weeks: tuple[str, ...]
) -> pd.DataFrame:
    """Weekly demand of the services the units offer: one row per locality, one column per
    week (``YYYY-Www``), zeros where there is none."""
    demand_long = weekly_demand(localities, list(weeks), scenario.demand)
    demand_long = demand_long[demand_long["service"].isin(scenario.placement.services)]
    demand_long = demand_long.assign(
        week=[
            f"{y}-W{w:02d}"
            for y, w in zip(demand_long["iso_year"], demand_long["iso_week"], strict=True)
        ]
    )
    table = demand_long.pivot_table(
        index="locality_id", columns="week", values="demand", aggfunc="sum", fill_value=0.0
    )
    return table.reindex(index=localities["locality_id"], columns=list(weeks), fill_value=0.0)


def locality_demand(scenario: Scenario, directory: Path | None = None) -> pd.DataFrame:
    """The weekly demand the mobile units are asked to serve, per locality: what the
    placement planner sees before it merges small points (``merge_small_points`` only moves
    demand to a nearby town), with zero where a fixed clinic covers the locality.

    One row per locality and week with demand: ``locality_id``, ``name``, ``county_code``,
    ``kommun_code``, ``lon``, ``lat``, ``week`` (``YYYY-Www``) and ``patients`` (expected).
    For the map's "why is the unit here": the same numbers the plan was solved against.
    """
    params = scenario.placement
    localities = geo.load_localities(directory).sort_values("locality_id", ignore_index=True)
    if params.counties:
        localities = localities[localities["county_code"].isin(params.counties)]
    localities = localities.reset_index(drop=True)
    weeks = tuple(scenario.scenario.weeks)
    table = demand_table(scenario, localities, weeks)
    fixed = _resolve(params.fixed_clinics, "placement.fixed_clinics", directory)
    if fixed:
        minutes = (
            travel.matrix_source(directory)
            .matrix([str(p.locality_id) for p in fixed], [str(i) for i in table.index])
            .minutes
        )
        table.loc[(minutes <= params.radius_minutes).any(axis=0)] = 0.0
    long = (
        table.rename_axis(index="locality_id", columns="week")
        .stack()
        .rename("patients")
        .reset_index()
    )
    long = long[long["patients"] > 0]
    places = pd.DataFrame(localities[["locality_id", "name", "county_code", "kommun_code"]])
    places["lon"], places["lat"] = localities["lon"], localities["lat"]
    out = long.merge(places, on="locality_id", how="left")
    out["locality_id"] = out["locality_id"].astype(str)
    columns = ["locality_id", "name", "county_code", "kommun_code", "lon", "lat", "week"]
    return out[[*columns, "patients"]].reset_index(drop=True)


def build_problem(scenario: Scenario, directory: Path | None = None) -> PlacementProblem:
    """The placement problem of a scenario, from the built geography and demand model."""
    params = scenario.placement
    localities = geo.load_localities(directory).sort_values("locality_id", ignore_index=True)
    if params.counties:
        known = set(localities["county_code"])
        unknown = sorted(set(params.counties) - known)
        if unknown:
            raise ScenarioError(f"placement.counties: unknown county codes {', '.join(unknown)}")
        localities = localities[localities["county_code"].isin(params.counties)].reset_index(
            drop=True
        )
    sites_df = candidate_localities(scenario, localities, directory)
    fixed = _resolve(params.fixed_clinics, "placement.fixed_clinics", directory)
    weeks = tuple(scenario.scenario.weeks)
    table = demand_table(scenario, localities, weeks)
    localities, table = merge_small_points(
        localities, table, params.demand_merge_population, params.demand_merge_km
    )
    point_ids = [str(i) for i in localities["locality_id"]]
    site_ids = [str(i) for i in sites_df["locality_id"]]
    fixed_ids = [str(p.locality_id) for p in fixed]
    source = travel.matrix_source(directory)
    to_points = source.matrix(site_ids + fixed_ids, point_ids)
    between = source.matrix(site_ids, site_ids)
    n_sites = len(site_ids)
    fixed_covered = np.asarray(
        (to_points.minutes[n_sites:] <= params.radius_minutes).any(axis=0)
        if fixed_ids
        else np.zeros(len(point_ids), bool)
    )

    return PlacementProblem(
        sites=tuple(
            Site(
                str(r.locality_id),
                str(r.name),
                str(r.county_code),
                str(r.kommun_code),
                float(r.lon),
                float(r.lat),
            )
            for r in sites_df.itertuples()
        ),
        points=tuple(
            DemandPoint(
                str(r.locality_id), str(r.county_code), str(r.kommun_code), int(r.population)
            )
            for r in localities.itertuples()
        ),
        weeks=weeks,
        demand=table.to_numpy(dtype=float),
        site_point_minutes=to_points.minutes[:n_sites],
        site_site_minutes=between.minutes,
        site_site_km=between.km,
        units=params.units,
        radius_minutes=params.radius_minutes,
        capacity_per_week=params.capacity_per_week,
        min_stay_weeks=params.min_stay_weeks,
        fixed_covered=fixed_covered,
        relocation_cost_per_km=params.relocation_cost_sek_per_km,
        value_per_patient=params.value_per_patient_sek,
        region_contracts=tuple(
            RegionContract(c.county_code, c.unit_weeks) for c in params.region_contracts
        ),
        equity=params.equity,
        county_floor_share=params.county_floor_share,
    )


def placement_rows(
    problem: PlacementProblem, solution: PlacementSolution, kpis: PlacementKpis
) -> list[Placement]:
    """One row per week and unit, with the unit's expected patients and residents in reach."""
    rows = []
    for w, sites in enumerate(solution.unit_sites):
        for u, site_id in enumerate(sites):
            site = problem.sites[problem.site_index(site_id)]
            rows.append(
                Placement(  # type: ignore[call-arg]  # run_id is set by store.finish_run
                    week=problem.weeks[w],
                    unit=u + 1,
                    site_id=site.id,
                    site_name=site.name,
                    kommun_code=site.kommun_code,
                    county_code=site.county_code,
                    lon=site.lon,
                    lat=site.lat,
                    expected_patients=float(kpis.unit_week_patients[w][u]),
                    covered_population=int(kpis.unit_week_population[w][u]),
                )
            )
    return rows


def run_placement(
    scenario: Scenario,
    on_progress: ProgressCallback | None = None,
    context: RunContext | None = None,
) -> RunOutcome:
    """The ``placement`` planner: problem -> solve -> evaluate -> rows and KPIs.

    ``placement.time_limit_s`` bounds the solve, every stage of it (:func:`solve`); the clock
    starts once the demand and travel data are read (their time grows with the horizon and
    the counties, not with the limit). A solve stopped by the limit stores its best plan with
    KPI ``time_limit_reached`` = 1 and says in the run message what the limit cut short."""
    if on_progress:
        on_progress(0.0, "reading demand and travel times")
    with placement_errors():
        problem = build_problem(scenario)
        solution = solve(
            problem, SolveParams(time_limit_s=scenario.placement.time_limit_s), on_progress
        )
        if not solution.has_plan:
            raise PlannerError(f"placement: {solution.message} (solver status {solution.status})")
        kpis = evaluate(problem, solution)
        rows = placement_rows(problem, solution, kpis)
    values: dict[str, float | int | None] = dict(kpis.to_dict())
    values["gap"] = solution.gap
    values["solver_seconds"] = round(solution.seconds, 3)
    values["time_limit_reached"] = int(solution.time_limited)
    crews, crew_note = crew_check(scenario, rows)
    values.update(crews)
    rules = "; ".join(f"{v.rule} at {v.where}: {v.amount:g}" for v in kpis.violations)
    limit_note = (
        f"time limit {scenario.placement.time_limit_s:g} s reached"
        + (f" ({solution.message})" if solution.message else "")
        if solution.time_limited
        else ""
    )
    return RunOutcome(
        solver_status=solution.status,
        kpis=values,
        rows=rows,
        objective=solution.objective,
        bound=solution.bound,
        message=". ".join(m for m in (limit_note, rules, crew_note) if m) or None,
    )


def crew_check(scenario: Scenario, rows: list[Placement]) -> tuple[dict[str, float], str | None]:
    """Whether the staffing pool can crew the plan's site-days in the staffing horizon: KPIs
    ``mobile_site_days`` (placed site-days there) and ``mobile_crews_without_clinician`` (crew
    members no clinician of the county declared for; a unit standing where the pool has no
    doctor that day), and a message naming them.

    A warning only: the placement model does not know the pool (it stays a pure library), so
    it may still place a unit in a county-week without a doctor; the staffing run then names
    the site-day and why (:func:`planner.orchestration.staffing.crew_message`).
    """
    days = mobile_days_from_placements(scenario, RunContext(placements=tuple(rows)))
    gaps = pool_crew_gaps(scenario, days)
    kpis = {
        "mobile_site_days": float(len({(m.site_id, m.day) for m in days})),
        "mobile_crews_without_clinician": float(sum(g.missing for g in gaps)),
    }
    return kpis, pool_gap_message(gaps, county_names() if gaps else {})
