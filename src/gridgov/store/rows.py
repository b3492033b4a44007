"""What every :class:`~gridgov.store.Store` implementation shares (存储实现的共用件).

:class:`~gridgov.store.SqlStore` and :class:`~gridgov.testing.InMemoryStore` keep
tickets as the same rows, so they convert, check and load them with the same
functions: the row ↔ domain mappings (the only ones), the bulk-load checks,
the hash-chain check on new events and the whole-ticket check of ``verify``.  A
third store implementation imports them from here; an embedding app does not
need them.
"""

from gridgov.store._bulk import area_of, check_areas, collector_paused, load_rows, unique_loads
from gridgov.store._checkpoints import Head, checkpoint_breaks, checkpoint_row
from gridgov.store._hierarchy import merged_hierarchy, refuse_replace
from gridgov.store._mapping import (
    actor_from_unit,
    area_path,
    category_from_row,
    category_rows,
    clock_to_row,
    event_to_row,
    summary_from_row,
    ticket_to_row,
)
from gridgov.store._sql_repos import check_new_events
from gridgov.store._verify import TicketRows, check_ticket

__all__ = [
    "Head",
    "TicketRows",
    "actor_from_unit",
    "area_of",
    "area_path",
    "category_from_row",
    "category_rows",
    "check_areas",
    "check_new_events",
    "check_ticket",
    "checkpoint_breaks",
    "checkpoint_row",
    "clock_to_row",
    "collector_paused",
    "event_to_row",
    "load_rows",
    "merged_hierarchy",
    "refuse_replace",
    "summary_from_row",
    "ticket_to_row",
    "unique_loads",
]

from gridgov._public import publish

publish(globals())
