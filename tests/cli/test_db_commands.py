"""``gridgov db`` and ``gridgov areas import --db``: migrations, the audit chain, URLs."""

from __future__ import annotations

from importlib.resources import files
from pathlib import Path

import pytest
from click.testing import CliRunner
from sqlalchemy import create_engine, inspect, text

from gridgov.cli import main

SAMPLE = Path(str(files("gridgov") / "samples" / "hangzhou" / "areas.toml"))
AREA = "HZ-YH-CQ-ZM-G01"
WORKER = "HZ-YH-CQ-ZM-G01-worker"


@pytest.fixture
def url(tmp_path: Path) -> str:
    return f"sqlite:///{tmp_path / 'gridgov.db'}"


def run(*args: str, env: dict[str, str] | None = None) -> tuple[int, str, str]:
    result = CliRunner().invoke(main, list(args), env=env)
    return result.exit_code, result.stdout, result.stderr


def _count(url: str, table: str) -> int:
    engine = create_engine(url)
    with engine.connect() as conn:
        found = int(conn.execute(text(f"SELECT count(*) FROM {table}")).scalar_one())
    engine.dispose()
    return found


def test_upgrade_creates_the_schema_and_is_idempotent(url: str) -> None:
    assert run("db", "upgrade", "--db", url)[0] == 0
    code, out, _ = run("db", "upgrade", "--db", url)
    assert code == 0
    assert "revision 0002" in out
    assert "up to date" in run("db", "status", "--db", url)[1]


def test_the_url_comes_from_the_environment_then_the_working_directory(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    env_db = tmp_path / "env.db"
    assert run("db", "upgrade", env={"GRIDGOV_DATABASE_URL": f"sqlite:///{env_db}"})[0] == 0
    assert env_db.exists()
    here = tmp_path / "here"
    here.mkdir()
    monkeypatch.chdir(here)
    monkeypatch.delenv("GRIDGOV_DATABASE_URL", raising=False)
    assert run("db", "upgrade")[0] == 0
    assert (here / "gridgov.db").exists()


def test_an_unmigrated_database_is_refused_in_one_line_and_left_empty(url: str) -> None:
    code, _, err = run("ticket", "list", "--db", url)
    assert code == 1
    assert err.strip().count("\n") == 0
    assert "run `gridgov db upgrade`" in err
    engine = create_engine(url)
    assert inspect(engine).get_table_names() == []
    engine.dispose()


@pytest.mark.parametrize(
    ("bad_url", "message"),
    [
        ("mysql://u@h/db", "unsupported database 'mysql'"),
        ("::nonsense::", "cannot read database URL"),
        ("postgresql+psycopg://postgres@127.0.0.1:1/x", "Connection refused"),
    ],
)
def test_a_wrong_database_url_is_one_clear_line(bad_url: str, message: str) -> None:
    code, _, err = run("db", "upgrade", "--db", bad_url)
    assert code == 1
    assert message in err
    assert err.strip().count("\n") == 0


def test_areas_import_writes_areas_and_units_into_the_database(url: str) -> None:
    run("db", "upgrade", "--db", url)
    code, _, err = run("areas", "import", str(SAMPLE), "--db", url)
    assert code == 0, err
    assert _count(url, "areas") == 209
    assert _count(url, "units") == 426


def test_a_bad_area_file_is_refused_and_writes_nothing(url: str, tmp_path: Path) -> None:
    run("db", "upgrade", "--db", url)
    bad = tmp_path / "bad.csv"
    bad.write_text("code,name,level,parent_code\nA,区,district,\nB,社区,community,NOPE\n")
    code, _, err = run("areas", "import", str(bad), "--db", url)
    assert code == 1
    assert "NOPE" in err
    assert _count(url, "areas") == 0


def test_verify_passes_a_clean_log_and_names_an_edited_ticket(url: str) -> None:
    run("db", "upgrade", "--db", url)
    run("areas", "import", str(SAMPLE), "--db", url)
    for ticket_id in ("T1", "T2"):
        code, _, err = run(
            "ticket", "report", "--db", url, "--actor", WORKER, "--category", "noise",
            "--area", AREA, "--id", ticket_id,
        )  # fmt: skip
        assert code == 0, err
    assert run("db", "verify", "--db", url)[0] == 0
    engine = create_engine(url)
    with engine.begin() as conn:
        conn.execute(text("UPDATE ticket_events SET actor_id = 'mallory' WHERE ticket_id = 'T2'"))
    engine.dispose()
    code, out, err = run("db", "verify", "--db", url, "--format", "csv")
    assert code == 1
    assert out.splitlines()[1:] == ["T2,1,content does not match its hash (edited)"]
    assert "T2" in err
