"""One rule for schema set-up (issue 13, item 23): commands that load data (demo,
areas import, replay run) create the schema of a new database; only ``gridgov db
upgrade`` migrates an existing one; every other command needs an existing database
and never creates one."""

from __future__ import annotations

from importlib.resources import files
from pathlib import Path

import pytest
from click.testing import CliRunner
from sqlalchemy import create_engine, text

from gridgov.cli import main
from gridgov.replay import BOSTON_SAMPLE_DIR

HANGZHOU = Path(str(files("gridgov") / "samples" / "hangzhou" / "areas.toml"))


def run(*args: str) -> tuple[int, str]:
    result = CliRunner().invoke(main, list(args))
    return result.exit_code, result.output


@pytest.mark.parametrize(
    "command",
    [
        ["tick"],
        ["ticket", "list"],
        ["ticket", "show", "T1"],
        ["db", "status"],
        ["db", "verify"],
        ["people", "list"],
        ["areas", "tree", "--db", "sqlite:///gridgov.db"],
    ],
)
def test_a_command_that_does_not_load_data_never_creates_a_database(
    command: list[str], tmp_path: Path
) -> None:
    code, output = run(*command)
    assert code == 1, output
    assert f"no database at sqlite:///gridgov.db: the file {tmp_path / 'gridgov.db'}" in output
    assert not (tmp_path / "gridgov.db").exists()


def test_a_mistyped_path_names_the_missing_file(tmp_path: Path) -> None:
    code, output = run("ticket", "list", "--db", "sqlite:///gridgvo.db")
    assert code == 1
    assert "gridgvo.db does not exist (nothing was created)" in output
    assert list(tmp_path.iterdir()) == []


def test_replay_run_creates_the_schema_of_a_new_database(tmp_path: Path) -> None:
    code, output = run(
        "replay", "run", str(BOSTON_SAMPLE_DIR / "tickets_2015h1_sample.csv.gz"),
        "--mapping", str(BOSTON_SAMPLE_DIR / "mapping.toml"),
        "--areas", str(BOSTON_SAMPLE_DIR / "areas.csv"),
        "--due-from-source", "--db", "sqlite:///new.db", "--format", "json",
    )  # fmt: skip
    assert code == 0, output
    assert "2,000 tickets written" in output
    assert run("db", "status", "--db", "sqlite:///new.db")[1].endswith("up to date\n")


def test_areas_import_creates_the_schema_of_a_new_database(tmp_path: Path) -> None:
    code, output = run("areas", "import", str(HANGZHOU), "--db", "sqlite:///new.db")
    assert code == 0, output
    assert run("areas", "tree", "--db", "sqlite:///new.db", "--depth", "0")[0] == 0


def test_a_loading_command_refuses_a_database_whose_schema_is_behind(tmp_path: Path) -> None:
    assert run("db", "upgrade", "--db", "sqlite:///old.db")[0] == 0
    engine = create_engine("sqlite:///old.db")
    with engine.begin() as conn:
        conn.execute(text("UPDATE alembic_version SET version_num = 'older'"))
    code, output = run("areas", "import", str(HANGZHOU), "--db", "sqlite:///old.db")
    assert code == 1
    assert "at schema revision older" in output
    assert "run `gridgov db upgrade`" in output
    with engine.connect() as conn:
        assert conn.execute(text("SELECT version_num FROM alembic_version")).scalar() == "older"
        assert conn.execute(text("SELECT count(*) FROM areas")).scalar() == 0
    engine.dispose()
