"""The composition root (组装): one :class:`Engine` wires the store, the area
hierarchy and its units, the routing and SLA policies and the clock.

Every change is one unit of work: load the ticket (the fold of its events),
let :class:`~gridgov.workflow.TicketLoop` check and build the event, move the
SLA clocks, then append the event and update the ticket with an optimistic
version check.  Subscribers hear about it only after the commit.
"""

from __future__ import annotations

import inspect
import threading
import uuid
from collections.abc import Callable
from dataclasses import replace
from datetime import UTC, datetime
from types import TracebackType
from typing import Any, Self

from gridgov.app._actors import ActorResolver, StoredActors, resolve
from gridgov.app._built_with import built_with
from gridgov.app._clocks import TicketClocks, clock_check
from gridgov.app._merge import hold_merge_target
from gridgov.app._stores import open_store
from gridgov.app._timers import fire_due, recompute_provisional
from gridgov.app._views import SlaNotice, TicketView
from gridgov.clock import Clock, SystemClock
from gridgov.errors import (
    InvalidInput,
    InvalidTime,
    PermissionDenied,
    Problem,
    TicketExists,
    UnknownActor,
    UnknownTicket,
    suggestion,
)
from gridgov.grid import AreaTree, Directory
from gridgov.sla import SlaPolicy, load_default_policy
from gridgov.store import ChainBreak, Progress, Store, TicketFilter, TicketSummary, UnitOfWork
from gridgov.workflow import (
    DEFAULT_PERMISSIONS,
    Actor,
    PermissionPolicy,
    RoutingPolicy,
    Ticket,
    TicketEvent,
    TicketLoop,
    Trigger,
)

__all__ = ["Engine", "Notification", "Subscriber"]

Notification = TicketEvent | SlaNotice
"""What subscribers receive: an accepted transition, or an SLA warning or breach."""
Subscriber = Callable[[Notification], None]

_ACTS = frozenset(t.value for t in Trigger) - {Trigger.REPORT.value}


class Engine:
    """Grid-governance tickets for an embedding app (the one object it needs).

    Give either ``store`` (a :class:`~gridgov.store.SqlStore`, or
    :class:`~gridgov.testing.InMemoryStore` in tests) or ``url`` (resolved as
    :func:`~gridgov.store.resolve_url` says).  ``directory`` is the area
    hierarchy with its units (or give just ``areas``, a tree without units);
    without either, the one stored in the database is used.  Nothing connects
    until the first call.  :func:`gridgov.app.open_engine` builds one from a URL
    and policy files; ``with`` closes it (:meth:`close`).

    Every action names its actor by id or as an :class:`~gridgov.workflow.Actor`; the
    engine resolves it against the stored people and units
    (:class:`~gridgov.app.StoredActors`) unless ``actors`` is a resolver the app trusts
    (:func:`~gridgov.app.trust_callers`, say).  ``permissions`` is the permission matrix
    (the shipped one by default).
    """

    def __init__(
        self,
        *,
        store: Store | None = None,
        url: str | None = None,
        areas: AreaTree | None = None,
        directory: Directory | None = None,
        routing: RoutingPolicy | None = None,
        sla: SlaPolicy | None = None,
        clock: Clock | None = None,
        new_ticket_id: Callable[[], str] | None = None,
        actors: ActorResolver | None = None,
        permissions: PermissionPolicy = DEFAULT_PERMISSIONS,
    ) -> None:
        if store is not None and url is not None:
            raise ValueError("give either store= or url=, not both")
        if areas is not None and directory is not None:
            raise ValueError("give either areas= or directory= (which holds its tree), not both")
        if areas is not None:
            directory = Directory(areas)
        self.store: Store = store if store is not None else open_store(url)
        self.clock: Clock = clock or SystemClock()
        self._directory = directory
        self._routing = routing
        self._sla = sla
        self._new_id = new_ticket_id or _random_id
        self._actors: ActorResolver = actors or StoredActors(self.store)
        self._permissions = permissions
        self._loop: TicketLoop | None = None
        self._wiring = threading.Lock()
        self._subscribers: list[Subscriber] = []

    def close(self) -> None:
        """Close the store (a SQL store disposes its SQLAlchemy engine's connections)."""
        self.store.close()

    def __enter__(self) -> Self:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.close()

    # ------------------------------------------------------------------ wiring

    @property
    def sla_policy(self) -> SlaPolicy:
        """The SLA policy: the one given, else the one the database was built with
        (:func:`~gridgov.app.built_with`), else the shipped default."""
        if self._sla is None:
            built = built_with(self.store)
            self._sla = (built and built.sla_policy()) or load_default_policy()
        return self._sla

    @property
    def loop(self) -> TicketLoop:
        """The ticket loop over the directory (loaded from the store on first use)."""
        with self._wiring:
            if self._loop is None:
                self._loop = self._wire()
            return self._loop

    def _wire(self) -> TicketLoop:
        """Load or store the directory, build the loop, record the policies used."""
        directory = self._directory
        if directory is None:
            directory = self.store.load_directory()
            if directory is None:
                raise InvalidInput(
                    [Problem("<database>", "no areas: run `gridgov areas import` first")],
                    what="database",
                )
        else:
            self.store.save_directory(directory)
        self._directory = directory
        if self._routing is None and (built := built_with(self.store)) is not None:
            self._routing = built.routing_policy()
        loop = TicketLoop(
            directory=directory,
            clock=self.clock,
            policy=self._routing,
            permissions=self._permissions,
        )
        self.store.save_categories(loop.policy)
        policy = self.sla_policy
        self.store.record_policy("sla", policy.name, policy.fingerprint, policy.source)
        return loop

    def subscribe(self, subscriber: Subscriber) -> Callable[[], None]:
        """Call ``subscriber`` with every committed transition, warning and breach;
        returns a function that unsubscribes.  A subscriber that raises stops the
        notification of later subscribers; the change itself is already committed."""
        self._subscribers.append(subscriber)
        return lambda: self._subscribers.remove(subscriber)

    def actor(self, actor_id: str) -> Actor:
        """The stored person (or unit acting as itself) with this id."""
        self.loop  # noqa: B018 - make sure the directory is stored
        found = self.store.find_actor(actor_id)
        if found is None:
            raise UnknownActor(actor_id)
        return found

    def resolve(self, actor: Actor | str) -> Actor:
        """Who ``actor`` (an id, or a claimed :class:`~gridgov.workflow.Actor`) acts as:
        as the engine's resolver says; role ``system`` is never a caller's."""
        self.loop  # noqa: B018 - make sure the directory is stored
        return resolve(self._actors, actor)

    # ------------------------------------------------------------------ changes

    def report(
        self,
        *,
        actor: Actor | str,
        category: str,
        area_code: str,
        ticket_id: str | None = None,
        **details: Any,
    ) -> TicketView:
        """上报: a new ticket; ``details`` are ``channel``, ``priority``,
        ``description``, ``reporter_id``."""
        _check_params(TicketLoop.report, details, "report")
        loop = self.loop
        actor = self.resolve(actor)
        ticket_id = ticket_id or self._new_id()
        ticket, event = loop.report(
            ticket_id, actor, category=category, area_code=area_code, **details
        )
        with self.store.unit_of_work() as uow:
            _refuse_existing(uow, ticket_id)
            view, due = self._record(uow, ticket, [event], 0)
            uow.commit()
        self._publish([*due, event])
        return view

    def act(self, ticket_id: str, trigger: str, *, actor: Actor | str, **params: Any) -> TicketView:
        """Fire ``trigger`` (any trigger but ``report``) on the ticket as ``actor``
        (resolved by :meth:`resolve`).

        ``params`` are the trigger's own (``reason``, ``unit_code``, ``department``,
        ``result``, ``photos``, ``verdict``, ``comment``, ``into``, ``higher`` ...).
        """
        if trigger not in _ACTS:
            raise InvalidInput(
                [
                    Problem(
                        "act",
                        f"unknown trigger {trigger!r}{suggestion(trigger, _ACTS)}: "
                        f"expected one of {', '.join(sorted(_ACTS))}",
                        field="trigger",
                    )
                ],
                what="trigger",
            )
        method = getattr(self.loop, trigger)
        _check_params(method, params, trigger)
        actor = self.resolve(actor)
        with self.store.unit_of_work() as uow:
            ticket = uow.tickets.get(ticket_id)
            expected = ticket.version
            event = method(ticket, actor, **params)  # the loop judges stayed_in_grid too
            if trigger == Trigger.MERGE_INTO:
                hold_merge_target(uow, ticket_id, event.payload["into"])
            view, due = self._record(uow, ticket, [event], expected)
            uow.commit()
        self._publish([*due, event])
        return view

    def _record(
        self, uow: UnitOfWork, ticket: Ticket, events: list[TicketEvent], expected: int
    ) -> tuple[TicketView, list[Notification]]:
        clocks = TicketClocks.load(self.sla_policy, uow, ticket, at=events[0].at)
        due: list[Notification] = [
            SlaNotice.of(e, [], []) for ev in events for e in clocks.record(ev)
        ]
        uow.tickets.record(ticket, events, expected_version=expected, next_due_at=clocks.next_due)
        clocks.save(uow)
        view = TicketView.of(ticket, next_due_at=clocks.next_due, clocks=clocks.views())
        return view, due

    def _publish(self, notifications: list[Notification]) -> None:
        for notification in notifications:
            for subscriber in list(self._subscribers):
                subscriber(notification)

    # ------------------------------------------------------------------ time

    def advance_to(self, moment: datetime | None = None) -> list[SlaNotice]:
        """Fire every warning and breach due by ``moment`` (default: now), earliest
        first, each with its actions (escalate, supervise, close) in its own
        transaction.  Safe to run from several processes at once on PostgreSQL.

        First, clocks computed on a provisional calendar (a year without official
        holiday data) are recomputed if the calendar's data has changed since, so
        their warnings and breaches fire at the official times."""
        moment = self.clock.now() if moment is None else moment
        if moment.tzinfo is None or moment.utcoffset() is None:
            raise InvalidTime(moment.isoformat(), "a time-zone-aware datetime")
        recompute_provisional(self.store, self.sla_policy, moment)  # new calendar data?
        fired: list[SlaNotice] = []
        while True:
            step = fire_due(self.store, self.loop, self.sla_policy, moment)
            if step is None:
                return fired
            notices, events = step
            fired.extend(notices)
            self._publish([*notices, *events])

    # ------------------------------------------------------------------ audit

    def verify(self, *, progress: Progress | None = None) -> list[ChainBreak]:
        """Every broken ticket (``gridgov db verify``): the store's checks, with the
        clocks refolded under this engine's SLA policy (:func:`clock_check`)."""
        return self.store.verify(clocks=clock_check(self.sla_policy), progress=progress)

    # ------------------------------------------------------------------ queries

    def get(self, ticket_id: str, *, visible_to: Actor | str | None = None) -> TicketView:
        """The ticket now, with its clocks (:class:`~gridgov.errors.UnknownTicket` if none).

        With ``visible_to``, only if that actor may see it
        (:meth:`PermissionPolicy.sees <gridgov.workflow.PermissionPolicy.sees>`), else
        :class:`~gridgov.errors.PermissionDenied`."""
        policy = self.sla_policy  # may read the store: not inside the unit of work
        viewer = None if visible_to is None else self._viewer(visible_to)
        with self.store.unit_of_work() as uow:
            ticket = uow.tickets.get(ticket_id)
            if viewer is not None:
                self._check_sees(viewer, ticket)
            summary = uow.tickets.summary(ticket_id)
            ticket.stayed_in_grid = summary.stayed_in_grid  # as judged when last written
            clocks = TicketClocks.load(policy, uow, ticket, at=self.clock.now())
            return TicketView.of(ticket, next_due_at=summary.next_due_at, clocks=clocks.views())

    def duplicates(self, ticket_id: str) -> list[str]:
        """The ids of the tickets merged into this one (合并), sorted."""
        with self.store.unit_of_work() as uow:
            uow.tickets.summary(ticket_id)  # UnknownTicket if there is none
            return uow.tickets.merged_into(ticket_id)

    def history(
        self, ticket_id: str, *, visible_to: Actor | str | None = None
    ) -> list[TicketEvent]:
        """Every event of the ticket, oldest first (``visible_to``: as :meth:`get`)."""
        viewer = None if visible_to is None else self._viewer(visible_to)
        with self.store.unit_of_work() as uow:
            if viewer is not None:
                self._check_sees(viewer, uow.tickets.get(ticket_id))
            return uow.tickets.events(ticket_id)

    def _viewer(self, visible_to: Actor | str) -> Actor:
        """The resolved viewer, with the loop wired before a unit of work opens (wiring
        reads the store; on SQLite a read inside an open unit of work would wait)."""
        self.loop  # noqa: B018
        return self.resolve(visible_to)

    def _check_sees(self, viewer: Actor, ticket: Ticket) -> None:
        loop = self.loop
        if not loop.permissions.sees(viewer, ticket, loop.tree):
            raise PermissionDenied(viewer.id, "see", ticket.id, "outside what its role may see")

    def tickets(
        self,
        *,
        within: str | None = None,
        assigned_unit: str | None = None,
        state: str | None = None,
        open_only: bool = True,
        due_by: datetime | None = None,
        limit: int = 100,
        visible_to: Actor | str | None = None,
    ) -> list[TicketSummary]:
        """Tickets in an area's subtree, of a unit, in a state or due by a time;
        earliest due first.

        With ``visible_to`` (an actor, resolved as :meth:`act` does), only the tickets
        that actor's role and area may see
        (:meth:`PermissionPolicy.visibility <gridgov.workflow.PermissionPolicy.visibility>`):
        a resident its own reports, an area role its area's subtree, a unit (a department,
        a property company) the tickets dispatched to it — and the joint tickets the
        actor's unit has a part in (协办), as :meth:`get` shows them.  The other
        arguments narrow both."""
        wanted = TicketFilter(within, assigned_unit, state, open_only, due_by, limit)
        if visible_to is None:
            with self.store.unit_of_work() as uow:
                return uow.tickets.find(wanted)
        loop = self.loop
        seen = loop.permissions.visibility(self.resolve(visible_to))
        filters = []
        overlap, scoped_within = _narrow(loop.tree, within, seen.within)
        unit_ok = seen.assigned_unit is None or assigned_unit in (None, seen.assigned_unit)
        if not seen.nothing and overlap and unit_ok:
            filters.append(
                replace(
                    wanted,
                    within=scoped_within,
                    assigned_unit=seen.assigned_unit or assigned_unit,
                    reporter_id=seen.reporter_id,
                )
            )
        if seen.part_of is not None:
            filters.append(replace(wanted, part_of=seen.part_of))
        with self.store.unit_of_work() as uow:
            results = [uow.tickets.find(where) for where in filters]
        if len(results) < 2:
            return results[0] if results else []
        found = {t.id: t for result in results for t in result}
        return sorted(found.values(), key=_due_order)[:limit]


def _due_order(ticket: TicketSummary) -> tuple[bool, datetime, str]:
    """Earliest due first, tickets without a due time last, then by id (as ``find``)."""
    due = ticket.next_due_at
    return (due is None, due or datetime.min.replace(tzinfo=UTC), ticket.id)


def _narrow(tree: AreaTree, asked: str | None, allowed: str | None) -> tuple[bool, str | None]:
    """The deeper of two subtrees (``None``: everywhere); ``(False, None)`` when they are
    apart (no ticket is in both)."""
    if asked is None or allowed is None:
        return True, asked or allowed
    if tree.is_within(asked, allowed):
        return True, asked
    if tree.is_within(allowed, asked):
        return True, allowed
    return False, None


def _random_id() -> str:
    return uuid.uuid4().hex[:16]


def _check_params(method: Callable[..., Any], given: dict[str, Any], trigger: str) -> None:
    """Name the parameters a trigger does not take, and list the ones it does."""
    accepted = [
        name
        for name, p in inspect.signature(method).parameters.items()
        if p.kind is inspect.Parameter.KEYWORD_ONLY and name not in {"category", "area_code"}
    ]
    unknown = sorted(set(given) - set(accepted))
    expected = ", ".join(accepted) or "no parameters"
    problems = [
        Problem(trigger, f"not a parameter of {trigger!r} (expected: {expected})", field=u)
        for u in unknown
    ]
    problems += [
        Problem(trigger, f"{trigger!r} needs this parameter", field=name)
        for name, p in inspect.signature(method).parameters.items()
        if p.kind is inspect.Parameter.KEYWORD_ONLY
        and p.default is inspect.Parameter.empty
        and name not in given
        and name not in {"category", "area_code"}
    ]
    if problems:
        raise InvalidInput(problems, what="parameters")


def _refuse_existing(uow: UnitOfWork, ticket_id: str) -> None:
    """:class:`TicketExists` when a ticket with this id is stored (a report that lost a
    race to another one still gets :class:`ConcurrentUpdate` from the store)."""
    try:
        uow.tickets.summary(ticket_id)
    except UnknownTicket:
        return
    raise TicketExists(ticket_id)
