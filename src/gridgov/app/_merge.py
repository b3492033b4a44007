"""合并: what the Engine checks before a ticket is merged into another.

The loop decides whether *this* ticket may be merged (its state, the actor's
role, ``into`` given and not itself); only the store knows the target.  The
target must exist and be open: a merged ticket is final, so with that rule no
chain of merges can close on itself (A → B, then B → A used to leave both
``merged`` and the issue lost).  The target is held until the unit of work
commits, so a concurrent merge the other way round, or a close of the target,
makes one of the two fail with :class:`~gridgov.errors.ConcurrentUpdate`.

The link goes both ways: the merged ticket's view has ``merged_into``, and
:meth:`Engine.duplicates <gridgov.Engine.duplicates>` lists the tickets merged
into a ticket (``TicketRepository.merged_into``).
"""

from __future__ import annotations

from gridgov.errors import MergeRefused, UnknownTicket
from gridgov.store import UnitOfWork
from gridgov.workflow import State

__all__ = ["hold_merge_target"]

_LONGEST_CHAIN = 100


def hold_merge_target(uow: UnitOfWork, ticket_id: str, into: str) -> None:
    """Refuse with :class:`MergeRefused` unless ticket ``into`` exists and is open;
    then hold it (an optimistic version check at commit)."""
    try:
        target = uow.tickets.summary(into)
    except UnknownTicket:
        raise MergeRefused(ticket_id, into, f"there is no ticket {into!r}") from None
    if not target.is_open:
        raise MergeRefused(ticket_id, into, _why_closed(uow, ticket_id, into, target.state))
    uow.tickets.reschedule(into, expected_version=target.version, next_due_at=target.next_due_at)


def _why_closed(uow: UnitOfWork, ticket_id: str, into: str, state: str) -> str:
    if state != State.MERGED:
        return f"{into!r} is {state} (closed): merge into an open ticket"
    chain = [into]
    while len(chain) < _LONGEST_CHAIN:
        after = uow.tickets.get(chain[-1]).merged_into
        if after is None or after in chain:
            break
        chain.append(after)
    if ticket_id in chain:
        return (
            f"{into!r} is already merged into {' → '.join(map(repr, chain[1:]))}: "
            "merging back would make a cycle and close both"
        )
    return f"{into!r} is itself merged into {chain[-1]!r}: merge into that ticket"
