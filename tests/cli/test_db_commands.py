"""``gridgov db`` and ``gridgov areas import --db``: migrations, the audit chain, URLs."""

from __future__ import annotations

from collections.abc import Iterator
from importlib.resources import files
from pathlib import Path

import pytest
from click.testing import CliRunner
from sqlalchemy import create_engine, inspect, text
from tests.integration._store_harness import pg_schema_url, tamper

from gridgov.cli import main
from gridgov.store import SqlStore, head_revision

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
    assert f"revision {head_revision()}" in out
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


def test_an_unmigrated_database_is_refused_in_one_line_and_left_empty(
    url: str, tmp_path: Path
) -> None:
    (tmp_path / "gridgov.db").touch()
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
    with SqlStore(url) as store:
        tamper(store, "UPDATE ticket_events SET actor_id = 'mallory' WHERE ticket_id = 'T2'")
    code, out, err = run("db", "verify", "--db", url, "--format", "csv")
    assert code == 1
    assert out.splitlines()[1:] == ["T2,1,content does not match its hash (edited)"]
    assert "T2" in err


# --------------------------------------------------------------------------- the audit chain


@pytest.fixture(params=["sqlite", "postgres"])
def any_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    """A new database: a SQLite file, or a fresh schema on the test PostgreSQL."""
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path / 'gridgov.db'}"
    else:
        yield from pg_schema_url(request.getfixturevalue("postgres_url"))


def _three_tickets(url: str, env: dict[str, str] | None = None) -> None:
    assert run("db", "upgrade", "--db", url)[0] == 0
    assert run("areas", "import", str(SAMPLE), "--db", url)[0] == 0
    for ticket_id in ("T1", "T2", "T3"):
        code, _, err = run(
            "ticket", "report", "--db", url, "--actor", WORKER, "--category", "noise",
            "--area", AREA, "--id", ticket_id, env=env,
        )  # fmt: skip
        assert code == 0, err


def test_verify_lists_every_broken_ticket_and_never_a_traceback(any_url: str) -> None:
    _three_tickets(any_url)
    with SqlStore(any_url) as store:
        sqlite = store.engine.dialect.name == "sqlite"
        payload = "'{oops'" if sqlite else "'\"a string\"'"
        tamper(
            store,
            f"UPDATE ticket_events SET payload = {payload} WHERE ticket_id = 'T1'",
            "UPDATE ticket_events SET actor_id = 'mallory' WHERE ticket_id = 'T3'",
        )
    code, out, err = run("db", "verify", "--db", any_url, "--format", "csv")
    assert code == 1
    lines = out.splitlines()[1:]
    assert [line.split(",")[0] for line in lines] == ["T1", "T3"]
    assert lines[0].startswith("T1,1,payload is")
    assert "Traceback" not in err
    assert "2 ticket(s) broken" in err
    assert "UNKEYED" in err


def test_verify_with_a_key_file_is_keyed_and_catches_an_unkeyed_forgery(
    url: str, tmp_path: Path
) -> None:
    keys = tmp_path / "audit.keys"
    keys.write_text("# rotated 2026-12\nk1:a secret of twenty characters\n")
    env = {"GRIDGOV_AUDIT_KEY_FILE": str(keys)}
    _three_tickets(url, env)
    code, out, err = run("db", "verify", "--db", url, env=env)
    assert (code, out.strip()) == (0, "every ticket verifies"), err
    assert "keyed (HMAC-SHA256), signing key 'k1'" in err
    code, _, err = run("db", "verify", "--db", url)  # without the key: not vouched for
    assert code == 1
    assert "signed with key 'k1'" in err


def test_checkpoint_then_a_deleted_ticket_fails_verify(url: str) -> None:
    _three_tickets(url, {"GRIDGOV_AUDIT_KEY": "k1:a secret of twenty characters"})
    env = {"GRIDGOV_AUDIT_KEY": "k1:a secret of twenty characters"}
    code, out, _ = run("db", "checkpoint", "--db", url, env=env)
    assert code == 0
    assert out.startswith("checkpoint 1: 3 tickets, 3 events, hash ")
    with SqlStore(url) as store:
        tamper(
            store,
            "DELETE FROM sla_clocks WHERE ticket_id = 'T2'",
            "DELETE FROM ticket_events WHERE ticket_id = 'T2'",
            "DELETE FROM tickets WHERE id = 'T2'",
        )
    code, out, _ = run("db", "verify", "--db", url, "--format", "csv", env=env)
    assert code == 1
    assert out.splitlines()[1].startswith("(checkpoint 1),1,it saw 3 tickets and 3 events")


def test_verify_draws_a_progress_bar_when_asked(url: str) -> None:
    _three_tickets(url)
    code, out, err = run("db", "verify", "--db", url, "--progress")
    assert code == 0, err
    assert out.strip() == "every ticket verifies"


def test_a_bad_key_names_its_source_and_line_not_the_secret(url: str, tmp_path: Path) -> None:
    keys = tmp_path / "audit.keys"
    keys.write_text("k1:a secret of twenty characters\nk2:short\n")
    code, _, err = run("db", "verify", "--db", url, env={"GRIDGOV_AUDIT_KEY_FILE": str(keys)})
    assert code == 1
    assert f"{keys}:2" in err
    assert "under 16 characters" in err
    assert "short" not in err.replace("secret of key 'k2' is under", "")
