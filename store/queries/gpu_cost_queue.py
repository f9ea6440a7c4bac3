"""Which hours the GPU cost job still has to price, and which hours of a range have no GPU price yet.

An hour is *pending* while a queue row of it is newer than its latest run's `queued_until`
(migration 18): rows of `gpu_cost_queue` (GPU samples, widened by the sample gap to the hours
whose GPU time they change) and of `cost_rollup_queue` queued by the cost job (calls). The job
prices the pending hours; the API lists the hours of a range that have GPU samples or self-hosted
calls and still no priced run, with the reason (`unpriced_hours`).
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from store.base import Store, query_rows
from store.params import MS_TYPE, S_TYPE, time_param
from store.queries.gpu_costs import LATEST_RUN

# The hours each queue row asks for, with its queue time.
_QUEUED = f"""
    SELECT arrayJoin(arrayMap(h -> toDateTime(h, 'UTC'), range(
        toUInt32(toStartOfHour(first_sample - toIntervalMillisecond({{gap_ms:UInt64}}))),
        toUInt32(toStartOfHour(last_sample + toIntervalMillisecond({{gap_ms:UInt64}}))) + 1, 3600))) AS hour, queued_at
    FROM gpu_cost_queue WHERE queued_at > {{after:{MS_TYPE}}}
    UNION ALL
    SELECT hour, queued_at FROM cost_rollup_queue WHERE queued_at > {{after:{MS_TYPE}}} AND source != 'gpu'"""
# Per hour, the queue time its latest run consumed up to (the epoch without a run).
_DONE = "SELECT toDateTime(hour, 'UTC') AS hour, argMax(queued_until, computed_at) AS done FROM gpu_cost_runs GROUP BY hour"


def store_time(store: Store) -> datetime:
    """The store's clock, which stamps queue rows (`queued_at`)."""
    return query_rows(store, "SELECT now64(3) AS now")[0]["now"]


def pending_hours(store: Store, after: datetime, gap_seconds: float, start: datetime | None = None,
                  end: datetime | None = None) -> list[datetime]:
    """The hours (newest first) with a queue row newer than `after` and than their latest run's `queued_until`;
    within [start, end) when given."""
    params: dict[str, Any] = {"after": time_param(after, 3), "gap_ms": int(gap_seconds * 1000)}
    within = ""
    if start is not None and end is not None:
        within = f" AND q.hour >= {{start:{S_TYPE}}} AND q.hour < {{end:{S_TYPE}}}"
        params |= {"start": time_param(start, 0), "end": time_param(end, 0)}
    rows = query_rows(store, f"""
SELECT toDateTime64(q.hour, 0, 'UTC') AS hour
FROM (SELECT hour, max(queued_at) AS queued_at FROM ({_QUEUED}) GROUP BY hour) AS q
LEFT JOIN ({_DONE}) AS r ON q.hour = r.hour
WHERE q.queued_at > r.done{within}
ORDER BY hour DESC""", params)
    return [r["hour"] for r in rows]


def hours_with_data(store: Store, start: datetime, end: datetime, projects: list[str],
                    providers: list[str]) -> list[dict[str, Any]]:
    """The hours of [start, end) with GPU samples or calls of `providers` (lower case, self-hosted), and no
    GPU cost run; each with its self-hosted calls (from the spend rollup)."""
    project = " AND project IN {projects:Array(String)}" if projects else ""
    return query_rows(store, f"""
SELECT toDateTime64(d.hour, 0, 'UTC') AS hour, sum(d.calls) AS calls FROM (
    SELECT DISTINCT period AS hour, toUInt64(0) AS calls FROM gpu_samples_1h
    WHERE period >= {{start:{S_TYPE}}} AND period < {{end:{S_TYPE}}}{project}
    UNION ALL
    SELECT hour, sum(calls) FROM cost_hourly FINAL
    WHERE hour >= {{start:{S_TYPE}}} AND hour < {{end:{S_TYPE}}} AND lower(provider) IN {{providers:Array(String)}}{project}
    GROUP BY hour) AS d
WHERE d.hour NOT IN (SELECT toDateTime(hour, 'UTC') FROM gpu_cost_runs
                     WHERE hour >= {{start:{S_TYPE}}} AND hour < {{end:{S_TYPE}}})
GROUP BY d.hour
ORDER BY d.hour""", {"start": time_param(start, 0), "end": time_param(end, 0), "projects": projects,
                     "providers": providers})


def unpriced_host_hours(store: Store, start: datetime, end: datetime, projects: list[str]) -> list[dict[str, Any]]:
    """The host-hours of [start, end)'s latest runs with no GPU price (`price_source` says why) or with
    calls of self-hosted providers on a host that sent no GPU samples (`unknown`)."""
    project = " AND project IN {projects:Array(String)}" if projects else ""
    where = f"hour >= {{start:{S_TYPE}}} AND hour < {{end:{S_TYPE}}}{project} AND {LATEST_RUN}"
    return query_rows(store, f"""
SELECT hour, host_name, false AS unknown, price_source, calls FROM gpu_cost_hourly FINAL WHERE NOT priced AND {where}
UNION ALL
SELECT hour, host_name, true, '', sum(calls) FROM gpu_unknown_host_calls FINAL WHERE {where} GROUP BY hour, host_name
ORDER BY hour, host_name""", {"start": time_param(start, 0), "end": time_param(end, 0), "projects": projects})
