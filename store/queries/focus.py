"""The FOCUS export's three sources, each summed per hour x resource x tag set in the store.

- API calls: `request_costs FINAL`, per (hour, provider, model, tags, price entry, catalog
  version); priced calls' costs are summed, unpriced calls only counted. Calls served by a
  GPU host (in `request_gpu_costs`) are left out: their cost is the GPU time, and a token
  price on them too would count them twice.
- GPU cost allocated to calls: `request_gpu_costs` of the latest GPU cost run per hour.
- GPU idle cost: `gpu_cost_hourly` of the latest run, one row per host-hour.
Hours are whole: [start, end) must be on hour boundaries (the caller aligns them). `projects` (empty: all)
limits each source to those projects' rows (an API key's scope).
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

import polars as pl

from store.base import Store, query_df
from store.params import NS_TYPE, S_TYPE, time_param
from store.queries.gpu_costs import LATEST_RUN

_TAGS = "project, service_name, environment, team, feature"
# Calls by span time: prunes the daily partitions of request_costs and request_gpu_costs.
_CALL_WINDOW = f"timestamp >= {{start:{NS_TYPE}}} AND timestamp < {{end:{NS_TYPE}}}"


def _params(start: datetime, end: datetime, projects: Sequence[str]) -> dict[str, Any]:
    return {"start": time_param(start, 0), "end": time_param(end, 0), "projects": list(projects)}


def _of(projects: Sequence[str]) -> str:
    return " AND project IN {projects:Array(String)}" if projects else ""


def api_usage(store: Store, start: datetime, end: datetime, projects: Sequence[str] = ()) -> pl.DataFrame:
    """Priced cost, call counts and tokens of API calls, per hour x model x tag set x price entry."""
    return query_df(store, f"""
SELECT toDateTime64(toStartOfHour(timestamp), 0, 'UTC') AS hour, provider, model, {_TAGS}, currency, entry_id,
    catalog_version, sumIf(cost_total, priced) AS cost, countIf(priced) AS priced_calls,
    countIf(NOT priced) AS unpriced_calls, sum(input_tokens) AS input_tokens, sum(output_tokens) AS output_tokens
FROM request_costs FINAL
WHERE {_CALL_WINDOW}{_of(projects)}
    AND (trace_id, span_id) GLOBAL NOT IN (
        SELECT trace_id, span_id FROM request_gpu_costs
        WHERE {_CALL_WINDOW} AND hour >= {{start:{S_TYPE}}} AND hour < {{end:{S_TYPE}}} AND {LATEST_RUN})
GROUP BY hour, provider, model, {_TAGS}, currency, entry_id, catalog_version
ORDER BY hour, provider, model, {_TAGS}, entry_id, catalog_version""", _params(start, end, projects))


def gpu_allocated(store: Store, start: datetime, end: datetime, projects: Sequence[str] = ()) -> pl.DataFrame:
    """GPU cost allocated to calls, per hour x GPU host x model x tag set."""
    return query_df(store, f"""
SELECT hour, gpu_host, provider, model, {_TAGS}, currency, price_source, price_version,
    sumIf(gpu_cost, priced) AS cost, countIf(priced) AS priced_calls, countIf(NOT priced) AS unpriced_calls,
    sum(input_tokens) AS input_tokens, sum(output_tokens) AS output_tokens
FROM request_gpu_costs FINAL
WHERE {_CALL_WINDOW} AND hour >= {{start:{S_TYPE}}} AND hour < {{end:{S_TYPE}}} AND {LATEST_RUN}{_of(projects)}
GROUP BY hour, gpu_host, provider, model, {_TAGS}, currency, price_source, price_version
ORDER BY hour, gpu_host, provider, model, {_TAGS}""", _params(start, end, projects))


def gpu_idle(store: Store, start: datetime, end: datetime, projects: Sequence[str] = ()) -> pl.DataFrame:
    """Each GPU host-hour's idle cost (NULL when unpriced) and idle GPU time."""
    return query_df(store, f"""
SELECT hour, host_name, project, currency, price_source, price_version, priced, idle, idle_gpu_seconds
FROM gpu_cost_hourly FINAL
WHERE hour >= {{start:{S_TYPE}}} AND hour < {{end:{S_TYPE}}} AND {LATEST_RUN}{_of(projects)}
ORDER BY hour, host_name""", _params(start, end, projects))
