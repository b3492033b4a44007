"""Benchmark: deadline computations per second on working calendars.

Two real calendars: Hangzhou office hours (08:30-12:00, 13:30-17:30) on China's official
calendar with 调休, and Boston business hours on Massachusetts holidays in a DST zone.
Starts are random minutes over 2015-2024.  Each unit (working minutes, hours, working
days, calendar days) is timed separately, then ``working_time_between``.  Baselines
measured in the same run:

* ``datetime + timedelta`` in the calendar's zone: the floor cost of producing one
  aware datetime in Python (what a deadline can never beat);
* a day-walking loop (the obvious way: step one date at a time, asking the holiday
  library whether it is a working day) for working days.

Target from issue 4: >= 300,000 deadline computations per second on one core.

    python benchmarks/bench_calendar.py           # 200,000 starts per measurement
    python benchmarks/bench_calendar.py --smoke   # 2,000 starts, a few seconds
"""

from __future__ import annotations

import argparse
import random
import time
from collections.abc import Callable, Sequence
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

import chinese_calendar

from gridgov.sla import CalendarSpec, Duration, HolidaySource, WorkingCalendar

TARGET_PER_SECOND = 300_000


def calendars() -> dict[str, WorkingCalendar]:
    """The calendars measured, by name."""
    return {
        "hangzhou_office": WorkingCalendar(
            CalendarSpec(name="hangzhou_office", holidays=HolidaySource())
        ),
        "boston_business": WorkingCalendar(
            CalendarSpec(
                name="boston_business",
                timezone="America/New_York",
                working_hours=["08:30-17:00"],
                holidays=HolidaySource(
                    provider="holidays", country="US", subdiv="MA", last_known_year=2026
                ),
            )
        ),
    }


def starts(count: int, zone: ZoneInfo, seed: int = 20150216) -> list[datetime]:
    """``count`` random whole minutes in 2015-2024, aware in ``zone``."""
    rng = random.Random(seed)
    first = datetime(2015, 1, 1, tzinfo=zone)
    return [first + timedelta(minutes=rng.randrange(10 * 365 * 1440)) for _ in range(count)]


def rate(work: Callable[[], object], count: int) -> float:
    """Operations per second of ``work`` (which does ``count`` operations), best of 3."""
    best = float("inf")
    for _ in range(3):
        began = time.perf_counter()
        work()
        best = min(best, time.perf_counter() - began)
    return count / best


def walk_working_days(start: datetime, days: int) -> datetime:
    """The baseline: step one date at a time, asking chinese_calendar about each."""
    day, left = start.date(), days
    while left:
        day += timedelta(days=1)
        left -= chinese_calendar.is_workday(day)
    return datetime.combine(day, start.timetz())


def _adder(
    calendar: WorkingCalendar, moments: Sequence[datetime], duration: Duration
) -> Callable[[], object]:
    return lambda: [calendar.add(m, duration) for m in moments]


def measure(calendar: WorkingCalendar, moments: Sequence[datetime]) -> None:
    """Print deadlines per second for each unit on ``calendar``, and the baselines."""
    n = len(moments)
    floor = rate(lambda: [m + timedelta(hours=3) for m in moments], n)
    print(f"\n{calendar.name}  ({n:,} starts)")
    print(f"  {'datetime + timedelta (floor)':<34} {floor:>12,.0f}/s")
    for text in ("90m", "8h", "3wd", "15wd", "30cd"):
        duration = Duration.parse(text)
        per_second = rate(_adder(calendar, moments, duration), n)
        verdict = "ok" if per_second >= TARGET_PER_SECOND else "BELOW TARGET"
        print(
            f"  add({str(duration)!r:<20}) {per_second:>12,.0f}/s  "
            f"{floor / per_second:5.1f}x floor  {verdict}"
        )
    pairs = list(zip(moments, [*moments[1:], moments[0]], strict=True))
    between = rate(lambda: [calendar.working_time_between(a, b) for a, b in pairs], n)
    print(f"  {'working_time_between':<34} {between:>12,.0f}/s  {floor / between:5.1f}x floor")


def measure_cold_start() -> None:
    """Print how long the first deadline of a fresh calendar takes (one year laid out)."""
    began = time.perf_counter()
    calendar = WorkingCalendar(CalendarSpec(name="cold", holidays=HolidaySource()))
    calendar.add(datetime(2020, 6, 1, 9, 0, tzinfo=ZoneInfo("Asia/Shanghai")), Duration.parse("1h"))
    print(f"\ncold start (build + one year's table): {(time.perf_counter() - began) * 1000:.1f} ms")


def measure_walk_baseline(calendar: WorkingCalendar, moments: Sequence[datetime]) -> None:
    """Compare 15 working days by bisect with the day-walking loop, and check they agree
    (on starts inside working hours, where both rules mean the same thing)."""
    some = [m for m in moments if calendar.is_working_moment(m)][:2000]
    duration = Duration.parse("15wd")
    walk = rate(lambda: [walk_working_days(m, 15) for m in some], len(some))
    table = rate(lambda: [calendar.add(m, duration) for m in some], len(some))
    agree = sum(calendar.add(m, duration).date() == walk_working_days(m, 15).date() for m in some)
    print(
        f"\n15 working days, {len(some):,} starts in working time: bisect {table:,.0f}/s, "
        f"day-walking {walk:,.0f}/s ({table / walk:.0f}x); same date {agree}/{len(some)}"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--smoke", action="store_true", help="a tiny run (a few seconds)")
    args = parser.parse_args()
    count = 2_000 if args.smoke else 200_000
    measure_cold_start()
    for calendar in calendars().values():
        measure(calendar, starts(count, calendar.zone))
    china = calendars()["hangzhou_office"]
    measure_walk_baseline(china, starts(count, china.zone))
    print(f"\ntarget: >= {TARGET_PER_SECOND:,} deadlines/s; dates: {date(2015, 1, 1)}..2024")


if __name__ == "__main__":
    main()
