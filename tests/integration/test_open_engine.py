"""``gridgov.open_engine`` is the one builder: URL and policy files → store → Engine."""

from __future__ import annotations

from pathlib import Path

import pytest

from gridgov import Area, AreaTree, Engine, open_engine, open_store
from gridgov.sla import load_default_policy
from gridgov.testing import InMemoryStore

SLA_SAMPLE = Path(__file__).resolve().parents[2] / "src/gridgov/samples/sla"


def _tree() -> AreaTree:
    return AreaTree([Area("YH", "余杭区", "district"), Area("ZM", "朱庙社区", "community", "YH")])


def test_open_engine_builds_a_sql_store_from_the_url(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'app.db'}"
    with open_engine(url, upgrade=True, areas=_tree()) as engine:
        assert isinstance(engine, Engine)
        assert engine.store.url == url  # type: ignore[attr-defined]
        assert engine.tickets() == []
    assert (tmp_path / "app.db").exists()


def test_without_a_url_the_variable_names_the_database(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    url = f"sqlite:///{tmp_path / 'env.db'}"
    monkeypatch.setenv("GRIDGOV_DATABASE_URL", url)
    store = open_store()
    try:
        assert store.url == url
    finally:
        store.close()


def test_closing_the_engine_closes_its_store() -> None:
    store = InMemoryStore()
    closed: list[bool] = []
    store.close = lambda: closed.append(True)  # type: ignore[method-assign]
    with open_engine(store=store, areas=_tree()):
        pass
    assert closed == [True]


def test_policy_files_and_objects_give_the_same_policy() -> None:
    files = sorted(SLA_SAMPLE.glob("*.toml"))
    default = load_default_policy()
    with open_engine(store=InMemoryStore(), sla_policy=default) as engine:
        assert engine.sla_policy is default
    if files:
        with open_engine(store=InMemoryStore(), sla_policy=files[0]) as engine:
            assert engine.sla_policy.name


def test_a_store_and_a_url_are_one_too_many(tmp_path: Path) -> None:
    with pytest.raises(ValueError, match="not both"):
        open_engine(f"sqlite:///{tmp_path / 'x.db'}", store=InMemoryStore())
