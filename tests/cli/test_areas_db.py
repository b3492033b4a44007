"""``gridgov areas import FILE --db URL`` then browsing with ``--db``, on a real SQLite file."""

from __future__ import annotations

import json
from pathlib import Path

from click.testing import CliRunner

from gridgov.cli import main

SAMPLE = Path(__file__).resolve().parents[2] / "src/gridgov/samples/hangzhou/areas.toml"


def test_imported_areas_and_units_are_browsable_from_the_database(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'gridgov.db'}"
    runner = CliRunner()
    assert runner.invoke(main, ["db", "upgrade", "--db", url]).exit_code == 0
    imported = runner.invoke(main, ["areas", "import", str(SAMPLE), "--db", url])
    assert imported.exit_code == 0, imported.output
    shown = runner.invoke(
        main, ["areas", "show", "HZ-XS-HS-G02-M03", "--db", url, "--format", "json"]
    )
    assert shown.exit_code == 0, shown.output
    fields = {r["field"]: r["value"] for r in json.loads(shown.stdout)}
    assert fields["path"] == "杭州市 > 萧山区 > 湖山社区 > 湖山第2网格 > 湖山第2网格第3微网格"
    assert fields["unit: 网格长"] == "湖山第2网格 网格长 (HZ-XS-HS-G02-head @ HZ-XS-HS-G02)"


def test_browsing_an_empty_database_says_to_import_first(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'gridgov.db'}"
    runner = CliRunner()
    assert runner.invoke(main, ["db", "upgrade", "--db", url]).exit_code == 0
    result = runner.invoke(main, ["areas", "tree", "--db", url])
    assert result.exit_code == 2
    assert "holds no areas: run `gridgov areas import FILE --db URL` first" in result.stderr


def test_a_file_with_errors_writes_nothing_to_the_database(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'gridgov.db'}"
    bad = tmp_path / "bad.csv"
    bad.write_text(
        "code,name,level,parent_code\nYH,余杭区,district,\nZM,朱庙,community,XX\n", "utf-8"
    )
    runner = CliRunner()
    assert runner.invoke(main, ["db", "upgrade", "--db", url]).exit_code == 0
    assert runner.invoke(main, ["areas", "import", str(bad), "--db", url]).exit_code == 1
    assert "holds no areas" in runner.invoke(main, ["areas", "tree", "--db", url]).stderr
