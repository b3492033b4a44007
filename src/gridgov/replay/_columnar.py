"""The columnar engine (列式回放): a snapshot export replayed a batch of rows at a time.

A snapshot row implies its events from which of its times are present (``[snapshot]
on_open`` at the opening, or the dispatch time for ``dispatch``; ``on_close`` at the
closing), so every row of one (category, area, channel, closed or not) has one *shape*
(:mod:`gridgov.replay._shapes`).  The engine folds one row of each shape — the real
fold, :class:`~gridgov.replay.ReplayEngine`'s — and every other row of it takes that
fold's conclusions; their clocks run as columns
(:meth:`ReplayEngine.clock_columns <gridgov.replay.ReplayEngine.clock_columns>`), and
the report counts them by group-bys into the same :class:`~gridgov.replay.Tally` counts.
No rule lives here: the rows are read by the row reader's own stream, and whatever is
decided about a ticket is the fold's, the clock run's or the routing's.

Which rows: the *plain* ones, checked as columns (Polars): kept by ``--jobs``' share, an
id met for the first time, every cell storable, times in the mapping's fixed-width
format that read back exactly as written and exist once in the zone, a status that
agrees with the closing time, a closing not before the opening and a dispatch between
them, an area, verdict and satisfaction the row reader accepts.  Every other row goes
through the row reader's code, one at a time, in line order
(:func:`~gridgov.replay._sources.snapshot_record`): its reject, or its ticket, is
exactly the row path's, and its ticket is replayed one by one.  Tests replay files both
ways and require equal reports and rejects.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from itertools import islice
from types import SimpleNamespace
from typing import Any

import numpy as np
import polars as pl

from gridgov._limits import FORBIDDEN_CHARACTERS
from gridgov.replay._engine import _CLOSED, ReplayEngine, TicketOutcome
from gridgov.replay._mapping import ReplayMapping
from gridgov.replay._rejects import RejectKind
from gridgov.replay._report import (
    _AT,
    DUE_TOLERANCE,
    HEAT,
    SERIES,
    ReplayReport,
    Tally,
    dimension_reads,
)
from gridgov.replay._seen import SeenIds
from gridgov.replay._shapes import SHAPES_LIMIT, Shape, shape_key
from gridgov.replay._sources import (
    SourceTicket,
    _Reader,
    _snapshot_ticket,
    implied_times,
    snapshot_record,
)
from gridgov.replay._times import EARLIEST_YEAR, LATEST_YEAR, fixed_width
from gridgov.sla import CycleShape, SlaPolicy, SlaRule, to_us, verdict_without_due

__all__ = ["ROWS_PER_BATCH", "columnar_gaps", "replay_columns"]

ROWS_PER_BATCH = 65_536
"""Rows read and replayed together: a batch's columns stay in memory, never the file."""
_DAY_US = 86_400_000_000
_MINUTE_US = 60_000_000
_TOLERANCE_US = DUE_TOLERANCE // timedelta(microseconds=1)


def columnar_gaps(mapping: ReplayMapping) -> list[str]:
    """What of ``mapping`` the columnar engine does not cover (empty: it replays it)."""
    gaps = []
    if mapping.kind != "snapshot":
        gaps.append("an event log (the columnar engine takes snapshot exports)")
    if mapping.columns.opened_at is None:
        gaps.append("no opening time column")
    if not fixed_width(mapping.time_format):
        gaps.append(
            f"time_format {mapping.time_format!r} is not a fixed-width date and time of day"
        )
    return gaps


# --------------------------------------------------------------------------- reading


@dataclass
class _Batch:
    """The plain rows of one batch, as columns, and the tickets of the others in order."""

    frame: pl.DataFrame
    """One row per plain row: ``line``, ``tid``, the stripped facts, the times."""
    values: list[tuple[str, ...]]
    """Each plain row's cells (for a representative's ticket, built by the row code)."""
    others: list[SourceTicket] = field(default_factory=list)
    """The tickets of the rows read one by one, in line order."""


def _batches(r: _Reader, seen: SeenIds) -> Iterator[_Batch]:
    records = r.records()
    while True:
        chunk = list(islice(records, ROWS_PER_BATCH))
        if not chunk:
            return
        yield _read_batch(r, seen, chunk)


def _stripped(series: pl.Series) -> pl.Series:
    """``series`` with each value stripped as Python strips it (by distinct value)."""
    distinct = series.unique().to_list()
    return series.replace_strict({v: v.strip() for v in distinct}, return_dtype=pl.String)


def _read_batch(r: _Reader, seen: SeenIds, chunk: Sequence[tuple[int, Any]]) -> _Batch:
    c, m = r.cols, r.mapping
    names = c.names
    keep, id_at = r.keep, c.id
    assert id_at is not None
    assert c.opened_at is not None
    closed_values = frozenset(m.snapshot.closed_values)
    unreadable = [k for k, (_, values) in enumerate(chunk) if values.__class__ is str]
    whole = [record for record in chunk if record[1].__class__ is not str] if unreadable else chunk
    lines: list[int] = [line for line, _ in whole]
    rows: list[tuple[str, ...]] = [values for _, values in whole]
    tids = [values[id_at].strip() for values in rows]
    if r.keep_all:
        met = len(chunk)
    else:  # a --jobs share: its own tickets, and the unreadable rows of share 0's
        mine = [keep(tid) for tid in tids]
        lines = [x for x, k in zip(lines, mine, strict=True) if k]
        rows = [x for x, k in zip(rows, mine, strict=True) if k]
        tids = [x for x, k in zip(tids, mine, strict=True) if k]
        if not keep(""):
            unreadable = []
        met = len(rows) + len(unreadable)
    r.counts.rows += met
    order: list[tuple[int, Any]] = [(chunk[k][0], chunk[k][1]) for k in unreadable]
    """The unreadable records, then (below) the rows read one by one: sorted by line."""
    columns = list(zip(*rows, strict=True)) if rows else [() for _ in names]
    raw = pl.DataFrame(
        {f"c{i}": pl.Series(col, dtype=pl.String) for i, col in enumerate(columns)},
        schema={f"c{i}": pl.String for i in range(len(names))},
    )
    n = len(rows)
    # storable: no forbidden character, no limited field too long (exactly, for the few
    # rows a column test cannot clear)
    suspect = np.zeros(n, dtype=np.bool_)
    for i in range(len(names)):
        col = raw[f"c{i}"]
        for char in FORBIDDEN_CHARACTERS:
            suspect |= col.str.contains(char, literal=True).to_numpy()
    for _name, index, limit in r._limited:
        suspect |= (raw[f"c{index}"].str.len_chars() > limit).to_numpy()
    storable = ~suspect
    for k in np.flatnonzero(suspect).tolist():
        storable[k] = r.storage_problem(rows[k], tids[k]) is None
    reaching = storable & np.fromiter(map(bool, tids), np.bool_, n)
    first = seen.first_of_many(tids, lines, reaching.tolist())
    plain = reaching & np.fromiter((f is None for f in first), np.bool_, n)
    frame = pl.DataFrame(
        {"line": pl.Series(lines, dtype=pl.Int64), "tid": pl.Series(tids, dtype=pl.String)}
    )
    times, ok = _times(r, raw)
    plain &= ok
    frame = frame.with_columns(times)
    # status against the closing time; the dispatch between opening and closing
    has_closed = (
        frame["closed_local"].is_not_null().to_numpy()
        if "closed_local" in frame.columns
        else np.zeros(n, np.bool_)
    )
    if c.status is not None:
        status = _stripped(raw[f"c{c.status}"])
        is_closed = status.is_in(list(closed_values)).to_numpy()
    else:
        is_closed = has_closed
    plain &= is_closed == has_closed
    opened_local = frame["opened_local"]
    if "closed_local" in frame.columns:
        plain &= ~(frame["closed_local"] < opened_local).fill_null(False).to_numpy()
    if "dispatched_local" in frame.columns:
        dispatched = frame["dispatched_local"]
        upper = frame["closed_local"] if "closed_local" in frame.columns else dispatched
        inside = (dispatched >= opened_local) & (dispatched <= upper.fill_null(dispatched))
        plain &= inside.fill_null(True).to_numpy()
    # facts: the area, the source's verdict and satisfaction, by distinct value
    facts, facts_ok = _facts(r, raw, n)
    plain &= facts_ok
    frame = frame.with_columns(facts)
    # every row not plain: the row reader's code, in line order
    batch = _Batch(
        frame.filter(pl.Series(plain)), [rows[k] for k in np.flatnonzero(plain).tolist()]
    )
    precomputed = first
    order += [(lines[k], k) for k in np.flatnonzero(~plain).tolist()]
    order.sort(key=lambda item: item[0])
    for line, item in order:
        if isinstance(item, str):
            r.reject(line, RejectKind.UNREADABLE, item)
            continue
        k = item

        def known_first(_tid: str, _line: int, k: int = k) -> int | None:
            return precomputed[k]  # found for the whole batch, in line order

        ticket = snapshot_record(r, rows[k], lines[k], tids[k], known_first, closed_values)
        if ticket is not None:
            batch.others.append(ticket)
    return batch


def _times(r: _Reader, raw: pl.DataFrame) -> tuple[list[pl.Series], np.ndarray]:
    """The mapped times as local (naive) and absolute (µs) columns, and which rows have
    every one of them plain: empty, or read back exactly as written, in range, and
    existing once in the zone (an ambiguous autumn hour is the first, as the row reader
    has it; a spring-forward gap is left to it)."""
    c, m = r.cols, r.mapping
    fmt, zone = m.time_format, m.timezone
    n = raw.height
    ok = np.ones(n, dtype=np.bool_)
    out: list[pl.Series] = []
    for name, index in (
        ("opened", c.opened_at),
        ("closed", c.closed_at),
        ("dispatched", c.dispatched_at),
        ("due", c.due_at),
    ):
        if index is None:
            continue
        text = raw[f"c{index}"].str.strip_chars()
        local = text.str.strptime(pl.Datetime("us"), fmt, strict=False)
        exact = (local.dt.strftime(fmt) == text).fill_null(False)
        year = local.dt.year()
        in_range = ((year >= EARLIEST_YEAR) & (year <= LATEST_YEAR)).fill_null(False)
        aware = local.dt.replace_time_zone(zone, ambiguous="earliest", non_existent="null")
        us = aware.dt.epoch("us")
        good = (exact & in_range & us.is_not_null()).to_numpy()
        empty = (text == "").to_numpy()
        ok &= good | (empty & (name != "opened"))
        out.append(local.rename(f"{name}_local"))
        out.append(us.rename(f"{name}_us"))
    return out, ok


def _facts(r: _Reader, raw: pl.DataFrame, n: int) -> tuple[list[pl.Series], np.ndarray]:
    """Area code, category, channel, unit, verdict and satisfaction, each decided once per
    distinct value by the row reader's own code; and which rows it accepts."""
    c = r.cols
    ok = np.ones(n, dtype=np.bool_)
    out: list[pl.Series] = []
    cells = [
        raw[f"c{i}"] if i is not None else pl.Series([""] * n, dtype=pl.String) for i in c.area
    ]
    area_frame = (
        pl.DataFrame({f"a{j}": s for j, s in enumerate(cells)})
        if cells
        else pl.DataFrame({"a": [""] * n})
    )
    distinct = area_frame.unique(maintain_order=True)
    codes = [r.area_of(tuple(row))[0] if cells else r.area_of(())[0] for row in distinct.rows()]
    area = area_frame.join(
        distinct.with_columns(pl.Series("area", codes, dtype=pl.String)),
        on=list(area_frame.columns),
        how="left",
        maintain_order="left",
        nulls_equal=True,
    )["area"]
    ok &= area.is_not_null().to_numpy()
    out.append(area.fill_null(""))
    for name, index in (("category", c.category), ("channel", c.channel), ("unit", c.unit)):
        if index is None:
            out.append(pl.Series(name, [""] * n, dtype=pl.String))
        else:
            out.append(_stripped(raw[f"c{index}"]).rename(name))
    if c.verdict is not None:
        verdict_text = _stripped(raw[f"c{c.verdict}"])
        known = dict.fromkeys(r.overdue, False) | dict.fromkeys(r.on_time, True)  # on time wins
        ok &= (verdict_text.is_in(list(known)) | (verdict_text == "")).to_numpy()
        out.append(
            verdict_text.replace_strict(known, default=None, return_dtype=pl.Boolean).rename(
                "source_on_time"
            )
        )
    else:
        out.append(pl.Series("source_on_time", [None] * n, dtype=pl.Boolean))
    if c.satisfaction is not None:
        cell = _stripped(raw[f"c{c.satisfaction}"])
        ok &= (cell.is_in(list(r.satisfied)) | (cell == "")).to_numpy()
        out.append(
            cell.replace_strict(r.satisfied, default=None, return_dtype=pl.Boolean).rename(
                "source_satisfied"
            )
        )
    else:
        out.append(pl.Series("source_satisfied", [None] * n, dtype=pl.Boolean))
    return out, ok


# --------------------------------------------------------------------------- replaying

_UNKNOWN = -2
_NO_SHAPE = Shape((), (None, None, None, None), None, None, "", 0, 0, None, (), None)
"""Stands in for a shape not remembered, in the per-shape columns (it has no rows there)."""


def _known_frame() -> pl.DataFrame:
    return pl.DataFrame(
        schema={"category": pl.String, "area": pl.String, "channel": pl.String,
                "has_closed": pl.Boolean, "shape": pl.Int64}
    )  # fmt: skip


Keyer = Callable[[TicketOutcome], Any]


def replay_columns(
    r: _Reader,
    seen: SeenIds,
    engine: ReplayEngine,
    report: ReplayReport,
    dims: Sequence[tuple[str, Keyer]],
    area_dim: tuple[str, Keyer],
    week: Keyer,
    progress: Callable[[int], None] | None = None,
) -> None:
    """Replay every ticket ``r`` reads (a snapshot) into ``report``: what
    ``_replay_share``'s loop counts, one batch of rows at a time.  ``dims`` are the
    ``--by`` groupings with their key functions; ``area_dim`` (its grouping and key
    function) and ``week`` key the heat table and the chart; ``progress(tickets)`` is
    called after each batch."""
    counting = _Counting(report, dims, area_dim, week)
    done = 0
    for batch in _batches(r, seen):
        done += _replay_batch(r, engine, batch, counting)
        if progress is not None:
            progress(done)


@dataclass
class _Counting:
    """Counts outcomes (one by one) and columns of contributions into a report."""

    report: ReplayReport
    dims: Sequence[tuple[str, Keyer]]
    area_dim: tuple[str, Keyer]
    week: Keyer
    answers: dict[int, tuple[bool, ...]] = field(default_factory=dict)
    shapes: list[Shape | None] = field(default_factory=list)
    """The shapes met so far, by number (``None``: a fold not remembered)."""
    known: pl.DataFrame = field(default_factory=lambda: _known_frame())
    """The shape number of each (category, area, channel, closed?) met so far: all a
    plain row's fold reads."""
    pair_signature: np.ndarray = field(default_factory=lambda: np.zeros(0, dtype=np.int64))
    """By (shape, policy) pair: the number of its signature, ``-1`` when its tickets run
    one by one, :data:`_UNKNOWN` before it was compiled."""
    signatures: list[tuple[SlaPolicy | None, SlaRule | None, tuple[CycleShape, ...],
                           int | None, int | None]] = field(default_factory=list)  # fmt: skip
    """By number: (policy, rule, cycles, last event, closing event)."""
    _signature_ids: dict[Any, int] = field(default_factory=dict)
    probes: list[datetime] = field(default_factory=list)

    def forget(self) -> None:
        """Start afresh (a run past :data:`SHAPES_LIMIT` shapes)."""
        self.shapes.clear()
        self.probes.clear()
        self.known = _known_frame()
        self.pair_signature = np.zeros(0, dtype=np.int64)
        self.signatures.clear()
        self._signature_ids.clear()

    def add_shape(self, shape: Shape | None, probe: datetime) -> int:
        self.shapes.append(shape)
        self.probes.append(probe)
        return len(self.shapes) - 1

    def signatures_of(self, pairs: np.ndarray) -> np.ndarray:
        """Each pair's signature number (``-1``: one by one, :data:`_UNKNOWN`: not yet)."""
        top = int(pairs.max()) + 1 if len(pairs) else 0
        if top > len(self.pair_signature):
            grown = np.full(max(top, 2 * len(self.pair_signature)), _UNKNOWN, dtype=np.int64)
            grown[: len(self.pair_signature)] = self.pair_signature
            self.pair_signature = grown
        return np.where(pairs >= 0, self.pair_signature[np.maximum(pairs, 0)], -1)

    def compile(self, pair: int, width: int, policies: Sequence[Any],
                compiled: dict[Any, Any]) -> None:  # fmt: skip
        """The rule and cycles of one (shape, policy) pair, and their signature."""
        shape = self.shapes[pair // width]
        index = pair % width - 1
        policy = policies[index].policy if index >= 0 else None
        rule = None
        found: Any = ((), (shape.last, shape.closed)) if shape is not None else None
        if shape is not None and policy is not None and shape.accepted:
            rule = policy.select_for(shape.attributes)
            if rule.clocks:
                found = shape.cycles_for(rule, self.probes[pair // width], compiled)
        if found is None:  # not remembered, or clocks that pause: one by one
            self.pair_signature[pair] = -1
            return
        cycles, signature = found
        key = (index, id(rule), signature)
        number = self._signature_ids.get(key)
        if number is None:
            number = self._signature_ids[key] = len(self.signatures)
            self.signatures.append((policy, rule, cycles, signature[-2], signature[-1]))
        self.pair_signature[pair] = number

    def outcome(self, outcome: TicketOutcome) -> None:
        """One ticket replayed one by one: counted as ``_replay_share`` counts it."""
        keys = [(d, g(outcome)) for d, g in self.dims]
        keys.append((HEAT, f"{self.area_dim[1](outcome)}\t{outcome.category}"))
        keys.append((SERIES, self.week(outcome)))
        self.report.add(outcome, keys)

    def columns(
        self,
        frame: pl.DataFrame,
        conformance: list[tuple[str, ...]],
        breaches: list[tuple[str, ...]],
        provisional: list[tuple[str, ...]],
    ) -> None:
        """Tickets as columns of their contributions (``mask`` of answers, ``state``,
        ``minutes``, ``conf``/``breach``/``prov`` ids into the tuples given) and of the
        fields the groupings read."""
        report = self.report
        self._tally(frame, None, lambda _key: report.overall, True, conformance, breaches)
        for dimension, keyer in self.dims:
            groups = report.groups.setdefault(dimension, {})
            self._grouped(frame, dimension_reads(dimension), keyer, groups, True, conformance,
                          breaches)  # fmt: skip
        heat = report.groups.setdefault(HEAT, {})
        area_name, area_dim = self.area_dim
        self._grouped(
            frame, (*dimension_reads(area_name), "category"),
            lambda t: f"{area_dim(t)}\t{t.category}", heat, False, conformance, breaches,
        )  # fmt: skip
        series = report.groups.setdefault(SERIES, {})
        self._grouped(frame, dimension_reads("week"), self.week, series, False, conformance,
                      breaches)  # fmt: skip
        for prov, n in frame.group_by("prov").len().iter_rows():
            for clock in provisional[prov]:
                report.provisional[clock] += n
        missing = frame.filter(pl.col("due_missing")).group_by("category").len()
        for category, n in missing.iter_rows():
            report.without_due[category] += n

    def _grouped(self, frame: pl.DataFrame, reads: Sequence[str], keyer: Keyer,
                 groups: dict[Any, Tally], full: bool, conformance: list[tuple[str, ...]],
                 breaches: list[tuple[str, ...]]) -> None:  # fmt: skip
        """Count ``frame`` under ``keyer``'s keys: each distinct combination of the fields
        the grouping reads (``reads``) is keyed once, by the grouping's own function."""
        fields = list(dict.fromkeys(reads))
        distinct = frame.select(fields).unique(maintain_order=True)
        keys = [keyer(_stand_in(row)) for row in distinct.iter_rows(named=True)]
        ids = distinct.with_columns(pl.Series("key", range(len(keys)), dtype=pl.Int64))
        keyed = frame.join(ids, on=fields, how="left", nulls_equal=True)

        def tally(key_id: int) -> Tally:
            key = keys[key_id]
            found = groups.get(key)
            if found is None:
                found = groups[key] = Tally()
            return found

        self._tally(keyed, "key", tally, full, conformance, breaches)

    def _tally(self, frame: pl.DataFrame, key: str | None, tally: Callable[[Any], Tally],
               full: bool, conformance: list[tuple[str, ...]],
               breaches: list[tuple[str, ...]]) -> None:  # fmt: skip
        by = [key] if key is not None else []
        answers = self.answers
        for *k, mask, n in frame.group_by([*by, "mask"]).len().iter_rows():
            found = answers.get(mask)
            if found is None:
                found = answers[mask] = tuple(bool(mask >> i & 1) for i in range(len(_AT)))
            tally(k[0] if k else None).answers[found] += n
        if not full:
            return
        for *k, state, n in frame.group_by([*by, "final_state"]).len().iter_rows():
            tally(k[0] if k else None).states[state] += n
        timed = frame.filter(pl.col("minutes").is_not_null())
        for *k, minutes, n in timed.group_by([*by, "minutes"]).len().iter_rows():
            tally(k[0] if k else None).handling_minutes[minutes] += n
        for *k, conf, n in (
            frame.filter(pl.col("conf") > 0).group_by([*by, "conf"]).len().iter_rows()
        ):
            counter = tally(k[0] if k else None).conformance
            for flag in conformance[conf]:
                counter[flag] += n
        for *k, breach, n in (
            frame.filter(pl.col("breach") > 0).group_by([*by, "breach"]).len().iter_rows()
        ):
            counter = tally(k[0] if k else None).breaches
            for clock in breaches[breach]:
                counter[clock] += n


def _stand_in(row: dict[str, Any]) -> Any:
    """An object with the outcome attributes a grouping reads (``dimension_reads``): the
    opening as its local day's midnight (the periods read only its date)."""
    fields = dict(row)
    day: date | None = fields.get("opened_at")
    if day is not None:
        fields["opened_at"] = datetime(day.year, day.month, day.day)
    return SimpleNamespace(**fields)


class _Ids:
    """Tuples (of flags, of clock names) numbered as they are first met; ``()`` is 0."""

    def __init__(self) -> None:
        self.items: list[tuple[str, ...]] = [()]
        self._ids: dict[tuple[str, ...], int] = {(): 0}

    def of(self, item: tuple[str, ...]) -> int:
        found = self._ids.get(item)
        if found is None:
            found = self._ids[item] = len(self.items)
            self.items.append(item)
        return found


def _replay_batch(r: _Reader, engine: ReplayEngine, batch: _Batch, counting: _Counting) -> int:
    """Replay one batch; returns the tickets it replayed."""
    m = r.mapping
    closed_values = frozenset(m.snapshot.closed_values)
    for ticket in batch.others:  # read one by one: replayed one by one
        counting.outcome(engine.replay(ticket))
    frame = batch.frame.with_row_index("pos")
    total = len(batch.others) + frame.height
    r.counts.replayed += total
    if not frame.height:
        return total
    n = frame.height
    has_closed = (
        frame["closed_us"].is_not_null() if "closed_us" in frame.columns else pl.Series([False] * n)
    )
    categories = frame["category"].unique().to_list()
    tiers = {category: engine.routing.tier_of(category).name for category in categories}
    frame = frame.with_columns(
        pl.col("category").replace_strict(tiers, return_dtype=pl.String).alias("tier"),
        has_closed.alias("has_closed"),
    )
    memo = engine._memo
    assert memo is not None  # the columnar engine runs without --db / --events-out
    if len(counting.shapes) >= SHAPES_LIMIT:  # as the memo does: start afresh
        counting.forget()
    lines, tids = frame["line"].to_list(), frame["tid"].to_list()
    grouping = ["category", "area", "channel", "has_closed"]
    shaped = frame.join(counting.known, on=grouping, how="left", nulls_equal=True)
    new = shaped.filter(pl.col("shape").is_null()).group_by(grouping, maintain_order=True)
    added: list[tuple[Any, ...]] = []
    for *key, first in new.agg(pl.col("pos").first()).iter_rows():
        # the first row of a (category, area, channel, closed?) not met before: read by the
        # row code, folded by the engine, its shape remembered
        rep = _snapshot_ticket(r, batch.values[first], lines[first], tids[first], closed_values)
        assert rep is not None  # a plain row: the row code accepts it
        tier = tiers[rep.category]
        shape_id = shape_key(rep, tier)
        shape = memo.shapes.get(shape_id)
        if shape is None:
            engine._fold(rep, tier, shape_id)
            shape = memo.shapes.get(shape_id)
        added.append((*key, counting.add_shape(shape, rep.events[0].at)))
    if added:
        counting.known = pl.concat(
            [counting.known, pl.DataFrame(added, schema=counting.known.schema, orient="row")]
        )
        shaped = frame.join(counting.known, on=grouping, how="left", nulls_equal=True)
    shaped = shaped.sort("pos")
    shape_of = shaped["shape"].to_numpy()
    # the policy in force at each opening
    opened_us = frame["opened_us"].to_numpy()
    policies = engine.policies
    if not policies:
        policy_of = np.full(n, -1, dtype=np.int64)
    else:
        since = np.array(
            [np.iinfo(np.int64).min if p.since is None else to_us(p.since) for p in policies],
            dtype=np.int64,
        )
        policy_of = np.searchsorted(since, opened_us, side="right") - 1
    # per (shape, policy): the rule and its compiled cycles, once per run
    width = len(policies) + 1
    pairs = np.where(shape_of >= 0, shape_of * width + policy_of + 1, -1)
    signature_of = counting.signatures_of(pairs)
    for pair in np.unique(pairs[signature_of == _UNKNOWN]).tolist():
        counting.compile(pair, width, policies, memo.compiled)
    signature_of = counting.signatures_of(pairs)
    one_by_one = np.flatnonzero(signature_of < 0).tolist()  # a shape not remembered, or
    for position in one_by_one:  # clocks that pause: one by one, in line order
        source = _snapshot_ticket(
            r, batch.values[position], lines[position], tids[position], closed_values
        )
        assert source is not None
        counting.outcome(engine.replay(source))
    _count_columns(r, engine, frame, counting, shape_of, signature_of)
    return total


def _event_columns(mapping: ReplayMapping, frame: pl.DataFrame) -> list[str]:
    """The column of each implied event's time, by event index (:func:`implied_times`)."""
    columns = {
        "opened": "opened_us",
        "dispatched": "dispatch_at" if "dispatched_us" in frame.columns else "opened_us",
        "closed": "closed_us",
    }
    times = implied_times(mapping.snapshot.on_open, mapping.snapshot.on_close)
    return [columns[which] for which in times]


def _count_columns(
    r: _Reader,
    engine: ReplayEngine,
    frame: pl.DataFrame,
    counting: _Counting,
    shape_of: np.ndarray,
    signature_of: np.ndarray,
) -> None:
    """Every plain row of a remembered shape: its clocks as columns, its contribution to
    the report, counted by group-bys."""
    n = frame.height
    if "dispatched_us" in frame.columns:
        frame = frame.with_columns(
            pl.col("dispatched_us").fill_null(pl.col("opened_us")).alias("dispatch_at")
        )
    event_columns = _event_columns(r.mapping, frame)
    opened = frame["opened_us"].to_numpy()
    source_due = (
        frame["due_us"] if "due_us" in frame.columns else pl.Series([None] * n, dtype=pl.Int64)
    )
    source_due_np = source_due.fill_null(0).to_numpy()
    has_source_due = source_due.is_not_null().to_numpy()
    source_on_time = frame["source_on_time"]
    conformance, breach_ids, prov_ids = _Ids(), _Ids(), _Ids()
    counted = np.zeros(n, dtype=np.bool_)
    mask = np.zeros(n, dtype=np.int64)
    minutes = np.full(n, -1, dtype=np.int64)
    breach = np.zeros(n, dtype=np.int64)
    prov = np.zeros(n, dtype=np.int64)
    due_missing = np.zeros(n, dtype=np.bool_)
    state_of = np.empty(n, dtype=object)
    conf = np.zeros(n, dtype=np.int64)
    bit = {name: 1 << i for name, i in _AT.items()}
    # what each shape concluded, by shape number (a shape not remembered has no rows here)
    shapes = [s if s is not None else _NO_SHAPE for s in counting.shapes]
    shape_state = np.array([s.state for s in shapes], dtype=object)
    shape_reopened = np.array([s.reopened > 0 for s in shapes], dtype=np.bool_)
    shape_stay_known = np.array([s.stayed_in_grid is not None for s in shapes], dtype=np.bool_)
    shape_stayed = np.array([bool(s.stayed_in_grid) for s in shapes], dtype=np.bool_)
    shape_flags = np.array([conformance.of(s.conformance) for s in shapes], dtype=np.int64)
    shape_reviewed = np.array([s.satisfied is not None for s in shapes], dtype=np.bool_)
    shape_satisfied = np.array([bool(s.satisfied) for s in shapes], dtype=np.bool_)
    # the rows of each signature, found with one sort (not one scan per signature)
    by_signature = np.argsort(signature_of, kind="stable")
    ordered = signature_of[by_signature]
    present = np.unique(ordered[ordered >= 0]).tolist()
    starts = np.searchsorted(ordered, present, side="left")
    ends = np.searchsorted(ordered, present, side="right")
    for number, start, end in zip(present, starts.tolist(), ends.tolist(), strict=True):
        policy, rule, cycles, last, closed = counting.signatures[number]
        rows = by_signature[start:end]
        cache: dict[int, np.ndarray] = {}

        def times(
            i: int, rows: np.ndarray = rows, cache: dict[int, np.ndarray] = cache
        ) -> np.ndarray:
            found = cache.get(i)
            if found is None:
                found = cache[i] = frame[event_columns[i]].to_numpy()[rows]
            return found

        found = engine.clock_columns(rule, cycles, times, last, closed)
        count = len(rows)
        is_closed = closed is not None
        closed_us = times(closed) if is_closed else np.zeros(count, dtype=np.int64)
        wall = closed_us - opened[rows]
        working = found.worked is not None
        handling = found.worked if found.worked is not None else wall
        fallback = verdict_without_due(
            policy.closed_without_due if policy is not None else "on_time"
        )
        if engine.due_from_source:
            due_known_at = has_source_due[rows]
            due_at = source_due_np[rows]
            judged_closed = np.where(due_known_at, closed_us <= due_at, fallback is True)
            judged_mask = due_known_at | (fallback is not None)
            due_present = due_known_at
        elif found.clock_due is not None and found.met is not None:
            due_at = found.clock_due
            judged_closed = found.met
            judged_mask = np.ones(count, dtype=np.bool_)
            due_present = np.ones(count, dtype=np.bool_)
        else:
            due_at = np.zeros(count, dtype=np.int64)
            judged_closed = np.full(count, fallback is True)
            judged_mask = np.full(count, fallback is not None)
            due_present = np.zeros(count, dtype=np.bool_)
        shape_rows = shape_of[rows]
        st = shape_state[shape_rows]
        has_on_time = (st == _CLOSED) & is_closed & judged_mask
        on_time = has_on_time & judged_closed
        reopened = shape_reopened[shape_rows]
        stayed_known = shape_stay_known[shape_rows]
        stayed = shape_stayed[shape_rows]
        flags = shape_flags[shape_rows]
        by_shape, satisfied_by_shape = shape_reviewed[shape_rows], shape_satisfied[shape_rows]
        source_sat = frame["source_satisfied"].gather(rows)
        src_known = source_sat.is_not_null().to_numpy()
        src_value = source_sat.fill_null(False).to_numpy()
        reviewed = by_shape | src_known
        satisfied = np.where(by_shape, satisfied_by_shape, src_value) & reviewed
        sot = source_on_time.gather(rows)
        sot_known = sot.is_not_null().to_numpy()
        sot_value = sot.fill_null(False).to_numpy()
        judged = is_closed & has_on_time
        verdicts = judged & sot_known
        agree = verdicts & (on_time == sot_value)
        due_known = has_source_due[rows] & due_present & (not engine.due_from_source)
        due_match = due_known & (np.abs(due_at - source_due_np[rows]) <= _TOLERANCE_US)
        answer = {
            "closed": np.full(count, is_closed),
            "judged": judged,
            "on_time": judged & on_time,
            "closed_24h": is_closed & (wall <= _DAY_US),
            "reopened": reopened,
            "stay_judged": is_closed & stayed_known,
            "stayed": is_closed & stayed_known & stayed,
            "nonconforming": flags > 0,
            "verdicts": verdicts,
            "agree": agree,
            "due_known": due_known,
            "due_match": due_match,
            "joint": np.zeros(count, dtype=np.bool_),
            "due": due_present,
            "reviewed": reviewed,
            "satisfied": satisfied,
            "working_hours": np.full(count, is_closed and working),
        }
        # the report's questions, each answered for a column as _Contribution.of answers it
        # for one outcome (tests hold the two reports equal); a new question must come here
        assert answer.keys() == _AT.keys(), sorted(answer.keys() ^ _AT.keys())
        packed = np.zeros(count, dtype=np.int64)
        for name, column in answer.items():
            packed |= np.where(column, bit[name], 0)
        mask[rows] = packed
        if is_closed:
            minutes[rows] = handling // _MINUTE_US
        state_of[rows] = st
        conf[rows] = flags
        due_missing[rows] = ~due_present
        breach[rows] = _tuple_ids(found.clocks, found.breached, count, breach_ids)
        prov[rows] = _tuple_ids(found.clocks, found.provisional, count, prov_ids)
        counted[rows] = True
    if not counted.any():
        return
    keep = pl.Series(counted)
    days = frame["opened_local"].dt.date()
    contributions = pl.DataFrame(
        {
            "mask": mask, "final_state": pl.Series(state_of, dtype=pl.String),
            "minutes": pl.Series(minutes).replace(-1, None), "conf": conf, "breach": breach,
            "prov": prov, "due_missing": due_missing,
            "area": frame["area"], "category": frame["category"], "tier": frame["tier"],
            "channel": frame["channel"], "unit": frame["unit"], "opened_at": days,
        }
    ).filter(keep)  # fmt: skip
    counting.columns(contributions, conformance.items, breach_ids.items, prov_ids.items)


def _tuple_ids(
    clocks: tuple[str, ...], flags: Sequence[np.ndarray], count: int, ids: _Ids
) -> np.ndarray:
    """Per ticket, the id of the sorted tuple of the clocks whose flag is set."""
    if not flags:
        return np.zeros(count, dtype=np.int64)
    packed = np.zeros(count, dtype=np.int64)
    for i, column in enumerate(flags):
        packed |= np.where(column, 1 << i, 0)
    out = np.zeros(count, dtype=np.int64)
    for value in np.unique(packed).tolist():
        names = tuple(sorted({clocks[i] for i in range(len(clocks)) if value >> i & 1}))
        out[packed == value] = ids.of(names)
    return out
