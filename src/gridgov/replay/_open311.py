"""Open311 GeoReport v2 (the format many cities publish their 311 requests in), out and in.

Out (``--open311-out FILE.json``): the replayed tickets as the JSON list of
``service_requests`` that GeoReport v2's ``GET requests.json`` returns, one request a
line — ``service_request_id``, ``status`` (``open``/``closed``), ``status_notes`` (the
ticket's final state), ``service_code`` and ``service_name`` (the category),
``agency_responsible`` (the unit), ``requested_datetime`` (opened), ``updated_datetime``
(its last event), ``expected_datetime`` (the due time) — and, as GeoReport's
``extended_attributes``, the ticket's ``area``, ``channel``, ``tier`` and ``on_time``.

In (``gridgov open311 import``): such a list is a snapshot source read through the
built-in mapping :data:`OPEN311_MAPPING` (``format = "open311"``).  Each request is a
record whose fields are its keys, ``extended_attributes.KEY`` for an extended attribute,
and ``closed_datetime``: the ``updated_datetime`` of a closed request (GeoReport has no
closing time of its own).  A record's line is the line its request starts on.
"""

from __future__ import annotations

import contextlib
import json
from collections.abc import Iterator, Sequence
from datetime import datetime
from importlib.resources import files
from pathlib import Path
from typing import IO, Any

from gridgov.errors import InvalidInput, OutputFileError, Problem
from gridgov.replay._engine import TicketOutcome
from gridgov.replay._outputs import OPEN311_SUFFIXES, check_output, writing

__all__ = ["OPEN311_MAPPING", "Open311Writer", "open311_records", "service_request"]

OPEN311_MAPPING = Path(str(files("gridgov") / "samples" / "open311" / "mapping.toml"))
"""The built-in mapping of an Open311 GeoReport v2 list (``gridgov open311 import``)."""
_OPTION = "--open311-out"
_WHITESPACE = " \t\r\n"


def _time(value: datetime | None) -> str | None:
    return None if value is None else value.isoformat()


def service_request(t: TicketOutcome) -> dict[str, Any]:
    """One ticket as a GeoReport v2 service request (JSON-able)."""
    return {
        "service_request_id": t.ticket_id,
        "status": "closed" if t.closed_at is not None else "open",
        "status_notes": t.final_state,
        "service_name": t.category,
        "service_code": t.category,
        "agency_responsible": t.unit or None,
        "requested_datetime": _time(t.opened_at),
        "updated_datetime": _time(t.updated_at or t.closed_at or t.opened_at),
        "expected_datetime": _time(t.due_at),
        "extended_attributes": {
            "area": t.area or None,
            "channel": t.channel or None,
            "tier": t.tier,
            "on_time": t.on_time,
        },
    }


class Open311Writer:
    """Writes service requests made by :func:`service_request` to ``path`` (``.json``): a
    JSON list, one request a line.  A failed write is an :class:`OutputFileError`."""

    def __init__(self, path: str | Path) -> None:
        self.path = Path(path)
        check_output(self.path, OPEN311_SUFFIXES, option=_OPTION)
        self._first = True
        with writing(self.path, option=_OPTION):
            self._file: IO[str] = open(self.path, "w", encoding="utf-8", newline="")  # noqa: SIM115
            try:
                self._file.write("[")
                self._file.flush()  # a full disk shows now, not after the replay
            except OSError:
                self._abandon()
                raise

    def write(self, outcome: TicketOutcome) -> None:
        """Write one ticket."""
        self.write_row(service_request(outcome))

    def write_row(self, row: dict[str, Any]) -> None:
        """Write one request made by :func:`service_request`."""
        try:
            self._file.write(("\n" if self._first else ",\n") + json.dumps(row, ensure_ascii=False))
        except OSError as exc:
            self._abandon()
            raise OutputFileError(str(self.path), exc.strerror or str(exc), option=_OPTION) from exc
        self._first = False

    def close(self) -> None:
        """End the list and close the file (safe to call twice)."""
        if self._file.closed:
            return
        with writing(self.path, option=_OPTION):
            try:
                self._file.write("\n]\n")
            finally:
                self._file.close()

    def _abandon(self) -> None:
        with contextlib.suppress(OSError):
            self._file.close()


def _fields(request: dict[str, Any]) -> dict[str, Any]:
    """A request's record: its keys, ``extended_attributes.KEY``, and ``closed_datetime``."""
    fields = {k: v for k, v in request.items() if k != "extended_attributes"}
    extended = request.get("extended_attributes")
    if isinstance(extended, dict):
        fields.update({f"extended_attributes.{k}": v for k, v in extended.items()})
    if str(request.get("status", "")).strip().lower() == "closed":
        fields["closed_datetime"] = request.get("updated_datetime")
    return fields


def _text(value: object) -> str:
    if value is None:
        return ""
    return value if isinstance(value, str) else json.dumps(value)


def open311_records(text: IO[str], wanted: Sequence[str], source: str) -> Iterator[Any]:
    """``(line, values)`` of each service request of a GeoReport v2 list in ``text``
    (the ``wanted`` fields in order; ``(line, reason)`` for an element that is no request).

    The document is read whole (a city's export is a few hundred MB at most) and walked
    request by request, so each record has the line it starts on.
    """
    document = text.read()
    decoder = json.JSONDecoder()
    at, line, counted = _skip(document, 0), 1, 0

    def line_at(position: int) -> int:
        nonlocal line, counted
        line += document.count("\n", counted, position)
        counted = position
        return line

    if not document.startswith("[", at):
        found = "an empty file" if at == len(document) else f"{document[at]!r}"
        raise InvalidInput(
            [
                Problem(
                    source,
                    f"not an Open311 GeoReport v2 list of service requests: expected a JSON "
                    f"list [...], found {found}",
                    line=line_at(at),
                )
            ]
        )
    at = _skip(document, at + 1)
    while not document.startswith("]", at):
        try:
            request, end = decoder.raw_decode(document, at)
        except json.JSONDecodeError as exc:
            problem = Problem(source, f"not valid JSON: {exc.msg}", line=exc.lineno)
            raise InvalidInput([problem]) from None
        start = line_at(at)
        if isinstance(request, dict):
            fields = _fields(request)
            yield start, tuple(_text(fields.get(w)) for w in wanted)
        else:
            found = type(request).__name__
            yield start, f"expected a service request (a JSON object), found {found}"
        at = _skip(document, end)
        if document.startswith(",", at):
            at = _skip(document, at + 1)
        elif not document.startswith("]", at):
            why = "the list ends without ']'" if at == len(document) else "expected ',' or ']'"
            raise InvalidInput([Problem(source, f"not valid JSON: {why}", line=line_at(at))])


def _skip(document: str, at: int) -> int:
    while at < len(document) and document[at] in _WHITESPACE:
        at += 1
    return at
