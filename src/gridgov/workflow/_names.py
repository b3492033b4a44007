"""Trigger and state names in files (策略文件中的动作与状态名): one check for every file format.

An SLA policy, a replay mapping and any other file that names triggers or states
validate them with these pydantic types, so a typo gets the same message
everywhere, listing what is allowed.

>>> from pydantic import TypeAdapter
>>> TypeAdapter(TriggerName).validate_python("sign_for")
'sign_for'
>>> check_trigger("sign_fro")
Traceback (most recent call last):
...
ValueError: unknown trigger 'sign_fro' (did you mean 'sign_for'?); expected one of accept, ...
"""

from __future__ import annotations

from typing import Annotated

from pydantic import AfterValidator

from gridgov.errors import suggestion
from gridgov.workflow._states import State, Trigger

__all__ = ["StateName", "TriggerName", "check_state", "check_trigger"]

_TRIGGERS = frozenset(t.value for t in Trigger)
_STATES = frozenset(s.value for s in State)


def check_trigger(name: str) -> str:
    """``name`` when it is a trigger of the loop, else ``ValueError`` listing them."""
    if name not in _TRIGGERS:
        raise ValueError(
            f"unknown trigger {name!r}{suggestion(name, _TRIGGERS)}; "
            f"expected one of {', '.join(sorted(_TRIGGERS))}"
        )
    return name


def check_state(name: str) -> str:
    """``name`` when it is a state of the loop, else ``ValueError`` listing them."""
    if name not in _STATES:
        raise ValueError(
            f"unknown state {name!r}{suggestion(name, _STATES)}; "
            f"expected one of {', '.join(sorted(_STATES))}"
        )
    return name


TriggerName = Annotated[str, AfterValidator(check_trigger)]
"""A string that must be a :class:`Trigger`'s value (pydantic field type)."""
StateName = Annotated[str, AfterValidator(check_state)]
"""A string that must be a :class:`State`'s value (pydantic field type)."""
