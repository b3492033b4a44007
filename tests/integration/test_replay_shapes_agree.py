"""Remembered ticket shapes change no outcome: every ticket replayed with them equals the
ticket folded afresh (``ReplayEngine(shapes=False)``), field by field — on the synthetic
snapshot and event log (shapes repeat: most tickets take the remembered path) and on the
loop log (every trigger of the table, joint tickets with parts: nothing repeats)."""

from __future__ import annotations

import dataclasses
from pathlib import Path

import pytest

from gridgov.replay import ReplayOptions, boston_sample_options, load_mapping
from gridgov.replay._engine import ReplayEngine
from gridgov.replay._readers import InputFile
from gridgov.replay._rejects import RejectLog
from gridgov.replay._sources import read_tickets
from tests._synthetic import GEN, ROOT


def _fresh_and_remembering(options: ReplayOptions) -> tuple[ReplayEngine, ReplayEngine]:
    """Two engines for ``options``: one folding every ticket, one remembering shapes."""
    fresh, remembered = (
        ReplayEngine(
            options.mapping.routing_policy(),
            directory=options.directory,
            policies=options.policies,
            shapes=shapes,
        )
        for shapes in (False, True)
    )
    return fresh, remembered


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
    fresh, remembered = _fresh_and_remembering(options)
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


def test_free_text_results_share_shapes_and_change_no_outcome(boston_full: Path) -> None:
    """The full Boston file: its closure reasons are free text (43,319 distinct
    (type, place, source, status, reason) rows in 58,119), keyed by presence alone
    (RECORDED_TEXTS): under 20,000 shapes, so most tickets take a remembered one, each
    outcome equal to its own fold's."""
    options = boston_sample_options(input=boston_full)
    mapping = options.mapping
    source = InputFile(boston_full, mapping.format, delimiter=mapping.delimiter)
    read = read_tickets(mapping, source, areas=options.areas, rejects=RejectLog(None))
    fresh, remembered = _fresh_and_remembering(options)
    differing = []
    tickets = 0
    for t in read:
        tickets += 1
        if dataclasses.astuple(fresh.replay(t)) != dataclasses.astuple(remembered.replay(t)):
            differing.append(t.ticket_id)
    assert differing == []
    memo = remembered._memo
    assert memo is not None
    assert memo.active
    assert tickets > 58_000
    assert len(memo.shapes) < tickets / 2  # 43,319 with the reasons' words in the key
