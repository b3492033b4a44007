"""Public holidays and make-up working days (法定节假日与调休) from maintained libraries.

Nothing here is a hand-written list.  Two providers:

* ``chinese_calendar`` (package ``chinesecalendar``): China's State Council schedule,
  including the weekend days that become working days (调休上班).  It raises for years
  it has no data for, so the known years are exactly the years it covers.
* ``holidays``: every country and subdivision, computed by rule.  It answers for any
  year, announced or not (for China it would miss the make-up days of an unannounced
  year), so a calendar must say up to which year it trusts it (``last_known_year``).

A year outside the known range is *unknown*: :class:`YearDays` are never guessed.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from functools import cache
from importlib.metadata import version

import chinese_calendar
import holidays as holidays_lib

from gridgov.sla._calendar_spec import HolidaySource

__all__ = ["HolidayProvider", "YearDays", "holiday_provider", "provisional_year_days"]

FIXED_DATE_HOLIDAYS: dict[str, tuple[tuple[int, int], ...]] = {
    "CN": ((1, 1), (5, 1), (10, 1), (10, 2), (10, 3)),
}
"""The holidays on a fixed calendar date, by country: the last-resort provisional days off."""


@dataclass(frozen=True, slots=True)
class YearDays:
    """One year's exceptions to the workweek: days off on working weekdays and make-up days."""

    days_off: frozenset[date]
    """Public holidays (and their bridging days) that close the office."""
    makeup_days: frozenset[date]
    """Weekend days that are working days (调休上班)."""


@dataclass(frozen=True, slots=True)
class HolidayProvider:
    """Answers which days are off in a year, for the years it honestly knows."""

    source: HolidaySource | None
    first_year: int | None
    last_year: int | None

    @property
    def description(self) -> str:
        """Provider, country, known years and library version (goes into fingerprints)."""
        if self.source is None:
            return "no-holidays"
        package = "chinesecalendar" if self.source.provider == "chinese_calendar" else "holidays"
        where = self.source.country + (f"-{self.source.subdiv}" if self.source.subdiv else "")
        years = f"{self.first_year}-{self.last_year}"
        return f"{self.source.provider}:{where}:{years}:{package}=={version(package)}"

    def knows(self, year: int) -> bool:
        """True when the schedule for ``year`` is announced (always, without holidays)."""
        if self.first_year is not None and year < self.first_year:
            return False
        return self.last_year is None or year <= self.last_year

    def year_days(self, year: int) -> YearDays:
        """The exceptions of a known year (the caller checks :meth:`knows` first)."""
        if self.source is None:
            return YearDays(frozenset(), frozenset())
        if self.source.provider == "chinese_calendar":
            return _chinese_calendar_year(year)
        return _holidays_year(self.source.country, self.source.subdiv, year)


def holiday_provider(source: HolidaySource | None) -> HolidayProvider:
    """The provider for a calendar's ``holidays`` setting, with its known years settled.

    >>> from gridgov.sla._calendar_spec import HolidaySource
    >>> provider = holiday_provider(HolidaySource(provider="chinese_calendar"))
    >>> provider.knows(2015), provider.knows(1999)
    (True, False)
    >>> date(2015, 10, 10) in provider.year_days(2015).makeup_days   # a make-up Saturday
    True
    """
    if source is None:
        return HolidayProvider(None, None, None)
    if source.provider == "chinese_calendar":
        lib_first, lib_last = _chinese_calendar_years()
        first = max(lib_first, source.first_known_year or lib_first)
        last = min(lib_last, source.last_known_year or lib_last)
        return HolidayProvider(source, first, last)
    lib_class = type(holidays_lib.country_holidays(source.country, subdiv=source.subdiv))
    lib_first = int(getattr(lib_class, "start_year", 1900))
    return HolidayProvider(source, source.first_known_year or lib_first, source.last_known_year)


@cache
def _chinese_calendar_years() -> tuple[int, int]:
    years = [day.year for day in chinese_calendar.holidays]
    return min(years), max(years)


@cache
def _chinese_calendar_year(year: int) -> YearDays:
    off = frozenset(day for day in chinese_calendar.holidays if day.year == year)
    makeup = frozenset(
        day for day in chinese_calendar.workdays if day.year == year and day.weekday() >= 5
    )
    return YearDays(off, makeup)


@cache
def _holidays_year(country: str, subdiv: str | None, year: int) -> YearDays:
    table = holidays_lib.country_holidays(country, subdiv=subdiv, years=year)
    off = frozenset(day for day in table if day.year == year)
    weekend_workdays: set[date] = getattr(table, "weekend_workdays", set())
    makeup = frozenset(day for day in weekend_workdays if day.year == year)
    return YearDays(off, makeup)


@cache
def provisional_year_days(country: str, subdiv: str | None, year: int) -> YearDays:
    """The days off of a year whose official schedule is not in the installed data.

    The ``holidays`` package's rules-based data where it has the year (it knows no
    make-up days of an unannounced year), else the fixed-date holidays of the country.

    >>> days = provisional_year_days("CN", None, 2027)
    >>> date(2027, 10, 1) in days.days_off, days.makeup_days
    (True, frozenset())
    """
    try:
        off = _holidays_year(country, subdiv, year).days_off
    except NotImplementedError:
        off = frozenset()
    if not off:
        fixed = FIXED_DATE_HOLIDAYS.get(country, ((1, 1),))
        off = frozenset(date(year, month, day) for month, day in fixed)
    return YearDays(off, frozenset())
