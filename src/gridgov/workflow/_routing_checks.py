"""Checks across the catalogue and the policy that a schema alone cannot express."""

from __future__ import annotations

from typing import Literal

from gridgov.workflow._routing_files import CatalogueFile, PolicyFile

__all__ = ["Located", "check_policy"]

Located = tuple[Literal["catalogue", "policy"], tuple[str | int, ...], str]
"""Which file, the key path inside it, and what is wrong."""


def check_policy(catalogue: CatalogueFile, spec: PolicyFile) -> list[Located]:
    """Every problem found, in file order: duplicates, unknown names, cycles, gaps."""
    problems = _catalogue_problems(catalogue)
    codes = {r.code for r in catalogue.category}
    tiers = sorted(spec.tiers)
    if spec.default_tier is not None and spec.default_tier not in spec.tiers:
        problems.append(("policy", ("default_tier",), f"unknown tier; expected one of {tiers}"))
    for code, route in spec.routes.items():
        if code not in codes:
            problems.append(("policy", ("routes", code), "no category has this code"))
        if route.tier not in spec.tiers:
            problems.append(
                (
                    "policy",
                    ("routes", code, "tier"),
                    f"unknown tier {route.tier!r}; expected {tiers}",
                )
            )
    if spec.default_tier is None and not problems:
        problems.extend(_unrouted(catalogue, spec))
    return problems


def _catalogue_problems(catalogue: CatalogueFile) -> list[Located]:
    problems: list[Located] = []
    seen: dict[str, int] = {}
    for i, record in enumerate(catalogue.category):
        if record.code in seen:
            problems.append(
                (
                    "catalogue",
                    ("category", i, "code"),
                    f"duplicate code {record.code!r} (first at category[{seen[record.code]}])",
                )
            )
        seen.setdefault(record.code, i)
    parents = {r.code: r.parent for r in catalogue.category}
    for i, record in enumerate(catalogue.category):
        if record.parent is not None and record.parent not in parents:
            problems.append(
                ("catalogue", ("category", i, "parent"), f"no category has code {record.parent!r}")
            )
        elif _in_cycle(record.code, parents):
            problems.append(("catalogue", ("category", i, "parent"), "parents form a cycle"))
    return problems


def _in_cycle(code: str, parents: dict[str, str | None]) -> bool:
    seen = {code}
    parent = parents.get(code)
    while parent is not None:
        if parent in seen:
            return True
        seen.add(parent)
        parent = parents.get(parent)
    return False


def _unrouted(catalogue: CatalogueFile, spec: PolicyFile) -> list[Located]:
    parents = {r.code: r.parent for r in catalogue.category}
    problems: list[Located] = []
    for i, record in enumerate(catalogue.category):
        code: str | None = record.code
        while code is not None and code not in spec.routes:
            code = parents.get(code)
        if code is None:
            problems.append(
                (
                    "catalogue",
                    ("category", i, "code"),
                    f"category {record.code!r} has no tier: add a route for it or a parent, "
                    "or set default_tier",
                )
            )
    return problems
