"""The rollup job: re-aggregate the five-minute slices whose cost rows changed, then their hours.

The cost job and reprice queue the slices they touch (`cost_rollup_queue`); this job takes
the slices queued since its watermark, re-aggregates each from `request_costs FINAL` into
`cost_slices`, re-derives their hours in `cost_hourly` from the slice rows, and advances. A
busy hour is thus re-read five minutes at a time, not whole (migration 13). Recomputing (not
adding deltas) keeps the rollups equal to the cost rows whatever was re-priced (migration 6).
A separate job, so a busy hour's re-aggregation never delays pricing; the safety delay leaves
out queue inserts still committing.
"""

from __future__ import annotations

import logging
from datetime import datetime, timedelta

from pipelines.incremental import EPOCH, utc
from store.base import Store
from store.queries import cost_rollup as q
from store.queries import watermarks

log = logging.getLogger(__name__)

JOB_NAME = "cost-rollup"


def hour_of(t: datetime) -> datetime:
    return t.replace(minute=0, second=0, microsecond=0)


def roll_up(store: Store, slices: list[datetime], now: datetime) -> list[datetime]:
    """Recompute `slices` and re-derive their hours; returns the hours.

    An hour without slice rows yet gets all its slices computed, so that its slices stay complete.
    """
    hours = sorted({hour_of(utc(s)) for s in slices})
    if not hours:
        return []
    whole = set(hours) - {utc(h) for h in q.sliced_hours(store, hours)}
    todo = {utc(s) for s in slices} | {h + i * q.SLICE for h in whole for i in range(q.SLICES_PER_HOUR)}
    q.recompute_slices(store, sorted(todo), now)
    q.derive_hours(store, hours, now)
    return hours


def run_rollup_job(store: Store, now: datetime, safety_delay: timedelta = timedelta(seconds=1)) -> dict[str, object]:
    """Roll up the queued slices; returns how many slices and hours, and the new watermark."""
    watermark = utc(watermarks.watermark(store, JOB_NAME) or EPOCH)
    end = now - safety_delay
    if end <= watermark:
        return {"slices": 0, "hours": 0, "watermark": watermark.isoformat()}
    slices = q.queued_slices(store, watermark, end)
    hours = roll_up(store, slices, now)
    watermarks.set_watermark(store, JOB_NAME, end, now)
    if hours:
        log.info("cost rollup slices=%d hours=%d first=%s last=%s", len(slices), len(hours), hours[0].isoformat(),
                 hours[-1].isoformat())
    return {"slices": len(slices), "hours": len(hours), "watermark": end.isoformat()}
