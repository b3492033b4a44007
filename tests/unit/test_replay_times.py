"""Source timestamps: the compiled strptime formats agree with datetime.strptime."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given
from hypothesis import strategies as st

from gridgov.replay._times import time_parser

BOSTON = ZoneInfo("America/New_York")
US_FORMAT = "%m/%d/%Y %I:%M:%S %p"


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("01/05/2015 12:40:41 PM", datetime(2015, 1, 5, 12, 40, 41, tzinfo=BOSTON)),
        ("01/05/2015 12:40:41 AM", datetime(2015, 1, 5, 0, 40, 41, tzinfo=BOSTON)),
        ("06/30/2015 11:59:59 PM", datetime(2015, 6, 30, 23, 59, 59, tzinfo=BOSTON)),
    ],
)
def test_boston_format_reads_the_twelve_hour_clock(text: str, expected: datetime) -> None:
    assert time_parser(US_FORMAT, "America/New_York")(text) == expected


@given(st.datetimes(min_value=datetime(1990, 1, 1), max_value=datetime(2040, 1, 1)))
def test_compiled_format_equals_strptime(moment: datetime) -> None:
    moment = moment.replace(microsecond=0)
    text = moment.strftime(US_FORMAT)
    parsed = time_parser(US_FORMAT, "UTC")(text)
    assert parsed == datetime.strptime(text, US_FORMAT).replace(tzinfo=UTC)


def test_offset_in_the_value_wins_over_the_zone() -> None:
    parse = time_parser("%Y-%m-%d %H:%M:%S%z", "America/New_York")
    assert parse("2015-03-01 08:00:00+08:00").utcoffset() == timedelta(hours=8)


def test_iso_gets_the_zone_when_naive() -> None:
    parse = time_parser("iso", "Asia/Shanghai")
    assert parse("2024-02-10T09:30:00").tzinfo == ZoneInfo("Asia/Shanghai")
    assert parse("2024-02-10T09:30:00Z").utcoffset() == timedelta(0)


@pytest.mark.parametrize("text", ["", "13/40/2015 01:00:00 PM", "yesterday", "01/05/2015"])
def test_unreadable_values_raise_value_error(text: str) -> None:
    with pytest.raises(ValueError):  # noqa: PT011 - the message varies with the cause
        time_parser(US_FORMAT, "UTC")(text)


def test_uncompiled_directives_fall_back_to_strptime() -> None:
    parse = time_parser("%d %b %Y %H:%M", "UTC")
    assert parse("05 Jan 2015 13:45") == datetime(2015, 1, 5, 13, 45, tzinfo=UTC)
