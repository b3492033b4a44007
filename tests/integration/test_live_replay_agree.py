"""Live and replay agree on every ticket (issue 10, "Proof").

The same events go through :class:`~gridgov.replay.ReplayEngine` (history) and through
the live :class:`~gridgov.Engine` (a :class:`~gridgov.clock.ManualClock` set to each
event's time, ``Engine.report`` / ``Engine.act`` as the event's actor) on the in-memory
store, a real SQLite file and real PostgreSQL.  For every ticket the final state, tier,
stayed_in_grid, each clock cycle's due time and status, on_time, breaches and
escalations must be equal: no tolerance.

The log is ``benchmarks/gen_synthetic.py --shape loop`` (a walk of the loop's table that
fires every trigger, over autumn 2026: nights, weekends, National Day).  No timer runs
on the live side (``advance_to`` is never called): replay has no timers, so the SLA
actions a breach would fire (escalate, supervise, auto-close) are not part of either.
"""

from __future__ import annotations

import csv
import time
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import pytest

from gridgov import Engine
from gridgov.app import trust_callers
from gridgov.clock import ManualClock
from gridgov.grid import AreaTree, Directory, Unit, UnitKind, load_sample
from gridgov.replay import (
    InputFile,
    PolicyInForce,
    RejectLog,
    ReplayEngine,
    ReplayMapping,
    SourceTicket,
    TicketOutcome,
    boston_sample_options,
    load_mapping,
    read_tickets,
)
from gridgov.sla import SlaPolicy, clock_verdict, load_default_policy
from gridgov.store import SqlStore, Store
from gridgov.testing import InMemoryStore
from gridgov.workflow import (
    DEFAULT_PERMISSIONS,
    Actor,
    PermissionPolicy,
    RoutingPolicy,
    State,
    Trigger,
)
from tests._synthetic import GEN, ROOT
from tests.integration._store_harness import pg_schema_url

LOOP_MAPPING = ROOT / "benchmarks" / "synthetic_loop.toml"
TICKETS = 5_000
"""Tickets of the synthetic log, replayed whole and fed live on memory and SQLite."""
PG_TICKETS = 2_500
"""PostgreSQL gets the first half only, for CI time: one transaction per event over the
network; all 5,000 tickets (34,448 events) agreed there too but took ~4 minutes on
2 shared cores."""
CLOCK = "handling"


# What each trigger's event carries as the live call's keyword parameters.
_PARAMS: dict[str, tuple[str, ...]] = {
    Trigger.REJECT: ("reason",),
    Trigger.RETURN_TO_DISPATCHER: ("reason",),
    Trigger.SUSPEND: ("reason",),
    Trigger.ESCALATE: ("reason",),
    Trigger.SUPERVISE: ("reason",),
    Trigger.REOPEN: ("reason",),
    Trigger.WITHDRAW: ("reason",),
    Trigger.MARK_HANDLED: ("result",),
    Trigger.HANDLE_PART: ("result",),
    Trigger.DISPATCH: ("co_units",),
    Trigger.REVIEW: ("verdict", "comment"),
    Trigger.MERGE_INTO: ("into",),
    Trigger.CLOSE: ("reason",),
}


@dataclass(frozen=True)
class Outcome:
    """What both sides must agree on for one ticket."""

    state: str
    tier: str | None
    stayed_in_grid: bool | None
    clocks: tuple[tuple[str, int, datetime, str], ...]
    """(clock, cycle, due_at, status) of every cycle."""
    on_time: bool | None
    breaches: tuple[str, ...]
    escalations: int
    joint: bool
    parts: tuple[tuple[str, str, timedelta | None], ...]
    """(co-unit, state, time it took) of each part of a joint ticket (协办)."""


def _replayed(outcome: TicketOutcome) -> Outcome:
    clocks = tuple((c.clock, c.number, c.due, c.status) for c in outcome.cycles)
    return Outcome(
        state=outcome.final_state,
        tier=outcome.tier,
        stayed_in_grid=outcome.stayed_in_grid,
        clocks=clocks,
        on_time=outcome.on_time,
        breaches=outcome.breaches,
        escalations=outcome.escalations,
        joint=outcome.joint,
        parts=tuple((p.unit, p.state, p.took) for p in outcome.parts),
    )


def _live(engine: Engine, ticket_id: str) -> Outcome:
    view = engine.get(ticket_id)
    cycles = sorted(view.clocks, key=lambda c: (c.started_at, c.clock, c.cycle))
    handling = [c for c in view.clocks if c.clock == CLOCK]
    on_time = None
    if view.state == State.CLOSED:  # closed (归档) tickets only, as replay judges them
        on_time = not any(c.breached for c in handling)
    return Outcome(
        state=view.state,
        tier=view.tier,
        stayed_in_grid=view.stayed_in_grid,
        clocks=tuple((c.clock, c.cycle, c.due_at, c.status) for c in cycles),
        on_time=on_time,
        breaches=tuple(sorted({c.clock for c in view.clocks if c.breached})),
        escalations=view.escalation_count,
        joint=view.joint,
        parts=tuple((p.unit, p.state, p.took) for p in view.parts),
    )


def _sorted_cycles(outcome: Outcome) -> Outcome:
    clocks = tuple(sorted(outcome.clocks, key=lambda c: (c[2], c[0], c[1])))
    return Outcome(**{**outcome.__dict__, "clocks": clocks})


# ---------------------------------------------------------------------- the log


@dataclass(frozen=True)
class Log:
    path: Path
    mapping: ReplayMapping
    tickets: list[SourceTicket]
    rows: list[dict[str, str]]
    """The CSV rows in file order (the live feed reads these, not replay's parse)."""


@pytest.fixture(scope="module")
def loop_log(tmp_path_factory: pytest.TempPathFactory) -> Log:
    path = GEN.generate(tmp_path_factory.mktemp("loop") / "loop.csv", TICKETS, shape="loop")
    mapping = load_mapping(LOOP_MAPPING)
    rejects = RejectLog(None)
    source = InputFile(path, mapping.format, delimiter=mapping.delimiter)
    tickets = list(read_tickets(mapping, source, areas=load_sample("hangzhou").tree,
                                rejects=rejects))  # fmt: skip
    assert not rejects.counts, rejects.counts
    with path.open(encoding="utf-8", newline="") as file:
        rows = list(csv.DictReader(file))
    assert tuple(rows[0]) == GEN.LOOP_COLUMNS
    return Log(path, mapping, tickets, rows)


def test_the_log_fires_every_trigger_in_time_order(loop_log: Log) -> None:
    assert len(loop_log.tickets) == TICKETS
    fired = Counter(e.trigger for t in loop_log.tickets for e in t.events)
    assert set(fired) == {t.value for t in Trigger}, sorted(set(Trigger) - set(fired))
    assert Counter(r["verdict"] for r in loop_log.rows if r["verdict"]).keys() == {
        "satisfied",
        "basically_satisfied",
        "not_satisfied",
    }
    moments = [e.at for t in loop_log.tickets for e in t.events]
    # the clocks must cross the National Day holiday and weekends
    assert any(m.month == 10 and 1 <= m.day <= 7 for m in moments)
    assert any(m.weekday() >= 5 for m in moments)
    assert any(m.hour < 7 or m.hour >= 20 for m in moments)
    joint = [r for r in loop_log.rows if r["co_units"]]  # 大事协同解决: lead + co-units
    assert len(joint) > 100
    assert any(";" in r["co_units"] for r in joint)


# ---------------------------------------------------------------------- the two sides


def _replay_all(
    tickets: list[SourceTicket], routing: RoutingPolicy, directory: Directory, sla: SlaPolicy
) -> dict[str, Outcome]:
    engine = ReplayEngine(
        routing, directory=directory, policies=[PolicyInForce(sla)], clock=CLOCK,
        keep_events=True,
    )  # fmt: skip
    out = {}
    for ticket in tickets:
        outcome = engine.replay(ticket)
        assert not outcome.conformance, (ticket.ticket_id, outcome.conformance)
        out[ticket.ticket_id] = _replayed(outcome)
        due, _ = clock_verdict(outcome.cycles, CLOCK)
        assert due == outcome.due_at
    return out


def _actor(row: dict[str, str], trigger: str, assigned: str | None) -> Actor | str:
    """The event's actor as the live engine resolves it: a resident (not stored) by its
    claim, anyone else by the id of a stored unit.  The log has the grid's worker handle
    every ticket; live, the unit the ticket is dispatched to handles it (a dispatched
    ticket is its unit's), which changes no outcome."""
    if row["role"] == "resident":
        return Actor(row["actor"], "resident", row["grid_code"])
    if trigger in GEN._HANDLER and assigned is not None:
        return assigned
    return row["actor"]


def _feed_live(
    engine: Engine,
    clock: ManualClock,
    rows: list[dict[str, str]],
    mapping: ReplayMapping,
) -> dict[str, Outcome]:
    """Every row through the live engine, in the log's (time) order."""
    activities = mapping.steps()
    zone = ZoneInfo(mapping.timezone)
    final = {row["case_id"]: n for n, row in enumerate(rows)}
    outcomes: dict[str, Outcome] = {}
    assigned: dict[str, str | None] = {}
    last = None
    for n, row in enumerate(rows):
        at = datetime.strptime(row["timestamp"], mapping.time_format).replace(tzinfo=zone)
        if last is None or at != last:
            clock.set(at)
            last = at
        (trigger,) = activities[row["activity"]]  # one step each in this log
        ticket_id = row["case_id"]
        actor = _actor(row, trigger, assigned.get(ticket_id))
        if trigger == Trigger.REPORT:
            view = engine.report(actor=actor, ticket_id=ticket_id, category=row["category"],
                                 area_code=row["grid_code"], channel=row["channel"])  # fmt: skip
        else:
            params: dict[str, Any] = {k: row[k] for k in _PARAMS.get(trigger, ()) if row[k]}
            if "co_units" in params:
                params["co_units"] = params["co_units"].split(";")
            view = engine.act(ticket_id, trigger, actor=actor, **params)
        assigned[ticket_id] = view.assigned_unit
        if final[ticket_id] == n:
            # read back from the store at the ticket's last event: replay judges a clock
            # still running then, not at the end of the whole log
            outcomes[ticket_id] = _live(engine, ticket_id)
    return outcomes


def _differences(replayed: dict[str, Outcome], live: dict[str, Outcome], limit: int = 8) -> str:
    lines = []
    fields = Outcome.__dataclass_fields__
    for ticket_id, want in replayed.items():
        got = live.get(ticket_id)
        if got == want:
            continue
        if got is None:
            lines.append(f"{ticket_id}: missing on the live side")
        else:
            lines.extend(
                f"{ticket_id}.{name}: replay {getattr(want, name)!r} != live {getattr(got, name)!r}"
                for name in fields
                if getattr(got, name) != getattr(want, name)
            )
        if len(lines) >= limit:
            break
    bad = sum(1 for t, o in replayed.items() if live.get(t) != o)
    return f"{bad} of {len(replayed)} tickets differ; first: \n" + "\n".join(lines)


@pytest.fixture(params=["memory", "sqlite", "postgres"])
def empty_store(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Store]:
    """An empty, migrated store (the PostgreSQL one skips without GRIDGOV_TEST_POSTGRES_URL)."""
    if request.param == "memory":
        yield InMemoryStore()
    elif request.param == "sqlite":
        sqlite = SqlStore(f"sqlite:///{tmp_path / 'gridgov.db'}")
        sqlite.upgrade()
        yield sqlite
        sqlite.close()
    else:
        # A fresh schema for each test: the synthetic and the Boston tests hold different
        # area hierarchies, and a database holds one.
        for url in pg_schema_url(request.getfixturevalue("postgres_url")):
            with SqlStore(url) as pg:
                pg.upgrade()
                yield pg


def test_live_and_replay_agree_on_every_synthetic_ticket(
    loop_log: Log, empty_store: Store, request: pytest.FixtureRequest
) -> None:
    tickets, rows = loop_log.tickets, loop_log.rows
    if request.node.callspec.params["empty_store"] == "postgres":
        kept = {f"LOOP{n:07d}" for n in range(PG_TICKETS)}
        tickets = [t for t in tickets if t.ticket_id in kept]
        rows = [r for r in rows if r["case_id"] in kept]
    sample = load_sample("hangzhou")
    directory = sample.directory
    assert directory is not None
    sla = load_default_policy()
    # Replay routes by the mapping's [routing] (compiled); the live engine by the shipped
    # policy, as an app would: both must give the same tiers and units.
    replayed = _replay_all(tickets, loop_log.mapping.routing_policy(), directory, sla)

    started = time.perf_counter()
    clock = ManualClock(min(t.events[0].at for t in tickets))
    engine = Engine(store=empty_store, directory=directory, sla=sla, clock=clock)
    fed_live = _feed_live(engine, clock, rows, loop_log.mapping)
    live = {ticket_id: _sorted_cycles(o) for ticket_id, o in fed_live.items()}
    fed = time.perf_counter() - started
    replayed = {t: _sorted_cycles(o) for t, o in replayed.items()}

    assert replayed == live, _differences(replayed, live)
    assert len(live) == len(tickets)
    print(f"{len(tickets)} tickets, {len(rows)} events, live feed {fed:.1f}s")


# ---------------------------------------------------------------------- Boston 311


def _boston_actor() -> Actor:
    """The sample has no actor column: Boston's 311 centre acts on every ticket, as a
    city-wide office (every trigger but withdraw, the whole city in scope, every unit's
    tickets: :data:`_CITY_WIDE`); the app trusts it (``trust_callers``)."""
    return Actor("bos-311", "community_office", "BOS", "bos-311")


_OFFICE = DEFAULT_PERMISSIONS.roles["community_office"]
_CITY_WIDE = PermissionPolicy(
    roles={
        **DEFAULT_PERMISSIONS.roles,
        "community_office": _OFFICE.model_copy(update={"on_others": _OFFICE.triggers}),
    }
)


_BOSTON_KINDS = {"precinct": UnitKind.GRID_WORKER, "ward": UnitKind.COMMUNITY_OFFICE,
                 "city": UnitKind.STREET_OFFICE}  # fmt: skip


def _boston_directory(tree: AreaTree) -> Directory:
    """The sample's hierarchy with one handler per area at each tier's level: the sample
    ships none, and the live loop refuses a dispatch no unit can take (replay, which
    must read every history, records it without a unit)."""
    units = [
        Unit(f"{a.code}-{_BOSTON_KINDS[a.level]}", a.name, _BOSTON_KINDS[a.level], a.code)
        for a in tree
        if a.level in _BOSTON_KINDS
    ]
    return Directory(tree, units)


def test_live_and_replay_agree_on_the_boston_sample(empty_store: Store) -> None:
    options = boston_sample_options()
    mapping = options.mapping
    assert isinstance(options.areas, AreaTree)
    directory = _boston_directory(options.areas)
    # One SLA table for both sides: the live engine runs one policy at a time.
    sla = options.policies[-1].policy
    routing = mapping.routing_policy()
    rejects = RejectLog(None)
    source = InputFile(options.input, mapping.format, delimiter=mapping.delimiter)
    tickets = list(read_tickets(mapping, source, areas=options.areas, rejects=rejects))
    replay = ReplayEngine(routing, directory=directory, policies=[PolicyInForce(sla)],
                          clock=CLOCK, keep_events=True)  # fmt: skip
    outcomes = {t.ticket_id: replay.replay(t) for t in tickets}
    conforming = [t for t in tickets if not outcomes[t.ticket_id].conformance]
    replayed = {t.ticket_id: _sorted_cycles(_replayed(outcomes[t.ticket_id])) for t in conforming}

    feed = sorted(
        ((e.at, n, i, t, e) for n, t in enumerate(conforming) for i, e in enumerate(t.events)),
        key=lambda item: (item[0], item[1], item[2]),
    )
    clock = ManualClock(feed[0][0])
    engine = Engine(store=empty_store, directory=directory, routing=routing, sla=sla,
                    clock=clock, actors=trust_callers, permissions=_CITY_WIDE)  # fmt: skip
    actor = _boston_actor()
    last = {t.ticket_id: len(t.events) - 1 for t in conforming}
    live: dict[str, Outcome] = {}
    for at, _, index, ticket, event in feed:
        clock.set(at)
        if event.trigger == Trigger.REPORT:
            area = ticket.area or "BOS"  # a row without ward and precinct: the whole city
            engine.report(actor=actor, ticket_id=ticket.ticket_id, category=ticket.category,
                          area_code=area, channel=ticket.channel or None)  # fmt: skip
        else:
            params = {k: event.payload[k] for k in _PARAMS.get(event.trigger, ())
                      if event.payload.get(k)}  # fmt: skip
            engine.act(ticket.ticket_id, event.trigger, actor=actor, **params)
        if index == last[ticket.ticket_id]:
            live[ticket.ticket_id] = _sorted_cycles(_live(engine, ticket.ticket_id))

    assert len(conforming) > 1_900, (len(conforming), len(tickets))
    assert replayed == live, _differences(replayed, live)
