"""Quality scores as the API reads them: summary, time series, worst, feedback, cost per good outcome.

All read `quality_scores FINAL` (one row per score, joined or not). What counts as good
is one definition, `QualityRules`, used everywhere:
- an evaluation (source eval) **passes** when its label is a pass label (pass, passed,
  true, correct, yes; case-insensitive) or its value is at least the pass threshold (0.5);
- a feedback is **positive** when its value is > 0 or its label is a positive label
  (positive, thumbs_up, up, good, like, yes, true);
- a heuristic row is a failed check, so its rate is rows / calls in the same filters.

Queried a table rather than a rollup: the dashboard's ranges read days of scores, far
fewer rows than calls (heuristics write only what they flag), and FINAL over daily
partitions is cheap once compaction has merged the closed days.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from decimal import ROUND_HALF_EVEN, Decimal
from typing import Any

import pyarrow as pa

from store.base import Store, query_rows
from store.queries.filters import Filters

# `by` values of time series and cost breakdowns, and the quality_scores column of each.
BY_COLUMNS = {"model": "model", "feature": "feature", "team": "team", "service": "service_name"}
SOURCES = ("eval", "feedback", "heuristic")
MONEY = Decimal("0.000000000001")  # Decimal(38, 12)


@dataclass(frozen=True)
class QualityRules:
    """What passing evaluations and positive feedback are (settings quality.pass_labels, quality.pass_threshold,
    quality.feedback_positive_labels)."""

    pass_labels: tuple[str, ...] = ("pass", "passed", "true", "correct", "yes")
    pass_threshold: float = 0.5
    positive_labels: tuple[str, ...] = ("positive", "thumbs_up", "up", "good", "like", "yes", "true")

    def params(self) -> dict[str, Any]:
        return {"pass_labels": [x.lower() for x in self.pass_labels], "pass_threshold": self.pass_threshold,
                "positive_labels": [x.lower() for x in self.positive_labels]}


PASSING = ("(lower(label) IN {pass_labels:Array(String)} "
           "OR ifNull(value >= {pass_threshold:Float64}, false))")
POSITIVE = "(lower(label) IN {positive_labels:Array(String)} OR ifNull(value > 0, false))"
# Good, per source: a passing evaluation, a positive feedback; a heuristic row is never good.
GOOD = f"multiIf(source = 'eval', {PASSING}, source = 'feedback', {POSITIVE}, false)"


def where(f: Filters) -> tuple[str, dict[str, Any]]:
    """The WHERE clause over quality_scores (which has one `model` column, not request/response)."""
    clause, params = dataclasses.replace(f, models=()).where()
    if f.models:
        clause += " AND model IN {models:Array(String)}"
        params["models"] = list(f.models)
    return clause, params


def summary(store: Store, f: Filters, rules: QualityRules) -> dict[str, Any]:
    """Per (source, name): count, mean value, good count; plus the calls in the same filters."""
    clause, params = where(f)
    rows = query_rows(store, f"""
SELECT source, name, count() AS count, avg(value) AS mean, countIf({GOOD}) AS good,
       countIf(joined) AS joined
FROM quality_scores FINAL
WHERE {clause}
GROUP BY source, name ORDER BY source, name""", {**params, **rules.params()})
    calls_clause, calls_params = f.where()
    calls = query_rows(store, f"SELECT count() AS n FROM llm_calls FINAL WHERE {calls_clause}", calls_params)[0]["n"]
    return {"calls": calls, "scores": rows}


def timeseries(store: Store, f: Filters, step: int, by: str, source: str, rules: QualityRules) -> pa.Table:
    """Per bucket of `step` seconds, `by` value and score name: count, mean value, good count."""
    clause, params = where(f)
    return store.query_arrow(f"""
SELECT toDateTime64(toStartOfInterval(timestamp, toIntervalSecond({{step:UInt32}})), 9, 'UTC') AS bucket,
       {BY_COLUMNS[by]} AS series,
       name, count() AS count, avg(value) AS mean, countIf({GOOD}) AS good
FROM quality_scores FINAL
WHERE {clause} AND source = {{source:String}}
GROUP BY bucket, series, name ORDER BY bucket, series, name""",
                             {**params, **rules.params(), "step": step, "source": source})


_SCORE_FIELDS = ("timestamp, trace_id, span_id, name, value, label, source, evaluator, comment, project, "
                 "service_name, model, team, feature, joined")


def worst(store: Store, f: Filters, source: str, limit: int, rules: QualityRules) -> pa.Table:
    """The lowest scores: not good first, then by value (lowest first), newest first."""
    clause, params = where(f)
    return store.query_arrow(f"""
SELECT {_SCORE_FIELDS}, {GOOD} AS good
FROM quality_scores FINAL
WHERE {clause} AND source = {{source:String}}
ORDER BY good, value ASC NULLS LAST, timestamp DESC
LIMIT {{limit:UInt32}}""", {**params, **rules.params(), "source": source, "limit": limit})


def feedback(store: Store, f: Filters, limit: int, rules: QualityRules) -> pa.Table:
    """Recent feedback, newest first, with whether it is positive."""
    clause, params = where(f)
    return store.query_arrow(f"""
SELECT {_SCORE_FIELDS}, {POSITIVE} AS positive
FROM quality_scores FINAL
WHERE {clause} AND source = 'feedback'
ORDER BY timestamp DESC LIMIT {{limit:UInt32}}""", {**params, **rules.params(), "limit": limit})


def cost_per_good(store: Store, f: Filters, by: str, source: str, rules: QualityRules) -> list[dict[str, Any]]:
    """Per `by` value: the scored calls, their cost, their good scores and the cost per good score.

    A call is counted once however many scores it has; a trace-level score (no span) is
    about the whole trace, so it carries the cost of all the trace's calls. Unpriced calls
    add nothing to the cost and are counted in `unpriced_calls`. Only joined scores count
    (an unjoined one has no call to price).
    """
    clause, params = where(f)
    rows = query_rows(store, f"""
WITH scored AS (
    SELECT trace_id, span_id, any({BY_COLUMNS[by]}) AS series, countIf({GOOD}) AS good, count() AS scores
    FROM quality_scores FINAL
    WHERE {clause} AND source = {{source:String}} AND joined
    GROUP BY trace_id, span_id
),
costs AS (
    SELECT trace_id, span_id, cost_total FROM request_costs FINAL WHERE trace_id IN (SELECT trace_id FROM scored)
)
SELECT s.series AS series, sum(s.scores) AS scores, sum(s.good) AS good, count() AS calls,
       sum(if(s.span_id = '', t.cost, c.cost)) AS cost,
       countIf(if(s.span_id = '', t.unpriced > 0 OR t.cost IS NULL, c.cost IS NULL)) AS unpriced_calls
FROM scored AS s
LEFT JOIN (SELECT trace_id, span_id, cost_total AS cost FROM costs) AS c
    ON s.trace_id = c.trace_id AND s.span_id = c.span_id
LEFT JOIN (SELECT trace_id, sum(cost_total) AS cost, countIf(cost_total IS NULL) AS unpriced
           FROM costs GROUP BY trace_id) AS t
    ON s.trace_id = t.trace_id
GROUP BY series ORDER BY series
SETTINGS join_use_nulls = 1""", {**params, **rules.params(), "source": source})
    for row in rows:
        cost = row["cost"] if row["cost"] is not None else Decimal(0)
        row["cost"] = cost
        row["cost_per_good"] = (cost / row["good"]).quantize(MONEY, ROUND_HALF_EVEN) if row["good"] else None
    return rows
