"""Report counts: rates and percentiles, and partial reports merging exactly."""

from __future__ import annotations

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from hypothesis import given
from hypothesis import strategies as st

from gridgov.replay import ReplayReport, Tally, TicketOutcome
from gridgov.replay._report import HEAT, SERIES

T0 = datetime(2015, 1, 5, 9, tzinfo=ZoneInfo("America/New_York"))


def _outcome(i: int, closed_h: int | None, on_time: bool | None, *, source: bool | None = None,
             category: str = "noise", flags: tuple[str, ...] = ()) -> TicketOutcome:  # fmt: skip
    closed = None if closed_h is None else T0 + timedelta(hours=closed_h)
    return TicketOutcome(
        ticket_id=str(i), category=category, area="BOS-W05", tier="grid", channel="app",
        unit="PWDx",
        opened_at=T0, due_at=T0 + timedelta(hours=24), closed_at=closed, on_time=on_time,
        final_state="closed" if closed else "in_progress", reopened=0, escalations=0,
        stayed_in_grid=True if closed else None, conformance=flags,
        handling=None if closed_h is None else timedelta(hours=closed_h), breaches=(),
        source_due=None, source_on_time=source, due_is_source=False,
        first_line=i + 1, last_line=i + 1,
    )  # fmt: skip


def test_rates_count_only_what_they_can_judge() -> None:
    tally = Tally()
    for outcome in (
        _outcome(1, 2, True, source=True),
        _outcome(2, 30, False, source=True),
        _outcome(3, None, None),
        _outcome(4, 10, True, flags=("reported:close",)),
    ):
        tally.add(outcome)
    m = tally.metrics()
    assert (m["tickets"], m["closed"]) == (4, 3)
    assert m["on_time_rate"] == round(2 / 3, 4)
    assert m["closed_24h_rate"] == 0.5
    assert m["source_agreement"] == 0.5
    assert m["nonconforming_rate"] == 0.25
    assert m["median_handling_h"] == 10.0
    assert m["p90_handling_h"] == 30.0
    assert m["due_reproduced"] is None
    assert tally.conformance == {"reported:close": 1}


def test_empty_tally_has_no_rates() -> None:
    m = Tally().metrics()
    assert m["tickets"] == 0
    assert m["on_time_rate"] is None
    assert m["median_handling_h"] is None


outcomes = st.lists(
    st.builds(
        _outcome,
        st.integers(0, 10_000),
        st.one_of(st.none(), st.integers(0, 2000)),
        st.one_of(st.none(), st.booleans()),
        source=st.one_of(st.none(), st.booleans()),
        category=st.sampled_from(["noise", "parking", "trash"]),
    ),
    max_size=40,
)


@given(outcomes, st.integers(0, 40))
def test_split_reports_merge_to_the_whole(items: list[TicketOutcome], cut: int) -> None:
    whole, left, right = ReplayReport(), ReplayReport(), ReplayReport()
    for i, outcome in enumerate(items):
        combined = (outcome.category, outcome.final_state)
        keys: list[tuple[str, str | tuple[str, ...]]] = [
            ("category", outcome.category),
            ("category,state", combined),
        ]
        whole.add(outcome, keys)
        (left if i < cut else right).add(outcome, keys)
    left.merge(right)
    assert left.to_dict() == whole.to_dict()


def test_internal_groupings_count_answers_only() -> None:
    report = ReplayReport()
    for i, hours in enumerate([2, 30, 50]):
        outcome = _outcome(i, hours, hours < 24)
        report.add(outcome, [("category", "noise"), (HEAT, "BOS-W05\tnoise"), (SERIES, "2015-W02")])
    shown = report.groups["category"]["noise"]
    assert shown.handling_minutes == {120: 1, 1800: 1, 3000: 1}  # a --by group has medians
    for hidden in (report.groups[HEAT]["BOS-W05\tnoise"], report.groups[SERIES]["2015-W02"]):
        assert (hidden.tickets, hidden.on_time, hidden.judged) == (3, 1, 3)
        assert hidden.handling_minutes == {}
        assert hidden.states == {}
    data = report.to_dict()
    assert data["series"] == [{"key": "2015-W02", "tickets": 3, "on_time_rate": round(1 / 3, 4)}]
    assert data["heat"]["cells"] == [[{"tickets": 3, "on_time_rate": round(1 / 3, 4)}]]
