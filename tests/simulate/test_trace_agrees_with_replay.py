"""Consistency with replay (issue 11, "Proof"): trace-driven from the shipped Boston
sample, with unlimited staff and each ticket's historical handling time, the simulated
outcome of every ticket equals replay's — state, tier, stayed_in_grid, every clock
cycle's due time and status, and on_time.  Both run the one rule core; the simulator
adds only the time and the people."""

from __future__ import annotations

from datetime import timedelta
from importlib.resources import files
from pathlib import Path

import pytest

from gridgov.grid import load_sample
from gridgov.replay import (
    BOSTON_SAMPLE_DIR,
    InputFile,
    PolicyInForce,
    RejectLog,
    ReplayEngine,
    load_mapping,
    read_tickets,
)
from gridgov.simulate import Scenario, simulate
from gridgov.sla import load_policy

SAMPLE = BOSTON_SAMPLE_DIR / "tickets_2015h1_sample.csv.gz"
MAPPING = BOSTON_SAMPLE_DIR / "mapping.toml"
POLICY = BOSTON_SAMPLE_DIR / "policy.toml"

Outcome = tuple[object, ...]


def _replayed(policy: Path) -> dict[str, Outcome]:
    mapping = load_mapping(MAPPING)
    areas = load_sample("boston311")
    engine = ReplayEngine(
        mapping.routing_policy(), directory=areas.directory,
        policies=[PolicyInForce(load_policy(policy))], keep_events=True,
    )  # fmt: skip
    source = InputFile(SAMPLE, mapping.format, delimiter=mapping.delimiter)
    found: dict[str, Outcome] = {}
    for ticket in read_tickets(mapping, source, areas=areas.tree, rejects=RejectLog(None)):
        o = engine.replay(ticket)
        clocks = tuple((c.clock, c.number, c.due, c.status) for c in o.cycles)
        found[o.ticket_id] = (o.final_state, o.tier, o.stayed_in_grid, clocks, o.on_time)
    return found


@pytest.mark.parametrize("closed_without_due", ["on_time", "not_judged"])
def test_a_trace_with_unlimited_staff_is_its_replay(
    closed_without_due: str, tmp_path: Path
) -> None:
    # Boston's policy gives many types no due time: both judge those as the policy says.
    policy = tmp_path / "policy.toml"
    policy.write_text(
        POLICY.read_text(encoding="utf-8").replace(
            'name = "boston311"', f'name = "boston311"\nclosed_without_due = "{closed_without_due}"'
        ),
        encoding="utf-8",
    )
    replayed = _replayed(policy)
    mapping = load_mapping(MAPPING)
    source = InputFile(SAMPLE, mapping.format, delimiter=mapping.delimiter)
    tickets = list(read_tickets(mapping, source, areas=load_sample("boston311").tree,
                                rejects=RejectLog(None)))  # fmt: skip
    start = min(t.events[0].at for t in tickets)
    end = max(e.at for t in tickets for e in t.events)
    scenario = Scenario.model_validate(
        {
            "scenario": {
                "name": "boston-trace",
                "start": start,
                "areas": "boston311",
                "sla": str(policy),
            },
            "trace": {"file": str(SAMPLE), "mapping": str(MAPPING), "handling": "trace"},
            "staffing": {"unlimited": True},
            "rules": {
                "triage_minutes": 0,
                "sign_for_minutes": 0,
                "review": False,
                "review_minutes": 0,
                "supervise_on_breach": False,
            },
        }
    )
    days = (end - start + timedelta(days=1)) / timedelta(days=1)
    result = simulate(scenario, days=days, seed=1, keep_tickets=True)
    (run,) = result.replications
    assert run.kept is not None
    simulated = {
        s.ticket.id: (
            s.ticket.state,
            s.ticket.tier,
            s.stayed_in_grid,
            tuple((c.clock, c.number, c.due, c.status) for c in s.cycles),
            s.on_time,
        )
        for s in run.kept
    }
    assert len(simulated) == len(replayed) > 1900
    differ = {
        t: (replayed[t], simulated.get(t)) for t in replayed if simulated.get(t) != replayed[t]
    }
    assert not differ, f"{len(differ)} differ, e.g. {next(iter(differ.items()))}"
    states = {o[0] for o in simulated.values()}
    assert {"closed", "in_progress"} <= states  # closed and still-open tickets both agree
    # the on-time rate counts the tickets the kept verdicts judge, no more, no less
    judged = [o[4] for o in simulated.values() if o[4] is not None]
    assert run.on_time_judged == len(judged)
    assert run.on_time == sum(judged)
    untimed = [o for o in simulated.values() if o[0] == "closed" and not o[3]]
    assert untimed
    assert {o[4] for o in untimed} == ({True} if closed_without_due == "on_time" else {None})


def test_the_sample_policy_is_where_the_test_reads_it() -> None:
    assert Path(str(files("gridgov") / "samples" / "boston311" / "policy.toml")) == POLICY
