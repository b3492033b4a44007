"""Where time comes from.

The domain never reads the wall clock: every component that needs "now" takes a
:class:`Clock`.  Live apps pass :class:`SystemClock`; tests, simulations and
replays pass a :class:`ManualClock` and move it themselves.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Protocol, runtime_checkable

__all__ = ["Clock", "ManualClock", "SystemClock"]


@runtime_checkable
class Clock(Protocol):
    """Anything with a ``now()`` that returns an aware datetime."""

    def now(self) -> datetime: ...


class SystemClock:
    """The real time, in UTC."""

    def now(self) -> datetime:
        return datetime.now(UTC)  # noqa: TID251 - the one place that reads the wall clock


class ManualClock:
    """A clock that only moves when told to (simulation, replay, tests).

    >>> from datetime import datetime, timedelta, UTC
    >>> clock = ManualClock(datetime(2025, 1, 1, 8, 0, tzinfo=UTC))
    >>> clock.advance(timedelta(minutes=5)).isoformat()
    '2025-01-01T08:05:00+00:00'
    """

    def __init__(self, start: datetime) -> None:
        _require_aware(start)
        self._now = start

    def now(self) -> datetime:
        return self._now

    def set(self, moment: datetime) -> datetime:
        """Jump to ``moment`` (never backwards)."""
        _require_aware(moment)
        if moment < self._now:
            raise ValueError(f"clock cannot move backwards from {self._now} to {moment}")
        self._now = moment
        return moment

    def advance(self, delta: timedelta) -> datetime:
        """Move forward by ``delta`` and return the new time."""
        return self.set(self._now + delta)


def _require_aware(moment: datetime) -> None:
    if moment.tzinfo is None or moment.utcoffset() is None:
        raise ValueError(
            f"naive datetime {moment.isoformat()}: gridgov needs time-zone-aware times"
        )
