"""Scenario sweeps: every combination of a few parameter values, each stored as a scenario and
solved as a task on a Dask cluster.

A regional planner asks "what if we had 8, 10 or 12 units, a 30 or 45 minute reach?". A sweep
makes the variants of a base scenario (:func:`grid` from ``--vary`` values, or
:func:`read_variants` from a file), validates every one before anything runs
(:func:`make_variants`), stores each as a scenario version (same content, same version) and
solves them on Dask distributed (:func:`run_sweep`): a ``LocalCluster`` with one worker process
per core, or an existing cluster. Each task (:func:`solve_variant`) runs the chosen planners for
one variant through :func:`planner.runs.execute` against the shared database, so results land in
the scenario store like any other run.

Resumable and idempotent: a variant whose plans are all stored is skipped; a task skips the
planners already finished for its scenario version, so a task that Dask runs again after its
worker died stores each plan once (the dead worker's run, left 'running', is reaped as stale by
the next ``execute``).

Value syntax of ``--vary section.key=v1,v2,...``: values are separated by ``,`` and parsed by
the key's type (int, float, bool as true/false/yes/no/1/0, text); a list key takes its items
separated by ``;`` (``placement.counties=04;05,01``), ``[]`` is the empty list. A variants file
is TOML (``[[variant]]`` tables with dotted keys, typed by TOML) or CSV (a header of dotted keys,
each cell parsed like a ``--vary`` value).
"""

from __future__ import annotations

import contextlib
import csv
import hashlib
import itertools
import json
import logging
import os
import re
import time
import tomllib
import types
import typing
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal

from pydantic import BaseModel
from sqlalchemy.engine import Engine, make_url

from planner.compare import COMPARE_KPIS, flatten
from planner.errors import ClusterError, PlannerError, ScenarioError, SweepError
from planner.scenario import Scenario, scenario_from_dict

if TYPE_CHECKING:
    from distributed import Client

#: How long ``--scheduler`` may take to answer before :class:`ClusterError`.
CONNECT_TIMEOUT_S = 5.0
#: Most variants one sweep makes (a typo such as ``units=1,...,1000`` would store them all).
MAX_VARIANTS = 1000
#: Keys a sweep sets itself: each variant's name and description.
_FIXED = frozenset({"scenario.name", "scenario.description"})
_NAME = re.compile(r"^[a-z0-9][a-z0-9_-]{0,62}$")
_TRUE, _FALSE = {"true", "yes", "1"}, {"false", "no", "0"}


@dataclass(frozen=True)
class Variant:
    """One scenario of a sweep: its name, the values it varies (dotted key -> value) and the
    validated scenario."""

    name: str
    parameters: dict[str, Any]
    scenario: Scenario


ProgressFn = Callable[[int, int, int, int], None]
"""``(done, running, failed, total)``: variants finished (solved or skipped), being solved
now, failed, and in all."""


# Variants ----------------------------------------------------------------------------------------


def _field(key: str) -> Any:
    """The annotation of a dotted scenario key; :class:`SweepError` naming the key when there
    is no such key or a sweep sets it itself."""
    section, _, name = key.partition(".")
    sections = Scenario.model_fields
    if section not in sections or not name:
        raise SweepError(
            f"--vary {key}: unknown key; give section.key with a section of {', '.join(sections)}"
        )
    if key in _FIXED:
        raise SweepError(f"--vary {key}: a sweep names and describes each variant itself")
    model = sections[section].annotation
    assert isinstance(model, type) and issubclass(model, BaseModel), "a section is a model"
    if name not in model.model_fields:
        raise SweepError(
            f"--vary {key}: unknown key; {section} has {', '.join(model.model_fields)}"
        )
    return model.model_fields[name].annotation


def _plain(annotation: Any) -> Any:
    """``Annotated[X, ...]`` and ``X | None`` as ``X``."""
    if typing.get_origin(annotation) is typing.Annotated:
        return _plain(typing.get_args(annotation)[0])
    if typing.get_origin(annotation) in (typing.Union, types.UnionType):
        args = [a for a in typing.get_args(annotation) if a is not type(None)]
        if len(args) == 1:
            return _plain(args[0])
    return annotation


def parse_value(key: str, raw: str) -> Any:
    """A ``--vary`` value as the key's type (int, float, bool, text, or a list of ``;``
    separated items); :class:`SweepError` naming key and value when it is not one."""
    kind = _plain(_field(key))
    text = raw.strip()
    if typing.get_origin(kind) is list:
        if text == "[]":
            return []
        item = _plain(typing.get_args(kind)[0])
        return [_scalar(key, item, part.strip()) for part in text.split(";")]
    return _scalar(key, kind, text)


def _scalar(key: str, kind: Any, text: str) -> Any:
    if not text:
        raise SweepError(f"--vary {key}: an empty value; separate values with ',' only")
    if kind is bool:
        if text.lower() in _TRUE | _FALSE:
            return text.lower() in _TRUE
        raise SweepError(f"--vary {key}={text}: not true or false")
    if kind is int:
        try:
            return int(text)
        except ValueError:
            raise SweepError(f"--vary {key}={text}: not a whole number") from None
    if kind is float:
        try:
            return float(text)
        except ValueError:
            raise SweepError(f"--vary {key}={text}: not a number") from None
    if kind is str or typing.get_origin(kind) is Literal:
        return text  # the scenario's validation checks patterns and choices, naming the key
    raise SweepError(
        f"--vary {key}: its values are tables, not plain values; list the variants in a TOML "
        "file (--variants)"
    )


def parse_vary(spec: str) -> tuple[str, list[Any]]:
    """``section.key=v1,v2,...`` as the key and its typed values."""
    key, sep, values = spec.partition("=")
    key = key.strip()
    if not sep:
        raise SweepError(f"--vary {spec}: write section.key=value1,value2,...")
    _field(key)
    if not values.strip():
        raise SweepError(f"--vary {key}: no values, so the grid is empty")
    parsed = [parse_value(key, raw) for raw in values.split(",")]
    seen: list[Any] = []
    for value in parsed:
        if value in seen:
            raise SweepError(f"--vary {key}: the value {value!r} is given twice")
        seen.append(value)
    return key, parsed


def grid(specs: Sequence[str]) -> list[dict[str, Any]]:
    """Every combination of the ``--vary`` values, as dotted key -> value (first key slowest)."""
    if not specs:
        raise SweepError(
            "the grid is empty: give --vary section.key=value1,value2,... or --variants FILE"
        )
    axes = [parse_vary(spec) for spec in specs]
    keys = [key for key, _ in axes]
    twice = sorted({k for k in keys if keys.count(k) > 1})
    if twice:
        raise SweepError(f"--vary {twice[0]}: given twice; list all its values in one --vary")
    combos = [
        dict(zip(keys, values, strict=True)) for values in itertools.product(*(v for _, v in axes))
    ]
    if not combos:
        raise SweepError("the grid is empty: give --vary section.key=value1,value2,...")
    return combos


def read_variants(path: Path) -> list[dict[str, Any]]:
    """The variants listed in a file: TOML ``[[variant]]`` tables (dotted keys, TOML types) or
    a CSV whose header names dotted keys (cells parsed like ``--vary`` values)."""
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as exc:
        raise SweepError(f"--variants {path}: cannot read it ({exc.strerror})") from None
    if path.suffix.lower() == ".toml":
        try:
            tables = tomllib.loads(text).get("variant", [])
        except tomllib.TOMLDecodeError as exc:
            raise SweepError(f"--variants {path}: not valid TOML: {exc}") from None
        if not isinstance(tables, list) or not all(isinstance(t, dict) for t in tables):
            raise SweepError(f"--variants {path}: list each variant as a [[variant]] table")
        variants = [flatten(t) for t in tables]
        for number, variant in enumerate(variants, 1):
            for key in variant:
                try:
                    _field(key)
                except SweepError as exc:
                    raise SweepError(f"--variants {path}, variant {number}: {exc}") from None
    elif path.suffix.lower() == ".csv":
        rows = list(csv.reader(text.splitlines()))
        header = [h.strip() for h in rows[0]] if rows else []
        variants = []
        for line, row in enumerate(rows[1:], 2):
            if not any(cell.strip() for cell in row):
                continue
            if len(row) != len(header):
                raise SweepError(
                    f"--variants {path}, line {line}: {len(row)} cells for {len(header)} columns"
                )
            try:
                variants.append(
                    {k: parse_value(k, cell) for k, cell in zip(header, row, strict=True)}
                )
            except SweepError as exc:
                raise SweepError(f"--variants {path}, line {line}: {exc}") from None
    else:
        raise SweepError(f"--variants {path}: give a .toml or .csv file")
    if not variants or not any(variants):
        raise SweepError(f"--variants {path}: lists no variant, so the grid is empty")
    return variants


def _slug(value: Any) -> str:
    if isinstance(value, bool):
        return str(value).lower()
    if isinstance(value, int | float):
        return f"{value:g}".replace(".", "p").replace("-", "m").replace("+", "")
    if isinstance(value, list):
        return "_".join(_slug(v) for v in value) or "none"
    return re.sub(r"[^a-z0-9]+", "_", str(value).lower()).strip("_") or "x"


def variant_name(base: str, parameters: Mapping[str, Any]) -> str:
    """``BASE--units-8--radius_minutes-30``: the base name and each varied key's last part with
    its value; a base name and a hash of the values when that is longer than a scenario name
    may be (63 characters)."""
    last = [key.rsplit(".", 1)[-1] for key in parameters]
    parts = [
        f"{short if last.count(short) == 1 else key.replace('.', '_')}-{_slug(value)}"
        for key, short, value in zip(parameters, last, parameters.values(), strict=True)
    ]
    name = "--".join([base, *parts])
    if _NAME.match(name):
        return name
    digest = hashlib.sha256(json.dumps(parameters, sort_keys=True).encode()).hexdigest()[:10]
    return f"{base[: 63 - 12]}--{digest}"


def make_variants(base: Scenario, choices: Sequence[Mapping[str, Any]]) -> list[Variant]:
    """Each choice of values applied to ``base`` and validated as a scenario; the first bad
    one raises :class:`SweepError` naming the variant and key, before anything is stored."""
    if not choices or not all(choices):
        raise SweepError("the grid is empty: give --vary section.key=value1,value2,...")
    if len(choices) > MAX_VARIANTS:
        raise SweepError(f"{len(choices)} variants; a sweep makes at most {MAX_VARIANTS}")
    variants, names = [], set()
    for choice in choices:
        name = variant_name(base.name, choice)
        if name in names:
            raise SweepError(f"two variants are both named {name}: list each variant once")
        names.add(name)
        data = base.to_dict()
        for key, value in choice.items():
            section, _, field_name = key.partition(".")
            data[section][field_name] = value
        shown = ", ".join(f"{k}={_shown(v)}" for k, v in choice.items())
        data["scenario"]["name"] = name
        data["scenario"]["description"] = f"Sweep of {base.name}: {shown}."
        try:
            scenario = scenario_from_dict(data, source=f"variant {name}")
        except ScenarioError as exc:  # one line: the CLI prints it as it is
            raise SweepError(" ".join(str(exc).split())) from None
        variants.append(Variant(name, dict(choice), scenario))
    return variants


def _shown(value: Any) -> str:
    return ";".join(map(str, value)) if isinstance(value, list) else str(value)


# Solving -----------------------------------------------------------------------------------------


def headline_kpis(planners: Sequence[str]) -> list[tuple[str, str]]:
    """The comparison's headline KPIs (:data:`planner.compare.COMPARE_KPIS`) of these planners."""
    return [(p, k) for p, k in COMPARE_KPIS if p in planners]


def stored_plans(
    engine: Engine, name: str, version: int, planners: Sequence[str]
) -> dict[str, dict[str, Any]]:
    """planner -> its latest finished run on this scenario version (planners without one left
    out): run id, solver status, seconds, quality and the headline KPIs."""
    import dataclasses

    from planner.quality import plan_quality
    from planner.storage import id_of, latest_run, run_kpis

    wanted = dict.fromkeys(k for _, k in headline_kpis(planners))
    plans = {}
    for planner in planners:
        run = latest_run(engine, name, planner, version=version)
        if run is None:
            continue
        kpis = run_kpis(engine, id_of(run))
        plans[planner] = {
            "run_id": run.id,
            "status": run.status,
            "solver_status": run.solver_status,
            "seconds": run.seconds,
            "quality": dataclasses.asdict(
                plan_quality(
                    run.solver_status, run.objective, run.bound, time_limit_s=run.time_limit_s
                )
            ),
            "kpis": {k: kpis.get(k) for p, k in headline_kpis([planner]) if k in wanted},
        }
    return plans


def solve_variant(url: str, name: str, version: int, planners: Sequence[str]) -> dict[str, Any]:
    """One sweep task (runs on a Dask worker): the chosen planners in order on one stored
    scenario version, each unless a finished run of it is stored already (so a task run again
    after its worker died stores every plan once). Returns the variant's stored plans and,
    when a planner failed, its error (that run is stored failed; later planners are not run,
    as they build on it)."""
    from planner.runs import execute
    from planner.storage import make_engine

    engine = make_engine(url)  # the sweep's process migrated it; workers only read and write
    error = None
    try:
        for planner in planners:
            if stored_plans(engine, name, version, [planner]):
                continue
            try:
                execute(engine, name, planner, version=version)
            except PlannerError as exc:
                error = str(exc)
                break
            except Exception as exc:  # e.g. the database went away: this variant fails alone
                error = f"{planner}: {type(exc).__name__}: {exc}"
                break
        plans = stored_plans(engine, name, version, planners)
    finally:
        engine.dispose()
    return {"scenario": name, "version": version, "plans": plans, "error": error}


@dataclass
class SweepResult:
    """What a sweep did: per variant its scenario, values, plans and headline KPIs."""

    variants: int
    solved: int = 0
    skipped: int = 0
    failed: int = 0
    seconds: float = 0.0
    interrupted: bool = False
    results: list[dict[str, Any]] = field(default_factory=list)

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready: ``{variants, solved, skipped, failed, seconds, results}``."""
        return {
            "variants": self.variants,
            "solved": self.solved,
            "skipped": self.skipped,
            "failed": self.failed,
            "seconds": round(self.seconds, 3),
            "interrupted": self.interrupted,
            "results": self.results,
        }


def _result(
    variant: Variant, outcome: Mapping[str, Any], status: str, planners: Sequence[str]
) -> dict[str, Any]:
    """A variant's line of the JSON: scenario, status, values, headline KPIs (flat and under
    ``kpis``), per-planner plans and error."""
    kpis = {
        k: outcome["plans"].get(p, {}).get("kpis", {}).get(k) for p, k in headline_kpis(planners)
    }
    return {
        "scenario": variant.name,
        "version": outcome.get("version"),
        "status": status,
        "parameters": variant.parameters,
        **kpis,
        "kpis": kpis,
        "plans": outcome["plans"],
        "error": outcome.get("error"),
    }


def check_database(url: str, scheduler: str | None) -> None:
    """A cluster of our own shares a local SQLite file; workers of a remote scheduler cannot:
    :class:`SweepError` at once for SQLite with ``--scheduler``."""
    if scheduler and make_url(url).get_backend_name() == "sqlite":
        raise SweepError(
            f"--scheduler {scheduler} needs a database every worker reaches: set "
            "PLANNER_DATABASE_URL (or --db) to PostgreSQL, e.g. "
            "postgresql://user@dbhost/planner; SQLite is a file on this machine"
        )


@contextlib.contextmanager
def cluster(scheduler: str | None = None, workers: int | None = None) -> Iterator[Client]:
    """A Dask client: of the scheduler at ``scheduler`` (:class:`ClusterError` when it does not
    answer within :data:`CONNECT_TIMEOUT_S`), else of a ``LocalCluster`` with ``workers``
    processes (one per core by default) of one thread each (a solve uses its own threads)."""
    from distributed import Client, LocalCluster

    if scheduler:
        try:
            client = Client(scheduler, timeout=CONNECT_TIMEOUT_S)
        except (OSError, TimeoutError, ValueError) as exc:
            raise ClusterError(
                f"--scheduler {scheduler}: no Dask scheduler answered within "
                f"{CONNECT_TIMEOUT_S:g} s ({' '.join(str(exc).split()) or type(exc).__name__})"
            ) from None
        with client:
            yield client
        return
    if workers is not None and workers < 1:
        raise SweepError(f"--workers {workers}: give 1 or more")
    local = LocalCluster(
        n_workers=workers or os.cpu_count() or 1,
        threads_per_worker=1,
        processes=True,
        dashboard_address=None,
        silence_logs=logging.ERROR,
    )
    with local, Client(local) as client:
        yield client


def store_variants(
    engine: Engine,
    base: str,
    variants: Sequence[Variant],
    sweep: str | None = None,
    input_folder: str | Path | None = None,
) -> dict[str, int]:
    """Store each variant as a scenario version (same content: the stored version) and the
    sweep's membership (named ``sweep``, by default the base's name); name -> version.
    ``input_folder`` is the base's (its file's folder, or its stored record's)."""
    from planner.storage import record_sweep, save_scenario

    versions = {
        v.name: save_scenario(
            engine, v.scenario, source=f"planner sweep of {base}", input_folder=input_folder
        ).version
        for v in variants
    }
    record_sweep(
        engine, sweep or base, base, [(v.name, versions[v.name], v.parameters) for v in variants]
    )
    return versions


def run_sweep(
    engine: Engine,
    url: str,
    client: Client,
    variants: Sequence[Variant],
    versions: Mapping[str, int],
    planners: Sequence[str],
    on_progress: ProgressFn | None = None,
) -> SweepResult:
    """Solve the stored variants as tasks on ``client``'s cluster (those with every plan stored
    are skipped); a failed variant is recorded and the others go on. Ctrl-C cancels what has
    not finished and marks the sweep ``interrupted`` (every finished variant stays stored)."""
    from distributed import wait

    started = time.perf_counter()
    report = SweepResult(len(variants))
    results: dict[str, dict[str, Any]] = {}
    todo = []
    for variant in variants:
        plans = stored_plans(engine, variant.name, versions[variant.name], planners)
        if len(plans) == len(planners):
            outcome = {"version": versions[variant.name], "plans": plans}
            results[variant.name] = _result(variant, outcome, "skipped", planners)
            report.skipped += 1
        else:
            todo.append(variant)
    futures = {
        client.submit(solve_variant, url, v.name, versions[v.name], list(planners), pure=False): v
        for v in todo
    }

    def tell() -> None:
        if on_progress is not None:
            running = sum(len(keys) for keys in client.processing().values())
            done = report.solved + report.skipped
            on_progress(
                done,
                min(running, len(variants) - done - report.failed),
                report.failed,
                len(variants),
            )

    pending = set(futures)
    tell()
    try:
        while pending:
            try:
                finished, pending = wait(pending, timeout=0.5, return_when="FIRST_COMPLETED")
            except TimeoutError:  # nothing finished in this half second: tell the progress
                tell()
                continue
            for future in finished:
                variant = futures[future]
                try:
                    outcome = future.result()
                except Exception as exc:  # the task could not run (e.g. killed its workers)
                    outcome = {
                        "version": versions[variant.name],
                        "plans": stored_plans(
                            engine, variant.name, versions[variant.name], planners
                        ),
                        "error": f"{type(exc).__name__}: {exc}",
                    }
                failed = outcome.get("error") is not None
                report.failed += failed
                report.solved += not failed
                results[variant.name] = _result(
                    variant, outcome, "failed" if failed else "solved", planners
                )
            tell()
    except KeyboardInterrupt:
        client.cancel(list(futures), force=True)
        report.interrupted = True
    report.seconds = time.perf_counter() - started
    report.results = [results[v.name] for v in variants if v.name in results]
    return report
