"""The scheduled jobs, as one table: what runs, how often (a setting), and the call it makes.

Every job is `run(now)`: the scheduler passes the time, the job takes what it needs from the
parts given here. Sources of file-based configuration (the price catalog, the GPU prices) are
read at each run, so an edited file applies to the next run and a bad edit keeps the last good
one (store/file_source.py).
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta

from alerts.engine import Engine
from collector.normalise.genai_aliases import MODEL_OPERATIONS
from collector.normalise.genai_view import span_sql
from collector.receivers.dcgm_scrape import DcgmScraper
from pipelines.calls.rollup_job import run_call_rollup_job
from pipelines.costs.catalog_source import CatalogSource
from pipelines.costs.job import run_cost_job
from pipelines.costs.rollup_job import run_rollup_job
from pipelines.drift.compare import Thresholds
from pipelines.drift.job import DriftConfig, run_drift_job
from pipelines.gpu.allocation import AllocationConfig
from pipelines.gpu.job import run_gpu_cost_job
from pipelines.gpu.prices import GpuPriceTable
from pipelines.operations.rollup_job import run_operation_rollup_job
from pipelines.quality.heuristics_job import HeuristicsConfig, run_heuristics_job
from pipelines.quality.score_join import run_score_join
from pipelines.traces.summary_job import run_trace_summary_job
from releases.canary_job import CanaryConfig, run_canary_job
from releases.changes_job import ChangesConfig, run_changes_job
from spyglass.alerting import quality_rules
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
    stopping: threading.Event  # set at shutdown: jobs that work in chunks end at the next one
    dcgm: DcgmScraper | None = None
    alerts: Engine | None = None  # None: alerting is not wired in (no detectors or no outbox)
    # A test seam: the time the alert engine evaluates at (None: the scheduler's time, as every other job).
    # The end-to-end test moves it past an hour boundary; the cost jobs keep the real time of ingestion.
    alerts_clock: Callable[[], datetime] | None = None


def job_intervals(s: Settings) -> dict[str, float]:
    """How often each job runs, in seconds, by name: the settings that say so, in one place for the scheduler and
    for GET /api/v1/settings. (The lease renews on its own clock; dcgm-scrape runs only with `gpu.dcgm_targets`
    in a process that also collects, alerts only where alerting is wired in.)"""
    return {"compaction": s.maintenance.compaction_interval_seconds,
            "call-rollup": s.maintenance.call_rollup_interval_seconds,
            "operation-rollup": s.maintenance.operation_rollup_interval_seconds, "costs": s.costs.interval_seconds,
            "cost-rollup": s.costs.rollup_interval_seconds,
            "trace-summaries": s.costs.trace_summary_interval_seconds, "gpu-costs": s.gpu.cost_interval_seconds,
            "drift": s.drift.interval_seconds, "heuristics": s.quality.heuristics_interval_seconds,
            "quality-join": s.quality.join_interval_seconds, "changes": s.releases.detect_interval_seconds,
            "canary": s.releases.canary_interval_seconds, "dcgm-scrape": s.gpu.dcgm_scrape_interval_seconds,
            "alerts": s.alerts.evaluation_interval_seconds}


def scheduled_jobs(s: Settings, parts: JobParts) -> list[Job]:
    store, gpu, quality, every = parts.store, s.gpu, s.quality, job_intervals(s)
    drift = drift_config(s)
    heuristics = HeuristicsConfig(dict(quality.heuristic_latency_ms), quality.heuristic_latency_default_ms,
                                  frozenset(s.content.capture_projects))
    allocation = AllocationConfig(gpu.host_map, gpu.token_weights, frozenset(p.lower() for p in gpu.self_hosted_providers))
    gpu_lookback, gpu_gap = timedelta(hours=gpu.cost_lookback_hours), timedelta(seconds=gpu.sample_max_gap_seconds)
    stop = parts.stopping.is_set
    changes = ChangesConfig(lookback=s.releases.detect_lookback,
                            delay=timedelta(seconds=s.releases.detect_delay_seconds))
    canary, rules = CanaryConfig(s.releases.canary_window, s.releases.canary_horizon), quality_rules(s)
    spans = span_sql()
    jobs = [
        Job("lease", parts.lease.renew_every, parts.lease.renew),
        Job("compaction", every["compaction"],
            lambda now: compact(store, now.date(), should_stop=stop)),
        Job("call-rollup", every["call-rollup"],
            lambda now: run_call_rollup_job(store, now, should_stop=stop)),
        Job("operation-rollup", every["operation-rollup"],
            lambda now: run_operation_rollup_job(store, now, spans, MODEL_OPERATIONS, should_stop=stop)),
        Job("costs", every["costs"], lambda now: run_cost_job(store, parts.catalog.current(), now)),
        Job("cost-rollup", every["cost-rollup"],
            lambda now: run_rollup_job(store, now, should_stop=stop)),
        Job("trace-summaries", every["trace-summaries"],
            lambda now: run_trace_summary_job(store, now, should_stop=stop)),
        Job("gpu-costs", every["gpu-costs"],
            lambda now: run_gpu_cost_job(store, parts.gpu_prices.current(), allocation, now, gpu_lookback, gpu_gap,
                                         should_stop=stop)),
        Job("drift", every["drift"],
            lambda now: run_drift_job(store, drift, now, s.drift_reports_path, should_stop=stop)),
        Job("heuristics", every["heuristics"],
            lambda now: run_heuristics_job(store, heuristics, now)),
        # With ingest keys, feedback stays in its key's project; open, it moves to its call's.
        Job("quality-join", every["quality-join"],
            lambda now: run_score_join(store, now, move=not s.ingest_keys)),
        Job("changes", every["changes"],
            lambda now: run_changes_job(store, parts.catalog.current(), now, changes)),
        Job("canary", every["canary"],
            lambda now: run_canary_job(store, now, canary, rules, should_stop=stop)),
    ]
    if parts.dcgm is not None:
        jobs.append(Job("dcgm-scrape", every["dcgm-scrape"], parts.dcgm.scrape_all))
    if parts.alerts is not None:
        evaluate, clock = parts.alerts.evaluate, parts.alerts_clock
        jobs.append(Job("alerts", every["alerts"],
                        evaluate if clock is None else lambda now: evaluate(clock())))
    return jobs


def drift_config(s: Settings) -> DriftConfig:
    """The drift job's settings (spyglass/config/drift.py documents each)."""
    d = s.drift
    return DriftConfig(current_window=d.current_window, reference_window=d.reference_window,
                       reference_since=d.reference_since, reference_until=d.reference_until,
                       min_rows=d.min_rows, sample_rows=d.sample_rows, seed=d.sample_seed,
                       thresholds=Thresholds(alpha=d.alpha, distance=d.distance_threshold, drift_share=d.share),
                       report_retention=timedelta(days=d.report_retention_days))
