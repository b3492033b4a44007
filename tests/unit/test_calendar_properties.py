"""Properties every working calendar keeps, checked with hypothesis on real calendars:
China's official calendar (调休 included) in Shanghai and office hours in New York across
its DST changes, plus a 24/7 calendar in New York."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from gridgov.sla import CalendarSpec, Duration, DurationUnit, WorkingCalendar

CALENDARS = {
    "china_office": WorkingCalendar(
        CalendarSpec(name="china_office", holidays={"provider": "chinese_calendar"})
    ),
    "boston_office": WorkingCalendar(
        CalendarSpec(
            name="boston_office",
            timezone="America/New_York",
            working_hours=["08:30-17:00"],
            holidays={
                "provider": "holidays",
                "country": "US",
                "subdiv": "MA",
                "last_known_year": 2026,
            },
        )
    ),
    "new_york_24x7": WorkingCalendar.always_open("ny", timezone="America/New_York"),
}
NAMES = sorted(CALENDARS)

# Moments from 2015 to 2024, in UTC: Spring Festivals, National Days, every DST change,
# and 400 working days later is still a year the calendars know.
moments = st.datetimes(
    min_value=datetime(2015, 1, 1), max_value=datetime(2024, 12, 1), timezones=st.just(UTC)
)
# Moments near the 2015 New York DST changes.
dst_moments = st.sampled_from([datetime(2015, 3, 8, 7, 0), datetime(2015, 11, 1, 6, 0)]).flatmap(
    lambda change: st.integers(-36 * 60, 36 * 60).map(
        lambda minutes: (change + timedelta(minutes=minutes)).replace(tzinfo=UTC)
    )
)
working_units = st.sampled_from([DurationUnit.MINUTES, DurationUnit.HOURS])
all_units = st.sampled_from(list(DurationUnit))
amounts = st.integers(min_value=0, max_value=400)


@settings(max_examples=300, deadline=None)
@given(name=st.sampled_from(NAMES), start=moments | dst_moments, unit=working_units, amount=amounts)
def test_working_time_to_the_deadline_is_the_duration(
    name: str, start: datetime, unit: DurationUnit, amount: int
) -> None:
    calendar = CALENDARS[name]
    duration = Duration(amount=amount, unit=unit)
    assert calendar.working_time_between(start, calendar.add(start, duration)) == (
        duration.as_timedelta()
    )


@settings(max_examples=300, deadline=None)
@given(
    name=st.sampled_from(NAMES),
    start=moments | dst_moments,
    later=st.integers(0, 10 * 24 * 60),
    unit=all_units,
    amount=amounts,
)
def test_deadlines_are_monotone_in_the_start(
    name: str, start: datetime, later: int, unit: DurationUnit, amount: int
) -> None:
    calendar = CALENDARS[name]
    duration = Duration(amount=amount, unit=unit)
    assert calendar.add(start, duration) <= calendar.add(start + timedelta(minutes=later), duration)


@settings(max_examples=300, deadline=None)
@given(
    name=st.sampled_from(NAMES), start=moments | dst_moments, unit=all_units, a=amounts, b=amounts
)
def test_deadlines_are_monotone_in_the_duration(
    name: str, start: datetime, unit: DurationUnit, a: int, b: int
) -> None:
    calendar = CALENDARS[name]
    small, large = sorted((a, b))
    assert calendar.add(start, Duration(amount=small, unit=unit)) <= calendar.add(
        start, Duration(amount=large, unit=unit)
    )


@settings(max_examples=300, deadline=None)
@given(
    name=st.sampled_from(NAMES),
    start=moments,
    run=st.integers(0, 5 * 24 * 60),
    paused=st.integers(0, 5 * 24 * 60),
    unit=working_units,
    amount=st.integers(1, 200),
)
def test_a_pause_shifts_the_deadline_by_exactly_the_paused_working_time(
    name: str, start: datetime, run: int, paused: int, unit: DurationUnit, amount: int
) -> None:
    calendar = CALENDARS[name]
    duration = Duration(amount=amount, unit=unit)
    suspend = start + timedelta(minutes=run)
    resume = suspend + timedelta(minutes=paused)
    spent = calendar.working_time_between(start, suspend)
    if spent >= duration.as_timedelta():
        return  # due before the pause: nothing to shift
    due = calendar.add_working_time(resume, duration.as_timedelta() - spent)
    unpaused = calendar.add(start, duration)
    shift = calendar.working_time_between(suspend, resume)
    assert calendar.working_time_between(unpaused, due) == shift


@settings(max_examples=200, deadline=None)
@given(name=st.sampled_from(NAMES), start=moments | dst_moments)
def test_the_next_working_moment_is_working_time(name: str, start: datetime) -> None:
    calendar = CALENDARS[name]
    moment = calendar.next_working_moment(start)
    assert moment >= start
    assert calendar.is_working_moment(moment)
    assert calendar.working_time_between(start, moment) == timedelta(0)


@pytest.mark.parametrize("name", NAMES)
def test_results_are_utc_so_they_order_correctly_in_the_repeated_autumn_hour(name: str) -> None:
    calendar = CALENDARS[name]
    due = calendar.add(datetime(2020, 6, 1, 3, 0, tzinfo=UTC), Duration.parse("3wd"))
    assert due.tzinfo is UTC
