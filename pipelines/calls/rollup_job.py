"""The call rollup job: re-aggregate closed minutes of `llm_calls` into the minute and hour rollups.

Each run reads calls up to `now - safety_delay` (its end). It recomputes, from `llm_calls FINAL`, every
minute that closed since the last run (before the end's minute) and every closed minute that holds a
call ingested since the last run's end less the look-back (a late span, a retry, an insert that committed
after the last run read); then re-derives those minutes' hours from the minute rows. The watermark is
the end: readers take the minutes from its minute on, and the minutes of calls ingested after it (less
the look-back), from `llm_calls` (store/queries/call_sources.py). An open minute is rolled up once, when
it closes, and again only if a late call lands in it. Recomputing, not adding, keeps the rollups equal
to the deduplicated calls (migration 24).

The first run rolls up every stored minute, a day at a time; `should_stop` is asked between days, and a
stopped run leaves the watermark where it was, so the next run does the work again (recomputing a
minute is idempotent).
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from datetime import datetime, timedelta

from pipelines.incremental import EPOCH, hour_of, utc
from store.base import Store
from store.queries import call_rollup as q
from store.queries import watermarks
from store.queries.rollup_plan import floor_minute

log = logging.getLogger(__name__)

JOB_NAME = q.JOB_NAME


def run_call_rollup_job(store: Store, now: datetime, safety_delay: timedelta = timedelta(seconds=1),
                        should_stop: Callable[[], bool] = lambda: False) -> dict[str, object]:
    """Roll up the minutes closed or touched since the watermark; returns how many minutes and hours, and
    the new watermark."""
    now = utc(now)
    mark = utc(watermarks.watermark(store, JOB_NAME) or EPOCH)
    end = now - safety_delay
    if end <= mark:
        return {"minutes": 0, "hours": 0, "watermark": mark.isoformat()}
    minutes = [utc(m) for m in q.minutes_to_roll_up(store, max(mark - q.LOOKBACK, EPOCH), end, floor_minute(mark),
                                                    floor_minute(end))]
    hours: list[datetime] = []
    for day in sorted({m.date() for m in minutes}):
        if should_stop():
            return {"minutes": len(minutes), "hours": len(hours), "watermark": mark.isoformat(), "stopped": True}
        todo = [m for m in minutes if m.date() == day]
        q.recompute_minutes(store, todo, now)
        day_hours = sorted({hour_of(m) for m in todo})
        q.derive_hours(store, day_hours, now)
        hours += day_hours
    watermarks.set_watermark(store, JOB_NAME, end, now)
    if minutes:
        log.info("call rollup minutes=%d hours=%d first=%s last=%s", len(minutes), len(hours),
                 minutes[0].isoformat(), minutes[-1].isoformat())
    return {"minutes": len(minutes), "hours": len(hours), "watermark": end.isoformat()}
