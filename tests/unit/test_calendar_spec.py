"""Durations and calendar specs: what a policy file may write, and the errors it gets."""

from __future__ import annotations

import tomllib
from datetime import date, timedelta

import pytest
from pydantic import ValidationError

from gridgov.sla import CalendarSpec, Duration, DurationUnit, Period, Weekday


@pytest.mark.parametrize(
    ("text", "amount", "unit"),
    [
        ("3 working_days", 3, DurationUnit.WORKING_DAYS),
        ("1 working_day", 1, DurationUnit.WORKING_DAYS),
        ("5m", 5, DurationUnit.MINUTES),
        ("24h", 24, DurationUnit.HOURS),
        ("3wd", 3, DurationUnit.WORKING_DAYS),
        ("2cd", 2, DurationUnit.CALENDAR_DAYS),
        ("90 calendar_minutes", 90, DurationUnit.CALENDAR_MINUTES),
        (" 12 HOURS ", 12, DurationUnit.HOURS),
    ],
)
def test_duration_parses_long_and_short_forms(text: str, amount: int, unit: DurationUnit) -> None:
    assert Duration.parse(text) == Duration(amount=amount, unit=unit)


@pytest.mark.parametrize("text", ["", "3", "three days", "3 fortnights", "-2h", "2.5h"])
def test_duration_rejects_text_naming_the_accepted_forms(text: str) -> None:
    with pytest.raises(ValueError, match="expected an amount and a unit") as caught:
        Duration.parse(text)
    assert repr(text) in str(caught.value)


def test_duration_reads_text_inside_a_pydantic_model() -> None:
    spec_like = {"amount": 2, "unit": "hours"}
    assert Duration.model_validate("2h") == Duration.model_validate(spec_like)


def test_duration_text_round_trips() -> None:
    assert Duration.parse(str(Duration.parse("3wd"))) == Duration.parse("3wd")


def test_working_and_calendar_units_differ() -> None:
    assert Duration.parse("3wd").is_working
    assert not Duration.parse("3cd").is_working
    assert Duration.parse("90m").as_timedelta() == timedelta(minutes=90)
    assert Duration.parse("2cd").as_timedelta() == timedelta(days=2)
    with pytest.raises(ValueError, match="no fixed length"):
        Duration.parse("1wd").as_timedelta()


def test_period_reads_text_and_allows_midnight_end() -> None:
    assert Period.model_validate("08:30-12:00").minutes() == (510, 720)
    assert Period.model_validate("00:00-24:00").minutes() == (0, 1440)


@pytest.mark.parametrize(
    "text", ["8-12", "12:00-08:30", "08:30-08:30", "25:00-26:00", "08:61-09:00"]
)
def test_period_rejects_bad_text(text: str) -> None:
    with pytest.raises(ValidationError):
        Period.model_validate(text)


def test_spec_rejects_overlapping_periods() -> None:
    with pytest.raises(ValidationError, match="overlap"):
        CalendarSpec(name="x", working_hours=["08:00-12:00", "11:00-13:00"])


def test_spec_rejects_unknown_time_zone() -> None:
    with pytest.raises(ValidationError, match="unknown time zone 'Mars/Olympus'"):
        CalendarSpec(name="x", timezone="Mars/Olympus")


def test_holidays_provider_requires_a_last_known_year() -> None:
    with pytest.raises(ValidationError, match="set last_known_year"):
        CalendarSpec(name="x", holidays={"provider": "holidays", "country": "US"})


def test_chinese_calendar_provider_only_knows_china() -> None:
    with pytest.raises(ValidationError, match="only knows China"):
        CalendarSpec(name="x", holidays={"provider": "chinese_calendar", "country": "US"})


def test_spec_rejects_unknown_keys() -> None:
    with pytest.raises(ValidationError, match="working_hourz"):
        CalendarSpec.model_validate({"name": "x", "working_hourz": ["08:00-12:00"]})


def test_spec_reads_a_toml_table_with_overrides() -> None:
    table = tomllib.loads(
        """
        timezone = "Asia/Shanghai"
        working_hours = ["13:30-17:30", "08:30-12:00"]
        workweek = ["fri", "mon"]
        weekday_hours = { fri = ["08:30-12:00"] }
        holidays = { provider = "chinese_calendar" }
        overrides = { 2025-12-31 = ["08:30-12:00"], 2026-01-05 = [] }
        working_day_rule = "end_of_day"
        """
    )
    spec = CalendarSpec.model_validate({"name": "hz", **table})
    assert [str(p) for p in spec.working_hours] == ["08:30-12:00", "13:30-17:30"]
    assert spec.workweek == (Weekday.MON, Weekday.FRI)
    assert spec.overrides[date(2026, 1, 5)] == ()
    assert [str(p) for p in spec.overrides[date(2025, 12, 31)]] == ["08:30-12:00"]
    assert [str(p) for p in spec.weekday_hours[Weekday.FRI]] == ["08:30-12:00"]
