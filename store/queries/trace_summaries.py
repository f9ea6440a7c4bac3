"""Queries of the trace summary job (pipelines/traces/summary_job.py): which traces changed, their extent, and
their recomputation into `trace_summaries` (migration 23).

A trace changed when, on one day of call time: one of its calls was ingested in the job's window (a new call,
already priced: the window ends at the cost job's watermark), or one of its cost rows was written by a cost or
reprice run whose slices are queued (a price written again; a slice queued without the run's version, every call
in it), or a GPU-allocated call in a slice the GPU cost job queued, or it is
stored without a root span whose root has arrived since. Recomputing reads all its calls: they lie between the changed calls' times widened to
the extent of its stored rows (`first_ns`, `last_ns`), because every call not in a stored row is a changed one.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from store.base import Store, query_rows
from store.params import MS_TYPE, NS_TYPE, time_param
from store.queries.trace_rows import CALL_SIDE, ROOT_LOOKBACK, ROOT_SIDE, computed

# Read with FINAL, so an insert need not merge its rows (1.4 s against 2.4 s for 226 k traces).
_INSERT_SETTINGS = "max_partitions_per_insert_block = 0, optimize_on_insert = 0"
# The job's watermark on the calls' ingestion time: calls ingested after it are the list's tail.
CALLS_MARK = "trace-summaries-calls"
_SLICES = "Array(DateTime('UTC'))"
_NEW_CALLS = f"(ingested_at > {{after:{MS_TYPE}}} AND ingested_at <= {{until:{MS_TYPE}}})"
_IN_SLICES = f"toStartOfFiveMinutes(timestamp) IN {{slices:{_SLICES}}}"
# The cost rows a run wrote (migration 28): their queued slices and versions (a superset of the pairs queued, with
# the same rows: a run queues every slice it wrote in).
_PRICED = (f"request_costs WHERE toDate(timestamp) = {{day:Date}} AND toStartOfFiveMinutes(timestamp) IN "
           f"{{priced_slices:{_SLICES}}} AND priced_at IN {{versions:Array({MS_TYPE})}}")
# A GPU allocation changes only calls that some run of their hour allocated: those of request_gpu_costs.
_GPU_CALLS = (f"request_gpu_costs WHERE toDate(hour) = {{day:Date}} "
              f"AND toStartOfFiveMinutes(timestamp) IN {{gpu_slices:{_SLICES}}}")
_CHANGED = f"""
SELECT trace_id FROM llm_calls WHERE toDate(timestamp) = {{day:Date}} AND ({_NEW_CALLS} OR {_IN_SLICES})
UNION DISTINCT
SELECT trace_id FROM {_PRICED}
UNION DISTINCT
SELECT trace_id FROM {_GPU_CALLS}
UNION DISTINCT
SELECT TraceId FROM otel_traces
WHERE ParentSpanId = '' AND Timestamp >= {{roots_since:{NS_TYPE}}} AND TraceId IN (
    SELECT trace_id FROM trace_summaries FINAL
    WHERE toDate(hour) = {{day:Date}} AND hour >= {{rootless_since:DateTime('UTC')}} AND root_found = 0)"""


def call_days(store: Store, after: datetime, until: datetime) -> list[date]:
    """The days (of call time) of the calls ingested in (after, until]."""
    rows = query_rows(store, f"""
SELECT DISTINCT toDate(timestamp) AS day FROM llm_calls
WHERE ingested_at > {{after:{MS_TYPE}}} AND ingested_at <= {{until:{MS_TYPE}}} ORDER BY day""",
                      {"after": time_param(after, 3), "until": time_param(until, 3)})
    return [r["day"] for r in rows]


def changed_params(day: date, after: datetime, until: datetime, priced: list[tuple[datetime, datetime | None]],
                   gpu_slices: list[datetime], rootless_since: datetime) -> dict[str, Any]:
    """Parameters of the changed traces of `day`: calls ingested in (after, until], the cost rows of `priced`
    (slices queued with the version written in them; all calls of a slice queued without one), GPU-allocated calls
    in `gpu_slices`, rows since `rootless_since` without a root span."""
    versioned = [(s, v) for s, v in priced if v is not None]
    return {"day": day.isoformat(), "after": time_param(after, 3), "until": time_param(until, 3),
            "slices": [time_param(s, 0) for s, v in priced if v is None],
            "priced_slices": sorted({time_param(s, 0) for s, _ in versioned}),
            "versions": sorted({time_param(v, 3) for _, v in versioned}),
            "gpu_slices": [time_param(s, 0) for s in gpu_slices],
            "rootless_since": time_param(rootless_since, 0),
            "roots_since": time_param(rootless_since - ROOT_LOOKBACK)}


def extent(store: Store, params: dict[str, Any]) -> tuple[int, int] | None:
    """The first and last call start (ns) that recomputing the changed traces must read (None: nothing changed):
    their changed calls, and the extent of each version of their stored rows (read without FINAL, so the bloom
    filter on the trace id skips granules; an older version can only widen the bounds)."""
    [row] = query_rows(store, f"""
SELECT minOrNull(lo) AS lo, maxOrNull(hi) AS hi FROM (
    SELECT toUnixTimestamp64Nano(timestamp) AS lo, lo AS hi FROM llm_calls
    WHERE toDate(timestamp) = {{day:Date}} AND ({_NEW_CALLS} OR {_IN_SLICES})
    UNION ALL
    SELECT toUnixTimestamp64Nano(timestamp), toUnixTimestamp64Nano(timestamp) FROM {_PRICED}
    UNION ALL
    SELECT toUnixTimestamp64Nano(timestamp), toUnixTimestamp64Nano(timestamp) FROM {_GPU_CALLS}
    UNION ALL
    SELECT first_ns, last_ns FROM trace_summaries WHERE trace_id IN ({_CHANGED}) AND is_deleted = 0)""", params)
    return None if row["lo"] is None else (row["lo"], row["hi"])


def recompute(store: Store, params: dict[str, Any], lo: datetime, hi: datetime, computed_at: datetime) -> None:
    """Write the changed traces' rows, from their calls in [lo, hi], versioned `computed_at`; then a tombstone for
    each key of theirs that the new rows do not have (the trace's first call moved to another hour). Keys are
    read without FINAL, so the bloom filter skips granules: a key tombstoned before gets another tombstone."""
    params = {**params, "lo": time_param(lo), "hi": time_param(hi), "roots_lo": time_param(lo - ROOT_LOOKBACK),
              "computed_at": time_param(computed_at, 3)}
    calls = f"trace_id IN ({_CHANGED}) AND timestamp >= {{lo:{NS_TYPE}}} AND timestamp <= {{hi:{NS_TYPE}}}"
    hours = f"hour >= toStartOfHour({{lo:{NS_TYPE}}}) AND hour <= {{hi:{NS_TYPE}}}"
    roots = f"TraceId IN ({_CHANGED}) AND Timestamp >= {{roots_lo:{NS_TYPE}}} AND Timestamp <= {{hi:{NS_TYPE}}}"
    columns = ", ".join((*CALL_SIDE, *ROOT_SIDE))
    store.command(f"""
INSERT INTO trace_summaries (hour, trace_id, {columns}, computed_at) SETTINGS {_INSERT_SETTINGS}
SELECT toStartOfHour(fromUnixTimestamp64Nano(first_ns, 'UTC')), trace_id, {columns}, {{computed_at:{MS_TYPE}}}
FROM ({computed(calls, hours, roots)})""", params)
    # Every stored version of theirs starts in [lo, hi] (the extent read them all), so its key's hour is in it.
    keys = (f"SELECT DISTINCT hour, trace_id FROM trace_summaries WHERE {hours} AND trace_id IN ({_CHANGED}) "
            "AND is_deleted = 0")
    store.command(f"""
INSERT INTO trace_summaries (hour, trace_id, computed_at, is_deleted) SETTINGS {_INSERT_SETTINGS}
SELECT hour, trace_id, {{computed_at:{MS_TYPE}}}, 1 FROM ({keys} AND computed_at < {{computed_at:{MS_TYPE}}})
WHERE (hour, trace_id) NOT IN ({keys} AND computed_at = {{computed_at:{MS_TYPE}}})""", params)
