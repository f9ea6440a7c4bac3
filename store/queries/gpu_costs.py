"""GPU cost: what the GPU cost job reads and writes, and the per-host costs the API serves.

Rows of the GPU cost tables count only when they belong to the latest recorded run of their
hour (`gpu_cost_runs`, see store/migrations/m0007_gpu_costs.py); `LATEST_RUN` is that
condition, shared by every reader here and by the FOCUS export.
"""

from __future__ import annotations

from datetime import datetime

import polars as pl
import pyarrow as pa

from store.base import Store, query_df
from store.params import NS_TYPE, S_TYPE, time_param
from store.queries.filters import Filters


def latest_run(hours_where: str) -> str:
    """The condition on (hour, computed_at) that keeps only the latest recorded run of each hour matching
    `hours_where` (over `hour`). GLOBAL: on a cluster the runs live on other shards than the rows (on one
    node it is a plain IN)."""
    return f"""(hour, computed_at) GLOBAL IN (
    SELECT hour, max(computed_at) FROM gpu_cost_runs WHERE {hours_where} GROUP BY hour)"""


# The latest run of each hour in [{start}, {end}): the only rows readers may see.
LATEST_RUN = latest_run(f"hour >= {{start:{S_TYPE}}} AND hour < {{end:{S_TYPE}}}")
CALL_COLUMNS = ("timestamp", "trace_id", "span_id", "project", "service_name", "environment", "team", "feature",
                "user_id", "provider", "model", "host_name", "input_tokens", "output_tokens")


def gpu_samples(store: Store, start: datetime, end: datetime) -> pl.DataFrame:
    """One row per GPU sample in [start, end) from the preferred source, for `gpu_time`."""
    return query_df(store, f"""
SELECT host_name, gpu_uuid, gpu_model, project, timestamp, utilization
FROM gpu_samples_preferred(start={{start:{NS_TYPE}}}, end={{end:{NS_TYPE}}})""",
                    {"start": time_param(start), "end": time_param(end)})


def calls(store: Store, start: datetime, end: datetime, hosts: list[str], providers: list[str]) -> pl.DataFrame:
    """The LLM calls (deduplicated) whose span started in [start, end) on one of `hosts` (llm_calls host
    names) or of one of `providers` (lower case): the only calls a GPU host can have served or that can be
    unknown-host calls."""
    return query_df(store, f"""
SELECT {", ".join(CALL_COLUMNS)}
FROM llm_calls FINAL
WHERE timestamp >= {{start:{NS_TYPE}}} AND timestamp < {{end:{NS_TYPE}}}
    AND (host_name IN {{hosts:Array(String)}} OR lower(provider) IN {{providers:Array(String)}})""",
                    {"start": time_param(start), "end": time_param(end), "hosts": hosts, "providers": providers})


def allocations(store: Store, hour: datetime) -> pl.DataFrame:
    """The calls of `hour`'s latest run with their GPU cost (what a new run is compared with)."""
    where = f"hour = {{hour:{S_TYPE}}}"
    return query_df(store, f"""
SELECT trace_id, span_id, timestamp, gpu_cost, priced FROM request_gpu_costs
WHERE toDate(timestamp) = toDate({{hour:{S_TYPE}}}) AND {where} AND {latest_run(where)}""",
                    {"hour": time_param(hour, 0)})


def write_run(store: Store, hours: list[datetime], hourly: pa.Table, requests: pa.Table, unknown: pa.Table,
              computed_at: datetime, queued_until: datetime) -> None:
    """Insert one run's rows, then its markers (last, so a failed run leaves the previous one in force and its
    hours pending); `queued_until` is the queue time the run consumed up to (migration 18)."""
    for table, rows in (("gpu_cost_hourly", hourly), ("request_gpu_costs", requests),
                        ("gpu_unknown_host_calls", unknown)):
        if rows.num_rows:
            store.insert_arrow(table, rows)
    runs = pa.table({"hour": pa.array(hours, pa.timestamp("s", "UTC")),
                     "computed_at": pa.array([computed_at] * len(hours), pa.timestamp("ms", "UTC")),
                     "queued_until": pa.array([queued_until] * len(hours), pa.timestamp("ms", "UTC"))})
    store.insert_arrow("gpu_cost_runs", runs)


def _range(f: Filters) -> dict[str, str]:
    return {"start": time_param(f.since, 0), "end": time_param(f.until, 0)}


def _where(f: Filters) -> str:
    projects = " AND project IN {projects:Array(String)}" if f.projects else ""
    return f"hour >= {{start:{S_TYPE}}} AND hour < {{end:{S_TYPE}}}{projects} AND {LATEST_RUN}"


def _params(f: Filters) -> dict:
    return {**_range(f), **({"projects": list(f.projects)} if f.projects else {})}


def host_costs(store: Store, f: Filters, step_seconds: int | None = None) -> pa.Table:
    """Per GPU host (and per `step` bucket when given): cost, allocated, idle, calls, unknown-host calls.

    `priced_hours`/`unpriced_hours` tell whether a NULL-free sum covers every hour of the host:
    a host-hour with an unpriced GPU adds nothing to the sums and one to `unpriced_hours`.
    """
    bucket = ("toStartOfInterval(hour, toIntervalSecond({step:UInt32})) AS bucket" if step_seconds
              else "toDateTime('1970-01-01 00:00:00', 'UTC') AS bucket")
    params = {**_params(f), **({"step": step_seconds} if step_seconds else {})}
    return store.query_arrow(f"""
SELECT toDateTime64(bucket, 9, 'UTC') AS bucket, host_name,
    sum(h_cost) AS gpu_cost, sum(h_allocated) AS allocated, sum(h_idle) AS idle,
    if(sum(h_cost) > 0, toFloat64(sum(h_idle)) / toFloat64(sum(h_cost)), NULL) AS idle_share,
    sum(h_gpu_seconds) AS gpu_seconds, max(h_gpus) AS gpu_count, sum(h_calls) AS calls,
    sum(h_unknown) AS unknown_host_calls, sum(h_priced) AS priced_hours, sum(h_unpriced) AS unpriced_hours,
    arrayStringConcat(arraySort(groupUniqArrayIf(h_source, h_source != '')), '; ') AS price_source
FROM (
    SELECT {bucket}, host_name, cost AS h_cost, allocated AS h_allocated, idle AS h_idle,
        gpu_seconds AS h_gpu_seconds, gpu_count AS h_gpus, calls AS h_calls, toUInt64(0) AS h_unknown,
        toUInt64(priced) AS h_priced, toUInt64(NOT priced) AS h_unpriced, price_source AS h_source
    FROM gpu_cost_hourly FINAL WHERE {_where(f)}
    UNION ALL
    SELECT {bucket}, host_name, NULL, NULL, NULL, toDecimal128(0, 9), toUInt32(0), toUInt64(0), calls,
        toUInt64(0), toUInt64(0), ''
    FROM gpu_unknown_host_calls FINAL WHERE {_where(f)}
)
GROUP BY bucket, host_name
ORDER BY bucket, host_name""", params)
