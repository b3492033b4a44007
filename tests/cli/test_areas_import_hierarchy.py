"""``gridgov areas import`` into a database of another hierarchy (issue 13, item 21):
refused with a message and exit 1, the database still usable; ``--replace`` swaps it."""

from __future__ import annotations

from importlib.resources import files
from pathlib import Path

from click.testing import CliRunner

from gridgov.cli import main

SAMPLES = Path(str(files("gridgov") / "samples"))
BOSTON = SAMPLES / "boston311" / "areas.csv"
HANGZHOU = SAMPLES / "hangzhou" / "areas.toml"
DB = "sqlite:///gridgov.db"


def run(*args: str) -> tuple[int, str]:
    result = CliRunner().invoke(main, list(args))
    return result.exit_code, result.output


def test_importing_another_hierarchy_is_refused_and_the_database_still_works() -> None:
    assert run("areas", "import", str(BOSTON), "--db", DB)[0] == 0
    code, output = run("areas", "import", str(HANGZHOU), "--db", DB)
    assert code == 1
    assert "loaded" not in output
    assert f"database {DB} holds another area hierarchy (city > ward > precinct" in output
    assert "--replace" in output
    code, output = run("areas", "tree", "--db", DB, "--depth", "0")
    assert code == 0, output
    assert "BOS" in output


def test_replace_swaps_the_hierarchy_of_a_database_without_tickets() -> None:
    assert run("areas", "import", str(BOSTON), "--db", DB)[0] == 0
    code, output = run("areas", "import", str(HANGZHOU), "--db", DB, "--replace")
    assert code == 0, output
    code, output = run("areas", "tree", "--db", DB, "--depth", "0")
    assert code == 0, output
    assert "209 areas" in output


def test_replace_refuses_a_database_holding_tickets() -> None:
    assert run("demo", "--depth", "0", "--db", DB)[0] == 0
    code, output = run("areas", "import", str(HANGZHOU), "--db", DB, "--replace")
    assert code == 1
    assert "cannot replace its area hierarchy: it holds tickets" in output
    assert run("tick", "--db", DB, "--until", "2015-01-02T00:00Z")[0] == 0


def test_replace_needs_a_database() -> None:
    code, output = run("areas", "import", str(HANGZHOU), "--replace")
    assert code == 2
    assert "--replace replaces a database's hierarchy: give --db URL" in output
