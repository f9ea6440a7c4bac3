"""What the `change_regression` detector reads: every verdict run in a window, with the change it judged.

A change has one verdict row per analysis run (`change_verdicts`, plain MergeTree); the detector keeps the
newest run of each change itself, so that a backtest sees the verdicts as they stood at every step.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import datetime
from typing import Any

import polars as pl

from store.base import Store, query_df
from store.params import NS_TYPE, time_param

# Dimensions of a change a rule may filter on, by API name (fixed text).
DIMENSIONS = {"project": "c.project", "service": "c.service", "kind": "c.kind"}


def verdict_runs(store: Store, where: Mapping[str, Sequence[str]], since: datetime, until: datetime) -> pl.DataFrame:
    """Verdict runs in [since, until) (time = the run) joined with their change; `where` over DIMENSIONS."""
    clause, params = "", {}
    for name, values in sorted(where.items()):
        if name not in DIMENSIONS:
            raise ValueError(f"not a change dimension: {name}")
        clause += f" AND {DIMENSIONS[name]} IN {{w_{name}:Array(String)}}"
        params[f"w_{name}"] = list(values)
    query_params: dict[str, Any] = {**params, "since": time_param(since), "until": time_param(until)}
    return query_df(store, f"""
SELECT toDateTime64(v.run_at, 6, 'UTC') AS time, v.change_id AS change_id, v.mode AS mode, v.verdict AS verdict,
    v.score AS score, v.worse AS worse, toDateTime64(v.window_start, 6, 'UTC') AS window_start,
    toDateTime64(v.window_end, 6, 'UTC') AS window_end, v.report AS report,
    c.project AS project, c.service AS service, c.model AS model, c.kind AS kind, c.dimension AS dimension,
    c.subject AS subject, c.from_value AS from_value, c.to_value AS to_value,
    toDateTime64(c.at, 6, 'UTC') AS changed_at, c.source AS source, c.author AS author, c.link AS link
FROM change_verdicts AS v
INNER JOIN (SELECT * FROM changes FINAL) AS c ON c.id = v.change_id
WHERE v.run_at >= {{since:{NS_TYPE}}} AND v.run_at < {{until:{NS_TYPE}}}{clause}
ORDER BY time, change_id""", query_params)
