"""A small civic app (社区小程序后台) that embeds gridgov's Engine.

Residents report issues from a mini-program; grid workers dispatch, handle and
close them; the app texts people when something happens.  gridgov keeps the
tickets in a SQLite file, runs the SLA clocks, and escalates a ticket nobody
handled in time (超时上报升级).

Run it: ``python examples/embed_app.py`` (it writes ``civic.db`` in the
working directory).  Time is simulated with a ManualClock so the 24-hour clock
can run out in a second.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

from gridgov import Area, AreaTree, Directory, SlaNotice, Unit, open_engine
from gridgov.app import Engine
from gridgov.clock import ManualClock
from gridgov.grid import UnitKind
from gridgov.workflow import Actor, TicketEvent

HANGZHOU = ZoneInfo("Asia/Shanghai")


@dataclass
class Outbox:
    """The app's notifications (SMS, WeChat template messages ...), collected here."""

    sent: list[str] = field(default_factory=list)

    def __call__(self, notification: TicketEvent | SlaNotice) -> None:
        if isinstance(notification, SlaNotice):
            if notification.kind == "breach":
                done = ", ".join(notification.done) or "nothing"
                self.sent.append(
                    f"[超时] ticket {notification.ticket_id}: {notification.clock} clock "
                    f"breached at {notification.at.astimezone(HANGZHOU):%m-%d %H:%M}; did {done}"
                )
        elif notification.trigger == "mark_handled":
            self.sent.append(
                f"[办结] to resident: ticket {notification.ticket_id} handled — "
                f"{notification.payload['result']} (photos: {len(notification.payload['photos'])})"
            )
        elif notification.trigger == "escalate":
            self.sent.append(
                f"[升级] to {notification.payload['unit']}: ticket {notification.ticket_id} "
                "is now yours"
            )


def build_directory() -> Directory:
    """One community with two grids, its grid workers and the community office."""
    tree = AreaTree(
        [
            Area("YH", "余杭区", "district"),
            Area("ZM", "朱庙社区", "community", "YH"),
            Area("ZM-01", "朱庙第一网格", "grid", "ZM"),
            Area("ZM-02", "朱庙第二网格", "grid", "ZM"),
            Area("ZM-01-03", "3幢", "micro_grid", "ZM-01"),
        ]
    )
    return Directory(
        tree,
        [
            Unit("wang", "王网格员", UnitKind.GRID_WORKER, "ZM-01"),
            Unit("li", "李网格员", UnitKind.GRID_WORKER, "ZM-02"),
            Unit("zm-office", "朱庙社区居委会", UnitKind.COMMUNITY_OFFICE, "ZM"),
        ],
    )


def main() -> None:
    Path("civic.db").unlink(missing_ok=True)
    clock = ManualClock(datetime(2025, 3, 3, 1, 0, tzinfo=UTC))  # 09:00 in Hangzhou
    # The one builder: URL → store (schema created) → Engine; `with` closes it.
    with open_engine(
        "sqlite:///civic.db", upgrade=True, directory=build_directory(), clock=clock
    ) as engine:
        run(engine, clock)


def run(engine: Engine, clock: ManualClock) -> None:
    """The app's day: two tickets, one closed, one escalated when its clock runs out."""
    outbox = Outbox()
    engine.subscribe(outbox)

    resident = Actor("resident-42", "resident", "ZM-01-03")
    wang = engine.actor("wang")  # a stored unit acts as itself

    # 1. Noise at night: reported, dispatched, handled, reviewed, closed.
    noise = engine.report(
        actor=resident, category="noise", area_code="ZM-01-03", description="楼上深夜装修"
    )
    engine.act(noise.id, "accept", actor=wang)
    engine.act(noise.id, "dispatch", actor=wang)
    clock.advance(timedelta(minutes=3))
    engine.act(noise.id, "sign_for", actor=wang)
    clock.advance(timedelta(hours=2))
    engine.act(noise.id, "mark_handled", actor=wang, result="已上门劝导", photos=["door.jpg"])
    engine.act(noise.id, "request_review", actor=wang)
    closed = engine.act(noise.id, "review", actor=resident, verdict="satisfied")
    print(f"ticket {closed.id}: {closed.state} ({closed.state_zh}) after {closed.version} events")

    # 2. A blocked fire lane nobody signs for: the 24-hour clock runs out.
    lane = engine.report(actor=resident, category="environment", area_code="ZM-01-03")
    engine.act(lane.id, "accept", actor=wang)
    engine.act(lane.id, "dispatch", actor=wang)
    clock.advance(timedelta(hours=25))
    fired = engine.advance_to()
    late = engine.get(lane.id)
    print(
        f"ticket {late.id}: {len(fired)} SLA notices; now with {late.assigned_unit}, "
        f"escalated {late.escalation_count}x, supervised={late.supervised}"
    )

    for line in outbox.sent:
        print(line)
    broken = engine.verify()  # the chain, and columns and clocks against a refold
    print(f"audit chain: {broken or 'intact'}")


if __name__ == "__main__":
    main()
