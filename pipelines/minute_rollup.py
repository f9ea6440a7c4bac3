"""The job loop every per-minute rollup shares (the calls' and the operations'; store/queries/minute_rollups.py).

Each run reads rows up to `now - safety_delay` (its end). It recomputes, from the source table, every minute that
closed since the last run (before the end's minute) and every closed minute that holds a row ingested since the
last run's end less the look-back (a late span, a retry, an insert that committed after the last run read); then
re-derives those minutes' hours from the minute rows, and their days from the hour rows once closed (the readers
take a day from the day rollup only when the watermark is past it, store/queries/rollup_plan.py; re-deriving the
open day at every run was most of the job's time under full ingest). The watermark is the end: readers take the
minutes from its
minute on, and the minutes of rows ingested after it (less the look-back), from the source. An open minute is
rolled up once, when it closes, and again only if a late row lands in it. Recomputing, not adding, keeps the
rollups equal to the deduplicated rows.

The first run rolls up every stored minute, a day at a time; `should_stop` is asked between days, and a stopped
run leaves the watermark where it was, so the next run does the work again (recomputing a minute is idempotent).
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from datetime import datetime, timedelta

from pipelines.incremental import EPOCH, day_start, hour_of, utc
from store.base import Store
from store.queries import watermarks
from store.queries.minute_rollups import Rollup, minutes_to_roll_up
from store.queries.rollup_plan import floor_minute

log = logging.getLogger(__name__)

# (store, minutes, computed_at): recompute those minute rows.
Recompute = Callable[[Store, list[datetime], datetime], None]
# (store, "hours" or "days", their starts, computed_at): re-derive those rows from the level below.
Derive = Callable[[Store, str, list[datetime], datetime], None]


def run_minute_rollup(store: Store, r: Rollup, recompute_minutes: Recompute, derive: Derive, now: datetime,
                      safety_delay: timedelta = timedelta(seconds=1),
                      should_stop: Callable[[], bool] = lambda: False) -> dict[str, object]:
    """Roll up the minutes closed or touched since the watermark; returns how many minutes and hours, and
    the new watermark."""
    now = utc(now)
    mark = utc(watermarks.watermark(store, r.job_name) or EPOCH)
    end = now - safety_delay
    if end <= mark:
        return {"minutes": 0, "hours": 0, "watermark": mark.isoformat()}
    minutes = [utc(m) for m in minutes_to_roll_up(store, r, max(mark - r.lookback, EPOCH), end, floor_minute(mark),
                                                  floor_minute(end))]
    hours: list[datetime] = []
    closed = day_start(floor_minute(end).date())  # days before it are closed: the readers take them whole
    for day in sorted({m.date() for m in minutes}):
        if should_stop():
            return {"minutes": len(minutes), "hours": len(hours), "watermark": mark.isoformat(), "stopped": True}
        todo = [m for m in minutes if m.date() == day]
        recompute_minutes(store, todo, now)
        day_hours = sorted({hour_of(m) for m in todo})
        derive(store, "hours", day_hours, now)
        if day_start(day) < closed:
            derive(store, "days", [day_start(day)], now)
        hours += day_hours
    if mark > EPOCH and day_start(mark.date()) < closed and mark.date() not in {m.date() for m in minutes}:
        derive(store, "days", [day_start(mark.date())], now)  # it closed in this run, without a minute to roll up
    watermarks.set_watermark(store, r.job_name, end, now)
    if minutes:
        log.info("%s minutes=%d hours=%d first=%s last=%s", r.job_name, len(minutes), len(hours),
                 minutes[0].isoformat(), minutes[-1].isoformat())
    return {"minutes": len(minutes), "hours": len(hours), "watermark": end.isoformat()}
