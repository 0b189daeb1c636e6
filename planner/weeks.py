"""ISO weeks, Swedish public holidays and business days: the calendar every planner shares."""

from __future__ import annotations

import datetime as dt
import functools
import re

import holidays

_WEEK_RE = re.compile(r"^\s*(\d{4})-W(\d{2})\s*$", re.IGNORECASE)


def weeks_in_iso_year(year: int) -> int:
    """52 or 53: the ISO week of 28 December is always the year's last."""
    return dt.date(year, 12, 28).isocalendar().week


def parse_iso_week(value: str | tuple[int, int]) -> tuple[int, int]:
    """``"2026-W45"`` or ``(2026, 45)`` -> ``(2026, 45)``; ValueError if no such ISO week."""
    if isinstance(value, str):
        match = _WEEK_RE.match(value)
        if not match:
            raise ValueError(f"Bad ISO week {value!r}: write it like '2026-W45'.")
        year, week = int(match.group(1)), int(match.group(2))
    else:
        try:
            year, week = (int(v) for v in value)
        except (TypeError, ValueError):
            raise ValueError(f"Bad ISO week {value!r}: give (year, week) or '2026-W45'.") from None
    if not 1 <= week <= weeks_in_iso_year(year):
        raise ValueError(f"Bad ISO week {value!r}: {year} has weeks 1-{weeks_in_iso_year(year)}.")
    return year, week


def format_iso_week(year: int, week: int) -> str:
    """``(2026, 5)`` -> ``"2026-W05"``."""
    return f"{year}-W{week:02d}"


def iso_week_range(spec: str) -> list[tuple[int, int]]:
    """``"2026-W45:2027-W02"`` (inclusive) or a single ``"2026-W45"`` -> list of weeks."""
    first, _, last = spec.partition(":")
    start = parse_iso_week(first)
    end = parse_iso_week(last) if last else start
    monday = dt.date.fromisocalendar(*start, 1)
    stop = dt.date.fromisocalendar(*end, 1)
    if stop < monday:
        raise ValueError(f"Bad week range {spec!r}: the end is before the start.")
    weeks = []
    while monday <= stop:
        iso = monday.isocalendar()
        weeks.append((iso.year, iso.week))
        monday += dt.timedelta(days=7)
    return weeks


@functools.lru_cache(maxsize=64)
def _holidays(year: int) -> frozenset[dt.date]:
    # domain.md 'Working time': package `holidays`, country SE, categories PUBLIC and DE_FACTO.
    days = holidays.country_holidays(
        "SE", years=year, categories=(holidays.PUBLIC, holidays.DE_FACTO)
    )
    return frozenset(days)


def is_business_day(day: dt.date) -> bool:
    """Monday-Friday and not a Swedish public or de-facto holiday."""
    return day.weekday() < 5 and day not in _holidays(day.year)


def next_business_day(day: dt.date) -> dt.date:
    """``day`` itself if it is a business day, else the first business day after it."""
    while not is_business_day(day):
        day += dt.timedelta(days=1)
    return day


def business_days(year: int, week: int) -> list[dt.date]:
    """The business days of an ISO week."""
    monday = dt.date.fromisocalendar(year, week, 1)
    days = (monday + dt.timedelta(days=i) for i in range(5))
    return [d for d in days if is_business_day(d)]


def iso_weeks(start: str | tuple[int, int], count: int) -> list[str]:
    """``count`` consecutive ISO weeks from ``start`` as strings, across year ends."""
    monday = dt.date.fromisocalendar(*parse_iso_week(start), 1)
    out = []
    for i in range(count):
        iso = (monday + dt.timedelta(weeks=i)).isocalendar()
        out.append(format_iso_week(iso.year, iso.week))
    return out


def week_monday(week: str | tuple[int, int]) -> dt.date:
    """The Monday of an ISO week."""
    return dt.date.fromisocalendar(*parse_iso_week(week), 1)
