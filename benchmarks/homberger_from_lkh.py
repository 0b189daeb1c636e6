"""Gehring-Homberger 200-customer VRPTW instances in Solomon format, from the LKH-3 copies.

    .venv/bin/python benchmarks/homberger_from_lkh.py --lkh3 /path/to/c4v4/LKH3 --out DIR
        [--only C1_2_1,R1_2_1]

Reads ``CVRPTW/INSTANCES/Homberger_200/*.vrptw`` (LKH-3's TSPLIB-style files: coordinates,
demands, windows, one ``SERVICE_TIME`` for every customer) from a clone of github
``c4v4/LKH3`` (read with ``git show HEAD:...``, so a bare mirror works) and writes one
Solomon-format file per instance into ``DIR`` (read by ``routing.solomon.read`` and
``benchmarks/vrptw_vs_pyvrp.py --instances DIR``), with ``bks.csv``: the best tours of LKH-3
(``CVRPTW/TOURS/Homberger_200/NAME.200.VEHICLES.DISTANCE_x1000.tour``, the same source as the
Solomon BKS in ``/work/shared/bench/solomon``). The fleet is 50 vehicles, as in the original
Gehring-Homberger files (LKH-3's ``VEHICLES`` is the best-known fleet size instead). The
instances are data, never copied into this repository.
"""

from __future__ import annotations

import argparse
import subprocess
from pathlib import Path

FLEET = 50
INSTANCES = "CVRPTW/INSTANCES/Homberger_200"
TOURS = "CVRPTW/TOURS/Homberger_200"


def git(repo: Path, *args: str) -> str:
    """Output of ``git -C repo args``."""
    return subprocess.run(
        ["git", "-C", str(repo), *args], check=True, capture_output=True, text=True
    ).stdout


def sections(text: str) -> tuple[dict[str, str], dict[str, list[list[str]]]]:
    """The ``KEY : value`` header and the rows of each ``*_SECTION`` of an LKH-3 file."""
    header: dict[str, str] = {}
    rows: dict[str, list[list[str]]] = {}
    current = ""
    for line in text.splitlines():
        words = line.split()
        if not words or words[0] in ("EOF", "-1"):
            continue
        if ":" in line and not line.strip()[0].isdigit():
            key, value = line.split(":", 1)
            header[key.strip()] = value.strip()
        elif words[0].endswith("_SECTION"):
            current = words[0]
            rows[current] = []
        else:
            rows[current].append(words)
    return header, rows


def solomon_text(name: str, lkh: str) -> str:
    """One instance in Solomon's format (node 0 the depot, service time 0 there)."""
    header, rows = sections(lkh)
    coords, demand = rows["NODE_COORD_SECTION"], rows["DEMAND_SECTION"]
    windows = rows["TIME_WINDOW_SECTION"]
    service = header["SERVICE_TIME"]
    lines = [name, "", "VEHICLE", "NUMBER     CAPACITY", f"  {FLEET}         {header['CAPACITY']}"]
    lines += [
        "",
        "CUSTOMER",
        "CUST NO.  XCOORD.   YCOORD.    DEMAND   READY TIME  DUE DATE   SERVICE   TIME",
        "",
    ]
    for k, ((_, x, y), (_, q), (_, a, b)) in enumerate(zip(coords, demand, windows, strict=True)):
        lines.append(f"{k:5d} {x:>8} {y:>8} {q:>8} {a:>10} {b:>10} {service if k else '0':>8}")
    return "\n".join(lines) + "\n"


def main(argv: list[str] | None = None) -> int:
    """Convert the instances and write ``bks.csv``."""
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--lkh3", type=Path, required=True, help="a clone or mirror of c4v4/LKH3")
    ap.add_argument("--out", type=Path, required=True)
    ap.add_argument("--only", default="", help="comma-separated names, e.g. C1_2_1,R1_2_1")
    args = ap.parse_args(argv)
    wanted = {w.strip().upper() for w in args.only.split(",") if w.strip()}
    files = git(args.lkh3, "ls-tree", "-r", "--name-only", "HEAD").splitlines()
    tours = {Path(f).name.split(".")[0]: Path(f).name for f in files if f.startswith(TOURS)}
    commit = git(args.lkh3, "rev-parse", "--short", "HEAD").strip()
    args.out.mkdir(parents=True, exist_ok=True)
    bks = ["instance,best_known,optimal,source,vehicles"]
    for path in sorted(f for f in files if f.startswith(INSTANCES) and f.endswith(".vrptw")):
        name = Path(path).name.split(".")[0]
        if wanted and name.upper() not in wanted:
            continue
        text = solomon_text(name, git(args.lkh3, "show", f"HEAD:{path}"))
        (args.out / f"{name}.txt").write_text(text)
        if name in tours:
            _, _, vehicles, distance, _ = tours[name].split(".")
            bks.append(
                f"{name},{int(distance) / 1000:.3f},,LKH-3 best tour github c4v4/LKH3 "
                f"{TOURS} @{commit},{vehicles}"
            )
    (args.out / "bks.csv").write_text("\n".join(bks) + "\n")
    print(f"{len(bks) - 1} instances written to {args.out}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
