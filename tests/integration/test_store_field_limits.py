"""No store lets a raw driver error out for a value it cannot hold (issue 13, item 3).

SQLite stores a 65-character id or a NUL byte; PostgreSQL refuses them with a
``DataError``.  Every store refuses them the same way, with :class:`InvalidValue`.
"""

from __future__ import annotations

import pytest

from gridgov import Engine
from gridgov.clock import ManualClock
from gridgov.errors import InvalidValue
from gridgov.grid import Directory
from gridgov.store import Store
from gridgov.store._limits import FIELD_LIMITS
from gridgov.store._schema import tickets
from gridgov.workflow import Actor
from tests.integration._store_harness import T0, TREE, pg_store, pg_url, store

__all__ = ["pg_store", "pg_url", "store"]

RESIDENT = Actor("r1", "resident", "ZM-01-01")


@pytest.fixture
def engine(store: Store) -> Engine:
    return Engine(store=store, directory=Directory(TREE), clock=ManualClock(T0))


def test_the_limits_are_the_schema_column_lengths() -> None:
    assert FIELD_LIMITS["ticket_id"] == getattr(tickets.c.id.type, "length", None) == 64


@pytest.mark.parametrize("ticket_id", ["a\x00b", "X" * 65])
def test_getting_an_unstorable_id_is_invalid_value(engine: Engine, ticket_id: str) -> None:
    with pytest.raises(InvalidValue) as caught:
        engine.get(ticket_id)
    assert caught.value.field == "ticket_id"


@pytest.mark.parametrize("ticket_id", ["a\x00b", "X" * 65])
def test_reporting_an_unstorable_id_is_invalid_value(engine: Engine, ticket_id: str) -> None:
    with pytest.raises(InvalidValue, match="ticket_id"):
        engine.report(actor=RESIDENT, category="noise", area_code="ZM-01-01", ticket_id=ticket_id)
    assert engine.tickets(open_only=False) == []


def test_a_64_character_id_is_stored(engine: Engine) -> None:
    view = engine.report(actor=RESIDENT, category="noise", area_code="ZM-01-01", ticket_id="X" * 64)
    assert engine.get(view.id).id == "X" * 64
