"""The store's ports: what the Engine needs from any store (SQL or in memory).

A :class:`Store` hands out a :class:`UnitOfWork`; inside it, ``tickets`` and
``clocks`` read and stage changes, and ``commit()`` makes them durable all at
once.  Leaving the ``with`` block without committing rolls everything back.

Tickets are event-sourced: the log (:class:`~gridgov.workflow.TicketEvent`) is
the truth and the ticket row is a projection for queries, guarded by its
``version`` (the ``seq`` of its last event).
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from types import TracebackType
from typing import TYPE_CHECKING, Any, Protocol, Self

from pydantic import AwareDatetime, BaseModel, ConfigDict

from gridgov.grid import AreaTree, Directory, Unit
from gridgov.sla import ClockCycle
from gridgov.store._audit import ChainBreak

if TYPE_CHECKING:
    from gridgov.store._verify import ClockCheck, Progress
from gridgov.workflow import Actor, Category, RoutingPolicy, Ticket, TicketEvent

__all__ = [
    "OPEN_STATUSES",
    "ClockRecord",
    "ClockRepository",
    "LoadResult",
    "Store",
    "TicketFilter",
    "TicketLoad",
    "TicketRepository",
    "TicketSummary",
    "UnitOfWork",
]


class TicketSummary(BaseModel):
    """One ticket as the list views show it (工单概要): a row of the ``tickets`` table."""

    model_config = ConfigDict(frozen=True)

    id: str
    state: str
    is_open: bool
    area_code: str
    category: str | None
    tier: str | None
    stayed_in_grid: bool | None = None
    """小事不出网格, as the routing policy judged it when the ticket was last written."""
    assigned_unit: str | None
    version: int
    next_due_at: AwareDatetime | None
    created_at: AwareDatetime
    updated_at: AwareDatetime


@dataclass(frozen=True, slots=True)
class TicketFilter:
    """Which tickets a query wants; every field narrows it.

    ``within`` is an area code: the area itself and everything below it.
    ``reporter_id`` keeps the tickets someone reported (a resident's own: stored with
    each ticket's row; schema revision 0004 added it to rows written before).
    ``part_of`` keeps the joint tickets a unit has a part in (协办: the co-units of the
    current joint dispatch, kept in each ticket row's ``data`` as ``co_units``).
    """

    within: str | None = None
    assigned_unit: str | None = None
    state: str | None = None
    open_only: bool = True
    due_by: datetime | None = None
    limit: int = 100
    reporter_id: str | None = None
    part_of: str | None = None


OPEN_STATUSES = ("running", "paused")
"""The statuses of a clock cycle still open (:attr:`ClockRecord.status`)."""


@dataclass(frozen=True, slots=True)
class ClockRecord:
    """One cycle of one SLA clock of one ticket (时限计时), as stored.

    ``status`` is ``running``, ``paused``, or how the cycle ended (``met``,
    ``breached``, ``cancelled``); ``breached`` stays True once the breach was
    announced.  ``data`` is the SLA engine's own record of the cycle.
    """

    ticket_id: str
    clock: str
    cycle: int
    status: str
    breached: bool
    started_at: datetime
    due_at: datetime
    fingerprint: str
    stopped_at: datetime | None = None
    data: dict[str, Any] = field(default_factory=dict)

    @classmethod
    def from_cycle(cls, ticket_id: str, cycle: ClockCycle) -> ClockRecord:
        """The record of ``cycle`` (the live engine's and replay's ``--db`` alike): its
        :meth:`ClockCycle.summary <gridgov.sla.ClockCycle.summary>` as columns, its whole
        state as ``data``."""
        summary = cycle.summary()
        return cls(
            ticket_id=ticket_id,
            fingerprint=cycle.policy_fingerprint,
            data=cycle.to_dict(),
            **{name: summary[name] for name in _SUMMARY_COLUMNS},
        )


_SUMMARY_COLUMNS = ("clock", "cycle", "status", "breached", "started_at", "due_at", "stopped_at")
"""The cycle's summary fields a record keeps as columns (the rest is in ``data``)."""


@dataclass(frozen=True, slots=True)
class TicketLoad:
    """One whole ticket for a bulk load (批量导入): its state, its complete event log
    from ``seq`` 1 up to ``ticket.version``, and its SLA clock cycles.

    ``ticket`` is the fold of ``events`` (as :meth:`TicketRepository.record` is given
    it); ``next_due_at`` is the ticket's next timer, as ``record`` takes it.
    """

    ticket: Ticket
    events: Sequence[TicketEvent]
    next_due_at: datetime | None = None
    clocks: Sequence[ClockRecord] = ()


@dataclass(frozen=True, slots=True)
class LoadResult:
    """What a bulk load did: the ids it stored and those already there (left as they were)."""

    written: tuple[str, ...]
    already_there: tuple[str, ...]


class TicketRepository(Protocol):
    """Tickets and their event logs, inside one unit of work."""

    def get(self, ticket_id: str) -> Ticket:
        """The ticket folded from its events; :class:`UnknownTicket` if there is none."""
        ...

    def events(self, ticket_id: str) -> list[TicketEvent]:
        """The ticket's events in ``seq`` order; :class:`UnknownTicket` if there is none."""
        ...

    def record(
        self,
        ticket: Ticket,
        new_events: Sequence[TicketEvent],
        *,
        expected_version: int,
        next_due_at: datetime | None = None,
    ) -> None:
        """Append ``new_events`` and update the ticket's row to ``ticket``.

        ``expected_version`` is the version the change was computed from (0 for
        a new ticket); if the stored ticket moved on, :class:`ConcurrentUpdate`.
        """
        ...

    def reschedule(
        self, ticket_id: str, *, expected_version: int, next_due_at: datetime | None
    ) -> None:
        """Move the ticket's next due moment without an event (a warning fired);
        :class:`ConcurrentUpdate` if the ticket is no longer at ``expected_version``."""
        ...

    def summary(self, ticket_id: str) -> TicketSummary:
        """The ticket's row; :class:`UnknownTicket` if there is none."""
        ...

    def find(self, where: TicketFilter) -> list[TicketSummary]:
        """Tickets matching ``where``, most urgent (earliest due) first."""
        ...

    def merged_into(self, ticket_id: str) -> list[str]:
        """The ids of the tickets merged into this one (合并), sorted."""
        ...

    def claim_due(self, moment: datetime, limit: int = 1) -> list[TicketSummary]:
        """Up to ``limit`` tickets with ``next_due_at <= moment``, earliest first, locked
        for this unit of work; tickets another worker holds are skipped (``SKIP LOCKED``)."""
        ...


class ClockRepository(Protocol):
    """SLA clock cycles, inside one unit of work."""

    def for_ticket(self, ticket_id: str) -> list[ClockRecord]:
        """Every clock cycle of the ticket, in the order they were first stored."""
        ...

    def put(self, clock: ClockRecord) -> None:
        """Insert or replace the cycle (``ticket_id``, ``clock``, ``cycle``)."""
        ...

    def open_provisional(self) -> list[ClockRecord]:
        """Every open cycle (running or paused) whose due time was computed on a
        provisional calendar (its data's ``assumed_years`` is not empty)."""
        ...


class UnitOfWork(Protocol):
    """One transaction: commit it, or everything it staged is dropped."""

    @property
    def tickets(self) -> TicketRepository:
        """Tickets and events, in this transaction."""
        ...

    @property
    def clocks(self) -> ClockRepository:
        """SLA clock cycles, in this transaction."""
        ...

    def __enter__(self) -> Self: ...

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None: ...

    def commit(self) -> None: ...

    def rollback(self) -> None: ...


class Store(Protocol):
    """Where tickets live: :class:`~gridgov.store.SqlStore` or
    :class:`~gridgov.testing.InMemoryStore`."""

    def unit_of_work(self) -> UnitOfWork:
        """A new unit of work (use it in a ``with`` block)."""
        ...

    def save_areas(self, tree: AreaTree) -> int:
        """Insert or update every area of ``tree`` and its levels; return how many areas."""
        ...

    def load_area_tree(self) -> AreaTree | None:
        """The stored hierarchy, or None when no areas were imported."""
        ...

    def save_directory(self, directory: Directory, *, replace: bool = False) -> int:
        """Its areas, levels and units in one transaction; returns how many areas.

        They are merged into the stored hierarchy; when the database holds another
        one (the two make no hierarchy under the directory's levels), nothing is
        written and :class:`~gridgov.errors.HierarchyConflict` says so.
        ``replace=True`` replaces the stored areas and units instead, unless
        tickets are stored or a stored person's area or unit would go."""
        ...

    def save_units(self, units: Iterable[Unit]) -> int:
        """Insert or update units (their areas must be stored); return how many."""
        ...

    def load_directory(self) -> Directory | None:
        """The stored hierarchy with its units, or None when no areas were imported."""
        ...

    def save_categories(self, routing: RoutingPolicy) -> int:
        """Insert or update the routing policy's categories with their tiers; how many."""
        ...

    def load_categories(self) -> list[tuple[Category, str | None]]:
        """Every stored category with its tier, parents first."""
        ...

    def save_people(self, people: Iterable[Actor]) -> int:
        """Insert or update the people who act on tickets; return how many."""
        ...

    def find_actor(self, actor_id: str) -> Actor | None:
        """A stored person, else a stored unit acting as itself, else None."""
        ...

    def load_people(self) -> list[Actor]:
        """Every stored person (not the units), by id."""
        ...

    def record_policy(self, kind: str, name: str, fingerprint: str, body: str) -> None:
        """Remember a policy (``sla``, ``routing``, ``levels``) by fingerprint, once;
        it becomes the latest of its kind."""
        ...

    def recorded_policy(self, kind: str) -> tuple[str, str] | None:
        """The name and body of the latest policy of ``kind`` recorded, or None."""
        ...

    def load_tickets(self, batch: Iterable[TicketLoad]) -> LoadResult:
        """Store every ticket of ``batch`` not stored yet, in one transaction.

        The ticket rows, events (with the same hash chain as
        :meth:`TicketRepository.record`) and clock cycles go in as a few bulk
        inserts.  A ticket already stored — or repeated in the batch — is left as
        it is, so loading the same tickets again adds nothing.  An area that is not
        stored raises :class:`UnknownArea` and nothing of the batch is kept.
        """
        ...

    def verify(
        self, *, clocks: ClockCheck | None = None, progress: Progress | None = None
    ) -> list[ChainBreak]:
        """Check every ticket; one entry per broken ticket, sorted by id.

        A ticket is broken when its event hash chain does not verify (under the
        store's keyring, or unkeyed), its ``version`` is not its number of events,
        a derived column disagrees with a refold of its events, ``clocks`` (the
        app's SLA check) names a problem, or a row cannot be read at all.  Every
        ticket is checked, whatever breaks; ``progress(done, total)`` is called as
        it goes.
        """
        ...

    def checkpoint(self, *, at: datetime) -> dict[str, Any]:
        """Sign and store a digest of every ticket's chain head as of now, chained
        to the checkpoint before; ``verify`` checks the latest one against the
        events.  Returns the checkpoint (``id``, ``tickets``, ``events``, ``heads``,
        ``hash``, ``key_id`` ...)."""
        ...

    def close(self) -> None:
        """Release connections."""
        ...
