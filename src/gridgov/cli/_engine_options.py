"""The options every database command shares, and the Engine built from them.

``--db URL`` names the database; ``--sla-policy``, ``--routing-policy`` and
``--categories`` the policy files (the shipped defaults when absent).
:func:`engine_options` adds them to a command and hands it one
:class:`EngineSettings`; ``with settings.open(at=...) as engine:`` builds the
:class:`~gridgov.Engine` and closes its store afterwards.
"""

from __future__ import annotations

import functools
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING, Any, TypeVar

import click

from gridgov.errors import InvalidTime

if TYPE_CHECKING:
    from gridgov.app._engine import Engine

__all__ = ["EngineSettings", "db_option", "engine_options", "parse_time"]

F = TypeVar("F", bound=Callable[..., Any])

_TIME_FORMAT = "an ISO 8601 time with a UTC offset, e.g. 2025-03-04T09:00+08:00"

_POLICY_FILE = click.Path(exists=True, dir_okay=False)


def db_option(func: F) -> F:
    """The shared ``--db URL`` option (else ``$GRIDGOV_DATABASE_URL``, else ./gridgov.db)."""
    return click.option(
        "--db",
        "url",
        metavar="URL",
        help="Database URL; default $GRIDGOV_DATABASE_URL, else sqlite:///gridgov.db "
        "in the working directory.",
    )(func)


def _policy_options(func: F) -> F:
    """``--sla-policy``, ``--routing-policy`` and ``--categories`` (the shipped defaults
    when absent).  Use the same ones as the app that shares the database: clocks
    computed under another SLA policy are recomputed when a ticket is next touched."""
    func = click.option(
        "--categories", type=_POLICY_FILE, envvar="GRIDGOV_CATEGORIES",
        help="Category catalogue TOML (default: shipped; env GRIDGOV_CATEGORIES).",
    )(func)  # fmt: skip
    func = click.option(
        "--routing-policy", type=_POLICY_FILE, envvar="GRIDGOV_ROUTING_POLICY",
        help="Routing policy TOML (default: shipped; env GRIDGOV_ROUTING_POLICY).",
    )(func)  # fmt: skip
    return click.option(
        "--sla-policy", type=_POLICY_FILE, envvar="GRIDGOV_SLA_POLICY",
        help="SLA policy TOML (default: shipped; env GRIDGOV_SLA_POLICY).",
    )(func)  # fmt: skip


@dataclass(frozen=True, slots=True)
class EngineSettings:
    """What a command builds its Engine from: the database URL and the policy files."""

    url: str | None
    sla_policy: str | None = None
    routing_policy: str | None = None
    categories: str | None = None

    @contextmanager
    def open(self, *, at: str | None = None) -> Iterator[Engine]:
        """The Engine over the database's areas and units with these policies, on the
        wall clock (or stopped at ``at``, the ``--at`` text); its store is closed after."""
        engine = self._build(at)
        try:
            yield engine
        finally:
            engine.store.close()

    def _build(self, at: str | None) -> Engine:
        from gridgov.app._engine import Engine
        from gridgov.clock import Clock, ManualClock, SystemClock
        from gridgov.sla import load_policy
        from gridgov.workflow import load_routing_policy

        clock: Clock = ManualClock(parse_time(at, "--at")) if at is not None else SystemClock()
        routing = None
        if self.routing_policy is not None or self.categories is not None:
            routing = load_routing_policy(self.routing_policy, self.categories)
        sla = load_policy(self.sla_policy) if self.sla_policy is not None else None
        return Engine(url=self.url, clock=clock, routing=routing, sla=sla)


def engine_options(
    *, policies: bool = True
) -> Callable[[Callable[..., None]], Callable[..., None]]:
    """Add ``--db`` (and, with ``policies``, the policy options) to a command, which
    receives them as one ``settings: EngineSettings`` argument."""

    def decorate(command: Callable[..., None]) -> Callable[..., None]:
        @functools.wraps(command)
        def with_settings(
            *args: Any,
            url: str | None,
            sla_policy: str | None = None,
            routing_policy: str | None = None,
            categories: str | None = None,
            **kwargs: Any,
        ) -> None:
            settings = EngineSettings(url, sla_policy, routing_policy, categories)
            command(*args, settings=settings, **kwargs)

        wrapped = db_option(with_settings)
        return _policy_options(wrapped) if policies else wrapped

    return decorate


def parse_time(value: str, option: str) -> datetime:
    """An aware datetime from ISO 8601 text; :class:`InvalidTime` otherwise."""
    try:
        moment = datetime.fromisoformat(value)
    except ValueError:
        raise InvalidTime(value, _TIME_FORMAT, source=option) from None
    if moment.tzinfo is None or moment.utcoffset() is None:
        raise InvalidTime(value, _TIME_FORMAT, source=option)
    return moment
