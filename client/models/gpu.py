"""GPUs: the fleet, its time series, idle stretches, the DCGM scrape targets, and GPU cost per host."""

from __future__ import annotations

from typing import Literal

from client.models.wire import DecimalText, Money, Timestamp, Window, Wire


class GpuIdentity(Wire):
    """One GPU, or one MIG instance of it (same uuid, its own `mig_instance`)."""

    project: str
    host_name: str
    gpu_uuid: str
    mig_instance: str
    gpu_index: int | None


class GpuStats(GpuIdentity):
    """One GPU over the range; memory in bytes, utilisation 0-1, power in watts."""

    gpu_model: str
    mig_profile: str
    source: str  # dcgm, agent or otlp: the one read for this GPU
    last_seen: Timestamp
    utilization_mean: float | None
    utilization_p95: float | None
    memory_used_mean_bytes: float | None
    memory_used_max_bytes: int | None
    memory_total_bytes: int | None
    memory_headroom_bytes: int | None  # total - peak used
    power_mean_watts: float | None
    samples: int


class GpuFleet(Window):
    """GET /api/v1/gpu/fleet: per GPU, by host then index."""

    gpus: list[GpuStats]


class GpuPoint(Wire):
    """One bucket of one GPU (`by=gpu`: with its identity) or one host (`by=host`: with `gpus`)."""

    bucket: Timestamp
    project: str
    host_name: str
    gpu_uuid: str | None = None
    mig_instance: str | None = None
    gpu_index: int | None = None
    utilization: float | None   # mean (averaged over a host's GPUs)
    memory_used_bytes: float | None
    memory_total_bytes: int | None
    power_watts: float | None   # mean (summed over a host's GPUs)
    gpus: int | None = None
    samples: int


class GpuTimeseries(Window):
    """GET /api/v1/gpu/timeseries: per bucket (whole minutes) and GPU or host."""

    step_seconds: int
    by: Literal["gpu", "host"]
    points: list[GpuPoint]


class IdleStretch(Wire):
    start: Timestamp
    end: Timestamp
    duration_seconds: int
    utilization_mean: float
    samples: int


class IdleGpu(GpuIdentity):
    gpu_model: str
    idle_seconds: int
    stretches: list[IdleStretch]  # in time order


class GpuWaste(Window):
    """GET /api/v1/gpu/waste: GPUs idle for long stretches, idle longest first, with the thresholds applied."""

    max_utilization: float
    min_idle_seconds: int
    resolution_seconds: int
    gpus: list[IdleGpu]


class ScrapeTarget(Wire):
    """One dcgm-exporter endpoint the service scrapes."""

    url: str
    up: bool
    last_attempt: Timestamp | None
    last_success: Timestamp | None
    consecutive_failures: int
    last_error: str
    samples_last_scrape: int
    rows_last_scrape: int


class ScrapeTargets(Wire):
    """GET /api/v1/gpu/scrape-targets, in configuration order (empty when this process scrapes nothing)."""

    targets: list[ScrapeTarget]


class HostCostFigures(Wire):
    """What a GPU host cost (USD; None when no hour of it had a price), what its calls used, what sat idle."""

    gpu_cost: Money | None
    allocated: Money | None
    idle: Money | None
    idle_share: float | None
    gpu_seconds: DecimalText
    gpu_count: int
    calls: int
    unknown_host_calls: int
    priced_hours: int
    unpriced_hours: int  # hours missing from the sums: a GPU without a price
    price_source: str


class HostCostPoint(HostCostFigures):
    bucket: Timestamp


class HostCost(HostCostFigures):
    host_name: str
    series: list[HostCostPoint] | None = None  # sent only with `step`


class UnpricedGpuHour(Wire):
    """An hour of the range (of one host, or of all: `host_name` '') with GPU samples or self-hosted calls and
    no GPU price, and why:
    - `queued`: the GPU cost job has not priced the hour yet (it is in its queue);
    - `not_queued`: no run and nothing queued (the queue keeps rows 7 days: the job did not run since);
    - `no_gpu_price`: a GPU of the host has no price (`detail` names it: add gpu.model_prices/host_prices);
    - `no_gpu_samples`: self-hosted calls on a host that sent no GPU samples (map it with gpu.host_map).
    `calls`: the calls of the hour (host) without a GPU cost.
    """

    hour: Timestamp
    host_name: str
    reason: Literal["queued", "not_queued", "no_gpu_price", "no_gpu_samples"]
    detail: str
    calls: int


class GpuCosts(Window):
    """GET /api/v1/gpu/costs: per GPU host over the range, and the hours not priced with the reason;
    `step_seconds` and each host's `series` with `step`."""

    hosts: list[HostCost]
    unpriced_hours: list[UnpricedGpuHour]
    unpriced_hours_total: int  # the list stops at 1,000
    step_seconds: int | None = None
