"""Queries over `llm_calls`: summary, time series, the calls themselves, filter values.

Every count reads deduplicated calls, so a span delivered twice counts once: `llm_calls FINAL`, or the
call rollups recomputed from it (migration 24). The summary, the time series and the filter values read
through store/queries/call_sources.py: whole hours from the hour rollup, edges from the minute rollup,
and from `llm_calls` only what the rollups do not hold yet.
"""

from __future__ import annotations

from typing import Any

import pyarrow as pa

from store.base import Store, query_rows
from store.queries import call_sources
from store.queries.filters import Filters

LLM_CALL_COLUMNS = (
    "timestamp", "trace_id", "span_id", "parent_span_id", "span_name", "project", "service_name", "environment",
    "operation", "provider", "request_model", "response_model", "model", "input_tokens", "output_tokens",
    "cache_read_tokens", "cache_write_tokens", "reasoning_tokens", "usage_reported", "duration_ns", "ttft_ns",
    "status", "error_type", "finish_reasons", "team", "feature", "user_id", "session_id", "host_name", "response_id",
)
# What a time series may be split by: name -> expression (fixed text). Status is ok or error
# (unset counts as ok, as in the filters).
SERIES_BY = {"model": "model", "service": "service_name", "provider": "provider", "project": "project",
             "status": "if(status = 'error', 'error', 'ok')", "team": "team", "feature": "feature"}

_TOKENS = ("input", "output", "cache_read", "cache_write", "reasoning")
_SUMS = ", ".join(f"sum({name}) AS {name}" for name in ("requests", "errors", *(f"{k}_tokens" for k in _TOKENS), "streamed"))


def _percentiles_ms(quantiles_ns: list[float] | None) -> dict[str, float | None]:
    """p50/p95/p99 in milliseconds from ClickHouse's quantiles in nanoseconds (None: nothing was measured)."""
    values = quantiles_ns or (None, None, None)
    return {name: (value / 1e6 if value is not None else None)
            for name, value in zip(("p50", "p95", "p99"), values, strict=True)}


def _totals(row: dict[str, Any]) -> dict[str, Any]:
    requests = row["requests"]
    tokens = {kind: row[f"{kind}_tokens"] for kind in ("input", "output", "cache_read", "cache_write", "reasoning")}
    return {
        "requests": requests,
        "errors": row["errors"],
        "error_rate": row["errors"] / requests if requests else 0.0,
        "tokens": {**tokens, "total": tokens["input"] + tokens["output"]},
        "latency_ms": _percentiles_ms(row["latency_ns"] if requests else None),
        # Time to first token exists only for streamed calls that reported it: its percentiles are theirs alone.
        "streamed_requests": row["streamed"],
        "ttft_ms": _percentiles_ms(row["ttft_quantiles_ns"] if row["streamed"] else None),
    }


def summary(store: Store, filters: Filters) -> dict[str, Any]:
    """Requests, errors, tokens by type and latency percentiles: overall and by model."""
    parts = call_sources.read_plan(store, filters, None, lambda _: {"model": "model"})
    rows = query_rows(store, f"""
SELECT model, grouping(model) = 1 AS is_total, {_SUMS},
    {parts.merge("latency")} AS latency_ns, {parts.merge("ttft")} AS ttft_quantiles_ns
FROM ({parts.sql})
GROUP BY ROLLUP(model)
ORDER BY is_total DESC, requests DESC, model""", parts.params)
    overall = rows[0] if rows and rows[0]["is_total"] else _EMPTY
    by_model = [{"model": row["model"], **_totals(row)} for row in rows if not row["is_total"]]
    return {"overall": _totals(overall), "by_model": by_model}


_EMPTY = {"requests": 0, "errors": 0, "input_tokens": 0, "output_tokens": 0, "cache_read_tokens": 0,
          "cache_write_tokens": 0, "reasoning_tokens": 0, "latency_ns": [], "streamed": 0, "ttft_quantiles_ns": []}


def timeseries(store: Store, filters: Filters, step_seconds: int, by: str | None = None) -> pa.Table:
    """Requests, errors, tokens, p95 latency and p95 time to first token (streamed calls) per time bucket (optionally per `by` value)."""
    def keys(time: str) -> dict[str, str]:
        bucket = f"toDateTime64(toStartOfInterval({time}, toIntervalSecond({{step:UInt32}})), 9, 'UTC')"
        return {"bucket": bucket, "series": SERIES_BY[by] if by else "''"}

    parts = call_sources.read_plan(store, filters, step_seconds, keys)
    return store.query_arrow(f"""
SELECT bucket, series, sum(requests) AS requests, sum(errors) AS errors, sum(input_tokens) AS input_tokens,
    sum(output_tokens) AS output_tokens, sum(cache_read_tokens) AS cache_read_tokens,
    sum(reasoning_tokens) AS reasoning_tokens,
    arrayElement({parts.merge("latency")}, 2) / 1e6 AS p95_latency_ms,
    if(sum(streamed) = 0, NULL, arrayElement({parts.merge("ttft")}, 2) / 1e6) AS p95_ttft_ms
FROM ({parts.sql})
GROUP BY bucket, series
ORDER BY bucket, series""", {**parts.params, "step": step_seconds})


def llm_calls(store: Store, filters: Filters, limit: int, offset: int = 0) -> pa.Table:
    """Typed LLM calls, newest first (a stable order, so offsets page consistently)."""
    where, params = filters.where()
    return store.query_arrow(f"""
SELECT {", ".join(LLM_CALL_COLUMNS)}
FROM llm_calls FINAL
WHERE {where}
ORDER BY timestamp DESC, trace_id, span_id
LIMIT {{limit:UInt32}} OFFSET {{offset:UInt64}}""", {**params, "limit": limit, "offset": offset})


def dimensions(store: Store, filters: Filters) -> dict[str, list[str]]:
    """The distinct projects, environments, services and models in the range (for filter pickers)."""
    names = ("project", "environment", "service_name", "model")
    parts = call_sources.read_plan(store, filters, None, lambda _: {n: n for n in names}, measures=False, final=False)
    row = query_rows(store, f"""
SELECT groupUniqArray(1000)(project) AS projects,
    groupUniqArrayIf(1000)(environment, environment != '') AS environments,
    groupUniqArray(1000)(service_name) AS services,
    groupUniqArrayIf(1000)(model, model != '') AS models
FROM ({parts.sql})""", parts.params)[0]
    return {name: sorted(values) for name, values in row.items()}
