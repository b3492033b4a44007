"""``gridgov ticket act ID merge_into --into`` (issue 13, item 17) from the command line."""

from __future__ import annotations

from importlib.resources import files
from pathlib import Path

from click.testing import CliRunner

from gridgov.cli import main

SAMPLE = Path(str(files("gridgov") / "samples" / "hangzhou" / "areas.toml"))
AREA = "HZ-YH-CQ-ZM-G01"
WORKER = "HZ-YH-CQ-ZM-G01-worker"
DB = "sqlite:///gridgov.db"


def run(*args: str) -> tuple[int, str]:
    result = CliRunner().invoke(main, [*args, "--db", DB], env={"COLUMNS": "200"})
    return result.exit_code, result.output


def test_a_merge_into_nothing_is_refused_and_a_merge_shows_from_both_tickets() -> None:
    assert run("areas", "import", str(SAMPLE))[0] == 0
    for ticket_id in ("A", "B"):
        code, output = run(
            "ticket", "report", "--actor", "r1", "--role", "resident", "--actor-area", AREA,
            "--category", "noise", "--area", AREA, "--id", ticket_id,
        )  # fmt: skip
        assert code == 0, output
    code, output = run("ticket", "act", "A", "merge_into", "--actor", WORKER, "--into", "NOPE")
    assert code == 1
    assert "ticket 'A' cannot be merged into 'NOPE': there is no ticket 'NOPE'" in output
    assert run("ticket", "act", "A", "merge_into", "--actor", WORKER, "--into", "B")[0] == 0
    code, output = run("ticket", "act", "B", "merge_into", "--actor", WORKER, "--into", "A")
    assert code == 1
    assert "merging back would make a cycle" in output
    assert "│ merged_into " in run("ticket", "show", "A")[1]
    code, output = run("ticket", "show", "B")
    assert code == 0, output
    assert "│ merged_from         │ A" in output
