"""How fast replay runs, against baselines measured in the same run.

1. Boston 311 (the full shared file, 58,119 tickets; the shipped 2,000-ticket slice with
   ``--smoke``): replay time vs. merely parsing the file with Python's ``csv`` module,
   with the city's own due times and with its SLA policies; and how much of it is
   reading and cleaning rows into tickets (no loop, no clocks, no report).
2. A synthetic city (``gen_synthetic.py``; 1,000,000 tickets, 5,000 with ``--smoke``):
   the same ratios, and peak memory of a replay in a fresh process — for the snapshot
   (one row per ticket) and for the event log (one row per status change, tickets
   interleaved), whose memory is bounded by the tickets open at once.
   Beside each ``csv`` parse, "the least a replay must do" (:func:`_floor`): split,
   read the times, decide on time, count once — what no replay in CPython can undercut;
   and (``limits``) the synthetic snapshot replayed with ``--jobs`` on the machine's cores.
3. The naive way on 20,000 tickets (500 with ``--smoke``): a ``transitions`` Machine
   per ticket and one ORM flush per event into a SQLite file, vs. replay of the same
   tickets.
4. ``--db`` on 20,000 synthetic tickets (500 with ``--smoke``), on a SQLite file and on
   PostgreSQL (``$GRIDGOV_TEST_POSTGRES_URL``, a scratch schema; skipped when unset):
   replay writing through the store (its bulk path, ``Store.load_tickets``: COPY on
   PostgreSQL) vs. raw ``executemany`` of the very rows it wrote (tickets, events, clock
   cycles), and on PostgreSQL vs. a bare psycopg ``COPY`` of them; "the writing alone"
   is replay+db minus replay without ``--db``.

    python benchmarks/bench_replay.py            # full: several minutes
    python benchmarks/bench_replay.py --smoke    # seconds
"""

from __future__ import annotations

import argparse
import csv
import gzip
import importlib
import json
import os
import subprocess
import sys
import tempfile
import time
from collections import Counter
from collections.abc import Callable
from dataclasses import replace
from datetime import timedelta
from pathlib import Path
from typing import Any

from sqlalchemy import String, create_engine, insert, select, text
from sqlalchemy.engine import make_url
from sqlalchemy.orm import DeclarativeBase, Mapped, Session, mapped_column
from transitions import Machine

from gridgov.replay import (
    BOSTON_SAMPLE_DIR,
    ReplayOptions,
    boston_sample_options,
    load_mapping,
    run_replay,
)
from gridgov.replay._readers import InputFile
from gridgov.replay._rejects import RejectLog
from gridgov.replay._sources import read_tickets
from gridgov.replay._times import time_parser
from gridgov.workflow import DEFINITION, NEW, SAME, State

HERE = Path(__file__).resolve().parent
BOSTON_FULL = HERE.parent.parent / "shared" / "data" / "boston311" / "boston311_2015_h1.csv.gz"
sys.path.insert(0, str(HERE))
_gen = importlib.import_module("gen_synthetic")
generate: Callable[..., Path] = _gen.generate
_synthetic_options: Callable[[Path, str], ReplayOptions] = _gen.synthetic_options
_raw_copy_seconds: Callable[..., float] = importlib.import_module("_scratch").raw_copy_seconds


class _Base(DeclarativeBase):
    pass


class _EventRow(_Base):
    """The naive baseline's event table: one ORM object and one flush per event."""

    __tablename__ = "naive_event"
    id: Mapped[int] = mapped_column(primary_key=True)
    ticket_id: Mapped[str] = mapped_column(String(32))
    trigger: Mapped[str] = mapped_column(String(32))
    to_state: Mapped[str] = mapped_column(String(32))
    at: Mapped[str] = mapped_column(String(40))


class _Model:
    state: str


def _timed(work: Callable[[], Any]) -> float:
    start = time.perf_counter()
    work()
    return time.perf_counter() - start


def _csv_parse(path: Path) -> int:
    opener = gzip.open if path.suffix == ".gz" else open
    with opener(path, "rt", newline="", encoding="utf-8") as file:
        return sum(1 for _ in csv.reader(file))


def _floor(options: ReplayOptions) -> int:
    """The least any replay of the file must do, in CPython, with nothing of gridgov's but
    its fastest time parser: split each row with ``csv``, read its opening, closing (and
    the source's due) times, decide on time (by the source's due time, else within 24
    hours) and count it in one tally by category — no area check, no loop, no working
    calendar, no rejects, no outputs.  Rows it cannot read are skipped."""
    mapping = options.mapping
    cols = mapping.columns
    if not (cols.opened_at and cols.closed_at and cols.category):
        raise SystemExit(f"{mapping.name}: the floor needs opened_at, closed_at and category")
    parse = time_parser(mapping.time_format, mapping.timezone)
    day = timedelta(hours=24)
    tally: Counter[tuple[str, bool]] = Counter()
    opener = gzip.open if options.input.suffix == ".gz" else open
    with opener(options.input, "rt", newline="", encoding="utf-8") as file:
        rows = csv.reader(file)
        header = next(rows)
        at = header.index
        opened_at, closed_at, category = at(cols.opened_at), at(cols.closed_at), at(cols.category)
        due_at = at(cols.due_at) if cols.due_at else None
        for row in rows:
            try:
                opened = parse(row[opened_at])
                closed = parse(row[closed_at]) if row[closed_at] else None
                due = parse(row[due_at]) if due_at is not None and row[due_at] else None
            except (ValueError, IndexError):
                continue
            if closed is not None:
                on_time = closed <= due if due is not None else closed - opened <= day
                tally[row[category], on_time] += 1
    return sum(tally.values())


def _read_only(options: ReplayOptions) -> int:
    """Read and clean every row into tickets, as replay does, and do nothing else."""
    mapping = options.mapping
    source = InputFile(options.input, mapping.format, delimiter=mapping.delimiter)
    tickets = read_tickets(mapping, source, areas=options.areas, rejects=RejectLog(None))
    return sum(1 for _ in tickets)


def _polars_read(path: Path) -> int:
    """Polars' own CSV reader over the whole file, every column as text: the columnar
    reader's bare read, for comparison (replay reads rows with the row reader's exact
    line accounting, then checks them as columns)."""
    import polars as pl

    return pl.read_csv(path, infer_schema=False).height


def bench_boston(path: Path) -> None:
    rows = _csv_parse(path) - 1
    parse = _timed(lambda: _csv_parse(path))
    bare = _timed(lambda: _polars_read(path))
    own_options = boston_sample_options(due_from_source=True, input=path)
    policy_options = boston_sample_options(input=path)  # loaded before timing: mapping, areas
    run_replay(replace(own_options, input=BOSTON_SAMPLE_DIR / "tickets_2015h1_sample.csv.gz"))
    floor = _timed(lambda: _floor(own_options))
    read = _timed(lambda: _read_only(own_options))
    print(f"Boston 311, {path.name}: {rows:,} tickets")
    print(f"  csv parse only                 {parse:8.2f} s")
    print(f"  Polars read_csv (bare)         {bare:8.2f} s   {bare / parse:5.1f}x csv parse")
    print(f"  the least a replay must do     {floor:8.2f} s   {floor / parse:5.1f}x csv parse")
    print(f"  reading + cleaning rows only   {read:8.2f} s   {read / parse:5.1f}x csv parse")
    for engine in ("rows", "columnar"):
        own = _timed(lambda: run_replay(replace(own_options, engine=engine)))  # noqa: B023
        policy = _timed(lambda: run_replay(replace(policy_options, engine=engine)))  # noqa: B023
        print(f"  --engine {engine:8s} --due-from-source      {own:6.2f} s   "
              f"{own / parse:5.1f}x csv parse")  # fmt: skip
        print(f"  --engine {engine:8s} --policy (2 revisions) {policy:6.2f} s   "
              f"{policy / parse:5.1f}x csv parse")  # fmt: skip


_PEAK = """
import resource

def peak_mb():
    # this process's own peak (VmHWM): on Linux, ru_maxrss carries over the parent's
    # high-water mark across fork and exec, so it would measure the benchmark itself
    try:
        with open("/proc/self/status") as status:
            hwm = next(line for line in status if line.startswith("VmHWM:"))
        return int(hwm.split()[1]) / 1024
    except (OSError, StopIteration):
        return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
"""

_CHILD = (
    _PEAK
    + """
import json, sys, time
sys.path.insert(0, {here!r})
from gen_synthetic import synthetic_options as _synthetic_options  # no SQLAlchemy
from gridgov.replay import run_replay

quarter = {{}}
def progress(done, _read, _total):  # every 1,000 tickets
    if done >= {quarter} and not quarter:
        quarter["peak_mb"] = peak_mb()

import dataclasses
start = time.perf_counter()
options = _synthetic_options(__import__("pathlib").Path({path!r}), {shape!r})
report = run_replay(dataclasses.replace(options, engine={engine!r}), progress=progress)
print(json.dumps({{"seconds": time.perf_counter() - start,
    "tickets": report.overall.tickets,
    "peak_quarter_mb": quarter.get("peak_mb", 0.0),
    "peak_mb": peak_mb()}}))
"""
)


def _replay_in_child(
    path: Path, shape: str, tickets: int, engine: str = "auto"
) -> dict[str, float]:
    """Replay ``path`` in a fresh process: seconds, tickets, and peak memory after a
    quarter of the ``tickets`` and at the end (what grows with the file shows as a gap)."""
    code = _CHILD.format(
        here=str(HERE), path=str(path), shape=shape, quarter=tickets // 4, engine=engine
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    result: dict[str, float] = json.loads(done.stdout.strip().splitlines()[-1])
    return result


def _baseline_rss_mb() -> float:
    code = _PEAK + "import gridgov.replay, gridgov.sla, gridgov.grid\nprint(peak_mb())"
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    return float(done.stdout.strip())


def bench_synthetic(tickets: int, workdir: Path) -> None:
    """Replay ratios and peak memory; the peak after a quarter of the tickets and after all
    of them, in the same fresh process, shows whether memory grows with the file."""
    print(f"Synthetic city: {tickets:,} tickets (gen_synthetic.py, Hangzhou sample areas)")
    idle = _baseline_rss_mb()
    print(f"  a process that imported gridgov: {idle:6.0f} MB peak")
    for shape in ("snapshot", "events"):
        path = generate(workdir / f"synthetic_{shape}.csv.gz", tickets, shape=shape)
        parse = _timed(lambda: _csv_parse(path))  # noqa: B023 - called at once
        bare = _timed(lambda: _polars_read(path))  # noqa: B023
        read = _timed(lambda: _read_only(_synthetic_options(path, shape)))  # noqa: B023
        print(
            f"  {shape:8s} csv parse {parse:6.2f} s | Polars read_csv {bare:6.2f} s "
            f"({bare / parse:4.2f}x) | reading rows only {read:6.2f} s ({read / parse:4.1f}x)"
        )
        for engine in ("rows", "auto") if shape == "snapshot" else ("auto",):
            child = _replay_in_child(path, shape, tickets, engine)
            print(
                f"    --engine {engine:5s} replay {child['seconds']:6.2f} s "
                f"({child['seconds'] / parse:4.1f}x csv parse) | "
                f"{child['tickets'] / child['seconds']:7,.0f} tickets/s | peak "
                f"{child['peak_quarter_mb']:4.0f} MB after 1/4 of the tickets, "
                f"{child['peak_mb']:4.0f} MB after all"
            )


def bench_limits(tickets: int, workdir: Path) -> None:
    """Why ≤ 3× a csv parse is out of reach for a narrow file, and what ``--jobs`` buys.

    The synthetic snapshot has eight short columns: ``csv`` splits a row in about a
    microsecond, so 3× leaves about two more for everything else, which the least any
    replay must do (:func:`_floor`) already spends.
    """
    path = workdir / "synthetic_snapshot.csv.gz"
    if not path.exists():
        generate(path, tickets, shape="snapshot")
    options = _synthetic_options(path, "snapshot")
    parse = _timed(lambda: _csv_parse(path))
    floor = _timed(lambda: _floor(options))
    one = _timed(lambda: run_replay(options))
    print(f"Synthetic snapshot, {tickets:,} tickets: csv parse {parse:6.2f} s")
    print(f"  the least a replay must do {floor:7.2f} s ({floor / parse:4.1f}x csv parse)")
    print(f"  replay, one process        {one:7.2f} s ({one / parse:4.1f}x csv parse)")
    cores = os.cpu_count() or 1
    for jobs in sorted({2, cores} - {1}):
        many = _timed(lambda: run_replay(replace(options, jobs=jobs)))  # noqa: B023
        print(
            f"  replay, --jobs {jobs:<2d}          {many:7.2f} s ({many / parse:4.1f}x csv parse, "
            f"{one / many:3.1f}x one process; {cores} cores)"
        )


def _naive(tickets: int, workdir: Path) -> float:
    """A transitions Machine per ticket and one ORM flush per event (the way to avoid)."""
    moves = [
        {
            "trigger": str(s.trigger),
            "source": str(src),
            "dest": str(src) if s.dest == SAME else str(s.dest),
        }
        for s in DEFINITION
        for src in s.sources
    ]
    states = [NEW, *(s.value for s in State)]
    engine = create_engine(f"sqlite:///{workdir / 'naive.db'}")
    _Base.metadata.create_all(engine)
    path = generate(workdir / "naive.csv.gz", tickets, shape="events")

    start = time.perf_counter()
    machines: dict[str, _Model] = {}
    with Session(engine) as session:
        with gzip.open(path, "rt", newline="", encoding="utf-8") as file:
            reader = csv.DictReader(file)
            triggers = load_mapping(HERE / "synthetic_events.toml").steps()
            for row in reader:
                model = machines.get(row["case_id"])
                if model is None:
                    model = machines[row["case_id"]] = _Model()
                    Machine(
                        model=model,
                        states=states,
                        transitions=moves,
                        initial=NEW,
                        auto_transitions=False,
                    )
                (trigger,) = triggers[row["activity"]]  # one step each in this log
                try:
                    getattr(model, trigger)()
                except Exception:  # a refused move is skipped, as replay flags it
                    continue
                session.add(
                    _EventRow(
                        ticket_id=row["case_id"],
                        trigger=trigger,
                        to_state=model.state,
                        at=row["timestamp"],
                    )
                )
                session.flush()
        session.commit()
    return time.perf_counter() - start


def bench_naive(tickets: int, workdir: Path) -> None:
    naive = _naive(tickets, workdir)
    path = workdir / "naive.csv.gz"
    replay = _timed(lambda: run_replay(_synthetic_options(path, "events")))
    print(f"Naive baseline, {tickets:,} tickets as an event log")
    print(f"  Machine per ticket + ORM flush per event {naive:8.2f} s")
    ratio = naive / replay
    print(f"  replay (loop table, SLA clocks, report)  {replay:8.2f} s   {ratio:5.1f}x faster")


def _scratch_postgres() -> tuple[str, Callable[[], None]] | None:
    base = os.environ.get("GRIDGOV_TEST_POSTGRES_URL")
    if not base:
        return None
    schema = f"gg_bench_{os.getpid()}"
    admin = create_engine(base)
    with admin.begin() as conn:
        conn.execute(text(f'CREATE SCHEMA "{schema}"'))
    url = make_url(base).update_query_dict({"options": f"-csearch_path={schema}"})

    def drop() -> None:
        with admin.begin() as conn:
            conn.execute(text(f'DROP SCHEMA "{schema}" CASCADE'))
        admin.dispose()

    return url.render_as_string(hide_password=False), drop


def _db_once(url: str, path: Path) -> tuple[float, float, float | None, int, int, int]:
    """(replay with --db seconds, raw executemany seconds, raw COPY seconds on PostgreSQL
    else None, tickets, events, clock cycles)."""
    from gridgov.store import SqlStore
    from gridgov.store._schema import metadata, sla_clocks, ticket_events, tickets

    store = SqlStore(url)
    store.upgrade()
    options = _synthetic_options(path, "events")
    replay = _timed(lambda: run_replay(replace(options, db=url)))
    tables = (tickets, ticket_events, sla_clocks)
    with store.engine.begin() as conn:
        rows = [[dict(r) for r in conn.execute(select(t)).mappings()] for t in tables]
        # Re-created empty: the append-only triggers refuse DELETE on the events.
        metadata.drop_all(conn, tables=list(tables))
        metadata.create_all(conn, tables=list(tables))

    def raw() -> None:
        with store.engine.begin() as conn:
            for table, table_rows in zip(tables, rows, strict=True):
                if table_rows:
                    conn.execute(insert(table), table_rows)

    seconds = _timed(raw)
    copy_seconds = None
    if store.engine.dialect.driver == "psycopg":
        copy_seconds = _raw_copy_seconds(store.engine, tables)
    store.close()
    n_tickets, n_events, n_clocks = (len(table_rows) for table_rows in rows)
    return replay, seconds, copy_seconds, n_tickets, n_events, n_clocks


def bench_db(tickets: int, workdir: Path) -> None:
    path = generate(workdir / "db.csv.gz", tickets, shape="events")
    plain = _timed(lambda: run_replay(_synthetic_options(path, "events")))
    targets: list[tuple[str, str, Callable[[], None]]] = [
        ("SQLite file", f"sqlite:///{workdir / 'bench.db'}", lambda: None)
    ]
    postgres = _scratch_postgres()
    if postgres is not None:
        targets.append(("PostgreSQL", *postgres))
    print(f"--db, {tickets:,} tickets as an event log (replay alone: {plain:.2f} s)")
    for name, url, cleanup in targets:
        try:
            replay, raw, copy, n_tickets, n_events, n_clocks = _db_once(url, path)
        finally:
            cleanup()
        writing = replay - plain  # what --db adds to the replay
        print(
            f"  {name:12s} replay+db {replay:7.2f} s ({n_tickets / replay:7,.0f} tickets/s, "
            f"{n_events / replay:7,.0f} events/s, {n_clocks:,} clock cycles) | raw executemany "
            f"{raw:6.2f} s ({n_events / raw:8,.0f} events/s) | {replay / raw:5.1f}x raw "
            f"| the writing alone {writing:6.2f} s, {writing / raw:4.1f}x raw"
        )
        if copy is not None:
            print(
                f"  {'':12s} raw COPY {copy:6.2f} s ({n_events / copy:8,.0f} events/s) | the "
                f"writing alone {writing / copy:4.1f}x raw COPY ({copy / writing:4.0%} of its "
                "throughput)"
            )
    if postgres is None:
        print("  PostgreSQL   skipped: set GRIDGOV_TEST_POSTGRES_URL")


def main() -> None:
    parser = argparse.ArgumentParser(description="Replay benchmarks (see the module docstring).")
    parser.add_argument("--smoke", action="store_true", help="tiny sizes, a few seconds")
    parser.add_argument("--tickets", type=int, help="synthetic tickets (default 1,000,000)")
    parser.add_argument(
        "--only",
        default="boston,synthetic,limits,naive,db",
        help="comma-separated parts to run (default: all)",
    )
    args = parser.parse_args()
    parts = set(args.only.split(","))
    synthetic = args.tickets or (5_000 if args.smoke else 1_000_000)
    naive = 500 if args.smoke else 20_000
    boston = BOSTON_SAMPLE_DIR / "tickets_2015h1_sample.csv.gz"
    if not args.smoke and BOSTON_FULL.exists():
        boston = BOSTON_FULL
    with tempfile.TemporaryDirectory() as tmp:
        workdir = Path(tmp)
        if "boston" in parts:
            bench_boston(boston)
        if "synthetic" in parts:
            bench_synthetic(synthetic, workdir)
        if "limits" in parts:
            bench_limits(synthetic, workdir)
        if "naive" in parts:
            bench_naive(naive, workdir)
        if "db" in parts:
            bench_db(naive, workdir)


if __name__ == "__main__":
    main()
