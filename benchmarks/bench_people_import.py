"""Benchmark: read, check and import a city's people file (``gridgov people import``).

The people: N per unit of the Hangzhou sample (426 units), each with the unit's
kind as role where the permission matrix has it, the unit's area as home area
and a name.  Prints, for CSV, JSON and TOML, the time ``load_people`` takes
against the bare parse of the same text (``csv.DictReader``, ``json.loads``,
``tomllib.loads``) measured in the same run; then ``import_people`` into a
fresh SQLite file: the first import (all inserted) and the same file again
(all unchanged).

    python benchmarks/bench_people_import.py           # 100 per unit: 42,600 people
    python benchmarks/bench_people_import.py --smoke   # 2 per unit
"""

from __future__ import annotations

import argparse
import csv
import io
import json
import tempfile
import time
import tomllib
from collections.abc import Callable
from pathlib import Path

from gridgov.grid import load_sample
from gridgov.store import SqlStore, import_people
from gridgov.workflow import DEFAULT_PERMISSIONS, Actor, dump_people, load_people

PARSE: dict[str, Callable[[str], object]] = {
    "csv": lambda text: list(csv.DictReader(io.StringIO(text))),
    "json": json.loads,
    "toml": tomllib.loads,
}


def people(per_unit: int) -> list[Actor]:
    """``per_unit`` people on every unit of the Hangzhou sample whose kind is a role."""
    directory = load_sample("hangzhou").directory
    found = []
    for unit in directory:
        role = str(unit.kind)
        if role not in DEFAULT_PERMISSIONS.roles:
            continue
        found += [
            Actor(f"{unit.code}-p{i}", role, unit.area_code, unit.code, f"人员{i}")
            for i in range(per_unit)
        ]
    return found


def best(run: Callable[[], object], repeat: int = 3) -> float:
    """The fastest of ``repeat`` runs, in seconds."""
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        run()
        times.append(time.perf_counter() - start)
    return min(times)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--smoke", action="store_true", help="2 people per unit")
    args = parser.parse_args()
    everyone = people(2 if args.smoke else 100)
    directory = load_sample("hangzhou").directory
    print(f"people: {len(everyone):,} on {len({p.unit_code for p in everyone})} units")
    with tempfile.TemporaryDirectory() as tmp:
        for fmt, parse in PARSE.items():
            path = Path(tmp) / f"people.{fmt}"
            path.write_text(dump_people(everyone, fmt), encoding="utf-8")  # type: ignore[arg-type]
            text = path.read_text(encoding="utf-8")
            bare = best(lambda: parse(text))  # noqa: B023
            checked = best(lambda: load_people(path, directory))  # noqa: B023
            print(
                f"{fmt:>4}: load_people {checked:.3f} s ({len(everyone) / checked:,.0f} people/s); "
                f"bare parse {bare:.3f} s; ratio {checked / bare:.1f}x"
            )
        store = SqlStore(f"sqlite:///{Path(tmp) / 'gridgov.db'}")
        store.upgrade()
        store.save_directory(directory)
        start = time.perf_counter()
        first = import_people(store, everyone)
        inserted = time.perf_counter() - start
        start = time.perf_counter()
        again = import_people(store, everyone)
        unchanged = time.perf_counter() - start
        store.close()
    print(f"SQLite import: {first.inserted:,} inserted in {inserted:.2f} s; ", end="")
    print(f"again, {again.unchanged:,} unchanged in {unchanged:.2f} s")


if __name__ == "__main__":
    main()
