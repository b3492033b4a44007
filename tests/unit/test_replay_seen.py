"""Finished ticket ids in bounded memory: exact after a spill to disk, nothing left behind."""

from __future__ import annotations

from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from gridgov.errors import GridGovError
from gridgov.replay._seen import SeenIds


def test_ids_spilled_to_disk_are_found_with_their_first_line(tmp_path: Path) -> None:
    with SeenIds(recent=3, directory=tmp_path) as seen:
        for n in range(1, 11):
            seen.add(f"T{n}", 100 + n)
        assert seen.spilled == 9  # three batches of three; T10 is still in memory
        assert len(seen) == 10
        assert seen.directory is not None
        assert seen.directory.parent == tmp_path
        assert [seen.line_of(f"T{n}") for n in range(1, 11)] == list(range(101, 111))


def test_an_id_never_added_is_not_found_even_when_the_filter_says_maybe(tmp_path: Path) -> None:
    # a one-byte filter is full after the first spill: every lookup asks the disk
    with SeenIds(recent=2, bloom_bytes=1, directory=tmp_path) as seen:
        for n in range(50):
            seen.add(f"T{n}", n + 2)
        assert seen.spilled == 50
        assert [seen.line_of(f"U{n}") for n in range(50)] == [None] * 50
        assert seen.line_of("T49") == 51


def test_an_id_never_added_is_not_found_with_the_default_filter(tmp_path: Path) -> None:
    with SeenIds(recent=1000, directory=tmp_path) as seen:
        for n in range(5000):
            seen.add(f"SYN{n:08d}", n + 2)
        assert seen.spilled == 5000
        assert [seen.line_of(f"SYN{n:08d}") for n in range(5000, 6000)] == [None] * 1000
        assert seen.line_of("SYN00000000") == 2


def test_nothing_touches_the_disk_below_the_bound(tmp_path: Path) -> None:
    with SeenIds(recent=100, directory=tmp_path) as seen:
        for n in range(99):
            seen.add(str(n), n)
        assert seen.directory is None
        assert seen.line_of("98") == 98
    assert list(tmp_path.iterdir()) == []


def test_close_removes_the_index_and_may_be_called_twice(tmp_path: Path) -> None:
    seen = SeenIds(recent=1, directory=tmp_path)
    seen.add("A", 2)
    assert seen.directory is not None
    assert any(seen.directory.iterdir())
    seen.close()
    seen.close()
    assert list(tmp_path.iterdir()) == []
    assert seen.directory is None
    assert len(seen) == 0


def _fail_after_a_spill(directory: Path) -> None:
    with SeenIds(recent=1, directory=directory) as seen:
        seen.add("A", 2)
        assert seen.directory is not None
        raise KeyError("A")


def test_an_error_in_the_with_block_still_removes_the_index(tmp_path: Path) -> None:
    with pytest.raises(KeyError):
        _fail_after_a_spill(tmp_path)
    assert list(tmp_path.iterdir()) == []


@pytest.mark.parametrize(
    ("recent", "bloom_bytes", "why"),
    [(0, 1024, "recent must be at least 1"), (10, 1000, "bloom_bytes must be a power of two")],
)
def test_bad_sizes_are_refused(recent: int, bloom_bytes: int, why: str) -> None:
    with pytest.raises(ValueError, match=why):
        SeenIds(recent=recent, bloom_bytes=bloom_bytes)


@settings(max_examples=60)
@given(
    ids=st.lists(st.text(alphabet="ABCé号", min_size=1, max_size=3), max_size=80),
    recent=st.integers(1, 6),
    bloom_bytes=st.sampled_from([1, 8, 1 << 12]),
)
def test_answers_as_a_plain_dict_whatever_the_bound(
    ids: list[str], recent: int, bloom_bytes: int, tmp_path_factory: pytest.TempPathFactory
) -> None:
    directory = tmp_path_factory.mktemp("seen")
    model: dict[str, int] = {}
    with SeenIds(recent=recent, bloom_bytes=bloom_bytes, directory=directory) as seen:
        for line, tid in enumerate(ids, start=2):
            assert seen.line_of(tid) == model.get(tid)
            if tid not in model:  # as replay does: only an id not met yet is added
                model[tid] = line
                seen.add(tid, line)
        assert len(seen) == len(model)
        for tid in ["A", "B", "AB", "号", "é", "CCC", *model]:
            assert seen.line_of(tid) == model.get(tid)
    assert list(directory.iterdir()) == []


def test_a_spill_that_cannot_write_says_where_and_what_to_do(tmp_path: Path) -> None:
    missing = tmp_path / "no-such-dir"
    seen = SeenIds(recent=2, directory=missing)
    seen.add("A", 2)
    with pytest.raises(GridGovError, match=r"under .*no-such-dir: .*TMPDIR") as caught:
        seen.add("B", 3)
    assert isinstance(caught.value.__cause__, FileNotFoundError)
    seen.close()
    assert list(tmp_path.iterdir()) == []
