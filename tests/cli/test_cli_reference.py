"""The checked-in CLI reference is what the commands say about themselves."""

from __future__ import annotations

from pathlib import Path

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
