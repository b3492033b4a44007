"""The ticket loop (工单闭环): states, triggers, the transition table, events and tickets.

The loop is declared once in :data:`DEFINITION`.  Two things are compiled from it:

- :data:`TABLE`, a :class:`TransitionTable` of plain dicts, for replaying millions of
  events (``TABLE.next_state(state, trigger, payload)``);
- the shared ``transitions`` machine behind the object API (:class:`TicketLoop`).

A :class:`Ticket` is the fold of its :class:`TicketEvent` history.  Who may fire
what is :class:`PermissionPolicy`; the people who act (:class:`Actor`) are read
from CSV, JSON or TOML files by :func:`load_people`, checked against the area
hierarchy, its units and the policy.
"""

from gridgov.workflow._assign import Assigner, Assignment
from gridgov.workflow._definition import (
    DEFINITION,
    GUARDS,
    RECORDED_TEXTS,
    SAME,
    SATISFIED_VERDICTS,
    VERDICTS,
    Guard,
    TransitionSpec,
    text_given,
)
from gridgov.workflow._events import TicketEvent
from gridgov.workflow._loop import ESCALATION_CAUSES, TicketLoop
from gridgov.workflow._names import StateName, TriggerName, check_state, check_trigger
from gridgov.workflow._people import (
    PEOPLE_COLUMNS,
    PeopleFile,
    dump_people,
    load_people,
    parse_people,
)
from gridgov.workflow._permissions import (
    DEFAULT_PERMISSIONS,
    SYSTEM_ROLE,
    Actor,
    AreaScope,
    PermissionPolicy,
    RoleGrant,
    Scope,
    Visibility,
    load_permissions,
)
from gridgov.workflow._reference import (
    mermaid_diagram,
    permissions_markdown,
    states_markdown,
    triggers_markdown,
)
from gridgov.workflow._routing import Category, Route, RoutingPolicy, Tier, load_routing_policy
from gridgov.workflow._states import NEW, PART_TRIGGERS, TERMINAL_STATES, PartState, State, Trigger
from gridgov.workflow._table import TABLE, TransitionTable
from gridgov.workflow._ticket import Move, Part, Ticket, parts_of

__all__ = [
    "DEFAULT_PERMISSIONS",
    "DEFINITION",
    "ESCALATION_CAUSES",
    "GUARDS",
    "NEW",
    "PART_TRIGGERS",
    "PEOPLE_COLUMNS",
    "RECORDED_TEXTS",
    "SAME",
    "SATISFIED_VERDICTS",
    "SYSTEM_ROLE",
    "TABLE",
    "TERMINAL_STATES",
    "VERDICTS",
    "Actor",
    "AreaScope",
    "Assigner",
    "Assignment",
    "Category",
    "Guard",
    "Move",
    "Part",
    "PartState",
    "PeopleFile",
    "PermissionPolicy",
    "RoleGrant",
    "Route",
    "RoutingPolicy",
    "Scope",
    "State",
    "StateName",
    "Ticket",
    "TicketEvent",
    "TicketLoop",
    "Tier",
    "TransitionSpec",
    "TransitionTable",
    "Trigger",
    "TriggerName",
    "Visibility",
    "check_state",
    "check_trigger",
    "dump_people",
    "load_people",
    "load_permissions",
    "load_routing_policy",
    "mermaid_diagram",
    "parse_people",
    "parts_of",
    "permissions_markdown",
    "states_markdown",
    "text_given",
    "triggers_markdown",
]

from gridgov._public import publish

publish(globals())
