"""GPU cost per request: what each host's GPUs cost in an hour, and who used it.

Pure functions over frames; the job (pipelines/gpu/job.py) does the I/O. Three steps:

1. `gpu_time`: how long each GPU was seen in each hour. A sample stands for the time
   until the same GPU's next sample, at most `max_gap` (a GPU that stops reporting stops
   costing after one gap, rather than costing through an outage we cannot see); the last
   sample of a GPU stands for its median sampling gap (capped the same way), and nothing
   counts past `now`. Segments are cut at hour boundaries, so every GPU-second lands in
   exactly one hour. Each segment is busy by the sample's utilisation; a sample without
   utilisation counts as fully busy (like an allocation basis), so a missing metric never
   turns a served call's GPU time into idle.
2. `host_hours`: per host and hour, cost = sum over its GPUs of hourly price x seen time;
   the *used* part is each GPU's cost x its busy share. An hour in which the host served
   no call is all idle. A host with a GPU whose model has no price is unpriced as a whole
   (NULL costs and the reason), never 0.
3. `allocate`: the used cost of a host-hour is split over the calls it served in
   proportion to their weighted tokens (`input x w_in + output x w_out`; equal shares when
   all weights are 0), exactly: shares are integer counts of 1e-12 USD, floors first, and
   the remaining units go one each to the calls with the largest remainders (ties by
   trace_id, span_id), so allocations + idle = cost to the last digit, the same way on
   every run. Calls of self-hosted providers whose host has no GPU samples in that hour
   are counted as unknown-host calls, per host, not dropped.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field, replace
from datetime import datetime, timedelta
from decimal import ROUND_HALF_EVEN, Decimal

import polars as pl

from pipelines.gpu.prices import GpuPriceTable

SCALE = Decimal("1e-12")
MONEY = pl.Decimal(38, 12)
UNITS = 10**12  # money quanta per USD
WEIGHT_UNITS = 10**6  # weights keep 6 decimals, as integers
WEIGHT_SCALE = Decimal("1e-6")
NS_PER_HOUR = 3_600 * 10**9
HOUR = timedelta(hours=1)
GPU_KEY = ["host_name", "gpu_uuid"]
CALL_COLUMNS = ("timestamp", "trace_id", "span_id", "project", "service_name", "environment", "team", "feature",
                "user_id", "provider", "model", "host_name", "input_tokens", "output_tokens")


@dataclass(frozen=True)
class AllocationConfig:
    """How calls are matched to GPU hosts and weighted (from Settings)."""

    host_map: Mapping[str, str] = field(default_factory=dict)  # llm_calls.host_name -> GPU host name
    weights: Mapping[str, Decimal] = field(default_factory=lambda: {"input": Decimal(1), "output": Decimal(1)})
    self_hosted_providers: frozenset[str] = frozenset()


@dataclass(frozen=True)
class HostHour:
    """One GPU host in one hour: its cost, the used and idle parts, and who was served."""

    hour: datetime
    host_name: str
    project: str
    gpu_count: int
    gpu_seconds: Decimal
    unused_gpu_seconds: float  # seen x (1 - utilisation), summed over the GPUs
    cost: Decimal | None
    used: Decimal | None
    price_source: str
    calls: int = 0
    weighted_tokens: Decimal = Decimal(0)

    @property
    def priced(self) -> bool:
        return self.cost is not None

    @property
    def idle_gpu_seconds(self) -> float:
        """GPU time nobody used: the unused time, or all of it in an hour without calls."""
        return self.unused_gpu_seconds if self.calls else float(self.gpu_seconds)

    @property
    def allocated(self) -> Decimal | None:
        return None if self.used is None else (self.used if self.calls else Decimal(0))

    @property
    def idle(self) -> Decimal | None:
        return None if self.cost is None or self.allocated is None else self.cost - self.allocated


@dataclass(frozen=True)
class Allocation:
    """The job's output: host-hours, per-call GPU costs, and unknown-host call counts."""

    hosts: list[HostHour]
    requests: pl.DataFrame
    unknown_hosts: pl.DataFrame


def gpu_time(samples: pl.DataFrame, start: datetime, end: datetime, max_gap: timedelta,
             now: datetime) -> pl.DataFrame:
    """Seen and busy nanoseconds per (hour, host_name, gpu_uuid) within [start, end).

    `samples` has host_name, gpu_uuid, gpu_model, project, timestamp, utilization; it should
    reach `max_gap` before `start` and after `end`, so that edge segments are known.
    """
    cap = int(max_gap.total_seconds() * 1e9)
    ts = pl.col("timestamp").cast(pl.Datetime("ns", "UTC"))
    gap = (pl.col("_next") - ts).dt.total_nanoseconds()
    segments = (
        samples.sort([*GPU_KEY, "timestamp"])
        .with_columns(pl.col("timestamp").shift(-1).over(GPU_KEY).cast(pl.Datetime("ns", "UTC")).alias("_next"))
        .with_columns(gap.alias("_gap"))
        .with_columns(pl.col("_gap").median().over(GPU_KEY).fill_null(cap).alias("_typical"))
        .with_columns(pl.min_horizontal(pl.col("_gap").fill_null(pl.col("_typical")), pl.lit(cap))
                      .cast(pl.Int64).alias("_dur"))
        .with_columns(
            pl.max_horizontal(ts, pl.lit(start).cast(pl.Datetime("ns", "UTC"))).alias("_from"),
            pl.min_horizontal(ts + pl.duration(nanoseconds=pl.col("_dur")),
                              pl.lit(min(end, now)).cast(pl.Datetime("ns", "UTC"))).alias("_to"),
            pl.col("utilization").fill_null(1.0).clip(0.0, 1.0).alias("_busy"),
        )
        .filter(pl.col("_to") > pl.col("_from"))
        .with_columns(pl.col("_from").dt.truncate("1h").alias("hour"))
        .with_columns((pl.col("hour") + pl.duration(hours=1)).alias("_boundary"))
    )
    ns = pl.Datetime("ns", "UTC")
    segments = segments.with_columns(pl.col("_from", "_to", "hour", "_boundary").cast(ns))
    first = segments.with_columns(pl.min_horizontal("_to", "_boundary").cast(ns).alias("_to"))
    second = (segments.filter(pl.col("_to") > pl.col("_boundary"))
              .with_columns(pl.col("_boundary").alias("_from"), pl.col("_boundary").alias("hour")))
    parts = pl.concat([first, second]).with_columns(
        (pl.col("_to") - pl.col("_from")).dt.total_nanoseconds().alias("seen_ns"))
    return (parts.with_columns(pl.col("hour").cast(pl.Datetime("us", "UTC"))).group_by(["hour", *GPU_KEY])
            .agg(pl.col("gpu_model").last(), pl.col("project").min(), pl.col("seen_ns").sum(),
                 (pl.col("seen_ns") * pl.col("_busy")).sum().alias("busy_ns"))
            .sort(["hour", *GPU_KEY]))


def _money(value: Decimal) -> Decimal:
    return value.quantize(SCALE, rounding=ROUND_HALF_EVEN)


def host_hours(gpu_seconds: pl.DataFrame, prices: GpuPriceTable) -> list[HostHour]:
    """Cost and used cost per (hour, host) from `gpu_time` rows (before any call is counted)."""
    out = []
    for (hour, host), group in gpu_seconds.group_by(["hour", "host_name"], maintain_order=True):
        cost, used, sources, unpriced, seen_total, idle_ns = Decimal(0), Decimal(0), set(), [], 0, 0.0
        for row in group.iter_rows(named=True):
            price = prices.price(host, row["gpu_model"])
            seen_total += row["seen_ns"]
            idle_ns += row["seen_ns"] - row["busy_ns"]
            if not price.priced:
                unpriced.append(price.source)
                continue
            sources.add(price.source)
            gpu_cost = _money(price.hourly * row["seen_ns"] / NS_PER_HOUR)
            busy = Decimal(repr(round(row["busy_ns"] / row["seen_ns"], 6))) if row["seen_ns"] else Decimal(0)
            cost += gpu_cost
            used += _money(gpu_cost * busy)
        out.append(HostHour(
            hour=hour, host_name=host, project=str(group["project"].min()), gpu_count=group.height,
            gpu_seconds=Decimal(seen_total) / 10**9, unused_gpu_seconds=idle_ns / 1e9,
            cost=None if unpriced else cost, used=None if unpriced else used,
            price_source="; ".join(sorted(set(unpriced))) if unpriced else ", ".join(sorted(sources))))
    return out


def _weights(weights: Mapping[str, Decimal]) -> pl.Expr:
    """A call's weighted tokens in millionths (integers, so shares stay exact); negatives count 0."""
    w_in = int(weights.get("input", Decimal(0)) * WEIGHT_UNITS)
    w_out = int(weights.get("output", Decimal(0)) * WEIGHT_UNITS)
    return (pl.col("input_tokens").clip(0) * w_in + pl.col("output_tokens").clip(0) * w_out).cast(pl.Int64)


def split_exact(total_units: int, weights: list[int], tiebreak: list[tuple[str, str]]) -> list[int]:
    """`total_units` split in proportion to `weights`, summing exactly (largest remainder)."""
    if not weights:
        return []
    if sum(weights) == 0:
        weights = [1] * len(weights)
    whole = sum(weights)
    shares = [total_units * w // whole for w in weights]
    left = total_units - sum(shares)
    order = sorted(range(len(weights)), key=lambda i: (-(total_units * weights[i] % whole), tiebreak[i]))
    for i in order[:left]:
        shares[i] += 1
    return shares


def allocate(hosts: list[HostHour], calls: pl.DataFrame, config: AllocationConfig,
             price_version: str) -> Allocation:
    """Split each host-hour's used cost over the calls it served; count unknown-host calls."""
    mapped = calls.with_columns(
        pl.col("host_name").replace(dict(config.host_map)).alias("gpu_host"),
        pl.col("timestamp").dt.truncate("1h").cast(pl.Datetime("us", "UTC")).alias("hour"),
        _weights(config.weights).alias("_w"))
    known = pl.DataFrame({"hour": [h.hour for h in hosts], "gpu_host": [h.host_name for h in hosts]},
                         schema={"hour": pl.Datetime("us", "UTC"), "gpu_host": pl.String})
    served = mapped.join(known, on=["hour", "gpu_host"], how="semi")
    unknown = (mapped.join(known, on=["hour", "gpu_host"], how="anti")
               .filter(pl.col("provider").str.to_lowercase().is_in(sorted(config.self_hosted_providers)))
               .group_by(["hour", "project", "host_name"]).agg(pl.len().cast(pl.UInt64).alias("calls"))
               .sort(["hour", "project", "host_name"]))
    groups = {key: frame for key, frame in served.group_by(["hour", "gpu_host"])}
    out_hosts, request_parts = [], []
    for host in hosts:
        group = groups.get((host.hour, host.host_name))
        if group is None:
            out_hosts.append(host)
            continue
        group = group.sort(["trace_id", "span_id"])
        weights = group["_w"].to_list()
        weighted = Decimal(sum(weights)) / WEIGHT_UNITS
        host = replace(host, calls=group.height, weighted_tokens=weighted)
        out_hosts.append(host)
        costs: pl.Series | pl.Expr = pl.lit(None, MONEY)
        if host.priced and host.used is not None:
            ids = list(zip(group["trace_id"].to_list(), group["span_id"].to_list(), strict=True))
            costs = _money_column(split_exact(int(host.used * UNITS), weights, ids))
        request_parts.append(group.with_columns(
            costs.alias("gpu_cost"),
            (pl.col("_w").cast(pl.Decimal(38, 0)) * WEIGHT_SCALE).cast(MONEY).alias("weighted_tokens"),
            pl.lit(host.priced).alias("priced"),
            pl.lit(host.price_source).alias("price_source"),
            pl.lit(price_version).alias("price_version")))
    requests = pl.concat(request_parts) if request_parts else _empty_requests(mapped)
    return Allocation(out_hosts, requests.drop("_w"), unknown)


def _money_column(units: list[int]) -> pl.Series:
    """Integer 1e-12 USD units as exact Decimal(38, 12) (columnar: no Python Decimal per call)."""
    return (pl.Series(units, dtype=pl.Int64).cast(pl.Decimal(38, 0)) * SCALE).cast(MONEY)


def _empty_requests(mapped: pl.DataFrame) -> pl.DataFrame:
    return mapped.head(0).with_columns(
        pl.lit(None, MONEY).alias("gpu_cost"), pl.lit(None, MONEY).alias("weighted_tokens"),
        pl.lit(False).alias("priced"), pl.lit("").alias("price_source"), pl.lit("").alias("price_version"))


def hours_between(start: datetime, end: datetime) -> Iterable[datetime]:
    """The hour starts h with start <= h < end (start must be on the hour)."""
    hour = start
    while hour < end:
        yield hour
        hour += HOUR
