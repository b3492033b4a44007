"""Reference views of the loop generated from its definition: Mermaid and Markdown tables.

The docs embed these outputs and a test fails when they drift from the code.
"""

from __future__ import annotations

from gridgov.workflow._definition import DEFINITION, SAME
from gridgov.workflow._permissions import DEFAULT_PERMISSIONS, PermissionPolicy
from gridgov.workflow._states import NEW, TERMINAL_STATES, State, Trigger

__all__ = ["mermaid_diagram", "permissions_markdown", "states_markdown", "triggers_markdown"]


def mermaid_diagram() -> str:
    """The loop as a Mermaid ``stateDiagram-v2``; guarded moves show ``[guard]``.

    >>> print(mermaid_diagram().splitlines()[0])
    stateDiagram-v2
    """
    lines = ["stateDiagram-v2"]
    lines += [f'    state "{s.label_zh} {s.value}" as {s.value}' for s in State]
    edges: dict[tuple[str, str], list[str]] = {}
    for spec in DEFINITION:
        guard = f" [{', '.join(spec.guards)}]" if spec.guards else ""
        for source in spec.sources:
            dest = source if spec.dest == SAME else spec.dest
            src = "[*]" if source == NEW else str(source)
            label = f"{spec.trigger.value}{guard}"
            edges.setdefault((src, str(dest)), [])
            if label not in edges[(src, str(dest))]:
                edges[(src, str(dest))].append(label)
    lines += [f"    {src} --> {dst} : {' / '.join(labels)}" for (src, dst), labels in edges.items()]
    lines += [f"    {s.value} --> [*]" for s in State if s in TERMINAL_STATES]
    return "\n".join(lines) + "\n"


def states_markdown() -> str:
    """A Markdown table of the states (zh/en) and the triggers each one accepts."""
    from gridgov.workflow._table import TABLE

    rows = ["| state | 中文 | meaning | accepts |", "|---|---|---|---|"]
    for state in State:
        accepts = ", ".join(f"`{t}`" for t in TABLE.triggers_from(state)) or "— (final)"
        rows.append(f"| `{state.value}` | {state.label_zh} | {state.label_en} | {accepts} |")
    return "\n".join(rows) + "\n"


def triggers_markdown() -> str:
    """A Markdown table of every row of the definition (trigger, zh, from, to, guards)."""
    rows = ["| trigger | 中文 | from | to | guard |", "|---|---|---|---|---|"]
    for spec in DEFINITION:
        sources = ", ".join(f"`{s}`" for s in spec.sources)
        dest = "(same)" if spec.dest == SAME else f"`{spec.dest}`"
        guards = ", ".join(spec.guards) or ""
        zh = spec.label
        rows.append(f"| `{spec.trigger.value}` | {zh} | {sources} | {dest} | {guards} |")
    return "\n".join(rows) + "\n"


_MARKS = {"any": "✓", "unit": "unit", "": ""}


def permissions_markdown(policy: PermissionPolicy = DEFAULT_PERMISSIONS) -> str:
    """The role × trigger matrix as a Markdown table: ✓ where granted on every ticket in
    the role's scope, ``unit`` where granted only on tickets not dispatched or dispatched
    to the actor's own unit (:meth:`RoleGrant.reach <gridgov.workflow.RoleGrant.reach>`)."""
    roles = list(policy.roles)
    head = "| trigger | " + " | ".join(f"{r}<br>{policy.roles[r].label_zh}" for r in roles) + " |"
    rows = [head, "|---|" + "---|" * len(roles)]
    scope = "| *scope* | " + " | ".join(policy.roles[r].scope.value for r in roles) + " |"
    rows.append(scope)
    for trigger in Trigger:
        marks = " | ".join(_MARKS[policy.roles[r].reach(trigger)] for r in roles)
        rows.append(f"| `{trigger.value}` {trigger.label_zh} | {marks} |")
    return "\n".join(rows) + "\n"
