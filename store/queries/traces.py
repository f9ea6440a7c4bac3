"""The trace explorer's reads: traces as a list (one row per trace, keyset paging) and one trace whole.

The list is read from `llm_calls` (keyed by project, service, model, time: a day is a range of the key in
daily partitions) joined with the cost rows by the one spend rule (store/queries/call_spend.py), grouped by
trace, and only then joined with the root spans of those traces from `otel_traces` (the root's name,
service, start and end). Scanning `otel_traces` for the list would read every span of the day, most of them
not model calls; here it is read for root spans (`ParentSpanId = ''`) of the traces already found. So:

- a trace is listed when one of its LLM calls started in [since, until), and its row sums its calls in that
  range (a trace crossing the range's edge shows the calls inside it; the detail shows all);
- a call filter (project, service, model, team, feature, user, environment) selects the traces that have a
  call matching all of them; the row still sums every call of the trace;
- the start and duration are the root span's when it is stored (a root up to `ROOT_LOOKBACK` before the
  first call), widened to the calls; without a stored root, those of its calls;
- the error flag: a failed call, or a root span with an error status.

One trace is read by its id: `otel_traces` and `llm_calls` through their bloom filter indexes on the trace id
(store/migrations/m0001_otel_tables.py, m0002_llm_calls.py), then its cost rows by the calls' own sort-key
values (project, service, model and time), which prune `request_costs` to a few granules.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from decimal import Decimal
from typing import Any

from store.base import Store, query_rows
from store.params import NS_TYPE, S_TYPE, time_param
from store.queries import call_spend
from store.queries.filters import Filters
from store.queries.spend import hour_window

# Sort name -> the column a page is ordered by (descending), ties broken by trace id (ascending).
SORTS = {"time": "start_ns", "cost": "cost", "duration": "duration_ns"}
_KEY_TYPES = {"time": "Int64", "cost": "Decimal(38, 12)", "duration": "Int64"}
ROOT_LOOKBACK = timedelta(hours=1)
SPAN_ERROR = "StatusCode IN ('Error', 'STATUS_CODE_ERROR')"
MAX_SPANS = 10_000
_CALL_TEXT = ("startsWith(trace_id, {q_lower:String}) OR user_id = {q:String} OR session_id = {q:String} "
              "OR response_id = {q:String} OR positionCaseInsensitive(span_name, {q:String}) > 0")
_MEASURES = ("cost_total", "token_cost", "gpu_cost", "calls", "priced_calls", "input_tokens", "output_tokens",
             "cache_read_tokens", "cache_write_tokens", "reasoning_tokens")


@dataclass(frozen=True)
class After:
    """Where the previous page ended: its last row's sort key (as text) and trace id."""

    key: str
    trace_id: str


@dataclass(frozen=True)
class TraceListQuery:
    """What the list shows: call filters and the range, trace-level conditions, the order and the page."""

    filters: Filters
    sort: str = "time"
    limit: int = 50
    error: bool | None = None  # True: traces with an error; False: without
    min_cost: Decimal | None = None
    min_duration_ns: int | None = None
    q: str | None = None
    after: After | None = None


def _narrowed(f: Filters) -> bool:
    return bool(f.projects or f.services or f.models or f.extra)


def trace_list(store: Store, t: TraceListQuery) -> list[dict[str, Any]]:
    """One page of traces, by `t.sort` descending then trace id, after `t.after`."""
    window, params = Filters(t.filters.since, t.filters.until).where()
    calls_where = window
    if _narrowed(t.filters):
        where, filter_params = t.filters.where()
        calls_where += f" AND trace_id IN (SELECT trace_id FROM llm_calls WHERE {where})"
        params.update(filter_params)
    start, end = hour_window(t.filters)
    params.update(gpu_start=time_param(start, 0), gpu_end=time_param(end, 0), limit=t.limit,
                  root_since=time_param(t.filters.since - ROOT_LOOKBACK))
    hours = f"hour >= {{gpu_start:{S_TYPE}}} AND hour < {{gpu_end:{S_TYPE}}}"
    measures = ", ".join(f"{call_spend.MEASURES[name]} AS {name}" for name in _MEASURES)
    q_hit, q_columns, conditions = "", "", []
    if t.q:  # the columns a search reads, only when there is one
        params.update(q=t.q, q_lower=t.q.lower())
        q_hit, q_columns = f", max({_CALL_TEXT}) AS q_hit", ", span_name, session_id, response_id"
        conditions.append("(q_hit OR positionCaseInsensitive(root_span_name, {q:String}) > 0)")
    conditions += row_conditions(t, params)
    key = SORTS[t.sort]
    return query_rows(store, f"""
SELECT trace_id, fromUnixTimestamp64Nano(start_ns, 'UTC') AS start, start_ns, duration_ns, root_found,
    root_span_name, service, trace_project AS project, calls, errors, error, cost, token_cost, gpu_cost,
    calls - priced_calls AS unpriced_calls, input_tokens, output_tokens, cache_read_tokens, cache_write_tokens,
    reasoning_tokens, models, trace_user AS user_id, trace_team AS team, trace_feature AS feature
FROM (
    SELECT t.trace_id AS trace_id, r.found = 1 AS root_found,
        if(root_found, least(r.root_start_ns, t.first_ns), t.first_ns) AS start_ns,
        if(root_found, greatest(r.root_end_ns, t.last_ns), t.last_ns) - start_ns AS duration_ns,
        r.root_name AS root_span_name, if(root_found, r.root_service, t.call_service) AS service,
        t.errors > 0 OR r.root_error = 1 AS error, t.cost_total AS cost, t.*
    FROM (
        SELECT trace_id, min(start_ns) AS first_ns, max(end_ns) AS last_ns, {measures},
            countIf(status = 'error') AS errors, argMin(service_name, start_ns) AS call_service,
            argMin(project, start_ns) AS trace_project, anyIf(user_id, user_id != '') AS trace_user,
            anyIf(team, team != '') AS trace_team, anyIf(feature, feature != '') AS trace_feature,
            arraySort(groupUniqArrayIf(5)(model, model != '')) AS models{q_hit}
        FROM (
            SELECT c.*, s.served AS served, s.token_amount AS token_amount, s.token_priced AS token_priced,
                s.gpu_amount AS gpu_amount, s.gpu_priced AS gpu_priced
            FROM (
                SELECT {call_spend.CALL_KEY}, trace_id, toUnixTimestamp64Nano(timestamp) AS start_ns,
                    start_ns + toInt64(duration_ns) AS end_ns, status, service_name, project, user_id, team,
                    feature, model, input_tokens, output_tokens, cache_read_tokens, cache_write_tokens,
                    reasoning_tokens{q_columns}
                FROM llm_calls FINAL
                WHERE {calls_where}) AS c
            LEFT ANY JOIN (
                SELECT {call_spend.CALL_KEY}, served, token_amount, token_priced, gpu_amount, gpu_priced
                FROM ({call_spend.calls_sql(calls_where, hours)})) AS s
            ON c.k1 = s.k1 AND c.k2 = s.k2)
        GROUP BY trace_id) AS t
    LEFT ANY JOIN (
        SELECT TraceId AS trace_id, toUInt8(1) AS found, argMin(SpanName, Timestamp) AS root_name,
            argMin(ServiceName, Timestamp) AS root_service, min(toUnixTimestamp64Nano(Timestamp)) AS root_start_ns,
            max(toUnixTimestamp64Nano(Timestamp) + toInt64(Duration)) AS root_end_ns,
            toUInt8(max({SPAN_ERROR})) AS root_error
        FROM otel_traces
        WHERE Timestamp >= {{root_since:{NS_TYPE}}} AND Timestamp < {{until:{NS_TYPE}}} AND ParentSpanId = ''
            AND TraceId IN (SELECT trace_id FROM llm_calls WHERE {calls_where})
        GROUP BY TraceId) AS r
    ON t.trace_id = r.trace_id)
WHERE {" AND ".join(conditions) or "1"}
ORDER BY {key} DESC, trace_id
LIMIT {{limit:UInt32}}""", params)


def row_conditions(t: TraceListQuery, params: dict[str, Any]) -> list[str]:
    """The conditions on a listed trace's row (error, minimum cost and duration, the keyset position) that every
    trace list applies alike (adds their parameters to `params`)."""
    conditions = []
    if t.error is not None:
        conditions.append("error" if t.error else "NOT error")
    if t.min_cost is not None:
        conditions.append("cost >= {min_cost:Decimal(38, 12)}")
        params["min_cost"] = str(t.min_cost)
    if t.min_duration_ns is not None:
        conditions.append("duration_ns >= {min_duration:Int64}")
        params["min_duration"] = t.min_duration_ns
    if t.after is not None:
        conditions.append(after_condition(t, params))
    return conditions


def after_condition(t: TraceListQuery, params: dict[str, Any]) -> str:
    """The keyset condition that continues after `t.after` in `t.sort` (adds its parameters to `params`)."""
    assert t.after is not None
    key, kind = SORTS[t.sort], _KEY_TYPES[t.sort]
    params.update(after_key=t.after.key, after_trace=t.after.trace_id)
    return (f"({key} < {{after_key:{kind}}} OR ({key} = {{after_key:{kind}}} "
            "AND trace_id > {after_trace:String}))")


def sort_key(row: dict[str, Any], sort: str) -> str:
    """A row's sort key as the text a cursor carries (exact: nanoseconds, or the decimal cost)."""
    return str(row[SORTS[sort]])


def trace_spans(store: Store, trace_id: str) -> list[dict[str, Any]]:
    """The trace's spans (each once, however often delivered), by start; at most MAX_SPANS + 1."""
    return query_rows(store, """
SELECT SpanId AS span_id, ParentSpanId AS parent_span_id, SpanName AS name, ServiceName AS service,
    SpanKind AS kind, toUnixTimestamp64Nano(Timestamp) AS start_ns, Duration AS duration_ns,
    StatusCode AS status_code, StatusMessage AS status_message, ScopeName AS scope_name,
    SpanAttributes AS attributes, ResourceAttributes AS resource_attributes,
    arrayMap(x -> toUnixTimestamp64Nano(x), `Events.Timestamp`) AS event_ns, `Events.Name` AS event_names,
    `Events.Attributes` AS event_attributes
FROM otel_traces
WHERE TraceId = {trace_id:String}
ORDER BY Timestamp, SpanId
LIMIT 1 BY SpanId
LIMIT {limit:UInt32}""", {"trace_id": trace_id, "limit": MAX_SPANS + 1})


_CALL_COLUMNS = ("span_id", "parent_span_id", "span_name", "project", "service_name", "environment", "operation",
                 "provider", "request_model", "response_model", "model", "input_tokens", "output_tokens",
                 "cache_read_tokens", "cache_write_tokens", "reasoning_tokens", "usage_reported", "duration_ns",
                 "ttft_ns", "status", "error_type", "finish_reasons", "team", "feature", "user_id", "session_id",
                 "host_name", "response_id")


def trace_calls(store: Store, trace_id: str) -> list[dict[str, Any]]:
    """The trace's LLM calls (typed), by start."""
    return query_rows(store, f"""
SELECT {", ".join(_CALL_COLUMNS)}, toUnixTimestamp64Nano(timestamp) AS start_ns
FROM llm_calls FINAL
WHERE trace_id = {{trace_id:String}}
ORDER BY timestamp, span_id""", {"trace_id": trace_id})


_COST_EXTRA = ("entry_id", "rule", "tier", "catalog_version", "price_basis", "priced_as", "priced_at")


def call_costs(store: Store, trace_id: str, calls: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """The cost rows of `calls` (of one trace) with their GPU allocation and spend by the rule (`spend`, NULL
    without a price; `has_price`), found by the calls' sort-key values."""
    if not calls:
        return []
    first = min(c["start_ns"] for c in calls) // 1000 * 1000
    last = max(c["start_ns"] for c in calls) // 1000 * 1000 + 1000
    params = {"trace_id": trace_id, "since": _ns_param(first), "until": _ns_param(last),
              **{name: sorted({c[column] for c in calls}) for name, column in
                 (("projects", "project"), ("services", "service_name"), ("models", "model"))},
              "hours": sorted({time_param(_hour(c["start_ns"]), 0) for c in calls})}
    where = (f"trace_id = {{trace_id:String}} AND project IN {{projects:Array(String)}} "
             f"AND service_name IN {{services:Array(String)}} AND model IN {{models:Array(String)}} "
             f"AND timestamp >= {{since:{NS_TYPE}}} AND timestamp < {{until:{NS_TYPE}}}")
    hours = "hour IN {hours:Array(DateTime('UTC'))}"
    return query_rows(store, f"""
SELECT *, {call_spend.SPEND} AS spend, {call_spend.HAS_PRICE} AS has_price
FROM ({call_spend.calls_sql(where, hours, _COST_EXTRA)})""", params)


def _ns_param(ns: int) -> str:
    return time_param(datetime.fromtimestamp(ns // 10**9, timezone.utc).replace(microsecond=ns // 1000 % 10**6))


def _hour(ns: int) -> datetime:
    return datetime.fromtimestamp(ns // 10**9, timezone.utc).replace(minute=0, second=0)

