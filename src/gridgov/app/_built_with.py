"""The shipped policies a database was built with (数据库自带的策略).

``gridgov demo`` fills a database with the Boston 311 sample: areas on Boston's
levels (city > ward > precinct) and clocks under Boston's SLA table.  The
shipped default routing policy names Hangzhou's levels and the default SLA
policy China's calendars, so an Engine on that database needs the Boston
policies.  The demo records which shipped files it was built with
(:func:`record_built_with`, a policy of kind ``defaults`` in the ``policies``
table); an :class:`~gridgov.Engine` given no routing or SLA policy uses them
(:func:`built_with`), else the shipped defaults.

Files are named relative to the installed ``gridgov`` package
(``samples/boston311/routing.toml``), so the record stays right when the
package moves to another virtual environment.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import asdict, dataclass
from importlib.resources import files
from pathlib import Path

from gridgov.errors import StoreError
from gridgov.sla import SlaPolicy, load_policy
from gridgov.store import Store
from gridgov.workflow import RoutingPolicy, load_routing_policy

__all__ = ["DEFAULTS_KIND", "BuiltWith", "built_with", "record_built_with"]

DEFAULTS_KIND = "defaults"
"""The ``policies.kind`` of the record."""


@dataclass(frozen=True, slots=True)
class BuiltWith:
    """Which shipped files (relative to the ``gridgov`` package) a database uses
    when a command or an Engine is given none; ``None``: the shipped default."""

    name: str
    sla: str | None = None
    routing: str | None = None
    categories: str | None = None

    def sla_policy(self) -> SlaPolicy | None:
        """The SLA policy named, loaded (None: the shipped default)."""
        return None if self.sla is None else load_policy(_shipped(self.sla))

    def routing_policy(self) -> RoutingPolicy | None:
        """The routing policy and category catalogue named (None: both shipped defaults)."""
        if self.routing is None and self.categories is None:
            return None
        routing = None if self.routing is None else _shipped(self.routing)
        categories = None if self.categories is None else _shipped(self.categories)
        return load_routing_policy(routing, categories)


def record_built_with(store: Store, built: BuiltWith) -> None:
    """Record ``built`` as the database's policies (replacing an earlier record)."""
    for name in (built.sla, built.routing, built.categories):
        if name is not None and not _shipped(name).is_file():
            raise ValueError(f"{name!r} is not a file shipped in the gridgov package")
    body = json.dumps(asdict(built), sort_keys=True)
    fingerprint = hashlib.sha256(body.encode("utf-8")).hexdigest()
    store.record_policy(DEFAULTS_KIND, built.name, fingerprint, body)


def built_with(store: Store) -> BuiltWith | None:
    """The policies recorded for the database, or None when none were."""
    found = store.recorded_policy(DEFAULTS_KIND)
    if found is None:
        return None
    name, body = found
    try:
        data = json.loads(body)
        return BuiltWith(
            name=name,
            sla=_name(data, "sla"),
            routing=_name(data, "routing"),
            categories=_name(data, "categories"),
        )
    except (ValueError, TypeError) as exc:
        raise StoreError(
            f"policies of kind {DEFAULTS_KIND!r} ({name!r}): unreadable record {body!r} ({exc})"
        ) from exc


def _name(data: object, key: str) -> str | None:
    if not isinstance(data, dict):
        raise TypeError("expected a JSON object")
    value = data.get(key)
    if value is not None and not isinstance(value, str):
        raise TypeError(f"{key!r} must be a file name, not {value!r}")
    return value


def _shipped(name: str) -> Path:
    return Path(str(files("gridgov").joinpath(name)))
