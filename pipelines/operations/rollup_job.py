"""The operation rollup job: re-aggregate closed minutes of agent, tool and retrieval spans (`otel_traces`) into
`operations_1m`/`_1h`/`_1d` (migrations 26, 27).

The loop is pipelines/minute_rollup.py, shared with the call rollups. Which attributes name a span's operation
and name is the collector's alias table, which this package may not import: the caller passes it rendered
(`sql`), with the operations that are model calls (left to `llm_calls`).
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime, timedelta
from functools import partial

from pipelines.minute_rollup import run_minute_rollup
from store.base import Store
from store.queries import operation_rollup as q
from store.queries.operations import OPERATIONS, SpanSql

JOB_NAME = q.JOB_NAME


def run_operation_rollup_job(store: Store, now: datetime, sql: SpanSql, model_operations: tuple[str, ...],
                             safety_delay: timedelta = timedelta(seconds=1),
                             should_stop: Callable[[], bool] = lambda: False) -> dict[str, object]:
    """Roll up the minutes closed or touched since the watermark; returns how many minutes and hours, and
    the new watermark."""
    recompute = partial(q.recompute_minutes, sql=sql, model_operations=model_operations)
    return run_minute_rollup(store, OPERATIONS, recompute, q.derive, now, safety_delay, should_stop)
