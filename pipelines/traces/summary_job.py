"""The trace summary job: keep `trace_summaries` (migration 23) equal to what the trace list would compute from
the calls, so the list of a day reads one row per trace instead of joining and grouping the day's calls.

Two watermarks. `trace-summaries-calls` is on the calls' ingestion time and never passes the cost job's, so a
call is summarised once it is priced; the trace list computes the traces with calls ingested after it from the
calls (store/queries/traces.py), so a trace ingested a second ago is listed. `trace-summaries` is on the time the
cost, reprice and GPU cost jobs queue five-minute slices (`cost_rollup_queue`, read as the rollup job reads it):
the traces of the cost rows those runs wrote (by the version queued with the slice, migration 28) and of the
GPU-allocated calls in the GPU job's slices are recomputed, so re-pricing and GPU cost allocated hours later reach
the rows. Each run also
completes the rows of the last `ROOTLESS_HOURS` stored without a root span whose root has arrived since (the
root usually arrives last); older ones the list completes when it reads them.

Work goes a day of call time at a time; `should_stop` is asked between days, and a stopped run leaves both
watermarks where they were (recomputing a trace is idempotent).
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from datetime import datetime, timedelta

from pipelines.costs.job import JOB_NAME as COST_JOB
from pipelines.incremental import EPOCH, utc
from store.base import Store
from store.params import from_ns
from store.queries import cost_rollup, watermarks
from store.queries import trace_summaries as q

log = logging.getLogger(__name__)

JOB_NAME = "trace-summaries"
ROOTLESS_HOURS = 6


def run_trace_summary_job(store: Store, now: datetime, safety_delay: timedelta = timedelta(seconds=1),
                          should_stop: Callable[[], bool] = lambda: False) -> dict[str, object]:
    """Summarise the traces whose calls were priced or whose costs or roots changed since the last run; returns
    how many days were recomputed and the new watermarks."""
    now = utc(now)
    end = now - safety_delay
    queue_mark = utc(watermarks.watermark(store, JOB_NAME) or EPOCH)
    calls_mark = utc(watermarks.watermark(store, q.CALLS_MARK) or EPOCH)
    calls_end = max(calls_mark, min(end, utc(watermarks.watermark(store, COST_JOB) or EPOCH)))
    priced = [(utc(s), v and utc(v)) for s, v in cost_rollup.queued_versions(store, queue_mark, end)] \
        if end > queue_mark else []
    gpu = [utc(s) for s in cost_rollup.queued_slices(store, queue_mark, end, "gpu")] if end > queue_mark else []
    slices = sorted({*(s for s, _ in priced), *gpu})
    rootless_since = (end - timedelta(hours=ROOTLESS_HOURS)).replace(minute=0, second=0, microsecond=0)
    days = sorted({*q.call_days(store, calls_mark, calls_end), *(s.date() for s in slices), rootless_since.date(),
                   end.date()})
    for day in days:
        if should_stop():
            return {"days": 0, "stopped": True, "watermark": queue_mark.isoformat()}
        params = q.changed_params(day, calls_mark, calls_end, [p for p in priced if p[0].date() == day],
                                  [s for s in gpu if s.date() == day], rootless_since)
        bounds = q.extent(store, params)
        if bounds is None:
            continue
        # Both bounds inclusive: the upper one passed + 1 µs.
        q.recompute(store, params, from_ns(bounds[0]), from_ns(bounds[1] + 1000), now)
    watermarks.set_watermark(store, q.CALLS_MARK, calls_end, now)
    watermarks.set_watermark(store, JOB_NAME, max(end, queue_mark), now)
    if slices or calls_end > calls_mark:
        log.info("trace summaries days=%d slices=%d calls_watermark=%s", len(days), len(slices), calls_end.isoformat())
    return {"days": len(days), "slices": len(slices), "watermark": end.isoformat(),
            "calls_watermark": calls_end.isoformat()}
