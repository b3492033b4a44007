"""``--db``: replayed tickets land in a real SQLite file and a real PostgreSQL, resumably,
with their SLA clock cycles, ready for the live engine."""

from __future__ import annotations

import csv
import gzip
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path

import pytest
from sqlalchemy import create_engine, func, select

from gridgov import Engine
from gridgov.replay import (
    InputFile,
    PolicyInForce,
    RejectLog,
    ReplayEngine,
    ReplayOptions,
    RoutingRules,
    SourceEvent,
    SourceTicket,
    TicketOutcome,
    boston_policies,
    boston_sample_options,
    read_tickets,
    run_replay,
)
from gridgov.replay._db import ticket_load
from gridgov.sla import SlaEngine, parse_policy
from gridgov.store import ClockRecord, SqlStore, Store
from gridgov.store._mapping import clock_from_row
from gridgov.store._schema import sla_clocks, ticket_events, tickets
from gridgov.workflow import load_routing_policy
from tests._boston import BOSTON_ROUTING
from tests.integration._store_harness import (
    T0,
    TREE,
    append_only_off,
    pg_schema_url,
    pg_store,
    pg_url,
    store,
)

__all__ = ["pg_store", "pg_url", "store"]

_ONE_US = timedelta(microseconds=1)


def _counts(url: str) -> tuple[int, int, int]:
    """Rows in ``tickets``, ``ticket_events`` and ``sla_clocks``."""
    engine = create_engine(url)
    with engine.connect() as conn:
        found = (
            conn.execute(select(func.count()).select_from(tickets)).scalar_one(),
            conn.execute(select(func.count()).select_from(ticket_events)).scalar_one(),
            conn.execute(select(func.count()).select_from(sla_clocks)).scalar_one(),
        )
    engine.dispose()
    return found


def _outcomes(options: ReplayOptions) -> list[TicketOutcome]:
    """The replayed tickets with their clock cycles, as ``--db`` is given them."""
    engine = ReplayEngine(
        options.mapping.routing_policy(),
        policies=options.policies,
        due_from_source=options.due_from_source,
        keep_events=True,
    )
    mapping = options.mapping
    source = InputFile(options.input, mapping.format, delimiter=mapping.delimiter)
    found = read_tickets(mapping, source, areas=options.areas, rejects=RejectLog(None))
    return [outcome for outcome in map(engine.replay, found) if outcome.accepted]


def _first_rows(source: Path, target: Path, rows: int) -> Path:
    with gzip.open(source, "rt", newline="", encoding="utf-8") as inp:
        lines = list(csv.reader(inp))[: rows + 1]
    with gzip.open(target, "wt", newline="", encoding="utf-8") as out:
        csv.writer(out).writerows(lines)
    return target


def _upgraded(url: str) -> str:
    store = SqlStore(url)
    store.upgrade()
    store.close()
    return url


def _check_resumable(url: str, tmp_path: Path) -> None:
    _upgraded(url)
    sample = boston_sample_options().input
    first = run_replay(
        boston_sample_options(db=url, input=_first_rows(sample, tmp_path / "part.csv.gz", 700))
    )
    assert first.meta["db"]["written"] == first.overall.tickets  # an "interrupted" run
    full = run_replay(boston_sample_options(db=url))
    assert full.meta["db"] == {
        "written": full.overall.tickets - first.overall.tickets,
        "already_there": first.overall.tickets,
    }
    once = _counts(url)
    again = run_replay(boston_sample_options(db=url))
    assert again.meta["db"] == {"written": 0, "already_there": full.overall.tickets}
    assert _counts(url) == once  # no ticket, event or clock cycle twice
    stored_tickets, stored_events, stored_clocks = once
    assert stored_tickets == full.overall.tickets
    assert stored_clocks == sum(len(o.cycles) for o in _outcomes(boston_sample_options()))
    # report, accept, dispatch, sign_for for every ticket; mark_handled and close when closed
    assert stored_events == 4 * full.overall.tickets + 2 * full.overall.closed
    store = SqlStore(url)
    assert store.verify() == []  # the hash chains are the store's own
    store.close()


def test_db_on_sqlite_is_resumable_and_never_duplicates(tmp_path: Path) -> None:
    _check_resumable(f"sqlite:///{tmp_path / 'replay.db'}", tmp_path)


@pytest.fixture
def fresh_pg_url(postgres_url: str) -> Iterator[str]:
    """A fresh PostgreSQL schema for this test alone."""
    yield from pg_schema_url(postgres_url)


@pytest.mark.postgres
def test_db_on_postgres_is_resumable_and_never_duplicates(
    fresh_pg_url: str, tmp_path: Path
) -> None:
    _check_resumable(fresh_pg_url, tmp_path)


class _Stop(Exception):
    """Stands for an interrupted run (Ctrl-C, a lost connection) partway through."""


def _stop_after_first_thousand(done: int, _read: int, _total: int) -> None:
    if done >= 1000:
        raise _Stop


def _check_interrupted_bulk_run_continues(url: str) -> None:
    _upgraded(url)
    with pytest.raises(_Stop):
        run_replay(boston_sample_options(db=url, db_batch=300), progress=_stop_after_first_thousand)
    kept, _, kept_clocks = _counts(url)
    assert kept == 900  # three whole batches committed, the fourth rolled back
    assert 0 < kept_clocks < sum(len(o.cycles) for o in _outcomes(boston_sample_options()))
    store = SqlStore(url)
    assert store.verify() == []
    store.close()
    resumed = run_replay(boston_sample_options(db=url, db_batch=300))
    assert resumed.meta["db"] == {
        "written": resumed.overall.tickets - kept,
        "already_there": kept,
    }
    stored_tickets, stored_events, stored_clocks = _counts(url)
    assert stored_tickets == resumed.overall.tickets
    assert stored_events == 4 * resumed.overall.tickets + 2 * resumed.overall.closed
    assert stored_clocks == sum(len(o.cycles) for o in _outcomes(boston_sample_options()))
    store = SqlStore(url)
    assert store.verify() == []
    store.close()


def test_an_interrupted_bulk_run_on_sqlite_continues_where_it_stopped(tmp_path: Path) -> None:
    _check_interrupted_bulk_run_continues(f"sqlite:///{tmp_path / 'replay.db'}")


@pytest.mark.postgres
def test_an_interrupted_bulk_run_on_postgres_continues_where_it_stopped(
    fresh_pg_url: str,
) -> None:
    _check_interrupted_bulk_run_continues(fresh_pg_url)


def test_db_ticket_history_folds_to_the_replayed_state(tmp_path: Path) -> None:
    url = _upgraded(f"sqlite:///{tmp_path / 'replay.db'}")
    out = tmp_path / "t.csv"
    run_replay(boston_sample_options(db=url, tickets_out=out))
    with out.open(encoding="utf-8", newline="") as file:
        rows = {r["ticket_id"]: r for r in csv.DictReader(file)}
    store = SqlStore(url)
    with store.unit_of_work() as uow:
        for ticket_id in list(rows)[:50]:
            ticket = uow.tickets.get(ticket_id)
            assert ticket.state == rows[ticket_id]["final_state"]
            assert ticket.area_code == rows[ticket_id]["area"]
            assert ticket.category == rows[ticket_id]["category"]
    store.close()


def test_db_needs_one_process(tmp_path: Path) -> None:
    from gridgov.errors import InvalidInput

    with pytest.raises(InvalidInput, match="one process"):
        run_replay(boston_sample_options(db=f"sqlite:///{tmp_path / 'x.db'}", jobs=2))


def test_gridgov_db_verify_passes_on_bulk_written_tickets_and_names_an_edit(
    tmp_path: Path,
) -> None:
    from click.testing import CliRunner

    from gridgov.cli import main
    from gridgov.replay import BOSTON_SAMPLE_DIR

    url = f"sqlite:///{tmp_path / 'replay.db'}"
    sample = str(BOSTON_SAMPLE_DIR / "tickets_2015h1_sample.csv.gz")
    mapping = str(BOSTON_SAMPLE_DIR / "mapping.toml")
    cli = CliRunner()
    assert cli.invoke(main, ["db", "upgrade", "--db", url]).exit_code == 0
    replay = cli.invoke(
        main, ["replay", "run", sample, "--mapping", mapping, "--due-from-source", "--db", url]
    )
    assert replay.exit_code == 0, replay.stderr
    assert _counts(url)[0] > 1000
    assert cli.invoke(main, ["db", "verify", "--db", url]).exit_code == 0
    with SqlStore(url) as store, append_only_off(store) as conn:
        edited = conn.execute(select(ticket_events.c.ticket_id).limit(1)).scalar_one()
        conn.execute(
            ticket_events.update()
            .where(ticket_events.c.ticket_id == edited, ticket_events.c.seq == 2)
            .values(actor_id="mallory")
        )
    broken = cli.invoke(main, ["db", "verify", "--db", url, "--format", "csv"])
    assert broken.exit_code == 1
    reason = "content does not match its hash (edited)"
    assert broken.stdout.splitlines()[1:] == [f"{edited},2,{reason}"]


# --------------------------------------------------------------------------- clocks


def _check_clock_rows_are_the_outcomes_cycles(url: str) -> None:
    _upgraded(url)
    run_replay(boston_sample_options(db=url))
    outcomes = _outcomes(boston_sample_options())
    engine = create_engine(url)
    try:
        with engine.connect() as conn:
            rows = [clock_from_row(r) for r in conn.execute(select(sla_clocks)).mappings()]
            found = conn.execute(select(tickets.c.id, tickets.c.next_due_at))
            next_due = {row.id: row.next_due_at for row in found}
    finally:
        engine.dispose()
    stored = {
        (r.ticket_id, r.clock, r.cycle): (
            r.due_at, r.status, r.breached, r.started_at, r.stopped_at, r.fingerprint, r.data
        )
        for r in rows
    }  # fmt: skip
    expected = {
        (o.ticket_id, c.clock, c.number): (
            c.due, c.status, c.breached, c.started_at, c.stopped_at, c.policy_fingerprint,
            c.to_dict(),
        )
        for o in outcomes
        for c in o.cycles
    }  # fmt: skip
    assert len(rows) == len(expected) > 1000
    assert stored == expected
    statuses = {status for _, status, *_ in stored.values()}
    assert statuses == {"met", "breached", "running"}  # closed late, closed in time, open
    assert {r.fingerprint for r in rows} == {p.policy.fingerprint for p in boston_policies()}
    # Boston's clocks have no warnings: a running one is next looked at just past its due time
    for outcome in outcomes:
        running = [c.due for c in outcome.cycles if c.status == "running"]
        wanted = min(running) + _ONE_US if running else None
        assert next_due[outcome.ticket_id] == wanted, outcome.ticket_id


def test_sqlite_clock_rows_are_the_replayed_cycles(tmp_path: Path) -> None:
    _check_clock_rows_are_the_outcomes_cycles(f"sqlite:///{tmp_path / 'replay.db'}")


@pytest.mark.postgres
def test_postgres_clock_rows_are_the_replayed_cycles(fresh_pg_url: str) -> None:
    _check_clock_rows_are_the_outcomes_cycles(fresh_pg_url)


def _check_live_engine_picks_up_an_open_ticket(url: str, tmp_path: Path) -> None:
    _upgraded(url)
    run_replay(boston_sample_options(db=url))
    revised = boston_policies()[1].policy
    due, ticket_id = min(
        (c.due, o.ticket_id)
        for o in _outcomes(boston_sample_options())
        for c in o.cycles
        if c.is_open and c.policy_fingerprint == revised.fingerprint
    )
    engine = Engine(url=url, sla=revised, routing=load_routing_policy(BOSTON_ROUTING))
    try:
        view = engine.get(ticket_id)
        assert view.state == "in_progress"
        assert [(c.clock, c.cycle, c.status, c.breached, c.due_at) for c in view.clocks] == [
            ("handling", 1, "running", False, due)
        ]
        assert view.next_due_at == due + _ONE_US
        just_after = due + timedelta(seconds=1)
        fired = [n for n in engine.advance_to(just_after) if n.ticket_id == ticket_id]
        assert [(n.kind, n.clock, n.cycle, n.due) for n in fired] == [
            ("breach", "handling", 1, due)
        ]
        again = engine.advance_to(just_after + timedelta(days=30))
        assert [n for n in again if n.ticket_id == ticket_id] == []  # announced once
        after = engine.get(ticket_id)
        assert [(c.status, c.breached) for c in after.clocks] == [("running", True)]
        assert after.next_due_at is None  # nothing left to announce until it is handled
    finally:
        engine.store.close()


def test_live_engine_announces_a_replayed_open_tickets_breach_once_on_sqlite(
    tmp_path: Path,
) -> None:
    _check_live_engine_picks_up_an_open_ticket(f"sqlite:///{tmp_path / 'replay.db'}", tmp_path)


@pytest.mark.postgres
def test_live_engine_announces_a_replayed_open_tickets_breach_once_on_postgres(
    fresh_pg_url: str, tmp_path: Path
) -> None:
    _check_live_engine_picks_up_an_open_ticket(fresh_pg_url, tmp_path)


def test_due_from_source_without_a_policy_stores_no_clocks(tmp_path: Path) -> None:
    url = _upgraded(f"sqlite:///{tmp_path / 'replay.db'}")
    report = run_replay(boston_sample_options(due_from_source=True, db=url))
    assert report.meta["db"]["written"] > 1900
    engine = create_engine(url)
    with engine.connect() as conn:
        clocks = conn.execute(select(func.count()).select_from(sla_clocks)).scalar_one()
        due = conn.execute(select(func.count(tickets.c.next_due_at))).scalar_one()
    engine.dispose()
    assert (clocks, due) == (0, 0)  # the source's due times are not a policy's clocks


WARNED = """\
[policy]
name = "warned"

[calendars.office]
timezone = "UTC"
working_hours = ["09:00-17:00"]
workweek = ["mon", "tue", "wed", "thu", "fri"]

[clocks.handling]
start = "report"
stop = "mark_handled"
calendar = "office"
due = "8h"
warn_at = [0.5]
pause_in = ["suspended"]
"""


def test_a_replayed_open_ticket_is_next_due_at_its_warning_as_the_live_engine_says(
    store: Store,
) -> None:
    policy = parse_policy(WARNED)
    steps = [("report", 0), ("accept", 6), ("dispatch", 12)]  # Monday 09:00, minutes
    ticket = SourceTicket(
        "R1",
        2,
        area="ZM-01",
        category="noise",
        events=[SourceEvent(t, T0 + timedelta(minutes=m), i + 2) for i, (t, m) in enumerate(steps)],
    )  # fmt: skip
    replay = ReplayEngine(
        RoutingRules().compile(), policies=(PolicyInForce(policy),), keep_events=True
    )
    load = ticket_load(replay.replay(ticket))
    live = SlaEngine(policy)  # the same events through the live SLA engine
    for event in load.events:
        live.record(event)
    warning, due = T0 + timedelta(hours=4), T0 + timedelta(hours=8)
    assert load.next_due_at == live.next_due("R1") == warning
    assert [ClockRecord.from_cycle("R1", c) for c in live.cycles("R1")] == list(load.clocks)
    assert store.load_tickets([load]).written == ("R1",)
    engine = Engine(store=store, areas=TREE, sla=policy)
    fired = engine.advance_to(due + timedelta(minutes=1))
    assert [(n.ticket_id, n.kind, n.fraction, n.at) for n in fired] == [
        ("R1", "warning", 0.5, warning),
        ("R1", "breach", 1.0, due),
    ]
    assert engine.advance_to(due + timedelta(days=1)) == []


def test_an_open_ticket_is_continued_under_the_policy_in_force_when_it_opened() -> None:
    """With two revisions, the outcome carries the one its cycles ran under (only with
    the events: the no-database path keeps neither), and its next due moment is that
    policy's deadline."""
    first, revised = parse_policy(WARNED), parse_policy(WARNED.replace('"8h"', '"2h"'))
    policies = (PolicyInForce(first), PolicyInForce(revised, since=T0 + timedelta(days=1)))
    early, late = (
        SourceTicket(tid, 2, area="ZM-01", category="noise", events=[SourceEvent("report", at, 2)])
        for tid, at in (("R1", T0), ("R2", T0 + timedelta(days=2)))
    )
    replay = ReplayEngine(RoutingRules().compile(), policies=policies, keep_events=True)
    assert ReplayEngine(RoutingRules().compile(), policies=policies).replay(early).policy is None
    for ticket, policy in ((early, first), (late, revised)):
        outcome = replay.replay(ticket)
        assert outcome.policy is policy
        load = ticket_load(outcome)
        assert {c.fingerprint for c in load.clocks} == {policy.fingerprint}
        running = outcome.cycles[0]
        warning = running.moment_of(policy.rules[0].clocks[0], 0.5)
        assert load.next_due_at == warning


def test_a_replayed_ticket_whose_clock_is_paused_is_not_due_as_the_live_engine_says() -> None:
    policy = parse_policy(WARNED)
    steps = [("report", 0), ("accept", 6), ("dispatch", 12), ("sign_for", 20), ("suspend", 60)]
    ticket = SourceTicket(
        "R3",
        2,
        area="ZM-01",
        category="noise",
        events=[SourceEvent(t, T0 + timedelta(minutes=m), i + 2) for i, (t, m) in enumerate(steps)],
    )  # fmt: skip
    replay = ReplayEngine(
        RoutingRules().compile(), policies=(PolicyInForce(policy),), keep_events=True
    )
    outcome = replay.replay(ticket)
    assert outcome.final_state == "suspended"
    load = ticket_load(outcome)
    live = SlaEngine(policy)
    for event in load.events:
        live.record(event)
    assert [c.status for c in load.clocks] == ["paused"]
    assert load.next_due_at is live.next_due("R3") is None  # nothing runs while suspended
