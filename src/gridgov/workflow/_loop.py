"""The object API of the ticket loop: every action checks, moves and records.

Each action (1) checks the actor's permission, then (2) lets the shared
``transitions`` machine decide the move, once: when the trigger leaves the
ticket's state it builds the payload (resolving units through the routing rule,
:class:`~gridgov.workflow.Assigner`), checks the guards on it, and in its
after-callback records one :class:`~gridgov.workflow.TicketEvent`, timed by the
injected clock, and folds it into the ticket.  A refusal at any step raises and
changes nothing.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from typing import Any, Final

from gridgov.clock import Clock
from gridgov.errors import InvalidInput, PermissionDenied, Problem, TransitionNotAllowed
from gridgov.grid import Directory
from gridgov.workflow._assign import Assigner
from gridgov.workflow._definition import VERDICTS
from gridgov.workflow._events import TicketEvent
from gridgov.workflow._machine import decide
from gridgov.workflow._permissions import (
    DEFAULT_PERMISSIONS,
    SYSTEM_ROLE,
    Actor,
    PermissionPolicy,
)
from gridgov.workflow._routing import RoutingPolicy, load_routing_policy
from gridgov.workflow._states import Trigger
from gridgov.workflow._table import TABLE
from gridgov.workflow._ticket import Ticket

__all__ = ["ESCALATION_CAUSES", "TicketLoop"]

ESCALATION_CAUSES: Final = ("person", "returned", "sla_breach")
"""Why a ticket was escalated: a person decided, it was returned, or its clock breached."""

T = Trigger


class TicketLoop:
    """Runs tickets through the loop for one area hierarchy, routing policy and clock.

    >>> from datetime import datetime, UTC
    >>> from gridgov.clock import ManualClock
    >>> from gridgov.grid import Area, AreaTree, Directory, Unit
    >>> tree = AreaTree([Area("D", "区", "district"), Area("C", "社区", "community", "D"),
    ...                  Area("G", "网格", "grid", "C")])
    >>> units = Directory(tree, [Unit("w1", "王网格员", "grid_worker", "G")])
    >>> loop = TicketLoop(directory=units, clock=ManualClock(datetime(2025, 3, 3, tzinfo=UTC)))
    >>> worker = Actor("w1", "grid_worker", "G", unit_code="w1")
    >>> ticket, _ = loop.report("T1", worker, category="noise", area_code="G")
    >>> _ = loop.accept(ticket, worker)
    >>> loop.dispatch(ticket, worker).payload["unit"], ticket.state
    ('w1', 'dispatched')
    """

    def __init__(
        self,
        *,
        directory: Directory,
        clock: Clock,
        policy: RoutingPolicy | None = None,
        permissions: PermissionPolicy = DEFAULT_PERMISSIONS,
    ) -> None:
        self.policy = policy or load_routing_policy()
        self.directory = directory
        self.tree = directory.tree
        self.clock = clock
        self.permissions = permissions
        self._assign = Assigner(directory, self.policy)

    # ------------------------------------------------------------------ creating

    def report(
        self,
        ticket_id: str,
        actor: Actor,
        *,
        category: str,
        area_code: str,
        channel: str = "app",
        priority: str = "normal",
        description: str = "",
        reporter_id: str | None = None,
    ) -> tuple[Ticket, TicketEvent]:
        """上报: a new ticket in ``area_code``; its tier comes from the routing policy."""
        route = self.policy.route(category)
        self.tree.get(area_code)
        ticket = Ticket(id=ticket_id, area_code=area_code, reporter_id=reporter_id or actor.id)
        payload = {
            "category": category,
            "tier": route.tier.name,
            "area_code": area_code,
            "channel": channel,
            "priority": priority,
            "description": description,
            "reporter_id": ticket.reporter_id,
        }
        return ticket, self._simple(ticket, T.REPORT, actor, payload)

    # ------------------------------------------------------------------ triage and dispatch

    def accept(self, ticket: Ticket, actor: Actor, *, note: str = "") -> TicketEvent:
        """受理."""
        return self._simple(ticket, T.ACCEPT, actor, {"note": note})

    def reject(self, ticket: Ticket, actor: Actor, *, reason: str) -> TicketEvent:
        """无效: not a matter for the grid (a reason is required)."""
        return self._simple(
            ticket, T.REJECT, actor, {"reason": _required(reason, "reject", "reason")}
        )

    def dispatch(
        self,
        ticket: Ticket,
        actor: Actor,
        *,
        unit_code: str | None = None,
        department: str | None = None,
        co_units: Iterable[str] | None = None,
        joint: bool = False,
    ) -> TicketEvent:
        """派单: to ``unit_code``, to ``department``, or to the tier's handler for the area.

        With ``co_units``, or ``joint`` (the route's and tier's departments as co-units,
        as a ``joint`` tier has by default), the dispatch is joint
        (大事协同解决): the unit leads (主办) and each co-unit (协办) gets a part of its own
        to sign for and handle (:meth:`sign_for_part`, :meth:`handle_part`).  The payload
        records the linked departments (联动) of the route and the tier, and
        ``supervised`` for tiers that are supervised from the start (大事).
        """

        def build() -> dict[str, Any]:
            wanted: dict[str, Any] = {"unit": unit_code, "department": department}
            if co_units is not None:
                wanted["co_units"] = list(co_units)
            if joint:
                wanted["joint"] = True
            assignment = self._assign.assign(ticket, T.DISPATCH, wanted)
            route = self.policy.route(ticket.category or "")
            linked = dict.fromkeys(d for d in (route.department, *route.tier.departments) if d)
            return {
                **assignment.payload(),
                "linked_departments": list(linked),
                "supervised": route.tier.supervised,
            }

        return self._commit(ticket, T.DISPATCH, actor, build)

    def escalate(
        self,
        ticket: Ticket,
        actor: Actor,
        *,
        reason: str,
        department: str | None = None,
        cause: str = "person",
        co_units: Iterable[str] | None = None,
    ) -> TicketEvent:
        """升级: one level up the tree, or to ``department`` for linked handling (联动).

        ``cause`` is one of :data:`ESCALATION_CAUSES`.  A joint ticket keeps its parts
        unless ``co_units`` names a new set (an empty one ends the joint handling).
        """
        if cause not in ESCALATION_CAUSES:
            raise _invalid("escalate", "cause", f"expected one of {list(ESCALATION_CAUSES)}")
        if cause == "sla_breach":
            _system_only(
                actor, T.ESCALATE, ticket, "escalate for an SLA breach (cause='sla_breach')"
            )
        reason = _required(reason, "escalate", "reason")

        def build() -> dict[str, Any]:
            wanted: dict[str, Any] = {"department": department}
            if co_units is not None:
                wanted["co_units"] = list(co_units)
            assignment = self._assign.assign(ticket, T.ESCALATE, wanted)
            return {
                **assignment.payload(),
                "reason": reason,
                "cause": cause,
                "from_unit": ticket.assigned_unit,
            }

        return self._commit(ticket, T.ESCALATE, actor, build)

    def merge_into(self, ticket: Ticket, actor: Actor, *, into: str) -> TicketEvent:
        """合并: close this ticket as a duplicate of ticket ``into``."""
        if into == ticket.id:
            raise _invalid("merge_into", "into", "a ticket cannot be merged into itself")
        return self._simple(
            ticket, T.MERGE_INTO, actor, {"into": _required(into, "merge_into", "into")}
        )

    # ------------------------------------------------------------------ handling

    def sign_for(self, ticket: Ticket, actor: Actor) -> TicketEvent:
        """签收: the unit takes the ticket and starts handling it."""
        return self._simple(ticket, T.SIGN_FOR, actor, {})

    def return_to_dispatcher(self, ticket: Ticket, actor: Actor, *, reason: str) -> TicketEvent:
        """退回: wrong unit, or beyond its power; back to the dispatcher."""
        payload = {
            "reason": _required(reason, "return_to_dispatcher", "reason"),
            "from_unit": ticket.assigned_unit,
        }
        return self._simple(ticket, T.RETURN_TO_DISPATCHER, actor, payload)

    def suspend(self, ticket: Ticket, actor: Actor, *, reason: str) -> TicketEvent:
        """挂起: pause (the SLA clock stops); the ticket remembers where it was."""
        return self._simple(
            ticket, T.SUSPEND, actor, {"reason": _required(reason, "suspend", "reason")}
        )

    def resume(self, ticket: Ticket, actor: Actor) -> TicketEvent:
        """恢复: back to the state it was suspended from."""
        return self._simple(ticket, T.RESUME, actor, {})

    def mark_handled(
        self,
        ticket: Ticket,
        actor: Actor,
        *,
        result: str,
        photos: Iterable[str] = (),
        early_reason: str = "",
    ) -> TicketEvent:
        """办结: the result text and photo references residents will see.

        A joint ticket is handled once every co-unit has handled its part; before that
        only when its tier lets the lead finish first (``lead_may_finish``), and then
        ``early_reason`` says why (the open parts are released).
        """
        payload: dict[str, Any] = {
            "result": _required(result, "mark_handled", "result"),
            "photos": list(photos),
        }
        if early_reason:
            payload["early_reason"] = early_reason
        return self._simple(ticket, T.MARK_HANDLED, actor, payload)

    def sign_for_part(self, ticket: Ticket, actor: Actor) -> TicketEvent:
        """协办签收: the actor's unit, a co-unit of a joint ticket, signs for its part."""
        return self._simple(ticket, T.SIGN_FOR_PART, actor, {"unit": _unit_of(actor)})

    def handle_part(
        self, ticket: Ticket, actor: Actor, *, result: str, photos: Iterable[str] = ()
    ) -> TicketEvent:
        """协办办结: the actor's unit records the result of its part of a joint ticket."""
        payload = {
            "unit": _unit_of(actor),
            "result": _required(result, "handle_part", "result"),
            "photos": list(photos),
        }
        return self._simple(ticket, T.HANDLE_PART, actor, payload)

    # ------------------------------------------------------------------ review and closing

    def request_review(self, ticket: Ticket, actor: Actor) -> TicketEvent:
        """发起回访: ask the reporter or the community for a verdict."""
        return self._simple(ticket, T.REQUEST_REVIEW, actor, {})

    def review(
        self, ticket: Ticket, actor: Actor, *, verdict: str, comment: str = ""
    ) -> TicketEvent:
        """回访评价: satisfied or basically satisfied closes; not satisfied needs a comment."""
        if verdict not in VERDICTS:
            raise _invalid(
                "review", "verdict", f"expected one of {list(VERDICTS)}, got {verdict!r}"
            )
        if verdict == "not_satisfied":
            _required(comment, "review", "comment")
        return self._simple(ticket, T.REVIEW, actor, {"verdict": verdict, "comment": comment})

    def reopen(
        self, ticket: Ticket, actor: Actor, *, reason: str, higher: bool = False
    ) -> TicketEvent:
        """重办: back to handling, by the same unit or (``higher``) one level up."""
        reason = _required(reason, "reopen", "reason")

        def build() -> dict[str, Any]:
            assignment = self._assign.assign(ticket, T.REOPEN, {"higher": higher})
            return {**assignment.payload(), "reason": reason, "escalated": higher}

        return self._commit(ticket, T.REOPEN, actor, build)

    def supervise(self, ticket: Ticket, actor: Actor, *, reason: str) -> TicketEvent:
        """督办: a superior flags the ticket; it stays with its handler."""
        return self._simple(
            ticket, T.SUPERVISE, actor, {"reason": _required(reason, "supervise", "reason")}
        )

    def withdraw(self, ticket: Ticket, actor: Actor, *, reason: str = "") -> TicketEvent:
        """撤回: the reporter no longer needs it."""
        return self._simple(ticket, T.WITHDRAW, actor, {"reason": reason})

    def close(
        self, ticket: Ticket, actor: Actor, *, reason: str = "", auto: bool = False
    ) -> TicketEvent:
        """归档; ``auto`` when no review came in time (自动归档): the engine's timers only.

        A ticket whose last review was not satisfied (:attr:`Ticket.contested`) is closed
        only by a supervisor's decision (裁定归档): an actor who may ``supervise`` it,
        not automatically, with a ``reason`` (the table's guard ``settled``).
        """
        if auto:
            _system_only(actor, T.CLOSE, ticket, "close automatically (auto=True)")
        if ticket.contested:
            refusal = self.permissions.refusal(actor, T.SUPERVISE, ticket, self.tree)
            if auto or refusal:
                raise PermissionDenied(
                    actor.id, T.CLOSE.value, ticket.id,
                    "its review was not satisfied: only a supervisor's decision closes it "
                    f"(one who may supervise it: {refusal or 'not automatically'}), with a "
                    "reason; else a new review or a reopen (重办)",
                )  # fmt: skip
        return self._simple(ticket, T.CLOSE, actor, {"reason": reason, "auto": auto})

    # ------------------------------------------------------------------ queries

    def allowed_triggers(self, ticket: Ticket, actor: Actor) -> tuple[str, ...]:
        """The triggers ``actor`` may fire on ``ticket`` now (permission and table)."""
        return tuple(
            t
            for t in TABLE.triggers_from(ticket.state)
            if not self.permissions.refusal(actor, t, ticket, self.tree)
        )

    def stayed_in_grid(self, ticket: Ticket) -> bool | None:
        """小事不出网格: see :meth:`RoutingPolicy.stayed_in_grid`."""
        return self.policy.stayed_in_grid(ticket, self.tree.levels)

    # ------------------------------------------------------------------ machinery

    def _simple(
        self, ticket: Ticket, trigger: Trigger, actor: Actor, payload: Mapping[str, Any]
    ) -> TicketEvent:
        return self._commit(ticket, trigger, actor, lambda: payload)

    def _commit(
        self,
        ticket: Ticket,
        trigger: Trigger,
        actor: Actor,
        build: Callable[[], Mapping[str, Any]],
    ) -> TicketEvent:
        """Check the permission, then let the machine decide the move once; its
        after-callback records the event and folds it into the ticket."""
        name = trigger.value
        self.permissions.check(actor, name, ticket, self.tree)
        recorded: list[TicketEvent] = []

        def record(dest: str, payload: Mapping[str, Any]) -> None:
            event = TicketEvent(
                ticket_id=ticket.id,
                seq=ticket.version + 1,
                trigger=name,
                from_state=ticket.state,
                to_state=dest,
                actor_id=actor.id,
                actor_role=actor.role,
                at=self.clock.now(),
                payload=dict(payload),
            )
            ticket._fold(event)
            ticket.stayed_in_grid = self.stayed_in_grid(ticket)
            recorded.append(event)

        def implied() -> Mapping[str, Any]:  # what the ticket itself implies (one rule)
            return ticket.implied(name, build())

        if decide(ticket.state, name, implied, record) is None:
            raise TransitionNotAllowed(
                ticket.id, ticket.state, name, TABLE.why_not(ticket.state, name)
            )
        return recorded[0]


def _system_only(actor: Actor, trigger: Trigger, ticket: Ticket, what: str) -> None:
    """What only the engine's own timers do (role :data:`SYSTEM_ROLE`)."""
    if actor.role != SYSTEM_ROLE:
        raise PermissionDenied(
            actor.id,
            trigger.value,
            ticket.id,
            f"only the engine's timers (role {SYSTEM_ROLE!r}) {what}",
        )


def _unit_of(actor: Actor) -> str:
    if not actor.unit_code:
        raise _invalid("part", "unit_code", f"actor {actor.id!r} acts for no unit: a part is "
                       "signed for and handled by its own co-unit")  # fmt: skip
    return actor.unit_code


def _required(value: str, action: str, field: str) -> str:
    if not value or not value.strip():
        raise _invalid(action, field, "must not be empty")
    return value


def _invalid(action: str, field: str, reason: str) -> InvalidInput:
    return InvalidInput([Problem(action, reason, field=field)], what=f"{field}")
