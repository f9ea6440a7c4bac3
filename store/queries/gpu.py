"""Queries over GPU telemetry: the fleet, its time series, and idle (wasted) stretches.

Every query reads `gpu_samples_preferred(start, end)`, the view that keeps, per GPU, only the
best-ranked source that reported it in the window (dcgm > agent > otlp), so a GPU seen by
two sources is never counted twice. A MIG instance is its own row (same GPU uuid, its own
`mig_instance`): its utilisation is not the whole GPU's.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import pyarrow as pa

from store.base import Store
from store.queries.filters import Filters

# One GPU (or MIG instance) as every query groups it.
_GPU_KEY = "project, host_name, gpu_uuid, mig_instance"


def _samples(where: str) -> str:
    """The filtered samples as a subquery, so output aliases (gpu_model, ...) never shadow filter columns."""
    return f"(SELECT * FROM gpu_samples_preferred(start={{since:String}}, end={{until:String}}) WHERE {where})"

# What a time series may be split by.
SERIES_BY = ("gpu", "host")
# Idle stretches are found on one-minute means: coarse enough that a 5 s agent, a 15 s DCGM
# scrape and a 30 s OTLP export all fill every bucket, fine enough for a 30-minute rule.
IDLE_RESOLUTION_SECONDS = 60


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


def fleet(store: Store, filters: GpuFilters) -> pa.Table:
    """Per GPU over the window: identity, last seen, utilisation mean/p95, memory, headroom, power."""
    where, params = filters.where()
    return store.query_arrow(f"""
SELECT {_GPU_KEY},
    argMax(gpu_index, timestamp) AS gpu_index,
    argMax(gpu_model, timestamp) AS gpu_model,
    argMax(mig_profile, timestamp) AS mig_profile,
    any(source) AS source,
    max(timestamp) AS last_seen,
    avg(utilization) AS utilization_mean,
    quantile(0.95)(utilization) AS utilization_p95,
    avg(memory_used_bytes) AS memory_used_mean_bytes,
    max(memory_used_bytes) AS memory_used_max_bytes,
    max(memory_total_bytes) AS memory_total_bytes,
    memory_total_bytes - memory_used_max_bytes AS memory_headroom_bytes,
    avg(power_watts) AS power_mean_watts,
    count() AS samples
FROM {_samples(where)}
GROUP BY {_GPU_KEY}
ORDER BY host_name, gpu_index, gpu_uuid, mig_instance""", params)


def timeseries(store: Store, filters: GpuFilters, step_seconds: int, by: str = "gpu") -> pa.Table:
    """Mean utilisation, memory and power per bucket, per GPU or per host.

    Per host the GPUs' bucket means are combined: utilisation averaged over GPUs, memory and
    power summed (what the host holds and draws), so a host with more samples per GPU does
    not weigh more.
    """
    if by not in SERIES_BY:
        raise ValueError(f"by: must be one of {', '.join(SERIES_BY)}")
    where, params = filters.where()
    per_gpu = f"""
SELECT toDateTime64(toStartOfInterval(timestamp, toIntervalSecond({{step:UInt32}})), 9, 'UTC') AS bucket,
    {_GPU_KEY},
    argMax(gpu_index, timestamp) AS gpu_index,
    avg(utilization) AS utilization,
    avg(memory_used_bytes) AS memory_used_bytes,
    max(memory_total_bytes) AS memory_total_bytes,
    avg(power_watts) AS power_watts,
    count() AS samples
FROM {_samples(where)}
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
    where, params = filters.where()
    return store.query_arrow(f"""
SELECT {_GPU_KEY}, any(gpu_index) AS gpu_index, any(gpu_model) AS gpu_model,
    greatest(min(minute), toDateTime64({{since:String}}, 9, 'UTC')) AS start,
    least(max(minute) + toIntervalSecond({{res:UInt32}}), toDateTime64({{until:String}}, 9, 'UTC')) AS end,
    toUInt64(dateDiff('second', start, end)) AS duration_seconds,
    sum(minute_utilization_sum) / sum(minute_samples) AS utilization_mean,
    sum(minute_samples) AS samples
FROM (
    SELECT *, intDiv(toUnixTimestamp(minute), {{res:UInt32}})
              - row_number() OVER (PARTITION BY {_GPU_KEY} ORDER BY minute) AS island
    FROM (
        SELECT {_GPU_KEY}, toStartOfInterval(timestamp, toIntervalSecond({{res:UInt32}})) AS minute,
            argMax(gpu_index, timestamp) AS gpu_index, argMax(gpu_model, timestamp) AS gpu_model,
            sum(utilization) AS minute_utilization_sum, count() AS minute_samples
        FROM {_samples(where)}
        WHERE utilization IS NOT NULL
        GROUP BY {_GPU_KEY}, minute
        HAVING minute_utilization_sum / minute_samples < {{max_utilization:Float64}}))
GROUP BY {_GPU_KEY}, island
HAVING duration_seconds >= {{min_seconds:UInt64}}
ORDER BY duration_seconds DESC, host_name, gpu_index, gpu_uuid, start""",
                            {**params, "res": IDLE_RESOLUTION_SECONDS, "max_utilization": max_utilization,
                             "min_seconds": min_seconds})
