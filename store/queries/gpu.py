"""Queries over GPU telemetry: the fleet, its time series, and idle (wasted) stretches.

All three read partial aggregates (`_partials`) from the rollups `gpu_samples_1h` /
`gpu_samples_1m` (store/migrations/m0009_gpu_samples_rollups.py): whole hours where they fit,
minutes for the rest. Windows are whole minutes (since rounded down, until rounded up, so the
current minute is in), which is the grain of every GPU answer: the fleet reads 24 hour rows per
GPU a day instead of 17,280 samples at 5 s.
Sources: per GPU only the best-ranked source that reported it in the window (dcgm > agent >
otlp, the rule of `gpu_samples_preferred`), decided on the hour partials (`_preferred`), so
a GPU seen by two sources is never counted twice. A MIG instance is its own row (same GPU
uuid, its own `mig_instance`): its utilisation is not the whole GPU's.
p95 utilisation merges permille histograms (exact to 0.1 %)."""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import datetime, timedelta, timezone
from typing import Any

import pyarrow as pa

from store.base import Store
from store.params import time_param
from store.queries.filters import Filters
from store.tables import GPU_HOURS as HOUR_TABLE
from store.tables import GPU_MINUTES as MINUTE_TABLE

# One GPU (or MIG instance) as every query groups it.
_GPU_KEY = "project, host_name, gpu_uuid, mig_instance"
# What a time series may be split by.
SERIES_BY = ("gpu", "host")
# The grain of every GPU query: time-series steps are whole minutes, idle stretches are runs of
# one-minute means (a 5 s agent, a 15 s DCGM scrape and a 30 s OTLP export all fill every minute).
MINUTE_SECONDS = 60
# Rollups to read, coarsest first: the fleet view reads whole hours where it can; series and idle
# stretches need minutes.
_MINUTES = ((MINUTE_TABLE, MINUTE_SECONDS),)
_HOURS = ((HOUR_TABLE, 3600), *_MINUTES)


@dataclass(frozen=True)
class GpuFilters:
    """The time range and project/host filters every query takes, plus GPU model and uuid picks."""

    base: Filters
    models: tuple[str, ...] = ()
    gpus: tuple[str, ...] = ()

    def where(self) -> tuple[str, dict[str, Any]]:
        where, params = self.base.where()
        if self.models:
            where += " AND gpu_model IN {gpu_models:Array(String)}"
            params["gpu_models"] = list(self.models)
        if self.gpus:
            where += " AND gpu_uuid IN {gpu_uuids:Array(String)}"
            params["gpu_uuids"] = list(self.gpus)
        return where, params


def _partials(filters: GpuFilters, levels: tuple[tuple[str, int], ...], prefix: str = "p") -> tuple[str, dict[str, Any]]:
    """The window's partial aggregates (every source), as a subquery, and its parameters.

    The window, widened to whole minutes (since rounded down, until rounded up), is covered by
    whole periods of the coarsest rollup in `levels`, its remaining edges by whole periods of
    the next one. Reading the window's partial minutes from gpu_samples instead would scan the
    timestamps of every GPU (the table is sorted by GPU first): a third of the fleet query's time
    for at most a minute of data at each end. A period may still be split over unmerged parts:
    readers sum partials, never count them.
    """
    since, until = _floor(filters.base.since, MINUTE_SECONDS), _ceil(filters.base.until, MINUTE_SECONDS)
    where, params = replace(filters, base=replace(filters.base, since=since, until=until)).where()
    parts: list[str] = []

    def cover(start: datetime, end: datetime, levels: tuple[tuple[str, int], ...]) -> None:
        if start >= end:
            return
        (table, step), finer = levels[0], levels[1:]
        whole_from, whole_to = _ceil(start, step), _floor(end, step)
        if whole_from >= whole_to:
            cover(start, end, finer)
            return
        name = f"{prefix}{len(parts)}"
        params[f"{name}_from"], params[f"{name}_to"] = time_param(whole_from), time_param(whole_to)
        parts.append(f"SELECT * EXCEPT (timestamp, gpu_model) FROM (SELECT *, period AS timestamp, "
                     f"gpu_model_last AS gpu_model FROM {table}) WHERE {where} AND period >= "
                     f"{{{name}_from:DateTime64(9, 'UTC')}} AND period < {{{name}_to:DateTime64(9, 'UTC')}}")
        cover(start, whole_from, finer)
        cover(whole_to, end, finer)

    cover(since, until, levels)
    return "(" + "\nUNION ALL\n".join(parts) + ")", params


def _floor(value: datetime, step: int) -> datetime:
    return datetime.fromtimestamp(int(value.timestamp()) // step * step, timezone.utc)


def _ceil(value: datetime, step: int) -> datetime:
    floor = _floor(value, step)
    return floor if floor == value else floor + timedelta(seconds=step)


def _preferred(filters: GpuFilters, levels: tuple[tuple[str, int], ...]) -> tuple[str, dict[str, Any]]:
    """`_partials` of each GPU's best-ranked source in the window only, as a subquery, and its parameters.

    The best rank per GPU is read from the coarsest partials (a few dozen rows per GPU a day),
    before the real aggregation, so the precedence never costs a pass over minutes.
    """
    partials, params = _partials(filters, levels)
    ranks, rank_params = _partials(filters, _HOURS, prefix="r")
    return f"""(
    SELECT * FROM {partials}
    WHERE (project, host_name, gpu_uuid, source_rank) IN (
        SELECT project, host_name, gpu_uuid, min(source_rank) FROM {ranks} GROUP BY project, host_name, gpu_uuid))""", \
        {**params, **rank_params}


def fleet(store: Store, filters: GpuFilters) -> pa.Table:
    """Per GPU over the window: identity, last seen, utilisation mean/p95, memory, headroom, power."""
    samples, params = _preferred(filters, _HOURS)
    return store.query_arrow(f"""
SELECT {_GPU_KEY},
    argMax(gpu_index_last, last_seen_max) AS gpu_index,
    argMax(gpu_model_last, last_seen_max) AS gpu_model,
    argMax(mig_profile_last, last_seen_max) AS mig_profile,
    any(source_any) AS source,
    max(last_seen_max) AS last_seen,
    if(sum(utilization_count) > 0, sum(utilization_sum) / sum(utilization_count), NULL) AS utilization_mean,
    if(sum(utilization_count) > 0, quantileTimingMerge(0.95)(utilization_permille_hist) / 1000, NULL)
        AS utilization_p95,
    if(sum(memory_used_count) > 0, sum(memory_used_sum) / sum(memory_used_count), NULL) AS memory_used_mean_bytes,
    max(memory_used_peak) AS memory_used_max_bytes,
    max(memory_total_peak) AS memory_total_bytes,
    memory_total_bytes - memory_used_max_bytes AS memory_headroom_bytes,
    if(sum(power_count) > 0, sum(power_sum) / sum(power_count), NULL) AS power_mean_watts,
    sum(sample_count) AS samples
FROM {samples}
GROUP BY {_GPU_KEY}
ORDER BY host_name, gpu_index, gpu_uuid, mig_instance""", params)


def timeseries(store: Store, filters: GpuFilters, step_seconds: int, by: str = "gpu") -> pa.Table:
    """Mean utilisation, memory and power per bucket (a whole number of minutes), per GPU or per host.

    Per host the GPUs' bucket means are combined: utilisation averaged over GPUs, memory and
    power summed (what the host holds and draws), so a host with more samples per GPU does
    not weigh more.
    """
    if by not in SERIES_BY:
        raise ValueError(f"by: must be one of {', '.join(SERIES_BY)}")
    if step_seconds % MINUTE_SECONDS:
        raise ValueError(f"step: GPU series have whole-minute buckets, not {step_seconds} s")
    samples, params = _preferred(filters, _MINUTES)
    per_gpu = f"""
SELECT toDateTime64(toStartOfInterval(period, toIntervalSecond({{step:UInt32}})), 9, 'UTC') AS bucket,
    {_GPU_KEY},
    argMax(gpu_index_last, last_seen_max) AS gpu_index,
    if(sum(utilization_count) > 0, sum(utilization_sum) / sum(utilization_count), NULL) AS utilization,
    if(sum(memory_used_count) > 0, sum(memory_used_sum) / sum(memory_used_count), NULL) AS memory_used_bytes,
    max(memory_total_peak) AS memory_total_bytes,
    if(sum(power_count) > 0, sum(power_sum) / sum(power_count), NULL) AS power_watts,
    sum(sample_count) AS samples
FROM {samples}
GROUP BY bucket, {_GPU_KEY}"""
    if by == "gpu":
        sql = f"{per_gpu}\nORDER BY bucket, host_name, gpu_index, gpu_uuid, mig_instance"
    else:
        sql = f"""
SELECT bucket, project, host_name, avg(utilization) AS utilization, sum(memory_used_bytes) AS memory_used_bytes,
    sum(memory_total_bytes) AS memory_total_bytes, sum(power_watts) AS power_watts, count() AS gpus,
    sum(samples) AS samples
FROM ({per_gpu})
GROUP BY bucket, project, host_name
ORDER BY bucket, project, host_name"""
    return store.query_arrow(sql, {**params, "step": step_seconds})


def idle_stretches(store: Store, filters: GpuFilters, max_utilization: float, min_seconds: int) -> pa.Table:
    """Stretches of at least `min_seconds` in which every one-minute mean utilisation of a GPU was below
    `max_utilization`, longest first.

    A minute with no utilisation sample ends a stretch: unknown is not idle. Islands of
    consecutive idle minutes are found with the row-number trick (minute number minus its rank
    among the GPU's idle minutes is constant along a run without gaps).
    """
    samples, params = _preferred(filters, _MINUTES)
    idle_minutes = f"""
SELECT {_GPU_KEY}, period AS minute, anyLast(gpu_index_last) AS gpu_index_last,
    anyLast(gpu_model_last) AS gpu_model_last, sum(utilization_sum) AS minute_utilization_sum,
    sum(utilization_count) AS minute_samples
FROM {samples}
GROUP BY {_GPU_KEY}, period
HAVING minute_samples > 0 AND minute_utilization_sum / minute_samples < {{max_utilization:Float64}}"""
    return store.query_arrow(f"""
SELECT {_GPU_KEY}, any(gpu_index_last) AS gpu_index, any(gpu_model_last) AS gpu_model,
    greatest(min(minute), toDateTime64({{since:String}}, 9, 'UTC')) AS start,
    least(max(minute) + toIntervalSecond({MINUTE_SECONDS}), toDateTime64({{until:String}}, 9, 'UTC')) AS end,
    toUInt64(dateDiff('second', start, end)) AS duration_seconds,
    sum(minute_utilization_sum) / sum(minute_samples) AS utilization_mean,
    sum(minute_samples) AS samples
FROM (
    SELECT *, intDiv(toUnixTimestamp(minute), {MINUTE_SECONDS})
              - row_number() OVER (PARTITION BY {_GPU_KEY} ORDER BY minute) AS island
    FROM ({idle_minutes}))
GROUP BY {_GPU_KEY}, island
HAVING duration_seconds >= {{min_seconds:UInt64}}
ORDER BY duration_seconds DESC, host_name, gpu_index, gpu_uuid, start""",
                             {**params, "max_utilization": max_utilization, "min_seconds": min_seconds})
