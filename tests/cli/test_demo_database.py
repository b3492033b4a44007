"""The database ``gridgov demo`` builds works with ``tick`` and ``ticket`` as it is
(issue 13, item 22): it records the Boston sample's policies it was built with."""

from __future__ import annotations

import json

import pytest
from click.testing import CliRunner

from gridgov.app import BuiltWith, built_with, open_engine, open_store, record_built_with
from gridgov.cli import main
from gridgov.grid import load_sample
from gridgov.replay import BOSTON_SAMPLE_DIR
from gridgov.sla import load_policy
from gridgov.testing import InMemoryStore
from gridgov.workflow import load_routing_policy


@pytest.fixture(scope="module")
def demo_db(tmp_path_factory: pytest.TempPathFactory) -> str:
    url = f"sqlite:///{tmp_path_factory.mktemp('demo') / 'gridgov.db'}"
    result = CliRunner().invoke(main, ["demo", "--depth", "0", "--db", url])
    assert result.exit_code == 0, result.output
    return url


def test_tick_right_after_demo_fires_on_the_recorded_policies(demo_db: str) -> None:
    result = CliRunner().invoke(
        main, ["tick", "--db", demo_db, "--until", "2015-07-01T00:00Z", "--format", "json"]
    )
    assert result.exit_code == 0, result.output
    fired = json.loads(result.stdout)
    assert fired
    assert {row["kind"] for row in fired} <= {"warning", "breach"}


def test_ticket_list_and_show_after_demo_need_no_policy_options(demo_db: str) -> None:
    listed = CliRunner().invoke(main, ["ticket", "list", "--db", demo_db, "--format", "json"])
    assert listed.exit_code == 0, listed.output
    ticket_id = json.loads(listed.stdout)[0]["id"]
    shown = CliRunner().invoke(main, ["ticket", "show", ticket_id, "--db", demo_db])
    assert shown.exit_code == 0, shown.output
    assert "handling#1" in shown.stdout


def test_the_demo_database_records_the_boston_sample_policies(demo_db: str) -> None:
    with open_store(demo_db) as store:
        assert built_with(store) == BuiltWith(
            "boston311",
            sla="samples/boston311/policy.toml",
            routing="samples/boston311/routing.toml",
        )
    with open_engine(demo_db) as engine:
        boston = load_policy(BOSTON_SAMPLE_DIR / "policy.toml")
        assert engine.sla_policy.fingerprint == boston.fingerprint
        assert engine.loop.policy.grid_level == "precinct"


def test_policies_given_to_the_engine_win_over_the_recorded_ones() -> None:
    store = InMemoryStore()
    record_built_with(store, BuiltWith("boston311", routing="samples/boston311/routing.toml"))
    engine = open_engine(
        store=store, routing=load_routing_policy(), directory=load_sample("hangzhou").directory
    )
    assert engine.loop.policy.grid_level == "grid"


def test_recording_a_file_the_package_does_not_ship_is_refused() -> None:
    with pytest.raises(ValueError, match="not a file shipped in the gridgov package"):
        record_built_with(InMemoryStore(), BuiltWith("x", sla="samples/nowhere.toml"))
