"""Remembered ticket shapes change no outcome: every ticket replayed with them equals the
ticket folded afresh (``ReplayEngine(shapes=False)``), field by field — on the synthetic
snapshot and event log (shapes repeat: most tickets take the remembered path) and on the
loop log (every trigger of the table, joint tickets with parts: nothing repeats)."""

from __future__ import annotations

import dataclasses
from pathlib import Path

import pytest

from gridgov.replay import load_mapping
from gridgov.replay._engine import ReplayEngine
from gridgov.replay._readers import InputFile
from gridgov.replay._rejects import RejectLog
from gridgov.replay._sources import read_tickets
from tests._synthetic import GEN, ROOT


@pytest.mark.parametrize(
    ("shape", "tickets"), [("snapshot", 6000), ("events", 6000), ("loop", 1500)]
)
def test_remembered_shapes_give_the_outcomes_of_a_fresh_fold(
    tmp_path: Path, shape: str, tickets: int
) -> None:
    path = GEN.generate(tmp_path / f"{shape}.csv.gz", tickets, shape=shape)
    options = GEN.synthetic_options(path, shape)
    mapping = load_mapping(ROOT / "benchmarks" / f"synthetic_{shape}.toml")
    source = InputFile(path, mapping.format, delimiter=mapping.delimiter)
    read = list(read_tickets(mapping, source, areas=options.areas, rejects=RejectLog(None)))
    engines = [
        ReplayEngine(
            mapping.routing_policy(),
            directory=options.directory,
            policies=options.policies,
            shapes=shapes,
        )
        for shapes in (False, True)
    ]
    fresh, remembered = engines
    differing = [
        t.ticket_id
        for t in read
        if dataclasses.astuple(fresh.replay(t)) != dataclasses.astuple(remembered.replay(t))
    ]
    assert differing == []
    memo = remembered._memo
    assert memo is not None
    if shape != "loop":  # tickets of these files repeat shapes
        assert memo.active
        assert len(memo.shapes) < len(read) * 0.8  # a fifth of them, at least, repeated
