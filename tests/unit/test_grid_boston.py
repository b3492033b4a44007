"""Cleaning Boston's ward and precinct cells into the sample's area codes."""

from __future__ import annotations

import pytest

from gridgov.samples import boston_area_code, clean_precinct, clean_ward


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


def test_the_sample_mapping_places_every_ticket_where_boston_area_code_does() -> None:
    """Replay does not use boston_area_code: the sample mapping's area rules
    (``split = 100``) express it, and place every sample ticket on the same code."""
    import csv
    import gzip

    from gridgov.replay import (
        BOSTON_SAMPLE_DIR,
        InputFile,
        RejectLog,
        load_mapping,
        read_tickets,
    )

    mapping = load_mapping(BOSTON_SAMPLE_DIR / "mapping.toml")
    path = BOSTON_SAMPLE_DIR / "tickets_2015h1_sample.csv.gz"
    with gzip.open(path, "rt", encoding="utf-8", newline="") as handle:
        cells = {r["CASE_ENQUIRY_ID"]: (r["ward"], r["precinct"]) for r in csv.DictReader(handle)}
    stream = read_tickets(mapping, InputFile(path), areas=None, rejects=RejectLog(None))
    try:
        placed = {t.ticket_id: t.area for t in stream}
    finally:
        stream.close()
    assert len(placed) > 1900
    differ = {tid: a for tid, a in placed.items() if boston_area_code(*cells[tid]) != a}
    assert differ == {}


def test_the_old_grid_path_still_works_with_a_warning() -> None:
    import gridgov.grid
    import gridgov.samples

    with pytest.warns(DeprecationWarning, match="moved to gridgov.samples.BOSTON_LEVELS"):
        levels = gridgov.grid.BOSTON_LEVELS
    assert levels is gridgov.samples.BOSTON_LEVELS
