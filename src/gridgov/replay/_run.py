"""Running a whole replay: read, replay each ticket, count, write; optionally in parallel.

:func:`run_replay` streams the input once.  With ``jobs > 1`` each worker
process streams the file too but replays only its share of ticket ids (a stable
hash), writes its own part files, and returns its counts; the parts are merged
in the single-process order, so the outputs are identical to ``jobs=1``.
"""

from __future__ import annotations

import csv
import heapq
import json
import multiprocessing
import signal
from collections.abc import Callable, Generator, Iterator
from concurrent.futures import Executor, ProcessPoolExecutor
from contextlib import ExitStack, closing
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any, Literal, Protocol

from gridgov.errors import GridGovError, InvalidInput, OutputFileError, Problem
from gridgov.grid import AreaTree, Directory
from gridgov.replay._areas import AreaIndex
from gridgov.replay._columnar import columnar_gaps, replay_columns
from gridgov.replay._engine import PolicyInForce, ReplayEngine, TicketOutcome
from gridgov.replay._events_out import EventLogWriter, case_of
from gridgov.replay._mapping import ReplayMapping
from gridgov.replay._open311 import Open311Writer, service_request
from gridgov.replay._outputs import (
    EVENT_SUFFIXES,
    OPEN311_SUFFIXES,
    REJECT_SUFFIXES,
    TICKET_SUFFIXES,
    check_output,
    writing,
)
from gridgov.replay._readers import InputFile
from gridgov.replay._rejects import REJECT_COLUMNS, RejectLog, RowCounts
from gridgov.replay._report import HEAT, SERIES, Grouper, ReplayReport, dimension_parts, grouper
from gridgov.replay._seen import RECENT_IDS, SeenIds
from gridgov.replay._sources import SourceTicket, _Reader, partition_of, read_tickets
from gridgov.replay._tickets_out import TicketWriter, outcome_row
from gridgov.workflow import RoutingPolicy

__all__ = ["ENGINES", "Engine", "Progress", "ReplayOptions", "chosen_engine", "run_replay"]

Progress = Callable[[int, int, int], None]
"""``progress(tickets_done, bytes_read, bytes_total)``: every 1,000 tickets, and at the end."""


class AreaLookup(AreaIndex, Protocol):
    """An area tree that can also name an area's ancestor at a level (``--by area:LEVEL``)."""

    def nearest_at_level(self, code: str, level: str) -> Any: ...


@dataclass(frozen=True, kw_only=True)
class ReplayOptions:
    """Everything one replay needs, keyword-only, as the CLI's options say it."""

    input: Path
    mapping: ReplayMapping
    areas: AreaLookup | None = None
    directory: Directory | None = None
    """The hierarchy's units, for routing (default: ``areas`` without units)."""
    routing: RoutingPolicy | None = None
    """Tiers, units and stayed-in-grid (default: the mapping's ``[routing]`` compiled)."""
    policies: tuple[PolicyInForce, ...] = ()
    due_from_source: bool = False
    clock: str = "handling"
    by: tuple[str, ...] = ()
    tickets_out: Path | None = None
    rejects_out: Path | None = None
    events_out: Path | None = None
    """The replayed tickets' event log (``.xes`` or ``.csv``, for process mining)."""
    open311_out: Path | None = None
    """The replayed tickets as Open311 GeoReport v2 service requests (``.json``)."""
    strict: bool = False
    jobs: int = 1
    db: str | None = None
    """A database URL: the replayed tickets, events and SLA clock cycles are written there
    (one process only)."""
    db_batch: int = 2000
    """Tickets per transaction with ``db``: a stopped run keeps every committed batch."""
    recent_ids: int = RECENT_IDS
    """Finished ticket ids kept in memory (per process); older ones go to a temporary index."""
    spill_dir: Path | None = None
    """Where that temporary index is made (default: the system's temporary directory)."""
    meta: dict[str, Any] = field(default_factory=dict)
    engine: Engine = "auto"
    """How tickets are replayed: ``"columnar"`` (in batches, the clocks of each remembered
    shape run as columns), ``"rows"`` (one ticket at a time, the reference), or
    ``"auto"`` (columnar where it applies).  Every engine gives the same outcomes."""


Engine = Literal["auto", "rows", "columnar"]
ENGINES: tuple[Engine, ...] = ("auto", "rows", "columnar")
BATCH = 8192
"""Tickets replayed together on the columnar path (a batch's sources stay in memory)."""


def chosen_engine(options: ReplayOptions) -> tuple[str, str]:
    """How a replay of ``options`` runs, and why: ``"columns"`` (the columnar engine: rows
    read as columns, the report counted by group-bys), ``"batches"`` (tickets read row by
    row, their clocks run as columns a batch at a time: for the files of one row per
    ticket), or ``"rows"`` (the reference, one ticket at a time).  ``auto`` takes the
    fastest that covers the input and the options; all three give the same results."""
    if options.engine == "rows":
        return "rows", "rows, as asked (--engine rows)"
    mapping = options.mapping
    if mapping.kind != "snapshot":
        return "rows", (
            "rows: an event log's cases are replayed as each ends (the columnar engine "
            "takes snapshot exports)"
        )
    if options.events_out is not None or options.db is not None:
        return "rows", "rows: --events-out and --db keep each ticket's own fold"
    if options.tickets_out is not None or options.open311_out is not None:
        return "batches", (
            "batches: --tickets-out and --open311-out write one row per ticket, so tickets "
            "are read row by row; their clocks run as columns"
        )
    gaps = columnar_gaps(mapping)
    if gaps:
        return "batches", f"batches: the columnar reader does not cover {'; '.join(gaps)}"
    return "columns", "columnar: rows read as columns, each shape folded once, clocks as columns"


def _area_at_level(areas: AreaLookup | None) -> Callable[[str, str], str]:
    cache: dict[tuple[str, str], str] = {}

    def at_level(code: str, level: str) -> str:
        key = (code, level)
        found = cache.get(key)
        if found is None:
            area = areas.nearest_at_level(code, level) if areas is not None else None
            found = cache[key] = area.code if area is not None else f"(above {level})"
        return found

    return at_level


def _replay_share(
    options: ReplayOptions,
    share: int,
    jobs: int,
    progress: Progress | None,
    *,
    parted: bool = False,
) -> Generator[TicketOutcome | ReplayReport, None, None]:
    """Replay the tickets of worker ``share``; yield outcomes, then the report last.
    ``parted``: the rejects go to a part file of their own, merged afterwards."""
    rejects_path = options.rejects_out
    if rejects_path is not None and parted:
        rejects_path = Path(f"{rejects_path}.part{share}")
    rejects = RejectLog(rejects_path, strict=options.strict)  # a full disk shows before a row
    try:
        source = InputFile(
            options.input, options.mapping.format, delimiter=options.mapping.delimiter
        )
    except BaseException:
        rejects.close()
        raise
    directory = options.directory
    if directory is None and isinstance(options.areas, AreaTree):
        directory = Directory(options.areas)
    engine = ReplayEngine(
        options.routing or options.mapping.routing_policy(),
        directory=directory,
        policies=options.policies,
        due_from_source=options.due_from_source,
        clock=options.clock,
        keep_events=options.db is not None,
        keep_log=options.events_out is not None,
    )
    try:
        parts = [part for d in options.by for part in dimension_parts(d)]
    except ValueError as exc:
        raise InvalidInput([Problem("--by", str(exc))]) from None
    if options.areas is None and any(d.startswith("area:") for d in parts):
        raise InvalidInput(
            [Problem("--by", "grouping by area:LEVEL needs the area tree (--areas or `areas`)")]
        )
    at_level = _area_at_level(options.areas)
    dims = [(d, grouper(d, at_level)) for d in options.by]
    area_name = next((d for d in parts if d.startswith("area")), "area")
    area_dim = grouper(area_name, at_level)
    week = grouper("week")
    report = ReplayReport()
    chosen, report.engine = chosen_engine(options)
    columnar = chosen == "batches"
    keep = (lambda tid: partition_of(tid, jobs) == share) if jobs > 1 else (lambda _tid: True)
    counts = RowCounts()
    if chosen == "columns":
        try:
            _replay_as_columns(options, source, engine, rejects, keep, counts, report, dims,
                               (area_name, area_dim), week, progress)  # fmt: skip
        finally:
            rejects.close()
        _finish(report, rejects, counts, source, jobs, share)
        yield report
        return
    try:
        stream = read_tickets(
            options.mapping,
            source,
            areas=options.areas,
            rejects=rejects,
            keep=keep,
            recent_ids=options.recent_ids,
            spill_dir=options.spill_dir,
            counts=counts,
            ends=engine.ends,
        )
        # closed at once, not when collected: that removes the reader's temporary index
        with closing(stream) as tickets:
            done = 0
            for done, outcome in enumerate(_outcomes(engine, tickets, columnar), start=1):
                keys = [(d, g(outcome)) for d, g in dims]
                keys.append((HEAT, f"{area_dim(outcome)}\t{outcome.category}"))
                keys.append((SERIES, week(outcome)))
                report.add(outcome, keys)
                yield outcome
                if progress is not None and done % 1000 == 0:
                    progress(done, source.bytes_read(), source.bytes_total)
            if progress is not None:
                progress(done, source.bytes_total, source.bytes_total)
    finally:
        rejects.close()
    _finish(report, rejects, counts, source, jobs, share)
    yield report


def _finish(
    report: ReplayReport, rejects: RejectLog, counts: RowCounts, source: InputFile,
    jobs: int, share: int,
) -> None:  # fmt: skip
    """A share's rejects and row counts into its report."""
    report.rejects.update(rejects.counts)
    report.input.update(
        rows=counts.rows,
        rows_replayed=counts.replayed,
        rows_ignored=counts.ignored,
        rows_rejected=rejects.rows,
    )
    if jobs == 1 or partition_of("", jobs) == share:  # the worker of unreadable rows counts
        # the file's own lines
        report.input.update(source.line_counts())


def _replay_as_columns(
    options: ReplayOptions,
    source: InputFile,
    engine: ReplayEngine,
    rejects: RejectLog,
    keep: Callable[[str], bool],
    counts: RowCounts,
    report: ReplayReport,
    dims: list[tuple[str, Grouper]],
    area_dim: tuple[str, Grouper],
    week: Grouper,
    progress: Progress | None,
) -> None:
    """The columnar engine over the share's rows (:mod:`gridgov.replay._columnar`)."""
    reader = _Reader(
        options.mapping, source, options.areas, rejects, keep, options.recent_ids,
        options.spill_dir, counts, engine.ends,
    )  # fmt: skip
    reader.keep_all = options.jobs == 1
    done = 0

    def moved(tickets: int) -> None:
        nonlocal done
        done = tickets
        if progress is not None:
            progress(tickets, source.bytes_read(), source.bytes_total)

    with SeenIds(recent=options.recent_ids, directory=options.spill_dir) as seen:
        replay_columns(reader, seen, engine, report, dims, area_dim, week, moved)
    if progress is not None:
        progress(done, source.bytes_total, source.bytes_total)


def _outcomes(
    engine: ReplayEngine, tickets: Iterator[SourceTicket], columnar: bool
) -> Iterator[TicketOutcome]:
    """Each ticket's outcome, in order: one by one, or a batch at a time."""
    if not columnar:
        for ticket in tickets:
            yield engine.replay(ticket)
        return
    batch: list[SourceTicket] = []
    for ticket in tickets:
        batch.append(ticket)
        if len(batch) == BATCH:
            yield from engine.replay_many(batch)
            batch = []
    if batch:
        yield from engine.replay_many(batch)


def run_replay(
    options: ReplayOptions,
    *,
    progress: Progress | None = None,
    executor: Executor | None = None,
) -> ReplayReport:
    """Replay ``options.input`` and return the report (writing the files the options ask for).

    The output files are checked first (their suffix, their folder), so a path that
    cannot be written fails at once, not after the whole input was read.

    With ``options.jobs > 1`` the input is split into that many shares by ticket id; by
    default each share runs in a local process (forked).  ``executor`` runs the shares
    on any :class:`concurrent.futures.Executor` instead — a Dask cluster's
    (``distributed.Client(address).get_executor()``), Ray's, a process pool: each share
    is one call of a picklable function with the options as its argument, and the input
    file and the output files' folder must be paths every worker can reach (a shared
    volume).  The merged outputs are identical to one process's, whoever ran the shares.
    """
    _check_outputs(options)
    if options.jobs > 1 or executor is not None:
        if options.db is not None:
            raise InvalidInput([Problem("--db", "writing to a database runs in one process")])
        return _run_parallel(options, executor)
    writers: list[_RowWriter] = []
    try:
        for _, path, kind, _ in _row_outputs(options):
            writers.append(kind(path))
    except BaseException:
        for opened in writers:
            opened.close()
        raise
    database = None
    if options.db is not None:
        from gridgov.replay._db import DbWriter

        database = DbWriter(options.db, options.areas, batch=options.db_batch)
    report = ReplayReport()
    try:
        with closing(_replay_share(options, 0, 1, progress)) as items:
            for item in items:
                if isinstance(item, ReplayReport):
                    report = item
                    continue
                for writer in writers:
                    writer.write(item)
                if database is not None:
                    database.add(item)
        if database is not None:
            database.flush()
    finally:
        for writer in writers:
            writer.close()
        if database is not None:
            database.store.close()  # committed batches stay: a re-run continues from them
    report.meta = _meta(options)
    if database is not None:
        report.meta["db"] = {"written": database.written, "already_there": database.skipped}
    return report


class _RowWriter(Protocol):
    """A writer of one row per ticket: :class:`TicketWriter` and its kin."""

    def write(self, outcome: TicketOutcome) -> None: ...
    def write_row(self, row: Any) -> None: ...
    def close(self) -> None: ...


_ROW_OUTPUTS: tuple[tuple[str, str, tuple[str, ...], Callable[[Path], _RowWriter],
                          Callable[[TicketOutcome], Any]], ...] = (
    ("--tickets-out", "tickets_out", TICKET_SUFFIXES, TicketWriter, outcome_row),
    ("--events-out", "events_out", EVENT_SUFFIXES, EventLogWriter, case_of),
    ("--open311-out", "open311_out", OPEN311_SUFFIXES, Open311Writer, service_request),
)  # fmt: skip
"""The files of one row (or case, or request) per ticket, in the tickets' order: option,
field of :class:`ReplayOptions`, suffixes, writer, and the row a ``--jobs`` worker passes
on."""


def _row_outputs(
    options: ReplayOptions,
) -> list[tuple[str, Path, Callable[[Path], _RowWriter], Callable[[TicketOutcome], Any]]]:
    """The per-ticket files ``options`` asks for: option, path, writer, row."""
    return [
        (option, getattr(options, name), kind, row)
        for option, name, _, kind, row in _ROW_OUTPUTS
        if getattr(options, name) is not None
    ]


def _check_outputs(options: ReplayOptions) -> None:
    for option, name, suffixes, _, _ in _ROW_OUTPUTS:
        if getattr(options, name) is not None:
            check_output(getattr(options, name), suffixes, option=option)
    if options.rejects_out is not None:
        check_output(options.rejects_out, REJECT_SUFFIXES, option="--rejects-out")


def _meta(options: ReplayOptions) -> dict[str, Any]:
    return {
        "input": str(options.input),
        "source": options.mapping.name,
        "policies": [
            {
                "name": p.policy.name,
                "source": p.policy.source,
                "fingerprint": p.policy.fingerprint,
                "since": None if p.since is None else p.since.isoformat(),
            }
            for p in options.policies
        ],
        "due_from_source": options.due_from_source,
        "clock": options.clock,
        "by": list(options.by),
        **options.meta,
    }


# --------------------------------------------------------------------------- --jobs

_WORKER_OPTIONS: ReplayOptions | None = None


def _init_worker(options: ReplayOptions) -> None:
    global _WORKER_OPTIONS
    _WORKER_OPTIONS = options
    # A worker stopped by SIGTERM unwinds (as Ctrl-C does) and so removes its temporary
    # index of finished ids; by default SIGTERM ends a process with no clean-up at all.
    signal.signal(signal.SIGTERM, _exit_on_signal)


def _exit_on_signal(signum: int, _frame: object) -> None:
    raise SystemExit(128 + signum)


def _work(share: int, jobs: int) -> tuple[ReplayReport | None, list[Problem]]:
    """One forked worker's share: the options came with the fork (:func:`_init_worker`)."""
    assert _WORKER_OPTIONS is not None
    return _work_on_share(_WORKER_OPTIONS, share, jobs)


def _work_on_share(
    options: ReplayOptions, share: int, jobs: int
) -> tuple[ReplayReport | None, list[Problem]]:
    """One share of a parallel replay, anywhere (a forked process, a cluster's worker):
    replay the tickets of ``share`` of ``jobs``, write the rows of each per-ticket file
    (tickets, event log cases, Open311 requests) with their order keys to the part files
    beside the outputs, and return the share's report and input problems."""
    parts = [
        (option, Path(f"{base}.part{share}"), row) for option, base, _, row in _row_outputs(options)
    ]
    report: ReplayReport | None = None
    try:
        with ExitStack() as stack:
            outs = []
            for option, part, row in parts:
                with writing(part, option=option):
                    out = stack.enter_context(open(part, "w", encoding="utf-8"))
                outs.append((option, part, out, row))
            items = stack.enter_context(
                closing(_replay_share(options, share, jobs, None, parted=True))
            )
            for item in items:
                if isinstance(item, ReplayReport):
                    report = item
                    continue
                for option, part, out, row in outs:
                    with writing(part, option=option):
                        out.write(json.dumps([*item.order, row(item)]) + "\n")
            for option, part, out, _ in outs:
                with writing(part, option=option):
                    out.close()
    except InvalidInput as exc:
        return None, list(exc.problems)
    except OutputFileError:
        raise  # not a problem of the input: the parent says which file
    except GridGovError as exc:
        return None, [Problem(str(options.input), str(exc))]
    return report, []


def _run_parallel(options: ReplayOptions, executor: Executor | None) -> ReplayReport:
    jobs = options.jobs
    if executor is not None:
        shares = range(jobs)
        try:
            results = list(executor.map(_work_on_share, [options] * jobs, shares, [jobs] * jobs))
        except BaseException:
            _remove_parts(options, jobs)
            raise
        return _merge(options, results)
    # Polars runs a thread pool: a process forked after it started can deadlock in its
    # first Polars call, so the columnar engine's workers start from a fresh interpreter
    # (the options are pickled to them, as to a cluster's).
    columns = chosen_engine(options)[0] == "columns"
    context = multiprocessing.get_context("forkserver" if columns else "fork")
    before = set(multiprocessing.active_children())
    with ProcessPoolExecutor(jobs, context, initializer=_init_worker, initargs=(options,)) as pool:
        try:
            results = list(pool.map(_work, range(jobs), [jobs] * jobs))
        except BaseException:  # stopped (SIGTERM, Ctrl-C) or failed: stop the workers too,
            for child in set(multiprocessing.active_children()) - before:
                child.terminate()  # each unwinds and removes its temporary files
            raise
    return _merge(options, results)


def _merge(
    options: ReplayOptions, results: list[tuple[ReplayReport | None, list[Problem]]]
) -> ReplayReport:
    """The shares' reports and part files as one process would have written them."""
    jobs = options.jobs
    every = sorted((p for _, mine in results for p in mine), key=lambda p: p.line or 0)
    problems = list(dict.fromkeys(every))  # a file-level problem is met by every worker
    if problems:
        _remove_parts(options, jobs)
        # --strict: each worker stopped at its first reject; the earliest line is the one
        # a single process would have stopped at.
        raise InvalidInput(
            problems[:1] if options.strict else problems,
            what="input (--strict)" if options.strict else "input",
        )
    report = ReplayReport()
    for partial, _ in results:
        assert partial is not None
        report.merge(partial)
    try:
        _merge_parts(options, jobs)
    finally:
        _remove_parts(options, jobs)  # also when a merged file cannot be written
    report.meta = _meta(replace(options, jobs=1)) | {"jobs": jobs}
    return report


def _part_rows(path: Path) -> Iterator[tuple[int, int, dict[str, Any]]]:
    with open(path, encoding="utf-8") as file:
        for line in file:
            last, first, row = json.loads(line)
            yield last, first, row


def _reject_rows(path: Path) -> Iterator[dict[str, str]]:
    with open(path, encoding="utf-8", newline="") as file:
        yield from csv.DictReader(file)


def _merge_parts(options: ReplayOptions, jobs: int) -> None:
    for _, base, kind, _ in _row_outputs(options):
        parts = [Path(f"{base}.part{k}") for k in range(jobs)]
        writer = kind(base)
        try:
            for _, _, row in heapq.merge(*(_part_rows(p) for p in parts)):
                writer.write_row(row)
        finally:
            writer.close()
    if options.rejects_out is not None:
        parts = [Path(f"{options.rejects_out}.part{k}") for k in range(jobs)]
        with (
            writing(options.rejects_out, option="--rejects-out"),
            open(options.rejects_out, "w", encoding="utf-8", newline="") as file,
        ):
            out = csv.DictWriter(file, REJECT_COLUMNS, lineterminator="\n")
            out.writeheader()
            streams = (_reject_rows(p) for p in parts)
            out.writerows(heapq.merge(*streams, key=lambda r: int(r["line"])))


def _remove_parts(options: ReplayOptions, jobs: int) -> None:
    for base in (options.rejects_out, *(path for _, path, _, _ in _row_outputs(options))):
        if base is not None:
            for k in range(jobs):
                Path(f"{base}.part{k}").unlink(missing_ok=True)
