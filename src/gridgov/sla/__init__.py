"""gridgov.sla: SLA clocks (时限) on working calendars (工作日历).

Working calendars: :class:`WorkingCalendar` built from a :class:`CalendarSpec`, and
:class:`Duration` in working or calendar units.
"""

from gridgov.sla._calendar import WorkingCalendar
from gridgov.sla._calendar_spec import (
    CalendarSpec,
    HolidaySource,
    Period,
    UnknownYearRule,
    Weekday,
    WorkingDayRule,
)
from gridgov.sla._duration import Duration, DurationUnit

__all__ = [
    "CalendarSpec",
    "Duration",
    "DurationUnit",
    "HolidaySource",
    "Period",
    "UnknownYearRule",
    "Weekday",
    "WorkingCalendar",
    "WorkingDayRule",
]
