"""Deadline arithmetic on working calendars: worked cases a person can check by hand."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from gridgov.errors import CalendarUnknownYear, InvalidTime
from gridgov.sla import CalendarSpec, Duration, WorkingCalendar

SH = ZoneInfo("Asia/Shanghai")
NY = ZoneInfo("America/New_York")


def sh(year: int, month: int, day: int, hour: int = 0, minute: int = 0) -> datetime:
    return datetime(year, month, day, hour, minute, tzinfo=SH)


def ny(year: int, month: int, day: int, hour: int = 0, minute: int = 0) -> datetime:
    return datetime(year, month, day, hour, minute, tzinfo=NY)


@pytest.fixture(scope="module")
def office() -> WorkingCalendar:
    """Hangzhou office hours 08:30-12:00 and 13:30-17:30 on China's official calendar."""
    return WorkingCalendar(CalendarSpec(name="hz", holidays={"provider": "chinese_calendar"}))


def d(text: str) -> Duration:
    return Duration.parse(text)


# --------------------------------------------------------------------------- working minutes


def test_minutes_inside_one_period(office: WorkingCalendar) -> None:
    assert office.add(sh(2025, 3, 3, 9, 0), d("90m")) == sh(2025, 3, 3, 10, 30)


def test_minutes_skip_the_lunch_break(office: WorkingCalendar) -> None:
    assert office.add(sh(2025, 3, 3, 11, 30), d("60m")) == sh(2025, 3, 3, 14, 0)


def test_start_after_hours_starts_at_the_next_working_moment(office: WorkingCalendar) -> None:
    assert office.add(sh(2025, 3, 3, 20, 0), d("5m")) == sh(2025, 3, 4, 8, 35)
    assert office.next_working_moment(sh(2025, 3, 3, 12, 30)) == sh(2025, 3, 3, 13, 30)
    assert office.next_working_moment(sh(2025, 3, 3, 9, 0)) == sh(2025, 3, 3, 9, 0)


def test_a_deadline_may_fall_exactly_at_closing_time(office: WorkingCalendar) -> None:
    assert office.add(sh(2025, 3, 3, 16, 30), d("1h")) == sh(2025, 3, 3, 17, 30)


def test_working_time_between_counts_only_periods(office: WorkingCalendar) -> None:
    # Friday 16:00 to Monday 09:00: 1.5 h on Friday, 0.5 h on Monday.
    got = office.working_time_between(sh(2025, 3, 7, 16, 0), sh(2025, 3, 10, 9, 0))
    assert got == timedelta(hours=2)
    assert office.working_time_between(sh(2025, 3, 10, 9, 0), sh(2025, 3, 7, 16, 0)) == -got


def test_results_are_in_utc_whatever_the_input_zone(
    office: WorkingCalendar,
) -> None:
    start = datetime(2025, 3, 3, 1, 0, tzinfo=ZoneInfo("UTC"))  # 09:00 in Shanghai
    due = office.add(start, d("30m"))
    assert due == sh(2025, 3, 3, 9, 30)
    assert due.utcoffset() == timedelta(0)


def test_naive_times_are_refused(office: WorkingCalendar) -> None:
    with pytest.raises(InvalidTime, match="time-zone-aware"):
        office.add(datetime(2025, 3, 3, 9, 0), d("5m"))


# --------------------------------------------------------------------------- 调休


def test_spring_festival_2015_and_its_make_up_days(office: WorkingCalendar) -> None:
    # 2015 春节: off 18-24 February; Sunday 15 Feb and Saturday 28 Feb are working days.
    assert office.is_working_day(date(2015, 2, 15))
    assert not office.is_working_day(date(2015, 2, 18))
    assert office.is_working_day(date(2015, 2, 28))
    # Tuesday 17 Feb 10:00 + 2 working days: the holiday week is skipped, Wed 25, Thu 26.
    assert office.add(sh(2015, 2, 17, 10, 0), d("2wd")) == sh(2015, 2, 26, 10, 0)


def test_a_make_up_saturday_is_a_working_day(office: WorkingCalendar) -> None:
    # 2015 国庆: off 1-7 October; Saturday 10 October is a make-up working day.
    assert office.add(sh(2015, 10, 9, 17, 0), d("60m")) == sh(2015, 10, 10, 9, 0)
    assert office.add(sh(2015, 9, 30, 10, 15), d("3wd")) == sh(2015, 10, 10, 10, 15)


def test_national_day_week_has_no_working_time(office: WorkingCalendar) -> None:
    week = office.working_time_between(sh(2015, 10, 1, 0, 0), sh(2015, 10, 8, 0, 0))
    assert week == timedelta(0)


# --------------------------------------------------------------------------- working days


def test_working_days_keep_the_time_of_day(office: WorkingCalendar) -> None:
    # Friday 10:15 + 1 working day = Monday 10:15.
    assert office.add(sh(2025, 3, 7, 10, 15), d("1wd")) == sh(2025, 3, 10, 10, 15)


def test_working_days_from_after_hours_start_next_morning(office: WorkingCalendar) -> None:
    assert office.add(sh(2025, 3, 7, 19, 0), d("1wd")) == sh(2025, 3, 11, 8, 30)


def test_working_days_end_of_day_rule() -> None:
    cal = WorkingCalendar(CalendarSpec(name="eod", working_day_rule="end_of_day"))
    assert cal.add(sh(2025, 3, 7, 10, 15), d("1wd")) == sh(2025, 3, 10, 17, 30)
    assert cal.add(sh(2025, 3, 7, 10, 15), d("0wd")) == sh(2025, 3, 7, 17, 30)


def test_a_half_day_override_clamps_a_working_day_deadline_to_its_close() -> None:
    cal = WorkingCalendar(CalendarSpec(name="half", overrides={date(2025, 3, 11): ["08:30-12:00"]}))
    assert cal.add(sh(2025, 3, 10, 15, 0), d("1wd")) == sh(2025, 3, 11, 12, 0)
    assert cal.working_time_between(sh(2025, 3, 11, 0, 0), sh(2025, 3, 12, 0, 0)) == timedelta(
        hours=3, minutes=30
    )


def test_an_extra_duty_day_override_opens_a_sunday() -> None:
    cal = WorkingCalendar(CalendarSpec(name="duty", overrides={date(2025, 3, 9): ["09:00-11:00"]}))
    assert cal.add(sh(2025, 3, 8, 12, 0), d("30m")) == sh(2025, 3, 9, 9, 30)


def test_calendar_units_ignore_working_hours(office: WorkingCalendar) -> None:
    start = sh(2025, 3, 8, 22, 0)  # a Saturday night
    assert office.add(start, d("90cm")) == sh(2025, 3, 8, 23, 30)
    assert office.add(start, d("2ch")) == sh(2025, 3, 9, 0, 0)
    assert office.add(start, d("2cd")) == sh(2025, 3, 10, 22, 0)


# --------------------------------------------------------------------------- unknown years


def _raising() -> WorkingCalendar:
    return WorkingCalendar(
        CalendarSpec(name="hz", holidays={"provider": "chinese_calendar"}, unknown_year="raise")
    )


def test_a_deadline_in_an_unknown_year_is_provisional_by_default(office: WorkingCalendar) -> None:
    last = max(y for y in range(2000, 2100) if office.knows_year(y))
    assert office.add(sh(last, 12, 30, 10, 0), d("10wd")).year == last + 1
    assert office.assumed_years == frozenset({last + 1})


def test_a_deadline_in_an_unknown_year_raises_when_configured() -> None:
    office = _raising()
    last = max(y for y in range(2000, 2100) if office.knows_year(y))
    with pytest.raises(CalendarUnknownYear) as caught:
        office.add(sh(last, 12, 30, 10, 0), d("10wd"))
    assert caught.value.year == last + 1
    assert caught.value.calendar == "hz"


def test_a_start_in_an_unknown_year_raises_when_configured() -> None:
    office = _raising()
    with pytest.raises(CalendarUnknownYear, match="no announced holiday schedule for 2099"):
        office.add(sh(2099, 3, 2, 10, 0), d("5m"))


def test_an_explicit_fallback_assumes_the_workweek_and_says_so() -> None:
    cal = WorkingCalendar(
        CalendarSpec(
            name="fallback",
            holidays={"provider": "chinese_calendar"},
            unknown_year="assume_workweek",
        )
    )
    assert cal.add(sh(2099, 3, 6, 10, 0), d("1wd")) == sh(2099, 3, 9, 10, 0)  # Fri -> Mon
    assert cal.assumed_years == frozenset({2099})


def test_holidays_provider_knows_years_up_to_the_configured_last() -> None:
    cal = WorkingCalendar(
        CalendarSpec(
            name="ma",
            timezone="America/New_York",
            holidays={
                "provider": "holidays",
                "country": "US",
                "subdiv": "MA",
                "last_known_year": 2016,
            },
            unknown_year="raise",
        )
    )
    assert not cal.is_working_day(date(2015, 4, 20))  # Patriots' Day
    with pytest.raises(CalendarUnknownYear):
        cal.is_working_day(date(2017, 4, 17))


# --------------------------------------------------------------------------- DST


def test_a_24x7_day_with_spring_forward_has_23_hours() -> None:
    cal = WorkingCalendar.always_open(timezone="America/New_York")
    assert cal.working_time_between(ny(2015, 3, 8), ny(2015, 3, 9)) == timedelta(hours=23)
    assert cal.working_time_between(ny(2015, 11, 1), ny(2015, 11, 2)) == timedelta(hours=25)


def test_24x7_working_hours_count_absolute_time_across_dst() -> None:
    cal = WorkingCalendar.always_open(timezone="America/New_York")
    # 01:30 EST + 1 working hour = 03:30 EDT (02:xx does not exist that night).
    assert cal.add(ny(2015, 3, 8, 1, 30), d("1h")) == ny(2015, 3, 8, 3, 30)


def test_24x7_working_day_keeps_the_wall_clock_time_across_dst() -> None:
    cal = WorkingCalendar.always_open(timezone="America/New_York")
    due = cal.add(ny(2015, 3, 7, 10, 0), d("1wd"))
    assert due == ny(2015, 3, 8, 10, 0)
    assert due - ny(2015, 3, 7, 10, 0).astimezone(UTC) == timedelta(hours=23)


def test_office_hours_are_wall_clock_hours_on_both_sides_of_dst() -> None:
    cal = WorkingCalendar(
        CalendarSpec(name="boston", timezone="America/New_York", working_hours=["08:30-17:00"])
    )
    # Friday 12:00 EST to Monday 12:00 EDT: 5 h + 3.5 h of office time.
    assert cal.working_time_between(ny(2015, 3, 6, 12, 0), ny(2015, 3, 9, 12, 0)) == timedelta(
        hours=8, minutes=30
    )
    assert cal.add(ny(2015, 3, 6, 16, 0), d("2h")) == ny(2015, 3, 9, 9, 30)
    assert cal.add(ny(2015, 10, 30, 16, 0), d("2h")) == ny(2015, 11, 2, 9, 30)


def test_calendar_days_keep_the_wall_clock_time_across_dst() -> None:
    cal = WorkingCalendar.always_open(timezone="America/New_York")
    assert cal.add(ny(2015, 3, 7, 10, 0), d("1cd")) == ny(2015, 3, 8, 10, 0)


# --------------------------------------------------------------------------- identity


def test_fingerprint_follows_the_spec() -> None:
    a = WorkingCalendar(CalendarSpec(name="a"))
    same = WorkingCalendar(CalendarSpec(name="a"))
    other = WorkingCalendar(CalendarSpec(name="a", working_hours=["09:00-17:00"]))
    assert a.fingerprint == same.fingerprint
    assert a.fingerprint != other.fingerprint
    assert len(a.fingerprint) == 16


@pytest.mark.parametrize(
    "zone",
    ["America/Santiago", "Asia/Beirut", "Australia/Lord_Howe", "America/New_York"],
    ids=["midnight-change", "midnight-change-2", "half-hour-dst", "new-york"],
)
def test_24x7_working_time_is_elapsed_time_in_unusual_dst_zones(zone: str) -> None:
    cal = WorkingCalendar.always_open(timezone=zone)
    start = datetime(2015, 1, 1, tzinfo=UTC)
    for hours in range(0, 3 * 365 * 24, 37):  # every 37 hours for three years
        a = start + timedelta(hours=hours, minutes=hours % 60)
        b = a + timedelta(hours=30)
        assert cal.working_time_between(a, b) == b - a
        assert cal.add(a, d("90m")) == a + timedelta(minutes=90)
