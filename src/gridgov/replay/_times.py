"""Reading source timestamps fast: a ``strptime`` format compiled to a regular expression.

``datetime.strptime`` costs several microseconds a call, which would dominate a
replay; the usual directives are compiled once into a pattern and the fields
built into a ``datetime`` directly.  Naive times get the source's time zone;
``"iso"`` uses :meth:`datetime.fromisoformat`.

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

__all__ = ["TimeParser", "time_parser"]

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
        return _regex_parser(pattern, zone)

    def parse_strptime(value: str) -> datetime:
        parsed = datetime.strptime(value.strip(), fmt)
        return parsed if parsed.tzinfo else parsed.replace(tzinfo=zone)

    return parse_strptime
