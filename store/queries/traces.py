"""The trace explorer's reads: traces as a list (one row per trace, keyset paging) and one trace whole.

The list reads `trace_summaries` (migration 23: one row per trace, kept by the trace summary job,
pipelines/traces/summary_job.py) for the traces the job has summarised, and computes the rest from the calls
with the same SQL (store/queries/trace_rows.py): the traces with a call ingested after the job's calls watermark
(`trace-summaries-calls`), a few seconds to a minute of ingest. So a trace ingested a second ago is listed, and
the two parts cannot disagree. Computing the day from the calls (joining the day's calls with their cost rows,
grouping by trace, joining the root spans) took 1.3-2.1 s over 10 M calls; the summary reads a day of rows.

- a trace is listed when its first LLM call started in [since, until), and its row sums all its calls. (Until
  issue 16's summary, a trace was listed in every range holding one of its calls, with those calls only: a trace
  crossing midnight was two partial rows. One row per trace, the same in every range, is what a summary can
  store, and what a person reading "this trace cost $x" expects.)
- a call filter (project, service, model, team, feature, user, environment) selects the traces that have a call
  in the range matching all of them; the row still sums every call of the trace;
- the start and duration are the root span's when it is stored (a root up to `ROOT_LOOKBACK` before the
  first call), widened to the calls; without a stored root, those of its calls. A summary stored before its
  root arrived gets it at read time (a join limited to such rows) until the job completes it;
- the error flag: a failed call, or a root span with an error status;
- a re-priced call or a GPU allocation reaches a summarised trace at the job's next run (as `cost_hourly`).

One trace is read by its id: `otel_traces` and `llm_calls` through their bloom filter indexes on the trace id
(store/migrations/m0001_otel_tables.py, m0002_llm_calls.py), then its cost rows by the calls' own sort-key
values (project, service, model and time), which prune `request_costs` to a few granules.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import datetime, timedelta, timezone
from decimal import Decimal
from typing import Any

from store.base import Store, query_rows
from store.params import EPOCH, MS_TYPE, NS_TYPE, from_ns, time_param
from store.queries import call_spend, trace_rows, watermarks
from store.queries import trace_summaries as summaries
from store.queries.filters import Filters
from store.queries.trace_rows import ROOT_LOOKBACK

# Sort name -> the column a page is ordered by (descending), ties broken by trace id (ascending).
SORTS = {"time": "start_ns", "cost": "cost", "duration": "duration_ns"}
_KEY_TYPES = {"time": "Int64", "cost": "Decimal(38, 12)", "duration": "Int64"}
MAX_SPANS = 10_000
_CALL_TEXT = ("startsWith(trace_id, {q_lower:String}) OR user_id = {q:String} OR session_id = {q:String} "
              "OR response_id = {q:String} OR positionCaseInsensitive(span_name, {q:String}) > 0")
# The tail: traces with a call ingested after the job's calls watermark. Their stored rows are not read; those that
# can be listed have all their calls at or after `since` (the first one is in the range), so only they are computed.
_TAIL_CALLS = f"llm_calls WHERE ingested_at > {{covered:{MS_TYPE}}}"
_TAIL_ALL = f"SELECT trace_id FROM {_TAIL_CALLS}"
_TAIL = f"{_TAIL_ALL} AND timestamp >= {{since:{NS_TYPE}}}"
_FIRST_IN_RANGE = (f"first_ns >= toUnixTimestamp64Nano({{since:{NS_TYPE}}}) "
                   f"AND first_ns < toUnixTimestamp64Nano({{until:{NS_TYPE}}})")
_LOOKBACK_NS = int(ROOT_LOOKBACK.total_seconds()) * 10**9
_NEWEST_WINDOWS = (timedelta(hours=1), timedelta(days=1))  # read first for a newest-first page


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


def _tail_extent(store: Store, params: dict[str, Any]) -> tuple[int | None, int | None]:
    """The first and last call start (ns) of the tail's traces that can be listed: their new calls and the extent
    of their stored rows, which holds every other call of theirs (every version: read without FINAL, the bloom
    filter on the trace id skips granules, and an older version can only widen the bounds)."""
    [row] = query_rows(store, f"""
SELECT minOrNull(lo) AS lo, maxOrNull(hi) AS hi FROM (
    SELECT toUnixTimestamp64Nano(timestamp) AS lo, lo AS hi FROM {_TAIL_CALLS} AND trace_id IN ({_TAIL})
    UNION ALL
    SELECT first_ns, last_ns FROM trace_summaries WHERE trace_id IN ({_TAIL}) AND is_deleted = 0)""", params)
    return row["lo"], row["hi"]


def _stored() -> str:
    """The summarised traces of the range (but those of the tail), a missing root joined where one is stored."""
    rows = (f"SELECT * FROM trace_summaries FINAL WHERE hour >= toStartOfHour({{since:{NS_TYPE}}}) "
            f"AND hour < {{until:{NS_TYPE}}} AND {_FIRST_IN_RANGE}")
    sides = ", ".join([*(f"s.{c} AS {c}" for c in trace_rows.CALL_SIDE),
                       *(f"if(s.root_found = 1, s.{c}, r.{c}) AS {c}" for c in trace_rows.ROOT_SIDE)])
    roots = trace_rows.roots(f"Timestamp >= {{root_since:{NS_TYPE}}} AND Timestamp < {{until:{NS_TYPE}}} "
                             f"AND TraceId IN (SELECT trace_id FROM ({rows}) WHERE root_found = 0)")
    return f"""
SELECT s.trace_id AS trace_id, {sides}
FROM ({rows} AND trace_id NOT IN ({_TAIL_ALL})) AS s
LEFT ANY JOIN ({roots}) AS r ON s.trace_id = r.trace_id"""


def _tail() -> str:
    """The tail's traces computed from their calls in [{lo}, {hi}]."""
    return trace_rows.computed(
        f"trace_id IN ({_TAIL}) AND timestamp >= {{lo:{NS_TYPE}}} AND timestamp <= {{hi:{NS_TYPE}}}",
        f"hour >= toStartOfHour({{lo:{NS_TYPE}}}) AND hour <= {{hi:{NS_TYPE}}}",
        f"TraceId IN ({_TAIL}) AND Timestamp >= {{roots_lo:{NS_TYPE}}} AND Timestamp <= {{hi:{NS_TYPE}}}")


def trace_list(store: Store, t: TraceListQuery) -> list[dict[str, Any]]:
    """One page of traces, by `t.sort` descending then trace id, after `t.after`.

    Newest first, a page usually lies in the last hour or day before its anchor (the range's end, or the cursor's
    time), so those windows are read first: a page from a window is the page of the whole range when it is full
    and its last trace starts inside the window, since a trace whose first call is earlier starts earlier still.
    A 30-day list then reads a day of summaries, not a month (1.6 s at 10 M calls; docs/benchmarks.md)."""
    if t.sort == "time":
        until_ns = _ns(t.filters.until)
        anchor = t.filters.until if t.after is None else from_ns(min(max(int(t.after.key), 0), until_ns))
        for width in _NEWEST_WINDOWS:
            since = anchor - width
            if since <= t.filters.since:
                break
            rows = _page(store, replace(t, filters=replace(t.filters, since=since)))
            if len(rows) == t.limit and rows[-1]["start_ns"] >= _ns(since):
                return rows
    return _page(store, t)


def _page(store: Store, t: TraceListQuery) -> list[dict[str, Any]]:
    window, params = Filters(t.filters.since, t.filters.until).where()
    covered = watermarks.watermark(store, summaries.CALLS_MARK) or EPOCH
    params.update(covered=time_param(covered, 3), limit=t.limit)
    conditions = [_FIRST_IN_RANGE]
    if _narrowed(t.filters):
        where, filter_params = t.filters.where()
        conditions.append(f"trace_id IN (SELECT trace_id FROM llm_calls WHERE {where})")
        params.update(filter_params)
    if t.q:  # a trace id prefix or a root's name here; the calls' text in the calls of the range
        params.update(q=t.q, q_lower=t.q.lower())
        conditions.append(f"(startsWith(trace_id, {{q_lower:String}}) OR positionCaseInsensitive(root_span_name, "
                          f"{{q:String}}) > 0 OR trace_id IN (SELECT trace_id FROM llm_calls WHERE {window} "
                          f"AND ({_CALL_TEXT})))")
    conditions += row_conditions(t, params)
    params["root_since"] = time_param(t.filters.since - ROOT_LOOKBACK)
    rows = _stored()
    lo, hi = _tail_extent(store, params)
    if lo is not None and hi is not None:
        params.update(lo=_ns_param(lo), hi=_ns_param(hi + 1000), roots_lo=_ns_param(lo - _LOOKBACK_NS))
        rows += f"\nUNION ALL\n{_tail()}"
    return query_rows(store, f"""
SELECT * FROM (SELECT {trace_rows.LISTED} FROM ({rows}))
WHERE {" AND ".join(conditions)}
ORDER BY {SORTS[t.sort]} DESC, trace_id
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


def _ns(at: datetime) -> int:
    return (at - EPOCH) // timedelta(microseconds=1) * 1000


def _ns_param(ns: int) -> str:
    return time_param(from_ns(ns))


def _hour(ns: int) -> datetime:
    return datetime.fromtimestamp(ns // 10**9, timezone.utc).replace(minute=0, second=0)

