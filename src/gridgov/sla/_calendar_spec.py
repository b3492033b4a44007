"""What a working calendar (工作日历) is made of, as data a TOML file can hold.

A policy file describes each calendar in a ``[calendars.NAME]`` table::

    [calendars.hangzhou_office]
    timezone = "Asia/Shanghai"
    working_hours = ["08:30-12:00", "13:30-17:30"]
    workweek = ["mon", "tue", "wed", "thu", "fri"]
    holidays = { provider = "chinese_calendar" }
    overrides = { 2025-12-31 = ["08:30-12:00"] }      # a half day

which validates into a :class:`CalendarSpec`:

>>> spec = CalendarSpec(name="office", holidays={"provider": "chinese_calendar"})
>>> spec.timezone, [str(p) for p in spec.working_hours]
('Asia/Shanghai', ['08:30-12:00', '13:30-17:30'])
>>> CalendarSpec.always_open("24x7").working_hours[0].minutes()
(0, 1440)
"""

from __future__ import annotations

import re
from datetime import date
from enum import StrEnum
from itertools import pairwise
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

from gridgov._toml import TimeZoneName

__all__ = [
    "CalendarSpec",
    "HolidaySource",
    "Period",
    "UnknownYearRule",
    "Weekday",
    "WorkingDayRule",
]


class Weekday(StrEnum):
    """A day of the week, as written in calendar files."""

    MON = "mon"
    TUE = "tue"
    WED = "wed"
    THU = "thu"
    FRI = "fri"
    SAT = "sat"
    SUN = "sun"

    @property
    def iso_index(self) -> int:
        """0 for Monday … 6 for Sunday, as :meth:`datetime.date.weekday`."""
        return list(Weekday).index(self)


class WorkingDayRule(StrEnum):
    """Where N working days after a moment end (cities differ, so it is configuration)."""

    KEEP_TIME_OF_DAY = "keep_time_of_day"
    """At the same local time on the Nth working day after the clock starts (10:15 → 10:15);
    clamped to that day's close when the day ends earlier (a half day)."""
    END_OF_DAY = "end_of_day"
    """At the close of the Nth working day after the day the clock starts (下班前)."""


class UnknownYearRule(StrEnum):
    """What to do in a year whose holiday schedule is not announced yet."""

    PROVISIONAL = "provisional"
    """The default: compute on a provisional calendar and report the year as provisional
    (a deadline never refuses an action).  The provisional calendar is the ``holidays``
    package's rules-based data for the country where it has the year, else the workweek
    with the fixed-date holidays (China: 1 January, 1 May, 1–3 October)."""
    RAISE = "raise"
    """Raise :class:`~gridgov.errors.CalendarUnknownYear` (never guess)."""
    ASSUME_WORKWEEK = "assume_workweek"
    """Use the plain workweek without holidays, and report the year as assumed."""


_PERIOD = re.compile(r"^\s*(\d{1,2}):(\d{2})\s*-\s*(\d{1,2}):(\d{2})\s*$")


class Period(BaseModel):
    """One working period within a day, in local wall-clock minutes (``"08:30-12:00"``).

    The end may be ``24:00``; a period never crosses midnight.
    """

    model_config = ConfigDict(frozen=True)

    start_minute: int = Field(ge=0, le=1439)
    end_minute: int = Field(ge=1, le=1440)

    @model_validator(mode="before")
    @classmethod
    def _from_text(cls, value: Any) -> Any:
        if not isinstance(value, str):
            return value
        match = _PERIOD.match(value)
        if match is None:
            raise ValueError(
                f"cannot read period {value!r}: expected 'HH:MM-HH:MM' like '08:30-12:00'"
            )
        sh, sm, eh, em = (int(g) for g in match.groups())
        if sm > 59 or em > 59 or sh > 23 or eh > 24 or (eh == 24 and em):
            raise ValueError(f"period {value!r}: hours 00-24 and minutes 00-59 expected")
        return {"start_minute": sh * 60 + sm, "end_minute": eh * 60 + em}

    @model_validator(mode="after")
    def _ordered(self) -> Period:
        if self.end_minute <= self.start_minute:
            raise ValueError(f"period {self}: the end must come after the start")
        return self

    def minutes(self) -> tuple[int, int]:
        """``(start, end)`` in minutes after local midnight."""
        return self.start_minute, self.end_minute

    def __str__(self) -> str:
        s, e = self.start_minute, self.end_minute
        return f"{s // 60:02d}:{s % 60:02d}-{e // 60:02d}:{e % 60:02d}"


def _check_periods(periods: tuple[Period, ...]) -> tuple[Period, ...]:
    ordered = tuple(sorted(periods, key=Period.minutes))
    for before, after in pairwise(ordered):
        if after.start_minute < before.end_minute:
            raise ValueError(f"periods {before} and {after} overlap")
    return ordered


class HolidaySource(BaseModel):
    """Where public holidays and make-up working days (调休) come from.

    ``provider = "chinese_calendar"`` reads the ``chinesecalendar`` package: China only, and
    the years it knows are exactly the years it has data for.  ``provider = "holidays"``
    reads the ``holidays`` package for any ``country`` (and ``subdiv``); that package
    computes any year by rule, announced or not, so ``last_known_year`` must say up to
    which year its answer is trusted.
    """

    model_config = ConfigDict(frozen=True, extra="forbid")

    provider: Literal["chinese_calendar", "holidays"] = "chinese_calendar"
    country: str = "CN"
    subdiv: str | None = None
    first_known_year: int | None = None
    last_known_year: int | None = None

    @model_validator(mode="after")
    def _consistent(self) -> HolidaySource:
        if self.provider == "chinese_calendar" and (self.country != "CN" or self.subdiv):
            raise ValueError("provider 'chinese_calendar' only knows China: country = 'CN'")
        if self.provider == "holidays" and self.last_known_year is None:
            raise ValueError(
                "provider 'holidays' guesses years not announced yet: "
                "set last_known_year to the last year you trust"
            )
        first, last = self.first_known_year, self.last_known_year
        if first is not None and last is not None and last < first:
            raise ValueError("last_known_year is before first_known_year")
        return self


class CalendarSpec(BaseModel):
    """A working calendar as data: time zone, weekly hours, holidays, per-date overrides.

    ``working_hours`` are the periods of an ordinary working day, also used on make-up
    working days (调休上班); ``weekday_hours`` replaces them on given weekdays (a short
    Friday).  ``overrides`` set one date's periods outright: ``[]`` closes it, a list of
    periods opens it with those hours (a half day, an extra duty day 值班).
    """

    model_config = ConfigDict(frozen=True, extra="forbid")

    name: str = Field(min_length=1)
    label_zh: str | None = None
    timezone: TimeZoneName = "Asia/Shanghai"
    working_hours: tuple[Period, ...] = Field(
        default=(Period.model_validate("08:30-12:00"), Period.model_validate("13:30-17:30")),
        min_length=1,
    )
    workweek: tuple[Weekday, ...] = (
        Weekday.MON,
        Weekday.TUE,
        Weekday.WED,
        Weekday.THU,
        Weekday.FRI,
    )
    weekday_hours: dict[Weekday, tuple[Period, ...]] = Field(default_factory=dict)
    holidays: HolidaySource | None = None
    overrides: dict[date, tuple[Period, ...]] = Field(default_factory=dict)
    working_day_rule: WorkingDayRule = WorkingDayRule.KEEP_TIME_OF_DAY
    unknown_year: UnknownYearRule = UnknownYearRule.PROVISIONAL

    @field_validator("working_hours")
    @classmethod
    def _working_hours(cls, value: tuple[Period, ...]) -> tuple[Period, ...]:
        return _check_periods(value)

    @field_validator("weekday_hours", "overrides")
    @classmethod
    def _keyed_periods(cls, value: dict[Any, tuple[Period, ...]]) -> dict[Any, tuple[Period, ...]]:
        return {key: _check_periods(periods) for key, periods in value.items()}

    @field_validator("workweek")
    @classmethod
    def _workweek(cls, value: tuple[Weekday, ...]) -> tuple[Weekday, ...]:
        return tuple(sorted(set(value), key=lambda d: d.iso_index))

    @classmethod
    def always_open(cls, name: str = "24x7", *, timezone: str = "Asia/Shanghai") -> CalendarSpec:
        """Every minute of every day counts (全天候), no holidays: for 24/7 clocks."""
        return cls(
            name=name,
            timezone=timezone,
            working_hours=(Period(start_minute=0, end_minute=1440),),
            workweek=tuple(Weekday),
        )
