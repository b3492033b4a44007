"""Satisfaction rate (回访满意率): from the loop's review verdicts or a mapped column
(issue 12)."""

from __future__ import annotations

import csv
from datetime import timedelta
from pathlib import Path

import pytest
from tests.unit.test_replay_engine import DONE, LOOP, _engine, _ticket
from tests.unit.test_replay_sources import GOOD_ROW, HEADER, _read

from gridgov.errors import PolicyError
from gridgov.grid import load_sample
from gridgov.replay import (
    BOSTON_SAMPLE_DIR,
    ReplayMapping,
    ReplayReport,
    SourceTicket,
    load_mapping,
)

HANDLED = [*LOOP, ("mark_handled", 3), ("request_review", 4)]


def _reviewed(*verdicts: str) -> SourceTicket:
    """A handled ticket reviewed with ``verdicts`` in turn, reopened and redone after
    each unsatisfied one."""
    steps: list[tuple[str, float]] = list(HANDLED)
    payloads: list[dict[str, str]] = [{} for _ in steps]
    for i, verdict in enumerate(verdicts):
        steps.append(("review", 5 + 3 * i))
        payloads.append({"verdict": verdict})
        if verdict == "not_satisfied" and i + 1 < len(verdicts):
            more = [("reopen", 5.5), ("sign_for", 6), ("mark_handled", 6.5), ("request_review", 7)]
            steps += [(t, h + 3 * i) for t, h in more]
            payloads += [{}, {}, {"result": "redone"}, {}]
    ticket = _ticket(*steps, **DONE)
    ticket.events = [
        e._replace(payload=p or e.payload) for e, p in zip(ticket.events, payloads, strict=True)
    ]
    return ticket


@pytest.mark.parametrize(
    ("verdicts", "satisfied"),
    [
        (("satisfied",), True),
        (("basically_satisfied",), True),
        (("not_satisfied",), False),
        (("not_satisfied", "satisfied"), True),  # the last review's verdict counts
    ],
)
def test_the_last_review_verdict_decides(verdicts: tuple[str, ...], satisfied: bool) -> None:
    outcome = _engine().replay(_reviewed(*verdicts))
    assert outcome.conformance == ()
    assert outcome.satisfied is satisfied


def test_a_ticket_never_reviewed_has_no_verdict() -> None:
    outcome = _engine().replay(_ticket(*LOOP, ("mark_handled", 3), ("close", 3.5), **DONE))
    assert outcome.satisfied is None


def test_a_refused_review_is_no_verdict() -> None:
    ticket = _ticket(*LOOP, ("review", 3))  # not yet handled: the loop refuses it
    ticket.events[-1] = ticket.events[-1]._replace(payload={"verdict": "satisfied"})
    outcome = _engine().replay(ticket)
    assert outcome.conformance == ("in_progress:review",)
    assert outcome.satisfied is None


def test_a_remembered_shape_keeps_its_verdict() -> None:
    engine = _engine()
    first, second = _reviewed("not_satisfied"), _reviewed("not_satisfied")
    second.events = [e._replace(at=e.at + timedelta(days=7)) for e in second.events]
    assert engine.replay(first).satisfied is False
    again = engine.replay(second)  # folded from the shape remembered for the first
    assert engine._memo is not None
    assert engine._memo.hits == 1
    assert again.satisfied is False


def test_a_review_verdict_wins_over_the_column() -> None:
    ticket = _reviewed("satisfied")
    ticket.source_satisfied = False
    assert _engine().replay(ticket).satisfied is True
    plain = _ticket(*LOOP, ("mark_handled", 3), ("close", 3.5), **DONE)
    plain.source_satisfied = False
    assert _engine().replay(plain).satisfied is False


# ----------------------------------------------------------------------------- the column


def _with_column(boston: ReplayMapping, **values: str) -> ReplayMapping:
    columns = boston.columns.model_copy(update={"satisfaction": "Satisfaction"})
    update: dict[str, object] = {"columns": columns}
    if values:
        update["satisfaction_values"] = values
    return boston.model_copy(update=update)


def _csv(tmp_path: Path, *cells: str) -> Path:
    path = tmp_path / "tickets.csv"
    with path.open("w", newline="", encoding="utf-8") as file:
        writer = csv.DictWriter(file, [*HEADER, "Satisfaction"])
        writer.writeheader()
        for i, cell in enumerate(cells, start=1):
            writer.writerow({**GOOD_ROW, "CASE_ENQUIRY_ID": str(i), "Satisfaction": cell})
    return path


def test_the_column_reads_verdicts_and_rejects_an_unknown_cell(tmp_path: Path) -> None:
    boston = load_mapping(BOSTON_SAMPLE_DIR / "mapping.toml")
    mapping = _with_column(boston)
    path = _csv(tmp_path, "满意", "基本满意", "不满意", "", "satisfied", "so-so")
    tickets, log = _read(mapping, path, load_sample("boston311").tree)
    assert [t.source_satisfied for t in tickets] == [True, True, False, None, True]
    (reject,) = log.counts.items()
    assert reject == ("bad_value", 1)


def test_satisfaction_values_map_to_the_loop_verdicts(tmp_path: Path) -> None:
    boston = load_mapping(BOSTON_SAMPLE_DIR / "mapping.toml")
    mapping = _with_column(boston, **{"5": "satisfied", "1": "not_satisfied"})
    tickets, _ = _read(mapping, _csv(tmp_path, "5", "1"), load_sample("boston311").tree)
    assert [t.source_satisfied for t in tickets] == [True, False]


def test_a_satisfaction_value_that_is_no_verdict_is_refused(tmp_path: Path) -> None:
    text = (BOSTON_SAMPLE_DIR / "mapping.toml").read_text(encoding="utf-8")
    bad = tmp_path / "mapping.toml"
    bad.write_text(
        text.replace("[columns]", '[satisfaction_values]\n"5" = "happy"\n\n[columns]'),
        encoding="utf-8",
    )
    with pytest.raises(PolicyError, match=r"satisfaction_values: .*'5' = 'happy': expected one"):
        load_mapping(bad)


# ----------------------------------------------------------------------------- the report


def test_the_rate_counts_reviewed_tickets_only_per_group() -> None:
    engine, report = _engine(), ReplayReport()
    plain = _ticket(*LOOP, ("mark_handled", 3), ("close", 3.5), **DONE)
    for ticket, group in (
        (_reviewed("satisfied"), "a"),
        (_reviewed("not_satisfied"), "a"),
        (_reviewed("basically_satisfied"), "b"),
        (plain, "b"),
    ):
        report.add(engine.replay(ticket), [("category", group)])
    data = report.to_dict()
    assert data["overall"]["satisfaction_rate"] == round(2 / 3, 4)
    by = {g["key"]: g["satisfaction_rate"] for g in data["groups"]["category"]}
    assert by == {"a": 0.5, "b": 1.0}
