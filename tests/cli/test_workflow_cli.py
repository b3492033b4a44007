"""``gridgov workflow``: diagram, states, triggers and permissions from the definition."""

from __future__ import annotations

import csv
import io
import json
from pathlib import Path

from click.testing import CliRunner

from gridgov.cli import main
from gridgov.workflow import DEFAULT_PERMISSIONS, DEFINITION, State, mermaid_diagram


def _run(*args: str) -> str:
    result = CliRunner().invoke(main, ["workflow", *args])
    assert result.exit_code == 0, result.output
    return result.output


def test_diagram_prints_the_generated_mermaid() -> None:
    assert _run("diagram") == mermaid_diagram()


def test_diagram_writes_a_file(tmp_path: Path) -> None:
    target = tmp_path / "loop.mmd"
    _run("diagram", "--output", str(target))
    assert target.read_text(encoding="utf-8") == mermaid_diagram()


def test_states_as_json_lists_every_state_with_labels() -> None:
    rows = json.loads(_run("states", "--format", "json"))
    assert [r["state"] for r in rows] == [s.value for s in State]
    closed = next(r for r in rows if r["state"] == "closed")
    assert (closed["label_zh"], closed["terminal"], closed["accepts"]) == ("归档", True, "")
    reported = next(r for r in rows if r["state"] == "reported")
    assert reported["accepts"].split() == [
        "accept",
        "reject",
        "supervise",
        "merge_into",
        "withdraw",
    ]


def test_triggers_as_csv_has_one_row_per_definition_row() -> None:
    rows = list(csv.DictReader(io.StringIO(_run("triggers", "--format", "csv"))))
    assert len(rows) == len(DEFINITION)
    review = [r for r in rows if r["trigger"] == "review"]
    assert [(r["to"], r["guards"]) for r in review] == [
        ("closed", "satisfied"),
        ("(same)", "not_satisfied"),
    ]


def test_permissions_as_json_is_the_default_matrix() -> None:
    rows = json.loads(_run("permissions", "--format", "json"))
    assert [r["role"] for r in rows] == list(DEFAULT_PERMISSIONS.roles)
    resident = rows[0]
    assert (resident["scope"], resident["triggers"]) == ("own", "report review withdraw")


def test_permissions_table_is_readable() -> None:
    output = _run("permissions")
    assert "网格员" in output
    assert "grid_worker" in output


def test_unknown_subcommand_is_a_usage_error() -> None:
    result = CliRunner().invoke(main, ["workflow", "frobnicate"])
    assert result.exit_code == 2
