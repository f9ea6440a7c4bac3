"""What the call detectors read from `llm_calls`: latency histograms per bucket (p95 regressions) and
call/error counts per minute (SLO burn rates).

Quantiles do not add up across buckets, so latency comes as a log-scale histogram per bucket:
a call's bin is floor(log2(milliseconds) x BINS_PER_OCTAVE), 16 bins per doubling (4.4 % wide),
and a detector merges the counts of any window and reads a quantile from them to within 2.2 %.
That keeps the frame small (a few dozen occupied bins per bucket and series) and lets one
query serve every window of every rule, and a backtest every step.
Every row's `time` is the end of its bucket. Dimensions are named as the API names them.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import datetime, timedelta

import polars as pl

from store.base import Store, query_df
from store.queries.filters import Filters

BINS_PER_OCTAVE = 16
# Dimensions of llm_calls by API name (fixed text).
DIMENSIONS = {"project": "project", "service": "service_name", "environment": "environment",
              "provider": "provider", "model": "model", "operation": "operation", "team": "team",
              "feature": "feature", "host": "host_name"}
# What a latency histogram may measure: name -> nanosecond column.
LATENCIES = {"duration": "duration_ns", "ttft": "ttft_ns"}


def _where(since: datetime, until: datetime, where: Mapping[str, Sequence[str]]) -> tuple[str, dict]:
    for name in where:
        if name not in DIMENSIONS:
            raise ValueError(f"not a call dimension: {name}")
    clause, params = Filters(since, until).where()
    for name, values in sorted(where.items()):
        clause += f" AND {DIMENSIONS[name]} IN {{w_{name}:Array(String)}}"
        params[f"w_{name}"] = list(values)
    return clause, params


def _group(dims: Sequence[str]) -> tuple[str, str]:
    """(SELECT prefix, GROUP BY suffix) of `dims`."""
    for name in dims:
        if name not in DIMENSIONS:
            raise ValueError(f"not a call dimension: {name}")
    return "".join(f"{DIMENSIONS[n]} AS {n}, " for n in dims), "".join(f", {n}" for n in dims)


def latency_histogram(store: Store, latency: str, dims: Sequence[str], where: Mapping[str, Sequence[str]],
                      since: datetime, until: datetime, step: timedelta) -> pl.DataFrame:
    """Successful calls per `step` bucket, `dims` and log-scale latency bin (`latency`: duration or ttft)."""
    column = LATENCIES[latency]
    clause, params = _where(since, until, where)
    select, group = _group(dims)
    return query_df(store, f"""
SELECT toDateTime64(toStartOfInterval(timestamp, toIntervalSecond({{step:UInt32}}))
                    + toIntervalSecond({{step:UInt32}}), 6, 'UTC') AS time,
    {select}toInt32(floor(log2(greatest({column}, 1) / 1e6) * {BINS_PER_OCTAVE})) AS bin, count() AS calls
FROM llm_calls FINAL
WHERE {clause} AND status != 'error' AND {column} IS NOT NULL
GROUP BY time{group}, bin
ORDER BY time{group}, bin""", {**params, "step": int(step.total_seconds())})


def error_counts(store: Store, dims: Sequence[str], where: Mapping[str, Sequence[str]], since: datetime,
                 until: datetime) -> pl.DataFrame:
    """Calls and errors (status error; unset counts as ok) per minute and `dims`."""
    clause, params = _where(since, until, where)
    select, group = _group(dims)
    return query_df(store, f"""
SELECT toDateTime64(toStartOfMinute(timestamp) + toIntervalMinute(1), 6, 'UTC') AS time,
    {select}count() AS calls, countIf(status = 'error') AS errors
FROM llm_calls FINAL
WHERE {clause}
GROUP BY time{group}
ORDER BY time{group}""", params)
