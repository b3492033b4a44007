"""Working calendars (工作日历): deadline arithmetic on working time.

>>> from datetime import datetime
>>> from zoneinfo import ZoneInfo
>>> from gridgov.sla import CalendarSpec, Duration, WorkingCalendar
>>> cal = WorkingCalendar(CalendarSpec(name="hz", holidays={"provider": "chinese_calendar"}))
>>> shanghai = ZoneInfo("Asia/Shanghai")

Reported the morning before National Day 2015 (国庆), due in 3 working days: the
holiday week is skipped, and the third working day is Saturday 10 October, a make-up
working day (调休上班).  Working days keep the time of day.

>>> due = cal.add(datetime(2015, 9, 30, 10, 15, tzinfo=shanghai), Duration.parse("3wd"))
>>> due.astimezone(shanghai).isoformat()
'2015-10-10T10:15:00+08:00'
>>> due.isoformat()
'2015-10-10T02:15:00+00:00'
>>> cal.add(datetime(2015, 10, 9, 17, 0, tzinfo=shanghai), Duration.parse("60m")).astimezone(
...     shanghai
... ).isoformat()
'2015-10-10T09:00:00+08:00'
>>> cal.working_time_between(
...     datetime(2015, 10, 9, 17, 0, tzinfo=shanghai), datetime(2015, 10, 10, 9, 0, tzinfo=shanghai)
... )
datetime.timedelta(seconds=3600)
"""

from __future__ import annotations

import hashlib
from bisect import bisect_left, bisect_right
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

from gridgov.errors import CalendarError, CalendarUnknownYear, InvalidTime
from gridgov.sla._calendar_port import DurationLike
from gridgov.sla._calendar_spec import CalendarSpec, UnknownYearRule, WorkingDayRule
from gridgov.sla._calendar_table import (
    EPOCH,
    ONE_US,
    CalendarTable,
    build_table,
    from_us,
    to_us,
)
from gridgov.sla._duration import Duration, DurationUnit
from gridgov.sla._holidays import (
    HolidayProvider,
    YearDays,
    holiday_provider,
    provisional_year_days,
)

__all__ = ["WorkingCalendar"]

_US_PER_MINUTE = 60_000_000
_US_PER_HOUR = 60 * _US_PER_MINUTE
_MINUTES, _HOURS, _WORKING_DAYS = (
    DurationUnit.MINUTES,
    DurationUnit.HOURS,
    DurationUnit.WORKING_DAYS,
)
_CALENDAR_MINUTES, _CALENDAR_HOURS, _CALENDAR_DAYS = (
    DurationUnit.CALENDAR_MINUTES,
    DurationUnit.CALENDAR_HOURS,
    DurationUnit.CALENDAR_DAYS,
)
_MAX_YEARS_WITHOUT_WORK = 10
_NEAR = 5  # years: a table is extended up to this far, else rebuilt around the new year


class WorkingCalendar:
    """When work happens, and what a duration of working time comes to.

    Built from a :class:`CalendarSpec`.  Times in are aware datetimes in any zone; results
    are aware datetimes in UTC (show them with ``.astimezone(calendar.zone)``).  UTC because
    Python compares two datetimes of the *same* zone by wall-clock time, ignoring the DST
    fold, which would misorder deadlines in the repeated autumn hour.  A clock that starts
    outside working hours starts at the next working moment (working units only; calendar
    units count from the start itself).
    """

    def __init__(self, spec: CalendarSpec) -> None:
        self.spec = spec
        self.zone = ZoneInfo(spec.timezone)
        self._holidays: HolidayProvider = holiday_provider(spec.holidays)
        self._assumed: set[int] = set()
        self._assumed_frozen: frozenset[int] = frozenset()
        self._memo: tuple[datetime | None, int] = (None, 0)
        self._years: tuple[int, int] | None = None
        self._end_of_day = spec.working_day_rule is WorkingDayRule.END_OF_DAY
        self._table = CalendarTable(date.min, date.min, 0, 0)
        self._workweek = tuple(
            next((d for d in spec.workweek if d.iso_index == index), None) for index in range(7)
        )
        digest = hashlib.sha256(
            (spec.model_dump_json() + "|" + self._holidays.description).encode()
        )
        self.fingerprint: str = digest.hexdigest()[:16]
        """Changes whenever the spec or the holiday data it reads changes."""

    @classmethod
    def always_open(cls, name: str = "24x7", *, timezone: str = "Asia/Shanghai") -> WorkingCalendar:
        """A calendar where every minute counts (7×24)."""
        return cls(CalendarSpec.always_open(name, timezone=timezone))

    @property
    def name(self) -> str:
        """The calendar's name, as policies refer to it."""
        return self.spec.name

    @property
    def assumed_years(self) -> frozenset[int]:
        """Years computed on the plain workweek because their schedule is unknown.

        Provisional years (``unknown_year = "provisional"``, the default) and assumed ones
        (``"assume_workweek"``); empty with ``"raise"``.  A caller that records deadlines
        should record these with them.
        """
        return self._assumed_frozen  # rebuilt when a year is assumed: clocks read it per cycle

    @property
    def official_years(self) -> tuple[int | None, int | None]:
        """First and last year of the official holiday data (``None``: unbounded); a year
        outside them is provisional (or refused, as ``unknown_year`` says)."""
        return self._holidays.first_year, self._holidays.last_year

    def provisional_years(self, first: int, last: int) -> tuple[int, ...]:
        """The years ``first..last`` this calendar computes without an announced holiday
        schedule (provisionally, or on the plain workweek): a property of the years and
        the installed data alone, whichever years were computed before (a deadline
        spanning a year is provisional in a replay's first ticket as in its last).
        Empty with ``unknown_year = "raise"`` (such a year is refused, not assumed)."""
        low, high = self._holidays.first_year, self._holidays.last_year
        if (high is None or last <= high) and (low is None or first >= low):
            return ()  # the usual case: every year spanned is known
        if self.spec.unknown_year is UnknownYearRule.RAISE:
            return ()
        return tuple(y for y in range(first, last + 1) if not self._holidays.knows(y))

    def knows_year(self, year: int) -> bool:
        """True when the holiday schedule of ``year`` is announced (or not needed)."""
        return self._holidays.knows(year)

    def __repr__(self) -> str:
        return f"WorkingCalendar({self.name!r}, timezone={self.spec.timezone!r})"

    # ----------------------------------------------------------------- queries

    def add(self, start: datetime, duration: DurationLike) -> datetime:
        """The moment ``duration`` after ``start``: the deadline of a clock started then.

        ``duration`` is a :class:`Duration` (or anything with its ``amount`` and ``unit``).
        """
        unit = duration.unit
        # Identity tests, not a dict: hashing an enum member runs Python code.
        if unit is _MINUTES or unit is _HOURS:
            step = _US_PER_MINUTE if unit is _MINUTES else _US_PER_HOUR
            due = self._add_working_us(self._us(start), duration.amount * step)
        elif unit is _WORKING_DAYS:
            due = self._add_working_days(self._us(start), duration.amount)
        elif unit is _CALENDAR_DAYS:
            self._us(start)  # rejects a naive start
            local = start.astimezone(self.zone) + timedelta(days=duration.amount)
            due = to_us(local)  # the same wall-clock time, whatever the DST offset
        elif unit is _CALENDAR_MINUTES or unit is _CALENDAR_HOURS:
            step = _US_PER_MINUTE if unit is _CALENDAR_MINUTES else _US_PER_HOUR
            due = self._us(start) + duration.amount * step
        else:
            return self.add(start, _as_duration(duration))
        return _utc(due)

    def add_measured(self, start: datetime, duration: DurationLike) -> tuple[datetime, timedelta]:
        """``add(start, duration)`` and the working time from ``start`` to it, in one go.

        What an SLA clock needs when it starts: its due time and its budget (工作时长).
        The same as ``add`` then ``working_time_between``, without converting twice;
        working minutes and hours need no measuring at all (the budget is the duration).
        """
        unit = duration.unit
        if unit is _MINUTES or unit is _HOURS:
            amount = duration.amount * (_US_PER_MINUTE if unit is _MINUTES else _US_PER_HOUR)
            return _utc(self._add_working_us(self._us(start), amount)), _budget(amount)
        if unit is _WORKING_DAYS:
            start_us = self._us(start)
            due_us = self._add_working_days(start_us, duration.amount)
            return _utc(due_us), _micro(self._working_us(start_us, due_us))
        due = self.add(start, duration)
        return due, self.working_time_between(start, due)

    def working_time_between(self, a: datetime, b: datetime) -> timedelta:
        """Working time from ``a`` to ``b`` (negative when ``b`` is before ``a``)."""
        try:
            a_us, b_us = self._to_us(a), self._to_us(b)
        except TypeError:  # a naive datetime
            raise InvalidTime(
                f"{a.isoformat()} / {b.isoformat()}", "time-zone-aware datetimes"
            ) from None
        return _micro(self._working_us(a_us, b_us))

    def _working_us(self, a_us: int, b_us: int) -> int:
        table = self._table
        if not (table.lo_us <= a_us < table.hi_us and table.lo_us <= b_us < table.hi_us):
            years = sorted(from_us(us, self.zone).year for us in (a_us, b_us))
            self._cover(years[0], years[1])  # one table for both: the counts share an origin
        return self._worked_until(b_us) - self._worked_until(a_us)

    def add_working_time(self, start: datetime, amount: timedelta) -> datetime:
        """The moment ``amount`` of working time after ``start`` (to the microsecond).

        The inverse of :meth:`working_time_between`; SLA clocks use it to move a
        deadline by paused working time.
        """
        return _utc(self._add_working_us(self._us(start), amount // ONE_US))

    def next_working_moment(self, moment: datetime) -> datetime:
        """``moment`` itself when it is working time, else the start of the next working period."""
        return _utc(self._add_working_us(self._us(moment), 0))

    def is_working_moment(self, moment: datetime) -> bool:
        """True when ``moment`` falls inside a working period."""
        us = self._us(moment)
        i = self._interval_at_or_after(us)
        return self._table.starts[i] <= us

    def is_working_day(self, day: date) -> bool:
        """True when the local date ``day`` has any working period."""
        return bool(self._periods_of(day))

    # ----------------------------------------------------------------- arithmetic

    def _us(self, moment: datetime) -> int:
        """``moment`` in µs since the epoch, the table covering its year."""
        try:
            us = self._to_us(moment)
        except TypeError:  # a naive datetime
            raise InvalidTime(moment.isoformat(), "a time-zone-aware datetime") from None
        table = self._table
        if not table.lo_us <= us < table.hi_us:
            year = from_us(us, self.zone).year
            self._cover(year, year)
        return us

    def _to_us(self, moment: datetime) -> int:
        """``moment`` in µs since the epoch, remembering the last one converted.

        A clock passes the same datetime object several times (its start to ``add``,
        then to ``working_time_between`` when it stops); datetimes are immutable, so
        the identity test is safe, and it is far cheaper than the aware subtraction.
        """
        last, us = self._memo
        if moment is last:
            return us
        us = (moment - EPOCH) // ONE_US
        self._memo = (moment, us)
        return us

    def _worked_until(self, us: int) -> int:
        """Working µs from the start of the table up to ``us``."""
        t = self._table
        i = bisect_right(t.starts, us) - 1
        if i < 0:
            return 0
        end = t.ends[i]
        return t.cum_start[i] + (us if us < end else end) - t.starts[i]

    def _interval_at_or_after(self, us: int) -> int:
        """The first interval that ends after ``us``, extending the table forward if needed."""
        for _ in range(_MAX_YEARS_WITHOUT_WORK):
            i = bisect_right(self._table.ends, us)
            if i < len(self._table.ends):
                return i
            self._extend_forward()
        raise CalendarError(
            f"calendar {self.name!r} has no working time after {from_us(us, self.zone)}"
        )

    def _add_working_us(self, us: int, amount: int) -> int:
        if amount == 0:
            i = self._interval_at_or_after(us)
            return max(us, self._table.starts[i])
        target = self._worked_until(us) + amount
        for _ in range(_MAX_YEARS_WITHOUT_WORK):
            t = self._table
            i = bisect_left(t.cum_end, target)
            if i < len(t.cum_end):
                return t.starts[i] + target - t.cum_start[i]
            self._extend_forward()  # keeps the table's start, so `target` stays valid
        raise CalendarError(f"calendar {self.name!r} has no working time for {amount} µs")

    def _add_working_days(self, us: int, days: int) -> int:
        t = self._table
        i = bisect_right(t.ends, us)
        if i == len(t.ends):
            i = self._interval_at_or_after(us)
            t = self._table
        start = t.starts[i]
        tod = t.tods[i] + us - start if us > start else t.tods[i]
        target_day = t.days[i] + days
        while target_day + 1 >= len(t.day_first):
            self._extend_forward()
            t = self._table
        first, after = t.day_first[target_day], t.day_first[target_day + 1]
        if self._end_of_day:
            return t.ends[after - 1]
        for k in range(first, after):
            if tod < t.tods[k] + t.ends[k] - t.starts[k]:
                return t.starts[k] + max(0, tod - t.tods[k])
        return t.ends[after - 1]  # the day closes before that time of day: due at its close

    # ----------------------------------------------------------------- the table

    def _cover(self, first: int, last: int) -> None:
        """Make the table cover the years ``first..last``: extend it when near, else start
        afresh there (the table is one contiguous range of years)."""
        if self._years is not None:
            lo, hi = self._years
            if first - _NEAR <= hi and last + _NEAR >= lo:
                first, last = min(first, lo), max(last, hi)
        self._build(first, last)

    def _extend_forward(self) -> None:
        if self._years is None:
            raise CalendarError(f"calendar {self.name!r}: nothing computed yet")
        self._build(self._years[0], self._years[1] + 1)

    def _build(self, first_year: int, last_year: int) -> None:
        self._table = build_table(
            date(first_year, 1, 1), date(last_year + 1, 1, 1), self.zone, self._periods_of
        )
        self._years = (first_year, last_year)

    def _periods_of(self, day: date) -> tuple[tuple[int, int], ...]:
        spec = self.spec
        override = spec.overrides.get(day)
        if override is not None:
            return tuple(p.minutes() for p in override)
        exceptions = self._year_days(day.year)
        if day in exceptions.makeup_days:
            return tuple(p.minutes() for p in spec.working_hours)
        weekday = self._workweek[day.weekday()]
        if day in exceptions.days_off or weekday is None:
            return ()
        return tuple(p.minutes() for p in spec.weekday_hours.get(weekday, spec.working_hours))

    def _year_days(self, year: int) -> YearDays:
        if self._holidays.knows(year):
            return self._holidays.year_days(year)
        if self.spec.unknown_year is UnknownYearRule.RAISE:
            raise CalendarUnknownYear(self.name, year)
        self._assumed.add(year)
        self._assumed_frozen = frozenset(self._assumed)
        source = self.spec.holidays
        if self.spec.unknown_year is UnknownYearRule.PROVISIONAL and source is not None:
            return provisional_year_days(source.country, source.subdiv, year)
        return YearDays(frozenset(), frozenset())


def _utc(us: int) -> datetime:
    """``from_us(us, UTC)``, the same value, without the round trip through a timestamp."""
    return EPOCH + timedelta(0, 0, us)  # positional: no keyword parsing (a hot path)


def _micro(us: int) -> timedelta:
    return timedelta(0, 0, us)


_BUDGETS: dict[int, timedelta] = {}
"""Working minutes and hours as budgets, by µs: a clock's budget is its duration, and
the same few durations start on every ticket."""


def _budget(us: int) -> timedelta:
    budget = _BUDGETS.get(us)
    if budget is None:
        if len(_BUDGETS) >= 4096:  # a policy has a handful; never grow without bound
            _BUDGETS.clear()
        budget = _BUDGETS[us] = timedelta(0, 0, us)
    return budget


def _as_duration(duration: DurationLike) -> Duration:
    try:
        return Duration(amount=duration.amount, unit=DurationUnit(duration.unit))
    except ValueError:
        known = ", ".join(DurationUnit)
        raise ValueError(
            f"unknown duration unit {duration.unit!r}: expected one of {known}"
        ) from None
