"""The precomputed working time of a calendar over a range of years.

Every working period of every day in the range becomes an interval of absolute time
(integer microseconds since the Unix epoch), with the working time accumulated before
it.  Working-time arithmetic is then a bisect over these lists: O(log periods) per
deadline, whatever the duration.

Local wall-clock periods become absolute intervals one date at a time, through the
calendar's time zone, so a day with a DST change simply has a shorter or longer period.
An interval never straddles a change of UTC offset (it is split there), so the local
time of day anywhere inside it is its start's plus the elapsed time.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta, tzinfo
from zoneinfo import ZoneInfo

__all__ = ["EPOCH", "ONE_US", "CalendarTable", "build_table", "from_us", "to_us"]

EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
ONE_US = timedelta(microseconds=1)
_MINUTE_US = 60_000_000


def to_us(moment: datetime) -> int:
    """An aware datetime as integer microseconds since the epoch."""
    return (moment - EPOCH) // ONE_US


def from_us(us: int, zone: tzinfo) -> datetime:
    """Integer microseconds since the epoch as an aware datetime in ``zone``."""
    seconds, micro = divmod(us, 1_000_000)
    moment = datetime.fromtimestamp(seconds, zone)  # exact: whole seconds, fold set
    return moment.replace(microsecond=micro) if micro else moment


@dataclass(slots=True)
class CalendarTable:
    """Working intervals for the local dates ``first_day`` up to (not including) ``end_day``.

    Parallel lists, one entry per interval ``i``: ``starts[i]`` and ``ends[i]`` (absolute µs),
    ``cum_start[i]`` / ``cum_end[i]`` (working µs accumulated before its start / at its end,
    counted from the start of the table), ``tods[i]`` (local time of day at its start, µs),
    ``days[i]`` (the number of its working day in the table).  ``day_first[j]`` is the first
    interval of working day ``j``.
    """

    first_day: date
    end_day: date
    lo_us: int
    hi_us: int
    starts: list[int] = field(default_factory=list)
    ends: list[int] = field(default_factory=list)
    cum_start: list[int] = field(default_factory=list)
    cum_end: list[int] = field(default_factory=list)
    tods: list[int] = field(default_factory=list)
    days: list[int] = field(default_factory=list)
    day_first: list[int] = field(default_factory=list)

    def append(self, start: int, end: int, tod: int, day: int) -> None:
        """Add the next interval (in time order) of working day ``day``."""
        before = self.cum_end[-1] if self.cum_end else 0
        self.starts.append(start)
        self.ends.append(end)
        self.cum_start.append(before)
        self.cum_end.append(before + end - start)
        self.tods.append(tod)
        if day == len(self.day_first):
            self.day_first.append(len(self.days))
        self.days.append(day)


DayPeriods = Callable[[date], Sequence[tuple[int, int]]]


def build_table(
    first_day: date, end_day: date, zone: ZoneInfo, periods_of: DayPeriods
) -> CalendarTable:
    """Lay out every working period of the local dates in ``[first_day, end_day)``.

    ``periods_of(day)`` gives that date's working periods as ``(start, end)`` minutes after
    local midnight (end ≤ 1440), sorted and disjoint.
    """
    table = CalendarTable(
        first_day, end_day, _local_us(first_day, 0, zone), _local_us(end_day, 0, zone)
    )
    day = first_day
    while day < end_day:
        working_day = len(table.day_first)
        for start_minute, end_minute in periods_of(day):
            start = _local_us(day, start_minute, zone)
            end = _local_us(day, end_minute, zone)
            for piece_start, piece_end in _split_at_offset_changes(start, end, zone):
                if piece_end > piece_start:
                    table.append(piece_start, piece_end, _local_tod(piece_start, zone), working_day)
        day += timedelta(days=1)
    return table


def _local_us(day: date, minute: int, zone: ZoneInfo) -> int:
    """The absolute moment of a local wall-clock time (first occurrence when ambiguous)."""
    midnight = datetime(day.year, day.month, day.day, tzinfo=zone)
    return to_us(midnight + timedelta(minutes=minute))


def _offset(us: int, zone: ZoneInfo) -> timedelta | None:
    return from_us(us, zone).utcoffset()


def _local_tod(us: int, zone: ZoneInfo) -> int:
    local = from_us(us, zone)
    seconds = local.hour * 3600 + local.minute * 60 + local.second
    return seconds * 1_000_000 + local.microsecond


def _split_at_offset_changes(start: int, end: int, zone: ZoneInfo) -> list[tuple[int, int]]:
    """``[start, end)`` cut where the zone's UTC offset changes (DST), on whole minutes."""
    pieces: list[tuple[int, int]] = []
    while _offset(start, zone) != _offset(end - 1, zone):
        first = _offset(start, zone)
        lo, hi = start // _MINUTE_US, (end - 1) // _MINUTE_US + 1
        while hi - lo > 1:  # invariant: offset at lo is `first`, at hi (or end-1) it is not
            mid = (lo + hi) // 2
            if _offset(mid * _MINUTE_US, zone) == first:
                lo = mid
            else:
                hi = mid
        change = hi * _MINUTE_US
        pieces.append((start, change))
        start = change
    pieces.append((start, end))
    return pieces
