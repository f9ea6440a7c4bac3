"""Queries of the operation rollups' job: re-aggregating minutes of agent, tool and retrieval spans, deriving
their hours and days (migrations 26, 27).

Recomputed, never accumulated: a minute is re-aggregated from its spans as the raw view counts them
(`operations.counted`: a retried span, delivered twice, is one call), its hour from the minute rows. Which minutes, and what readers
take raw, is store/queries/minute_rollups.py, shared with the call rollups.
"""

from __future__ import annotations

from datetime import datetime

from store.base import Store
from store.params import MS_TYPE
from store.queries import minute_rollups
from store.queries.call_rollup import LEVELS
from store.queries.minute_rollups import in_minutes, minutes_params
from store.queries.operations import OPERATIONS, SpanSql, counted, operation_spans

JOB_NAME = OPERATIONS.job_name
_DIMENSIONS = ", ".join(OPERATIONS.dimensions)
# Rollup column -> its aggregate over the minute rows of an hour (or the hour rows of a day).
_MERGES = {"calls": "sum(calls)", "error_calls": "sum(error_calls)",
                 "duration_sketch": f"quantilesTimingMergeState({LEVELS})(duration_sketch)"}


def recompute_minutes(store: Store, minutes: list[datetime], computed_at: datetime, sql: SpanSql,
                      model_operations: tuple[str, ...]) -> None:
    """Re-aggregate `minutes` of operation spans (not model calls) into the minute rollup, versioned `computed_at`."""
    measures = counted()
    columns = {"period": "minute", **{d: d for d in OPERATIONS.dimensions}, "calls": measures["calls"],
               "error_calls": measures["errors"], "duration_sketch": measures["latency"],
               "computed_at": f"{{computed_at:{MS_TYPE}}}"}
    store.command(f"""
INSERT INTO {OPERATIONS.minute_table} ({", ".join(columns)}) SETTINGS max_partitions_per_insert_block = 0
SELECT {", ".join(columns.values())}
FROM ({operation_spans(sql, in_minutes("Timestamp"), {"minute": "toStartOfMinute(Timestamp)"})})
WHERE operation != '' AND operation NOT IN {{model_operations:Array(String)}}
GROUP BY minute, {_DIMENSIONS}""", {**minutes_params(minutes, computed_at), "model_operations": list(model_operations)})


def derive(store: Store, level: str, periods: list[datetime], computed_at: datetime) -> None:
    """Re-derive the hour (or day) rollup for `periods` from their latest minute (or hour) rows."""
    minute_rollups.derive(store, OPERATIONS, _MERGES, level, periods, computed_at)
