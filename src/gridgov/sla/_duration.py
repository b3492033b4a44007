"""Durations of SLA clocks (时限): working time or calendar time.

A :class:`Duration` is an amount and a unit.  Working units (``minutes``,
``hours``, ``working_days``) count only the working time of a
:class:`~gridgov.sla.WorkingCalendar`; calendar units (``calendar_minutes``,
``calendar_hours``, ``calendar_days``) count elapsed time whatever the calendar
says.  Policy files write them as text:

>>> Duration.parse("3 working_days")
Duration(amount=3, unit='working_days')
>>> [str(Duration.parse(text)) for text in ("5m", "24h", "2cd")]
['5 minutes', '24 hours', '2 calendar_days']
>>> str(Duration.parse("3wd"))
'3 working_days'
"""

from __future__ import annotations

import re
from datetime import timedelta
from enum import StrEnum
from typing import Any, Protocol

from pydantic import BaseModel, ConfigDict, Field, model_validator

__all__ = ["Duration", "DurationLike", "DurationUnit"]


class DurationLike(Protocol):
    """Anything with an ``amount`` and a ``unit`` (a :class:`Duration`, or a caller's own)."""

    @property
    def amount(self) -> int: ...

    @property
    def unit(self) -> str: ...


class DurationUnit(StrEnum):
    """What a duration counts."""

    MINUTES = "minutes"
    """Working minutes (工作分钟): only time inside working periods counts."""
    HOURS = "hours"
    """Working hours (工作小时)."""
    WORKING_DAYS = "working_days"
    """Working days (工作日): see ``CalendarSpec.working_day_rule`` for the time of day."""
    CALENDAR_MINUTES = "calendar_minutes"
    """Elapsed minutes (自然分钟), nights and holidays included."""
    CALENDAR_HOURS = "calendar_hours"
    """Elapsed hours (自然小时)."""
    CALENDAR_DAYS = "calendar_days"
    """Calendar days (自然日): the same wall-clock time N days later in the calendar's zone."""

    @property
    def is_working(self) -> bool:
        """True for units that count only working time."""
        return self in _WORKING_UNITS


_WORKING_UNITS = frozenset({DurationUnit.MINUTES, DurationUnit.HOURS, DurationUnit.WORKING_DAYS})

_ALIASES: dict[str, DurationUnit] = {
    "m": DurationUnit.MINUTES,
    "min": DurationUnit.MINUTES,
    "minute": DurationUnit.MINUTES,
    "h": DurationUnit.HOURS,
    "hour": DurationUnit.HOURS,
    "wd": DurationUnit.WORKING_DAYS,
    "working_day": DurationUnit.WORKING_DAYS,
    "cm": DurationUnit.CALENDAR_MINUTES,
    "calendar_minute": DurationUnit.CALENDAR_MINUTES,
    "ch": DurationUnit.CALENDAR_HOURS,
    "calendar_hour": DurationUnit.CALENDAR_HOURS,
    "cd": DurationUnit.CALENDAR_DAYS,
    "calendar_day": DurationUnit.CALENDAR_DAYS,
    **{unit.value: unit for unit in DurationUnit},
}

_TEXT = re.compile(r"^\s*(\d+)\s*([a-z_]+)\s*$")

_EXPECTED = (
    "an amount and a unit such as '3 working_days', '5m', '24h', '3wd' or '2cd' "
    f"(units: {', '.join(u.value for u in DurationUnit)})"
)


class Duration(BaseModel):
    """An amount of working or calendar time, such as 3 working days (3个工作日).

    Accepts text wherever a pydantic model holds one, so a TOML policy can say
    ``handling = "3 working_days"``.
    """

    model_config = ConfigDict(frozen=True)

    amount: int = Field(ge=0)
    unit: DurationUnit

    @classmethod
    def parse(cls, text: str) -> Duration:
        """Read ``"3 working_days"`` or a short form (``5m``, ``24h``, ``3wd``, ``2cd``).

        Raises :class:`ValueError` naming what was expected.
        """
        amount, unit = _read(text)
        return cls(amount=amount, unit=unit)

    @model_validator(mode="before")
    @classmethod
    def _from_text(cls, value: Any) -> Any:
        if isinstance(value, str):
            amount, unit = _read(value)
            return {"amount": amount, "unit": unit}
        return value

    @property
    def is_working(self) -> bool:
        """True when only working time counts (minutes, hours, working days)."""
        return self.unit.is_working

    def as_timedelta(self) -> timedelta:
        """The length as a timedelta, for every unit but ``working_days``.

        Working minutes and hours give the working time they stand for; calendar
        minutes and hours the elapsed time; calendar days 24 hours each (the
        calendar itself keeps the wall-clock time across a DST change).
        """
        if self.unit is DurationUnit.WORKING_DAYS:
            raise ValueError("working days have no fixed length: ask a WorkingCalendar")
        minutes = {
            DurationUnit.MINUTES: 1,
            DurationUnit.CALENDAR_MINUTES: 1,
            DurationUnit.HOURS: 60,
            DurationUnit.CALENDAR_HOURS: 60,
            DurationUnit.CALENDAR_DAYS: 1440,
        }[self.unit]
        return timedelta(minutes=self.amount * minutes)

    def __str__(self) -> str:
        return f"{self.amount} {self.unit.value}"

    def __repr__(self) -> str:
        return f"Duration(amount={self.amount}, unit={self.unit.value!r})"


def _read(text: str) -> tuple[int, DurationUnit]:
    match = _TEXT.match(text.lower())
    unit = _ALIASES.get(match.group(2)) if match else None
    if match is None or unit is None:
        raise ValueError(f"cannot read duration {text!r}: expected {_EXPECTED}")
    return int(match.group(1)), unit
