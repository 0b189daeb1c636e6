"""Read Solomon (1987) VRPTW instances into a :class:`routing.problem.Problem`.

Format (see ``shared/bench/solomon/PROVENANCE.md``): a name line, a ``VEHICLE`` block with
``NUMBER CAPACITY``, then a ``CUSTOMER`` block with one row per node
``CUST_NO X Y DEMAND READY_TIME DUE_DATE SERVICE_TIME``; node 0 is the depot. Distances and
travel times are the exact Euclidean distance (double precision, no rounding); the depot's due
date is every vehicle's shift end; the objective is fewest vehicles, then distance.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import numpy as np

from routing.problem import Depot, Objective, Problem, Stop, Vehicle, VRPError

#: A non-empty line of the file: its number and its words.
Line = tuple[int, list[str]]


class SolomonFormatError(VRPError):
    """A Solomon file that cannot be read; the message names the file and line."""


@dataclass(frozen=True)
class SolomonInstance:
    """The raw figures of one instance (node 0 is the depot) and its routing problem."""

    name: str
    vehicles: int
    capacity: int
    coords: np.ndarray  # (n + 1, 2)
    demand: tuple[int, ...]
    ready: tuple[float, ...]
    due: tuple[float, ...]
    service: tuple[float, ...]
    problem: Problem

    @property
    def customers(self) -> int:
        """Number of customers (nodes minus the depot)."""
        return len(self.demand) - 1


def euclidean(coords: np.ndarray) -> np.ndarray:
    """Exact Euclidean distances between all rows of ``coords`` (n x 2)."""
    diff = coords[:, None, :] - coords[None, :, :]
    return np.sqrt((diff**2).sum(axis=-1))


def read(path: str | Path) -> SolomonInstance:
    """Read one Solomon file; raises :class:`SolomonFormatError` naming the file and line."""
    path = Path(path)
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise SolomonFormatError(f"{path}: cannot read the file ({exc}).") from None
    return parse(text, str(path))


def parse(text: str, source: str = "<string>") -> SolomonInstance:
    """Parse Solomon text; ``source`` names the file in error messages."""
    lines = text.splitlines()
    content = [(no, line.split()) for no, line in enumerate(lines, start=1) if line.strip()]
    if not content:
        raise SolomonFormatError(f"{source}: the file is empty.")
    name = " ".join(content[0][1])
    keys = [
        (i, no)
        for i, (no, words) in enumerate(content)
        if words and words[0].upper() in ("VEHICLE", "CUSTOMER")
    ]
    where = {content[i][1][0].upper(): i for i, _ in keys}
    if "VEHICLE" not in where or "CUSTOMER" not in where:
        raise SolomonFormatError(f"{source}: needs a VEHICLE and a CUSTOMER section.")
    vehicles, capacity = _vehicle_line(content, where["VEHICLE"], source)
    rows = _customer_rows(content[where["CUSTOMER"] + 1 :], source)
    if len(rows) < 2:
        raise SolomonFormatError(f"{source}: needs the depot row and at least one customer row.")
    arr = np.array(rows)
    coords = arr[:, 1:3]
    dist = euclidean(coords)
    depot = arr[0]
    stops = tuple(
        Stop(
            id=str(int(r[0])),
            location=i,
            delivery=int(r[3]),
            tw_start=float(r[4]),
            tw_end=float(r[5]),
            service=float(r[6]),
        )
        for i, r in enumerate(arr[1:], start=1)
    )
    fleet = tuple(
        Vehicle(
            id=f"v{k + 1}",
            depot=0,
            capacity=capacity,
            shift_start=float(depot[4]),
            shift_end=float(depot[5]),
        )
        for k in range(vehicles)
    )
    try:
        problem = Problem(
            depots=(Depot("0", 0),),
            vehicles=fleet,
            stops=stops,
            duration=dist,
            distance=dist,
            objective=Objective("vehicles_then_distance"),
        )
    except VRPError as exc:
        raise SolomonFormatError(f"{source}: {exc}") from None
    return SolomonInstance(
        name=name,
        vehicles=vehicles,
        capacity=capacity,
        coords=coords,
        demand=tuple(int(x) for x in arr[:, 3]),
        ready=tuple(arr[:, 4]),
        due=tuple(arr[:, 5]),
        service=tuple(arr[:, 6]),
        problem=problem,
    )


def _vehicle_line(content: list[Line], section: int, source: str) -> tuple[int, int]:
    """NUMBER and CAPACITY of the VEHICLE section starting at ``content[section]``."""
    # VEHICLE, a header line (NUMBER CAPACITY), then the figures
    v = section + 2
    if v >= len(content):
        raise SolomonFormatError(f"{source}: the VEHICLE section has no NUMBER CAPACITY line.")
    no, words = content[v]
    try:
        vehicles, capacity = (int(w) for w in words[:2])
        if len(words) != 2:
            raise ValueError
    except ValueError:
        raise SolomonFormatError(
            f"{source}, line {no}: expected two integers NUMBER CAPACITY, got {' '.join(words)!r}."
        ) from None
    if vehicles < 1 or capacity < 0:
        raise SolomonFormatError(
            f"{source}, line {no}: need at least one vehicle and capacity >= 0."
        )
    return vehicles, capacity


def _customer_rows(lines: list[Line], source: str) -> list[list[float]]:
    """The seven numbers of each customer row (node 0, the depot, first), checked."""
    rows: list[list[float]] = []
    for no, words in lines:
        if words[0][0].isalpha():
            continue  # the column header line(s)
        if len(words) != 7:
            raise SolomonFormatError(
                f"{source}, line {no}: expected 7 numbers (CUST NO, X, Y, DEMAND, READY, DUE, "
                f"SERVICE), got {len(words)}."
            )
        try:
            nums = [float(w) for w in words]
        except ValueError:
            raise SolomonFormatError(
                f"{source}, line {no}: {' '.join(words)!r} is not all numbers."
            ) from None
        if nums[0] != len(rows):
            raise SolomonFormatError(
                f"{source}, line {no}: customer number {words[0]}, expected {len(rows)} (rows in order from 0)."
            )
        if nums[3] != int(nums[3]) or nums[3] < 0:
            raise SolomonFormatError(
                f"{source}, line {no}: demand {words[3]} must be a non-negative integer."
            )
        if nums[5] < nums[4]:
            raise SolomonFormatError(
                f"{source}, line {no}: time window [{words[4]}, {words[5]}] ends before it starts."
            )
        rows.append(nums)
    return rows
