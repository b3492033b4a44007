"""On PostgreSQL, the application role of docs/reference/security.md runs gridgov and
cannot switch the append-only log off (issue 13, item 11)."""

from __future__ import annotations

import re
import uuid
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path

import pytest
from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url
from sqlalchemy.exc import DBAPIError

from gridgov import Engine
from gridgov.clock import ManualClock
from gridgov.grid import Directory, Unit, UnitKind
from gridgov.store import SqlStore
from gridgov.workflow import Actor
from tests.integration._store_harness import T0, TREE, pg_schema_url

pytestmark = pytest.mark.postgres

PAGE = Path(__file__).resolve().parents[2] / "docs" / "reference" / "security.md"
WORKER = Actor("W1", "grid_worker", "ZM-01", "W1")
RESIDENT = Actor("r1", "resident", "ZM-01-01")
UNITS = [
    Unit("W1", "王网格员", UnitKind.GRID_WORKER, "ZM-01"),
    Unit("ZM-office", "朱庙社区居委会", UnitKind.COMMUNITY_OFFICE, "ZM"),
]


def _documented_grants() -> list[str]:
    """The SQL block of the security page, one statement each."""
    [block] = re.findall(r"```sql\n(.*?)```", PAGE.read_text(encoding="utf-8"), re.S)
    lines = [line for line in block.splitlines() if not line.startswith("--")]
    return [s.strip() for s in "\n".join(lines).split(";") if s.strip()]


@pytest.fixture
def app_url(postgres_url: str) -> Iterator[str]:
    """A migrated schema owned by the test user, and a URL for the documented
    application role on it."""
    role = f"gg_app_{uuid.uuid4().hex[:8]}"
    for owner_url in pg_schema_url(postgres_url):
        owner = SqlStore(owner_url)
        owner.upgrade()
        schema = str(make_url(owner_url).query["options"]).removeprefix("-csearch_path=")
        with owner.engine.begin() as conn:
            for statement in _documented_grants():
                statement = statement.replace("gridgov_app", role).replace("'...'", "'app-pw'")
                conn.execute(text(statement.replace("SCHEMA public", f'SCHEMA "{schema}"')))
        owner.close()
        url = make_url(owner_url).set(username=role, password="app-pw")
        try:
            yield url.render_as_string(hide_password=False)
        finally:
            admin = create_engine(postgres_url)
            with admin.begin() as conn:
                conn.execute(text(f'DROP OWNED BY "{role}"'))
                conn.execute(text(f'DROP ROLE "{role}"'))
            admin.dispose()


def test_the_documented_application_role_runs_the_loop_and_its_timers(app_url: str) -> None:
    clock = ManualClock(T0)
    with Engine(store=SqlStore(app_url), directory=Directory(TREE, UNITS), clock=clock) as engine:
        ticket = engine.report(actor=RESIDENT, category="noise", area_code="ZM-01-01")
        engine.act(ticket.id, "accept", actor=WORKER)
        engine.act(ticket.id, "dispatch", actor=WORKER)
        assert engine.advance_to(T0 + timedelta(days=20))
        assert engine.verify() == []


@pytest.mark.parametrize(
    "statement",
    [
        "SET session_replication_role = replica",
        "ALTER TABLE ticket_events DISABLE TRIGGER USER",
        "DROP TRIGGER ticket_events_append_only ON ticket_events",
        "UPDATE ticket_events SET actor_id = 'mallory'",
        "DELETE FROM tickets",
        "TRUNCATE ticket_events",
    ],
)
def test_the_application_role_cannot_switch_the_append_only_log_off(
    app_url: str, statement: str
) -> None:
    engine = create_engine(app_url)
    try:
        with pytest.raises(DBAPIError), engine.begin() as conn:
            conn.execute(text(statement))
    finally:
        engine.dispose()
