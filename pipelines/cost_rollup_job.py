"""The rollup job: re-aggregate the hours whose cost rows changed into cost_hourly.

The cost job and reprice queue the hours they touch (`cost_rollup_queue`); this job takes
the hours queued since its watermark, re-aggregates each from `request_costs FINAL` and
advances. Recomputing (not adding deltas) keeps the rollups equal to the cost rows
whatever was re-priced (see migration 6). A separate job, so a busy hour's re-aggregation
never delays pricing; the safety delay leaves out queue inserts still committing.
"""

from __future__ import annotations

import logging
from datetime import datetime, timedelta, timezone

from store.base import Store
from store.queries import costs as q
from store.queries import watermarks

log = logging.getLogger(__name__)

JOB_NAME = "cost-rollup"
EPOCH = datetime(1970, 1, 1, tzinfo=timezone.utc)


def run_rollup_job(store: Store, now: datetime, safety_delay: timedelta = timedelta(seconds=1)) -> dict[str, object]:
    """Re-aggregate the queued hours; returns how many and the new watermark."""
    watermark = watermarks.watermark(store, JOB_NAME) or EPOCH
    watermark = watermark if watermark.tzinfo else watermark.replace(tzinfo=timezone.utc)
    end = now - safety_delay
    if end <= watermark:
        return {"hours": 0, "watermark": watermark.isoformat()}
    hours = [h if h.tzinfo else h.replace(tzinfo=timezone.utc) for h in q.queued_hours(store, watermark, end)]
    q.recompute_hours(store, hours, now)
    watermarks.set_watermark(store, JOB_NAME, end, now)
    if hours:
        log.info("cost rollup hours=%d first=%s last=%s", len(hours), hours[0].isoformat(), hours[-1].isoformat())
    return {"hours": len(hours), "watermark": end.isoformat()}
