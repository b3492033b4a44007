"""Replay's fast paths give the answers of the plain ones (hypothesis).

- a clock's due time and budget in one calendar pass (``add_measured``) equal
  ``add`` then ``working_time_between``;
- one engine replaying many tickets (it remembers moves without a payload) gives
  each ticket the outcome a fresh engine gives it.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from hypothesis import given, settings
from hypothesis import strategies as st

from gridgov.replay import PolicyInForce, ReplayEngine, RoutingRules, SourceEvent, SourceTicket
from gridgov.sla import (
    CalendarSpec,
    Duration,
    DurationUnit,
    WorkingCalendar,
    load_default_policy,
)
from gridgov.workflow import Trigger

CALENDARS = {
    "china_office": WorkingCalendar(
        CalendarSpec(
            name="china_office",
            working_hours=["08:30-12:00", "13:30-17:30"],
            holidays={"provider": "chinese_calendar"},
        )
    ),
    "new_york_office": WorkingCalendar(
        CalendarSpec(name="new_york_office", timezone="America/New_York")
    ),
    "new_york_24x7": WorkingCalendar.always_open("ny", timezone="America/New_York"),
}
moments = st.datetimes(
    min_value=datetime(2015, 1, 1), max_value=datetime(2024, 6, 1), timezones=st.just(UTC)
)


@settings(max_examples=400)
@given(
    st.sampled_from(sorted(CALENDARS)),
    moments,
    st.sampled_from(list(DurationUnit)),
    st.integers(0, 300),
)
def test_due_and_budget_in_one_pass_equal_add_then_measure(
    name: str, start: datetime, unit: DurationUnit, amount: int
) -> None:
    calendar = CALENDARS[name]
    duration = Duration(amount=amount, unit=unit)
    due = calendar.add(start, duration)
    assert calendar.add_measured(start, duration) == (
        due,
        calendar.working_time_between(start, due),
    )


T0 = datetime(2024, 2, 8, 16, tzinfo=UTC)  # the eve of Spring Festival: holidays ahead
PAYLOADS = st.sampled_from(
    [{}, {"result": "done"}, {"verdict": "satisfied"}, {"verdict": "not_satisfied"}]
)
TICKETS = st.lists(
    st.lists(
        st.tuples(st.sampled_from([t.value for t in Trigger]), st.integers(0, 900), PAYLOADS),
        max_size=12,
    ),
    min_size=1,
    max_size=8,
)


def _ticket(number: int, raw: list[tuple[str, int, dict[str, str]]]) -> SourceTicket:
    at = T0 + timedelta(hours=number)
    events = [SourceEvent("report", at, 2)]
    for line, (trigger, minutes, payload) in enumerate(raw, start=3):
        at += timedelta(minutes=minutes)
        events.append(SourceEvent(trigger, at, line, payload=payload))
    category = ("noise", "fire_lane", "illegal_parking")[number % 3]
    return SourceTicket(str(number), 2, area="A", category=category, events=events)


@settings(max_examples=150)
@given(TICKETS)
def test_one_engine_for_many_tickets_equals_a_fresh_engine_each(
    histories: list[list[tuple[str, int, dict[str, str]]]],
) -> None:
    routing = RoutingRules(tiers={"illegal_parking": "complex"}, default_tier="small").compile()
    policies = (PolicyInForce(load_default_policy()),)
    shared = ReplayEngine(routing, policies=policies)
    for number, raw in enumerate(histories):
        ticket = _ticket(number, raw)
        assert shared.replay(ticket) == ReplayEngine(routing, policies=policies).replay(ticket)
