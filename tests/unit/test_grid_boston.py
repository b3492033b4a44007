"""Cleaning Boston's ward and precinct cells into the sample's area codes."""

from __future__ import annotations

import pytest

from gridgov.grid import boston_area_code, clean_precinct, clean_ward


@pytest.mark.parametrize("cell", ["Ward 5", "05", "5", " ward 5 ", "5.0"])
def test_every_ward_spelling_reads_as_the_same_ward(cell: str) -> None:
    assert clean_ward(cell) == 5


@pytest.mark.parametrize("cell", ["509.0", "509", "0509"])
def test_precinct_spellings_read_as_ward_times_100_plus_n(cell: str) -> None:
    assert clean_precinct(cell) == 509


@pytest.mark.parametrize("cell", ["", "  "])
def test_blank_cells_are_none(cell: str) -> None:
    assert clean_ward(cell) is None
    assert clean_precinct(cell) is None


@pytest.mark.parametrize("cell", ["Ward X", "0", "123"])
def test_unreadable_wards_raise(cell: str) -> None:
    with pytest.raises(ValueError, match="cannot read ward"):
        clean_ward(cell)


@pytest.mark.parametrize("cell", ["Precinct 9", "500.0", "9"])
def test_unreadable_precincts_raise(cell: str) -> None:
    with pytest.raises(ValueError, match="cannot read precinct"):
        clean_precinct(cell)


def test_the_precinct_names_its_ward_even_when_the_ward_cell_disagrees() -> None:
    assert boston_area_code("07", "204.0") == "BOS-W02-P04"


def test_area_code_falls_back_to_ward_then_city() -> None:
    assert boston_area_code("Ward 22", "2213.0") == "BOS-W22-P13"
    assert boston_area_code("Ward 22", "") == "BOS-W22"
    assert boston_area_code("", "") == "BOS"
