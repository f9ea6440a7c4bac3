"""The scheduled jobs, as one table: what runs, how often (a setting), and the call it makes.

Every job is `run(now)`: the scheduler passes the time, the job takes what it needs from the
parts given here. Sources of file-based configuration (the price catalog, the GPU prices) are
read at each run, so an edited file applies to the next run and a bad edit keeps the last good
one (store/file_source.py).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta

from collector.receivers.dcgm_scrape import DcgmScraper
from pipelines.costs.catalog_source import CatalogSource
from pipelines.costs.job import run_cost_job
from pipelines.costs.rollup_job import run_rollup_job
from pipelines.drift.compare import Thresholds
from pipelines.drift.job import DriftConfig, run_drift_job
from pipelines.gpu.allocation import AllocationConfig
from pipelines.gpu.job import run_gpu_cost_job
from pipelines.gpu.prices import GpuPriceTable
from pipelines.quality.heuristics_job import HeuristicsConfig, run_heuristics_job
from pipelines.quality.score_join import run_score_join
from spyglass.config import Settings
from spyglass.lease import Lease
from spyglass.scheduler import Job
from store.base import Store
from store.file_source import FileSource
from store.maintenance import compact


@dataclass(frozen=True)
class JobParts:
    """What the jobs use besides settings: the store, the file sources, the scheduler's lease, and the
    DCGM scraper when this process also collects."""

    store: Store
    catalog: CatalogSource
    gpu_prices: FileSource[GpuPriceTable]
    lease: Lease
    dcgm: DcgmScraper | None = None


def scheduled_jobs(s: Settings, parts: JobParts) -> list[Job]:
    store = parts.store
    drift, heuristics = drift_config(s), HeuristicsConfig(dict(s.heuristic_latency_ms), s.heuristic_latency_default_ms,
                                                          frozenset(s.content_capture_projects))
    allocation = AllocationConfig(s.gpu_host_map, s.gpu_token_weights,
                                  frozenset(p.lower() for p in s.gpu_self_hosted_providers))
    gpu_lookback, gpu_gap = timedelta(hours=s.gpu_cost_lookback_hours), timedelta(seconds=s.gpu_sample_max_gap_seconds)
    jobs = [
        Job("lease", parts.lease.renew_every, parts.lease.renew),
        Job("compaction", s.compaction_interval_seconds, lambda now: compact(store, now.date())),
        Job("costs", s.cost_interval_seconds, lambda now: run_cost_job(store, parts.catalog.current(), now)),
        Job("cost-rollup", s.cost_rollup_interval_seconds, lambda now: run_rollup_job(store, now)),
        Job("gpu-costs", s.gpu_cost_interval_seconds, lambda now: run_gpu_cost_job(
            store, parts.gpu_prices.current(), allocation, now, gpu_lookback, gpu_gap)),
        Job("drift", s.drift_interval_seconds, lambda now: run_drift_job(store, drift, now, s.drift_reports_path)),
        Job("heuristics", s.heuristics_interval_seconds, lambda now: run_heuristics_job(store, heuristics, now)),
        Job("quality-join", s.quality_join_interval_seconds, lambda now: run_score_join(store, now)),
    ]
    if parts.dcgm is not None:
        jobs.append(Job("dcgm-scrape", s.dcgm_scrape_interval_seconds, parts.dcgm.scrape_all))
    return jobs


def drift_config(s: Settings) -> DriftConfig:
    """The drift job's settings (spyglass/config.py documents each)."""
    return DriftConfig(current_window=s.drift_current_window, reference_window=s.drift_reference_window,
                       reference_since=s.drift_reference_since, reference_until=s.drift_reference_until,
                       min_rows=s.drift_min_rows, sample_rows=s.drift_sample_rows, seed=s.drift_sample_seed,
                       thresholds=Thresholds(alpha=s.drift_alpha, distance=s.drift_distance_threshold,
                                             drift_share=s.drift_share),
                       report_retention=timedelta(days=s.drift_report_retention_days))
