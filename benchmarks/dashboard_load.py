"""Page-load times of the dashboard in headless Chromium (a benchmark, not a test).

Starts ``streamlit run dashboard/app.py`` on a free loopback port against the database that
``PLANNER_DATABASE_URL`` names (default: var/planner.db, where `planner demo` stores the demo
scenario and its plans), opens every page once to warm the caches, then loads each page
``--repeat`` times and reports the seconds from navigation until the script has finished and the
page's title (and map canvas) are drawn. Target: every page within 2 s once plans are stored.
It also reports ``painted``: that time plus the next two animation frames, which includes
deck.gl's first draw of a map (a single long task with the software WebGL of headless Chromium).

    .venv/bin/planner demo                       # store and solve the demo scenario (once)
    .venv/bin/python benchmarks/dashboard_load.py --repeat 5 --json

Needs Debian's chromium + chromium-driver and the selenium package (as the browser test does).
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from tests.dashboard import browser  # noqa: E402

TARGET_S = 2.0


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--db", help="database URL (default: PLANNER_DATABASE_URL or var/planner.db)"
    )
    parser.add_argument(
        "--repeat", type=int, default=5, help="timed loads per page after the warm-up"
    )
    parser.add_argument("--screenshots", type=Path, help="folder for one screenshot per page")
    parser.add_argument(
        "--json", action="store_true", help="print one JSON object as the last line"
    )
    parser.add_argument(
        "--pages",
        nargs="+",
        choices=list(browser.PAGES),
        default=list(browser.PAGES),
        help="time only these pages (default: all)",
    )
    args = parser.parse_args(argv)

    from planner.storage import database_url, list_scenarios, open_database

    url = database_url(args.db)
    names = [s["name"] for s in list_scenarios(open_database(url))]
    if "demo" not in names:
        print(
            f"warning: no demo scenario in {url} (run `planner demo`); timing {names[:1] or 'nothing'}",
            file=sys.stderr,
        )
    reason = browser.missing_browser()
    if reason:
        print(f"cannot run: {reason}", file=sys.stderr)
        return 2
    results: dict[str, dict[str, float]] = {}
    with browser.dashboard_server(url) as base, browser.chromium() as driver:
        for path in args.pages:
            cold = browser.open_page(driver, base, path, timeout=120)
            errors = browser.exceptions(driver)
            if errors:
                print(f"{path}: exception on the page: {errors[0][:300]}", file=sys.stderr)
            dialogs = browser.dialogs(driver)
            if dialogs:
                print(f"{path}: dialog on the page: {dialogs[0][:300]}", file=sys.stderr)
            if args.screenshots:
                args.screenshots.mkdir(parents=True, exist_ok=True)
                browser.screenshot(driver, args.screenshots / f"dashboard-{path}.png")
            results[path] = {"cold_s": round(cold, 3)}
        for path in args.pages:
            times, painted = [], []
            for _ in range(args.repeat):
                driver.get("about:blank")  # each timed load is a fresh page, as a user opening it
                ready = browser.open_page(driver, base, path, timeout=60)
                times.append(ready)
                painted.append(ready + browser.next_frames(driver))
            results[path].update(
                median_s=round(statistics.median(times), 3),
                max_s=round(max(times), 3),
                painted_median_s=round(statistics.median(painted), 3),
                painted_max_s=round(max(painted), 3),
            )
    ok = all(r["max_s"] <= TARGET_S for r in results.values())
    print(
        f"{'page':16s} {'cold':>7s} {'median':>7s} {'max':>7s} {'painted':>8s} {'max':>7s}"
        f"   (target {TARGET_S:.1f} s warm; painted = after the next two animation frames)"
    )
    for path, r in results.items():
        flag = "" if r["max_s"] <= TARGET_S else "  SLOW"
        print(
            f"{path:16s} {r['cold_s']:7.2f} {r['median_s']:7.2f} {r['max_s']:7.2f} "
            f"{r['painted_median_s']:8.2f} {r['painted_max_s']:7.2f}{flag}"
        )
    if args.json:
        print(
            json.dumps(
                {
                    "database": url.split("@")[-1],
                    "scenarios": names,
                    "repeat": args.repeat,
                    "target_s": TARGET_S,
                    "all_within_target": ok,
                    "pages": results,
                }
            )
        )
    return 0 if ok else 1


if __name__ == "__main__":
    raise SystemExit(main())
