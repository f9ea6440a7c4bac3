"""What the quality detectors read: quality-score counts per bucket (pass rates, mean scores, negative
feedback) and drift comparisons with their drifted features.

Scores are counted per bucket, source, score name and dimension, with the sums a detector needs
to compare any two windows: count, good (a passing evaluation or positive feedback, by the one
definition of store/queries/quality.py), and count, sum and sum of squares of the numeric values.
Every row's `time` is the end of its bucket, or for a drift comparison the moment it was computed.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import datetime, timedelta
from typing import Any

import polars as pl

from store.base import Store, query_df
from store.params import MS_TYPE, NS_TYPE, time_param
from store.queries.quality import GOOD, QualityRules

# Dimensions of quality_scores and drift_results by API name (fixed text).
DIMENSIONS = {"project": "project", "service": "service_name", "model": "model", "team": "team", "feature": "feature"}
DRIFT_DIMENSIONS = ("project", "service", "model", "feature")


def _filters(where: Mapping[str, Sequence[str]], known: Sequence[str]) -> tuple[str, dict[str, Any]]:
    clause, params = "", {}
    for name, values in sorted(where.items()):
        if name not in known:
            raise ValueError(f"not a dimension here: {name}")
        clause += f" AND {DIMENSIONS[name]} IN {{w_{name}:Array(String)}}"
        params[f"w_{name}"] = list(values)
    return clause, params


def score_counts(store: Store, dims: Sequence[str], where: Mapping[str, Sequence[str]], names: Sequence[str],
                 since: datetime, until: datetime, step: timedelta, rules: QualityRules) -> pl.DataFrame:
    """Evaluation and feedback scores per `step` bucket, source, score name and `dims` in [since, until)
    (`names` empty: every score name)."""
    clause, params = _filters(where, tuple(DIMENSIONS))
    if names:
        clause += " AND name IN {names:Array(String)}"
        params["names"] = list(names)
    select = "".join(f"{DIMENSIONS[n]} AS {n}, " for n in dims)
    group = "".join(f", {n}" for n in dims)
    finite = "value IS NOT NULL AND isFinite(value)"
    return query_df(store, f"""
SELECT toDateTime64(toStartOfInterval(timestamp, toIntervalSecond({{step:UInt32}}))
                    + toIntervalSecond({{step:UInt32}}), 6, 'UTC') AS time,
    source, name AS score, {select}count() AS count, countIf({GOOD}) AS good, countIf({finite}) AS valued,
    sumIf(value, {finite}) AS value_sum, sumIf(value * value, {finite}) AS value_sumsq
FROM quality_scores FINAL
WHERE timestamp >= {{since:{NS_TYPE}}} AND timestamp < {{until:{NS_TYPE}}} AND source IN ('eval', 'feedback'){clause}
GROUP BY time, source, score{group}
ORDER BY time, source, score{group}""", {**params, **rules.params(), "since": time_param(since), "until": time_param(until),
                                         "step": int(step.total_seconds())})


def drift_verdicts(store: Store, where: Mapping[str, Sequence[str]], since: datetime, until: datetime) -> pl.DataFrame:
    """Drift comparisons computed in [since, until) (time = computed_at), with the name, test, score and
    threshold of each drifted feature."""
    clause, params = _filters(where, DRIFT_DIMENSIONS)
    results = f"""computed_at >= {{since:{MS_TYPE}}} AND computed_at < {{until:{MS_TYPE}}}{clause}"""
    return query_df(store, f"""
SELECT toDateTime64(r.computed_at, 6, 'UTC') AS time, r.id AS id, r.project AS project, r.service_name AS service,
    r.model AS model, r.feature AS feature, r.status AS status, r.drifted AS drifted, r.drift_share AS drift_share,
    r.drift_share_threshold AS drift_share_threshold, r.drifted_features AS drifted_features,
    r.compared_features AS compared_features, r.reference_rows AS reference_rows, r.current_rows AS current_rows,
    r.reference_since AS reference_since, r.reference_until AS reference_until,
    r.current_since AS current_since, r.current_until AS current_until,
    f.names AS feature_names, f.methods AS feature_methods, f.scores AS feature_scores,
    f.thresholds AS feature_thresholds
FROM (SELECT * FROM drift_results WHERE {results}) AS r
LEFT JOIN (
    SELECT id, groupArray(name) AS names, groupArray(method) AS methods, groupArray(score) AS scores,
        groupArray(threshold) AS thresholds
    FROM (SELECT id, name, method, score, threshold FROM drift_feature_results
          WHERE drifted AND id IN (SELECT id FROM drift_results WHERE {results}) ORDER BY id, name)
    GROUP BY id) AS f ON r.id = f.id
ORDER BY time, id""", {**params, "since": time_param(since, 3), "until": time_param(until, 3)})
