"""One day of SLA clocks in a Hangzhou community (一个社区的一天), on the default policy.

Five tickets come in on Monday 29 September 2025, the last working days before
National Day (国庆).  Time is simulated: the script moves it forward in 10-minute
ticks, as a live app's scheduler would, and prints every warning (预警) and breach
(超时) with the actions the policy attaches — what a composition root would turn into
notifications, 督办 and escalations.  At the end it lists every clock cycle.

    python examples/sla/one_day.py
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from gridgov.sla import SlaEngine, SlaEvent, SlaWarning, load_default_policy
from gridgov.workflow import TicketEvent

HANGZHOU = ZoneInfo("Asia/Shanghai")
MONDAY = datetime(2025, 9, 29, 0, 0, tzinfo=HANGZHOU)

# (minutes after midnight, ticket, trigger, from, to, payload)
HISTORY: list[tuple[int, str, str, str, str, dict[str, Any]]] = [
    (8 * 60, "HZ-001", "report", "new", "reported", {"category": "noise", "tier": "small"}),
    (8 * 60 + 2, "HZ-001", "accept", "reported", "accepted", {}),
    (8 * 60 + 3, "HZ-001", "dispatch", "accepted", "dispatched", {}),
    (8 * 60 + 4, "HZ-001", "sign_for", "dispatched", "in_progress", {}),
    (11 * 60, "HZ-001", "mark_handled", "in_progress", "handled", {"result": "talked to them"}),
    (9 * 60, "HZ-002", "report", "new", "reported", {"category": "fire_lane", "tier": "complex"}),
    (9 * 60 + 20, "HZ-002", "accept", "reported", "accepted", {}),  # answered late
    (9 * 60 + 25, "HZ-002", "dispatch", "accepted", "dispatched", {}),
    (9 * 60 + 30, "HZ-002", "sign_for", "dispatched", "in_progress", {}),
    (13 * 60, "HZ-003", "report", "new", "reported", {"category": "garbage", "tier": "small"}),
    (13 * 60 + 1, "HZ-003", "accept", "reported", "accepted", {}),
    (13 * 60 + 2, "HZ-003", "dispatch", "accepted", "dispatched", {}),
    (13 * 60 + 3, "HZ-003", "sign_for", "dispatched", "in_progress", {}),
    (14 * 60, "HZ-003", "suspend", "in_progress", "suspended", {"reason": "waiting for a truck"}),
    (20 * 60, "HZ-003", "resume", "suspended", "in_progress", {"resume_to": "in_progress"}),
    (16 * 60, "HZ-004", "report", "new", "reported", {"category": "leaking_pipe", "tier": "major"}),
    (16 * 60 + 3, "HZ-004", "accept", "reported", "accepted", {}),
    (16 * 60 + 4, "HZ-004", "dispatch", "accepted", "dispatched", {}),
    (16 * 60 + 4, "HZ-004", "sign_for", "dispatched", "in_progress", {}),
]


def _local(moment: datetime) -> str:
    return moment.astimezone(HANGZHOU).strftime("%a %m-%d %H:%M")


def _show(events: list[SlaEvent]) -> None:
    for event in events:
        what = f"预警 {event.fraction:.0%}" if isinstance(event, SlaWarning) else "超时"
        actions = ", ".join(a.action + (f"→{a.role}" if a.role else "") for a in event.actions)
        print(
            f"{_local(event.at)}  {event.ticket_id}  {event.clock:<8} {what:<7}"
            f" due {_local(event.due)}  {actions}"
        )


def main() -> None:
    engine = SlaEngine(load_default_policy())
    seq: dict[str, int] = {}
    history = sorted(HISTORY, key=lambda h: h[0])
    tick = MONDAY
    while tick <= MONDAY + timedelta(days=2):
        while history and MONDAY + timedelta(minutes=history[0][0]) <= tick:
            minute, ticket_id, trigger, frm, to, payload = history.pop(0)
            seq[ticket_id] = seq.get(ticket_id, 0) + 1
            at = MONDAY + timedelta(minutes=minute)
            event = TicketEvent(
                ticket_id=ticket_id, seq=seq[ticket_id], trigger=trigger, from_state=frm,
                to_state=to, actor_id="grid-worker-7", actor_role="grid_worker", at=at,
                payload=payload,
            )  # fmt: skip
            _show(engine.record(event))
        _show(engine.advance_to(tick))
        tick += timedelta(minutes=10)

    print("\nclock cycles (时限周期):")
    for ticket_id in sorted(seq):
        for cycle in engine.cycles(ticket_id):
            state = cycle.outcome.value if cycle.outcome else "running"
            started, due = _local(cycle.started_at), _local(cycle.due)
            print(f"  {ticket_id}  {cycle.clock:<8} #{cycle.number}  {started} → {due}  {state}")


if __name__ == "__main__":
    main()
