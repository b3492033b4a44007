"""From rows to tickets: implied events, event logs in three formats, and every reject."""

from __future__ import annotations

import csv
import gzip
import json
from contextlib import closing
from datetime import datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from gridgov.errors import InvalidInput
from gridgov.grid import load_sample
from gridgov.replay import (
    BOSTON_SAMPLE_DIR,
    InputFile,
    RejectLog,
    ReplayMapping,
    SourceTicket,
    load_mapping,
    read_tickets,
)
from gridgov.replay._areas import AREA_CACHE_LIMIT

BOSTON = ZoneInfo("America/New_York")
HEADER = [
    "CASE_ENQUIRY_ID", "OPEN_DT", "TARGET_DT", "CLOSED_DT", "OnTime_Status", "CASE_STATUS",
    "CLOSURE_REASON", "TYPE", "Department", "ward", "precinct", "Source",
]  # fmt: skip
GOOD_ROW = {
    "CASE_ENQUIRY_ID": "1",
    "OPEN_DT": "01/05/2015 12:40:41 PM",
    "TARGET_DT": "01/07/2015 12:40:41 PM",
    "CLOSED_DT": "01/06/2015 01:46:56 PM",
    "OnTime_Status": "ONTIME",
    "CASE_STATUS": "Closed",
    "CLOSURE_REASON": "Case Closed Case Noted",
    "TYPE": "Abandoned Bicycle",
    "Department": "BTDT",
    "ward": "Ward 5",
    "precinct": "509.0",
    "Source": "Constituent Call",
}


@pytest.fixture(scope="module")
def boston() -> ReplayMapping:
    return load_mapping(BOSTON_SAMPLE_DIR / "mapping.toml")


@pytest.fixture(scope="module")
def tree():
    return load_sample("boston311").tree


def _snapshot(tmp_path: Path, *changes: dict[str, str], gz: bool = False) -> Path:
    path = tmp_path / ("tickets.csv.gz" if gz else "tickets.csv")
    opener = gzip.open if gz else open
    with opener(path, "wt", newline="", encoding="utf-8") as file:
        writer = csv.DictWriter(file, HEADER)
        writer.writeheader()
        for i, change in enumerate(changes, start=1):
            writer.writerow({**GOOD_ROW, "CASE_ENQUIRY_ID": str(i), **change})
    return path


def _read(
    mapping: ReplayMapping, path: Path, areas: object, **kw: object
) -> tuple[list[SourceTicket], RejectLog]:
    log = RejectLog(kw.pop("rejects_path", None), strict=bool(kw.pop("strict", False)))  # type: ignore[arg-type]
    source = InputFile(path, mapping.format)
    tickets = list(read_tickets(mapping, source, areas=areas, rejects=log, **kw))  # type: ignore[arg-type]
    log.close()
    return tickets, log


def test_closed_snapshot_row_implies_the_whole_loop(
    boston: ReplayMapping, tree: object, tmp_path: Path
) -> None:
    tickets, log = _read(boston, _snapshot(tmp_path, {}), tree)
    assert log.total == 0
    (ticket,) = tickets
    assert [e.trigger for e in ticket.events] == [
        "report", "accept", "dispatch", "sign_for", "mark_handled", "close",
    ]  # fmt: skip
    assert ticket.events[0].at == datetime(2015, 1, 5, 12, 40, 41, tzinfo=BOSTON)
    assert ticket.events[-1].at == datetime(2015, 1, 6, 13, 46, 56, tzinfo=BOSTON)
    assert ticket.events[-2].payload == {"result": "Case Closed Case Noted"}
    assert ticket.area == "BOS-W05-P09"
    assert ticket.source_due == datetime(2015, 1, 7, 12, 40, 41, tzinfo=BOSTON)
    assert ticket.source_on_time is True


def test_open_row_stops_at_sign_for(boston: ReplayMapping, tree: object, tmp_path: Path) -> None:
    change = {"CASE_STATUS": "Open", "CLOSED_DT": "", "OnTime_Status": "OVERDUE"}
    (ticket,), _ = _read(boston, _snapshot(tmp_path, change), tree)
    assert ticket.events[-1].trigger == "sign_for"
    assert ticket.source_on_time is False


@pytest.mark.parametrize(
    ("ward", "precinct", "area"),
    [
        ("Ward 5", "509.0", "BOS-W05-P09"),
        ("05", "", "BOS-W05"),
        ("5", "", "BOS-W05"),
        ("", "2109.0", "BOS-W21-P09"),
        ("", "", "BOS"),
    ],
)
def test_boston_area_formats_clean_to_tree_codes(
    boston: ReplayMapping, tree: object, tmp_path: Path, ward: str, precinct: str, area: str
) -> None:
    (ticket,), _ = _read(boston, _snapshot(tmp_path, {"ward": ward, "precinct": precinct}), tree)
    assert ticket.area == area


@pytest.mark.parametrize(
    ("change", "kind", "field"),
    [
        ({"OPEN_DT": "2015-01-05"}, "bad_time", "OPEN_DT"),
        # issue 13, item 5: dates out of range are row rejects, not a traceback
        ({"OPEN_DT": "01/01/0001 12:00:00 AM"}, "bad_time", "OPEN_DT"),
        ({"CLOSED_DT": "12/31/9999 11:59:59 PM"}, "bad_time", "CLOSED_DT"),
        ({"TARGET_DT": "12/31/9999 11:59:59 PM"}, "bad_time", "TARGET_DT"),
        ({"OPEN_DT": ""}, "missing_value", "OPEN_DT"),
        ({"CLOSED_DT": "01/04/2015 09:00:00 AM"}, "close_before_open", "CLOSED_DT"),
        ({"CLOSED_DT": ""}, "missing_value", "CLOSED_DT"),
        ({"CASE_STATUS": "Open"}, "bad_value", "CASE_STATUS"),
        ({"ward": "Ward 99", "precinct": ""}, "unknown_area", "ward"),
        ({"ward": "Ward 7", "precinct": "509.0"}, "area_mismatch", "precinct"),
        ({"ward": "north", "precinct": ""}, "bad_value", "ward"),
        ({"OnTime_Status": "LATE"}, "bad_value", "OnTime_Status"),
        ({"CASE_ENQUIRY_ID": ""}, "missing_value", "CASE_ENQUIRY_ID"),
    ],
)
def test_bad_rows_are_rejected_with_line_field_and_kind(
    boston: ReplayMapping,
    tree: object,
    tmp_path: Path,
    change: dict[str, str],
    kind: str,
    field: str,
) -> None:
    rejects = tmp_path / "rejects.csv"
    tickets, log = _read(boston, _snapshot(tmp_path, {}, change), tree, rejects_path=rejects)
    assert [t.ticket_id for t in tickets] == ["1"]
    assert dict(log.counts) == {kind: 1}
    (row,) = list(csv.DictReader(rejects.read_text(encoding="utf-8").splitlines()))
    assert (row["line"], row["kind"], row["field"]) == ("3", kind, field)
    assert row["source"].endswith("tickets.csv")
    assert row["reason"]


def test_duplicate_id_is_rejected_and_names_the_first_line(
    boston: ReplayMapping, tree: object, tmp_path: Path
) -> None:
    path = _snapshot(tmp_path, {"CASE_ENQUIRY_ID": "7"}, {"CASE_ENQUIRY_ID": "7"})
    rejects = tmp_path / "rejects.csv"
    tickets, log = _read(boston, path, tree, rejects_path=rejects)
    assert len(tickets) == 1
    assert log.counts["duplicate_id"] == 1
    assert "already on line 2" in rejects.read_text(encoding="utf-8")


def test_strict_stops_at_the_first_reject(
    boston: ReplayMapping, tree: object, tmp_path: Path
) -> None:
    path = _snapshot(tmp_path, {}, {"OPEN_DT": "soon"})
    with pytest.raises(InvalidInput) as caught:
        _read(boston, path, tree, strict=True)
    assert caught.value.problems[0].line == 3
    assert caught.value.problems[0].field == "OPEN_DT"


def test_gzip_is_read_directly(boston: ReplayMapping, tree: object, tmp_path: Path) -> None:
    tickets, _ = _read(boston, _snapshot(tmp_path, {}, {}, gz=True), tree)
    assert [t.ticket_id for t in tickets] == ["1", "2"]


def test_missing_column_names_it(boston: ReplayMapping, tmp_path: Path) -> None:
    path = tmp_path / "t.csv"
    path.write_text("CASE_ENQUIRY_ID,OPEN_DT\n1,x\n", encoding="utf-8")
    with pytest.raises(InvalidInput) as caught:
        _read(boston, path, None)
    assert {p.field for p in caught.value.problems} >= {"TARGET_DT", "ward"}


def test_ragged_row_is_rejected_as_unreadable(
    boston: ReplayMapping, tree: object, tmp_path: Path
) -> None:
    path = _snapshot(tmp_path, {})
    with path.open("a", encoding="utf-8") as file:
        file.write("2,too,few\n")
    tickets, log = _read(boston, path, tree)
    assert len(tickets) == 1
    assert dict(log.counts) == {"unreadable": 1}


# --------------------------------------------------------------------------- event logs

EVENTS_MAPPING = """\
name = "log"
kind = "events"
timezone = "Asia/Shanghai"
ignore_activities = ["备注"]

[columns]
id = "case"
activity = "activity"
at = "time"
actor = "resource"


[area]
missing = "HZ"
nested = false

[[area.levels]]
level = "grid"
column = "grid"

[activities]
"上报" = "report"
"受理" = "accept"
"派单" = "dispatch"
"签收" = "sign_for"
"挂起" = "suspend"
"恢复" = "resume"
"办结" = "mark_handled"
"归档" = "close"
"无效" = "reject"

[payload]
result = "result"
"""

EVENTS = [
    ("A", "上报", "2024-03-01T09:00:00", "resident", "", ""),
    ("B", "上报", "2024-03-01T09:05:00", "resident", "", ""),
    ("A", "受理", "2024-03-01T09:10:00", "dispatcher", "", ""),
    ("A", "备注", "2024-03-01T09:11:00", "dispatcher", "", ""),
    ("A", "派单", "2024-03-01T09:12:00", "dispatcher", "", ""),
    ("A", "签收", "2024-03-01T09:20:00", "worker", "", ""),
    ("A", "办结", "2024-03-01T11:00:00", "worker", "", "cleared"),
    ("A", "归档", "2024-03-01T11:30:00", "dispatcher", "", ""),
    ("B", "受理", "2024-03-01T09:01:00", "dispatcher", "", ""),
    ("B", "飞行", "2024-03-01T10:00:00", "dispatcher", "", ""),
    ("A", "签收", "2024-03-01T12:00:00", "worker", "", ""),
]
COLUMNS = ("case", "activity", "time", "resource", "grid", "result")


def _log_csv(path: Path) -> Path:
    with path.open("w", newline="", encoding="utf-8") as file:
        writer = csv.writer(file)
        writer.writerow(COLUMNS)
        writer.writerows(EVENTS)
    return path


def _log_jsonl(path: Path) -> Path:
    with path.open("w", encoding="utf-8") as file:
        for row in EVENTS:
            file.write(json.dumps(dict(zip(COLUMNS, row, strict=True)), ensure_ascii=False) + "\n")
    return path


def _log_xes(path: Path) -> Path:
    by_case: dict[str, list[tuple[str, ...]]] = {}
    for row in EVENTS:
        by_case.setdefault(row[0], []).append(row)
    lines = ['<?xml version="1.0" encoding="UTF-8"?>', '<log xes.version="1.0" xmlns="http://www.xes-standard.org/">',
             '<string key="concept:name" value="the log, not a case"/>']  # fmt: skip
    # XES keeps events under their trace: write them in the CSV's order of first appearance.
    for case, rows in by_case.items():
        lines.append(f'<trace><string key="concept:name" value="{case}"/>')
        for _, activity, time, resource, _grid, result in rows:
            lines.append("<event>")
            lines.append(f'<string key="concept:name" value="{activity}"/>')
            lines.append(f'<date key="time:timestamp" value="{time}"/>')
            lines.append(f'<string key="org:resource" value="{resource}"/>')
            if result:
                lines.append(f'<string key="result" value="{result}"/>')
            lines.append("</event>")
        lines.append("</trace>")
    lines.append("</log>")
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def _events_mapping(tmp_path: Path, xes: bool = False) -> ReplayMapping:
    text = EVENTS_MAPPING
    if xes:
        text = text.replace('id = "case"', 'id = "case:concept:name"')
        text = text.replace('activity = "activity"', 'activity = "concept:name"')
        text = text.replace('at = "time"', 'at = "time:timestamp"')
        text = text.replace('actor = "resource"', 'actor = "org:resource"')
    path = tmp_path / "events.toml"
    path.write_text(text, encoding="utf-8")
    return load_mapping(path)


def test_event_log_csv_groups_events_and_releases_finished_cases(tmp_path: Path) -> None:
    mapping = _events_mapping(tmp_path)
    rejects = tmp_path / "rejects.csv"
    tickets, log = _read(mapping, _log_csv(tmp_path / "log.csv"), None, rejects_path=rejects)
    assert [t.ticket_id for t in tickets] == ["A", "B"]  # A ends at its close; B with the file
    a, b = tickets
    assert [e.trigger for e in a.events] == [
        "report", "accept", "dispatch", "sign_for", "mark_handled", "close",
    ]  # fmt: skip
    assert a.events[4].payload == {"result": "cleared"}
    assert a.events[1].actor == "dispatcher"
    assert a.last_line == 9
    assert b.last_line == 0
    assert dict(log.counts) == {"out_of_order": 1, "unknown_activity": 1, "after_end": 1}
    lines = {
        row["kind"]: row["line"]
        for row in csv.DictReader(rejects.read_text(encoding="utf-8").splitlines())
    }
    assert lines == {"out_of_order": "10", "unknown_activity": "11", "after_end": "12"}


def test_event_log_jsonl_gives_the_same_tickets(tmp_path: Path) -> None:
    mapping = _events_mapping(tmp_path)
    from_csv, _ = _read(mapping, _log_csv(tmp_path / "log.csv"), None)
    from_jsonl, log = _read(mapping, _log_jsonl(tmp_path / "log.jsonl"), None)
    assert [(t.ticket_id, [e.trigger for e in t.events]) for t in from_jsonl] == [
        (t.ticket_id, [e.trigger for e in t.events]) for t in from_csv
    ]
    assert log.total == 3


def test_event_log_xes_is_streamed_with_trace_attributes(tmp_path: Path) -> None:
    mapping = _events_mapping(tmp_path, xes=True)
    tickets, log = _read(mapping, _log_xes(tmp_path / "log.xes"), None)
    assert [t.ticket_id for t in tickets] == ["A", "B"]
    assert [e.trigger for e in tickets[0].events] == [
        "report", "accept", "dispatch", "sign_for", "mark_handled", "close",
    ]  # fmt: skip
    assert tickets[0].events[0].actor == "resident"
    assert tickets[0].events[4].payload == {"result": "cleared"}
    assert log.counts["after_end"] == 1


def test_bad_json_line_is_rejected_not_fatal(tmp_path: Path) -> None:
    mapping = _events_mapping(tmp_path)
    path = _log_jsonl(tmp_path / "log.jsonl")
    with path.open("a", encoding="utf-8") as file:
        file.write("{not json\n")
    _, log = _read(mapping, path, None)
    assert log.counts["unreadable"] == 1


def test_broken_xml_names_the_line(tmp_path: Path) -> None:
    mapping = _events_mapping(tmp_path, xes=True)
    path = tmp_path / "bad.xes"
    path.write_text("<log>\n<trace>\n<event></trace>\n</log>\n", encoding="utf-8")
    with pytest.raises(InvalidInput) as caught:
        _read(mapping, path, None)
    assert caught.value.problems[0].line == 3


def test_dispatch_outside_the_ticket_span_is_out_of_order(tmp_path: Path) -> None:
    mapping_path = tmp_path / "m.toml"
    mapping_path.write_text(
        'name = "d"\nkind = "snapshot"\n[columns]\nid = "id"\nopened_at = "o"\n'
        'dispatched_at = "d"\nclosed_at = "c"\n[area]\nmissing = "X"\n'
        '[[area.levels]]\nlevel = "grid"\ncolumn = "g"\n',
        encoding="utf-8",
    )
    data = tmp_path / "t.csv"
    data.write_text(
        "id,o,d,c,g\n"
        "1,2024-01-01T09:00,2024-01-01T09:10,2024-01-01T10:00,\n"
        "2,2024-01-01T09:00,2024-01-01T08:59,2024-01-01T10:00,\n"
        "3,2024-01-01T09:00,2024-01-01T11:00,2024-01-01T10:00,\n",
        encoding="utf-8",
    )
    tickets, log = _read(load_mapping(mapping_path), data, None)
    assert [t.ticket_id for t in tickets] == ["1"]
    assert [e.trigger for e in tickets[0].events][:3] == ["report", "accept", "dispatch"]
    assert tickets[0].events[2].at.minute == 10
    assert dict(log.counts) == {"out_of_order": 2}


# --------------------------------------------------------------------------- after a spill to disk


def test_duplicate_id_long_after_a_spill_names_the_first_line(
    boston: ReplayMapping, tree: object, tmp_path: Path
) -> None:
    path = _snapshot(tmp_path, *({} for _ in range(9)), {"CASE_ENQUIRY_ID": "3"})
    rejects, spill = tmp_path / "rejects.csv", tmp_path / "spill"
    spill.mkdir()
    tickets, _ = _read(boston, path, tree, rejects_path=rejects, recent_ids=2, spill_dir=spill)
    assert [t.ticket_id for t in tickets] == [str(n) for n in range(1, 10)]
    (row,) = list(csv.DictReader(rejects.read_text(encoding="utf-8").splitlines()))
    assert (row["line"], row["kind"]) == ("11", "duplicate_id")
    assert row["reason"] == "ticket id '3' already on line 4"
    assert list(spill.iterdir()) == []


def test_event_after_the_end_long_after_a_spill_names_the_line_it_ended_on(
    tmp_path: Path,
) -> None:
    rows = []
    for case in "CDEFG":  # five cases that end one after another, then a late event of C
        rows.append((case, "上报", "2024-03-01T09:00:00", "resident", "", ""))
        rows.append((case, "无效", "2024-03-01T10:00:00", "dispatcher", "", ""))
    rows.append(("C", "签收", "2024-03-01T12:00:00", "worker", "", ""))
    path = tmp_path / "log.csv"
    with path.open("w", newline="", encoding="utf-8") as file:
        csv.writer(file).writerows([COLUMNS, *rows])
    rejects, spill = tmp_path / "rejects.csv", tmp_path / "spill"
    spill.mkdir()
    tickets, _ = _read(
        _events_mapping(tmp_path), path, None, rejects_path=rejects, recent_ids=2, spill_dir=spill
    )
    assert [t.ticket_id for t in tickets] == list("CDEFG")
    (row,) = list(csv.DictReader(rejects.read_text(encoding="utf-8").splitlines()))
    assert (row["line"], row["kind"]) == ("12", "after_end")
    assert row["reason"] == "case 'C' already ended on line 3"
    assert list(spill.iterdir()) == []


def test_a_stream_closed_early_removes_its_spilled_ids_at_once(
    boston: ReplayMapping, tree: object, tmp_path: Path
) -> None:
    path = _snapshot(tmp_path, {}, {}, {})
    spill = tmp_path / "spill"
    spill.mkdir()
    stream = read_tickets(
        boston,
        InputFile(path),
        areas=tree,  # type: ignore[arg-type]
        rejects=RejectLog(None),
        recent_ids=1,
        spill_dir=spill,
    )
    with closing(stream):
        assert next(stream).ticket_id == "1"
        assert len(list(spill.iterdir())) == 1  # the first id is already on disk
    assert list(spill.iterdir()) == []


def test_a_stream_stopped_by_strict_removes_its_spilled_ids(
    boston: ReplayMapping, tree: object, tmp_path: Path
) -> None:
    path = _snapshot(tmp_path, {}, {}, {}, {"OPEN_DT": "soon"})
    spill = tmp_path / "spill"
    spill.mkdir()
    with pytest.raises(InvalidInput) as caught:
        _read(boston, path, tree, strict=True, recent_ids=1, spill_dir=spill)
    assert caught.value.problems[0].line == 5
    assert list(spill.iterdir()) == []


def test_area_cache_stops_growing_and_still_cleans_new_values(
    boston: ReplayMapping, tree: object, tmp_path: Path
) -> None:
    from gridgov.replay._sources import _Reader

    empty = tmp_path / "empty.csv"
    empty.write_text("", encoding="utf-8")
    reader = _Reader(boston, InputFile(empty, "csv"), tree, RejectLog(None), lambda _tid: True)  # type: ignore[arg-type]
    ward, precinct = (reader.cols.names.index(level.column) for level in boston.area.levels)
    width = len(reader.cols.names)

    def row(ward_text: str, precinct_text: str) -> tuple[str, ...]:
        cells = [""] * width
        cells[ward], cells[precinct] = ward_text, precinct_text
        return tuple(cells)

    for n in range(AREA_CACHE_LIMIT + 10):  # a file of ever new area values
        reader.area(row(f"Ward {n}", ""))
    assert len(reader._areas) == AREA_CACHE_LIMIT
    assert reader.area(row("Ward 5", ""))[0] == "BOS-W05"
    late = reader.area(row(f"Ward {AREA_CACHE_LIMIT + 5}", ""))
    assert (late[0], late[1]) == (None, "bad_value")  # not a ward number
    assert reader.area(row("Ward 7", "709.0"))[0] == "BOS-W07-P09"  # new, not cached, still right
