"""gridgov.sla: SLA clocks (时限) on working calendars (工作日历).

Working calendars: :class:`WorkingCalendar` built from a :class:`CalendarSpec`, and
:class:`Duration` in working or calendar units.

SLA clocks: an :class:`SlaPolicy` (read with :func:`load_policy`) picks each ticket's
clocks (response 响应, handling 办理, review 回访); an :class:`SlaEngine` runs them from
the ticket's transitions and the time it is given, emitting :class:`SlaWarning` (预警)
and :class:`SlaBreached` (超时) events and keeping every :class:`ClockCycle`.
"""

from gridgov.sla._calendar import WorkingCalendar
from gridgov.sla._calendar_port import CalendarPort
from gridgov.sla._calendar_spec import (
    CalendarSpec,
    HolidaySource,
    Period,
    UnknownYearRule,
    Weekday,
    WorkingDayRule,
)
from gridgov.sla._clock import ClockCycle, CycleOutcome
from gridgov.sla._duration import Duration, DurationUnit
from gridgov.sla._engine import SlaEngine, SlaTransition
from gridgov.sla._events import SlaAction, SlaBreached, SlaEvent, SlaWarning
from gridgov.sla._policy import ClockPlan, SlaPolicy, SlaRule
from gridgov.sla._policy_file import (
    SLA_POLICY_FILE,
    load_default_policy,
    load_policy,
    parse_policy,
)
from gridgov.sla._run import ClockRun, clock_verdict, verdict_without_due
from gridgov.sla._vector import (
    EPOCH,
    CycleShape,
    Micros,
    compile_cycles,
    deadlines,
    provisional_spans,
    to_us,
    working_times,
)

__all__ = [
    "EPOCH",
    "SLA_POLICY_FILE",
    "CalendarPort",
    "CalendarSpec",
    "ClockCycle",
    "ClockPlan",
    "ClockRun",
    "CycleOutcome",
    "CycleShape",
    "Duration",
    "DurationUnit",
    "HolidaySource",
    "Micros",
    "Period",
    "SlaAction",
    "SlaBreached",
    "SlaEngine",
    "SlaEvent",
    "SlaPolicy",
    "SlaRule",
    "SlaTransition",
    "SlaWarning",
    "UnknownYearRule",
    "Weekday",
    "WorkingCalendar",
    "WorkingDayRule",
    "clock_verdict",
    "compile_cycles",
    "deadlines",
    "load_default_policy",
    "load_policy",
    "parse_policy",
    "provisional_spans",
    "to_us",
    "verdict_without_due",
    "working_times",
]

from gridgov._public import publish

publish(globals())
