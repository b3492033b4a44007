"""The mapping's ``encoding``: UTF-8 (with or without a BOM), GBK and GB18030, as
Chinese 12345 hotline exports are written; a file in another encoding is named by line
and byte offset, with the setting that reads it (issue 12)."""

from __future__ import annotations

import csv
import gzip
import io
from pathlib import Path

import pytest

from gridgov.errors import InvalidInput, PolicyError
from gridgov.replay import InputFile, RejectLog, ReplayMapping, load_mapping, read_tickets

HOTLINE_MAPPING = """\
name = "12345"
kind = "events"
timezone = "Asia/Shanghai"
{encoding}
[columns]
id = "工单编号"
activity = "环节"
at = "时间"
category = "诉求类型"

[payload]
result = "办理结果"

[activities]
"市民来电" = "report"
"受理" = "accept"
"派单" = "dispatch"
"签收" = "sign_for"
"办结" = "mark_handled"
"归档" = "close"
"""

HEADER = ["工单编号", "环节", "时间", "诉求类型", "办理结果"]
STEPS = ["市民来电", "受理", "派单", "签收", "办结", "归档"]


def _rows(cases: int, category: str = "噪音扰民") -> list[list[str]]:
    rows = []
    for n in range(1, cases + 1):
        for minute, step in enumerate(STEPS):
            result = "已协调物业处理" if step == "办结" else ""
            rows.append([f"HZ{n:05d}", step, f"2024-03-01T09:{minute:02d}:00", category, result])
    return rows


def _export(path: Path, encoding: str, rows: list[list[str]], gz: bool = False) -> Path:
    """A hotline export written in ``encoding``, as the exporting system writes it."""
    text = io.StringIO()
    csv.writer(text, lineterminator="\r\n").writerows([HEADER, *rows])
    data = text.getvalue().encode(encoding)
    path.write_bytes(gzip.compress(data) if gz else data)
    return path


def _mapping(tmp_path: Path, encoding: str | None) -> ReplayMapping:
    path = tmp_path / "hotline.toml"
    setting = "" if encoding is None else f'encoding = "{encoding}"'
    path.write_text(HOTLINE_MAPPING.format(encoding=setting), encoding="utf-8")
    return load_mapping(path)


def _read(mapping: ReplayMapping, path: Path) -> list[tuple[str, str, str]]:
    log = RejectLog()
    tickets = read_tickets(mapping, InputFile(path), areas=None, rejects=log)
    found = [(t.ticket_id, t.category, t.events[4].payload["result"]) for t in tickets]
    assert log.total == 0
    return found


@pytest.mark.parametrize("encoding", ["gbk", "gb18030", "utf-8-sig", "utf-8"])
@pytest.mark.parametrize("gz", [False, True], ids=["csv", "csv.gz"])
def test_an_export_in_its_own_encoding_is_read(tmp_path: Path, encoding: str, gz: bool) -> None:
    name = "export.csv.gz" if gz else "export.csv"
    path = _export(tmp_path / name, encoding, _rows(3), gz=gz)
    if encoding == "gbk":
        assert path.suffix == ".gz" or "噪音".encode("gbk") in path.read_bytes()
    tickets = _read(_mapping(tmp_path, encoding), path)
    assert tickets == [(f"HZ0000{n}", "噪音扰民", "已协调物业处理") for n in (1, 2, 3)]


def test_utf_8_skips_a_byte_order_mark(tmp_path: Path) -> None:
    path = _export(tmp_path / "bom.csv", "utf-8-sig", _rows(1))
    assert path.read_bytes().startswith(b"\xef\xbb\xbf")
    assert len(_read(_mapping(tmp_path, None), path)) == 1


def test_gb18030_reads_what_gbk_cannot(tmp_path: Path) -> None:
    """A rare character in a name (GB18030's four-byte range) is no GBK."""
    rows = _rows(1, category="𠮷野家投诉")
    path = _export(tmp_path / "export.csv", "gb18030", rows)
    with pytest.raises(UnicodeEncodeError):
        "𠮷".encode("gbk")
    assert _read(_mapping(tmp_path, "gb18030"), path)[0][1] == "𠮷野家投诉"


def test_a_gbk_export_read_as_utf_8_names_line_offset_and_the_setting(tmp_path: Path) -> None:
    path = _export(tmp_path / "export.csv", "gbk", _rows(2))
    with pytest.raises(InvalidInput) as caught:
        _read(_mapping(tmp_path, None), path)
    [problem] = caught.value.problems
    assert (problem.source, problem.line, problem.field) == (str(path), 1, "encoding")
    assert problem.reason == (
        "wrong encoding: byte 0xb9 at byte 1 of line 1 (offset 0 in the file) is not UTF-8 "
        '(the line reads as GB18030: set encoding = "gb18030" in the mapping; GBK exports '
        "read as GB18030, its superset)"
    )
    assert "工".encode("gbk")[0] == 0xB9  # the header's first character


def test_the_bad_line_is_named_not_the_decoder_buffer(tmp_path: Path) -> None:
    """Only line 2,002 holds GBK bytes: the error names it, its byte and its offset."""
    path = tmp_path / "export.csv"
    text = io.StringIO()
    csv.writer(text, lineterminator="\n").writerows([HEADER, *_rows(400)])
    lines = text.getvalue().splitlines(keepends=True)
    data = b"".join(line.encode("utf-8") for line in lines[:2001])
    bad = "HZ09999,市民来电,2024-03-01T09:00:00,噪音扰民,\n".encode("gbk")
    path.write_bytes(data + bad + b"".join(line.encode() for line in lines[2001:]))
    with pytest.raises(InvalidInput) as caught:
        _read(_mapping(tmp_path, "utf-8"), path)
    [problem] = caught.value.problems
    assert problem.line == 2002
    column = bad.index("市".encode("gbk")) + 1
    assert f"at byte {column} of line 2002 (offset {len(data) + column - 1:,} in the file)" in (
        problem.reason
    )
    assert 'set encoding = "gb18030"' in problem.reason


def test_a_utf_8_file_read_as_gbk_suggests_utf_8(tmp_path: Path) -> None:
    path = tmp_path / "export.csv"
    text = "工单编号,环节,时间,诉求类型,办理结果\r\nA,市民来电,2024-03-01T09:00:00,噪音扰民,\r\n"
    path.write_bytes(text.replace("噪音扰民", "噪音扰民€€€").encode("utf-8"))
    with pytest.raises(InvalidInput) as caught:
        _read(_mapping(tmp_path, "gbk"), path)
    [problem] = caught.value.problems
    assert "is not gbk" in problem.reason
    assert 'set encoding = "utf-8"' in problem.reason


@pytest.mark.parametrize(
    ("encoding", "reason"),
    [("utf-16", "not ASCII-compatible"), ("gbkk", "unknown encoding 'gbkk'")],
)
def test_an_encoding_replay_cannot_read_by_lines_is_refused(
    tmp_path: Path, encoding: str, reason: str
) -> None:
    with pytest.raises(PolicyError) as caught:
        _mapping(tmp_path, encoding)
    (problem,) = caught.value.problems
    assert problem.field == "encoding"
    assert reason in problem.reason
