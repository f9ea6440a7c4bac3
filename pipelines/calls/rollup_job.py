"""The call rollup job: re-aggregate closed minutes of `llm_calls` into the minute, hour and day rollups.

The loop (which minutes, the watermark, stopping between days) is pipelines/minute_rollup.py, shared with the
operation rollups; a minute of calls is re-aggregated from `llm_calls FINAL`, so a retried span counts once
(migration 24).
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime, timedelta

from pipelines.minute_rollup import run_minute_rollup
from store.base import Store
from store.queries import call_rollup as q

JOB_NAME = q.JOB_NAME


def run_call_rollup_job(store: Store, now: datetime, safety_delay: timedelta = timedelta(seconds=1),
                        should_stop: Callable[[], bool] = lambda: False) -> dict[str, object]:
    """Roll up the minutes closed or touched since the watermark; returns how many minutes and hours, and
    the new watermark."""
    return run_minute_rollup(store, q.CALLS, q.recompute_minutes, q.derive, now, safety_delay, should_stop)
