"""One trace's row computed from its calls, cost rows and root span: the SQL the trace summary job writes into
`trace_summaries` (migration 23) and the trace list reads for the traces the job has not summarised yet, so the
two cannot disagree.

A row has two sides, as the table does: the calls' (`CALL_SIDE`: extent, counts, tokens, the spend rule's cost
split, models, dimensions) and the root span's (`ROOT_SIDE`, all zero/empty when no root is stored). `LISTED`
turns the two into what the list shows (start and duration widened to the root, the root's service, the error
flag), the same way for a stored and a computed row.
"""

from __future__ import annotations

from datetime import timedelta

from store.queries import call_spend

ROOT_LOOKBACK = timedelta(hours=1)  # how long before its first call a trace's root span may start
SPAN_ERROR = "StatusCode IN ('Error', 'STATUS_CODE_ERROR')"
_MEASURES = ("cost_total", "token_cost", "gpu_cost", "calls", "priced_calls", "input_tokens", "output_tokens",
             "cache_read_tokens", "cache_write_tokens", "reasoning_tokens")
CALL_SIDE = ("first_ns", "last_ns", "last_end_ns", "call_service", "trace_project", "trace_user", "trace_team",
             "trace_feature", "models", "calls", "priced_calls", "errors", "input_tokens", "output_tokens",
             "cache_read_tokens", "cache_write_tokens", "reasoning_tokens", "cost_total", "token_cost", "gpu_cost")
ROOT_SIDE = ("root_found", "root_name", "root_service", "root_start_ns", "root_end_ns", "root_error")
# From a row's two sides to the list's columns.
LISTED = """trace_id, fromUnixTimestamp64Nano(start_ns, 'UTC') AS start,
    if(root_found = 1, least(root_start_ns, first_ns), first_ns) AS start_ns,
    if(root_found = 1, greatest(root_end_ns, last_end_ns), last_end_ns) - start_ns AS duration_ns,
    root_found = 1 AS root_found, root_name AS root_span_name, if(root_found, root_service, call_service) AS service,
    trace_project AS project, calls, errors, errors > 0 OR root_error = 1 AS error, cost_total AS cost, token_cost,
    gpu_cost, calls - priced_calls AS unpriced_calls, input_tokens, output_tokens, cache_read_tokens,
    cache_write_tokens, reasoning_tokens, models, trace_user AS user_id, trace_team AS team,
    trace_feature AS feature, first_ns"""


def calls_by_trace(calls_where: str, gpu_hours_where: str) -> str:
    """The calls' side per trace, over the calls `calls_where` selects (llm_calls columns) and their cost rows
    (the GPU runs of the hours `gpu_hours_where` selects, a superset of the calls' hours)."""
    measures = ", ".join(f"{call_spend.MEASURES[name]} AS {name}" for name in _MEASURES)
    return f"""
SELECT trace_id, min(start_ns) AS first_ns, max(start_ns) AS last_ns, max(end_ns) AS last_end_ns, {measures},
    countIf(status = 'error') AS errors, argMin(service_name, start_ns) AS call_service,
    argMin(project, start_ns) AS trace_project, anyIf(user_id, user_id != '') AS trace_user,
    anyIf(team, team != '') AS trace_team, anyIf(feature, feature != '') AS trace_feature,
    arraySort(groupUniqArrayIf(5)(model, model != '')) AS models
FROM (
    SELECT c.*, s.served AS served, s.token_amount AS token_amount, s.token_priced AS token_priced,
        s.gpu_amount AS gpu_amount, s.gpu_priced AS gpu_priced
    FROM (
        SELECT {call_spend.CALL_KEY}, trace_id, toUnixTimestamp64Nano(timestamp) AS start_ns,
            start_ns + toInt64(duration_ns) AS end_ns, status, service_name, project, user_id, team, feature, model,
            input_tokens, output_tokens, cache_read_tokens, cache_write_tokens, reasoning_tokens
        FROM llm_calls FINAL
        WHERE {calls_where}) AS c
    LEFT ANY JOIN (
        SELECT {call_spend.CALL_KEY}, served, token_amount, token_priced, gpu_amount, gpu_priced
        FROM ({call_spend.calls_sql(calls_where, gpu_hours_where)})) AS s
    ON c.k1 = s.k1 AND c.k2 = s.k2)
GROUP BY trace_id"""


def roots(roots_where: str) -> str:
    """The root side per trace, from the root spans `roots_where` selects (otel_traces columns)."""
    return f"""
SELECT TraceId AS trace_id, toUInt8(1) AS root_found, argMin(SpanName, Timestamp) AS root_name,
    argMin(ServiceName, Timestamp) AS root_service, min(toUnixTimestamp64Nano(Timestamp)) AS root_start_ns,
    max(toUnixTimestamp64Nano(Timestamp) + toInt64(Duration)) AS root_end_ns, toUInt8(max({SPAN_ERROR})) AS root_error
FROM otel_traces
WHERE ParentSpanId = '' AND {roots_where}
GROUP BY TraceId"""


def computed(calls_where: str, gpu_hours_where: str, roots_where: str) -> str:
    """Whole rows (both sides, `trace_id` first) of the traces with calls `calls_where` selects."""
    sides = ", ".join([*(f"t.{c} AS {c}" for c in CALL_SIDE), *(f"r.{c} AS {c}" for c in ROOT_SIDE)])
    return f"""
SELECT t.trace_id AS trace_id, {sides}
FROM ({calls_by_trace(calls_where, gpu_hours_where)}) AS t
LEFT ANY JOIN ({roots(roots_where)}) AS r ON t.trace_id = r.trace_id"""
