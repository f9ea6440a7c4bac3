"""The cost job: price newly ingested `llm_calls` rows into `request_costs`, incrementally.

Progress is a watermark on `llm_calls.ingested_at` (job_watermarks), not on span time:
spans arrive late and out of order, but each row is ingested once at a known time. Each
run prices the calls ingested in (watermark - lookback, now - safety_delay]:
- the safety delay leaves out inserts that may still be committing;
- the look-back re-reads calls whose insert committed after an earlier run had already
  passed their `ingested_at` (clock skew, slow commits): only the seconds of ingestion
  holding more calls than cost rows of the current catalog version, found first by
  counting, so a run with nothing late reads only its new calls.
Pricing runs in the store (pipelines/costs/pricing_sql.py): the calls never leave ClickHouse.
Re-pricing (a new catalog version, a reprice) is harmless: `request_costs` is a
ReplacingMergeTree keyed like `llm_calls` and versioned by `priced_at`, so the latest
price wins after FINAL; a row about to be superseded by a pricing under another catalog
version is first copied to `request_cost_history` (migration 11), so every version stays
auditable while steady-state runs write each cost once. The five-minute slices a run
touched are queued for the rollup job (pipelines/costs/rollup_job.py) before the watermark
moves, so a crash between the two re-queues them on the next run.
A run takes at most about `batch_limit` new calls, so a backlog drains over several runs.
"""

from __future__ import annotations

import logging
import os
from dataclasses import asdict, dataclass
from datetime import datetime, timedelta, timezone
from typing import Any

import polars as pl

from pipelines.costs.catalog import Catalog
from pipelines.costs.pricing_sql import (
    bucket_sql,
    cost_select,
    keys_hash_apart,
    matched_keys_sql,
    price_table,
    tier_depth,
)
from pipelines.incremental import EPOCH, hour_of, next_window, utc
from store.base import Store, query_df
from store.params import seconds_param, time_param
from store.queries import cost_rollup as rollup
from store.queries import costs as q
from store.queries import watermarks

log = logging.getLogger(__name__)

JOB_NAME = "costs"
PRICING_COLUMNS = ("entry_id", "rule", "price_basis", "priced_as", "tier", "currency", "priced", "reason", "flags", "cost_input",
                   "cost_cache_read", "cost_cache_write", "cost_output", "cost_reasoning", "cost_request_fee",
                   "cost_total", "catalog_version", "priced_at")
COST_COLUMNS = (*q.PRICED_INPUT_COLUMNS, *PRICING_COLUMNS)


@dataclass(frozen=True)
class PricedCounts:
    rows: int = 0
    priced: int = 0
    unpriced: int = 0
    flagged: int = 0
    slices: tuple[datetime, ...] = ()


@dataclass(frozen=True)
class CostJobResult:
    """What one run did (shown as the scheduler's last_result for the job)."""

    rows: int
    priced: int
    unpriced: int
    flagged: int
    watermark: str
    catalog_version: str = ""

    def as_dict(self) -> dict[str, int | str]:
        """JSON-ready, for the readiness endpoint's job status."""
        return asdict(self)


# Written once and read with FINAL: rows need not be merged on insert, and the insert may use every core.
COST_INSERT_SETTINGS = (f"max_partitions_per_insert_block = 0, optimize_on_insert = 0, "
                    f"max_insert_threads = {os.cpu_count() or 1}")


def price_in_store(store: Store, source: str, params: dict[str, Any], catalog: Catalog,
                   now: datetime) -> PricedCounts:
    """Price the calls `source` selects (request_costs input columns) into request_costs, versioned `now`.

    Cost rows of those calls made under another catalog version go to the history first.
    Queues the slices touched for the rollup; returns counts read back from the rows written.
    """
    bucket, bucket_params = bucket_sql(catalog)
    source = f"SELECT *, {bucket} AS _bucket FROM ({source})"
    params = {**params, **bucket_params, "version": catalog.version}
    keys = query_df(store, matched_keys_sql(source), params)
    if not keys.height:
        return PricedCounts()
    slices = [datetime.fromtimestamp(s, timezone.utc) for s in keys["slices"].explode().unique().sort()]
    hours = sorted({hour_of(s) for s in slices})
    first, last = keys.select(pl.col("at").min(), pl.col("last").max()).row(0)
    where = q.reach(hours, utc(first), utc(last))
    params |= {**where, "prices": price_table(keys, catalog), "priced_at": time_param(now, 3)}
    columns = ", ".join(COST_COLUMNS)
    if q.has_other_versions(store, hours, catalog.version):
        q.keep_superseded(store, columns, source, params)
    q.record_versions(store, hours, catalog.version, now)
    # A call committed between the key match and this insert is left to the next run's look-back (its
    # second then holds more calls than cost rows): priced now, it could miss its key or its slice's queueing.
    seen = f"SELECT * FROM ({source}) WHERE {rollup.SLICE_SQL} IN {{slices:Array(DateTime('UTC'))}}"
    params["slices"] = seconds_param(slices)
    # Late or backfilled calls may span many days: cost rows go to the days their calls are in.
    store.command(f"INSERT INTO request_costs ({columns}) SETTINGS {COST_INSERT_SETTINGS} "
                  f"SELECT {columns} FROM "
                  f"({cost_select(seen, tier_depth(catalog), q.PRICED_INPUT_COLUMNS, keys_hash_apart(keys))})",
                  params)
    rollup.queue_slices(store, slices, priced_at=now)
    rows, priced, flagged = q.priced_counts(store, where, now)
    return PricedCounts(rows, priced, rows - priced, flagged, tuple(slices))


def run_cost_job(store: Store, catalog: Catalog, now: datetime, lookback: timedelta = timedelta(minutes=2),
                 batch_limit: int | None = 10_000_000,
                 safety_delay: timedelta = timedelta(seconds=1)) -> CostJobResult:
    """Price the calls ingested since the watermark (plus the look-back) and advance it."""
    now = utc(now)
    window = next_window(store, JOB_NAME, now, lookback, batch_limit, safety_delay)
    if window is None:
        mark = utc(watermarks.watermark(store, JOB_NAME) or EPOCH)
        return CostJobResult(0, 0, 0, 0, mark.isoformat(), catalog.version)
    end = window.end
    redo = q.seconds_to_redo(store, window.start, window.watermark, catalog.version)
    source, params = q.calls_to_price(window.watermark, end, redo)
    counts = price_in_store(store, source, params, catalog, now)
    watermarks.set_watermark(store, JOB_NAME, end, now)
    if counts.rows:  # the log is for people: a line when something happened
        log.info("cost job rows=%d priced=%d unpriced=%d flagged=%d watermark=%s", counts.rows, counts.priced,
                 counts.unpriced, counts.flagged, end.isoformat())
    return CostJobResult(counts.rows, counts.priced, counts.unpriced, counts.flagged, end.isoformat(),
                         catalog.version)
