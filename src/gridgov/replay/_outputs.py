"""The files a replay writes: checked before it runs, and a failed write named.

A replay of a million rows takes minutes; a report that cannot be written must
be refused before them, not after.  :func:`check_output` refuses a suffix the
writer does not write (``tickets.xlsx`` is not silently CSV), a folder that does
not exist, and a file or folder that cannot be written.  A disk that fills up
(or ``/dev/full``) can only show itself when written to: :func:`writing` turns the
``OSError`` into an :class:`~gridgov.errors.OutputFileError` naming the file.
"""

from __future__ import annotations

import os
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path

from gridgov.errors import OutputFileError

__all__ = [
    "REJECT_SUFFIXES",
    "REPORT_SUFFIXES",
    "TICKET_SUFFIXES",
    "check_output",
    "writing",
]

TICKET_SUFFIXES = (".csv", ".jsonl", ".ndjson")
"""``--tickets-out``: CSV, or JSON Lines (one object a line; not a JSON document)."""
REPORT_SUFFIXES = (".json", ".csv", ".html", ".htm")
REJECT_SUFFIXES = (".csv",)


def check_output(path: str | Path, suffixes: Sequence[str], *, option: str) -> None:
    """Refuse ``path`` unless a file with one of ``suffixes`` can be written there."""
    path = Path(path)
    name = str(path)
    suffix = path.suffix.lower()
    if suffix not in suffixes:
        said = f"{suffix!r} is not a format written here" if suffix else "the name has no suffix"
        expected = (
            f"{', '.join(suffixes[:-1])} or {suffixes[-1]}" if len(suffixes) > 1 else suffixes[0]
        )
        raise OutputFileError(name, f"{said}: expected {expected}", option=option)
    folder = path.parent
    if path.is_dir():
        raise OutputFileError(name, "it is a folder: expected a file name", option=option)
    if not folder.is_dir():
        raise OutputFileError(name, f"there is no folder {str(folder)!r}", option=option)
    if path.exists():
        if not os.access(path, os.W_OK):
            raise OutputFileError(name, "the file is not writable", option=option)
    elif not os.access(folder, os.W_OK | os.X_OK):
        raise OutputFileError(name, f"the folder {str(folder)!r} is not writable", option=option)


@contextmanager
def writing(path: str | Path, *, option: str) -> Iterator[None]:
    """Turn an ``OSError`` while writing ``path`` into an :class:`OutputFileError`."""
    try:
        yield
    except OSError as exc:
        raise OutputFileError(str(path), exc.strerror or str(exc), option=option) from exc
