"""Queries of the call rollups' job: re-aggregating minutes of calls, deriving their hours and days.

Recomputed, never accumulated (migration 24): a minute is re-aggregated from `llm_calls FINAL`, so a
retried span counts once however often it arrived, its hour from the minute rows, its day from the hour rows. The readers'
side (what the rollups do not hold yet) is store/queries/minute_rollups.py, shared with the operation rollups.
"""

from __future__ import annotations

from datetime import datetime

from store.base import Store
from store.params import MS_TYPE
from store.queries import minute_rollups
from store.queries.minute_rollups import Rollup, in_minutes, minutes_params
from store.tables import CALL_DAYS, CALL_DIMENSIONS, CALL_HOURS, CALL_MINUTES

JOB_NAME = "call-rollup"
CALLS = Rollup(JOB_NAME, "llm_calls", "timestamp", CALL_MINUTES, CALL_HOURS, CALL_DAYS, CALL_DIMENSIONS)
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
# Rollup column -> its aggregate over the minute rows of an hour (or the hour rows of a day).
_MERGES = {
    **{c: f"sum({c})" for c in ("calls", "error_calls", "cache_hit_calls", "streamed_calls")},
    **{f"{kind}_tokens_sum": f"sum({kind}_tokens_sum)" for kind in _TOKENS},
    "duration_sketch": f"quantilesTimingMergeState({LEVELS})(duration_sketch)",
    "ttft_sketch": f"quantilesTimingMergeState({LEVELS})(ttft_sketch)",
    "users_uniq": "uniqMergeState(users_uniq)",
}


def recompute_minutes(store: Store, minutes: list[datetime], computed_at: datetime) -> None:
    """Re-aggregate `minutes` of `llm_calls FINAL` into the minute rollup, versioned `computed_at`."""
    columns = {"period": "toStartOfMinute(timestamp)", **{d: d for d in CALL_DIMENSIONS}, **_FROM_CALLS,
               "computed_at": f"{{computed_at:{MS_TYPE}}}"}
    store.command(f"""
INSERT INTO {CALL_MINUTES} ({", ".join(columns)}) SETTINGS max_partitions_per_insert_block = 0
SELECT {", ".join(columns.values())}
FROM llm_calls FINAL
WHERE {in_minutes("timestamp")}
GROUP BY toStartOfMinute(timestamp), {_DIMENSIONS}""", minutes_params(minutes, computed_at))


def derive(store: Store, level: str, periods: list[datetime], computed_at: datetime) -> None:
    """Re-derive the hour (or day) rollup for `periods` from their latest minute (or hour) rows."""
    minute_rollups.derive(store, CALLS, _MERGES, level, periods, computed_at)
