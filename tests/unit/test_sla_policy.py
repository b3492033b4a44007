"""SLA policy files: selection rules, and errors that name file, line, key and reason."""

from __future__ import annotations

from pathlib import Path

import pytest

from gridgov.errors import PolicyError
from gridgov.sla import (
    CalendarSpec,
    WorkingCalendar,
    load_default_policy,
    load_policy,
    parse_policy,
)

BASE = """\
[policy]
name = "test"

[calendars.always]
working_hours = ["00:00-24:00"]
workweek = ["mon", "tue", "wed", "thu", "fri", "sat", "sun"]

[clocks.response]
start = "report"
stop = "sign_for"
calendar = "always"
due = "5m"

[clocks.handling]
start = ["report", "reopen"]
stop = "mark_handled"
calendar = "always"
due = "24h"
"""


def test_default_policy_has_the_clocks_of_the_source_documents() -> None:
    rule = load_default_policy().select(category="noise", tier="small")
    clocks = {plan.name: (plan.due_text, plan.calendar_name) for plan in rule.clocks}
    assert rule.name == "default"
    assert clocks == {
        "response": ("5m", "always"),
        "handling": ("24h", "always"),
        "review": ("3wd", "cn_office"),
        "rework": ("2wd", "cn_office"),
    }


def test_default_policy_auto_closes_when_no_review_comes() -> None:
    review = load_default_policy().select().clock("review")
    assert review is not None
    assert [a.action for a in review.on_breach] == ["close"]


def test_default_policy_reopens_an_unsatisfied_review_left_alone() -> None:
    rework = load_default_policy().select().clock("rework")
    assert rework is not None
    assert rework.start == frozenset({"review"})
    assert [a.action for a in rework.on_breach] == ["reopen"]


def test_first_matching_rule_wins() -> None:
    policy = load_default_policy()
    # gas_leak is a hazard *and* a major-tier category: the hazard rule comes first.
    assert policy.select(category="gas_leak", tier="major").name == "hazard"
    assert policy.select(category="road_damage", tier="major").name == "major"


def test_rule_overrides_only_the_fields_it_names() -> None:
    handling = load_default_policy().select(tier="complex").clock("handling")
    assert handling is not None
    assert (handling.due_text, handling.calendar_name) == ("3wd", "cn_office")
    assert handling.stop == frozenset({"mark_handled"})
    assert handling.thresholds == (0.5, 0.8, 1.0)


def test_wildcards_select_categories_and_every_key_must_match() -> None:
    text = BASE + (
        '[[rules]]\nname = "env-app"\n'
        'match = { category = ["env/*"], channel = ["app"] }\n'
        'clocks.handling = { due = "8h" }\n'
    )
    policy = parse_policy(text)
    assert policy.select(category="env/noise", channel="app").name == "env-app"
    assert policy.select(category="env/noise", channel="phone").name == "default"
    assert policy.select(category="environment", channel="app").name == "default"


def test_a_rule_can_switch_a_clock_off() -> None:
    text = (
        BASE
        + '[[rules]]\nname = "info"\nmatch.category = ["info"]\nclocks.response.enabled = false\n'
    )
    names = [c.name for c in parse_policy(text).select(category="info").clocks]
    assert names == ["handling"]


def test_unknown_trigger_names_file_line_and_key() -> None:
    text = BASE.replace('stop = "sign_for"', 'stop = "sign_fro"')
    with pytest.raises(PolicyError) as caught:
        parse_policy(text, source="p.toml")
    problem = caught.value.problems[0]
    assert problem.source == "p.toml"
    assert problem.field == "clocks.response.stop[0]"
    assert problem.line == text.splitlines().index('stop = "sign_fro"') + 1
    assert "unknown trigger 'sign_fro'" in problem.reason
    assert "sign_for" in problem.reason  # the accepted names are listed


def test_every_problem_is_listed() -> None:
    text = BASE.replace('due = "5m"', 'due = "5 fortnights"').replace(
        'stop = "mark_handled"', 'stop = "mark_handled"\npause_in = ["asleep"]'
    )
    with pytest.raises(PolicyError) as caught:
        parse_policy(text, source="p.toml")
    fields = sorted(p.field or "" for p in caught.value.problems)
    assert fields == ["clocks.handling.pause_in[0]", "clocks.response.due"]
    due = next(p for p in caught.value.problems if p.field == "clocks.response.due")
    assert "'5 fortnights'" in due.reason
    assert "working_days" in due.reason
    assert "(and 1 more problem)" in str(caught.value)


def test_undefined_calendar_is_named() -> None:
    text = BASE.replace('calendar = "always"\ndue = "5m"', 'calendar = "office"\ndue = "5m"')
    with pytest.raises(PolicyError) as caught:
        parse_policy(text, source="p.toml")
    assert caught.value.key == "clocks.response.calendar"
    assert caught.value.line == text.splitlines().index('calendar = "office"') + 1
    assert "calendar 'office' is not defined" in caught.value.reason


def test_calendar_can_be_passed_in_instead_of_defined() -> None:
    text = BASE.replace('calendar = "always"\ndue = "5m"', 'calendar = "office"\ndue = "5m"')
    office = WorkingCalendar(CalendarSpec(name="office"))
    policy = parse_policy(text, calendars={"office": office})
    response = policy.select().clock("response")
    assert response is not None
    assert response.calendar is office


def test_invalid_calendar_table_names_its_key() -> None:
    text = BASE.replace("[calendars.always]\n", '[calendars.always]\ntimezone = "Mars/Olympus"\n')
    with pytest.raises(PolicyError) as caught:
        parse_policy(text, source="p.toml")
    assert caught.value.key == "calendars.always.timezone"
    assert caught.value.line == 5
    assert "Mars/Olympus" in caught.value.reason


def test_catch_all_rule_before_others_is_an_error() -> None:
    text = BASE + '[[rules]]\nname = "all"\n\n[[rules]]\nname = "late"\nmatch.tier = ["major"]\n'
    with pytest.raises(PolicyError) as caught:
        parse_policy(text, source="p.toml")
    assert caught.value.key == "rules[0].match"
    assert caught.value.line == text.splitlines().index('name = "all"')  # the [[rules]] line
    assert "put it last" in caught.value.reason


def test_rule_cannot_override_a_clock_that_does_not_exist() -> None:
    text = BASE + '[[rules]]\nname = "r"\nmatch.tier = ["major"]\nclocks.reveiw = { due = "1wd" }\n'
    with pytest.raises(PolicyError) as caught:
        parse_policy(text, source="p.toml")
    assert caught.value.key == "rules[0].clocks.reveiw"
    assert "no clock 'reveiw'" in caught.value.reason


def test_misspelt_key_is_reported_not_ignored() -> None:
    text = BASE.replace('due = "24h"', 'due = "24h"\nwarn_at_ = [0.5]')
    with pytest.raises(PolicyError) as caught:
        parse_policy(text, source="p.toml")
    assert caught.value.key == "clocks.handling.warn_at_"
    assert "unknown key" in caught.value.reason


def test_warning_fractions_must_be_between_zero_and_one() -> None:
    text = BASE.replace('due = "24h"', 'due = "24h"\nwarn_at = [0.8, 1.2]')
    with pytest.raises(PolicyError) as caught:
        parse_policy(text, source="p.toml")
    assert caught.value.key == "clocks.handling.warn_at"
    assert "1.2" in caught.value.reason


def test_broken_toml_names_the_line() -> None:
    text = BASE.replace('due = "24h"', "due = 24h")
    with pytest.raises(PolicyError) as caught:
        parse_policy(text, source="p.toml")
    assert caught.value.line == text.splitlines().index("due = 24h") + 1


def test_missing_file_is_a_policy_error(tmp_path: Path) -> None:
    with pytest.raises(PolicyError, match="cannot read the policy file"):
        load_policy(tmp_path / "absent.toml")


def test_fingerprint_follows_the_content(tmp_path: Path) -> None:
    path = tmp_path / "policy.toml"
    path.write_text(BASE, encoding="utf-8")
    same = load_policy(path).fingerprint
    assert parse_policy(BASE).fingerprint == same
    assert parse_policy(BASE.replace('"24h"', '"12h"')).fingerprint != same


def test_an_override_that_contradicts_its_clock_is_named() -> None:
    text = (
        BASE + '[[rules]]\nname = "r"\nmatch.tier = ["major"]\nclocks.response.start = "sign_for"\n'
    )
    with pytest.raises(PolicyError) as caught:
        parse_policy(text, source="p.toml")
    assert caught.value.key == "rules[0].clocks.response"
    assert caught.value.line == text.splitlines().index('clocks.response.start = "sign_for"') + 1
    assert "both start and stop" in caught.value.reason
