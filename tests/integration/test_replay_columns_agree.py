"""The columnar clocks change no outcome: :meth:`ReplayEngine.replay_many` (a batch, the
clocks of each remembered shape run as NumPy columns) gives, ticket by ticket and field
by field, what :meth:`ReplayEngine.replay` gives one at a time — on the synthetic
snapshot, event log and loop log, on Boston under its two policies (a revision in force
from a date) and under its own due times, and under a policy of calendar-time clocks,
working days and a pausing clock (whose tickets the batch leaves to ``ClockRun``)."""

from __future__ import annotations

import dataclasses
from collections.abc import Iterable
from dataclasses import replace
from pathlib import Path

import pytest

from gridgov.replay import PolicyInForce, ReplayOptions, boston_sample_options
from gridgov.replay._engine import ReplayEngine
from gridgov.replay._readers import InputFile
from gridgov.replay._rejects import RejectLog
from gridgov.replay._sources import SourceTicket, read_tickets
from gridgov.sla import parse_policy
from tests._synthetic import GEN

_POLICY = """
[policy]
name = "columns"

[calendars.always]
timezone = "Asia/Shanghai"
working_hours = ["00:00-24:00"]
workweek = ["mon", "tue", "wed", "thu", "fri", "sat", "sun"]

[calendars.office]
timezone = "Asia/Shanghai"
holidays = { provider = "chinese_calendar" }

[clocks.response]
start = "report"
stop = "sign_for"
calendar = "always"
due = "30cm"

[clocks.handling]
start = ["report", "reopen"]
stop = "mark_handled"
calendar = "office"
due = "2wd"

[clocks.close]
start = "report"
stop = "close"
calendar = "office"
due = "3h"

[[rules]]
name = "complex"
match = { category = ["illegal_*", "fire_lane", "property_dispute"] }
clocks.handling = { due = "5wd", pause_in = ["suspended"] }
clocks.response = { due = "3ch" }

[[rules]]
name = "vendor"
match = { category = ["unlicensed_vendor"] }
clocks.handling = { due = "2cd" }
"""


def _engine(options: ReplayOptions) -> ReplayEngine:
    return ReplayEngine(
        options.mapping.routing_policy(),
        directory=options.directory,
        policies=options.policies,
        due_from_source=options.due_from_source,
    )


def _read(options: ReplayOptions) -> Iterable[SourceTicket]:
    mapping = options.mapping
    source = InputFile(options.input, mapping.format, delimiter=mapping.delimiter)
    return read_tickets(mapping, source, areas=options.areas, rejects=RejectLog(None))


def _differing(options: ReplayOptions, batch: int = 1000) -> tuple[list[str], int, ReplayEngine]:
    """Ids whose batch outcome differs from the one-by-one outcome, the tickets, and the
    batch engine."""
    one, many = _engine(options), _engine(options)
    differing: list[str] = []
    tickets = 0
    pending: list[SourceTicket] = []

    def compare() -> None:
        for ticket, outcome in zip(pending, many.replay_many(pending), strict=True):
            if dataclasses.astuple(outcome) != dataclasses.astuple(one.replay(ticket)):
                differing.append(ticket.ticket_id)
        pending.clear()

    for ticket in _read(options):
        tickets += 1
        pending.append(ticket)
        if len(pending) == batch:
            compare()
    compare()
    return differing, tickets, many


@pytest.mark.parametrize(
    ("shape", "tickets"), [("snapshot", 6000), ("events", 3000), ("loop", 1500)]
)
def test_batches_give_the_outcomes_of_one_by_one(tmp_path: Path, shape: str, tickets: int) -> None:
    path = GEN.generate(tmp_path / f"{shape}.csv.gz", tickets, shape=shape)
    differing, read, _ = _differing(GEN.synthetic_options(path, shape))
    assert read > tickets * 0.9
    assert differing == []


@pytest.mark.parametrize("due_from_source", [False, True])
def test_boston_sample_batches_agree(due_from_source: bool) -> None:
    differing, read, _ = _differing(boston_sample_options(due_from_source=due_from_source))
    assert read > 1900
    assert differing == []


def test_calendar_time_working_days_and_pausing_clocks_agree(tmp_path: Path) -> None:
    path = GEN.generate(tmp_path / "snapshot.csv.gz", 4000, shape="snapshot")
    options = replace(
        GEN.synthetic_options(path, "snapshot"),
        policies=(PolicyInForce(parse_policy(_POLICY, source="columns.toml")),),
    )
    differing, _, many = _differing(options, batch=700)
    assert differing == []
    memo = many._memo
    assert memo is not None
    compiled = list(memo.compiled.values())
    assert any(c is None for c in compiled)  # 2cd: calendar days run one by one
    assert any(c for c in compiled)  # the others as columns


@pytest.mark.slow
def test_full_boston_batches_agree(boston_full: Path) -> None:
    differing, read, _ = _differing(boston_sample_options(input=boston_full), batch=8192)
    assert read > 58_000
    assert differing == []
