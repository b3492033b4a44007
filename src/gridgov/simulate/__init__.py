"""Simulating "small issues stay in the grid" (小事不出网格): a discrete-event simulation
of a city's tickets over its area tree, routing policy, SLA policy and staff.

The simulator drives the one rule core — the loop's table and fold
(:meth:`Ticket.fire <gridgov.workflow.Ticket.fire>`), the routing
(:class:`~gridgov.workflow.Assigner`), the SLA clocks (:class:`~gridgov.sla.ClockRun`)
and :meth:`RoutingPolicy.stayed_in_grid <gridgov.workflow.RoutingPolicy.stayed_in_grid>`
— and adds arrivals, queues and staff:

>>> scenario = Scenario.model_validate({
...     "scenario": {"name": "zhumiao", "start": "2026-03-02T00:00+08:00"},
...     "arrivals": [{"category": "noise", "areas": ["HZ-YH-CQ-ZM-*"], "per_day": 20}],
...     "service": {"small": {"mean_h": 1.0}},
... })
>>> result = simulate(scenario, days=7, seed=7)
>>> result.stay_in_grid_rate(tier="small").mean > 0.9
True

Replications are independent: :func:`simulate` runs them in this process, or on any
:class:`concurrent.futures.Executor` (local processes, a Dask or Ray cluster's executor);
the same seed gives the same result however they are run.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from concurrent.futures import Executor
from functools import lru_cache
from pathlib import Path

from gridgov._public import publish
from gridgov._toml import read_toml
from gridgov.simulate._fit import FitSummary, fit_scenario, write_scenario
from gridgov.simulate._model import Replication, UnitStats, World, run_replication
from gridgov.simulate._render import html_report
from gridgov.simulate._report import Estimate, SimulationResult, erlang_c_wait
from gridgov.simulate._scenario import (
    SIMULATION_SCENARIO,
    ArrivalStream,
    Rules,
    Scenario,
    ScenarioHeader,
    ServiceTime,
    Staffing,
)
from gridgov.simulate._world import build_world

__all__ = [
    "SIMULATION_SCENARIO",
    "ArrivalStream",
    "Estimate",
    "FitSummary",
    "Replication",
    "Rules",
    "Scenario",
    "ScenarioHeader",
    "ServiceTime",
    "SimulationResult",
    "Staffing",
    "UnitStats",
    "World",
    "build_world",
    "erlang_c_wait",
    "fit_scenario",
    "html_report",
    "load_scenario",
    "replicate",
    "simulate",
    "sweep",
    "varied",
    "write_scenario",
]


def load_scenario(path: str | Path) -> Scenario:
    """Read and check a scenario file: its shape, then what it refers to (areas,
    categories, tiers, unit kinds, calendars); every problem names the key and line."""
    document = read_toml(path, SIMULATION_SCENARIO)
    scenario = document.validate(Scenario)
    scenario = scenario.model_copy(update={"base_dir": str(Path(path).resolve().parent)})
    build_world(scenario, document)
    return scenario


@lru_cache(maxsize=8)
def _world_of(scenario_json: str, base_dir: str) -> tuple[Scenario, World]:
    """One world per scenario per process (workers build their own, once)."""
    scenario = Scenario.model_validate_json(scenario_json).model_copy(update={"base_dir": base_dir})
    return scenario, build_world(scenario)


def replicate(
    scenario_json: str,
    base_dir: str,
    days: float,
    seed: int,
    index: int,
    warmup_days: float,
    keep: bool = False,
) -> Replication:
    """Replication ``index`` of a scenario given as JSON (what an executor's worker runs:
    plain, picklable arguments)."""
    scenario, world = _world_of(scenario_json, base_dir)
    return run_replication(
        world, scenario, days=days, seed=f"{seed}/{index}", index=index,
        warmup_days=warmup_days, keep=keep,
    )  # fmt: skip


def simulate(
    scenario: Scenario,
    *,
    days: float,
    seed: int = 1,
    replications: int = 1,
    warmup_days: float = 0,
    executor: Executor | None = None,
    on_replication: Callable[[Replication], None] | None = None,
    keep_tickets: bool = False,
) -> SimulationResult:
    """Run ``replications`` independent replications of ``days`` each (the first
    ``warmup_days`` simulated but not counted), on ``executor`` if given;
    ``on_replication`` hears of each as it ends, in order (a progress bar); with
    ``keep_tickets`` each replication keeps its counted tickets as the run left them
    (:attr:`Replication.kept`: for tests, and traces compared with their replay).

    Deterministic: replication ``i`` draws from the random stream ``"{seed}/{i}"``.
    """
    if days <= 0 or warmup_days < 0 or warmup_days >= days:
        raise ValueError("days must be > 0 and warmup_days in [0, days)")
    if replications < 1:
        raise ValueError("replications must be at least 1")
    text = scenario.model_dump_json()
    args = [
        (text, scenario.base_dir, days, seed, i, warmup_days, keep_tickets)
        for i in range(replications)
    ]
    done = (
        (replicate(*a) for a in args)
        if executor is None
        else executor.map(replicate, *zip(*args, strict=True))
    )
    runs: list[Replication] = []
    for run in done:
        runs.append(run)
        if on_replication is not None:
            on_replication(run)
    return SimulationResult(scenario.scenario.name, days - warmup_days, seed, runs)


def varied(scenario: Scenario, key: str, value: float) -> Scenario:
    """``scenario`` with one setting changed: ``staffing.KIND`` (a headcount),
    ``staffing.units.CODE``, ``arrivals.scale`` (every rate times ``value``) or
    ``rules.NAME``.  What a sweep steps through."""
    head, _, rest = key.partition(".")
    if head == "staffing" and rest.startswith("units."):
        code = rest.removeprefix("units.")
        units = {**scenario.staffing.units, code: int(value)}
        staffing = scenario.staffing.model_validate(
            {**scenario.staffing.model_dump(), "units": units}
        )
        return scenario.model_copy(update={"staffing": staffing})
    if head == "staffing" and rest:
        return scenario.model_copy(
            update={"staffing": scenario.staffing.with_headcount(rest, int(value))}
        )
    if key == "arrivals.scale":
        return scenario.scaled(value)
    if head == "rules" and rest in Rules.model_fields:
        rules = Rules.model_validate({**scenario.rules.model_dump(), rest: value})
        return scenario.model_copy(update={"rules": rules})
    raise ValueError(
        f"cannot vary {key!r}: expected staffing.KIND, staffing.units.CODE, arrivals.scale "
        f"or rules.NAME ({', '.join(Rules.model_fields)})"
    )


def sweep(
    scenario: Scenario,
    key: str,
    values: Sequence[float],
    *,
    days: float,
    seed: int = 1,
    replications: int = 1,
    warmup_days: float = 0,
    executor: Executor | None = None,
) -> list[tuple[float, SimulationResult]]:
    """One simulation per value of ``key`` (see :func:`varied`), each with the same seed,
    so the points differ by the setting, not by luck (common random numbers)."""
    points = [(value, varied(scenario, key, value)) for value in values]
    return [
        (value, simulate(point, days=days, seed=seed, replications=replications,
                         warmup_days=warmup_days, executor=executor))
        for value, point in points
    ]  # fmt: skip


publish(globals())
