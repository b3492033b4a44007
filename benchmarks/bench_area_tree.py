"""Benchmark: build a city-sized AreaTree and ask "is A inside B?" a million times.

The city: 10 districts × 10 streets × 20 communities × 10 grids × 10 micro-grids
(222,111 areas, 200,000 of them micro-grids).  Prints build time, memory held
by the tree, and lookups per second, each against a baseline measured in the
same run: the O(1) Euler-interval ``is_within`` against walking up the parent
codes, and both against a bare dict lookup (the cost of the Python call itself).
Targets from issue 2: build < 2 s, subtree checks >= 1,000,000/s.

    python benchmarks/bench_area_tree.py           # the full city
    python benchmarks/bench_area_tree.py --smoke   # a tiny city, a few seconds
"""

from __future__ import annotations

import argparse
import gc
import random
import time
import tracemalloc
from collections.abc import Callable

from gridgov.grid import Area, AreaTree
from gridgov.samples import HANGZHOU_LEVELS

FULL = (10, 10, 20, 10, 10)
SMOKE = (2, 2, 3, 2, 2)


def city(fanout: tuple[int, ...]) -> list[Area]:
    """Areas of a city with ``fanout[i]`` children per area at depth ``i``."""
    levels = HANGZHOU_LEVELS.names
    areas = [Area("C", "市", levels[0])]
    frontier = ["C"]
    for depth, count in enumerate(fanout, start=1):
        below = []
        for parent in frontier:
            for i in range(count):
                code = f"{parent}.{i}"
                areas.append(Area(code, f"区域{code}", levels[depth], parent))
                below.append(code)
        frontier = below
    return areas


def naive_is_within(by_code: dict[str, Area], code: str, ancestor: str) -> bool:
    """The baseline: walk up the parent codes until the ancestor or a root."""
    current: str | None = code
    while current is not None:
        if current == ancestor:
            return True
        current = by_code[current].parent_code
    return False


def rate(pairs: list[tuple[str, str]], check: Callable[[str, str], object]) -> float:
    """Calls per second of ``check`` over ``pairs`` (best of three)."""
    best = float("inf")
    for _ in range(3):
        start = time.perf_counter()
        for a, b in pairs:
            check(a, b)
        best = min(best, time.perf_counter() - start)
    return len(pairs) / best


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--smoke", action="store_true", help="a tiny city, for the test suite")
    args = parser.parse_args()
    fanout, n_pairs = (SMOKE, 2_000) if args.smoke else (FULL, 1_000_000)

    start = time.perf_counter()
    areas = city(fanout)
    made = time.perf_counter() - start
    gc.collect()
    start = time.perf_counter()
    tree = AreaTree(areas, HANGZHOU_LEVELS)
    built = time.perf_counter() - start
    print(f"areas: {len(tree):,} ({tree.count_by_level()})")
    print(f"make Area records: {made:.2f} s; build AreaTree (checks + index): {built:.2f} s")

    tracemalloc.start()
    copy = city(fanout)
    records_size = tracemalloc.get_traced_memory()[0]
    tracemalloc.stop()
    del copy
    print(f"memory of the Area records and their strings: {records_size / 2**20:.1f} MiB")
    tracemalloc.start()
    held = AreaTree(areas, HANGZHOU_LEVELS)
    size, _peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    print(
        f"memory held by the tree index (areas not counted): {size / 2**20:.1f} MiB "
        f"({size / len(held):.0f} B per area)"
    )
    del held

    rng = random.Random(2024)
    leaves = [a.code for a in areas if a.level == "micro_grid"]
    inner = [a.code for a in areas if a.level != "micro_grid"]
    pairs = [(rng.choice(leaves), rng.choice(inner)) for _ in range(n_pairs)]
    by_code = {a.code: a for a in areas}

    def floor(a: str, b: str) -> bool:
        return by_code[a] is by_code[b]

    baseline = rate(pairs, floor)
    naive = rate(pairs, lambda a, b: naive_is_within(by_code, a, b))
    euler = rate(pairs, tree.is_within)
    print(f"a call doing two dict lookups:     {baseline:12,.0f}/s")
    print(f"is_within, walking up (baseline):  {naive:12,.0f}/s")
    print(
        f"is_within, Euler interval:         {euler:12,.0f}/s  "
        f"({euler / naive:.1f}x the walk, {euler / baseline:.2f}x the floor)"
    )
    few = pairs[: max(1, n_pairs // 10)]
    for name, check in [
        ("ancestors", lambda a, _b: tree.ancestors(a)),
        ("nearest_at_level(community)", lambda a, _b: tree.nearest_at_level(a, "community")),
        ("lca", tree.lca),
    ]:
        print(f"{name + ':':35}{rate(few, check):12,.0f}/s")
    ok = built < 2.0 and euler >= 1_000_000
    print(f"targets (build < 2 s, is_within >= 1M/s): {'met' if ok else 'NOT met'}")


if __name__ == "__main__":
    main()
