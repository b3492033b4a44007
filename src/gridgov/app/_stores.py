"""Where a store is built from a URL: :func:`open_store`, used by every entry point."""

from __future__ import annotations

from gridgov.store import Keyring, SqlStore

__all__ = ["open_store"]


def open_store(url: str | None = None, *, keyring: Keyring | None = None) -> SqlStore:
    """The SQL store at ``url`` (else ``$GRIDGOV_DATABASE_URL``, else ``sqlite:///gridgov.db``).

    Its audit keys are ``keyring``, else those in ``$GRIDGOV_AUDIT_KEY_FILE`` or
    ``$GRIDGOV_AUDIT_KEY``, else none (an unkeyed chain: see
    docs/reference/security.md).

    Nothing connects until first use; ``close()`` (or ``with``) disposes the
    connections.
    """
    return SqlStore(url, keyring=keyring if keyring is not None else Keyring.from_env())
