"""``--db`` is one option that means the same in every command: the URL given, else
``$GRIDGOV_DATABASE_URL``; commands that need a database fall back to ./gridgov.db,
commands where one is optional use none unless told."""

from __future__ import annotations

from pathlib import Path

import pytest
from click.testing import CliRunner

from gridgov.cli import main

SAMPLE = Path(__file__).resolve().parents[2] / "src/gridgov/samples/hangzhou/areas.toml"


def _invoke(*args: str, env: dict[str, str] | None = None) -> tuple[int, str]:
    result = CliRunner().invoke(main, list(args), env=env)
    return result.exit_code, result.output


def test_a_database_command_without_db_uses_gridgov_db_in_the_working_directory(
    tmp_path: Path,
) -> None:
    code, output = _invoke("db", "upgrade")
    assert code == 0, output
    assert (tmp_path / "gridgov.db").exists()


def test_areas_import_writes_to_the_database_the_variable_names(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'env.db'}"
    env = {"GRIDGOV_DATABASE_URL": url}
    assert _invoke("db", "upgrade", env=env)[0] == 0
    code, output = _invoke("areas", "import", str(SAMPLE), env=env)
    assert code == 0, output
    code, output = _invoke("areas", "tree", "--depth", "0", env=env)
    assert code == 0, output
    assert "杭州市" in output


def test_areas_import_without_db_or_variable_writes_nothing(tmp_path: Path) -> None:
    code, output = _invoke("areas", "import", str(SAMPLE))
    assert code == 0, output
    assert list(tmp_path.iterdir()) == []


def test_an_explicit_sample_wins_over_the_variable(tmp_path: Path) -> None:
    env = {"GRIDGOV_DATABASE_URL": f"sqlite:///{tmp_path / 'none.db'}"}
    code, output = _invoke("areas", "tree", "--sample", "hangzhou", "--depth", "0", env=env)
    assert code == 0, output
    assert not (tmp_path / "none.db").exists()


def test_an_explicit_sample_and_db_are_one_source_too_many(tmp_path: Path) -> None:
    code, output = _invoke(
        "areas", "tree", "--sample", "hangzhou", "--db", f"sqlite:///{tmp_path / 'x.db'}"
    )
    assert code == 2
    assert "exactly one of" in output


@pytest.mark.parametrize(
    "command",
    [
        ["db", "upgrade"],
        ["db", "status"],
        ["db", "verify"],
        ["ticket", "list"],
        ["tick"],
        ["people", "list"],
        ["demo"],
        ["areas", "import"],
        ["areas", "tree"],
        ["replay", "run"],
    ],
)
def test_every_db_option_names_the_variable(command: list[str]) -> None:
    code, output = _invoke(*command, "--help")
    assert code == 0, output
    assert "--db URL" in output
    assert "GRIDGOV_DATABASE_URL" in output
