"""``gridgov areas import FILE --db URL``: write a checked hierarchy into a database."""

from __future__ import annotations

from gridgov.grid import AreaFile
from gridgov.store._sql import SqlStore

__all__ = ["import_areas"]


def import_areas(url: str | None, loaded: AreaFile) -> int:
    """Insert or update the file's areas, levels and units, all in one transaction.

    The database must be migrated (``gridgov db upgrade``).  Areas already
    stored and absent from the file are kept: tickets may point at them.
    Returns how many areas were written.
    """
    store = SqlStore(url)
    try:
        return store.save_directory(loaded.directory)
    finally:
        store.close()
