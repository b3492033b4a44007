"""Stored text reaches the terminal as text (issue 13, item 19): never read as rich
markup, and without control characters."""

from __future__ import annotations

from importlib.resources import files
from pathlib import Path

import pytest
from click.testing import CliRunner
from sqlalchemy import create_engine, text

from gridgov.cli import main
from gridgov.cli._output import printable

SAMPLE = Path(str(files("gridgov") / "samples" / "hangzhou" / "areas.toml"))
AREA = "HZ-YH-CQ-ZM-G01"
URL = "sqlite:///gridgov.db"


def run(*args: str) -> tuple[int, str]:
    result = CliRunner().invoke(main, list(args), env={"COLUMNS": "400"})  # no wrapped cells
    return result.exit_code, result.output


def reported(description: str) -> None:
    assert run("areas", "import", str(SAMPLE), "--db", URL)[0] == 0
    code, output = run(
        "ticket", "report", "--actor", "r1", "--role", "resident", "--actor-area", AREA,
        "--category", "noise", "--area", AREA, "--id", "T1", "--description", description,
        "--db", URL, "--format", "json",
    )  # fmt: skip
    assert code == 0, output


def test_a_closing_tag_in_a_description_is_shown_as_typed() -> None:
    reported("[/oops] 楼下 [bold]很吵[/bold]")
    code, output = run("ticket", "show", "T1", "--db", URL)
    assert code == 0, output
    assert "[/oops] 楼下 [bold]很吵[/bold]" in output


def test_a_link_tag_makes_no_link() -> None:
    reported("[link=file:///etc/passwd]click[/link]")
    code, output = run("ticket", "show", "T1", "--db", URL)
    assert code == 0, output
    assert "[link=file:///etc/passwd]click[/link]" in output
    assert "\x1b]8;" not in output


def test_control_characters_in_stored_text_are_not_printed() -> None:
    assert run("areas", "import", str(SAMPLE), "--db", URL)[0] == 0
    code, output = run(
        "ticket", "report", "--actor", "r\x1b[31mX\x07", "--role", "resident",
        "--actor-area", AREA, "--category", "noise", "--area", AREA, "--id", "T1",
        "--db", URL, "--format", "json",
    )  # fmt: skip
    assert code == 0, output
    code, output = run("ticket", "show", "T1", "--db", URL)
    assert code == 0, output
    assert "\x1b" not in output
    assert "\x07" not in output
    assert "│ r[31mX " in output  # reporter_id and the event's actor_id, stripped


def test_an_area_name_with_an_escape_sequence_is_refused_not_printed() -> None:
    assert run("areas", "import", str(SAMPLE), "--db", URL)[0] == 0
    engine = create_engine(URL)
    with engine.begin() as conn:
        conn.execute(
            text("UPDATE areas SET name = :name WHERE code = :code"),
            {"name": "朱庙 [/dim]\x1b[2J\x1b[31m", "code": "HZ-YH-CQ-ZM"},
        )
    engine.dispose()
    code, output = run("areas", "show", "HZ-YH-CQ-ZM", "--db", URL)
    assert code == 1
    assert "\x1b" not in output
    assert "name holds the control character U+001B" in output


@pytest.mark.parametrize(
    ("given", "shown"),
    [
        ("tab\tand\nnewline stay", "tab\tand\nnewline stay"),
        ("\x00nul\x7fdel\x9bcsi", "nuldelcsi"),
        ("\u202eevil\u2066", "evil"),
    ],
)
def test_printable_strips_control_characters_but_tab_and_newline(given: str, shown: str) -> None:
    assert printable(given) == shown
