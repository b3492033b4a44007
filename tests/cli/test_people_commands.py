"""``gridgov people import|list``: the sample people act on tickets, on SQLite and PostgreSQL."""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Iterator
from importlib.resources import files
from pathlib import Path

import pytest
from click.testing import CliRunner
from tests.integration._store_harness import pg_schema_url

from gridgov.cli import main

REPO = Path(__file__).resolve().parents[2]
AREAS = Path(str(files("gridgov") / "samples" / "hangzhou" / "areas.toml"))
PEOPLE = REPO / "examples" / "hangzhou" / "people.csv"
GRID = "HZ-YH-CQ-ZM-G01"
T0 = "2025-03-03T09:00+08:00"


def run(*args: str) -> tuple[int, str, str]:
    result = CliRunner().invoke(main, list(args))
    return result.exit_code, result.stdout, result.stderr


def _report_t1(url: str) -> None:
    """A resident reports noise in the first grid of 朱庙 as ticket T1."""
    code, _, err = run(
        "ticket", "report", "--actor", "r1", "--role", "resident", "--actor-area", GRID,
        "--category", "noise", "--area", GRID, "--id", "T1", "--db", url, "--at", T0,
    )  # fmt: skip
    assert code == 0, err


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def empty_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    """A migrated database with no areas yet."""
    if request.param == "sqlite":
        url = f"sqlite:///{tmp_path / 'gridgov.db'}"
        assert run("db", "upgrade", "--db", url)[0] == 0
        yield url
        return
    postgres_url: str = request.getfixturevalue("postgres_url")
    for url in pg_schema_url(postgres_url):
        assert run("db", "upgrade", "--db", url)[0] == 0
        yield url


@pytest.fixture
def url(empty_url: str) -> str:
    """The migrated database holding the Hangzhou sample's areas and units."""
    code, _, err = run("areas", "import", str(AREAS), "--db", empty_url)
    assert code == 0, err
    return empty_url


def test_imported_people_act_on_a_ticket_end_to_end(url: str) -> None:
    code, out, err = run("people", "import", str(PEOPLE), "--db", url)
    assert code == 0, err
    assert out.strip() == f"{PEOPLE}: 7 people: 7 inserted, 0 updated, 0 unchanged"
    _report_t1(url)
    for trigger in ("accept", "dispatch"):
        code, _, err = run("ticket", "act", "T1", trigger, "--actor", "zm-g01-lina", "--db", url)
        assert code == 0, err
    code, out, _ = run("ticket", "show", "T1", "--db", url, "--format", "json")
    shown = json.loads(out)
    assert shown["ticket"]["state"] == "dispatched"
    assert shown["ticket"]["assigned_unit"] == "HZ-YH-CQ-ZM-G01-worker"
    assert [e["actor_id"] for e in shown["events"]] == ["r1", "zm-g01-lina", "zm-g01-lina"]
    assert [e["actor_role"] for e in shown["events"]][1:] == ["grid_worker", "grid_worker"]


def test_a_person_of_another_grid_may_not_act_on_the_ticket(url: str) -> None:
    assert run("people", "import", str(PEOPLE), "--db", url)[0] == 0
    _report_t1(url)
    code, _, err = run("ticket", "act", "T1", "accept", "--actor", "zm-g02-liuyang", "--db", url)
    assert code == 1
    assert "outside the actor's area 'HZ-YH-CQ-ZM-G02'" in err


def test_importing_again_updates_only_what_changed(url: str, tmp_path: Path) -> None:
    assert run("people", "import", str(PEOPLE), "--db", url)[0] == 0
    again = run("people", "import", str(PEOPLE), "--db", url)
    assert again[1].endswith("7 people: 0 inserted, 0 updated, 7 unchanged\n")
    changed = tmp_path / "people.json"
    changed.write_text(
        json.dumps(
            {
                "people": [
                    {"id": "zm-g01-lina", "role": "grid_head", "unit_code": "HZ-YH-CQ-ZM-G01-head"},
                    {"id": "zm-new", "role": "volunteer", "area_code": GRID, "name": "新志愿者"},
                ]
            }
        ),
        encoding="utf-8",
    )
    code, out, err = run("people", "import", str(changed), "--db", url)
    assert code == 0, err
    assert out.endswith("2 people: 1 inserted, 1 updated, 0 unchanged\n")
    listed = json.loads(run("people", "list", "--db", url, "--format", "json")[1])
    assert len(listed) == 8
    lina = next(p for p in listed if p["id"] == "zm-g01-lina")
    assert lina == {
        "id": "zm-g01-lina",
        "name": None,
        "role": "grid_head",
        "area_code": GRID,
        "unit_code": "HZ-YH-CQ-ZM-G01-head",
    }


def test_list_filters_by_area_subtree_and_role(url: str) -> None:
    assert run("people", "import", str(PEOPLE), "--db", url)[0] == 0
    code, out, _ = run("people", "list", "--area", GRID, "--db", url, "--format", "csv")
    assert code == 0
    rows = list(csv.DictReader(io.StringIO(out)))
    assert [r["id"] for r in rows] == ["zm-g01-lina", "zm-g01-m01-chengang", "zm-g01-zhangwei"]
    assert rows[0]["name"] == "李娜"
    heads = json.loads(
        run("people", "list", "--role", "grid_head", "--db", url, "--format", "json")[1]
    )
    assert [p["id"] for p in heads] == ["zm-g01-zhangwei", "zm-g02-wangfang"]
    code, out, _ = run("people", "list", "--area", "HZ-XS", "--db", url)
    assert code == 0
    assert "0 people" in out
    code, _, err = run("people", "list", "--area", "NOPE", "--db", url)
    assert code == 1
    assert "unknown area code 'NOPE'" in err


def test_import_before_the_areas_says_which_command_to_run(empty_url: str) -> None:
    code, _, err = run("people", "import", str(PEOPLE), "--db", empty_url)
    assert code == 2
    assert "holds no areas: run `gridgov areas import FILE --db URL` first" in err
    assert run("people", "list", "--db", empty_url, "--format", "json")[1].strip() == "[]"


def test_a_bad_file_is_rejected_whole_with_every_problem(url: str, tmp_path: Path) -> None:
    bad = tmp_path / "people.csv"
    bad.write_text(
        "id,role,area_code,unit_code\n"
        "ok,grid_worker,HZ-YH-CQ-ZM-G01,HZ-YH-CQ-ZM-G01-worker\n"
        "li,mayor,HZ-YH-CQ-ZM-G01,\n"
        "wang,grid_worker,HZ-YH-CQ-ZM-G09,\n",
        encoding="utf-8",
    )
    code, _, err = run("people", "import", str(bad), "--db", url)
    assert code == 1
    lines = err.strip().splitlines()
    assert lines[0].startswith(f"{bad}:3: role: person 'li': unknown role 'mayor'")
    assert lines[1].startswith(f"{bad}:4: area_code: person 'wang': unknown area 'HZ-YH-CQ-ZM-G09'")
    assert lines[2].startswith("Error: invalid people file:")
    assert json.loads(run("people", "list", "--db", url, "--format", "json")[1]) == []


def test_import_refuses_the_reserved_role_system(url: str, tmp_path: Path) -> None:
    """Issue 13, item 14: ``system`` is the engine's own; nobody is imported as it."""
    bad = tmp_path / "people.csv"
    bad.write_text("id,role,area_code,unit_code\nbot,system,,\n", encoding="utf-8")
    code, _, err = run("people", "import", str(bad), "--db", url)
    assert code == 1
    assert f"{bad}:2: role: person 'bot': role 'system' is reserved" in err
    assert json.loads(run("people", "list", "--db", url, "--format", "json")[1]) == []
