"""Where the hierarchy skips a level (Xiaoshan's communities sit under the district, with
no 街道), the live loop and replay route the same way: a tier finishes at the first of
its levels on the ticket's own path, and a move no unit can take is refused live and
flagged ``unrouted`` by replay, never accepted with a level and no unit."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from gridgov.clock import ManualClock
from gridgov.errors import NoResponsibleUnit
from gridgov.grid import Directory, load_sample
from gridgov.replay import ReplayEngine, SourceEvent, SourceTicket
from gridgov.workflow import Actor, Assigner, Ticket, TicketLoop, load_routing_policy

SAMPLE = load_sample("hangzhou")
XIAOSHAN_GRID = "HZ-XS-HS-G01-M01"
T0 = datetime(2025, 3, 3, 1, tzinfo=UTC)


def _directory() -> Directory:
    assert SAMPLE.directory is not None
    return SAMPLE.directory


def test_a_tier_finishes_at_the_first_of_its_levels_on_the_tickets_path() -> None:
    assigner = Assigner(_directory(), load_routing_policy(), units_required=False)
    ticket = Ticket("T1", category="fraud", area_code=XIAOSHAN_GRID)  # major: street, district
    assert assigner.for_tier(ticket).level == "district"


def _source(category: str) -> SourceTicket:
    events = [
        SourceEvent("report", T0, 2),
        SourceEvent("accept", T0 + timedelta(minutes=5), 3),
        SourceEvent("dispatch", T0 + timedelta(minutes=10), 4),
    ]
    return SourceTicket("T1", 2, XIAOSHAN_GRID, category, "app", events=events, last_line=4)


@pytest.mark.parametrize(("category", "routed"), [("fraud", False), ("property_dispute", True)])
def test_live_refuses_what_replay_flags_unrouted(category: str, routed: bool) -> None:
    loop = TicketLoop(directory=_directory(), clock=ManualClock(T0))
    office = Actor("HZ-XS-HS-office", "community_office", "HZ-XS-HS", "HZ-XS-HS-office")
    ticket, _ = loop.report("T1", office, category=category, area_code=XIAOSHAN_GRID)
    loop.accept(ticket, office)
    replayed = ReplayEngine(load_routing_policy(), directory=_directory()).replay(_source(category))
    if routed:
        event = loop.dispatch(ticket, office)
        assert replayed.conformance == ()
        assert event.payload["unit"] == "HZ-XS-HS-office"
    else:
        with pytest.raises(NoResponsibleUnit):
            loop.dispatch(ticket, office)
        assert replayed.conformance == ("accepted:dispatch:unrouted",)
