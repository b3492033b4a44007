"""What the SLA clocks need from a working calendar (the calendar engineer's
:class:`~gridgov.sla.WorkingCalendar` provides it)."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Protocol

__all__ = ["CalendarPort", "DurationLike"]


class DurationLike(Protocol):
    """A duration on a calendar: ``amount`` of ``unit`` (minutes, hours, working_days,
    calendar_minutes, calendar_hours, calendar_days)."""

    @property
    def amount(self) -> int: ...

    @property
    def unit(self) -> str: ...


class CalendarPort(Protocol):
    """A working calendar as the clocks use it."""

    @property
    def name(self) -> str: ...

    @property
    def fingerprint(self) -> str: ...

    def add(self, start: datetime, duration: DurationLike) -> datetime: ...

    def working_time_between(self, a: datetime, b: datetime) -> timedelta: ...

    def add_working_time(self, start: datetime, amount: timedelta) -> datetime: ...

    @property
    def assumed_years(self) -> frozenset[int]: ...
