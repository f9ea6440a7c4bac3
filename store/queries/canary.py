"""What the canary job reads and writes: the recent changes it may judge, whether a previous version still
serves, and one verdict row per change and run."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

import polars as pl

from store.base import Store, query_rows
from store.params import NS_TYPE, time_param

# A comparison's `by` -> the `llm_calls` column it splits on (fixed text: the only names put in SQL).
COLUMNS = {"service_version": "service_version", "prompt_version": "prompt_version", "model": "model",
           "provider": "provider"}

_VERDICT_SCHEMA: dict[str, Any] = {"change_id": pl.String, "run_at": pl.Datetime("ns", "UTC"), "mode": pl.String,
                   "window_start": pl.Datetime("ns", "UTC"), "window_end": pl.Datetime("ns", "UTC"),
                   "verdict": pl.String, "score": pl.Float64, "worse": pl.List(pl.String), "report": pl.String}


def recent_changes(store: Store, since: datetime, until: datetime) -> list[dict[str, Any]]:
    """Changes of a comparable dimension that happened in [since, until], oldest first."""
    return query_rows(store, f"""
SELECT id, at, project, service, model, dimension, subject, from_value, to_value
FROM changes FINAL
WHERE at >= {{since:{NS_TYPE}}} AND at <= {{until:{NS_TYPE}}} AND dimension IN {{dimensions:Array(String)}}
ORDER BY at, id""", {"since": time_param(since), "until": time_param(until), "dimensions": list(COLUMNS)})


def serves(store: Store, by: str, value: str, project: str, service: str, prompt_name: str, since: datetime,
           until: datetime) -> bool:
    """Whether any call of the scope carried `value` in `by` in [since, until): one granule is enough."""
    column = COLUMNS[by]
    rows = query_rows(store, f"""
SELECT 1 AS found FROM llm_calls
WHERE project = {{project:String}} AND service_name = {{service:String}} AND {column} = {{value:String}}
    AND ({{prompt:String}} = '' OR prompt_name = {{prompt:String}})
    AND timestamp >= {{since:{NS_TYPE}}} AND timestamp < {{until:{NS_TYPE}}}
LIMIT 1""", {"project": project, "service": service, "value": value, "prompt": prompt_name,
             "since": time_param(since), "until": time_param(until)})
    return bool(rows)


def insert_verdicts(store: Store, rows: Sequence[dict[str, Any]]) -> None:
    """Verdict rows (one per change judged in a run), in one insert."""
    if rows:
        store.insert_arrow("change_verdicts", pl.DataFrame(list(rows), schema=_VERDICT_SCHEMA, orient="row").to_arrow())
