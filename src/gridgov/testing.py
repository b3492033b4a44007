"""Test helpers for apps that embed gridgov: an in-memory store.

:class:`InMemoryStore` behaves like :class:`~gridgov.store.SqlStore` — the same
version checks (:class:`~gridgov.errors.ConcurrentUpdate`), the same hash chain,
the same queries — without a database, so an embedding app's tests stay fast::

    from gridgov import Engine
    from gridgov.testing import InMemoryStore

    engine = Engine(store=InMemoryStore(), areas=tree, ...)

It is thread-safe; a unit of work applies its changes atomically on ``commit()``.

For tests of stay-in-grid rules, :func:`simulate` runs a scenario (a file read with
:func:`load_scenario`, or a :class:`~gridgov.simulate.Scenario` built in Python)::

    from gridgov.testing import load_scenario, simulate

    result = simulate(load_scenario("hangzhou.toml"), days=30, seed=7)
    assert result.stay_in_grid_rate(tier="small") >= 0.9
"""

from __future__ import annotations

import threading
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from types import TracebackType
from typing import Any, Self

from gridgov.errors import ConcurrentUpdate, UnknownArea, UnknownTicket
from gridgov.grid import AreaTree, Directory, Unit
from gridgov.simulate import Scenario, load_scenario, simulate
from gridgov.store import (
    OPEN_STATUSES,
    AuditKey,
    ChainBreak,
    ClockCheck,
    ClockRecord,
    Keyring,
    LoadResult,
    Progress,
    TicketFilter,
    TicketLoad,
    TicketSummary,
    check_fields,
)
from gridgov.store.rows import (
    Head,
    TicketRows,
    actor_from_unit,
    area_of,
    area_path,
    category_from_row,
    category_rows,
    check_areas,
    check_new_events,
    check_ticket,
    checkpoint_breaks,
    checkpoint_row,
    clock_to_row,
    event_to_row,
    load_rows,
    merged_hierarchy,
    refuse_replace,
    summary_from_row,
    ticket_to_row,
    unique_loads,
)
from gridgov.workflow import Actor, Category, RoutingPolicy, Ticket, TicketEvent

__all__ = ["InMemoryStore", "InMemoryUnitOfWork", "Scenario", "load_scenario", "simulate"]

_ClockKey = tuple[str, str, int]
_FAR = datetime.max.replace(tzinfo=UTC)


@dataclass
class _Data:
    """What is committed: ticket rows, event rows (with hashes), clocks, areas."""

    tickets: dict[str, dict[str, Any]] = field(default_factory=dict)
    events: dict[str, list[dict[str, Any]]] = field(default_factory=dict)
    clocks: dict[_ClockKey, ClockRecord] = field(default_factory=dict)
    paths: dict[str, str] = field(default_factory=dict)
    tree: AreaTree | None = None
    units: dict[str, Unit] = field(default_factory=dict)
    people: dict[str, Actor] = field(default_factory=dict)
    categories: dict[str, tuple[Category, str | None]] = field(default_factory=dict)
    policies: dict[str, tuple[str, str, str]] = field(default_factory=dict)
    claimed: set[str] = field(default_factory=set)
    keyring: Keyring | None = None
    """Signs new events with its first key (None: unkeyed)."""
    last_event_id: int = 0
    checkpoints: list[dict[str, Any]] = field(default_factory=list)

    def append_events(self, ticket_id: str, rows: list[dict[str, Any]]) -> None:
        """Append committed event rows, numbered like ``ticket_events.id``."""
        for row in rows:
            self.last_event_id += 1
            row["id"] = self.last_event_id
        self.events.setdefault(ticket_id, []).extend(rows)

    @property
    def signing_key(self) -> AuditKey | None:
        return None if self.keyring is None else self.keyring.signing


class _Tickets:
    def __init__(self, data: _Data, lock: threading.RLock) -> None:
        self._data, self._lock = data, lock
        self.staged_rows: dict[str, dict[str, Any]] = {}
        self.staged_events: dict[str, list[dict[str, Any]]] = {}
        self.expected: dict[str, int] = {}
        self.claimed: set[str] = set()

    def _rows_of(self, ticket_id: str) -> list[dict[str, Any]]:
        with self._lock:
            committed = list(self._data.events.get(ticket_id, ()))
        return committed + self.staged_events.get(ticket_id, [])

    def events(self, ticket_id: str) -> list[TicketEvent]:
        check_fields(ticket_id=ticket_id)
        rows = self._rows_of(ticket_id)
        if not rows:
            raise UnknownTicket(ticket_id)
        return [
            TicketEvent.model_validate({k: r[k] for k in TicketEvent.model_fields}) for r in rows
        ]

    def get(self, ticket_id: str) -> Ticket:
        return Ticket.from_events(self.events(ticket_id))

    def _row(self, ticket_id: str) -> dict[str, Any] | None:
        if ticket_id in self.staged_rows:
            return self.staged_rows[ticket_id]
        with self._lock:
            return self._data.tickets.get(ticket_id)

    def record(
        self,
        ticket: Ticket,
        new_events: Sequence[TicketEvent],
        *,
        expected_version: int,
        next_due_at: datetime | None = None,
    ) -> None:
        check_new_events(ticket, new_events, expected_version)
        current = self._row(ticket.id)
        found = None if current is None else int(current["version"])
        if (found or 0) != expected_version:
            if found is None:
                raise UnknownTicket(ticket.id)
            raise ConcurrentUpdate(ticket.id, expected_version, found)
        if current is None:
            assert ticket.area_code is not None
            with self._lock:
                path = self._data.paths.get(ticket.area_code)
            if path is None:
                raise UnknownArea(ticket.area_code)
            created = new_events[0].at
        else:
            path, created = current["area_path"], current["created_at"]
        row = ticket_to_row(ticket, path=path, next_due_at=next_due_at, created_at=created)
        if current is not None:
            row["area_code"] = current["area_code"]
        prev_rows = self._rows_of(ticket.id)
        prev_hash = prev_rows[-1]["hash"] if prev_rows else None
        staged = self.staged_events.setdefault(ticket.id, [])
        for event in new_events:
            event_row = event_to_row(event, prev_hash, self._data.signing_key)
            prev_hash = event_row["hash"]
            staged.append(event_row)
        self.expected.setdefault(ticket.id, expected_version)
        self.staged_rows[ticket.id] = row

    def reschedule(
        self, ticket_id: str, *, expected_version: int, next_due_at: datetime | None
    ) -> None:
        current = self._row(ticket_id)
        if current is None:
            raise UnknownTicket(ticket_id)
        if current["version"] != expected_version:
            raise ConcurrentUpdate(ticket_id, expected_version, current["version"])
        self.expected.setdefault(ticket_id, expected_version)
        self.staged_rows[ticket_id] = {**current, "next_due_at": next_due_at}

    def summary(self, ticket_id: str) -> TicketSummary:
        check_fields(ticket_id=ticket_id)
        row = self._row(ticket_id)
        if row is None:
            raise UnknownTicket(ticket_id)
        return summary_from_row(row)

    def merged_into(self, ticket_id: str) -> list[str]:
        check_fields(ticket_id=ticket_id)
        with self._lock:
            rows = {**self._data.tickets, **self.staged_rows}
        return sorted(
            r["id"]
            for r in rows.values()
            if r["state"] == "merged" and (r["data"] or {}).get("merged_into") == ticket_id
        )

    def find(self, where: TicketFilter) -> list[TicketSummary]:
        with self._lock:
            rows = {**self._data.tickets, **self.staged_rows}
            prefix = None
            if where.within is not None:
                prefix = self._data.paths.get(where.within)
                if prefix is None:
                    raise UnknownArea(where.within)
        chosen = [
            r
            for r in rows.values()
            if (prefix is None or r["area_path"].startswith(prefix))
            and (not where.open_only or r["is_open"])
            and (where.assigned_unit is None or r["assigned_unit"] == where.assigned_unit)
            and (where.state is None or r["state"] == where.state)
            and (where.reporter_id is None or r["data"].get("reporter_id") == where.reporter_id)
            and (where.part_of is None or where.part_of in r["data"].get("co_units", ()))
            and (
                where.due_by is None
                or (r["next_due_at"] is not None and r["next_due_at"] <= where.due_by)
            )
        ]
        chosen.sort(key=lambda r: (r["next_due_at"] or _FAR, r["id"]))
        return [summary_from_row(r) for r in chosen[: where.limit]]

    def claim_due(self, moment: datetime, limit: int = 1) -> list[TicketSummary]:
        with self._lock:
            rows = {**self._data.tickets, **self.staged_rows}
            free = [
                r
                for r in rows.values()
                if r["next_due_at"] is not None
                and r["next_due_at"] <= moment
                and (r["id"] in self.claimed or r["id"] not in self._data.claimed)
            ]
            free.sort(key=lambda r: (r["next_due_at"], r["id"]))
            picked = free[:limit]
            for row in picked:
                self._data.claimed.add(row["id"])
                self.claimed.add(row["id"])
        return [summary_from_row(r) for r in picked]


class _Clocks:
    def __init__(self, data: _Data, lock: threading.RLock) -> None:
        self._data, self._lock = data, lock
        self.staged: dict[_ClockKey, ClockRecord] = {}

    def for_ticket(self, ticket_id: str) -> list[ClockRecord]:
        check_fields(ticket_id=ticket_id)
        with self._lock:
            merged = {**self._data.clocks, **self.staged}
        return [c for c in merged.values() if c.ticket_id == ticket_id]

    def put(self, clock: ClockRecord) -> None:
        self.staged[(clock.ticket_id, clock.clock, clock.cycle)] = clock

    def open_provisional(self) -> list[ClockRecord]:
        with self._lock:
            merged = {**self._data.clocks, **self.staged}
        return [
            c for c in merged.values() if c.status in OPEN_STATUSES and c.data.get("assumed_years")
        ]


class InMemoryUnitOfWork:
    """Stages changes; ``commit()`` checks versions again and applies them atomically."""

    def __init__(self, data: _Data, lock: threading.RLock) -> None:
        self._data, self._lock = data, lock
        self.tickets = _Tickets(data, lock)
        self.clocks = _Clocks(data, lock)

    def __enter__(self) -> Self:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.rollback()

    def commit(self) -> None:
        with self._lock:
            for ticket_id, expected in self.tickets.expected.items():
                row = self._data.tickets.get(ticket_id)
                found = 0 if row is None else int(row["version"])
                if found != expected:
                    raise ConcurrentUpdate(ticket_id, expected, found)
            self._data.tickets.update(self.tickets.staged_rows)
            for ticket_id, rows in self.tickets.staged_events.items():
                self._data.append_events(ticket_id, rows)
            self._data.clocks.update(self.clocks.staged)
        self.rollback()

    def rollback(self) -> None:
        with self._lock:
            self._data.claimed -= self.tickets.claimed
        self.tickets = _Tickets(self._data, self._lock)
        self.clocks = _Clocks(self._data, self._lock)


def _code(unit: Unit) -> str:
    return unit.code


class InMemoryStore:
    """A store that lives in this process only (for tests and demos)."""

    def __init__(self, *, keyring: Keyring | None = None) -> None:
        self._lock = threading.RLock()
        self._data = _Data(keyring=keyring)

    @property
    def keyring(self) -> Keyring | None:
        """The audit keys (None: the chain is unkeyed), as :class:`~gridgov.store.SqlStore`."""
        return self._data.keyring

    def __repr__(self) -> str:
        return f"InMemoryStore({len(self._data.tickets)} tickets)"

    def unit_of_work(self) -> InMemoryUnitOfWork:
        return InMemoryUnitOfWork(self._data, self._lock)

    def save_areas(self, tree: AreaTree) -> int:
        return self.save_directory(Directory(tree))

    def load_area_tree(self) -> AreaTree | None:
        return self._data.tree

    def save_directory(self, directory: Directory, *, replace: bool = False) -> int:
        with self._lock:
            data = self._data
            if replace:
                ticket_areas = (row["area_code"] for row in data.tickets.values())
                people = ((p.id, p.area_code, p.unit_code) for p in data.people.values())
                refuse_replace("<memory>", directory, ticket_areas, people)
                tree = directory.tree
                data.paths, data.units = {}, {}
            else:
                stored = list(data.tree) if data.tree is not None else []
                spec = data.tree.levels.spec() if data.tree is not None else None
                tree = merged_hierarchy("<memory>", stored, spec, directory.tree)
            data.paths.update({a.code: area_path(tree, a.code) for a in tree})
            data.tree = tree
            self.save_units(directory)
        return len(directory.tree)

    def save_units(self, units: Iterable[Unit]) -> int:
        units = list(units)
        with self._lock:
            for unit in units:
                if unit.area_code not in self._data.paths:
                    raise UnknownArea(unit.area_code)
            self._data.units.update({u.code: u for u in units})
        return len(units)

    def load_directory(self) -> Directory | None:
        with self._lock:
            if self._data.tree is None:
                return None
            return Directory(self._data.tree, sorted(self._data.units.values(), key=_code))

    def save_categories(self, routing: RoutingPolicy) -> int:
        rows = category_rows(routing)
        with self._lock:
            self._data.categories.update({r["code"]: category_from_row(r) for r in rows})
        return len(rows)

    def load_categories(self) -> list[tuple[Category, str | None]]:
        with self._lock:
            return list(self._data.categories.values())

    def save_people(self, people: Iterable[Actor]) -> int:
        people = list(people)
        with self._lock:
            self._data.people.update({a.id: a for a in people})
        return len(people)

    def find_actor(self, actor_id: str) -> Actor | None:
        with self._lock:
            if actor_id in self._data.people:
                return self._data.people[actor_id]
            unit = self._data.units.get(actor_id)
        return actor_from_unit(unit) if unit is not None else None

    def load_people(self) -> list[Actor]:
        with self._lock:
            return sorted(self._data.people.values(), key=lambda a: a.id)

    def record_policy(self, kind: str, name: str, fingerprint: str, body: str) -> None:
        with self._lock:
            if self._data.policies.get(kind, ("",))[0] != fingerprint:
                self._data.policies[kind] = (fingerprint, name, body)

    def recorded_policy(self, kind: str) -> tuple[str, str] | None:
        with self._lock:
            found = self._data.policies.get(kind)
        return None if found is None else (found[1], found[2])

    def load_tickets(self, batch: Iterable[TicketLoad]) -> LoadResult:
        loads, repeats = unique_loads(batch)
        with self._lock:
            fresh = [load for load in loads if load.ticket.id not in self._data.tickets]
            check_areas(fresh, self._data.paths)
            key = self._data.signing_key
            prepared = [load_rows(load, self._data.paths[area_of(load)], key) for load in fresh]
            for rows, load in zip(prepared, fresh, strict=True):
                self._data.tickets[load.ticket.id] = rows.ticket
                self._data.append_events(load.ticket.id, rows.events)
                self._data.clocks.update({(c.ticket_id, c.clock, c.cycle): c for c in load.clocks})
        written = tuple(load.ticket.id for load in fresh)
        stored = set(written)
        already = tuple(load.ticket.id for load in loads if load.ticket.id not in stored)
        return LoadResult(written, already + tuple(repeats))

    def verify(
        self, *, clocks: ClockCheck | None = None, progress: Progress | None = None
    ) -> list[ChainBreak]:
        with self._lock:
            ticket_rows = dict(self._data.tickets)
            paths = dict(self._data.paths)
            events = {tid: list(rows) for tid, rows in self._data.events.items()}
            clock_rows: dict[str, list[dict[str, Any]]] = {}
            for key in sorted(self._data.clocks):
                clock_rows.setdefault(key[0], []).append(clock_to_row(self._data.clocks[key]))
        breaks = []
        done = 0
        for ticket_id in sorted(ticket_rows.keys() | events.keys()):
            rows = TicketRows(
                ticket_id,
                ticket_rows.get(ticket_id),
                events.get(ticket_id, []),
                clock_rows.get(ticket_id, []),
            )
            broken = check_ticket(rows, self.keyring, clocks, paths)
            if broken is not None:
                breaks.append(broken)
            if ticket_id in ticket_rows:
                done += 1
                if progress is not None:
                    progress(done, len(ticket_rows))
        with self._lock:
            checkpoints = list(self._data.checkpoints)
        if checkpoints:
            heads, count = self._heads(checkpoints[-1]["last_event_id"])
            breaks.extend(checkpoint_breaks(checkpoints, self.keyring, heads, count))
        return breaks

    def checkpoint(self, *, at: datetime) -> dict[str, Any]:
        with self._lock:
            heads, count = self._heads(self._data.last_event_id)
            previous = self._data.checkpoints[-1]["hash"] if self._data.checkpoints else None
            row = checkpoint_row(
                taken_at=at,
                last_event_id=self._data.last_event_id,
                events=count,
                heads=heads,
                prev_hash=previous,
                key=self._data.signing_key,
            )
            row["id"] = len(self._data.checkpoints) + 1
            self._data.checkpoints.append(row)
        return dict(row)

    def _heads(self, last_event_id: int) -> tuple[list[Head], int]:
        heads: list[Head] = []
        count = 0
        with self._lock:
            for ticket_id, rows in self._data.events.items():
                upto = [r for r in rows if r.get("id", 0) <= last_event_id]
                count += len(upto)
                if upto:
                    top = max(upto, key=lambda r: int(r["seq"]))
                    heads.append((ticket_id, int(top["seq"]), top["hash"]))
        return heads, count

    def close(self) -> None:
        """Nothing to release."""
