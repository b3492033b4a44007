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
    def parse(value: str) -> datetime:
        match = pattern.match(value)
        if match is None:
            raise ValueError("does not match the format")
        g = match.groupdict()
        hour = int(g["H"]) if g.get("H") else 0
        if g.get("I"):
            hour = int(g["I"]) % 12 + (12 if (g.get("p") or "A").upper() == "PM" else 0)
        micro = int(g["f"].ljust(6, "0")) if g.get("f") else 0
        tz = _offset(g["z"]) if g.get("z") else zone
        return datetime(
            int(g["Y"]),
            int(g["m"]),
            int(g["d"]),
            hour,
            int(g.get("M") or 0),
            int(g.get("S") or 0),
            micro,
            tzinfo=tz,
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
