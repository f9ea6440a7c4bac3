"""The GPU cost job: recompute whole hours of GPU cost per host and per request.

Unlike the token cost job, this one cannot be incremental by call: one late call or one
late GPU sample changes every call's share of its host-hour. So each run recomputes every
hour from `now - lookback` (floored to the hour) to the current hour inclusive, from the
stored samples and calls, and writes them as one run (store/migrations/m0007_gpu_costs.py):
re-running over the same data yields the same rows, and closed hours settle once their
late data is in. Hours older than the look-back are not touched again.
"""

from __future__ import annotations

import logging
from dataclasses import asdict, dataclass
from datetime import datetime, timedelta, timezone
from decimal import Decimal

import polars as pl
import pyarrow as pa

from pipelines.gpu.allocation import HOUR, AllocationConfig, HostHour, allocate, gpu_time, host_hours, hours_between
from pipelines.gpu.prices import GpuPriceTable
from store.base import Store
from store.queries import gpu_costs as q

log = logging.getLogger(__name__)

MONEY = pa.decimal128(38, 12)
REQUEST_COLUMNS = ("hour", "timestamp", "trace_id", "span_id", "project", "service_name", "environment", "team",
                   "feature", "user_id", "provider", "model", "host_name", "gpu_host", "input_tokens",
                   "output_tokens", "weighted_tokens", "priced", "gpu_cost", "price_source", "price_version")


@dataclass(frozen=True)
class GpuCostJobResult:
    """What one run did (the scheduler's last_result for the job)."""

    hours: int
    host_hours: int
    unpriced_host_hours: int
    calls_allocated: int
    unknown_host_calls: int
    cost: str
    idle: str

    def as_dict(self) -> dict[str, int | str]:
        return asdict(self)


def _floor_hour(value: datetime) -> datetime:
    return value.astimezone(timezone.utc).replace(minute=0, second=0, microsecond=0)


def _hourly_table(hosts: list[HostHour], price_version: str, currency: str, computed_at: datetime) -> pa.Table:
    rows = [{"hour": h.hour, "project": h.project, "host_name": h.host_name, "gpu_count": h.gpu_count,
             "gpu_seconds": h.gpu_seconds, "idle_gpu_seconds": h.idle_gpu_seconds, "priced": h.priced,
             "cost": h.cost, "allocated": h.allocated, "idle": h.idle, "calls": h.calls,
             "weighted_tokens": h.weighted_tokens, "price_source": h.price_source, "price_version": price_version,
             "currency": currency, "computed_at": computed_at} for h in hosts]
    schema = pa.schema([("hour", pa.timestamp("s", "UTC")), ("project", pa.string()), ("host_name", pa.string()),
                        ("gpu_count", pa.uint32()), ("gpu_seconds", pa.decimal128(38, 9)),
                        ("idle_gpu_seconds", pa.float64()), ("priced", pa.bool_()), ("cost", MONEY),
                        ("allocated", MONEY), ("idle", MONEY), ("calls", pa.uint64()),
                        ("weighted_tokens", MONEY), ("price_source", pa.string()), ("price_version", pa.string()),
                        ("currency", pa.string()), ("computed_at", pa.timestamp("ms", "UTC"))])
    return pa.Table.from_pylist(rows, schema=schema)


def run_gpu_cost_job(store: Store, prices: GpuPriceTable, config: AllocationConfig, now: datetime,
                     lookback: timedelta = timedelta(hours=3),
                     max_gap: timedelta = timedelta(seconds=60)) -> GpuCostJobResult:
    """Recompute the hours in [floor(now - lookback), floor(now) + 1h) and store them as one run."""
    now = now.astimezone(timezone.utc)
    start, end = _floor_hour(now - lookback), _floor_hour(now) + HOUR
    samples = q.gpu_samples(store, start - max_gap, end + max_gap)
    hosts = host_hours(gpu_time(samples, start, end, max_gap, now), prices)
    result = allocate(hosts, q.calls(store, start, end), config, prices.version)
    stamp = pl.lit(now).cast(pl.Datetime("ms", "UTC")).alias("computed_at")
    requests = result.requests.select(REQUEST_COLUMNS).with_columns(pl.lit(prices.currency).alias("currency"), stamp)
    unknown = result.unknown_hosts.with_columns(stamp)
    hours = list(hours_between(start, end))
    q.write_run(store, hours, _hourly_table(result.hosts, prices.version, prices.currency, now),
                requests.to_arrow(), unknown.to_arrow(), now)
    priced = [h for h in result.hosts if h.priced]
    out = GpuCostJobResult(
        hours=len(hours), host_hours=len(result.hosts), unpriced_host_hours=len(result.hosts) - len(priced),
        calls_allocated=requests.height, unknown_host_calls=int(unknown["calls"].sum()) if unknown.height else 0,
        cost=str(sum((h.cost or Decimal(0) for h in priced), Decimal(0))),
        idle=str(sum((h.idle or Decimal(0) for h in priced), Decimal(0))))
    if out.host_hours:  # the log is for people: a line when there was GPU time to price
        log.info("gpu cost job %s", " ".join(f"{k}={v}" for k, v in out.as_dict().items()))
    return out
