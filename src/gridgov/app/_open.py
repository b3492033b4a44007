"""The one composition root (组装根): URL or settings → store → :class:`Engine`.

The CLI, ``replay --db`` and embedding apps build their store and Engine here
and nowhere else, so a URL means the same everywhere: the argument, else
``$GRIDGOV_DATABASE_URL``, else the SQLite file ``gridgov.db`` in the working
directory (:func:`~gridgov.store.resolve_url`).  Nothing connects until first use.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from gridgov.app._engine import Engine
from gridgov.app._stores import open_store
from gridgov.clock import Clock
from gridgov.grid import AreaTree, Directory
from gridgov.sla import SlaPolicy, load_policy
from gridgov.store import Store
from gridgov.workflow import RoutingPolicy, load_routing_policy

__all__ = ["open_engine"]

PolicyFile = str | Path


def open_engine(
    url: str | None = None,
    *,
    store: Store | None = None,
    clock: Clock | None = None,
    sla_policy: SlaPolicy | PolicyFile | None = None,
    routing: RoutingPolicy | PolicyFile | None = None,
    categories: PolicyFile | None = None,
    directory: Directory | None = None,
    areas: AreaTree | None = None,
    new_ticket_id: Callable[[], str] | None = None,
    upgrade: bool = False,
) -> Engine:
    """The :class:`Engine` over ``store`` (or the database at ``url``).

    ``sla_policy`` and ``routing`` are policy objects or the paths of their TOML
    files (``categories``: a category catalogue for the routing file); absent,
    the shipped defaults.  ``directory`` / ``areas`` as :class:`Engine` takes
    them; absent, the ones stored in the database.  ``upgrade=True`` creates or
    upgrades the schema of the database at ``url`` first (as ``gridgov db
    upgrade`` does); it is the one call here that connects.  Use it as a context
    manager (``with open_engine(url) as engine:``) to dispose the connections.
    """
    if store is not None and (url is not None or upgrade):
        raise ValueError("give either store= or url= (with upgrade=), not both")
    if isinstance(sla_policy, (str, Path)):
        sla_policy = load_policy(sla_policy)
    if isinstance(routing, (str, Path)) or (routing is None and categories is not None):
        routing = load_routing_policy(routing, categories)
    elif categories is not None:
        raise ValueError("categories= goes with a routing policy file, not a RoutingPolicy")
    if store is None:
        sql = open_store(url)
        if upgrade:
            sql.upgrade()
        store = sql
    return Engine(
        store=store,
        areas=areas,
        directory=directory,
        routing=routing,
        sla=sla_policy,
        clock=clock,
        new_ticket_id=new_ticket_id,
    )
