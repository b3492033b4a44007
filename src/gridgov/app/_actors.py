"""Who acts (身份): a caller names an actor, the engine decides who that is.

An embedding app hands :meth:`Engine.act <gridgov.app.Engine.act>` an id, or an
:class:`~gridgov.workflow.Actor` it built; either is only a claim.  By default the
engine resolves it against the stored people and units (:class:`StoredActors`): the
role, home area and unit come from the store, and a claim that says otherwise is
refused.  An app that authenticates people itself passes a trusted resolver
(``Engine(actors=...)``, :func:`trust_callers` for one that takes every claim as
it is).  Whatever the resolver, role ``system`` is the engine's own timers'.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import Final

from gridgov.errors import ActorMismatch, UnknownActor
from gridgov.store import Store
from gridgov.workflow import SYSTEM_ROLE, Actor

__all__ = ["GUEST_ROLES", "ActorResolver", "StoredActors", "trust_callers"]

ActorResolver = Callable[[Actor | str], Actor]
"""Turns what a caller claims (an id or an :class:`~gridgov.workflow.Actor`) into the
actor it acts as, or raises :class:`~gridgov.errors.PermissionDenied`."""

GUEST_ROLES: Final = frozenset({"resident"})
"""Roles someone not stored may act in: residents report, withdraw and review their
own tickets (scope ``own``), with no unit."""


class StoredActors:
    """The default resolver: an id is who the stored people (then units) say it is.

    A claimed :class:`~gridgov.workflow.Actor` must agree with the stored one on role,
    home area and unit (:class:`~gridgov.errors.ActorMismatch` otherwise).  An id that is
    not stored may act only in a guest role (:data:`GUEST_ROLES`), for no unit;
    else :class:`~gridgov.errors.UnknownActor`.
    """

    def __init__(self, store: Store, *, guests: Iterable[str] = GUEST_ROLES) -> None:
        self._store = store
        self._guests = frozenset(guests)

    def __call__(self, claim: Actor | str) -> Actor:
        actor_id = claim if isinstance(claim, str) else claim.id
        stored = self._store.find_actor(actor_id)
        if stored is None:
            return self._guest(claim)
        if isinstance(claim, Actor):
            claimed, held = _holding(claim), _holding(stored)
            if claimed != held:
                raise ActorMismatch(
                    actor_id,
                    f"claims {_said(claimed)} but is stored as {_said(held)}",
                )
        return stored

    def _guest(self, claim: Actor | str) -> Actor:
        if isinstance(claim, str) or claim.role not in self._guests:
            raise UnknownActor(claim if isinstance(claim, str) else claim.id)
        if claim.unit_code is not None:
            raise ActorMismatch(
                claim.id, f"a {claim.role} who is not stored acts for no unit ({claim.unit_code!r})"
            )
        return claim


def trust_callers(claim: Actor | str) -> Actor:
    """A resolver for an app that authenticated its callers itself: an
    :class:`~gridgov.workflow.Actor` is taken as it is (an id alone is refused)."""
    if isinstance(claim, str):
        raise UnknownActor(claim)
    return claim


def resolve(resolver: ActorResolver, claim: Actor | str) -> Actor:
    """The actor behind ``claim``; role ``system`` is refused, claimed or resolved."""
    if isinstance(claim, Actor) and claim.role == SYSTEM_ROLE:
        raise _reserved(claim.id)
    actor = resolver(claim)
    if actor.role == SYSTEM_ROLE:
        raise _reserved(actor.id)
    return actor


def _reserved(actor_id: str) -> ActorMismatch:
    return ActorMismatch(actor_id, f"role {SYSTEM_ROLE!r} is reserved for the engine's own timers")


def _holding(actor: Actor) -> tuple[str, str | None, str | None]:
    return str(actor.role), actor.area_code, actor.unit_code


def _said(holding: tuple[str, str | None, str | None]) -> str:
    role, area, unit = holding
    return f"role {role!r}, area {area!r}, unit {unit!r}"
