"""The docs show the loop the code defines: generated blocks must match the generators."""

from __future__ import annotations

import re
from collections.abc import Callable
from pathlib import Path

import pytest

from gridgov.workflow import (
    DEFINITION,
    State,
    Trigger,
    mermaid_diagram,
    permissions_markdown,
    states_markdown,
    triggers_markdown,
)

DOCS = Path(__file__).resolve().parents[2] / "docs"
FENCE = "`" * 3
BLOCKS: list[tuple[str, str, Callable[[], str]]] = [
    (
        "concepts/ticket-loop.md",
        "mermaid_diagram",
        lambda: f"{FENCE}mermaid\n{mermaid_diagram()}{FENCE}\n",
    ),
    ("concepts/ticket-loop.md", "states_markdown", states_markdown),
    ("concepts/ticket-loop.md", "triggers_markdown", triggers_markdown),
    ("reference/permissions.md", "permissions_markdown", permissions_markdown),
]


def _block(page: str, name: str) -> str:
    text = (DOCS / page).read_text(encoding="utf-8")
    match = re.search(
        rf"<!-- generated: {name} .*?-->\n(.*?)<!-- end generated: {name} -->", text, re.S
    )
    assert match, f"{page} has no generated block {name!r}"
    return match.group(1)


@pytest.mark.parametrize(("page", "name", "generate"), BLOCKS, ids=[b[1] for b in BLOCKS])
def test_generated_block_matches_the_code(
    page: str, name: str, generate: Callable[[], str]
) -> None:
    assert _block(page, name) == generate(), (
        f"docs/{page} block {name!r} drifted from the code: paste the output of "
        f"gridgov.workflow.{name}() between its markers"
    )


def test_checked_in_diagram_matches_the_definition() -> None:
    checked_in = (DOCS / "diagrams" / "ticket-loop.mmd").read_text(encoding="utf-8")
    assert checked_in == mermaid_diagram(), (
        "run: gridgov workflow diagram -o docs/diagrams/ticket-loop.mmd"
    )


def test_diagram_has_every_state_and_every_row_of_the_table() -> None:
    diagram = mermaid_diagram()
    for state in State:
        assert f'state "{state.label_zh} {state.value}" as {state.value}' in diagram
    for spec in DEFINITION:
        assert spec.trigger.value in diagram
    assert {t.value for t in Trigger} == {spec.trigger.value for spec in DEFINITION}
