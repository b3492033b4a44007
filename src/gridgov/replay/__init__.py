"""Replay of historical tickets (历史工单回放): what the analyst runs.

Read a city's export — one row per ticket (snapshot) or one row per status
change (event log: CSV, JSON Lines or XES) — through a :class:`ReplayMapping`,
run every ticket through the workflow's compiled transition table and the SLA
clocks on its own historical time, and count the result in a
:class:`ReplayReport`.  Rows that cannot be used are written to a rejects file
with file, line and reason; nothing is dropped silently.

The domain part imports no click or rich: progress is a plain callback.
"""

from gridgov.replay._engine import PolicyInForce, ReplayEngine, TicketOutcome
from gridgov.replay._infer import InferredAreas, infer_areas
from gridgov.replay._mapping import (
    AreaLevelRule,
    AreaRules,
    ColumnMap,
    EventRules,
    ReplayMapping,
    RoutingRules,
    SnapshotRules,
    load_mapping,
)
from gridgov.replay._open311 import OPEN311_MAPPING
from gridgov.replay._outputs import REJECT_SUFFIXES
from gridgov.replay._readers import InputFile
from gridgov.replay._rejects import Reject, RejectKind, RejectLog, RowCounts
from gridgov.replay._render import REPORT_COLUMNS, check_report_path, report_rows, write_report
from gridgov.replay._report import DIMENSIONS, METRICS, ReplayReport, Tally, dimension_parts
from gridgov.replay._run import ENGINES, Engine, Progress, ReplayOptions, chosen_engine, run_replay
from gridgov.replay._samples import (
    BOSTON_REVISION,
    BOSTON_SAMPLE_DIR,
    boston_policies,
    boston_sample_options,
)
from gridgov.replay._sources import SourceEvent, SourceNote, SourceTicket, read_tickets
from gridgov.replay._tickets_out import TICKET_COLUMNS

__all__ = [
    "BOSTON_REVISION",
    "BOSTON_SAMPLE_DIR",
    "DIMENSIONS",
    "ENGINES",
    "METRICS",
    "OPEN311_MAPPING",
    "REJECT_SUFFIXES",
    "REPORT_COLUMNS",
    "TICKET_COLUMNS",
    "AreaLevelRule",
    "AreaRules",
    "ColumnMap",
    "Engine",
    "EventRules",
    "InferredAreas",
    "InputFile",
    "PolicyInForce",
    "Progress",
    "Reject",
    "RejectKind",
    "RejectLog",
    "ReplayEngine",
    "ReplayMapping",
    "ReplayOptions",
    "ReplayReport",
    "RoutingRules",
    "RowCounts",
    "SnapshotRules",
    "SourceEvent",
    "SourceNote",
    "SourceTicket",
    "Tally",
    "TicketOutcome",
    "boston_policies",
    "boston_sample_options",
    "check_report_path",
    "chosen_engine",
    "dimension_parts",
    "infer_areas",
    "load_mapping",
    "read_tickets",
    "report_rows",
    "run_replay",
    "write_report",
]

from gridgov._public import publish

publish(globals())
