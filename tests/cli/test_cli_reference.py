"""The checked-in CLI reference is what the commands say about themselves."""

from __future__ import annotations

import re
from pathlib import Path

from click.testing import CliRunner

from gridgov.cli import main
from gridgov.cli._reference import cli_reference

PAGE = Path(__file__).resolve().parents[2] / "docs" / "reference" / "cli.md"


def test_cli_reference_page_matches_the_commands() -> None:
    assert PAGE.read_text(encoding="utf-8") == cli_reference(), (
        "docs/reference/cli.md is stale: run "
        "`python -m gridgov.cli._reference > docs/reference/cli.md`"
    )


def test_cli_reference_covers_every_command() -> None:
    page = cli_reference()
    for command in ["areas validate", "workflow diagram", "sla check", "db upgrade", "replay run"]:
        assert f"`gridgov {command}`" in page


def test_each_usage_line_is_the_command_as_typed() -> None:
    """``gridgov areas import [OPTIONS] FILE``, as ``gridgov areas import --help`` prints it:
    the groups' own arguments must not leak into a subcommand's usage line."""
    page = cli_reference()
    sections = re.findall(r"^#+ `(gridgov[^`]*)`\n\n```text\nUsage: (.*)$", page, flags=re.M)
    assert len(sections) > 30
    for path, usage in sections:
        assert usage.startswith(f"{path} [OPTIONS]"), (path, usage)
    typed = CliRunner().invoke(main, ["areas", "import", "--help"], prog_name="gridgov")
    assert "Usage: gridgov areas import [OPTIONS] FILE" in typed.output
    assert "Usage: gridgov areas import [OPTIONS] FILE" in page
