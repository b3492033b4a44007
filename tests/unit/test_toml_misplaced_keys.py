"""A top-level key written after a table header silently becomes a key of that table in
TOML; every settings file refuses it, saying so (issue 12)."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest

from gridgov.errors import PolicyError
from gridgov.replay import BOSTON_SAMPLE_DIR, load_mapping
from gridgov.workflow import load_routing_policy

SAMPLES = BOSTON_SAMPLE_DIR.parent
ROUTING_POLICY = SAMPLES / "routing" / "policy.toml"


def _moved_to_the_end(source: Path, key: str, target: Path) -> tuple[str, int, str]:
    """``source`` with its top-level line ``key = ...`` moved to the end (under the last
    table); returns that line, its new line number and the first table's header line."""
    lines = source.read_text(encoding="utf-8").splitlines()
    (index,) = [i for i, line in enumerate(lines) if line.startswith(f"{key} =")]
    moved = lines.pop(index)
    first = next(i for i, line in enumerate(lines, 1) if line.startswith("["))
    lines.append(moved)
    target.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return lines[first - 1], len(lines), f"line {first}"


KINDS: list[tuple[str, Path, str, Callable[[Path], object]]] = [
    ("mapping file", BOSTON_SAMPLE_DIR / "mapping.toml", "kind", load_mapping),
    ("mapping file", BOSTON_SAMPLE_DIR / "mapping.toml", "timezone", load_mapping),
    ("routing policy", ROUTING_POLICY, "grid_level", lambda p: load_routing_policy(p)),
]


@pytest.mark.parametrize(("what", "sample", "key", "load"), KINDS)
def test_a_top_level_key_after_a_table_is_refused_saying_so(
    tmp_path: Path, what: str, sample: Path, key: str, load: Callable[[Path], object]
) -> None:
    path = tmp_path / sample.name
    for other in sample.parent.iterdir():  # the files it names, beside it
        if other.is_file() and other != sample:
            (tmp_path / other.name).write_bytes(other.read_bytes())
    header, line, first_at = _moved_to_the_end(sample, key, path)
    with pytest.raises(PolicyError) as caught:
        load(path)
    problem = caught.value.problems[0]
    assert str(caught.value).startswith(f"invalid {what}: {path}:{line}: {key}: ")
    assert (problem.source, problem.line, problem.field) == (str(path), line, key)
    assert f"{key!r} is a top-level key, but it comes after the " in problem.reason
    assert f"move it above the first table ({header} on {first_at})" in problem.reason
    # the misplacement explains the "missing" and "unknown" errors it causes: none besides
    assert [p.field for p in caught.value.problems] == [key]


def test_a_key_that_a_table_of_free_keys_would_take_is_refused_too(tmp_path: Path) -> None:
    """``[payload]`` takes any key: ``timezone`` under it read as a payload column, silently."""
    text = (BOSTON_SAMPLE_DIR / "mapping.toml").read_text(encoding="utf-8")
    path = tmp_path / "mapping.toml"
    (tmp_path / "areas.csv").write_bytes((BOSTON_SAMPLE_DIR / "areas.csv").read_bytes())
    for name in ("routing.toml",):
        (tmp_path / name).write_bytes((BOSTON_SAMPLE_DIR / name).read_bytes())
    text = text.replace('timezone = "America/New_York"', "")
    path.write_text(text + '\n[payload]\ntimezone = "America/New_York"\n', encoding="utf-8")
    with pytest.raises(PolicyError) as caught:
        load_mapping(path)
    (problem,) = caught.value.problems
    assert problem.field == "timezone"
    assert "so TOML reads it as payload.timezone" in problem.reason
    assert problem.line == len(path.read_text(encoding="utf-8").splitlines())


def test_a_key_the_table_has_of_its_own_is_not_misplaced(tmp_path: Path) -> None:
    """``format`` under ``[[area.levels]]`` is the level's own key, though the top level
    has a ``format`` too (left out here, so only the level's is set)."""
    text = (BOSTON_SAMPLE_DIR / "mapping.toml").read_text(encoding="utf-8")
    assert 'format = "BOS-W{:02d}"' in text
    path = tmp_path / "mapping.toml"
    for name in ("areas.csv", "routing.toml"):
        (tmp_path / name).write_bytes((BOSTON_SAMPLE_DIR / name).read_bytes())
    path.write_text(text.replace('format = "csv"', ""), encoding="utf-8")
    mapping = load_mapping(path)
    assert mapping.format is None
    assert mapping.area.levels[0].format == "BOS-W{:02d}"
