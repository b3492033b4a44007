"""Ticket ids a replay has already met, each with its line, in bounded memory.

A snapshot rejects a second row with a ticket id already met, naming the line of
the first; an event log rejects an event of a case that already ended, naming the
line it ended on.  Both must remember every finished id until the end of the
file: in a dict that is about 130 bytes an id, most of a replay's memory at a
million tickets.

:class:`SeenIds` keeps the most recent ids in a dict.  When the dict is full, its
ids are spilled in one batch to a temporary SQLite index on disk, and each sets a
few bits of a fixed-size Bloom filter in memory.  Looking up an id never met —
nearly every lookup — stops at the dict and the filter; only a filter hit (a real
repeat, or a rare false positive) asks the disk, which answers exactly.  Memory
is the dict's bound plus the filter, whatever the length of the file.

The index lives in a temporary directory made at the first spill (a file with
fewer ids than the bound never touches the disk) and removed by :meth:`SeenIds.close`;
use the set in a ``with`` block.  Beyond the bound an id costs about 1.5 µs more
than in a plain dict (its Bloom bits, its row in SQLite, the filter asked before
the disk): a few percent of replaying its ticket.  The sizes, :data:`RECENT_IDS`
and :data:`BLOOM_BYTES`, were chosen by measuring (see their notes).
"""

from __future__ import annotations

import sqlite3
import tempfile
from pathlib import Path
from types import TracebackType

from gridgov.errors import GridGovError

__all__ = ["BLOOM_BYTES", "RECENT_IDS", "SeenIds"]

RECENT_IDS = 100_000
"""Ids kept in the dict before a spill: about 13 MB (tracemalloc: ~130 bytes an id like
``SYN00000001``, key and slot) plus, once spilled, the 8 MiB filter.  Smaller batches
are no slower (a million ids: 1.6 s in batches of 5,000, 2.0 s of 100,000), so a smaller
bound would save a few MB; this one keeps files of fewer than 100,000 tickets (Boston's half
year: 58,119) entirely in memory, with no filter, no disk and no cost at all."""

BLOOM_BYTES = 1 << 23
"""The Bloom filter: 8 MiB, 2**26 bits, two probes an id.  An id never met asks the disk
once in 1,200 lookups after 1 million spilled ids (measured: 0.00084; theory
(1 - e^(-2n/m))^2 = 0.00086), once in 15 after 10 million: the answer stays exact, only
the disk is asked more often.  Two probes cost less Python than three; the hash of a
64-bit build gives both (bits 0-25 and 32-57)."""


class SeenIds:
    """Ids already met, each with the line it was recorded at; exact, in bounded memory.

    ``recent`` ids stay in memory; the rest go to a temporary SQLite index under
    ``directory`` (the system's temporary directory by default).  Tests pass a tiny
    ``recent`` to exercise the disk.
    """

    def __init__(
        self,
        *,
        recent: int = RECENT_IDS,
        bloom_bytes: int = BLOOM_BYTES,
        directory: str | Path | None = None,
    ) -> None:
        if recent < 1:
            raise ValueError(f"recent must be at least 1, not {recent}")
        if not 0 < bloom_bytes <= 1 << 29 or bloom_bytes & (bloom_bytes - 1):
            raise ValueError(f"bloom_bytes must be a power of two up to 2**29, not {bloom_bytes}")
        self._limit = recent
        self._bloom_bytes = bloom_bytes
        self._parent = directory
        self._recent: dict[str, int] = {}
        self._bloom: bytearray | None = None  # made at the first spill, with the index
        self._mask = bloom_bytes * 8 - 1
        self._db: sqlite3.Connection | None = None
        self._dir: tempfile.TemporaryDirectory[str] | None = None
        self.spilled = 0
        """How many ids are on disk."""

    def __enter__(self) -> SeenIds:
        return self

    def __exit__(
        self,
        kind: type[BaseException] | None,
        error: BaseException | None,
        trace: TracebackType | None,
    ) -> None:
        self.close()

    def __len__(self) -> int:
        return len(self._recent) + self.spilled

    @property
    def directory(self) -> Path | None:
        """The temporary directory of the on-disk index; ``None`` before the first spill."""
        return None if self._dir is None else Path(self._dir.name)

    def line_of(self, tid: str) -> int | None:
        """The line recorded for ``tid``, or ``None`` if it was never added."""
        line = self._recent.get(tid)
        if line is not None or self._bloom is None:
            return line
        # the Bloom filter: two probes from independent bits of one hash (a str caches
        # its hash, so the dict lookup already paid for it); a clear bit means "never spilled"
        bits, mask, h = self._bloom, self._mask, hash(tid)
        one, two = h & mask, (h >> 32) & mask
        if not (bits[one >> 3] & (1 << (one & 7)) and bits[two >> 3] & (1 << (two & 7))):
            return None
        assert self._db is not None
        row = self._db.execute("SELECT line FROM seen WHERE id = ?", (tid,)).fetchone()
        return None if row is None else int(row[0])

    def first_of(self, tid: str, line: int) -> int | None:
        """The line ``tid`` was recorded at; if it never was, ``None``, and it is recorded
        at ``line`` now."""
        first = self.line_of(tid)
        if first is None:
            self.add(tid, line)
        return first

    def first_of_many(
        self, tids: list[str], lines: list[int], asked: list[bool]
    ) -> list[int | None]:
        """:meth:`first_of` of each ``(tid, line)`` whose ``asked`` is true, in order (a
        repeat within them is found too); ``None`` for the others."""
        out: list[int | None] = []
        append = out.append
        recent, first_of = self._recent, self.first_of
        for tid, line, ask in zip(tids, lines, asked, strict=True):
            if not ask:
                append(None)
            elif self._bloom is None and len(recent) < self._limit - 1:
                found = recent.get(tid)  # the usual case, inline: in memory, no spill due
                if found is None:
                    recent[tid] = line
                append(found)
            else:
                append(first_of(tid, line))
                recent = self._recent  # a spill starts a new dict
        return out

    def add(self, tid: str, line: int) -> None:
        """Record ``tid`` at ``line``; ``tid`` must not be recorded yet (ask :meth:`line_of`)."""
        recent = self._recent
        recent[tid] = line
        if len(recent) >= self._limit:
            self._spill()

    def close(self) -> None:
        """Forget every id and remove the on-disk index (safe to call twice)."""
        self._recent = {}
        self._bloom = None
        self.spilled = 0
        try:
            if self._db is not None:
                self._db.close()
        finally:
            self._db = None
            if self._dir is not None:
                self._dir.cleanup()
                self._dir = None

    def _spill(self) -> None:
        """Move the ids of the dict to the on-disk index and the filter."""
        try:
            self._write()
        except (OSError, sqlite3.Error) as exc:
            where = self._parent or tempfile.gettempdir()
            raise GridGovError(
                f"cannot keep finished ticket ids in a temporary index under {where}: {exc} "
                "(point TMPDIR, or ReplayOptions.spill_dir, at a directory with room)"
            ) from exc

    def _write(self) -> None:
        db = self._db if self._db is not None else self._open()
        bits, mask, recent = self._bloom, self._mask, self._recent
        assert bits is not None
        for h in map(hash, recent):
            one, two = h & mask, (h >> 32) & mask  # the probes of line_of
            bits[one >> 3] |= 1 << (one & 7)
            bits[two >> 3] |= 1 << (two & 7)
        tids = sorted(recent)  # in key order the B-tree fills page by page (2x faster, random ids)
        rows = zip(tids, map(recent.get, tids), strict=True)  # no Python frame per row
        with db:  # one transaction
            db.executemany("INSERT INTO seen VALUES (?, ?)", rows)
        self.spilled += len(recent)
        self._recent = {}

    def _open(self) -> sqlite3.Connection:
        self._dir = tempfile.TemporaryDirectory(prefix="gridgov-seen-", dir=self._parent)
        self._db = db = sqlite3.connect(Path(self._dir.name) / "seen.sqlite3")
        db.execute("PRAGMA journal_mode = OFF")  # a scratch index: no rollback, no fsync
        db.execute("PRAGMA synchronous = OFF")
        db.execute("CREATE TABLE seen (id TEXT PRIMARY KEY, line INTEGER NOT NULL) WITHOUT ROWID")
        self._bloom = bytearray(self._bloom_bytes)
        return db
