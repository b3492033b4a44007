"""``gridgov areas infer``: an area file from a source's own area columns, through the
mapping's rules, that ``areas validate`` accepts and replay places every row with."""

from __future__ import annotations

import csv
import io
import json
from pathlib import Path

import pytest
from click.testing import CliRunner

from gridgov.cli import main
from gridgov.grid import load_areas, load_sample
from gridgov.replay import BOSTON_SAMPLE_DIR

BOSTON_MAPPING = str(BOSTON_SAMPLE_DIR / "mapping.toml")

MAPPING = """
name = "town"
kind = "snapshot"
time_format = "%Y-%m-%d %H:%M"

[columns]
id = "id"
opened_at = "opened"
category = "type"

[area]
missing = "TOWN"

[[area.levels]]
level = "district"
column = "district"
pattern = '^(?:District\\s*)?(\\d+)$'
integer = true
format = "D{}"

[[area.levels]]
level = "street"
column = "street"
format = "S-{}"

[routing]  # the default routing policy's tiers on the town's levels
grid_level = "street"
levels = { small = "street", complex = "district", major = "city" }
"""

ROWS = """id,opened,type,district,street
1,2024-01-02 09:00,noise,District 1,Elm
2,2024-01-02 09:00,noise,1,Elm
3,2024-01-02 09:00,noise,2,Elm
4,2024-01-02 09:00,noise,2,Oak
5,2024-01-02 09:00,noise,,Pine
6,2024-01-02 09:00,noise,,
7,2024-01-02 09:00,noise,North,Oak
8,2024-01-02 09:00,noise,2,
"""
"""Elm is in district 1 twice and in 2 once (line 4 is the odd one out); Pine is named
without a district; line 7 has no area (the town's); line 8's district does not read."""


def _run(*args: str) -> tuple[int, str, str]:
    result = CliRunner().invoke(main, list(args))
    return result.exit_code, result.stdout, result.stderr


@pytest.fixture
def town(tmp_path: Path) -> tuple[Path, Path]:
    mapping, data = tmp_path / "town.toml", tmp_path / "town.csv"
    mapping.write_text(MAPPING, encoding="utf-8")
    data.write_text(ROWS, encoding="utf-8")
    return mapping, data


def test_infer_writes_areas_with_counts_and_names_the_rows_it_cannot_place(
    town: tuple[Path, Path], tmp_path: Path
) -> None:
    mapping, data = town
    out, rejects = tmp_path / "areas.csv", tmp_path / "rejects.csv"
    code, stdout, err = _run(
        "areas", "infer", str(data), "--mapping", str(mapping), "--out", str(out),
        "--rejects-out", str(rejects), "--format", "json",
    )  # fmt: skip
    assert code == 0, err
    tree = load_areas(out).tree
    assert tree.levels.spec() == "city > district? > street"  # Pine skips the district
    parents = {a.code: a.parent_code for a in tree}
    assert parents == {
        "TOWN": None, "D1": "TOWN", "D2": "TOWN",
        "S-Elm": "D1", "S-Oak": "D2", "S-Pine": "TOWN",
    }  # fmt: skip
    counts = {a.code: (a.extra["tickets"], a.extra["tickets_within"]) for a in tree}
    assert counts["S-Elm"] == ("2", "2")
    assert counts["D2"] == ("1", "2")  # line 9 at the district, line 5 below it
    assert counts["TOWN"] == ("1", "6")  # line 7 has no area at all
    assert json.loads(stdout) == [
        {"level": "city", "areas": 1, "tickets": 1},
        {"level": "district", "areas": 2, "tickets": 1},
        {"level": "street", "areas": 3, "tickets": 4},
    ]
    listed = list(csv.DictReader(io.StringIO(rejects.read_text(encoding="utf-8"))))
    assert [(r["line"], r["kind"], r["field"]) for r in listed] == [
        ("4", "area_mismatch", "street"),
        ("8", "bad_value", "district"),
    ]
    assert "read 8 rows: 6 placed, 2 not placed" in err
    assert f"{data}:4: street: area 'S-Elm' is not within 'D2'" in err


def test_replay_over_the_inferred_areas_rejects_only_the_rows_infer_listed(
    town: tuple[Path, Path], tmp_path: Path
) -> None:
    mapping, data = town
    out, inferred, replayed = tmp_path / "areas.csv", tmp_path / "i.csv", tmp_path / "r.csv"
    code, _, err = _run(
        "areas", "infer", str(data), "--mapping", str(mapping), "--out", str(out),
        "--rejects-out", str(inferred),
    )  # fmt: skip
    assert code == 0, err
    code, _, err = _run(
        "replay", "run", str(data), "--mapping", str(mapping), "--areas", str(out),
        "--due-from-source", "--rejects-out", str(replayed),
    )  # fmt: skip
    assert code == 0, err
    assert replayed.read_text(encoding="utf-8") == inferred.read_text(encoding="utf-8")


@pytest.mark.parametrize("suffix", [".json", ".toml"])
def test_infer_writes_json_and_toml_that_validate(
    town: tuple[Path, Path], tmp_path: Path, suffix: str
) -> None:
    mapping, data = town
    out = tmp_path / f"areas{suffix}"
    code, _, err = _run("areas", "infer", str(data), "--mapping", str(mapping), "--out", str(out))
    assert code == 0, err
    code, stdout, err = _run("areas", "validate", str(out), "--format", "json")
    assert code == 0, err
    assert {r["level"]: r["areas"] for r in json.loads(stdout)}["street"] == 3


def test_without_rejects_out_every_row_not_placed_is_still_named_by_line(
    town: tuple[Path, Path], tmp_path: Path
) -> None:
    mapping, data = town
    data.write_text(ROWS + "".join(f"{n},2024-01-02 09:00,x,East,\n" for n in range(9, 40)))
    code, _, err = _run(
        "areas", "infer", str(data), "--mapping", str(mapping), "--out", str(tmp_path / "a.csv")
    )
    assert code == 0, err
    assert "33 rows not placed (1 area_mismatch, 32 bad_value)" in err
    assert f"{data}:8: district:" in err
    assert "13 more: list them with --rejects-out FILE" in err


def test_an_unwritable_out_is_refused_before_reading(
    town: tuple[Path, Path], tmp_path: Path
) -> None:
    mapping, data = town
    code, _, err = _run(
        "areas", "infer", str(data), "--mapping", str(mapping),
        "--out", str(tmp_path / "no" / "areas.csv"),
    )  # fmt: skip
    assert code == 1
    assert "--out" in err
    assert "there is no folder" in err
    code, _, err = _run(
        "areas", "infer", str(data), "--mapping", str(mapping), "--out", str(tmp_path / "a.xlsx")
    )
    assert code == 1
    assert "expected .csv, .json or .toml" in err


def test_a_file_where_no_row_gives_an_area_writes_nothing_and_says_why(
    town: tuple[Path, Path], tmp_path: Path
) -> None:
    mapping, data = town
    mapping.write_text(MAPPING.replace('missing = "TOWN"', ""), encoding="utf-8")
    data.write_text("id,opened,type,district,street\n1,2024-01-02 09:00,noise,,\n")
    out = tmp_path / "areas.csv"
    code, _, err = _run("areas", "infer", str(data), "--mapping", str(mapping), "--out", str(out))
    assert code == 1
    assert f"{data}:2: no area: district, street all empty" in err
    assert "gives an area" in err
    assert not out.exists()


def test_a_root_level_that_is_also_a_mapped_level_is_a_usage_error(
    town: tuple[Path, Path], tmp_path: Path
) -> None:
    mapping, data = town
    code, _, err = _run(
        "areas", "infer", str(data), "--mapping", str(mapping), "--out", str(tmp_path / "a.csv"),
        "--root-level", "district",
    )  # fmt: skip
    assert code == 2
    assert "'district' is also a level of area.levels" in err


def test_an_event_log_takes_each_case_area_from_its_first_mapped_row(tmp_path: Path) -> None:
    mapping, data = tmp_path / "log.toml", tmp_path / "log.csv"
    mapping.write_text(
        'name = "log"\nkind = "events"\ntime_format = "%Y-%m-%d %H:%M"\n'
        'ignore_activities = ["Comment"]\n'
        '[columns]\nid = "case"\nactivity = "activity"\nat = "at"\n'
        '[activities]\nOpen = "report"\nDone = "close"\n'
        '[area]\n[[area.levels]]\nlevel = "district"\ncolumn = "district"\n',
        encoding="utf-8",
    )
    data.write_text(
        "case,activity,at,district\n"
        "c1,Comment,2024-01-01 08:00,East\n"  # ignored by replay: not the case's area row
        "c1,Open,2024-01-01 09:00,North\n"
        "c1,Done,2024-01-01 10:00,South\n"
        "c2,Open,2024-01-01 09:00,North\n",
        encoding="utf-8",
    )
    out = tmp_path / "areas.csv"
    code, _, err = _run("areas", "infer", str(data), "--mapping", str(mapping), "--out", str(out))
    assert code == 0, err
    tree = load_areas(out).tree
    assert {a.code: a.extra["tickets"] for a in tree} == {"North": "2"}
    assert "read 4 rows: 2 placed, 0 not placed, 2 other rows of their cases" in err


def test_boston_areas_inferred_from_the_data_are_the_shipped_hierarchy(
    boston_full: Path, tmp_path: Path
) -> None:
    out, inferred, replayed = tmp_path / "areas.csv", tmp_path / "i.csv", tmp_path / "r.csv"
    code, _, err = _run(
        "areas", "infer", str(boston_full), "--mapping", BOSTON_MAPPING, "--out", str(out),
        "--rejects-out", str(inferred),
    )  # fmt: skip
    assert code == 0, err
    code, _, err = _run("areas", "validate", str(out))
    assert code == 0, err
    tree, shipped = load_areas(out).tree, load_sample("boston311").tree
    assert tree.levels == shipped.levels
    assert {(a.code, a.level, a.parent_code) for a in tree} == {
        (a.code, a.level, a.parent_code) for a in shipped
    }
    placed = sum(int(a.extra["tickets"]) for a in tree)
    assert placed == int(tree.get("BOS").extra["tickets_within"]) == 58_119 - 5
    code, _, err = _run(
        "replay", "run", str(boston_full), "--mapping", BOSTON_MAPPING, "--areas", str(out),
        "--due-from-source", "--rejects-out", str(replayed), "--format", "json",
    )  # fmt: skip
    assert code == 0, err

    def lines(path: Path, *kinds: str) -> list[str]:
        rows = csv.DictReader(io.StringIO(path.read_text(encoding="utf-8")))
        return [r["line"] for r in rows if r["kind"] in kinds]

    area_kinds = ("area_mismatch", "unknown_area", "bad_value", "missing_value")
    not_placed = lines(inferred, *area_kinds)
    assert len(not_placed) == 5  # precincts whose row names another ward
    assert lines(replayed, "unknown_area") == []
    assert lines(replayed, "area_mismatch") == not_placed


def test_infer_reads_the_file_as_replay_does_encoding_and_null_values(
    town: tuple[Path, Path], tmp_path: Path
) -> None:
    """A GBK hotline export whose placeholder street is `未知`: infer decodes it with the
    mapping's `encoding` and reads the placeholder as empty, as replay's reader does."""
    mapping, data = town
    mapping.write_text(
        MAPPING.replace(
            'kind = "snapshot"', 'kind = "snapshot"\nencoding = "gbk"\nnull_values = ["未知"]'
        ),
        encoding="utf-8",
    )
    rows = (
        "id,opened,type,district,street\n"
        "1,2024-01-02 09:00,噪音,1,东街\n"
        "2,2024-01-02 09:00,噪音,1,未知\n"
    )
    data.write_bytes(rows.encode("gbk"))
    out = tmp_path / "areas.csv"
    code, _, err = _run("areas", "infer", str(data), "--mapping", str(mapping), "--out", str(out))
    assert code == 0, err
    codes = {area.code for area in load_areas(out).tree}
    assert codes == {"TOWN", "D1", "S-东街"}  # no area S-未知: the placeholder is empty


def test_a_mapping_without_area_levels_has_nothing_to_infer(
    town: tuple[Path, Path], tmp_path: Path
) -> None:
    mapping, data = town
    head = MAPPING.split("[[area.levels]]")[0]
    mapping.write_text(head.replace('[area]\nmissing = "TOWN"\n', ""), encoding="utf-8")
    out = tmp_path / "areas.csv"
    code, _, err = _run("areas", "infer", str(data), "--mapping", str(mapping), "--out", str(out))
    assert code == 1
    assert "no [[area.levels]]" in err
    assert not out.exists()


def test_an_event_log_case_opened_by_a_note_takes_its_area_from_the_note(
    tmp_path: Path,
) -> None:
    """Replay makes a case's ticket at its first row of [activities] or note_activities
    (the note's row gives the area), so infer reads that row too: replay over the
    inferred file then places every case."""
    mapping, data = tmp_path / "log.toml", tmp_path / "log.csv"
    mapping.write_text(
        'name = "log"\nkind = "events"\ntime_format = "%Y-%m-%d %H:%M"\n'
        'note_activities = ["Call"]\n'
        '[columns]\nid = "case"\nactivity = "activity"\nat = "at"\n'
        '[activities]\nOpen = "report"\nDone = ["mark_handled", "close"]\n'
        '[area]\n[[area.levels]]\nlevel = "district"\ncolumn = "district"\n'
        '[routing]\ngrid_level = "district"\n'
        'levels = { small = "district", complex = "district", major = "district" }\n',
        encoding="utf-8",
    )
    data.write_text(
        "case,activity,at,district\n"
        "c1,Call,2024-01-01 08:00,East\n"  # the row replay takes c1's area from
        "c1,Open,2024-01-01 09:00,North\n"
        "c1,Done,2024-01-01 10:00,North\n"
        "c2,Open,2024-01-01 09:00,North\n",
        encoding="utf-8",
    )
    out, rejects = tmp_path / "areas.csv", tmp_path / "rejects.csv"
    code, _, err = _run("areas", "infer", str(data), "--mapping", str(mapping), "--out", str(out))
    assert code == 0, err
    assert {a.code: a.extra["tickets"] for a in load_areas(out).tree} == {"East": "1", "North": "1"}
    code, _, err = _run(
        "replay", "run", str(data), "--mapping", str(mapping), "--areas", str(out),
        "--due-from-source", "--rejects-out", str(rejects), "--format", "json",
    )  # fmt: skip
    assert code == 0, err
    assert rejects.read_text(encoding="utf-8").count("\n") == 1  # the header alone
