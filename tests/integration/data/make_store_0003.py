"""Write ``store_0003.json.gz``: every row of a database written by gridgov at schema
revision 0003 (commit 92b6306), for the test that upgrades such a database.

It replays 40 tickets of the synthetic loop log (every trigger, clocks paused,
fired, reopened, joint parts) signed with the test key, adds three live tickets
reported by residents, takes an audit checkpoint, and dumps each table's rows
(times as ISO text).  The ``reporter_id`` of the live tickets' rows is taken out
again, as rows written before the scoped reads were stored.  Run it only on a
checkout at that revision:

    PYTHONPATH=src python tests/integration/data/make_store_0003.py
"""

from __future__ import annotations

import gzip
import importlib
import json
import os
import sys
import tempfile
from datetime import UTC, datetime
from pathlib import Path

from sqlalchemy import MetaData, create_engine, select, text

from gridgov import Engine
from gridgov.app import trust_callers
from gridgov.clock import ManualClock
from gridgov.grid import load_sample
from gridgov.replay import PolicyInForce, ReplayOptions, load_mapping, run_replay
from gridgov.sla import load_default_policy
from gridgov.store import Keyring, SqlStore, head_revision
from gridgov.workflow import Actor

HERE = Path(__file__).resolve().parent
REPO = HERE.parents[2]
KEY = "test:a-test-secret-for-the-0003-fixture"
GRID = "HZ-YH-CQ-ZM-G01"


def main() -> None:
    assert head_revision() == "0003", "run this on a checkout at schema revision 0003"
    sys.path.insert(0, str(REPO / "benchmarks"))
    generate = importlib.import_module("gen_synthetic").generate
    with tempfile.TemporaryDirectory() as tmp:
        url = f"sqlite:///{Path(tmp) / 'old.db'}"
        os.environ["GRIDGOV_AUDIT_KEY"] = KEY
        store = SqlStore(url, keyring=Keyring.parse(KEY, separator=","))
        store.upgrade()
        sample = load_sample("hangzhou")
        run_replay(
            ReplayOptions(
                input=generate(Path(tmp) / "loop.csv", 40, shape="loop"),
                mapping=load_mapping(REPO / "benchmarks" / "synthetic_loop.toml"),
                areas=sample.tree,
                directory=sample.directory,
                policies=(PolicyInForce(load_default_policy()),),
                db=url,
            )
        )
        at = datetime(2026, 11, 2, 1, 0, tzinfo=UTC)
        engine = Engine(store=store, clock=ManualClock(at), actors=trust_callers)
        for number in (1, 2, 3):
            resident = Actor(f"resident-{number}", "resident", GRID)
            engine.report(
                actor=resident, category="noise", area_code=GRID, ticket_id=f"LIVE{number}"
            )
        engine.act(
            "LIVE1", "accept", actor=Actor(f"{GRID}-worker", "grid_worker", GRID, f"{GRID}-worker")
        )
        store.checkpoint(at=at)
        with store.engine.begin() as conn:
            conn.execute(
                text(
                    "UPDATE tickets SET data = json_remove(data, '$.reporter_id') "
                    "WHERE id LIKE 'LIVE%'"
                )
            )
        store.close()
        dump = create_engine(url)
        meta = MetaData()
        meta.reflect(dump)
        tables: dict[str, list[dict[str, object]]] = {}
        with dump.connect() as conn:
            for table in meta.sorted_tables:
                if table.name == "alembic_version":
                    continue
                rows = conn.execute(select(table).order_by(*table.primary_key.columns))
                tables[table.name] = [dict(row._mapping) for row in rows]
        dump.dispose()
    document = {"revision": "0003", "key": KEY, "tables": tables}
    with gzip.open(HERE / "store_0003.json.gz", "wt", encoding="utf-8") as out:
        json.dump(document, out, ensure_ascii=False, default=str, sort_keys=True)


if __name__ == "__main__":
    main()
