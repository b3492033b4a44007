"""How fast the simulator runs, against baselines measured in the same run.

1. The event loop: an M/M/1 queue of N customers on a plain heap (the design
   ``gridgov.simulate`` uses) vs. the same model as SimPy processes (when ``simpy`` is
   installed; ``pip install simpy``, not a gridgov dependency).
2. A city: the Hangzhou sample's every leaf area, a year, tickets of the synthetic mix,
   one replication — vs. a replay of the same number of synthetic tickets walking the
   loop (``gen_synthetic.py --shape loop``), both through the same rule core.  Ratio:
   simulated ticket / replayed ticket.
3. Memory: peak (tracemalloc) of a replication run for a quarter and for the whole year:
   flat in simulated days when the city is stable.
4. ``--jobs``: 8 replications on 1 process and on 2.

    python benchmarks/bench_simulate.py            # full (200,000 tickets; minutes)
    python benchmarks/bench_simulate.py --smoke    # seconds
    python benchmarks/bench_simulate.py --tickets 1000000
"""

from __future__ import annotations

import argparse
import heapq
import importlib.util
import random
import tempfile
import time
import tracemalloc
from collections import deque
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path
from typing import Any

from gridgov.grid import load_sample
from gridgov.replay import (
    InputFile,
    PolicyInForce,
    RejectLog,
    ReplayEngine,
    load_mapping,
    read_tickets,
)
from gridgov.simulate import Scenario, simulate
from gridgov.sla import load_default_policy

HERE = Path(__file__).resolve().parent


def heap_mm1(customers: int, lam: float = 0.9, mu: float = 1.0, seed: int = 1) -> float:
    """Mean wait of an M/M/1 queue on a plain heap of (time, seq, kind)."""
    rng = random.Random(seed)
    heap: list[tuple[float, int, int]] = [(rng.expovariate(lam), 0, 0)]
    seq, busy, waited, served, arrived = 1, False, 0.0, 0, 0
    waiting: deque[float] = deque()
    while served < customers:
        now, _, kind = heapq.heappop(heap)
        if kind == 0:  # arrival
            arrived += 1
            if arrived < customers:
                heapq.heappush(heap, (now + rng.expovariate(lam), seq, 0))
                seq += 1
            if busy:
                waiting.append(now)
            else:
                busy = True
                heapq.heappush(heap, (now + rng.expovariate(mu), seq, 1))
                seq += 1
        else:  # departure
            served += 1
            if waiting:
                waited += now - waiting.popleft()
                heapq.heappush(heap, (now + rng.expovariate(mu), seq, 1))
                seq += 1
            else:
                busy = False
    return waited / customers


def simpy_mm1(customers: int, lam: float = 0.9, mu: float = 1.0, seed: int = 1) -> float | None:
    """The same queue as SimPy processes; ``None`` when SimPy is not installed."""
    if importlib.util.find_spec("simpy") is None:
        return None
    simpy = importlib.import_module("simpy")  # optional: not a gridgov dependency

    rng = random.Random(seed)
    env = simpy.Environment()
    server = simpy.Resource(env, capacity=1)
    waits: list[float] = []

    def customer() -> Any:
        arrived = env.now
        with server.request() as request:
            yield request
            waits.append(env.now - arrived)
            yield env.timeout(rng.expovariate(mu))

    def source() -> Any:
        for _ in range(customers):
            yield env.timeout(rng.expovariate(lam))
            env.process(customer())

    env.process(source())
    env.run()
    return sum(waits) / len(waits)


CATEGORIES = {
    "noise": 6.0, "garbage": 5.0, "neighbour_dispute": 2.0, "fire_lane": 2.0,
    "property_dispute": 1.5, "illegal_building": 0.6, "fraud": 0.2,
}  # fmt: skip
"""Relative daily rates of the city's mix (the example scenario's)."""


def city(tickets: int, days: float) -> Scenario:
    """The Hangzhou sample's Yuhang district (its streets have units for every tier) with
    ``tickets`` tickets over ``days``."""
    total = sum(CATEGORIES.values())
    return Scenario.model_validate(
        {
            "scenario": {"name": "bench-city", "start": "2026-01-05T00:00+08:00"},
            "arrivals": [
                {"category": c, "areas": ["HZ-YH-*"], "per_day": tickets / days * w / total}
                for c, w in CATEGORIES.items()
            ],
            "service": {
                "small": {"mean_h": 1.5, "dist": "lognormal"},
                "complex": {"mean_h": 10.0, "dist": "lognormal"},
                "major": {"mean_h": 30.0, "dist": "lognormal"},
            },
            "staffing": {"unlimited": True},
            "rules": {"not_satisfied": 0.05, "joint_share": 0.3},
        }
    )


def replay_seconds(tickets: int, folder: Path) -> float:
    """Replay of ``tickets`` synthetic loop-shape tickets (reading included)."""
    gen = importlib.import_module("gen_synthetic")  # beside this script, as the others do
    path = gen.generate(folder / "loop.csv", tickets, shape="loop")
    mapping = load_mapping(HERE / "synthetic_loop.toml")
    sample = load_sample("hangzhou")
    engine = ReplayEngine(
        mapping.routing_policy(), directory=sample.directory,
        policies=[PolicyInForce(load_default_policy())],
    )  # fmt: skip
    started = time.perf_counter()
    source = InputFile(path, mapping.format, delimiter=mapping.delimiter)
    for ticket in read_tickets(mapping, source, areas=sample.tree, rejects=RejectLog(None)):
        engine.replay(ticket)
    return time.perf_counter() - started


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--smoke", action="store_true", help="tiny sizes (CI)")
    parser.add_argument("--tickets", type=int, default=None)
    args = parser.parse_args()
    tickets = args.tickets or (1_000 if args.smoke else 200_000)
    customers = 5_000 if args.smoke else 200_000

    print(f"1. event loop, M/M/1 at rho 0.9, {customers:,} customers")
    started = time.perf_counter()
    wait = heap_mm1(customers)
    heap_s = time.perf_counter() - started
    print(f"   plain heap : {heap_s:7.2f} s  mean wait {wait:.2f} (theory 9.00)")
    started = time.perf_counter()
    simpy_wait = simpy_mm1(customers)
    simpy_s = time.perf_counter() - started
    if simpy_wait is None:
        print("   SimPy      : not installed (pip install simpy to compare)")
    else:
        print(f"   SimPy      : {simpy_s:7.2f} s  mean wait {simpy_wait:.2f}  "
              f"({simpy_s / heap_s:.1f}x the heap)")  # fmt: skip

    days = 365.0
    print(f"\n2. a city: {tickets:,} tickets over {days:g} days, one replication")
    scenario = city(tickets, days)
    started = time.perf_counter()
    result = simulate(scenario, days=days, seed=1)
    sim_s = time.perf_counter() - started
    run = result.replications[0]
    with tempfile.TemporaryDirectory() as folder:
        rep_s = replay_seconds(run.tickets, Path(folder))
    print(f"   simulate   : {sim_s:7.2f} s  {run.tickets:,} tickets, {run.events:,} moves, "
          f"{sim_s / run.tickets * 1e6:.0f} us a ticket")  # fmt: skip
    print(f"   replay     : {rep_s:7.2f} s  the same number of loop-shape tickets "
          f"({rep_s / run.tickets * 1e6:.0f} us a ticket)")  # fmt: skip
    print(f"   ratio      : {sim_s / rep_s:.2f}x replay")

    print("\n3. peak memory of one replication (tracemalloc)")
    for share in (0.25, 1.0):
        tracemalloc.start()
        simulate(city(int(tickets * share), days * share), days=days * share, seed=1)
        peak = tracemalloc.get_traced_memory()[1]
        tracemalloc.stop()
        print(f"   {days * share:5.0f} days: {peak / 2**20:7.1f} MiB")

    n = 8
    small = city(max(tickets // 20, 500), 30.0)
    print(f"\n4. {n} replications of {max(tickets // 20, 500):,} tickets")
    started = time.perf_counter()
    alone = simulate(small, days=30, seed=1, replications=n)
    one_s = time.perf_counter() - started
    started = time.perf_counter()
    with ProcessPoolExecutor(max_workers=2) as pool:
        spread = simulate(small, days=30, seed=1, replications=n, executor=pool)
    two_s = time.perf_counter() - started
    assert spread.to_json() == alone.to_json()
    print(f"   --jobs 1   : {one_s:7.2f} s")
    print(f"   --jobs 2   : {two_s:7.2f} s  ({one_s / two_s:.2f}x faster, same result)")


if __name__ == "__main__":
    main()
