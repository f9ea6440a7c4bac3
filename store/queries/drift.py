"""Queries of the drift job and the drift API: traffic per group and hour, time-stratified samples
of calls with their quality scores and content lengths, and the stored results.

Sampling happens here, in ClickHouse, so that a window of millions of calls reaches Python as
a few thousand rows: per hour of the window, the calls with the smallest seeded hash of their
(trace_id, span_id), at most `quota` of them (`LIMIT quota BY hour`). The hash makes the sample
deterministic for a seed and independent of insert order; the per-hour quota keeps a busy hour
from outweighing the rest of the window.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

import polars as pl
import pyarrow as pa

from store.base import Store, query_df, query_rows
from store.params import MS_TYPE, NS_TYPE, time_param
from store.queries.filters import Filters

# Attributes that carry prompt / completion content when a project captures it (current GenAI
# conventions first, then the legacy single-string attributes).
INPUT_CONTENT_KEYS = ("gen_ai.input.messages", "gen_ai.prompt")
OUTPUT_CONTENT_KEYS = ("gen_ai.output.messages", "gen_ai.completion")


@dataclass(frozen=True)
class Group:
    """What one comparison covers: calls of one project, service, model and feature ('' = none set)."""

    project: str
    service_name: str
    model: str
    feature: str


@dataclass(frozen=True)
class Window:
    """A time range [since, until) in UTC."""

    since: datetime
    until: datetime


def hourly_counts(store: Store, current: Window, reference: Window) -> pl.DataFrame:
    """Calls per group and hour in each window: the groups to compare, their sizes, the strata."""
    return query_df(store, f"""
SELECT project, service_name, model, feature, toStartOfHour(timestamp) AS hour,
    countIf(timestamp >= {{cs:{NS_TYPE}}} AND timestamp < {{cu:{NS_TYPE}}}) AS current_rows,
    countIf(timestamp >= {{rs:{NS_TYPE}}} AND timestamp < {{ru:{NS_TYPE}}}) AS reference_rows
FROM llm_calls FINAL
WHERE (timestamp >= {{cs:{NS_TYPE}}} AND timestamp < {{cu:{NS_TYPE}}})
   OR (timestamp >= {{rs:{NS_TYPE}}} AND timestamp < {{ru:{NS_TYPE}}})
GROUP BY project, service_name, model, feature, hour
ORDER BY project, service_name, model, feature, hour""",
                    {"cs": time_param(current.since), "cu": time_param(current.until), "rs": time_param(reference.since),
                     "ru": time_param(reference.until)})


def _sample_sql(columns: str) -> str:
    """The stratified sample of one group's calls in one window (parameters: group, window, quota, seed)."""
    return f"""
SELECT {columns}
FROM llm_calls FINAL
WHERE project = {{project:String}} AND service_name = {{service:String}} AND model = {{model:String}}
  AND feature = {{feature:String}}
  AND timestamp >= {{since:{NS_TYPE}}} AND timestamp < {{until:{NS_TYPE}}}
ORDER BY toStartOfHour(timestamp), cityHash64(trace_id, span_id, {{seed:UInt64}})
LIMIT {{quota:UInt64}} BY toStartOfHour(timestamp)"""


_CALL_COLUMNS = """trace_id, span_id,
    toFloat64(input_tokens) AS input_tokens,
    toFloat64(output_tokens) AS output_tokens,
    duration_ns / 1e6 AS duration_ms,
    ttft_ns / 1e6 AS ttft_ms,
    if(empty(finish_reasons), 'none', arrayStringConcat(arraySort(finish_reasons), ',')) AS finish_reason,
    if(error_type = '', 'none', error_type) AS error_type"""


def _params(group: Group, window: Window, quota: int, seed: int) -> dict[str, Any]:
    return {"project": group.project, "service": group.service_name, "model": group.model,
            "feature": group.feature, "since": time_param(window.since), "until": time_param(window.until), "quota": quota,
            "seed": seed}


def sample_calls(store: Store, group: Group, window: Window, quota: int, seed: int) -> pl.DataFrame:
    """At most `quota` calls per hour of `window`: ids, tokens, durations, finish reason, error type."""
    return query_df(store, _sample_sql(_CALL_COLUMNS), _params(group, window, quota, seed))


def sample_scores(store: Store, group: Group, window: Window, quota: int, seed: int) -> pl.DataFrame:
    """Quality scores (trace_id, span_id, name, value: mean per score name) of the sampled calls' traces.

    A score with an empty span_id belongs to its whole trace (feedback often names only the
    trace); the caller joins those by trace. Empty when the group has no scores in the window.
    """
    params = _params(group, window, quota, seed)
    return query_df(store, f"""
SELECT trace_id, span_id, name, mean AS value
FROM (
SELECT trace_id, span_id, name, avg(value) AS mean
FROM quality_scores FINAL
WHERE project = {{project:String}} AND service_name = {{service:String}} AND model = {{model:String}}
  AND feature = {{feature:String}} AND value IS NOT NULL AND isFinite(value)
  AND timestamp >= {{since:{NS_TYPE}}} AND timestamp < {{until:{NS_TYPE}}}
  AND trace_id IN ({_sample_sql("trace_id")})
GROUP BY trace_id, span_id, name)""", params)


def has_scores(store: Store, group: Group, window: Window) -> bool:
    """Whether the group has any numeric quality score in the window (skips the sample join when not)."""
    rows = query_rows(store, f"""
SELECT 1 AS found FROM quality_scores
WHERE project = {{project:String}} AND service_name = {{service:String}} AND model = {{model:String}}
  AND feature = {{feature:String}} AND value IS NOT NULL
  AND timestamp >= {{since:{NS_TYPE}}} AND timestamp < {{until:{NS_TYPE}}}
LIMIT 1""", _params(group, window, 0, 0))
    return bool(rows)


def _content(keys: tuple[str, ...]) -> str:
    """The first non-empty content attribute among `keys`, as an SQL expression."""
    return "coalesce(" + ", ".join(f"nullIf(SpanAttributes['{key}'], '')" for key in keys) + ", '')"


def _text(expr: str) -> str:
    """The message texts inside GenAI message JSON ("content" strings), else the raw value."""
    parts = f"extractAll({expr}, '\"content\"\\\\s*:\\\\s*\"((?:[^\"\\\\\\\\]|\\\\\\\\.)*)\"')"
    return f"if(empty({parts}), {expr}, arrayStringConcat({parts}, ' '))"


def sample_content(store: Store, group: Group, window: Window, quota: int, seed: int) -> pl.DataFrame:
    """Length descriptors of the sampled calls' captured content: characters and words, in and out.

    Characters are Unicode code points and words are whitespace-separated runs: deterministic,
    no language model, no word list. Only spans that carry content are returned.
    """
    inp, out = _text(_content(INPUT_CONTENT_KEYS)), _text(_content(OUTPUT_CONTENT_KEYS))
    keys = list(INPUT_CONTENT_KEYS + OUTPUT_CONTENT_KEYS)
    return query_df(store, f"""
SELECT TraceId AS trace_id, SpanId AS span_id,
    toFloat64(lengthUTF8(i)) AS input_chars, toFloat64(length(splitByWhitespace(i))) AS input_words,
    toFloat64(lengthUTF8(o)) AS output_chars, toFloat64(length(splitByWhitespace(o))) AS output_words
FROM (
    SELECT TraceId, SpanId, {inp} AS i, {out} AS o
    FROM otel_traces
    WHERE ServiceName = {{service:String}}
      AND Timestamp >= {{since:{NS_TYPE}}} AND Timestamp < {{until:{NS_TYPE}}}
      AND hasAny(mapKeys(SpanAttributes), {{keys:Array(String)}})
      AND (TraceId, SpanId) IN ({_sample_sql("trace_id, span_id")})
)""", {**_params(group, window, quota, seed), "keys": keys})


def has_content(store: Store, group: Group, window: Window) -> bool:
    """Whether any span of the service in the window carries captured content."""
    rows = query_rows(store, f"""
SELECT 1 AS found FROM otel_traces
WHERE ServiceName = {{service:String}} AND Timestamp >= {{since:{NS_TYPE}}} AND Timestamp < {{until:{NS_TYPE}}}
  AND hasAny(mapKeys(SpanAttributes), {{keys:Array(String)}})
LIMIT 1""", {"service": group.service_name, "since": time_param(window.since), "until": time_param(window.until),
             "keys": list(INPUT_CONTENT_KEYS + OUTPUT_CONTENT_KEYS)})
    return bool(rows)


def insert_results(store: Store, results: pa.Table, features: pa.Table) -> None:
    """Store comparisons and their features (features first: a result row never lacks its features)."""
    if features.num_rows:
        store.insert_arrow("drift_feature_results", features)
    if results.num_rows:
        store.insert_arrow("drift_results", results)


RESULT_COLUMNS = ("id", "run_id", "computed_at", "project", "service_name", "model", "feature", "reference_since",
                  "reference_until", "current_since", "current_until", "reference_rows", "current_rows",
                  "reference_sample", "current_sample", "status", "drifted", "drifted_features",
                  "compared_features", "drift_share", "drift_share_threshold", "report_file", "seconds")
FEATURE_COLUMNS = ("id", "computed_at", "name", "kind", "status", "method", "score", "threshold", "direction",
                   "drifted", "reference_values", "current_values", "reference_mean", "current_mean", "reference_p50",
                   "current_p50", "reference_p95", "current_p95", "bins", "reference_counts", "current_counts")


def _where(filters: Filters) -> tuple[str, dict[str, Any]]:
    """Filters over drift_results: computed_at in the range, project/service/model/feature picks."""
    clauses = [f"computed_at >= {{since:{MS_TYPE}}}", f"computed_at < {{until:{MS_TYPE}}}"]
    params: dict[str, Any] = {"since": time_param(filters.since, 3), "until": time_param(filters.until, 3)}
    for column, values in (("project", filters.projects), ("service_name", filters.services),
                           ("model", filters.models), ("feature", filters.extra.get("feature", ()))):
        if values:
            clauses.append(f"{column} IN {{{column}:Array(String)}}")
            params[column] = list(values)
    return " AND ".join(clauses), params


def list_results(store: Store, filters: Filters, latest: bool, limit: int) -> pa.Table:
    """Comparisons in the range, newest first; with `latest`, only the newest one per group."""
    where, params = _where(filters)
    by_group = "LIMIT 1 BY project, service_name, model, feature" if latest else ""
    return store.query_arrow(f"""
SELECT {', '.join(RESULT_COLUMNS)} FROM drift_results
WHERE {where}
ORDER BY computed_at DESC, id
{by_group}
LIMIT {{limit:UInt32}}""", {**params, "limit": limit})


def get_result(store: Store, result_id: str) -> pa.Table:
    """One comparison by id (no rows when the id is unknown)."""
    return store.query_arrow(f"SELECT {', '.join(RESULT_COLUMNS)} FROM drift_results WHERE id = {{id:String}}",
                             {"id": result_id})


def feature_results(store: Store, ids: list[str]) -> pa.Table:
    """The per-feature rows of the given comparisons, by id then feature name."""
    return store.query_arrow(f"""
SELECT {', '.join(FEATURE_COLUMNS)} FROM drift_feature_results
WHERE id IN {{ids:Array(String)}}
ORDER BY id, name""", {"ids": ids})
