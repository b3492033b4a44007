"""``gridgov replay run|compare``: replay historical tickets and compare what-if policies."""

from __future__ import annotations

import json
import signal
import sys
import threading
import time
from collections.abc import Iterator, Sequence
from concurrent.futures import Executor
from contextlib import ExitStack, contextmanager
from dataclasses import replace
from datetime import datetime
from pathlib import Path
from typing import Any

import click

from gridgov.cli._engine_options import db_option
from gridgov.cli._output import emit, format_option
from gridgov.errors import InvalidInput, InvalidTime, Problem
from gridgov.replay import (
    ENGINES,
    METRICS,
    Engine,
    PolicyInForce,
    Progress,
    ReplayMapping,
    ReplayOptions,
    ReplayReport,
    check_report_path,
    load_mapping,
    report_rows,
    run_replay,
    write_report,
)

__all__ = ["replay"]

_SHOWN = ("group", "key", *METRICS)
TOP_GROUPS = 20
"""Groups of each grouping shown on the terminal (``--top``): the rest as one row."""


@click.group()
def replay() -> None:
    """Replay historical tickets (历史工单回放) and compare SLA policies."""


def _policy(text: str) -> PolicyInForce:
    """``FILE`` or ``FILE@SINCE`` (ISO 8601): a policy and when it came into force."""
    from gridgov.sla import load_policy

    path, _, since = text.partition("@")
    moment = None
    if since:
        try:
            moment = datetime.fromisoformat(since)
        except ValueError:
            raise InvalidTime(
                since, "ISO 8601 such as 2015-02-16T13:00:00-05:00", source="--policy"
            ) from None
        if moment.tzinfo is None:
            raise InvalidTime(
                since, "a time with its UTC offset, e.g. 2015-02-16T13:00-05:00", source="--policy"
            )
    return PolicyInForce(load_policy(path), moment)


def _areas(path: str | None, mapping: ReplayMapping, mapping_path: Path) -> Any:
    """The area file (tree and units) the replay runs over, or None."""
    from gridgov.grid import load_named_areas

    name = path or mapping.areas
    if name is None:
        return None
    return load_named_areas(name, base="." if path else mapping_path.parent)


@contextmanager
def _progress_bar(enabled: bool) -> Iterator[Progress | None]:
    if not enabled:
        yield None
        return
    from rich.progress import (
        BarColumn,
        TextColumn,
        TimeElapsedColumn,
        TimeRemainingColumn,
        TransferSpeedColumn,
    )
    from rich.progress import Progress as RichProgress

    columns = (
        TextColumn("{task.description}"),
        BarColumn(),
        TransferSpeedColumn(),
        TimeElapsedColumn(),
        TimeRemainingColumn(),
    )
    from rich.console import Console

    with RichProgress(*columns, transient=True, console=Console(stderr=True)) as bar:
        task = bar.add_task("replaying", total=None)

        started = time.monotonic()

        def update(done: int, read: int, total: int) -> None:
            rate = done / max(time.monotonic() - started, 1e-6)
            text = f"{done:,} tickets, {rate:,.0f}/s"
            bar.update(task, completed=read, total=total, description=text)

        yield update


@contextmanager
def _unwind_on_sigterm() -> Iterator[None]:
    """SIGTERM stops the replay as Ctrl-C does: unwinding, so its temporary files (the
    ``gridgov-seen-*`` index of finished ids, --jobs part files) are removed.  By default
    SIGTERM ends the process at once, with no clean-up."""
    if threading.current_thread() is not threading.main_thread():
        yield  # only the main thread may set a signal handler
        return

    def stop(signum: int, _frame: object) -> None:
        raise SystemExit(128 + signum)

    previous = signal.signal(signal.SIGTERM, stop)
    try:
        yield
    finally:
        signal.signal(signal.SIGTERM, previous)


@contextmanager
def _dask(scheduler: str | None, jobs: int) -> Iterator[tuple[Executor, int]]:
    """A Dask cluster's executor and how many shares to cut: ``--jobs`` when given, else
    one per worker thread of the cluster.  Without ``--scheduler``, a local cluster of
    ``--jobs`` worker processes (stopped afterwards)."""
    try:
        import distributed
    except ImportError:
        raise click.UsageError(
            "--executor dask needs Dask distributed: pip install 'gridgov[distributed]'"
        ) from None
    with ExitStack() as stack:
        if scheduler is None:
            cluster = distributed.LocalCluster(  # type: ignore[no-untyped-call]
                n_workers=jobs, threads_per_worker=1, dashboard_address=None
            )
            stack.enter_context(cluster)
            client = stack.enter_context(distributed.Client(cluster))  # type: ignore[no-untyped-call]
        else:
            try:
                connect = distributed.Client  # untyped
                client = stack.enter_context(connect(scheduler, timeout="30s"))  # type: ignore[no-untyped-call]
            except OSError as exc:
                raise click.UsageError(
                    f"--scheduler {scheduler}: cannot reach the Dask scheduler ({exc})"
                ) from None
        shares = jobs if jobs > 1 else max(sum(client.nthreads().values()), 1)
        yield client.get_executor(), shares


def _print_rejects(counts: dict[str, int], rejects_out: Path | None) -> None:
    total = counts.get("total", 0)
    if not total:
        return
    kinds = ", ".join(f"{n:,} {k}" for k, n in counts.items() if k != "total")
    where = f"listed in {rejects_out}" if rejects_out else "list them with --rejects-out FILE"
    click.echo(f"{total:,} rows rejected ({kinds}); {where}", err=True)


def _print_input(counts: dict[str, Any]) -> None:
    """Where every line went: rows replayed, ignored and rejected add up to the file."""
    rows = (
        f"{counts['rows']:,} rows ({counts['rows_replayed']:,} replayed, "
        f"{counts['rows_ignored']:,} ignored, {counts['rows_rejected']:,} rejected)"
    )
    if "lines" in counts:
        rows = (
            f"{counts['lines']:,} lines: {counts['header_lines']:,} header, {rows}, "
            f"{counts['blank_lines']:,} blank, {counts['continuation_lines']:,} inside "
            "quoted cells over several lines"
        )
    click.echo(f"read {rows}", err=True)
    if not counts["accounted"]:
        click.echo(
            "warning: these counts do not add up: rows were lost (a gridgov bug; please "
            "report it with the file)",
            err=True,
        )


def _print_provisional(by_clock: dict[str, int]) -> None:
    if by_clock:
        clocks = ", ".join(f"{clock} {n:,}" for clock, n in by_clock.items())
        click.echo(
            f"provisional due times (tickets by clock: {clocks}): a year without an official "
            "holiday schedule was computed on a provisional calendar; replay again once the "
            "calendar data knows it (`gridgov sla status` lists the years it knows)",
            err=True,
        )


@replay.command("run")
@click.argument("input_file", metavar="INPUT", type=click.Path(dir_okay=False, path_type=Path))
@click.option(
    "--mapping",
    "mapping_path",
    required=True,
    type=click.Path(dir_okay=False, path_type=Path),
    help="The source's mapping file (TOML).",
)
@click.option(
    "--areas",
    "areas_path",
    help="Area hierarchy file, or a shipped sample name (default: the mapping's `areas`).",
)
@click.option(
    "--policy",
    "policies",
    multiple=True,
    metavar="FILE[@SINCE]",
    help="SLA policy (what-if); repeat with @SINCE (ISO time) for a revision in force from then.",
)
@click.option(
    "--due-from-source",
    is_flag=True,
    help="Use the source's own due times (to compare with its own verdict).",
)
@click.option(
    "--clock",
    default="handling",
    show_default=True,
    help="The policy clock whose deadline is due_at.",
)
@click.option(
    "--by",
    "by",
    multiple=True,
    metavar="DIM",
    help="Group the report by area, area:LEVEL, category, tier, channel, unit, state, "
    "day, week, month, quarter or year, or several at once joined by commas "
    "(area:ward,month) (repeatable).",
)
@click.option(
    "--tickets-out",
    type=click.Path(dir_okay=False, path_type=Path),
    help="One row per ticket (.csv or .jsonl).",
)
@click.option(
    "--report-out",
    type=click.Path(dir_okay=False, path_type=Path),
    help="The report (.json, .csv or .html).",
)
@click.option(
    "--rejects-out",
    type=click.Path(dir_okay=False, path_type=Path),
    help="Rejected rows with file, line and reason (.csv).",
)
@click.option(
    "--events-out",
    type=click.Path(dir_okay=False, path_type=Path),
    help="The replayed tickets' event log for process mining (.xes, or .csv with pm4py's "
    "column names).",
)
@click.option(
    "--open311-out",
    type=click.Path(dir_okay=False, path_type=Path),
    help="The replayed tickets as Open311 GeoReport v2 service requests (.json).",
)
@click.option(
    "--top",
    type=click.IntRange(min=0),
    default=TOP_GROUPS,
    show_default=True,
    help="Groups of each grouping in the terminal's table: the busiest, then one row of "
    "the others (0: all). Files and --format json|csv have every group.",
)
@click.option("--strict", is_flag=True, help="Stop at the first rejected row.")
@click.option(
    "--jobs",
    type=click.IntRange(min=1),
    default=1,
    show_default=True,
    help="Worker processes, or shares with --executor dask (results equal one process).",
)
@click.option(
    "--executor",
    type=click.Choice(["local", "dask"]),
    default="local",
    show_default=True,
    help="Where --jobs shares run: local processes, or a Dask cluster "
    "(extra gridgov[distributed]).",
)
@click.option(
    "--scheduler",
    envvar="DASK_SCHEDULER_ADDRESS",
    metavar="ADDRESS",
    help="The Dask scheduler (tcp://host:8786; default $DASK_SCHEDULER_ADDRESS, else a "
    "local cluster of --jobs processes).",
)
@click.option(
    "--engine",
    type=click.Choice(ENGINES),
    default="auto",
    show_default=True,
    help="columnar: tickets in batches, each shape's clocks as NumPy columns; rows: one "
    "ticket at a time (the reference); auto: columnar where it applies.  Same results.",
)
@db_option(optional=True)
@click.option("--quiet", "-q", is_flag=True, help="No progress bar.")
@click.option("--verbose", "-v", is_flag=True, help="Say which engine ran, and why.")
@format_option()
def run(
    input_file: Path,
    mapping_path: Path,
    areas_path: str | None,
    policies: Sequence[str],
    due_from_source: bool,
    clock: str,
    by: Sequence[str],
    tickets_out: Path | None,
    report_out: Path | None,
    rejects_out: Path | None,
    events_out: Path | None,
    open311_out: Path | None,
    top: int,
    strict: bool,
    jobs: int,
    executor: str,
    scheduler: str | None,
    engine: Engine,
    url: str | None,
    quiet: bool,
    verbose: bool,
    fmt: str,
) -> None:
    """Replay INPUT (CSV, .csv.gz, JSON Lines or XES) and print the report.

    With --db URL (or $GRIDGOV_DATABASE_URL) the replayed tickets, events and SLA
    clock cycles are also written into that database (resumable: tickets already
    there are kept); without either, nothing is written.
    """
    mapping = load_mapping(mapping_path)
    if not policies and not due_from_source:
        raise click.UsageError("give --policy FILE (what-if) or --due-from-source")
    if url is not None and (jobs > 1 or executor != "local"):
        raise click.UsageError(
            "--db (or $GRIDGOV_DATABASE_URL) writes from one process: drop --jobs / --executor"
        )
    if scheduler is not None and executor != "dask":
        raise click.UsageError("--scheduler names a Dask scheduler: add --executor dask")
    area_file = _areas(areas_path, mapping, mapping_path)
    options = ReplayOptions(
        input=input_file,
        mapping=mapping,
        areas=area_file.tree if area_file is not None else None,
        directory=area_file.directory if area_file is not None else None,
        routing=mapping.routing_policy(),
        policies=tuple(_policy(p) for p in policies),
        due_from_source=due_from_source,
        clock=clock,
        by=tuple(by),
        tickets_out=tickets_out,
        rejects_out=rejects_out,
        events_out=events_out,
        open311_out=open311_out,
        strict=strict,
        jobs=jobs,
        db=url,
        engine=engine,
    )
    _check_by(by)
    if report_out is not None:
        check_report_path(report_out)  # before the run, not after it
    show_bar = not quiet and jobs == 1 and executor == "local" and sys.stderr.isatty()
    with _progress_bar(show_bar) as progress, _unwind_on_sigterm():
        if executor == "dask":
            with _dask(scheduler, jobs) as (pool, shares):
                replayed = run_replay(replace(options, jobs=shares), executor=pool)
        else:
            replayed = run_replay(options, progress=progress)
    if verbose:
        click.echo(f"engine: {replayed.engine}", err=True)
    report = replayed.to_dict()
    if report_out is not None:
        write_report(report, report_out)
    _print_rejects(report["rejects"], rejects_out)
    _print_input(report["input"])
    _print_provisional(report["provisional"])
    if "db" in report["meta"]:
        db = report["meta"]["db"]
        click.echo(
            f"database: {db['written']:,} tickets written, {db['already_there']:,} already there",
            err=True,
        )
    show_report(replayed, fmt, title=f"Replay of {input_file.name}", top=top)


_BRIEF = {
    "tickets": "tickets",
    "on_time_rate": "on time",
    "closed_24h_rate": "24 h",
    "median_handling_h": "median h",
    "p90_handling_h": "p90 h",
    "handling_unit": "hours",
    "stay_in_grid_rate": "in grid",
    "satisfaction_rate": "satisfied",
    "source_agreement": "agrees",
}


def _cell(metric: str, value: object) -> object:
    if isinstance(value, float) and (metric.endswith("_rate") or metric in _PERCENT):
        return f"{value:.1%}"
    if isinstance(value, dict):
        return ", ".join(f"{k} {v:,}" for k, v in value.items()) or "0"
    return value


_PERCENT = ("source_agreement", "due_reproduced", "due_coverage")
_SHOWN_WITHOUT_DUE = 10
"""Categories without a due time a terminal table shows, most tickets first."""


def show_report(report: ReplayReport, fmt: str, *, title: str, top: int = TOP_GROUPS) -> None:
    """Print a report: compact tables for people (each grouping's ``top`` busiest groups
    and one row of the others), every figure of every group for programs."""
    if fmt != "table":
        emit(report_rows(report.to_dict()), _SHOWN, fmt, title=title)
        return
    shown = report.to_dict(top=top or None)
    overall = [
        {"figure": m, "value": _cell(m, v)} for m, v in shown["overall"].items() if v is not None
    ]
    overall += [{"figure": f"state {k}", "value": v} for k, v in shown["states"].items()]
    overall += [{"figure": f"rejected {k}", "value": v} for k, v in shown["rejects"].items()]
    overall += [{"figure": f"input {k}", "value": v} for k, v in shown.get("input", {}).items()]
    overall += [
        {"figure": f"provisional {k}", "value": v} for k, v in shown.get("provisional", {}).items()
    ]
    emit(overall, ["figure", "value"], "table", title=title)
    without_due = shown.get("coverage", {}).get("without_due", [])
    if without_due:
        listed = without_due[:_SHOWN_WITHOUT_DUE]
        rest = without_due[_SHOWN_WITHOUT_DUE:]
        if rest:  # every one is in --report-out and --format json|csv
            others = f"({len(rest)} more categories: --report-out or --format json lists all)"
            listed = [*listed, {"category": others, "tickets": sum(c["tickets"] for c in rest)}]
        emit(listed, ["category", "tickets"], "table", title="categories without a due time")
    for dimension, groups in shown["groups"].items():
        rows = [{"key": g["key"], **{_BRIEF[m]: _cell(m, g[m]) for m in _BRIEF}} for g in groups]
        heading = f"by {dimension}"
        if groups and "others" in groups[-1]:
            heading += (
                f": the {top} of {top + groups[-1]['others']:,} groups with the most tickets, "
                "then the others as one row (every group: --report-out or --format json|csv)"
            )
        emit(rows, ["key", *_BRIEF.values()], "table", title=heading, whole=("key",))


def _check_by(by: Sequence[str]) -> None:
    from gridgov.replay import dimension_parts

    for dimension in by:
        try:
            dimension_parts(dimension)
        except ValueError as exc:
            raise click.BadParameter(str(exc), param_hint="--by") from None


def _load_report(path: Path) -> dict[str, Any]:
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, json.JSONDecodeError) as exc:
        raise InvalidInput([Problem(str(path), f"not a replay report (JSON): {exc}")]) from exc
    if not isinstance(data, dict) or "overall" not in data or "groups" not in data:
        raise InvalidInput([Problem(str(path), "not a replay report: no 'overall' or 'groups'")])
    return data


_HOURS = {
    "median_handling_h": "handling_unit",
    "p90_handling_h": "handling_unit",
    "median_part_h": "",
    "p90_part_h": "",
}
"""The figures in hours, and the figure that says which hours (``""``: always wall)."""


def _unit(row: dict[str, Any], metric: str) -> str:
    """What ``metric`` of a report row measures: ``working hours``, ``wall hours`` …"""
    if metric not in _HOURS:
        return ""
    if not _HOURS[metric]:
        return "wall hours"
    if _HOURS[metric] not in row:
        return "hours (unit not recorded)"  # a report of an older gridgov
    return f"{row[_HOURS[metric]] or 'no'} hours"


def _shared(a: dict[str, Any], b: dict[str, Any], names: tuple[str, str]) -> list[tuple[str, str]]:
    """The (grouping, key) rows both reports have, in A's order; what is left out is said
    on stderr."""
    groups_a, groups_b = a["groups"], b["groups"]
    only = [
        f"groupings only in {name}: {', '.join(sorted(set(mine) - set(theirs)))}"
        for name, mine, theirs in ((names[0], groups_a, groups_b), (names[1], groups_b, groups_a))
        if set(mine) - set(theirs)
    ]
    shared: list[tuple[str, str]] = [("all", "")]
    for dimension, rows in groups_a.items():
        if dimension not in groups_b:
            continue
        keys_a = [r["key"] for r in rows]
        keys_b = {r["key"] for r in groups_b[dimension]}
        both = [k for k in keys_a if k in keys_b]
        shared += [(dimension, k) for k in both]
        left_a, left_b = len(keys_a) - len(both), len(keys_b) - len(both)
        if left_a or left_b:
            only.append(
                f"by {dimension}: {left_a:,} groups only in {names[0]}, {left_b:,} only in "
                f"{names[1]} (the {len(both):,} both have are compared)"
            )
    for line in only:
        click.echo(f"not compared: {line}", err=True)
    return shared


@replay.command("compare")
@click.argument("first", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.argument("second", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@format_option()
def compare(first: Path, second: Path, fmt: str) -> None:
    """Two reports (from `replay run --report-out X.json`) side by side, with the change.

    Only the groups both reports have are compared (the others are named on stderr).
    Hours say which hours they are: working hours on the handling clock's calendar, or
    wall hours; two figures in different hours are shown, never subtracted.
    """
    a, b = _load_report(first), _load_report(second)
    rows_a = {(r["group"], r["key"]): r for r in report_rows(a)}
    rows_b = {(r["group"], r["key"]): r for r in report_rows(b)}
    rows = []
    apart = set()
    for key in _shared(a, b, ("A", "B")):
        row_a, row_b = rows_a.get(key, {}), rows_b.get(key, {})
        for metric in METRICS:
            va, vb = row_a.get(metric), row_b.get(metric)
            if (va is None and vb is None) or metric in _HOURS.values():
                continue
            unit_a, unit_b = _unit(row_a, metric), _unit(row_b, metric)
            same = unit_a == unit_b and "(" not in unit_a and not unit_a.startswith("mixed")
            if unit_a != unit_b:
                apart.add(metric)
            numbers = isinstance(va, int | float) and isinstance(vb, int | float)
            change = vb - va if numbers and same else None  # type: ignore[operator]
            rows.append(
                {
                    "group": key[0],
                    "key": key[1],
                    "metric": metric,
                    "unit": unit_a if unit_a == unit_b else f"A {unit_a}, B {unit_b}",
                    "a": va,
                    "b": vb,
                    "change": None if change is None else round(change, 4),
                }
            )
    for metric in sorted(apart):
        click.echo(
            f"not subtracted: {metric} is in different hours in A and B (see its unit)", err=True
        )
    title = f"A = {first.name}, B = {second.name}"
    emit(rows, ["group", "key", "metric", "unit", "a", "b", "change"], fmt, title=title)
