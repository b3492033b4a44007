"""``Engine.advance_to`` (and so ``gridgov tick``) recomputes the stored clocks that were
computed on a provisional calendar once the calendar data knows the year (issue 13,
item 1), on memory and on a real SQLite file: a year's schedule is announced, the user
runs ``pip install -U chinesecalendar``, and the next tick makes the deadlines official."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from gridgov import Engine
from gridgov.clock import ManualClock
from gridgov.grid import Area, AreaTree, Directory, Unit, UnitKind
from gridgov.sla import SlaPolicy, parse_policy
from gridgov.store import SqlStore, Store
from gridgov.testing import InMemoryStore
from gridgov.workflow import Actor
from tests.integration._store_harness import pg_schema_url

TREE = AreaTree(
    [
        Area("YH", "余杭区", "district"),
        Area("ZM", "朱庙社区", "community", "YH"),
        Area("ZM-01", "朱庙第一网格", "grid", "ZM"),
    ]
)
DIRECTORY = Directory(TREE, [Unit("W1", "王网格员", UnitKind.GRID_WORKER, "ZM-01")])
RESIDENT = Actor("r1", "resident", "ZM-01")
DEC_30 = datetime(2026, 12, 30, 2, 0, tzinfo=UTC)  # 10:00 in Hangzhou


def _policy(last_known_year: int) -> SlaPolicy:
    """Three working days on a calendar whose data ends with ``last_known_year``."""
    return parse_policy(
        '[policy]\nname = "office"\n'
        '[calendars.office]\ntimezone = "Asia/Shanghai"\n'
        'holidays = { provider = "holidays", country = "CN", '
        f"last_known_year = {last_known_year} }}\n"
        '[clocks.handling]\nstart = "report"\nstop = "mark_handled"\n'
        'calendar = "office"\ndue = "3wd"\nwarn_at = [0.5]\n'
    )


@pytest.fixture(params=["memory", "sqlite", "postgres"])
def store(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Store]:
    if request.param == "memory":
        yield InMemoryStore()
        return
    if request.param == "sqlite":
        url = f"sqlite:///{tmp_path / 'gridgov.db'}"
        with SqlStore(url) as sqlite:
            sqlite.upgrade()
            yield sqlite
        return
    for url in pg_schema_url(request.getfixturevalue("postgres_url")):
        with SqlStore(url) as pg:
            pg.upgrade()
            yield pg


def _engine(store: Store, last_known_year: int, clock: ManualClock) -> Engine:
    return Engine(store=store, directory=DIRECTORY, sla=_policy(last_known_year), clock=clock)


def _stored_years(store: Store, ticket_id: str) -> list[list[int]]:
    with store.unit_of_work() as uow:
        return [list(r.data["assumed_years"]) for r in uow.clocks.for_ticket(ticket_id)]


def test_advance_to_makes_provisional_deadlines_official_once_the_data_knows_the_year(
    store: Store,
) -> None:
    clock = ManualClock(DEC_30)
    ticket = _engine(store, 2026, clock).report(actor=RESIDENT, category="noise", area_code="ZM-01")
    assert _stored_years(store, ticket.id) == [[2027]]
    clock.advance(timedelta(minutes=1))
    upgraded = _engine(store, 2027, clock)  # a new process, after the upgrade
    assert upgraded.advance_to() == []  # nothing due yet
    assert _stored_years(store, ticket.id) == [[]]
    with store.unit_of_work() as uow:
        summary = uow.tickets.summary(ticket.id)
        (record,) = uow.clocks.for_ticket(ticket.id)
    assert summary.next_due_at is not None
    assert summary.next_due_at > DEC_30
    assert not record.data["assumed_years"]
    assert record.data["calendar_fingerprint"] == _policy(2027).calendars["office"].fingerprint


def test_advance_to_leaves_provisional_deadlines_alone_while_the_data_is_the_same(
    store: Store,
) -> None:
    clock = ManualClock(DEC_30)
    engine = _engine(store, 2026, clock)
    ticket = engine.report(actor=RESIDENT, category="noise", area_code="ZM-01")
    with store.unit_of_work() as uow:
        before = uow.clocks.for_ticket(ticket.id)
    engine.advance_to(DEC_30 + timedelta(minutes=1))
    with store.unit_of_work() as uow:
        assert uow.clocks.for_ticket(ticket.id) == before
        assert [r.ticket_id for r in uow.clocks.open_provisional()] == [ticket.id]
