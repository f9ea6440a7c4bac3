"""The cost job: price newly ingested `llm_calls` rows into `request_costs`, incrementally.

Progress is a watermark on `llm_calls.ingested_at` (job_watermarks), not on span time:
spans arrive late and out of order, but each row is ingested once at a known time. Each
run reads the calls ingested in (watermark - lookback, now - safety_delay]:
- the safety delay leaves out inserts that may still be committing;
- the look-back re-reads calls whose insert committed after an earlier run had already
  passed their `ingested_at` (clock skew, slow commits).
Calls already priced under the current catalog version are skipped, so the look-back
costs a key lookup, not a second pricing. Re-pricing (a new catalog version, a reprice)
is harmless: `request_costs` is a ReplacingMergeTree keyed like `llm_calls` and versioned
by `priced_at`, so the latest price wins after FINAL; `request_cost_history` keeps every
version for the audit trail. The hours whose calls were (re-)priced are re-aggregated
into `cost_hourly` in the same run.
A run takes at most about `batch_limit` new calls, so a backlog drains over several runs.
"""

from __future__ import annotations

import logging
from dataclasses import asdict, dataclass
from datetime import datetime, timedelta, timezone

import polars as pl

from pipelines.catalog import Catalog
from pipelines.pricing_frame import OUTPUT_COLUMNS, price_frame
from store.base import Store
from store.queries import costs as q
from store.queries import watermarks

log = logging.getLogger(__name__)

JOB_NAME = "costs"
EPOCH = datetime(1970, 1, 1, tzinfo=timezone.utc)
MS = timedelta(milliseconds=1)
# request_costs columns, in order: the llm_calls copy, the pricing result, the version.
COST_COLUMNS = (*q.PRICED_INPUT_COLUMNS, *[c for c in OUTPUT_COLUMNS if c not in q.PRICED_INPUT_COLUMNS],
                "priced_at")


@dataclass(frozen=True)
class CostJobResult:
    """What one run did (shown as the scheduler's last_result for the job)."""

    rows: int
    priced: int
    unpriced: int
    flagged: int
    watermark: str

    def as_dict(self) -> dict[str, int | str]:
        """JSON-ready, for the readiness endpoint's job status."""
        return asdict(self)


def _utc(value: datetime) -> datetime:
    return value if value.tzinfo else value.replace(tzinfo=timezone.utc)


def _window_end(store: Store, start: datetime, end: datetime, batch_limit: int | None) -> datetime:
    """`end`, pulled back so that at most about `batch_limit` new calls fall in (start, end]."""
    if batch_limit is None:
        return end
    cutoff = q.batch_cutoff(store, start, end, batch_limit)
    if cutoff is None:
        return end
    cutoff = _utc(cutoff)
    # Exclude the cut-off millisecond (ties stay together) unless it is the only one left.
    return cutoff - MS if cutoff - MS > start else cutoff


def price_calls(calls: pl.DataFrame, catalog: Catalog, priced_at: datetime) -> pl.DataFrame:
    """The request_costs rows for `calls` (llm_calls columns): pricing plus the row version."""
    out = price_frame(calls, catalog).with_columns(
        pl.lit(priced_at).cast(pl.Datetime("ms", "UTC")).alias("priced_at"),
        pl.col("entry_id").fill_null(""),
    )
    return out.select(COST_COLUMNS)


def store_costs(store: Store, rows: pl.DataFrame, now: datetime) -> tuple[int, int, int]:
    """Write cost rows (latest + history), re-aggregate their hours; (priced, unpriced, flagged)."""
    if not rows.height:
        return 0, 0, 0
    arrow = rows.to_arrow()
    store.insert_arrow("request_costs", arrow)
    store.insert_arrow("request_cost_history", arrow)
    hours = rows.select(pl.col("timestamp").dt.truncate("1h").unique())["timestamp"].to_list()
    q.recompute_hours(store, [_utc(h) for h in hours], now)
    priced = int(rows["priced"].sum())
    return priced, rows.height - priced, int((rows["flags"].list.len() > 0).sum())


def run_cost_job(store: Store, catalog: Catalog, now: datetime, lookback: timedelta = timedelta(minutes=10),
                 batch_limit: int | None = 1_000_000,
                 safety_delay: timedelta = timedelta(seconds=1)) -> CostJobResult:
    """Price the calls ingested since the watermark (plus the look-back) and advance it."""
    now = _utc(now)
    watermark = _utc(watermarks.watermark(store, JOB_NAME) or EPOCH)
    end = now - safety_delay
    if end <= watermark:
        return CostJobResult(0, 0, 0, 0, watermark.isoformat())
    end = _window_end(store, watermark, end, batch_limit)
    calls = q.calls_ingested(store, max(watermark - lookback, EPOCH), end, catalog.version)
    counts = store_costs(store, price_calls(calls, catalog, now), now)
    watermarks.set_watermark(store, JOB_NAME, end, now)
    log.info("cost job rows=%d priced=%d unpriced=%d flagged=%d watermark=%s",
             calls.height, *counts, end.isoformat())
    return CostJobResult(calls.height, *counts, end.isoformat())
