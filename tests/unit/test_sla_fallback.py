"""Fallback rules (``[[rules]] fallback = true``): the categories no rule names get them,
in the live SLA engine and in replay alike, through the one selection of the policy."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

import pytest

from gridgov.errors import PolicyError
from gridgov.replay import PolicyInForce, ReplayEngine, SourceEvent, SourceTicket
from gridgov.sla import SlaEngine, SlaPolicy, load_default_policy, parse_policy
from gridgov.workflow import load_routing_policy

BASE = """\
[policy]
name = "fallback-test"

[calendars.always]
working_hours = ["00:00-24:00"]
workweek = ["mon", "tue", "wed", "thu", "fri", "sat", "sun"]

[clocks.handling]
start = "report"
stop = "mark_handled"
calendar = "always"
due = "24h"
enabled = false                  # a category no rule names gets no due time ...

[[rules]]
name = "noise"
match = { category = ["noise", "env/*"] }
clocks.handling = { due = "2h", enabled = true }

[[rules]]
name = "fire-major"
match = { category = "fire", tier = "major" }
clocks.handling = { due = "1h", enabled = true }
"""

FALLBACK = """
[[rules]]
name = "unnamed"
fallback = true                  # ... unless a fallback rule gives it one
clocks.handling = { due = "72h", enabled = true }
"""


def _policy(text: str = BASE + FALLBACK) -> SlaPolicy:
    return parse_policy(text, source="fallback.toml")


def test_a_category_no_rule_names_gets_the_fallback_rule() -> None:
    policy = _policy()
    assert policy.select(category="pothole").name == "unnamed"
    assert policy.select(category=None).name == "unnamed"  # no category: named by no rule
    assert policy.select(category="noise").name == "noise"
    assert policy.select(category="env/smoke").name == "noise"  # a pattern names it


def test_a_named_category_no_rule_matches_gets_the_default_not_the_fallback() -> None:
    policy = _policy()
    rule = policy.select(category="fire", tier="small")  # named by fire-major, not matched
    assert rule.name == "default"
    assert rule.clock("handling") is None  # the default clock is off


def test_without_a_fallback_rule_an_unnamed_category_gets_the_default() -> None:
    assert _policy(BASE).select(category="pothole").name == "default"


def test_a_fallback_rule_comes_before_a_catch_all_rule_wherever_it_stands() -> None:
    text = BASE + FALLBACK + '\n[[rules]]\nname = "everything"\nclocks.handling.enabled = true\n'
    policy = _policy(text)
    assert policy.select(category="pothole").name == "unnamed"
    assert policy.select(category="fire", tier="small").name == "everything"
    assert [r.name for r in policy.rules] == ["noise", "fire-major", "unnamed", "everything"]


def test_fallback_rules_may_match_tier_priority_and_channel() -> None:
    text = BASE + FALLBACK.replace("fallback = true", 'fallback = true\nmatch.tier = "major"')
    text += '\n[[rules]]\nname = "unnamed-rest"\nfallback = true\n'
    policy = _policy(text)
    assert policy.select(category="pothole", tier="major").name == "unnamed"
    assert policy.select(category="pothole", tier="small").name == "unnamed-rest"


def test_a_fallback_rule_naming_categories_is_refused_with_its_key() -> None:
    text = BASE + FALLBACK.replace("fallback = true", 'fallback = true\nmatch.category = "x"')
    with pytest.raises(PolicyError, match="cannot name categories itself") as caught:
        _policy(text)
    assert caught.value.problems[0].field == "rules[2].match.category"
    assert caught.value.problems[0].line is not None


def test_a_catch_all_fallback_before_another_fallback_is_refused() -> None:
    text = BASE + FALLBACK + FALLBACK.replace('"unnamed"', '"unnamed-2"')
    with pytest.raises(PolicyError, match="every ticket of a category no rule names"):
        _policy(text)


def test_the_new_keys_at_their_defaults_leave_the_fingerprint_as_it_was() -> None:
    said = BASE.replace(
        'name = "fallback-test"', 'name = "fallback-test"\nclosed_without_due = "on_time"'
    )
    assert _policy(said).fingerprint == _policy(BASE).fingerprint
    other = said.replace('"on_time"', '"not_judged"')
    assert _policy(other).fingerprint != _policy(BASE).fingerprint
    assert _policy(BASE + FALLBACK).fingerprint != _policy(BASE).fingerprint


@dataclass(frozen=True)
class _Transition:
    ticket_id: str
    trigger: str
    from_state: str
    to_state: str
    at: datetime
    payload: dict[str, Any] = field(default_factory=dict)


OPENED = datetime(2025, 3, 3, 9, 0, tzinfo=UTC)


@pytest.mark.parametrize("category", ["pothole", "noise", ""])
def test_live_engine_and_replay_give_an_unnamed_category_the_same_due_time(
    category: str,
) -> None:
    policy = _policy()
    live = SlaEngine(policy)
    live.record(
        _Transition("T1", "report", "new", "reported", OPENED),
        attributes=(category or None, "small", None, None),
    )
    snapshot = live.snapshot("T1")
    routing = load_routing_policy().with_patterns({}, fallback_tier="small")
    engine = ReplayEngine(routing, policies=[PolicyInForce(policy)])
    events = [SourceEvent("report", OPENED, 2)]
    outcome = engine.replay(SourceTicket("T1", 2, category=category, events=events))
    assert snapshot["rule"] == ("unnamed" if category != "noise" else "noise")
    assert outcome.due_at is not None
    assert outcome.due_at.isoformat() == snapshot["cycles"][0]["due"]


def test_the_default_policy_has_no_fallback_rule_and_selects_as_before() -> None:
    policy = load_default_policy()
    assert policy.select(category="anything").name == "default"
