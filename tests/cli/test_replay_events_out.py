"""``replay run --events-out``: the replayed tickets' event log as XES and as CSV with
pm4py's names, read back by pm4py (issue 12)."""

from __future__ import annotations

import csv
import io
import xml.etree.ElementTree as ET
from datetime import datetime
from pathlib import Path

import pytest
from click.testing import CliRunner
from tests.unit.test_replay_engine import _engine, _ticket

from gridgov.cli import main
from gridgov.replay import BOSTON_SAMPLE_DIR
from gridgov.replay._events_out import EVENT_COLUMNS, EventLogWriter

SAMPLE = BOSTON_SAMPLE_DIR / "tickets_2015h1_sample.csv.gz"
MAPPING = BOSTON_SAMPLE_DIR / "mapping.toml"
POLICY = BOSTON_SAMPLE_DIR / "policy.toml"
XES = "{http://www.xes-standard.org/}"
NO_PM4PY = "pm4py is not installed: pip install 'gridgov[pm4py]'"
PM4PY_WARNING = "ignore:Install the optional requirement:UserWarning"
"""pm4py suggests a faster XES reader it does not need."""


def _replay(tmp_path: Path, *args: str) -> None:
    command = ["replay", "run", str(SAMPLE), "--mapping", str(MAPPING), "--policy", str(POLICY)]
    result = CliRunner().invoke(main, [*command, "-q", *args])
    assert result.exit_code == 0, result.stderr or result.exception


@pytest.fixture(scope="module")
def xes_log(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("events") / "events.xes"
    _replay(path.parent, "--events-out", str(path), "--tickets-out", str(path.parent / "t.csv"))
    return path


@pytest.mark.filterwarnings(PM4PY_WARNING)
def test_pm4py_reads_the_xes_and_discovers_the_loop(xes_log: Path) -> None:
    pm4py = pytest.importorskip("pm4py", reason=NO_PM4PY)
    log = pm4py.read_xes(str(xes_log), show_progress_bar=False)
    with (xes_log.parent / "t.csv").open(encoding="utf-8") as file:
        tickets = list(csv.DictReader(file))
    assert log["case:concept:name"].nunique() == len(tickets) == 2000
    assert list(dict.fromkeys(log["case:concept:name"])) == [t["ticket_id"] for t in tickets]
    first = log.groupby("case:concept:name", sort=False)["time:timestamp"].min()
    opened = {t["ticket_id"]: datetime.fromisoformat(t["opened_at"]) for t in tickets}
    assert all(first[case].to_pydatetime() == at for case, at in opened.items())
    net, initial, final = pm4py.discover_petri_net_inductive(log)
    labels = {t.label for t in net.transitions if t.label}
    assert labels == {"report", "accept", "dispatch", "sign_for", "mark_handled", "close"}
    fitness = pm4py.fitness_token_based_replay(log, net, initial, final)
    assert fitness["perc_fit_traces"] == 100.0


def test_the_xes_uses_the_standard_extensions(xes_log: Path) -> None:
    root = ET.parse(xes_log).getroot()
    assert {e.get("prefix") for e in root.iter(f"{XES}extension")} == {
        "concept", "time", "org", "lifecycle",
    }  # fmt: skip
    trace = next(root.iter(f"{XES}trace"))
    attributes = {a.get("key"): a.get("value") for a in trace if a.tag != f"{XES}event"}
    assert set(attributes) == {"concept:name", "category", "area", "tier", "channel", "unit"}
    event = {a.get("key"): (a.tag, a.get("value")) for a in next(trace.iter(f"{XES}event"))}
    assert event["concept:name"] == (f"{XES}string", "report")
    assert event["time:timestamp"][0] == f"{XES}date"
    assert datetime.fromisoformat(str(event["time:timestamp"][1])).utcoffset() is not None
    assert event["lifecycle:transition"] == (f"{XES}string", "complete")
    assert event["nonconforming"] == (f"{XES}boolean", "false")
    assert event["label_zh"] == (f"{XES}string", "上报")


@pytest.mark.filterwarnings(PM4PY_WARNING)
def test_the_csv_has_pm4py_names_and_equals_the_xes(tmp_path: Path, xes_log: Path) -> None:
    pm4py = pytest.importorskip("pm4py", reason=NO_PM4PY)
    pandas = pytest.importorskip("pandas", reason="pandas comes with pm4py")
    path = tmp_path / "events.csv"
    _replay(tmp_path, "--events-out", str(path))
    assert path.read_text(encoding="utf-8").splitlines()[0].split(",") == list(EVENT_COLUMNS)
    frame = pandas.read_csv(path, dtype=str, keep_default_na=False)
    frame = pm4py.format_dataframe(
        frame,
        case_id="case:concept:name",
        activity_key="concept:name",
        timestamp_key="time:timestamp",
    )
    from_xes = pm4py.read_xes(str(xes_log), show_progress_bar=False)
    order = ["case:concept:name", "time:timestamp"]  # how format_dataframe sorts
    from_xes = from_xes.sort_values(order, kind="stable")
    columns = [*order, "concept:name", "case:area", "case:tier"]
    assert frame[columns].astype(str).values.tolist() == (
        from_xes[columns].astype(str).values.tolist()
    )


def test_every_event_is_written_with_what_the_loop_flagged(tmp_path: Path) -> None:
    engine = _engine(keep_log=True)
    outcome = engine.replay(_ticket(("report", 0), ("close", 1), ("accept", 2)))
    path = tmp_path / "one.csv"
    writer = EventLogWriter(path)
    writer.write(outcome)
    writer.close()
    rows = list(csv.DictReader(io.StringIO(path.read_text(encoding="utf-8"))))
    assert [(r["concept:name"], r["state"], r["nonconforming"], r["nonconformance"])
            for r in rows] == [
        ("report", "reported", "false", ""),
        ("close", "reported", "true", "reported:close"),  # refused: the state is unchanged
        ("accept", "accepted", "false", ""),
    ]  # fmt: skip
    assert {r["case:concept:name"] for r in rows} == {"T1"}
    assert {r["case:tier"] for r in rows} == {outcome.tier}


def test_events_out_under_jobs_equals_one_process(tmp_path: Path) -> None:
    texts = []
    for jobs in ("1", "2"):
        path = tmp_path / f"e{jobs}.xes"
        _replay(tmp_path, "--events-out", str(path), "--jobs", jobs)
        texts.append(path.read_bytes())
    assert texts[0] == texts[1]
    assert sorted(p.name for p in tmp_path.iterdir()) == ["e1.xes", "e2.xes"]  # no parts left


def test_events_and_open311_out_on_an_executor_equal_one_process(tmp_path: Path) -> None:
    from concurrent.futures import ThreadPoolExecutor
    from dataclasses import replace

    from gridgov.replay import boston_sample_options, run_replay

    texts = []
    for name, executor in (("one", None), ("pool", ThreadPoolExecutor(2))):
        folder = tmp_path / name
        folder.mkdir()
        options = replace(
            boston_sample_options(due_from_source=True),
            events_out=folder / "e.csv",
            open311_out=folder / "o.json",
            jobs=1 if executor is None else 3,
        )
        run_replay(options, executor=executor)
        if executor is not None:
            executor.shutdown()
        texts.append([(folder / f).read_bytes() for f in ("e.csv", "o.json")])
        assert sorted(p.name for p in folder.iterdir()) == ["e.csv", "o.json"]
    assert texts[0] == texts[1]
