"""Reading source timestamps fast: a ``strptime`` format compiled to a regular expression.

``datetime.strptime`` costs several microseconds a call, which would dominate a
replay; the usual directives are compiled once into a pattern and the fields
built into a ``datetime`` directly.  Naive times get the source's time zone;
``"iso"`` uses :meth:`datetime.fromisoformat`.

A format of fixed-width fields with one space between a date and a time of day
(``%m/%d/%Y %I:%M:%S %p``, ``%Y-%m-%d %H:%M:%S``) is faster still: a file has a few
hundred distinct dates and at most 86,400 times of day, so each half is read once
and remembered.  Values of another width or shape go the general way, and both
ways give the same answer (a property test checks it).

>>> parse = time_parser("%m/%d/%Y %I:%M:%S %p", "America/New_York")
>>> parse("01/05/2015 12:40:41 PM").isoformat()
'2015-01-05T12:40:41-05:00'
>>> time_parser("iso", "UTC")("2015-07-01T08:00:00").isoformat()
'2015-07-01T08:00:00+00:00'
"""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import UTC, datetime, timedelta, timezone
from zoneinfo import ZoneInfo

__all__ = ["EARLIEST_YEAR", "LATEST_YEAR", "TimeParser", "fixed_width", "time_parser"]

EARLIEST_YEAR = 1900
"""The first year replay reads: older times are rejected (``bad_time``).  Working
calendars and time zones need a real year around a deadline; a year like 0001 is a
placeholder, not a report."""
LATEST_YEAR = 2199
"""The last year replay reads (9999-12-31 is a placeholder too)."""

TimeParser = Callable[[str], datetime]
"""Turns one source value into a tz-aware datetime; raises ``ValueError`` if it cannot."""

_DIRECTIVES = {
    "Y": r"(?P<Y>\d{4})",
    "m": r"(?P<m>\d{1,2})",
    "d": r"(?P<d>\d{1,2})",
    "H": r"(?P<H>\d{1,2})",
    "I": r"(?P<I>\d{1,2})",
    "M": r"(?P<M>\d{1,2})",
    "S": r"(?P<S>\d{1,2})",
    "f": r"(?P<f>\d{1,6})",
    "p": r"(?P<p>[AaPp][Mm])",
    "z": r"(?P<z>Z|[+-]\d{2}:?\d{2})",
}


def _compile(fmt: str) -> re.Pattern[str] | None:
    """A pattern for ``fmt``, or None when it uses a directive we do not compile."""
    out, i = [], 0
    while i < len(fmt):
        char = fmt[i]
        if char == "%" and i + 1 < len(fmt):
            directive = fmt[i + 1]
            if directive == "%":
                out.append("%")
            elif directive in _DIRECTIVES and f"(?P<{directive}>" not in "".join(out):
                out.append(_DIRECTIVES[directive])
            else:
                return None
            i += 2
        else:
            out.append(r"\s+" if char == " " else re.escape(char))
            i += 1
    return re.compile(r"\s*" + "".join(out) + r"\s*$")


def _offset(text: str) -> timezone:
    if text == "Z":
        return UTC
    sign = -1 if text[0] == "-" else 1
    digits = text[1:].replace(":", "")
    return timezone(sign * timedelta(hours=int(digits[:2]), minutes=int(digits[2:])))


def _regex_parser(pattern: re.Pattern[str], zone: ZoneInfo) -> TimeParser:
    at = {name: index - 1 for name, index in pattern.groupindex.items()}  # into groups()
    year, month, day = at["Y"], at["m"], at["d"]
    hour24, hour12, ampm = at.get("H"), at.get("I"), at.get("p")
    minute, second, fraction, offset = at.get("M"), at.get("S"), at.get("f"), at.get("z")
    match = pattern.match

    def parse(value: str) -> datetime:
        found = match(value)
        if found is None:
            raise ValueError("does not match the format")
        g = found.groups()
        if hour12 is not None:
            hour = int(g[hour12]) % 12
            if ampm is not None and g[ampm] in ("PM", "pm", "Pm", "pM"):
                hour += 12
        else:
            hour = 0 if hour24 is None else int(g[hour24])
        return datetime(
            int(g[year]),
            int(g[month]),
            int(g[day]),
            hour,
            0 if minute is None else int(g[minute]),
            0 if second is None else int(g[second]),
            0 if fraction is None else int(g[fraction].ljust(6, "0")),
            tzinfo=zone if offset is None else _offset(g[offset]),
        )

    return parse


_WIDTHS = {"Y": 4, "m": 2, "d": 2, "H": 2, "I": 2, "M": 2, "S": 2, "p": 2}
_CACHE_LIMIT = 1 << 17
"""Distinct date or time-of-day texts remembered per half; later ones are read each time."""
_PM = frozenset({"PM", "pm", "Pm", "pM"})
_NO_MATCH: tuple[int, ...] = ()

Half = Callable[[str], tuple[int, ...]]
"""Reads one half of a value into its fields, or ``()`` when it is not in the strict shape."""


def _strict(fmt: str, allowed: str) -> tuple[re.Pattern[str], int] | None:
    """An exact-width pattern for ``fmt`` (only ``allowed`` directives) and its width.

    A space stands for exactly one space here (the general pattern takes any run of
    whitespace, so whatever this accepts, that accepts too, with the same fields)."""
    out: list[str] = []
    width, i = 0, 0
    while i < len(fmt):
        char = fmt[i]
        if char == "%" and i + 1 < len(fmt):
            directive = fmt[i + 1]
            if directive not in allowed or f"(?P<{directive}>" in "".join(out):
                return None
            size = _WIDTHS[directive]
            out.append(f"(?P<{directive}>{'[AaPp][Mm]' if directive == 'p' else '[0-9]' * size})")
            width, i = width + size, i + 2
        elif char == "%":
            return None
        else:
            out.append(re.escape(char))
            width, i = width + 1, i + 1
    return re.compile("".join(out) + r"\Z"), width


def _date_half(pattern: re.Pattern[str]) -> Half:
    def read(text: str) -> tuple[int, ...]:
        found = pattern.match(text)
        if found is None:
            return _NO_MATCH
        return int(found["Y"]), int(found["m"]), int(found["d"])

    return read


def _time_half(pattern: re.Pattern[str]) -> Half:
    names = pattern.groupindex

    def read(text: str) -> tuple[int, ...]:
        found = pattern.match(text)
        if found is None:
            return _NO_MATCH
        if "I" in names:  # as the general parser does: 12 AM is 0, 12 PM is 12
            hour = int(found["I"]) % 12 + (12 if "p" in names and found["p"] in _PM else 0)
        else:
            hour = int(found["H"]) if "H" in names else 0
        minute = int(found["M"]) if "M" in names else 0
        return hour, minute, int(found["S"]) if "S" in names else 0

    return read


def _split_parser(fmt: str, zone: ZoneInfo, general: TimeParser) -> TimeParser | None:
    """The fast parser for ``DATE TIME`` formats of fixed-width fields, else None."""
    if not fixed_width(fmt):
        return None
    date_fmt, _, time_fmt = fmt.partition(" ")
    date, clock = _strict(date_fmt, "Ymd"), _strict(time_fmt, "HIMSp")
    assert date is not None
    assert clock is not None
    cut, width = date[1], date[1] + 1 + clock[1]
    read_date, read_time = _date_half(date[0]), _time_half(clock[0])
    dates: dict[str, tuple[int, ...]] = {}
    times: dict[str, tuple[int, ...]] = {}

    def first_sight(value: str) -> datetime:
        """Read halves not seen yet and remember them; other shapes go the general way."""
        if len(value) == width and value[cut] == " ":
            day_text, time_text = value[:cut], value[cut + 1 :]
            day, moment = dates.get(day_text) or read_date(day_text), read_time(time_text)
            if len(dates) < _CACHE_LIMIT and day:
                dates[day_text] = day
            if len(times) < _CACHE_LIMIT and moment:
                times[time_text] = moment
            if day and moment:
                y, m, d = day
                hour, minute, second = moment
                return datetime(y, m, d, hour, minute, second, tzinfo=zone)
        return general(value)

    def parse(value: str) -> datetime:
        if len(value) == width:
            day, moment = dates.get(value[:cut]), times.get(value[cut + 1 :])
            if day is not None and moment is not None and value[cut] == " ":
                y, m, d = day
                hour, minute, second = moment
                return datetime(y, m, d, hour, minute, second, tzinfo=zone)
        return first_sight(value)

    return parse


def fixed_width(fmt: str) -> bool:
    """Whether ``fmt`` is a date and a time of day of fixed-width fields, one space between
    (``%m/%d/%Y %I:%M:%S %p``, ``%Y-%m-%d %H:%M:%S``): the formats read the fast way here,
    and the ones replay's columnar engine reads as columns."""
    if fmt == "iso":
        return False
    date_fmt, space, time_fmt = fmt.partition(" ")
    date = _strict(date_fmt, "Ymd")
    clock = _strict(time_fmt, "HIMSp") if space else None
    if date is None or clock is None or {"Y", "m", "d"} - set(date[0].groupindex):
        return False
    return not {"H", "I"} <= set(clock[0].groupindex)


def time_parser(fmt: str, zone_name: str) -> TimeParser:
    """A parser for timestamps written in ``fmt`` (a ``strptime`` format or ``"iso"``)."""
    zone = ZoneInfo(zone_name)
    if fmt == "iso":

        def parse_iso(value: str) -> datetime:
            parsed = datetime.fromisoformat(value.strip())
            return parsed if parsed.tzinfo else parsed.replace(tzinfo=zone)

        return parse_iso
    pattern = _compile(fmt)
    if pattern is not None and "Y" in pattern.groupindex and "d" in pattern.groupindex:
        general = _regex_parser(pattern, zone)
        return _split_parser(fmt, zone, general) or general

    def parse_strptime(value: str) -> datetime:
        parsed = datetime.strptime(value.strip(), fmt)
        return parsed if parsed.tzinfo else parsed.replace(tzinfo=zone)

    return parse_strptime
