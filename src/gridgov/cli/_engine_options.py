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
from typing import TYPE_CHECKING, Any, TypeVar, cast, overload

import click

from gridgov.errors import InvalidTime

if TYPE_CHECKING:
    from gridgov.app import Engine

__all__ = ["EngineSettings", "db_option", "engine_options", "parse_time"]

F = TypeVar("F", bound=Callable[..., Any])

_TIME_FORMAT = "an ISO 8601 time with a UTC offset, e.g. 2025-03-04T09:00+08:00"

_POLICY_FILE = click.Path(exists=True, dir_okay=False)


@overload
def db_option(func: F, *, optional: bool = False) -> F: ...
@overload
def db_option(func: None = None, *, optional: bool = False) -> Callable[[F], F]: ...
def db_option(func: F | None = None, *, optional: bool = False) -> F | Callable[[F], F]:
    """The one ``--db URL`` option, the same in every command.

    Its value is ``--db``, else ``$GRIDGOV_DATABASE_URL``.  A command that needs a
    database falls back to ``sqlite:///gridgov.db`` in the working directory; one
    where a database is ``optional`` (areas import, areas tree/show/..., replay run)
    gets ``None`` then and writes or reads no database.
    """
    from gridgov.store import DEFAULT_URL, URL_ENV

    if optional:
        help_ = f"Database URL (env {URL_ENV}); without either, no database is used."
    else:
        help_ = f"Database URL (env {URL_ENV}; default {DEFAULT_URL}, in the working directory)."
    option = click.option(
        "--db",
        "url",
        metavar="URL",
        envvar=URL_ENV,
        default=None if optional else DEFAULT_URL,
        show_envvar=False,
        help=help_,
    )
    return option(func) if func is not None else cast("Callable[[F], F]", option)


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
        with engine:
            yield engine

    def _build(self, at: str | None) -> Engine:
        from gridgov.app import open_engine
        from gridgov.clock import Clock, ManualClock, SystemClock

        clock: Clock = ManualClock(parse_time(at, "--at")) if at is not None else SystemClock()
        return open_engine(
            self.url,
            clock=clock,
            sla_policy=self.sla_policy,
            routing=self.routing_policy,
            categories=self.categories,
        )


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
