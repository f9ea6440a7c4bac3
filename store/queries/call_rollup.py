"""Queries of the call rollups' job: which minutes to roll up, re-aggregating them, deriving their hours.

Recomputed, never accumulated (migration 24): a minute is re-aggregated from `llm_calls FINAL`, so a
retried span counts once however often it arrived, and its hour from the minute rows. The readers'
side (what the rollups do not hold yet) is `dirty_minutes`, next to the job's own rule for it.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from store.base import Store, query_rows
from store.params import MS_TYPE, NS_TYPE, dates_param, seconds_param, time_param
from store.tables import CALL_DIMENSIONS, CALL_HOURS, CALL_MINUTES

JOB_NAME = "call-rollup"
# Calls ingested this long before the job's watermark may have committed after the job read: each run reads
# them again, and readers take their minutes from `llm_calls` (the cost job's look-back, for the same reason).
LOOKBACK = timedelta(seconds=10)
# The levels of the percentile states: the type of the columns names them (migration 24).
LEVELS = "0.5, 0.95, 0.99"
# A duration in ns is kept as a log-scale code in 0..1023, where `quantilesTiming` is exact (migration 24).
_CODES_PER_E = 44
_FLOOR_NS = 1000


def duration_code(ns: str) -> str:
    """The code of the duration `ns` (an expression in nanoseconds)."""
    return (f"toUInt16(least(1023, greatest(0, round((log(greatest({ns}, {_FLOOR_NS})) - log({_FLOOR_NS}))"
            f" * {_CODES_PER_E}))))")


def decoded(codes: str) -> str:
    """An array of codes (an expression) as nanoseconds."""
    return f"arrayMap(c -> exp(c / {_CODES_PER_E}) * {_FLOOR_NS}, {codes})"

_TIMES = "Array(DateTime('UTC'))"
_TOKENS = ("input", "output", "cache_read", "cache_write", "reasoning")
_DIMENSIONS = ", ".join(CALL_DIMENSIONS)
# Rollup column -> its aggregate over the calls of a minute (positional in the SELECT: an alias named
# like a source column would shadow it inside the aggregates).
_FROM_CALLS = {
    "calls": "count()",
    "error_calls": "countIf(status = 'error')",
    "cache_hit_calls": "countIf(cache_read_tokens > 0)",
    "streamed_calls": "countIf(ttft_ns IS NOT NULL)",
    **{f"{kind}_tokens_sum": f"sum({kind}_tokens)" for kind in _TOKENS},
    "duration_sketch": f"quantilesTimingState({LEVELS})({duration_code('duration_ns')})",
    "ttft_sketch": f"quantilesTimingStateIf({LEVELS})({duration_code('ifNull(ttft_ns, 0)')}, ttft_ns IS NOT NULL)",
    "users_uniq": "uniqStateIf(user_id, user_id != '')",
}
# Rollup column -> its aggregate over the minute rows of an hour.
_FROM_MINUTES = {
    **{c: f"sum({c})" for c in ("calls", "error_calls", "cache_hit_calls", "streamed_calls")},
    **{f"{kind}_tokens_sum": f"sum({kind}_tokens_sum)" for kind in _TOKENS},
    "duration_sketch": f"quantilesTimingMergeState({LEVELS})(duration_sketch)",
    "ttft_sketch": f"quantilesTimingMergeState({LEVELS})(ttft_sketch)",
    "users_uniq": "uniqMergeState(users_uniq)",
}


def _minutes(rows: list[dict[str, Any]]) -> list[datetime]:
    return [row["minute"] for row in rows]


def minutes_to_roll_up(store: Store, ingested_after: datetime, ingested_until: datetime, opened: datetime,
                       closed: datetime) -> list[datetime]:
    """The minutes before `closed` that hold a call ingested in (ingested_after, ingested_until] (late,
    retried or new), or that closed since `opened` (whatever their calls' ingestion).

    Two selects, so each narrows by its own index (ingestion time's minmax, the span time's partitions).
    """
    return _minutes(query_rows(store, f"""
SELECT DISTINCT minute FROM (
    SELECT toDateTime64(toStartOfMinute(timestamp), 0, 'UTC') AS minute FROM llm_calls
    WHERE ingested_at > {{after:{MS_TYPE}}} AND ingested_at <= {{until:{MS_TYPE}}} AND timestamp < {{closed:{NS_TYPE}}}
    UNION ALL
    SELECT toDateTime64(toStartOfMinute(timestamp), 0, 'UTC') AS minute FROM llm_calls
    WHERE timestamp >= {{opened:{NS_TYPE}}} AND timestamp < {{closed:{NS_TYPE}}}
)
ORDER BY minute""", {"after": time_param(ingested_after, 3), "until": time_param(ingested_until, 3),
                     "opened": time_param(opened), "closed": time_param(closed)}))


def dirty_minutes(store: Store, ingested_after: datetime, since: datetime, until: datetime,
                  limit: int) -> list[datetime]:
    """Up to `limit` minutes in [since, until) holding a call ingested after `ingested_after`: what the
    rollups may miss, so readers take those minutes from `llm_calls`."""
    if since >= until:
        return []
    return _minutes(query_rows(store, f"""
SELECT DISTINCT toDateTime64(toStartOfMinute(timestamp), 0, 'UTC') AS minute FROM llm_calls
WHERE ingested_at > {{after:{MS_TYPE}}} AND timestamp >= {{since:{NS_TYPE}}} AND timestamp < {{until:{NS_TYPE}}}
LIMIT {{limit:UInt32}}""", {"after": time_param(ingested_after, 3), "since": time_param(since),
                            "until": time_param(until), "limit": limit}))


def recompute_minutes(store: Store, minutes: list[datetime], computed_at: datetime) -> None:
    """Re-aggregate `minutes` of `llm_calls FINAL` into the minute rollup, versioned `computed_at`."""
    columns = {"period": "toStartOfMinute(timestamp)", **{d: d for d in CALL_DIMENSIONS}, **_FROM_CALLS,
               "computed_at": f"{{computed_at:{MS_TYPE}}}"}
    store.command(f"""
INSERT INTO {CALL_MINUTES} ({", ".join(columns)}) SETTINGS max_partitions_per_insert_block = 0
SELECT {", ".join(columns.values())}
FROM llm_calls FINAL
WHERE toDate(timestamp) IN {{days:Array(Date)}} AND timestamp >= {{first:{NS_TYPE}}} AND timestamp < {{end:{NS_TYPE}}}
    AND toStartOfMinute(timestamp) IN {{minutes:{_TIMES}}}
GROUP BY toStartOfMinute(timestamp), {_DIMENSIONS}""",
                  {"days": dates_param(minutes), "first": time_param(min(minutes)),
                   "end": time_param(max(minutes) + timedelta(minutes=1)), "minutes": seconds_param(minutes),
                   "computed_at": time_param(computed_at, 3)})


def derive_hours(store: Store, hours: list[datetime], computed_at: datetime) -> None:
    """Re-derive the hour rollup for `hours` from their latest minute rows."""
    columns = {"period": "toStartOfHour(period)", **{d: d for d in CALL_DIMENSIONS}, **_FROM_MINUTES,
               "computed_at": f"{{computed_at:{MS_TYPE}}}"}
    store.command(f"""
INSERT INTO {CALL_HOURS} ({", ".join(columns)}) SETTINGS max_partitions_per_insert_block = 0
SELECT {", ".join(columns.values())}
FROM {CALL_MINUTES} FINAL
WHERE toDate(period) IN {{days:Array(Date)}} AND toStartOfHour(period) IN {{hours:{_TIMES}}}
GROUP BY toStartOfHour(period), {_DIMENSIONS}""",
                  {"days": dates_param(hours), "hours": seconds_param(hours), "computed_at": time_param(computed_at, 3)})
