"""How a routing solve runs: :class:`SolveParams` and the :data:`ProgressCallback` protocol.

Apart from :mod:`routing.solve` so that the engines (:mod:`routing.pyvrp_engine`,
:mod:`routing.ortools_engine`, :mod:`routing.portfolio`) can take them without importing the
dispatcher that imports them. The strategy and metaheuristic names are OR-Tools'.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, Literal

from routing.problem import VRPError

#: ``on_progress(fraction, message)``: the same protocol the CLI progress bars take.
ProgressCallback = Callable[[float | None, str], None]

FIRST_SOLUTION = (
    "PARALLEL_CHEAPEST_INSERTION",
    "SAVINGS",
    "PATH_CHEAPEST_ARC",
    "LOCAL_CHEAPEST_INSERTION",
    "SEQUENTIAL_CHEAPEST_INSERTION",
    "GLOBAL_CHEAPEST_ARC",
    "CHRISTOFIDES",
    "AUTOMATIC",
)
METAHEURISTICS = ("GUIDED_LOCAL_SEARCH", "SIMULATED_ANNEALING", "TABU_SEARCH", "AUTOMATIC")
ENGINES = ("pyvrp", "ortools", "portfolio")
Engine = Literal["pyvrp", "ortools", "portfolio"]


@dataclass(frozen=True)
class SolveParams:
    """How :func:`routing.solve.solve` searches. Defaults are the measured best on the Solomon set.

    * ``engine``: ``"pyvrp"`` (PyVRP's iterated local search, :mod:`routing.pyvrp_engine`, one
      core), ``"ortools"`` (OR-Tools routing in three phases, :mod:`routing.ortools_engine`)
      or ``"portfolio"`` (:mod:`routing.portfolio`: PyVRP searches with different seeds side by
      side, one process each, the best plan by :func:`routing.kpi.evaluate` kept).
    * ``time_limit``: seconds for the whole solve (all phases).
    * ``no_improvement``: PyVRP stops after this many iterations without a better plan (the
      time limit still applies); ``None`` stops small instances early on their own
      (:func:`routing.pyvrp_engine.early_stop`) and lets large ones run to the time limit.
    * The OR-Tools engine's search: the fields below but ``solution_limit``, ``seed`` and
      ``workers``, which every engine reads.
    * ``first_solution``: OR-Tools first-solution strategy (see :data:`FIRST_SOLUTION`);
      ``also_try``: more strategies, each run in turn in phase 1 (splitting its time), the
      best first plan kept.
    * ``metaheuristic``: OR-Tools local-search metaheuristic.
    * ``scale``: times and distances are multiplied by this and made integers for OR-Tools
      (travel and service times rounded *up*, window ends down, so a solver-feasible plan is
      feasible in exact arithmetic; PyVRP uses :data:`routing.pyvrp_engine.SCALE` the same
      way); reported figures are recomputed in floats.
    * ``eliminate_share``: in ``vehicles_then_distance`` mode, the share of the time spent
      removing routes (remove the shortest route, reinsert its stops on one vehicle fewer,
      warm-started from the previous plan); the rest minimises distance at that fleet size.
    * ``first_share``: share of the time for the first solution and its first improvement.
    * ``full_propagation``: OR-Tools ``use_full_propagation``.
    * ``solution_limit``: stop each OR-Tools phase after this many solutions, PyVRP after this
      many iterations (reproducible runs independent of machine speed; the time limit still
      applies).
    * ``neighbors_ratio``/``min_neighbors``: OR-Tools ``ls_operator_neighbors_ratio`` and
      ``ls_operator_min_neighbors`` (moves only consider that share of the nearest nodes).
    * ``gls_lambda``: OR-Tools ``guided_local_search_lambda_coefficient``.
    * ``lns``: also switch on OR-Tools' close-nodes / expensive-chain / path / inactive LNS
      operators: ``"off"``, only while removing routes (``"eliminate"``) or throughout.
    * ``max_failures``: stop removing routes after this many failed attempts in a row (each
      failure tries the next-shortest route); ``attempt_share``: the time share per attempt.
    * ``bandit``: OR-Tools ``use_multi_armed_bandit_concatenate_operators``.
    * ``fleet_cost``: in phase 1 of ``vehicles_then_distance``, a fixed cost per vehicle above
      any distance (so the first search already empties routes).
    * ``seed``: PyVRP's random seed; in OR-Tools it breaks ties in the order routes are tried
      for removal.
    * ``workers``: independent searches run side by side in that many processes, the best
      plan kept: for ``"ortools"`` worker k uses ``seed + k`` and starts from the k-th strategy
      of ``(first_solution, *also_try)`` (1: one search in this process); for ``"portfolio"``
      the number of PyVRP searches (seeds ``seed .. seed + k - 1``; 1, the default: two
      searches where that pays, see :func:`routing.portfolio.pays`, else one in this process);
      ``"pyvrp"`` always runs one search in this process.
    """

    # The portfolio: on an idle machine it beats PyVRP run alone on Solomon at 10 s (20 better,
    # 9 worse, 27 tied; benchmarks/README.md "vrptw"); it falls back to one search in this
    # process where a second one does not pay (routing.portfolio.pays).
    engine: Engine = "portfolio"
    time_limit: float = 10.0
    no_improvement: int | None = None
    first_solution: str = "PARALLEL_CHEAPEST_INSERTION"
    also_try: tuple[str, ...] = ("LOCAL_CHEAPEST_INSERTION",)
    metaheuristic: str = "GUIDED_LOCAL_SEARCH"
    scale: int = 1000
    eliminate_share: float = 0.4
    first_share: float = 0.3
    full_propagation: bool = False
    solution_limit: int | None = None
    neighbors_ratio: float = 1.0
    min_neighbors: int = 1
    gls_lambda: float = 0.1
    lns: Literal["off", "eliminate", "all"] = "eliminate"
    bandit: bool = True
    fleet_cost: bool = True
    max_failures: int = 2
    attempt_share: float = 0.12
    seed: int = 0
    workers: int = 1

    def __post_init__(self) -> None:
        if self.engine not in ENGINES:
            raise VRPError(f"params: engine {self.engine!r} is not one of {ENGINES}.")
        if self.no_improvement is not None and self.no_improvement < 1:
            raise VRPError(f"params: no_improvement {self.no_improvement} must be >= 1.")
        if not self.time_limit > 0:
            raise VRPError(f"params: time_limit {self.time_limit} must be positive.")
        for strategy in (self.first_solution, *self.also_try):
            if strategy not in FIRST_SOLUTION:
                raise VRPError(
                    f"params: first-solution strategy {strategy!r} is not one of {FIRST_SOLUTION}."
                )
        if self.metaheuristic not in METAHEURISTICS:
            raise VRPError(
                f"params: metaheuristic {self.metaheuristic!r} is not one of {METAHEURISTICS}."
            )
        if self.scale < 1:
            raise VRPError(f"params: scale {self.scale} must be >= 1.")
        if not (
            0 <= self.eliminate_share < 1
            and 0 < self.first_share < 1
            and self.eliminate_share + self.first_share < 1
        ):
            raise VRPError(
                "params: eliminate_share and first_share must be shares of the time < 1."
            )
        if self.lns not in ("off", "eliminate", "all"):
            raise VRPError(f"params: lns {self.lns!r} is not 'off', 'eliminate' or 'all'.")
        if self.max_failures < 0 or not 0 < self.attempt_share <= 1:
            raise VRPError("params: max_failures must be >= 0 and attempt_share in (0, 1].")
        if not 0 < self.neighbors_ratio <= 1 or self.min_neighbors < 1 or self.gls_lambda <= 0:
            raise VRPError("params: neighbors_ratio in (0, 1], min_neighbors >= 1, gls_lambda > 0.")
        if self.workers < 1:
            raise VRPError(f"params: workers {self.workers} must be >= 1.")

    def replace(self, **changes: Any) -> SolveParams:
        """A copy with some fields changed (checked by ``__post_init__``)."""
        return dataclasses.replace(self, **changes)
