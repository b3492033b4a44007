"""Source timestamps: the compiled strptime formats agree with datetime.strptime."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given
from hypothesis import strategies as st

from gridgov.replay._times import TimeParser, _compile, _regex_parser, time_parser

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


SPLIT_FORMATS = [US_FORMAT, "%Y-%m-%d %H:%M:%S", "%d.%m.%Y %H:%M", "%Y/%m/%d %I:%M %p"]


@given(
    st.sampled_from(SPLIT_FORMATS),
    st.datetimes(min_value=datetime(1990, 1, 1), max_value=datetime(2040, 1, 1)),
)
def test_remembered_date_and_time_halves_equal_strptime(fmt: str, moment: datetime) -> None:
    text = moment.strftime(fmt)
    parse = time_parser(fmt, "America/New_York")
    expected = datetime.strptime(text, fmt).replace(tzinfo=BOSTON)
    assert parse(text) == expected  # first sight: read and remembered
    assert parse(text) == expected  # then from the remembered halves


@given(
    st.sampled_from(SPLIT_FORMATS),
    st.lists(st.text("0123456789/.:- APMapm\t", min_size=1, max_size=24), min_size=1, max_size=4),
)
def test_fast_and_general_parsers_agree_on_any_text(fmt: str, texts: list[str]) -> None:
    fast = time_parser(fmt, "UTC")
    pattern = _compile(fmt)
    assert pattern is not None
    general = _regex_parser(pattern, ZoneInfo("UTC"))
    for text in [*texts, *texts]:  # twice: the second time some halves are remembered
        assert _outcome(fast, text) == _outcome(general, text)


def _outcome(parse: TimeParser, text: str) -> datetime | str:
    try:
        return parse(text)
    except ValueError as exc:
        return f"ValueError: {exc}"


def test_values_off_the_fixed_width_still_read_as_before() -> None:
    parse = time_parser("%Y-%m-%d %H:%M:%S", "UTC")
    assert parse("2024-01-05 08:00:00") == datetime(2024, 1, 5, 8, tzinfo=UTC)
    assert parse("2024-1-05 08:00:00") == datetime(2024, 1, 5, 8, tzinfo=UTC)  # one-digit month
    assert parse("2024-01-05  08:00:00") == datetime(2024, 1, 5, 8, tzinfo=UTC)  # two spaces
    with pytest.raises(ValueError, match=r"month must be in 1\.\.12"):
        parse("2024-13-05 08:00:00")
