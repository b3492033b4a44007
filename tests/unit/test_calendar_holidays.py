"""Holiday data comes from two maintained libraries that must agree, and unknown years are
unknown: neither is trusted beyond what it really knows."""

from __future__ import annotations

from datetime import date, timedelta

import chinese_calendar
import holidays
import pytest

from gridgov.errors import CalendarUnknownYear
from gridgov.sla import CalendarSpec, HolidaySource, WorkingCalendar


def _days(first: date, last: date) -> list[date]:
    return [first + timedelta(days=n) for n in range((last - first).days + 1)]


def test_holidays_and_chinese_calendar_agree_on_every_day_2010_to_2026() -> None:
    cn = holidays.country_holidays("CN", years=range(2010, 2027))
    disagree = [
        day
        for day in _days(date(2010, 1, 1), date(2026, 12, 31))
        if cn.is_working_day(day) != chinese_calendar.is_workday(day)
    ]
    assert disagree == []


def test_calendars_built_on_either_library_agree_on_working_days() -> None:
    by_chinese_calendar = WorkingCalendar(
        CalendarSpec(name="a", holidays=HolidaySource(provider="chinese_calendar"))
    )
    by_holidays = WorkingCalendar(
        CalendarSpec(
            name="b",
            holidays=HolidaySource(provider="holidays", country="CN", last_known_year=2026),
        )
    )
    days = _days(date(2010, 1, 1), date(2026, 12, 31))
    differ = [
        day
        for day in days
        if by_chinese_calendar.is_working_day(day) != by_holidays.is_working_day(day)
    ]
    assert differ == []
    makeup = [d for d in days if d.weekday() >= 5 and by_chinese_calendar.is_working_day(d)]
    assert len(makeup) > 50  # 调休 Saturdays and Sundays: several every year


def test_chinese_calendar_known_years_are_its_data_years() -> None:
    calendar = WorkingCalendar(
        CalendarSpec(name="cn", holidays=HolidaySource(provider="chinese_calendar"))
    )
    known = [year for year in range(1990, 2100) if calendar.knows_year(year)]
    data_years = sorted({day.year for day in chinese_calendar.holidays})
    assert known == list(range(data_years[0], data_years[-1] + 1))
    with pytest.raises(NotImplementedError):
        chinese_calendar.is_workday(date(known[-1] + 1, 3, 2))  # the library does not guess


def test_holidays_guesses_an_unannounced_year_so_gridgov_does_not_ask_it() -> None:
    unannounced = date(2099, 10, 1)
    assert unannounced in holidays.country_holidays("CN", years=2099)  # a guess, no 调休
    calendar = WorkingCalendar(
        CalendarSpec(
            name="cn",
            holidays=HolidaySource(provider="holidays", country="CN", last_known_year=2026),
            unknown_year="raise",
        )
    )
    with pytest.raises(CalendarUnknownYear) as caught:
        calendar.is_working_day(unannounced)
    assert caught.value.year == 2099


def test_known_years_can_be_narrowed() -> None:
    calendar = WorkingCalendar(
        CalendarSpec(
            name="cn",
            holidays=HolidaySource(provider="chinese_calendar", last_known_year=2020),
        )
    )
    assert calendar.knows_year(2020)
    assert not calendar.knows_year(2021)


def test_the_fingerprint_names_the_holiday_data() -> None:
    a = WorkingCalendar(CalendarSpec(name="cn", holidays=HolidaySource()))
    b = WorkingCalendar(CalendarSpec(name="cn", holidays=HolidaySource(last_known_year=2020)))
    assert a.fingerprint != b.fingerprint
