"""The GPU cost job: price every hour that has GPU samples or calls, whole hours at a time.

Unlike the token cost job, this one cannot be incremental by call: one late call or one
late GPU sample changes every call's share of its host-hour. So it recomputes whole hours,
each written as one run (store/migrations/m0007_gpu_costs.py): re-running over the same data
yields the same rows, and readers see only the latest run of an hour.

Which hours: the *pending* ones (store/queries/gpu_cost_queue.py), whatever their age. GPU
samples queue their hours as they are inserted, calls through the cost job's slice queue, so a
backfill, an outage longer than any look-back or a late delivery is priced when its data arrives
(migration 18). As a safety net each run also recomputes the current hour and the
`lookback` before it (GPU time is counted up to `now` only, so an hour priced while it was open
is completed later even if no data arrives). Newest hours first, one hour at a time, each
computed from its own window (samples within `max_gap` of the hour), so an hour's rows do not
depend on which others a run takes; `should_stop` is asked between hours.

A run's allocations change the spend rollup (store/queries/call_spend.py), so the slices whose
calls' GPU cost changed are queued for the rollup job.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import asdict, dataclass
from datetime import datetime, timedelta, timezone
from decimal import Decimal

import polars as pl
import pyarrow as pa

from pipelines.gpu.allocation import HOUR, AllocationConfig, HostHour, allocate, gpu_time, host_hours, hours_between
from pipelines.gpu.prices import GpuPriceTable
from pipelines.incremental import EPOCH, utc
from store.base import Store
from store.queries import cost_rollup, watermarks
from store.queries import gpu_cost_queue as queue
from store.queries import gpu_costs as q

log = logging.getLogger(__name__)

JOB_NAME = "gpu-costs"
# Queue rows younger than this may still be committing when a run reads the queue: they stay pending.
SAFETY_DELAY = timedelta(seconds=5)
MONEY = pa.decimal128(38, 12)
REQUEST_COLUMNS = ("hour", "timestamp", "trace_id", "span_id", "project", "service_name", "environment", "team",
                   "feature", "user_id", "provider", "model", "host_name", "gpu_host", "input_tokens",
                   "output_tokens", "weighted_tokens", "priced", "gpu_cost", "price_source", "price_version")


@dataclass
class GpuCostJobResult:
    """What one run did (the scheduler's last_result for the job)."""

    hours: int = 0
    host_hours: int = 0
    unpriced_host_hours: int = 0
    calls_allocated: int = 0
    unknown_host_calls: int = 0
    cost: Decimal = Decimal(0)
    idle: Decimal = Decimal(0)
    slices_queued: int = 0  # for the spend rollup
    oldest_hour: str = ""
    stopped: bool = False

    def add(self, hosts: list[HostHour], calls: int, unknown: int, slices: int) -> None:
        priced = [h for h in hosts if h.priced]
        self.hours += 1
        self.host_hours += len(hosts)
        self.unpriced_host_hours += len(hosts) - len(priced)
        self.calls_allocated += calls
        self.unknown_host_calls += unknown
        self.cost += sum((h.cost for h in priced if h.cost is not None), Decimal(0))
        self.idle += sum((h.idle for h in priced if h.idle is not None), Decimal(0))
        self.slices_queued += slices

    def as_dict(self) -> dict[str, int | str | bool]:
        return {k: str(v) if isinstance(v, Decimal) else v for k, v in asdict(self).items()}


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


def changed_slices(before: pl.DataFrame, after: pl.DataFrame) -> list[datetime]:
    """The five-minute slices of the calls whose GPU allocation differs between two runs of an hour
    (a call served in one and not the other, or a different cost or priced flag)."""
    key = ["trace_id", "span_id"]
    old = before.select(*key, "timestamp", pl.col("gpu_cost").alias("_cost"), pl.col("priced").alias("_priced"))
    new = after.select(*key, "timestamp", "gpu_cost", "priced")
    both = new.join(old, on=key, how="full", coalesce=True, suffix="_old")
    changed = both.filter(~pl.col("gpu_cost").eq_missing(pl.col("_cost"))
                          | ~pl.col("priced").eq_missing(pl.col("_priced")))
    times = changed.select(pl.coalesce("timestamp", "timestamp_old").cast(pl.Datetime("us", "UTC"))
                           .dt.truncate("5m").unique().sort())
    return times.to_series().to_list()


def _price_hour(store: Store, prices: GpuPriceTable, config: AllocationConfig, hour: datetime, now: datetime,
                max_gap: timedelta, queued_until: datetime, result: GpuCostJobResult) -> None:
    """Recompute one hour from its own data and store it as a run."""
    end = hour + HOUR
    samples = q.gpu_samples(store, hour - max_gap, end + max_gap)
    hosts = host_hours(gpu_time(samples, hour, end, max_gap, now), prices)
    sampled = {h.host_name for h in hosts}
    call_hosts = sampled | {name for name, gpu_host in config.host_map.items() if gpu_host in sampled}
    calls = q.calls(store, hour, end, sorted(call_hosts), sorted(config.self_hosted_providers))
    allocation = allocate(hosts, calls, config, prices.version)
    stamp = pl.lit(now).cast(pl.Datetime("ms", "UTC")).alias("computed_at")
    requests = allocation.requests.select(REQUEST_COLUMNS).with_columns(pl.lit(prices.currency).alias("currency"),
                                                                        stamp)
    unknown = allocation.unknown_hosts.with_columns(stamp)
    before = q.allocations(store, hour)
    q.write_run(store, [hour], _hourly_table(allocation.hosts, prices.version, prices.currency, now),
                requests.to_arrow(), unknown.to_arrow(), now, queued_until)
    slices = changed_slices(before, requests)
    if slices:  # after the run's markers, so the rollup reads this run
        cost_rollup.queue_slices(store, slices, source="gpu")
    result.add(allocation.hosts, requests.height, int(unknown["calls"].sum()) if unknown.height else 0, len(slices))


def run_gpu_cost_job(store: Store, prices: GpuPriceTable, config: AllocationConfig, now: datetime,
                     lookback: timedelta = timedelta(hours=1), max_gap: timedelta = timedelta(seconds=60),
                     should_stop: Callable[[], bool] = lambda: False,
                     safety_delay: timedelta = SAFETY_DELAY) -> GpuCostJobResult:
    """Price the pending hours and those of [floor(now - lookback), floor(now)], newest first.

    The queue is consumed up to the store's time at the start minus `safety_delay`; a stopped run leaves
    the hours it did not reach pending, and the watermark (which only spares later runs re-reading queue
    rows) moves only when every pending hour was priced."""
    now = utc(now)
    consumed = utc(queue.store_time(store)) - safety_delay
    mark = utc(watermarks.watermark(store, JOB_NAME) or EPOCH)
    pending = queue.pending_hours(store, mark, max_gap.total_seconds())
    hours = {*(utc(h) for h in pending), *hours_between(_floor_hour(now - lookback), _floor_hour(now) + HOUR)}
    result = GpuCostJobResult()
    for hour in sorted(hours, reverse=True):
        if should_stop():
            result.stopped = True
            break
        _price_hour(store, prices, config, hour, now, max_gap, consumed, result)
        result.oldest_hour = hour.isoformat()
    if not result.stopped and consumed > mark:
        watermarks.set_watermark(store, JOB_NAME, consumed, consumed)
    if result.host_hours or result.slices_queued:  # the log is for people: a line when there was GPU time
        log.info("gpu cost job %s", " ".join(f"{k}={v}" for k, v in result.as_dict().items()))
    return result
