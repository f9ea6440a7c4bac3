"""The calls of two versions, one row per call, for the comparison of releases (issue 15).

One query reads both sides: calls whose `by` column is the baseline value in the baseline window, or the
candidate value in the candidate window (the windows may differ: the canary job compares a full switch with
the previous version at the same hours of the previous week; one value in two separate windows compares a model
before and after its provider moved it to a new snapshot). One scan of `llm_calls` and one join with the
cost rows serve both sides, and each row says its side (0 baseline, 1 candidate).

Per call: latency and time to first token in milliseconds, whether it failed, its tokens, its spend by the one
rule of store/queries/call_spend.py (token price, or the allocated GPU cost for a GPU-served call; NULL when
the call has no price, or no cost row yet), and the counts of its evaluations (passing ones) and feedback
(positive ones) by the rules of store/queries/quality.py. Scores about a whole trace (no span id) are left out:
a trace's calls may belong to different versions. A call has at most one cost row (FINAL) and one group of
scores, so the joins are ANY joins (they stop at the first match) on a hashed key (`_KEY`): measured on two
million calls, a third of the time of an ALL join on the two strings.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

import pyarrow as pa

from store.base import Store
from store.params import NS_TYPE, S_TYPE, time_param
from store.queries import call_spend
from store.queries.filters import Filters
from store.queries.quality import PASSING, POSITIVE, QualityRules
from store.queries.spend import hour_window

# `by` -> the llm_calls column that tells versions apart.
BY_COLUMNS = {"service_version": "service_version", "prompt_version": "prompt_version", "model": "model",
              "provider": "provider"}
_KEY = call_spend.CALL_KEY


@dataclass(frozen=True)
class Window:
    """[since, until) in UTC."""

    since: datetime
    until: datetime


@dataclass(frozen=True)
class Sides:
    """What to read: `by` column values of the two sides, each in its window, within the same filters."""

    by: str
    baseline: str
    candidate: str
    baseline_window: Window
    candidate_window: Window
    projects: tuple[str, ...] = ()
    services: tuple[str, ...] = ()
    models: tuple[str, ...] = ()  # requested or responded model
    prompt_names: tuple[str, ...] = ()


def _time(name: str, column: str, w: Window, params: dict[str, Any], digits: int = 6) -> str:
    params[f"{name}_since"] = time_param(w.since, digits)
    params[f"{name}_until"] = time_param(w.until, digits)
    kind = S_TYPE if digits == 0 else NS_TYPE
    return f"{column} >= {{{name}_since:{kind}}} AND {column} < {{{name}_until:{kind}}}"


def _filters(s: Sides, params: dict[str, Any], costs: bool = False) -> str:
    """Project and service (the cost and score rows have them too); on the calls also models and prompt names."""
    clauses = ["1"]
    for name, column, values in (("projects", "project", s.projects), ("services", "service_name", s.services)):
        if values:
            clauses.append(f"{column} IN {{{name}:Array(String)}}")
            params[name] = list(values)
    if not costs and s.models:
        clauses.append("(request_model IN {models:Array(String)} OR response_model IN {models:Array(String)})")
        params["models"] = list(s.models)
    if not costs and s.prompt_names:
        clauses.append("prompt_name IN {prompt_names:Array(String)}")
        params["prompt_names"] = list(s.prompt_names)
    return " AND ".join(clauses)


def _hours(w: Window) -> Window:
    """The window widened to whole hours (GPU cost runs are per hour)."""
    return Window(*hour_window(Filters(w.since, w.until)))


def side_calls(store: Store, s: Sides, rules: QualityRules) -> pa.Table:
    """One row per call of either side: `side` (0 baseline, 1 candidate) and the columns of
    releases.metrics.FRAME_SCHEMA."""
    column = BY_COLUMNS[s.by]
    params: dict[str, Any] = {"baseline": s.baseline, "candidate": s.candidate, **rules.params()}
    base_time = _time("b", "timestamp", s.baseline_window, params)
    cand_time = _time("c", "timestamp", s.candidate_window, params)
    # The windows alone first: ClickHouse prunes the sort key (time) by them; the versions are read after FINAL.
    windows = f"(({base_time}) OR ({cand_time}))"
    calls_where = (f"{_filters(s, params)} AND {windows} AND (({column} = {{baseline:String}} AND {base_time}) "
                   f"OR ({column} = {{candidate:String}} AND {cand_time}))")
    others = _filters(s, params, costs=True)
    cost_where = f"{others} AND {windows}"
    quality_where = others  # scores come after their call: from the earlier window's start on
    hours = "(" + " OR ".join(f"({_time(name, 'hour', _hours(w), params, 0)})"
                              for name, w in (("bh", s.baseline_window), ("ch", s.candidate_window))) + ")"
    return store.query_arrow(f"""
SELECT c.side AS side, c.duration_ns / 1e6 AS latency_ms, c.ttft_ns / 1e6 AS ttft_ms, c.status = 'error' AS error,
    c.input_tokens AS input_tokens, c.output_tokens AS output_tokens, s.cost AS cost,
    toUInt32(ifNull(q.evals, 0)) AS evals, toUInt32(ifNull(q.evals_passed, 0)) AS evals_passed,
    toUInt32(ifNull(q.feedback, 0)) AS feedback, toUInt32(ifNull(q.feedback_positive, 0)) AS feedback_positive
FROM (
    SELECT {_KEY}, toUInt8({column} = {{candidate:String}} AND {cand_time}) AS side, duration_ns, ttft_ns, status,
        input_tokens, output_tokens
    FROM llm_calls FINAL
    WHERE {calls_where}) AS c
LEFT ANY JOIN (SELECT {_KEY}, {call_spend.SPEND} AS cost FROM ({call_spend.calls_sql(cost_where, hours)})) AS s
    ON c.k1 = s.k1 AND c.k2 = s.k2
LEFT ANY JOIN (
    SELECT {_KEY}, countIf(source = 'eval') AS evals, countIf(source = 'eval' AND {PASSING}) AS evals_passed,
        countIf(source = 'feedback') AS feedback, countIf(source = 'feedback' AND {POSITIVE}) AS feedback_positive
    FROM quality_scores FINAL
    WHERE joined AND span_id != '' AND source IN ('eval', 'feedback')
        AND timestamp >= least({{b_since:{NS_TYPE}}}, {{c_since:{NS_TYPE}}}) AND {quality_where}
    GROUP BY k1, k2) AS q ON c.k1 = q.k1 AND c.k2 = q.k2
SETTINGS join_use_nulls = 1""", params)
