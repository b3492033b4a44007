"""The mapping file: the shipped Boston one loads; bad files name the key and the line."""

from __future__ import annotations

from pathlib import Path

import pytest

from gridgov.errors import PolicyError
from gridgov.grid import LevelSet
from gridgov.replay import BOSTON_SAMPLE_DIR, load_mapping

GOOD = """\
name = "tiny"
kind = "snapshot"

[columns]
id = "id"
opened_at = "opened"

[[area.levels]]
level = "ward"
column = "ward"
"""


def _write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "mapping.toml"
    path.write_text(text, encoding="utf-8")
    return path


def test_shipped_boston_mapping_loads() -> None:
    mapping = load_mapping(BOSTON_SAMPLE_DIR / "mapping.toml")
    assert mapping.kind == "snapshot"
    assert [level.level for level in mapping.area.levels] == ["ward", "precinct"]
    assert mapping.columns.due_at == "TARGET_DT"
    assert mapping.snapshot.closed_values == ["Closed"]


def test_minimal_mapping_gets_the_documented_defaults(tmp_path: Path) -> None:
    mapping = load_mapping(_write(tmp_path, GOOD))
    assert mapping.time_format == "iso"
    assert mapping.timezone == "UTC"
    assert mapping.snapshot.on_open == ["report", "accept", "dispatch", "sign_for"]
    assert (mapping.routing.policy, mapping.routing.tiers) == (None, {})
    assert mapping.routing_policy().grid_level == "grid"  # the shipped policy's


def test_grid_tiers_of_old_mappings_get_a_message_that_says_what_replaced_them(
    tmp_path: Path,
) -> None:
    path = _write(tmp_path, GOOD + '\n[routing]\ngrid_tiers = ["grid"]\n')
    with pytest.raises(PolicyError, match="grid_level"):
        load_mapping(path)


def test_unknown_key_is_named_with_its_line(tmp_path: Path) -> None:
    path = _write(
        tmp_path, GOOD.replace('opened_at = "opened"', 'opened_at = "opened"\nopend = "x"')
    )
    with pytest.raises(PolicyError) as caught:
        load_mapping(path)
    problem = caught.value.problems[0]
    assert problem.field == "columns.opend"
    assert problem.line == 7
    assert str(path) in str(caught.value)


def test_pattern_without_one_group_is_refused(tmp_path: Path) -> None:
    path = _write(tmp_path, GOOD + "pattern = '^\\\\d+$'\n")
    with pytest.raises(PolicyError) as caught:
        load_mapping(path)
    assert caught.value.problems[0].field == "area.levels[0].pattern"
    assert "exactly one (group)" in caught.value.problems[0].reason


def test_unknown_time_zone_is_refused(tmp_path: Path) -> None:
    path = _write(tmp_path, 'timezone = "Mars/Olympus"\n' + GOOD)
    with pytest.raises(PolicyError) as caught:
        load_mapping(path)
    assert caught.value.problems[0].field == "timezone"
    assert caught.value.problems[0].line == 1


def test_event_log_needs_activities_that_are_triggers(tmp_path: Path) -> None:
    text = GOOD.replace('kind = "snapshot"', 'kind = "events"').replace(
        'opened_at = "opened"', 'activity = "act"\nat = "ts"'
    )
    path = _write(tmp_path, text + '\n[activities]\n"Open" = "report"\n"Fix" = "repair"\n')
    with pytest.raises(PolicyError) as caught:
        load_mapping(path)
    (problem,) = caught.value.problems
    assert problem.field == "activities.Fix"  # the very key, with its line
    assert problem.line == text.count("\n") + 4
    assert problem.reason.startswith("unknown trigger 'repair' (did you mean 'report'?); ")
    assert "expected one of accept, " in problem.reason


def test_snapshot_triggers_are_checked_one_by_one(tmp_path: Path) -> None:
    path = _write(tmp_path, GOOD + '\n[snapshot]\non_close = ["mark_handled", "clsoe"]\n')
    with pytest.raises(PolicyError) as caught:
        load_mapping(path)
    (problem,) = caught.value.problems
    assert problem.field == "snapshot.on_close[1]"
    assert problem.reason.startswith(
        "unknown trigger 'clsoe' (did you mean 'close'?); expected one of "
    )


def test_snapshot_needs_an_opening_column(tmp_path: Path) -> None:
    path = _write(tmp_path, GOOD.replace('opened_at = "opened"\n', ""))
    with pytest.raises(PolicyError, match=r"columns\.opened_at"):
        load_mapping(path)


def test_split_needs_integer(tmp_path: Path) -> None:
    path = _write(tmp_path, GOOD + "split = 100\n")
    with pytest.raises(PolicyError, match="split needs integer"):
        load_mapping(path)


def test_not_toml_names_the_line(tmp_path: Path) -> None:
    path = _write(tmp_path, GOOD + "this is not toml\n")
    with pytest.raises(PolicyError) as caught:
        load_mapping(path)
    assert caught.value.problems[0].line == 11


def test_missing_file_is_a_policy_error(tmp_path: Path) -> None:
    with pytest.raises(PolicyError, match="cannot read mapping file"):
        load_mapping(tmp_path / "nope.toml")


WARDS = LevelSet.parse("city > ward > precinct")


def test_routing_levels_put_the_tiers_on_the_sources_own_levels(tmp_path: Path) -> None:
    path = _write(
        tmp_path,
        GOOD + '\n[routing]\ngrid_level = "precinct"\n'
        '[routing.levels]\nsmall = "precinct"\ncomplex = ["district", "ward"]\nmajor = "city"\n',
    )
    policy = load_mapping(path).routing_policy()
    policy.check_levels(WARDS)  # the default policy's tiers, now on wards and precincts
    assert policy.grid_level == "precinct"
    assert policy.tiers["complex"].level_in(WARDS) == "ward"
    assert policy.tier_of("noise").levels == ("precinct",)  # routes take the moved tiers


def test_a_tier_level_the_areas_lack_names_the_file_and_key_that_set_it(tmp_path: Path) -> None:
    path = _write(tmp_path, GOOD + '\n[routing.levels]\nsmall = "block"\n')
    with pytest.raises(PolicyError) as caught:
        load_mapping(path).routing_policy().check_levels(WARDS)
    where = {(p.source, p.field) for p in caught.value.problems}
    assert (str(path), "routing.levels.small") in where
    # the tiers the mapping leaves alone are the routing policy's, named with its lines
    default = [p for p in caught.value.problems if p.field == "tiers.complex.level"]
    assert default
    assert default[0].source.endswith("routing/policy.toml")
    assert default[0].line


def test_a_routing_level_for_an_unknown_tier_is_refused(tmp_path: Path) -> None:
    path = _write(tmp_path, GOOD + '\n[routing.levels]\nhuge = "city"\n')
    with pytest.raises(PolicyError, match="unknown tier 'huge'") as caught:
        load_mapping(path).routing_policy()
    assert caught.value.problems[0].field == "routing.levels.huge"
