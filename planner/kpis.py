"""What every stored KPI means, in plain words and with its unit, and how people read its value.

One source for the dashboard's cards and help texts, the CLI's summaries and the exports:
:func:`describe` gives a KPI's label, unit and definition (exact names first, then the families
such as ``violations_<rule>`` or ``county_share_<code>``); :func:`format_value` writes a value
the Swedish way (a space between thousands, a decimal comma, shares as per cent).
The continuity measures and miss reasons are the staffing library's own words
(:data:`staffing.CONTINUITY_MEASURES`, :data:`staffing.MISS_REASONS`).
"""

from __future__ import annotations

import math
import re
from collections.abc import Callable
from dataclasses import dataclass

from staffing import CONTINUITY_MEASURES, CREW_REASONS, MISS_REASONS

#: Units a KPI can have. ``share`` values are fractions in [0, 1] shown as per cent; ``flag``
#: is 1 (yes) or 0 (no); ``count`` has no unit word.
UNITS = (
    "share",
    "flag",
    "count",
    "SEK",
    "patients",
    "residents",
    "h",
    "km",
    "min",
    "days",
    "s",
    "points",
    "index",
)


@dataclass(frozen=True)
class KpiInfo:
    """A KPI for people: a short label, its unit (one of :data:`UNITS`) and a definition."""

    label: str
    unit: str
    definition: str


def _k(label: str, unit: str, definition: str) -> KpiInfo:
    return KpiInfo(label, unit, definition)


_BOUND = (
    "No roster can do better: the share of return visits whose index clinician declared "
    "availability on some day of the return window, in a block that takes follow-ups."
)

#: KPIs by exact name.
KPIS: dict[str, KpiInfo] = {
    # --- placement of the mobile clinics -------------------------------------------------
    "served_patients": _k(
        "Patients served",
        "patients",
        "Expected patients the mobile clinics serve over the horizon, within each unit's weekly "
        "capacity and reach (recomputed from the plan, not taken from the solver).",
    ),
    "demand_total": _k(
        "Demand",
        "patients",
        "Expected patients over the horizon in the planned area, for the units' service lines.",
    ),
    "demand_fixed_clinics": _k(
        "Demand met by fixed clinics",
        "patients",
        "Expected patients living within reach of one of the fixed clinics; they count "
        "as covered and are not left to the units.",
    ),
    "served_share": _k(
        "Served share",
        "share",
        "Patients the units serve, as a share of the demand left to them (demand minus what "
        "fixed clinics cover).",
    ),
    "served_share_incl_fixed": _k(
        "Served share incl. fixed clinics",
        "share",
        "Patients served by the units or within reach of a fixed clinic, as a share of all demand.",
    ),
    "population_in_reach": _k(
        "Residents in reach",
        "residents",
        "Residents living within the reach radius of a unit or a fixed clinic, averaged over "
        "the weeks (SCB population).",
    ),
    "population_in_reach_share": _k(
        "Residents in reach (share)",
        "share",
        "Residents within reach of a unit or a fixed clinic, as a share of the planned area's "
        "population, averaged over the weeks.",
    ),
    "mean_travel_minutes": _k(
        "Mean travel time",
        "min",
        "Average drive from a served patient's home to their unit, weighted by patients.",
    ),
    "relocations": _k("Moves", "count", "Times a unit moves to another site between weeks."),
    "relocation_km": _k("Km moved", "km", "Road kilometres driven by units moving between sites."),
    "relocation_hours": _k("Hours moving", "h", "Driving time of the units' moves."),
    "long_relocations": _k(
        "Long moves",
        "count",
        "Moves of more than four hours' drive: the unit loses most of a working day.",
    ),
    "unit_utilisation": _k(
        "Unit utilisation",
        "share",
        "Patients served as a share of the units' total capacity over the horizon.",
    ),
    "plan_value": _k(
        "Plan value",
        "SEK",
        "Value of the patients served (value per patient) minus the cost of moving the units: "
        "what the placement maximises.",
    ),
    "min_county_share": _k(
        "Lowest county served share",
        "share",
        "The served share of the county that is served worst (equity).",
    ),
    "gap": _k(
        "Optimality gap",
        "share",
        "How far the plan may be from the best possible: (bound - value) / value. 0 means "
        "proven optimal.",
    ),
    "solver_seconds": _k("Solver time", "s", "Wall-clock seconds the solver ran."),
    "time_limit_reached": _k(
        "Time limit reached",
        "flag",
        "Whether the solve stopped at its time limit with the best plan found so far; the "
        "plan's note says which stages were cut short.",
    ),
    "mobile_site_days": _k(
        "Mobile site-days",
        "count",
        "Days on which a placed unit stands at a site and needs a crew.",
    ),
    "mobile_crews_without_clinician": _k(
        "Site-days no doctor declared",
        "count",
        "Placed unit-days in the staffing horizon for which no doctor of the site's county "
        "declared availability: no roster can crew them.",
    ),
    # --- staffing -------------------------------------------------------------------------
    "continuity_rate": _k("Same-clinician rate", "share", CONTINUITY_MEASURES["continuity_rate"]),
    "upc": _k("UPC", "index", CONTINUITY_MEASURES["upc"] + " 1 is perfect continuity."),
    "coc": _k("COC", "index", CONTINUITY_MEASURES["coc"]),
    "secon": _k("SECON", "index", CONTINUITY_MEASURES["secon"] + " 1 is perfect continuity."),
    "availability_bound": _k("Availability bound", "share", _BOUND),
    "continuity_target": _k(
        "Continuity target",
        "share",
        "The same-clinician rate the provider promises (96 %).",
    ),
    "cover": _k(
        "Demand cover",
        "share",
        "Clinician hours rostered where demand asks for them, as a share of the hours "
        "demanded (per day, block and profession).",
    ),
    "shortfall_hours": _k(
        "Cover gap",
        "h",
        "Hours of demand no rostered clinician covers (per day, block and profession).",
    ),
    "hard_violations": _k(
        "Hard rules broken",
        "count",
        "Breaches of hard rules (working-time law, availability, no overlaps). Must be 0 "
        "for a roster to be used.",
    ),
    "soft_violations": _k(
        "Soft rules bent",
        "count",
        "Times a soft rule (preferences, fair shares, contract hours) is bent; each is priced.",
    ),
    "rostered_hours": _k("Rostered hours", "h", "Hours of all shifts in the roster."),
    "contract_hours": _k(
        "Contract hours", "h", "Hours the clinicians' contracts ask for over the horizon."
    ),
    "mean_abs_contract_deviation_h": _k(
        "Mean deviation from contract",
        "h",
        "Average of |rostered - contract hours| over clinicians.",
    ),
    "share_within_10pct_of_contract": _k(
        "Within 10 % of contract",
        "share",
        "Clinicians whose rostered hours are within 10 % of their contract hours.",
    ),
    "mobile_site_days_unstaffed": _k(
        "Site-days without full crew",
        "count",
        "Mobile site-days with at least one crew member missing.",
    ),
    "mobile_crew_missing": _k(
        "Crew members missing",
        "count",
        "Crew members missing over all mobile site-days.",
    ),
    "mobile_crew_extra": _k(
        "Crew members above need",
        "count",
        "Clinicians rostered on mobile site-days beyond the crew a unit needs.",
    ),
    "misses": _k(
        "Return visits with another clinician",
        "count",
        "Return visits not taken by the clinician the patient saw at the index visit.",
    ),
    "misses_not_rostered_unexplained": _k(
        "Misses not explained in time",
        "count",
        "Misses where a block was free but the roster left the index clinician off, whose "
        "reason was not worked out within the explaining time after the solve.",
    ),
    "baseline_rate": _k(
        "Same-clinician rate of the simple rule",
        "share",
        "The rate of the reference roster: fill demand first, contract hours next, without "
        "looking at continuity (also the solver's starting roster).",
    ),
    "baseline_cover": _k(
        "Demand cover of the simple rule", "share", "Demand cover of the reference roster."
    ),
    "baseline_hard_violations": _k(
        "Hard rules broken by the simple rule",
        "count",
        "Hard-rule breaches of the reference roster.",
    ),
    "baseline_mobile_site_days_unstaffed": _k(
        "Site-days without crew (simple rule)",
        "count",
        "Mobile site-days short of crew in the reference roster.",
    ),
    "continuity_gain_points": _k(
        "Continuity gain",
        "points",
        "Same-clinician rate of this roster minus the simple rule's, in percentage points.",
    ),
    "solve_seconds": _k("Solver time", "s", "Wall-clock seconds the solver ran."),
    # --- continuity: reaching the target -------------------------------------------------
    "requests": _k(
        "Availability requests",
        "count",
        "Extra slots (a clinician, a day, a block) to ask clinicians for so the roster reaches "
        "the continuity target; only the slots the final roster works.",
    ),
    "requests_asked": _k(
        "Requests asked", "count", "Slots asked for over all rounds, before pruning."
    ),
    "requests_cost": _k(
        "Cost of the requests",
        "count",
        "Weighted count of the requests (weekend and night requests weigh more).",
    ),
    "requests_lower_bound": _k(
        "Fewest requests for the target",
        "count",
        "Proved: no set of fewer (cheaper) requests can make enough index clinicians available "
        "to reach the target.",
    ),
    "greedy_requests": _k(
        "Requests by the greedy rule",
        "count",
        "Requests the simple rule would ask (most visits per request first), for comparison.",
    ),
    "greedy_requests_cost": _k(
        "Cost of the greedy requests", "count", "Weighted count of the greedy rule's requests."
    ),
    "bound_before": _k(
        "Availability bound before requests", "share", _BOUND + " Before any request."
    ),
    "bound_reachable": _k(
        "Highest rate reachable",
        "share",
        "The highest same-clinician rate any set of requests could reach within the limits "
        "per clinician.",
    ),
    "rounds": _k("Rounds", "count", "Re-solve rounds it took (at most 3)."),
    "target_reached": _k(
        "Target reached", "flag", "Whether the re-solved roster reaches the continuity target."
    ),
    "visits_kept_by_requests": _k(
        "Visits kept by requests",
        "count",
        "Return visits kept with their clinician because of an accepted request.",
    ),
    # --- routing: spirometers --------------------------------------------------------------
    "referrals": _k("Referrals", "count", "Spirometer loans (one per asthma referral)."),
    "referrals_from_csv": _k(
        "Referrals from a file", "flag", "Whether the referrals come from a CSV file."
    ),
    "on_time_share": _k(
        "On time",
        "share",
        "Referrals whose spirometer is in the patient's hands within the service level "
        "(business days from referral).",
    ),
    "on_time_target": _k("On-time target", "share", "The service level the plan must reach."),
    "on_time_target_met": _k(
        "On-time target met", "flag", "Whether the on-time share reaches the target."
    ),
    "mean_days_to_device": _k(
        "Days to device",
        "days",
        "Average business days from referral until the device is with the patient.",
    ),
    "total_cost_sek": _k(
        "Total cost",
        "SEK",
        "Everything the plan costs: parcels, courier routes (vehicle days, km, driver hours), "
        "devices and cleaning.",
    ),
    "cost_per_referral_sek": _k("Cost per referral", "SEK", "Total cost divided by referrals."),
    "courier_cost_sek": _k(
        "Courier cost", "SEK", "Courier routes: vehicle days, km and driver hours."
    ),
    "courier_km_cost_sek": _k("Courier km cost", "SEK", "Kilometre cost of the courier routes."),
    "courier_hours_cost_sek": _k("Driver cost", "SEK", "Driver hours of the courier routes."),
    "courier_routes_cost_sek": _k(
        "Vehicle-day cost", "SEK", "Cost of the vehicle for each route driven."
    ),
    "parcel_cost_sek": _k("Parcel cost", "SEK", "Parcels out and back."),
    "device_cost_sek": _k("Device cost", "SEK", "Cost of the spirometers the plan needs."),
    "cleaning_cost_sek": _k("Cleaning cost", "SEK", "Reprocessing returned devices."),
    "courier_km": _k("Courier km", "km", "Road kilometres of all courier routes."),
    "driver_hours": _k("Driver hours", "h", "Hours of all courier routes, stops included."),
    "routes": _k("Routes", "count", "Courier routes driven (one vehicle, one day)."),
    "parcels": _k("Parcels", "count", "Parcel legs: devices sent or returned by post."),
    "handovers": _k(
        "Mobile hand-overs", "count", "Devices handed over at a mobile clinic near the patient."
    ),
    "courier_deliveries": _k("Courier deliveries", "count", "Devices delivered by courier."),
    "courier_pickups": _k("Courier pickups", "count", "Devices collected by courier."),
    "devices_needed": _k(
        "Devices needed", "count", "Spirometers in circulation at the busiest moment."
    ),
    "devices_searched": _k(
        "Devices planned", "count", "Devices of the pool the mode model planned with."
    ),
    "devices_added_for_routes": _k(
        "Devices added for routes",
        "count",
        "Extra devices needed because courier stops that did not fit a route went by parcel.",
    ),
    "device_utilisation": _k(
        "Device utilisation", "share", "Share of device-days a device is out with a patient."
    ),
    "dropped_stops": _k(
        "Stops moved to parcel", "count", "Courier stops that did not fit a route."
    ),
    "unserved": _k("Referrals without a device", "count", "Referrals that never get a device."),
    "violations": _k("Rules broken", "count", "Named rules the plan breaks (should be 0)."),
    "saving_vs_courier_first_sek": _k(
        "Saving vs courier first",
        "SEK",
        "What the plan saves against sending every reachable patient a courier.",
    ),
    "saving_vs_parcel_only_sek": _k(
        "Saving vs parcel only",
        "SEK",
        "What the plan saves against sending every device by parcel.",
    ),
    "plan_is_baseline": _k(
        "Plan is a simple rule",
        "flag",
        "Whether the chosen plan is one of the simple rules (courier first, parcel only) "
        "because the cost plan was not better.",
    ),
    "day_problems": _k("Route days solved", "count", "Daily routing problems solved."),
    "seconds_per_day_problem": _k(
        "Seconds per route day", "s", "Time limit each daily routing problem got."
    ),
    "mode_passes": _k(
        "Mode passes", "count", "Passes of the mode search (parcel, courier, mobile)."
    ),
    "mode_seconds": _k("Mode search time", "s", "Seconds the mode search ran."),
}

#: The few KPIs that say most about each planner's plan, in the order people read them: the
#: CLI's summary after a solve and the dashboard overview's cards.
HEADLINES: dict[str, tuple[str, ...]] = {
    "placement": (
        "served_share",
        "served_patients",
        "unit_utilisation",
        "relocation_km",
        "min_county_share",
    ),
    "staffing": (
        "continuity_rate",
        "availability_bound",
        "cover",
        "shortfall_hours",
        "hard_violations",
    ),
    "continuity": ("continuity_rate", "requests", "requests_lower_bound", "greedy_requests"),
    "routing": (
        "total_cost_sek",
        "on_time_share",
        "devices_needed",
        "cost_per_referral_sek",
        "saving_vs_parcel_only_sek",
    ),
}

_MODES = {"courier": "courier", "mobile": "mobile hand-over", "parcel": "parcel"}
_BASELINES = {"courier_first": "courier first", "parcel_only": "parcel only"}


def _words(slug: str) -> str:
    return slug.replace("_", " ")


def _family(name: str) -> KpiInfo | None:
    """KPIs named by a pattern: per county, kommun, profession, rule, reason, baseline, lever."""
    rules: list[tuple[str, Callable[[re.Match[str]], KpiInfo]]] = [
        (
            r"county_share_(\d{2})",
            lambda m: _k(
                f"Served share, county {m[1]}",
                "share",
                "Patients the units serve in this county, as a share of its demand left to them.",
            ),
        ),
        (
            r"kommun_share_(\d{4})",
            lambda m: _k(
                f"Served share, kommun {m[1]}",
                "share",
                "Patients the units serve in this kommun, as a share of its demand left to them.",
            ),
        ),
        (
            r"continuity_rate_(\w+)",
            lambda m: _k(
                f"Same-clinician rate, {_words(m[1])}s",
                "share",
                CONTINUITY_MEASURES["continuity_rate"] + f" Return visits to {_words(m[1])}s.",
            ),
        ),
        (
            r"availability_bound_(\w+)",
            lambda m: _k(
                f"Availability bound, {_words(m[1])}s",
                "share",
                _BOUND + f" Return visits to {_words(m[1])}s.",
            ),
        ),
        (
            r"violations_(\w+)",
            lambda m: _k(
                f"Rule bent: {_words(m[1]).capitalize()}",
                "count",
                f"Times the roster breaks or bends the rule '{_words(m[1])}'.",
            ),
        ),
        (
            r"misses_reason_(\w+)",
            lambda m: _k(
                f"Misses: {_words(m[1])}",
                "count",
                "Return visits with another clinician because "
                + MISS_REASONS.get(m[1], _words(m[1]))
                + ".",
            ),
        ),
        (
            r"misses_profession_(\w+)",
            lambda m: _k(
                f"Misses, {_words(m[1])}s",
                "count",
                f"Return visits to {_words(m[1])}s taken by another clinician.",
            ),
        ),
        (
            r"misses_not_rostered_by_(\w+)",
            lambda m: _k(
                f"Kept off by: {_words(m[1])}",
                "count",
                "Misses where a block was free but the roster left the index clinician off, "
                f"because of '{_words(m[1])}'.",
            ),
        ),
        (
            r"mobile_crew_gaps_(\w+)",
            lambda m: _k(
                f"Crew missing: {_words(m[1])}",
                "count",
                "Crew members missing because " + CREW_REASONS.get(m[1], _words(m[1])) + ".",
            ),
        ),
        (
            r"cost_per_(courier|mobile|parcel)_referral_sek",
            lambda m: _k(
                f"Cost per {_MODES[m[1]]} referral",
                "SEK",
                f"What a referral served by {_MODES[m[1]]} costs on average.",
            ),
        ),
        (
            r"(courier_first|parcel_only)_(cost_sek|on_time_share|devices|courier_cost_sek)",
            lambda m: _baseline(m[1], m[2]),
        ),
        (
            r"lever_(\w+?)_(bound|requests)",
            lambda m: _k(
                f"Lever {_words(m[1])}: {'rate reachable' if m[2] == 'bound' else 'requests'}",
                "share" if m[2] == "bound" else "count",
                (
                    f"The availability bound with the lever '{_words(m[1])}' alone."
                    if m[2] == "bound"
                    else f"Requests still needed to reach the target with '{_words(m[1])}'."
                ),
            ),
        ),
    ]
    for pattern, make in rules:
        match = re.fullmatch(pattern, name)
        if match:
            return make(match)
    return None


def _baseline(rule: str, what: str) -> KpiInfo:
    base = _BASELINES[rule]
    label, unit, text = {
        "cost_sek": ("total cost", "SEK", "Total cost"),
        "on_time_share": ("on time", "share", "On-time share"),
        "devices": ("devices", "count", "Devices needed"),
        "courier_cost_sek": ("courier cost", "SEK", "Courier cost"),
    }[what]
    return _k(
        f"{base.capitalize()}: {label}",
        unit,
        f"{text} of the simple rule '{base}', for comparison with the plan.",
    )


def describe(name: str) -> KpiInfo:
    """Label, unit and definition of a KPI; an unknown name gets its words and no definition."""
    known = KPIS.get(name) or _family(name)
    if known is not None:
        return known
    return KpiInfo(_words(name).capitalize(), "count", "")


#: Words in a KPI's name that say lower is better (costs, breaches, gaps, waits, moves).
_LOWER_IS_BETTER = (
    "cost",
    "violations",
    "misses",
    "shortfall",
    "unserved",
    "dropped",
    "relocation",
    "travel_minutes",
    "days_to_device",
    "devices_needed",
    "gap",
    "requests",
    "unstaffed",
    "crew_missing",
    "crew_gaps",
    "deviation",
    "without_clinician",
)
#: Words that say higher is better (what is served, reached, kept).
_HIGHER_IS_BETTER = (
    "share",
    "served",
    "value",
    "saving",
    "reach",
    "continuity",
    "cover",
    "upc",
    "coc",
    "secon",
    "bound",
    "utilisation",
    "met",
    "reached",
    "kept",
)


def better(name: str) -> str | None:
    """``"higher"`` or ``"lower"`` when a change of this KPI is good one way, else None (sizes
    such as referrals or routes, settings such as the target)."""
    if name in ("continuity_target", "on_time_target") or name.startswith(
        ("baseline_", "courier_first_", "parcel_only_", "lever_")
    ):
        return None
    if any(word in name for word in _LOWER_IS_BETTER):
        return "lower"
    if any(word in name for word in _HIGHER_IS_BETTER):
        return "higher"
    return None


def format_change(name: str, change: float) -> str:
    """A difference of two values of a KPI, signed, in the KPI's unit (shares in points)."""
    info = describe(name)
    sign = "+" if change > 0 else "-" if change < 0 else "±"
    size = abs(change)
    if info.unit == "share":
        return f"{sign}{swedish_number(100 * size, 1)} points"
    if info.unit == "flag":
        return f"{sign}{size:g}"
    return sign + format_value(name, size).lstrip("-")


def swedish_number(value: float, decimals: int = 0) -> str:
    """``1234567.891`` -> ``1 234 567,89`` (a space between thousands, a decimal comma)."""
    text = f"{value:,.{decimals}f}"
    return text.replace(",", " ").replace(".", ",")


def format_share(value: float | None) -> str:
    """A fraction as per cent with a decimal comma: ``0.9503`` -> ``95,0 %``."""
    if value is None or math.isnan(value):
        return "n/a"
    return f"{swedish_number(100 * value, 1)} %"


def format_value(name: str, value: float | None) -> str:
    """A KPI value as people read it: shares as per cent, yes/no, SEK and units, Swedish
    numbers (``95,0 %``, ``173 395 SEK``, ``3,2 h``, ``1 204``)."""
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return "n/a"
    info = describe(name)
    if info.unit == "flag":
        return "yes" if value else "no"
    if info.unit == "share":
        return format_share(value)
    if info.unit == "index":
        return swedish_number(value, 2)
    if info.unit == "points":
        return f"{swedish_number(value, 1)} points"
    if float(value).is_integer() or abs(value) >= 100 or info.unit in ("SEK", "patients"):
        number = swedish_number(round(value))
    else:
        number = swedish_number(value, 1 if abs(value) >= 10 else 2)
    return number if info.unit == "count" else f"{number} {info.unit}"


def help_text(name: str) -> str:
    """The definition and unit of a KPI, for a "?" tooltip."""
    info = describe(name)
    unit = {
        "share": "per cent",
        "flag": "yes or no",
        "count": "a count",
        "index": "an index from 0 to 1",
    }.get(info.unit, info.unit)
    return f"{info.definition or info.label} Unit: {unit}."
