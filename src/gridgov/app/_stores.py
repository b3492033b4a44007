"""Where a store is built from a URL: :func:`open_store`, used by every entry point."""

from __future__ import annotations

from gridgov.store import SqlStore

__all__ = ["open_store"]


def open_store(url: str | None = None) -> SqlStore:
    """The SQL store at ``url`` (else ``$GRIDGOV_DATABASE_URL``, else ``sqlite:///gridgov.db``).

    Nothing connects until first use; ``close()`` (or ``with``) disposes the
    connections.
    """
    return SqlStore(url)
