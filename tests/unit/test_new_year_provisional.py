"""The live engine does not stop at the new year (issue 13, item 1).

With the shipped default policy, a clock started on 2026-12-30 runs into 2027, a year
``chinesecalendar`` has no official schedule for.  Its due time is computed on the
provisional calendar and the cycle says so; no action is refused.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

from gridgov import Engine
from gridgov.clock import ManualClock
from gridgov.grid import Area, AreaTree, Directory, Unit, UnitKind
from gridgov.sla import CalendarSpec, WorkingCalendar
from gridgov.sla._calendar_spec import HolidaySource
from gridgov.testing import InMemoryStore
from gridgov.workflow import Actor

TREE = AreaTree(
    [
        Area("YH", "余杭区", "district"),
        Area("ZM", "朱庙社区", "community", "YH"),
        Area("ZM-01", "朱庙第一网格", "grid", "ZM"),
        Area("ZM-01-01", "3幢", "micro_grid", "ZM-01"),
    ]
)
UNITS = [
    Unit("W1", "王网格员", UnitKind.GRID_WORKER, "ZM-01"),
    Unit("ZM-office", "朱庙社区居委会", UnitKind.COMMUNITY_OFFICE, "ZM"),
]
WORKER = Actor("W1", "grid_worker", "ZM-01", "W1")
RESIDENT = Actor("r1", "resident", "ZM-01-01")
DEC_30 = datetime(2026, 12, 30, 2, 0, tzinfo=UTC)  # 10:00 in Hangzhou


def test_a_ticket_goes_round_the_whole_loop_from_2026_12_30() -> None:
    clock = ManualClock(DEC_30)
    engine = Engine(store=InMemoryStore(), directory=Directory(TREE, UNITS), clock=clock)
    ticket = engine.report(actor=RESIDENT, category="noise", area_code="ZM-01-01")
    for trigger, params in [
        ("accept", {}),
        ("dispatch", {}),
        ("sign_for", {}),
        ("mark_handled", {"result": "已劝导"}),
        ("request_review", {}),
    ]:
        clock.advance(timedelta(hours=6))
        engine.act(ticket.id, trigger, actor=WORKER, **params)
    clock.advance(timedelta(days=3))
    closed = engine.act(ticket.id, "review", actor=RESIDENT, verdict="satisfied")
    assert closed.state == "closed"
    clocks = engine.get(ticket.id).clocks
    assert any(c.provisional and 2027 in c.provisional_years for c in clocks)
    assert all(not c.provisional for c in clocks if c.due_at.year == 2026)


def _calendar(last_known_year: int) -> WorkingCalendar:
    source = HolidaySource(provider="holidays", country="CN", last_known_year=last_known_year)
    return WorkingCalendar(CalendarSpec(name="cn", holidays=source))


def test_an_unannounced_year_uses_the_holidays_rules_and_is_provisional() -> None:
    calendar = _calendar(2026)
    assert not calendar.knows_year(2027)
    # 2027-10-01 (a Friday) is National Day in the rules-based data: not a working day
    assert not calendar.is_working_day(date(2027, 10, 1))
    assert 2027 in calendar.assumed_years


def test_the_same_year_once_known_is_official() -> None:
    calendar = _calendar(2027)
    assert calendar.knows_year(2027)
    assert not calendar.is_working_day(date(2027, 10, 1))
    assert calendar.assumed_years == frozenset()


def _policy(last_known_year: int) -> str:
    return (
        '[policy]\nname = "office"\n'
        "[calendars.office]\n"
        'holidays = { provider = "holidays", country = "CN", '
        f"last_known_year = {last_known_year} }}\n"
        '[clocks.handling]\nstart = "report"\nstop = "mark_handled"\n'
        'calendar = "office"\ndue = "3wd"\n'
    )


def test_a_provisional_deadline_is_recomputed_once_the_data_knows_the_year() -> None:
    from gridgov.sla import SlaEngine, parse_policy
    from gridgov.workflow import TicketEvent

    before = SlaEngine(parse_policy(_policy(2026)))
    before.record(
        TicketEvent(
            ticket_id="T1",
            seq=1,
            trigger="report",
            from_state="new",
            to_state="reported",
            actor_id="r1",
            actor_role="resident",
            at=DEC_30,
            payload={"category": "noise"},
        )
    )
    (cycle,) = before.cycles("T1")
    assert cycle.provisional
    assert cycle.assumed_years == (2027,)
    # The data learns 2027 (as after `pip install -U chinesecalendar`): the calendar's
    # fingerprint changes, so restoring the stored cycles recomputes them officially.
    after = SlaEngine(parse_policy(_policy(2027)))
    assert after.restore(before.snapshot("T1"), at=DEC_30) is True
    (recomputed,) = after.cycles("T1")
    assert not recomputed.provisional
    assert recomputed.due == cycle.due  # same rules-based days here; now official
