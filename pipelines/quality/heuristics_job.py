"""The heuristics job: score newly ingested `llm_calls` with the checks of pipelines/quality/heuristics.py.

Incremental by a watermark on `ingested_at` with a look-back, like the cost job
(pipelines/incremental.py); re-scoring a call replaces its rows (deterministic score_id,
the call's timestamp). Latency ceilings are the configured ones, else each model's p99
over the 24 hours before the run (models with at least `MIN_REFERENCE_CALLS` calls), else
the default ceiling. Content checks read `otel_traces` only for projects that capture
content, and only spans the collector marked as captured.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from dataclasses import asdict, dataclass, field
from datetime import datetime, timedelta

import polars as pl

from pipelines.incremental import next_window, utc
from pipelines.quality.heuristics import content_flags, latency_thresholds, score_calls
from store.base import Store
from store.queries import quality_jobs as q
from store.queries import watermarks

log = logging.getLogger(__name__)

JOB_NAME = "heuristics"
MIN_REFERENCE_CALLS = 100
REFERENCE = timedelta(hours=24)


@dataclass(frozen=True)
class HeuristicsConfig:
    """Latency ceilings (ms) per model and for the rest; which projects capture content."""

    latency_ms: Mapping[str, float] = field(default_factory=dict)
    default_latency_ms: float = 60_000
    capture_projects: frozenset[str] = frozenset()


@dataclass(frozen=True)
class HeuristicsResult:
    """What one run did (the scheduler's last_result)."""

    calls: int
    flagged: dict[str, int]
    watermark: str

    def as_dict(self) -> dict:
        return asdict(self)


def _content(store: Store, calls: pl.DataFrame, capture_projects: frozenset[str]) -> pl.DataFrame | None:
    captured = calls.filter(pl.col("project").is_in(list(capture_projects)))
    if not captured.height:
        return None
    # A second either side: Python datetimes drop the nanoseconds of the stored times.
    first, last = captured.select(pl.col("timestamp").min().alias("a"), pl.col("timestamp").max().alias("b")).row(0)
    spans = q.captured_content(store, first - timedelta(seconds=1), last + timedelta(seconds=1))
    return content_flags(spans) if spans.height else None


def run_heuristics_job(store: Store, config: HeuristicsConfig, now: datetime,
                       lookback: timedelta = timedelta(minutes=10), batch_limit: int | None = 1_000_000,
                       safety_delay: timedelta = timedelta(seconds=1)) -> HeuristicsResult:
    """Score the calls ingested since the watermark (plus the look-back) and advance it."""
    now = utc(now)
    window = next_window(store, JOB_NAME, now, lookback, batch_limit, safety_delay)
    if window is None:
        mark = watermarks.watermark(store, JOB_NAME)
        return HeuristicsResult(0, {}, utc(mark).isoformat() if mark else "")
    calls = q.calls_ingested(store, window.start, window.end)
    flagged: dict[str, int] = {}
    if calls.height:
        thresholds = latency_thresholds(q.model_p99(store, now - REFERENCE, now, MIN_REFERENCE_CALLS),
                                        config.latency_ms)
        rows = score_calls(calls, thresholds, int(config.default_latency_ms * 1_000_000),
                           _content(store, calls, config.capture_projects), now)
        if rows.height:
            store.insert_arrow("quality_scores", rows.to_arrow())
        flagged = dict(rows.group_by("name").len().sort("name").iter_rows())
    watermarks.set_watermark(store, JOB_NAME, window.end, now)
    if calls.height:  # the log is for people: a line when something happened
        log.info("heuristics job calls=%d flagged=%s watermark=%s", calls.height, flagged, window.end.isoformat())
    return HeuristicsResult(calls.height, flagged, window.end.isoformat())
