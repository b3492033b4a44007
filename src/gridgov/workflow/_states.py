"""The words of the ticket loop (闭环): states and triggers, with their zh/en labels."""

from __future__ import annotations

from enum import StrEnum

__all__ = [
    "NEW",
    "PART_DISPATCHED",
    "PART_IN_PROGRESS",
    "PART_TRIGGERS",
    "TERMINAL_STATES",
    "PartState",
    "State",
    "Trigger",
]

NEW = "new"
"""The pseudo-state before a ticket exists; ``report`` leaves it (``from_state`` of event #1)."""


class State(StrEnum):
    """Where a ticket is in the loop.  The value is the stored string."""

    REPORTED = "reported"
    ACCEPTED = "accepted"
    DISPATCHED = "dispatched"
    IN_PROGRESS = "in_progress"
    SUSPENDED = "suspended"
    HANDLED = "handled"
    REVIEWING = "reviewing"
    CLOSED = "closed"
    REJECTED = "rejected"
    WITHDRAWN = "withdrawn"
    MERGED = "merged"

    @property
    def label_zh(self) -> str:
        """The Chinese name used on the ground, e.g. 派单."""
        return _STATE_ZH[self]

    @property
    def label_en(self) -> str:
        """A short English description."""
        return _STATE_EN[self]

    @property
    def is_terminal(self) -> bool:
        """True for 归档, 无效, 撤回 and 合并: the loop is over."""
        return self in TERMINAL_STATES


class Trigger(StrEnum):
    """What someone (or the system) does to a ticket.  The value is the stored string."""

    REPORT = "report"
    ACCEPT = "accept"
    REJECT = "reject"
    DISPATCH = "dispatch"
    SIGN_FOR = "sign_for"
    SIGN_FOR_PART = "sign_for_part"
    RETURN_TO_DISPATCHER = "return_to_dispatcher"
    SUSPEND = "suspend"
    RESUME = "resume"
    MARK_HANDLED = "mark_handled"
    HANDLE_PART = "handle_part"
    REQUEST_REVIEW = "request_review"
    REVIEW = "review"
    REOPEN = "reopen"
    ESCALATE = "escalate"
    SUPERVISE = "supervise"
    MERGE_INTO = "merge_into"
    WITHDRAW = "withdraw"
    CLOSE = "close"

    @property
    def label_zh(self) -> str:
        """The Chinese name used on the ground, e.g. 签收."""
        return _TRIGGER_ZH[self]

    @property
    def label_en(self) -> str:
        """A short English description."""
        return _TRIGGER_EN[self]


class PartState(StrEnum):
    """Where one co-unit's part (协办) of a joint ticket is.  The value is the stored string."""

    DISPATCHED = "dispatched"
    IN_PROGRESS = "in_progress"
    HANDLED = "handled"
    RELEASED = "released"
    """The lead unit finished the ticket before this part was handled (the policy allowed
    it, and the lead's 办结 records why)."""

    @property
    def label_zh(self) -> str:
        """The Chinese name, e.g. 待签收."""
        return _PART_ZH[self]

    @property
    def is_open(self) -> bool:
        """True while the co-unit still owes its part."""
        return self in (PartState.DISPATCHED, PartState.IN_PROGRESS)


PART_DISPATCHED = PartState.DISPATCHED.value
PART_IN_PROGRESS = PartState.IN_PROGRESS.value

PART_TRIGGERS: frozenset[str] = frozenset({"sign_for_part", "handle_part"})
"""The triggers a co-unit fires on its own part; the rest act on the whole ticket."""

_PART_ZH = {
    PartState.DISPATCHED: "待签收",
    PartState.IN_PROGRESS: "处置中",
    PartState.HANDLED: "已办结",
    PartState.RELEASED: "主办先行办结",
}

TERMINAL_STATES: frozenset[State] = frozenset(
    {State.CLOSED, State.REJECTED, State.WITHDRAWN, State.MERGED}
)

_STATE_ZH = {
    State.REPORTED: "上报",
    State.ACCEPTED: "受理",
    State.DISPATCHED: "派单",
    State.IN_PROGRESS: "签收/处置",
    State.SUSPENDED: "挂起",
    State.HANDLED: "办结",
    State.REVIEWING: "回访",
    State.CLOSED: "归档",
    State.REJECTED: "无效",
    State.WITHDRAWN: "撤回",
    State.MERGED: "合并",
}
_STATE_EN = {
    State.REPORTED: "reported, waiting to be triaged",
    State.ACCEPTED: "accepted, waiting to be dispatched",
    State.DISPATCHED: "dispatched to a unit, not yet signed for",
    State.IN_PROGRESS: "signed for and being handled",
    State.SUSPENDED: "suspended; the clock is paused",
    State.HANDLED: "handled, with result and photos",
    State.REVIEWING: "waiting for the reporter's or community's review",
    State.CLOSED: "closed and archived",
    State.REJECTED: "rejected as invalid",
    State.WITHDRAWN: "withdrawn by the reporter",
    State.MERGED: "merged into another ticket (duplicate)",
}
_TRIGGER_ZH = {
    Trigger.REPORT: "上报",
    Trigger.ACCEPT: "受理",
    Trigger.REJECT: "不予受理(无效)",
    Trigger.DISPATCH: "派单",
    Trigger.SIGN_FOR: "签收",
    Trigger.SIGN_FOR_PART: "协办签收",
    Trigger.RETURN_TO_DISPATCHER: "退回",
    Trigger.SUSPEND: "挂起",
    Trigger.RESUME: "恢复",
    Trigger.MARK_HANDLED: "办结",
    Trigger.HANDLE_PART: "协办办结",
    Trigger.REQUEST_REVIEW: "发起回访",
    Trigger.REVIEW: "回访评价",
    Trigger.REOPEN: "重办",
    Trigger.ESCALATE: "上报升级/联动",
    Trigger.SUPERVISE: "督办",
    Trigger.MERGE_INTO: "合并",
    Trigger.WITHDRAW: "撤回",
    Trigger.CLOSE: "归档",
}
_TRIGGER_EN = {
    Trigger.REPORT: "report a new issue",
    Trigger.ACCEPT: "accept (triage) the report",
    Trigger.REJECT: "reject the report as invalid",
    Trigger.DISPATCH: "dispatch to the tier's unit (with co-units: jointly)",
    Trigger.SIGN_FOR: "the unit signs for the ticket and starts handling",
    Trigger.SIGN_FOR_PART: "a co-unit (协办) signs for its part of a joint ticket",
    Trigger.RETURN_TO_DISPATCHER: "send back: wrong unit or beyond its power",
    Trigger.SUSPEND: "pause handling (the SLA clock stops)",
    Trigger.RESUME: "continue from where it was suspended",
    Trigger.MARK_HANDLED: "record the result (text and photos)",
    Trigger.HANDLE_PART: "a co-unit records the result of its part of a joint ticket",
    Trigger.REQUEST_REVIEW: "ask the reporter or community to review",
    Trigger.REVIEW: "review: satisfied, basically satisfied or not satisfied",
    Trigger.REOPEN: "send an unsatisfactory result back to handling",
    Trigger.ESCALATE: "move one level up, or to a department for linked handling",
    Trigger.SUPERVISE: "a superior flags the ticket for supervision",
    Trigger.MERGE_INTO: "close as a duplicate of another ticket",
    Trigger.WITHDRAW: "the reporter withdraws the report",
    Trigger.CLOSE: "archive (also auto-close when no review comes in time)",
}
