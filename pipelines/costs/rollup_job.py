"""The rollup job: re-aggregate the hours whose cost rows changed, a busy hour by five-minute slice.

The cost job and reprice queue the slices they touch (`cost_rollup_queue`); this job takes
the slices queued since its watermark and re-aggregates their hours into `cost_hourly`: a
small hour whole from `request_costs FINAL`, a big one (over `SLICED_ABOVE` cost rows) by
re-aggregating only its queued slices into `cost_slices` and the hour from its slice rows, so
a busy hour is re-read five minutes at a time, not whole (migration 13); then each day of those
hours into `cost_daily` from its hour rows (migration 27). Recomputing (not
adding deltas) keeps the rollups equal to the cost rows whatever was re-priced (migration 6).
A separate job, so a busy hour's re-aggregation never delays pricing; the safety delay leaves
out queue inserts still committing.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from datetime import datetime, timedelta

from pipelines.incremental import EPOCH, day_start, hour_of, utc
from store.base import Store
from store.queries import cost_rollup as q
from store.queries import watermarks

log = logging.getLogger(__name__)

JOB_NAME = "cost-rollup"


def roll_up(store: Store, slices: list[datetime], now: datetime) -> list[datetime]:
    """Recompute the hours of `slices`; returns the hours.

    A small hour is recomputed whole from the cost rows. A big one (or one already sliced) by slice:
    its queued slices, or all of them the first time, so that its slices stay complete; then the hour
    from its slices.
    """
    hours = sorted({hour_of(utc(s)) for s in slices})
    if not hours:
        return []
    already = {utc(h) for h in q.sliced_hours(store, hours)}
    # Only hours not sliced yet need counting: a sliced hour stays sliced.
    unsliced = [h for h in hours if h not in already]
    big = {utc(h) for h, n in q.calls_per_hour(store, unsliced).items() if n > q.SLICED_ABOVE}
    whole = [h for h in hours if h not in already | big]
    sliced = [h for h in hours if h in already | big]
    if whole:
        q.recompute(store, "cost_hourly", whole, now)
    if sliced:
        todo = {utc(s) for s in slices if hour_of(utc(s)) in already}
        todo |= {h + i * q.SLICE for h in big - already for i in range(q.SLICES_PER_HOUR)}
        q.recompute(store, "cost_slices", sorted(todo), now)
        q.derive(store, "hours", sliced, now)
    return hours


def run_rollup_job(store: Store, now: datetime, safety_delay: timedelta = timedelta(seconds=1),
                   should_stop: Callable[[], bool] = lambda: False) -> dict[str, object]:
    """Roll up the queued slices, a day of hours at a time; returns how many slices and hours, and the
    new watermark.

    `should_stop` is asked between days: a shutdown ends the run there without moving the watermark,
    so the next run recomputes the queue again (recomputing an hour is idempotent)."""
    watermark = utc(watermarks.watermark(store, JOB_NAME) or EPOCH)
    end = now - safety_delay
    if end <= watermark:
        return {"slices": 0, "hours": 0, "watermark": watermark.isoformat()}
    slices = q.queued_slices(store, watermark, end)
    hours: list[datetime] = []
    for day in sorted({utc(s).date() for s in slices}):
        if should_stop():
            return {"slices": len(slices), "hours": len(hours), "watermark": watermark.isoformat(), "stopped": True}
        hours += roll_up(store, [s for s in slices if utc(s).date() == day], now)
        q.derive(store, "days", [day_start(day)], now)
    watermarks.set_watermark(store, JOB_NAME, end, now)
    if hours:
        log.info("cost rollup slices=%d hours=%d first=%s last=%s", len(slices), len(hours), hours[0].isoformat(),
                 hours[-1].isoformat())
    return {"slices": len(slices), "hours": len(hours), "watermark": end.isoformat()}
