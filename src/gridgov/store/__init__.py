"""Where tickets live (存储): SQLite or PostgreSQL through SQLAlchemy 2.

- :class:`SqlStore` — the SQL store; :class:`~gridgov.testing.InMemoryStore` is
  the in-memory one for tests.  Both implement :class:`Store`: a
  :class:`UnitOfWork` with ``tickets`` (:class:`TicketRepository`) and
  ``clocks`` (:class:`ClockRepository`), and :meth:`~Store.load_tickets` for bulk
  loads of whole tickets (:class:`TicketLoad` → :class:`LoadResult`).
- :func:`resolve_url` — an argument, else ``GRIDGOV_DATABASE_URL``, else
  ``sqlite:///gridgov.db`` in the working directory.
- :func:`upgrade_database` / :func:`head_revision` — Alembic migrations shipped
  in the package (``gridgov db upgrade``).
- :func:`import_areas` / :func:`import_people` — write checked area and people
  files (``gridgov areas import``, ``gridgov people import``).
- :data:`FIELD_LIMITS` / :func:`field_problem` / :func:`check_fields` — what a stored
  text field may hold (lengths from the schema, no NUL), the same on every backend;
  replay checks rows with them at read time.
- :class:`ChainBreak` — what ``gridgov db verify`` reports for a ticket whose
  event hash chain, or a derived column, does not verify; :class:`Keyring` /
  :class:`AuditKey` — the HMAC keys that sign the chain (``$GRIDGOV_AUDIT_KEY_FILE``
  or ``$GRIDGOV_AUDIT_KEY``); :data:`ClockCheck` / :data:`Progress` — what
  :meth:`Store.verify` takes.

The domain packages never import this one; rows and domain objects are
converted explicitly in ``_mapping``.
"""

from gridgov.store._audit import (
    KEY_ENV,
    KEY_FILE_ENV,
    AuditKey,
    ChainBreak,
    Keyring,
    event_hash,
    verify_chain,
)
from gridgov.store._import import PeopleImport, import_areas, import_people
from gridgov.store._limits import FIELD_LIMITS, FORBIDDEN_CHARACTERS, check_fields, field_problem
from gridgov.store._migrate import current_revision, head_revision
from gridgov.store._migrate import upgrade as upgrade_database
from gridgov.store._ports import (
    OPEN_STATUSES,
    ClockRecord,
    ClockRepository,
    LoadResult,
    Store,
    TicketFilter,
    TicketLoad,
    TicketRepository,
    TicketSummary,
    UnitOfWork,
)
from gridgov.store._sql import SqlStore, SqlUnitOfWork
from gridgov.store._url import DEFAULT_URL, URL_ENV, connect, redact, resolve_url
from gridgov.store._verify import ClockCheck, Progress

__all__ = [
    "DEFAULT_URL",
    "FIELD_LIMITS",
    "FORBIDDEN_CHARACTERS",
    "KEY_ENV",
    "KEY_FILE_ENV",
    "OPEN_STATUSES",
    "URL_ENV",
    "AuditKey",
    "ChainBreak",
    "ClockCheck",
    "ClockRecord",
    "ClockRepository",
    "Keyring",
    "LoadResult",
    "PeopleImport",
    "Progress",
    "SqlStore",
    "SqlUnitOfWork",
    "Store",
    "TicketFilter",
    "TicketLoad",
    "TicketRepository",
    "TicketSummary",
    "UnitOfWork",
    "check_fields",
    "connect",
    "current_revision",
    "event_hash",
    "field_problem",
    "head_revision",
    "import_areas",
    "import_people",
    "redact",
    "resolve_url",
    "upgrade_database",
    "verify_chain",
]

from gridgov._public import publish

publish(globals())
