"""Traces without an LLM call, listed from their root spans: how the trace explorer finds Spyglass's own traces
(service.name `spyglass`: ingest requests, API requests, job runs, deliveries), which the LLM-call list of
store/queries/traces.py cannot see.

The rows have the trace list's shape (no calls, no tokens, zero cost), its filters that apply to spans (the
range on the root's start, error, minimum duration, a trace id prefix or a piece of the root's name), its sorts
and its keyset cursor, so the API and the Requests page need nothing new to show them.
"""

from __future__ import annotations

from typing import Any

from store.base import Store, query_rows
from store.params import NS_TYPE, time_param
from store.queries.trace_rows import SPAN_ERROR
from store.queries.traces import SORTS, TraceListQuery, row_conditions

_ZERO = "toDecimal128(0, 12)"


def root_trace_list(store: Store, t: TraceListQuery, service: str) -> list[dict[str, Any]]:
    """One page of `service`'s traces whose root span started in [since, until), by `t.sort` then trace id."""
    params: dict[str, Any] = {"service": service, "since": time_param(t.filters.since),
                              "until": time_param(t.filters.until), "limit": t.limit}
    conditions = []
    if t.q:
        conditions.append("(startsWith(trace_id, {q_lower:String}) OR positionCaseInsensitive(root_span_name, "
                          "{q:String}) > 0)")
        params.update(q=t.q, q_lower=t.q.lower())
    conditions += row_conditions(t, params)
    return query_rows(store, f"""
SELECT *, fromUnixTimestamp64Nano(start_ns, 'UTC') AS start
FROM (
    SELECT TraceId AS trace_id, toUnixTimestamp64Nano(Timestamp) AS start_ns, toInt64(Duration) AS duration_ns,
        true AS root_found, SpanName AS root_span_name, ServiceName AS service,
        ResourceAttributes['spyglass.project'] AS project, toUInt64(0) AS calls, toUInt64(0) AS errors,
        {SPAN_ERROR} AS error, {_ZERO} AS cost, {_ZERO} AS token_cost, {_ZERO} AS gpu_cost,
        toUInt64(0) AS unpriced_calls, toUInt64(0) AS input_tokens, toUInt64(0) AS output_tokens,
        toUInt64(0) AS cache_read_tokens, toUInt64(0) AS cache_write_tokens, toUInt64(0) AS reasoning_tokens,
        CAST([], 'Array(String)') AS models, '' AS user_id, '' AS team, '' AS feature
    FROM otel_traces
    WHERE ServiceName = {{service:String}} AND ParentSpanId = ''
        AND Timestamp >= {{since:{NS_TYPE}}} AND Timestamp < {{until:{NS_TYPE}}})
WHERE {" AND ".join(conditions) or "1"}
ORDER BY {SORTS[t.sort]} DESC, trace_id
LIMIT 1 BY trace_id
LIMIT {{limit:UInt32}}""", params)
