"""`planner sweep BASE --vary section.key=v1,v2,...`: variants of a scenario, solved on Dask."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Any

import typer
from rich.console import Console
from rich.table import Table

from planner.cli._common import emit_json, err_console, open_db, state
from planner.errors import PlannerUnavailableError, SweepError


def sweep_command(
    base: Annotated[str, typer.Argument(help="A stored scenario's name, or a scenario TOML file.")],
    vary: Annotated[
        list[str] | None,
        typer.Option(
            "--vary",
            help="section.key=v1,v2,... (repeat for more keys; every combination is a "
            "variant). List items are separated by ';', e.g. placement.counties=04;05,01.",
        ),
    ] = None,
    variants_file: Annotated[
        Path | None,
        typer.Option(
            "--variants",
            help="A TOML file of [[variant]] tables (dotted keys) or a CSV with a header of "
            "dotted keys, instead of --vary.",
        ),
    ] = None,
    planners: Annotated[
        str, typer.Option("--planners", help="Planners to run on each variant, in order.")
    ] = "placement,staffing,routing",
    scheduler: Annotated[
        str | None,
        typer.Option(
            "--scheduler",
            help="An existing Dask scheduler, e.g. tcp://host:8786 (needs PostgreSQL); "
            "default: a local cluster of one worker process per core.",
        ),
    ] = None,
    workers: Annotated[
        int | None,
        typer.Option("--workers", help="Worker processes of the local cluster (default: cores)."),
    ] = None,
    name: Annotated[
        str | None,
        typer.Option("--name", help="The sweep's name in the dashboard (default: BASE's name)."),
    ] = None,
    json_out: Annotated[
        bool, typer.Option("--json", help="Print one JSON object as the last line.")
    ] = False,
) -> None:
    """Solve every combination of a few parameter values of BASE as scenarios on Dask.

    Each variant is validated before anything runs, stored as a scenario version (same
    content, same version) and solved by the chosen planners; a variant whose plans are all
    stored is skipped, so running the same command again resumes a sweep. Exit code 1 when a
    variant failed (the others are stored), 130 after Ctrl-C.
    """
    from planner.registry import available_planners
    from planner.scenario import load_scenario
    from planner.storage import database_url, get_scenario, reap_stale_runs
    from planner.sweep import (
        check_database,
        cluster,
        grid,
        make_variants,
        read_variants,
        run_sweep,
        store_variants,
    )

    if variants_file is not None and vary:
        raise SweepError("give --vary or --variants, not both")
    choices = read_variants(variants_file) if variants_file is not None else grid(vary or [])
    chosen = [p.strip() for p in planners.split(",") if p.strip()]
    unknown = [p for p in chosen if p not in available_planners()]
    if unknown or not chosen:
        raise PlannerUnavailableError(
            f"--planners {planners}: choose from {', '.join(available_planners())}"
        )
    url = database_url(state.db_url)
    check_database(url, scheduler)
    as_file = Path(base)
    if as_file.suffix == ".toml" or as_file.is_file():
        base_scenario, engine = load_scenario(as_file), None
        input_folder: str | Path | None = as_file.absolute().parent
    else:
        engine = open_db()
        record, base_scenario = get_scenario(engine, base)
        input_folder = record.input_folder
    variants = make_variants(base_scenario, choices)
    with cluster(scheduler, workers) as client:
        engine = engine or open_db()
        versions = store_variants(engine, base_scenario.name, variants, name, input_folder)
        with _Progress(len(variants), json_out) as progress:
            report = run_sweep(engine, url, client, variants, versions, chosen, progress)
    reap_stale_runs(engine)  # runs of workers stopped with the cluster (Ctrl-C) end as failed
    if json_out:
        emit_json(report.to_dict())
    else:
        _print(report.to_dict())
    if report.interrupted:
        err_console.print(
            "[bold red]error:[/] interrupted (Ctrl-C): every finished variant is stored; run "
            "the same command again to solve the rest",
            highlight=False,
        )
        raise typer.Exit(130)
    if report.failed:
        raise typer.Exit(1)


class _Progress:
    """Variants done / running / failed: a bar on a terminal, a line per change in a log,
    nothing with --json."""

    def __init__(self, total: int, json_mode: bool) -> None:
        self._total, self._quiet = total, json_mode
        self._bar: Any = None
        self._last: tuple[int, int, int] | None = None

    def __enter__(self) -> _Progress:
        if not self._quiet and err_console.is_terminal:
            from rich.progress import (
                BarColumn,
                MofNCompleteColumn,
                Progress,
                TextColumn,
                TimeElapsedColumn,
            )

            self._bar = Progress(
                TextColumn("[bold]sweep"),
                BarColumn(),
                MofNCompleteColumn(),
                TimeElapsedColumn(),
                TextColumn("{task.fields[note]}"),
                console=err_console,
            )
            self._bar.__enter__()
            self._task = self._bar.add_task("sweep", total=self._total, note="")
        return self

    def __call__(self, done: int, running: int, failed: int, total: int) -> None:
        note = f"{done} done, {running} running, {failed} failed"
        if self._bar is not None:
            self._bar.update(self._task, completed=done + failed, note=note)
        elif not self._quiet and (done, running, failed) != self._last:
            err_console.print(f"sweep: {note} of {total}", highlight=False)
        self._last = (done, running, failed)

    def __exit__(self, *exc: Any) -> None:
        if self._bar is not None:
            self._bar.__exit__(*exc)


def _print(report: dict[str, Any]) -> None:
    """The variants as a table: values, status and headline KPIs as people read them."""
    from planner.kpis import describe, format_value

    results = report["results"]
    keys = list(dict.fromkeys(k for r in results for k in r["parameters"]))
    kpis = list(dict.fromkeys(k for r in results for k in r["kpis"]))
    table = Table(
        "scenario",
        *keys,
        "status",
        *(describe(k).label for k in kpis),
        title=f"{report['variants']} variants: {report['solved']} solved, "
        f"{report['skipped']} already stored, {report['failed']} failed "
        f"({report['seconds']:.0f} s)",
    )
    for r in results:
        table.add_row(
            r["scenario"],
            *(str(r["parameters"].get(k, "")) for k in keys),
            r["status"] if not r["error"] else f"{r['status']}: {r['error']}",
            *(format_value(k, r["kpis"].get(k)) for k in kpis),
        )
    Console().print(table)
