"""The ticket loop, declared once: every legal move is a row of :data:`DEFINITION`.

Everything else is derived from this table: the compiled :data:`~gridgov.workflow.TABLE`
used by replay, the shared ``transitions`` machine behind the object API, the Mermaid
diagram and the docs.  Guards are named predicates on the event payload only, so the
table can be evaluated on plain data (a state string, a trigger string, a dict).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any, Final

from gridgov.workflow._states import NEW, PART_DISPATCHED, PART_IN_PROGRESS, State, Trigger

__all__ = [
    "DEFINITION",
    "GUARDS",
    "RECORDED_TEXTS",
    "SAME",
    "SATISFIED_VERDICTS",
    "VERDICTS",
    "Guard",
    "TransitionSpec",
    "text_given",
]

SAME: Final = "="
"""A destination meaning "stay in the source state" (督办, an unsatisfied 回访)."""

VERDICTS: Final = ("satisfied", "basically_satisfied", "not_satisfied")
"""回访 verdicts: 满意, 基本满意, 不满意."""
SATISFIED_VERDICTS: Final = frozenset(VERDICTS[:2])

Payload = Mapping[str, Any]


@dataclass(frozen=True, slots=True)
class Guard:
    """A named condition on the event payload that a transition needs."""

    name: str
    description: str
    check: Callable[[Payload], bool]


def _resumes_to(state: State) -> Guard:
    return Guard(
        f"resume_to_{state.value}",
        f"payload 'resume_to' is {state.value!r} (the state it was suspended from)",
        lambda p: p.get("resume_to") == state.value,
    )


def _is_one_of(value: object, allowed: frozenset[str]) -> bool:
    """``value`` is one of ``allowed`` (a list or dict in a payload is not, and does not
    raise)."""
    return isinstance(value, str) and value in allowed


def text_given(value: object) -> bool:
    """``value`` is a non-empty text: all the loop asks of a :data:`RECORDED_TEXTS` field."""
    return isinstance(value, str) and bool(value.strip())


RECORDED_TEXTS: Final = frozenset({"result", "reason", "early_reason"})
"""Payload texts the loop records but decides on only by whether one is given
(:func:`text_given`, in the guards ``has_result``, ``settled`` and ``parts_done``): their
words change no move, no routing and no clock.  Replay's remembered shapes key them by
that alone, so tickets with free-text results (a 311 file's closure reasons) share one."""


def _settled(payload: Payload) -> bool:
    return not payload.get("contested") or text_given(payload.get("reason"))


def _parts_done(payload: Payload) -> bool:
    if not payload.get("open_parts"):
        return True
    return bool(payload.get("lead_may_finish")) and text_given(payload.get("early_reason"))


GUARDS: Final[Mapping[str, Guard]] = {
    g.name: g
    for g in (
        Guard(
            "has_result",
            "payload 'result' is a non-empty text (办结 needs a result)",
            lambda p: text_given(p.get("result")),
        ),
        Guard(
            "satisfied",
            "payload 'verdict' is 'satisfied' or 'basically_satisfied'",
            lambda p: _is_one_of(p.get("verdict"), SATISFIED_VERDICTS),
        ),
        Guard(
            "not_satisfied",
            "payload 'verdict' is 'not_satisfied'",
            lambda p: p.get("verdict") == "not_satisfied",
        ),
        Guard(
            "settled",
            "no unsatisfied review stands (payload 'contested', which the ticket states), "
            "or 'reason' records the supervisor's decision to close anyway (裁定归档)",
            _settled,
        ),
        Guard(
            "names_target",
            "payload 'into' names the ticket this one duplicates",
            lambda p: text_given(p.get("into")),
        ),
        Guard(
            "parts_done",
            "every co-unit's part is handled (payload 'open_parts' empty), or the policy lets "
            "the lead unit finish first ('lead_may_finish') and 'early_reason' says why",
            _parts_done,
        ),
        Guard(
            "part_dispatched",
            "payload 'unit' names a co-unit whose part waits to be signed for",
            lambda p: p.get("part_state") == PART_DISPATCHED,
        ),
        Guard(
            "part_in_progress",
            "payload 'unit' names a co-unit that signed for its part",
            lambda p: p.get("part_state") == PART_IN_PROGRESS,
        ),
        _resumes_to(State.ACCEPTED),
        _resumes_to(State.DISPATCHED),
        _resumes_to(State.IN_PROGRESS),
    )
}


@dataclass(frozen=True, slots=True)
class TransitionSpec:
    """One row of the loop: ``trigger`` moves a ticket from any of ``sources`` to ``dest``.

    ``dest`` is a :class:`State` or :data:`SAME`.  When several rows share a
    (source, trigger) pair, the first whose ``guards`` all hold wins.
    """

    trigger: Trigger
    sources: tuple[str, ...]
    dest: str
    guards: tuple[str, ...] = ()
    label_zh: str = ""
    """Only for a variant that needs its own words (回访满意 / 回访不满意); otherwise the
    trigger's label (:attr:`Trigger.label_zh`, the one set of zh/en labels) is used."""

    @property
    def label(self) -> str:
        """The Chinese label of this row: its own, else its trigger's."""
        return self.label_zh or self.trigger.label_zh

    def destination(self, source: str) -> str:
        """The state a ticket in ``source`` ends up in."""
        return source if self.dest == SAME else self.dest


S = State
T = Trigger
_ACTIVE = (S.REPORTED, S.ACCEPTED, S.DISPATCHED, S.IN_PROGRESS, S.SUSPENDED)
_OPEN = (*_ACTIVE, S.HANDLED, S.REVIEWING)
_HANDLING = (S.DISPATCHED, S.IN_PROGRESS)
"""Where a co-unit (协办) works its part of a joint ticket: the lead's dispatch gave it."""

DEFINITION: Final[tuple[TransitionSpec, ...]] = (
    TransitionSpec(T.REPORT, (NEW,), S.REPORTED),
    TransitionSpec(T.ACCEPT, (S.REPORTED,), S.ACCEPTED),
    TransitionSpec(T.REJECT, (S.REPORTED, S.ACCEPTED), S.REJECTED),
    TransitionSpec(T.DISPATCH, (S.ACCEPTED,), S.DISPATCHED),
    TransitionSpec(T.SIGN_FOR, (S.DISPATCHED,), S.IN_PROGRESS),
    TransitionSpec(T.SIGN_FOR_PART, _HANDLING, SAME, ("part_dispatched",)),
    TransitionSpec(T.HANDLE_PART, _HANDLING, SAME, ("part_in_progress", "has_result")),
    TransitionSpec(T.RETURN_TO_DISPATCHER, (S.DISPATCHED, S.IN_PROGRESS), S.ACCEPTED),
    TransitionSpec(T.SUSPEND, (S.ACCEPTED, S.DISPATCHED, S.IN_PROGRESS), S.SUSPENDED),
    TransitionSpec(T.RESUME, (S.SUSPENDED,), S.ACCEPTED, ("resume_to_accepted",)),
    TransitionSpec(T.RESUME, (S.SUSPENDED,), S.DISPATCHED, ("resume_to_dispatched",)),
    TransitionSpec(T.RESUME, (S.SUSPENDED,), S.IN_PROGRESS, ("resume_to_in_progress",)),
    TransitionSpec(T.MARK_HANDLED, (S.IN_PROGRESS,), S.HANDLED, ("has_result", "parts_done")),
    TransitionSpec(T.REQUEST_REVIEW, (S.HANDLED,), S.REVIEWING),
    TransitionSpec(T.REVIEW, (S.REVIEWING,), S.CLOSED, ("satisfied",), "回访满意"),
    TransitionSpec(T.REVIEW, (S.REVIEWING,), SAME, ("not_satisfied",), "回访不满意"),
    TransitionSpec(T.REOPEN, (S.HANDLED, S.REVIEWING), S.DISPATCHED),
    TransitionSpec(T.ESCALATE, (S.ACCEPTED, S.DISPATCHED, S.IN_PROGRESS), S.DISPATCHED),
    TransitionSpec(T.SUPERVISE, _OPEN, SAME),
    TransitionSpec(T.MERGE_INTO, (S.REPORTED, S.ACCEPTED), S.MERGED, ("names_target",)),
    TransitionSpec(T.WITHDRAW, _ACTIVE, S.WITHDRAWN),
    TransitionSpec(T.CLOSE, (S.HANDLED, S.REVIEWING), S.CLOSED, ("settled",)),
)
