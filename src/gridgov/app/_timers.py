"""Timers (定时): fire the SLA warnings and breaches that came due, one ticket
at a time, each in its own transaction, and do what the policy asks
(escalate 上报升级, supervise 督办, close 自动归档, reopen 升级重办; notify is left
to subscribers).

The queue is ``tickets.next_due_at``: a worker claims the earliest due ticket
with ``FOR UPDATE SKIP LOCKED`` (PostgreSQL), so two workers never fire the
same thing, and the optimistic version check guards against a person acting on
the ticket at the same moment.
"""

from __future__ import annotations

from datetime import datetime

from gridgov.app._clocks import TicketClocks
from gridgov.app._views import SlaNotice
from gridgov.clock import ManualClock
from gridgov.errors import ConcurrentUpdate, GridGovError, StoreError
from gridgov.sla import SlaAction, SlaBreached, SlaPolicy, SlaWarning
from gridgov.store import ClockRecord, Store
from gridgov.workflow import Actor, Ticket, TicketEvent, TicketLoop

__all__ = ["SYSTEM_ACTOR", "fire_due", "recompute_provisional"]

SYSTEM_ACTOR = Actor("gridgov-sla", "system")
"""Who fires the policy's actions (role ``system``: close, escalate, supervise, reopen)."""


def fire_due(
    store: Store, loop: TicketLoop, policy: SlaPolicy, moment: datetime
) -> tuple[list[SlaNotice], list[TicketEvent]] | None:
    """Fire the earliest due ticket's next warning(s) or breach(es), if any is due
    by ``moment``; None when nothing is due."""
    with store.unit_of_work() as uow:
        claimed = uow.tickets.claim_due(moment, limit=1)
        if not claimed:
            return None
        due_at = claimed[0].next_due_at
        assert due_at is not None
        ticket = uow.tickets.get(claimed[0].id)
        expected = ticket.version
        clocks = TicketClocks.load(policy, uow, ticket, at=due_at)
        notices: list[SlaNotice] = []
        events: list[TicketEvent] = []
        for fired in clocks.advance_to(due_at):
            assert isinstance(fired, SlaWarning | SlaBreached)
            done: list[str] = []
            failed: list[str] = []
            actor_loop = _loop_at(loop, fired.at)
            for action in fired.actions:
                try:
                    new = _do(actor_loop, ticket, action, fired)
                except GridGovError as exc:
                    failed.append(f"{action.action}: {exc}")
                    continue
                for event in new:
                    clocks.record(event)
                events.extend(new)
                done.extend([e.trigger for e in new] or [action.action])
            notices.append(SlaNotice.of(fired, done, failed))
        next_due = clocks.next_due
        if not notices and next_due is not None and next_due <= due_at:
            raise StoreError(f"ticket {ticket.id!r}: SLA clock due at {due_at} fires nothing")
        if events:
            uow.tickets.record(ticket, events, expected_version=expected, next_due_at=next_due)
        else:
            uow.tickets.reschedule(ticket.id, expected_version=expected, next_due_at=next_due)
        clocks.save(uow)
        uow.commit()
    return notices, events


def recompute_provisional(store: Store, policy: SlaPolicy, moment: datetime) -> list[str]:
    """Recompute the open clocks computed on a provisional calendar whose calendar data
    changed since (``pip install -U chinesecalendar`` now knows the year), and move each
    ticket's timer to the new due times; returns the ids of those tickets.

    A clock whose calendar data did not change is left alone, so this costs one query
    when there is nothing to do.  A ticket changed by someone at the same moment is
    skipped: its clocks are recomputed when it is next loaded.
    """
    with store.unit_of_work() as uow:
        stale = sorted(
            {r.ticket_id for r in uow.clocks.open_provisional() if _calendar_changed(policy, r)}
        )
    done: list[str] = []
    for ticket_id in stale:
        try:
            with store.unit_of_work() as uow:
                ticket = uow.tickets.get(ticket_id)
                clocks = TicketClocks.load(policy, uow, ticket, at=moment)
                clocks.save(uow)
                uow.tickets.reschedule(
                    ticket_id, expected_version=ticket.version, next_due_at=clocks.next_due
                )
                uow.commit()
        except ConcurrentUpdate:
            continue
        done.append(ticket_id)
    return done


def _calendar_changed(policy: SlaPolicy, record: ClockRecord) -> bool:
    calendar = policy.calendars.get(str(record.data.get("calendar", "")))
    return calendar is not None and record.data.get("calendar_fingerprint") != calendar.fingerprint


def _loop_at(loop: TicketLoop, moment: datetime) -> TicketLoop:
    """The loop on a clock stopped at the moment an SLA clock fired: action events
    carry that time."""
    return TicketLoop(
        directory=loop.directory,
        clock=ManualClock(moment),
        policy=loop.policy,
        permissions=loop.permissions,
    )


def _do(
    loop: TicketLoop, ticket: Ticket, action: SlaAction, fired: SlaWarning | SlaBreached
) -> list[TicketEvent]:
    """The events one action adds (none for ``notify``: subscribers hear the notice)."""
    what = "预警" if isinstance(fired, SlaWarning) else "超时"
    reason = action.note or f"{fired.clock} clock {what} (due {fired.due.isoformat()})"
    if action.action == "escalate":
        return [
            loop.escalate(ticket, SYSTEM_ACTOR, reason=reason, cause="sla_breach")
            for _ in range(action.levels)
        ]
    if action.action == "supervise":
        return [loop.supervise(ticket, SYSTEM_ACTOR, reason=reason)]
    if action.action == "close":
        return [loop.close(ticket, SYSTEM_ACTOR, reason=reason, auto=True)]
    if action.action == "reopen":
        return [loop.reopen(ticket, SYSTEM_ACTOR, reason=reason, higher=True)]
    return []
