"""Queries of the quality jobs: the calls the heuristics score, their stored content, the
latency reference, the scores still waiting for their call (feedback, evaluations), and the
removal of feedback rows the score join moved to their call's project.
"""

from __future__ import annotations

from datetime import datetime

import polars as pl

from store.base import Store, query_df, query_rows
from store.base import quote_identifier as q
from store.ddl import DDL
from store.params import MS_TYPE, NS_TYPE, time_param

# The llm_calls columns the heuristics read, and the dimensions every score carries.
DIMENSIONS = ("service_name", "model", "team", "feature")
HEURISTIC_INPUT = ("timestamp", "project", "trace_id", "span_id", *DIMENSIONS, "operation", "status", "error_type",
                   "output_tokens", "usage_reported", "finish_reasons", "duration_ns")
SCORE_COLUMNS = ("timestamp", "project", "trace_id", "span_id", "score_id", "name", "value", "label", "source",
                 "evaluator", "comment", *DIMENSIONS, "joined", "updated_at")
# Span attributes that hold the completion text, and those that say JSON output was requested.
OUTPUT_ATTRIBUTES = ("gen_ai.output.messages", "gen_ai.completion", "gen_ai.completion.0.content", "output.value",
                     "llm.output_messages.0.message.content")
FORMAT_ATTRIBUTES = ("gen_ai.output.type", "gen_ai.openai.request.response_format", "gen_ai.request.response_format")


def calls_ingested(store: Store, after: datetime, until: datetime) -> pl.DataFrame:
    """The calls (FINAL) ingested in (after, until], with what the heuristics look at."""
    return query_df(store, f"""
SELECT {", ".join(HEURISTIC_INPUT)}
FROM llm_calls FINAL
WHERE ingested_at > {{after:{MS_TYPE}}} AND ingested_at <= {{until:{MS_TYPE}}}""",
                    {"after": time_param(after, 3), "until": time_param(until, 3)})


def model_p99(store: Store, since: datetime, until: datetime, min_calls: int) -> pl.DataFrame:
    """Per model with at least `min_calls` calls in [since, until): the p99 duration (ns).

    No FINAL: a duplicate span barely moves a quantile, and this reads a whole day.
    """
    return query_df(store, f"""
SELECT model, toUInt64(quantile(0.99)(duration_ns)) AS p99_ns
FROM llm_calls
WHERE timestamp >= {{since:{NS_TYPE}}} AND timestamp < {{until:{NS_TYPE}}}
GROUP BY model HAVING count() >= {{min_calls:UInt64}}""",
                    {"since": time_param(since), "until": time_param(until), "min_calls": min_calls})


def captured_content(store: Store, since: datetime, until: datetime) -> pl.DataFrame:
    """Completion text and output-format attributes of spans in [since, until] whose content was captured.

    Only spans the collector marked `spyglass.content = redacted` (capture on for their project).
    """
    outputs = ", ".join(f"SpanAttributes['{key}']" for key in OUTPUT_ATTRIBUTES)
    formats = ", ".join(f"SpanAttributes['{key}']" for key in FORMAT_ATTRIBUTES)
    return query_df(store, f"""
SELECT TraceId AS trace_id, SpanId AS span_id, [{outputs}] AS outputs, [{formats}] AS formats
FROM otel_traces
WHERE Timestamp >= {{since:{NS_TYPE}}} AND Timestamp <= {{until:{NS_TYPE}}}
  AND SpanAttributes['spyglass.content'] = 'redacted'""", {"since": time_param(since), "until": time_param(until)})


def unjoined_scores(store: Store, since: datetime, limit: int) -> pl.DataFrame:
    """Scores (FINAL) since `since` that still lack their call's dimensions, newest first."""
    return query_df(store, f"""
SELECT {", ".join(c for c in SCORE_COLUMNS if c not in (*DIMENSIONS, "joined", "updated_at"))}
FROM quality_scores FINAL
WHERE NOT joined AND timestamp >= {{since:{NS_TYPE}}}
ORDER BY timestamp DESC LIMIT {{limit:UInt64}}""", {"since": time_param(since), "limit": limit})


def calls_of_traces(store: Store, trace_ids: list[str]) -> pl.DataFrame:
    """The calls (FINAL) of these traces, with their dimensions."""
    return query_df(store, f"""
SELECT project, trace_id, span_id, timestamp, {", ".join(DIMENSIONS)}
FROM llm_calls FINAL
WHERE trace_id IN {{ids:Array(String)}}""", {"ids": trace_ids})


def score_times(store: Store, trace_ids: list[str], score_ids: list[str]) -> dict[str, datetime]:
    """The timestamps of already stored scores among `score_ids` (looked up through their traces' index).

    The timestamp is part of quality_scores' sort key: a score written again must keep its
    first timestamp to replace the earlier row rather than sit beside it.
    """
    rows = query_rows(store, """
SELECT score_id, min(timestamp) AS timestamp FROM quality_scores
WHERE trace_id IN {traces:Array(String)} AND score_id IN {ids:Array(String)}
GROUP BY score_id""", {"traces": trace_ids, "ids": score_ids})
    return {row["score_id"]: row["timestamp"] for row in rows}


def delete_scores(store: Store, trace_ids: list[str], score_ids: list[str]) -> None:
    """Remove these scores for every reader: a lightweight delete masks the rows at once (merges drop them).

    The score join uses it for feedback it has rewritten under another project: the project is
    in the sort key, so the new row cannot replace the old one and the old one must go.
    """
    ddl = DDL(store.database, store.cluster)
    store.command(f"""
DELETE FROM {q(ddl.local("quality_scores"))}{ddl.on_cluster}
WHERE trace_id IN {{traces:Array(String)}} AND score_id IN {{ids:Array(String)}}""",
                  {"traces": trace_ids, "ids": score_ids})


def unjoined_feedback(store: Store, horizon: datetime, projects: tuple[str, ...] = ()) -> dict:
    """Feedback still without its call: how much is within the join horizon (`waiting`), how much older
    (`expired`: the join no longer looks for its call) and the oldest of those (None when there is none)."""
    where = "project IN {projects:Array(String)} AND " if projects else ""
    [row] = query_rows(store, f"""
SELECT countIf(timestamp >= {{horizon:{NS_TYPE}}}) AS waiting, countIf(timestamp < {{horizon:{NS_TYPE}}}) AS expired,
    minIf(timestamp, timestamp < {{horizon:{NS_TYPE}}}) AS oldest_expired
FROM quality_scores FINAL
WHERE {where}source = 'feedback' AND NOT joined""", {"horizon": time_param(horizon), "projects": list(projects)})
    if not row["expired"]:
        row["oldest_expired"] = None
    return row
