"""Scrape configured `dcgm-exporter` `/metrics` URLs into `gpu_samples` (and the raw points
into `otel_metrics_gauge` / `otel_metrics_sum`).

Why the service scrapes at all: many GPU fleets already run dcgm-exporter for Prometheus
and nothing else; pointing Spyglass at those URLs needs no agent and no OTel Collector.

A scrape is all-or-nothing per target, as in Prometheus: fetch, parse the whole text
(`collector.normalise.dcgm` raises on any malformed line), commit through the batcher and wait for
the commit. A target that is down, slow, answers non-200 or serves malformed text is
recorded in its status and tried again on the next interval; it never raises out of
`scrape_all`, so one bad exporter neither crashes the scheduler job nor delays the others
(targets are fetched in parallel, each bounded by `timeout`).
"""

from __future__ import annotations

import logging
import re
import threading
import time
from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import asdict, dataclass
from datetime import datetime, timezone
from typing import Any
from urllib.parse import urlsplit

import httpx
import pyarrow as pa
from opentelemetry.proto.collector.metrics.v1.metrics_service_pb2 import ExportMetricsServiceRequest
from opentelemetry.proto.common.v1.common_pb2 import KeyValue
from opentelemetry.proto.metrics.v1.metrics_pb2 import AGGREGATION_TEMPORALITY_CUMULATIVE, Metric

from collector.decode import metrics
from collector.normalise import dcgm

log = logging.getLogger(__name__)

Submit = Callable[[dict[str, pa.Table]], Future]
SCOPE = "spyglass.dcgm_scraper"
MAX_PARALLEL = 8
_TYPE_LINE = re.compile(r"^#\s*TYPE\s+(\S+)\s+(\S+)", re.MULTILINE)


@dataclass
class TargetStatus:
    """What an operator needs to see for one target: is it up, since when, and why not."""

    url: str
    up: bool = False
    last_attempt: str | None = None
    last_success: str | None = None
    consecutive_failures: int = 0
    last_error: str = ""
    samples_last_scrape: int = 0  # exposition samples read in the last successful scrape
    rows_last_scrape: int = 0     # gpu_samples rows they made


def target_host(url: str) -> str:
    """The host that names GPUs whose exporter sends no Hostname/hostname label."""
    return urlsplit(url).hostname or url


def _kv(key: str, value: str) -> KeyValue:
    kv = KeyValue(key=key)
    kv.value.string_value = value
    return kv


def otlp_request(text: str, samples: list[dcgm.Sample], scraped_at_ns: int, url: str) -> ExportMetricsServiceRequest:
    """The scrape as an OTLP request, shaped like an OTel Collector's Prometheus receiver makes it
    (counters as cumulative monotonic sums, everything else as gauges; labels as attributes),
    so the raw points reach the otel_metrics_* tables the same way whichever path they took."""
    types = dict(_TYPE_LINE.findall(text))
    request = ExportMetricsServiceRequest()
    resource_metrics = request.resource_metrics.add()
    parts = urlsplit(url)
    resource_metrics.resource.attributes.extend([
        _kv("service.name", "dcgm-exporter"), _kv("service.instance.id", parts.netloc),
        _kv("server.address", parts.hostname or ""), _kv("url.full", url)])
    scope_metrics = resource_metrics.scope_metrics.add()
    scope_metrics.scope.name = SCOPE
    by_name: dict[str, Metric] = {}
    for sample in samples:
        metric = by_name.get(sample.name)
        if metric is None:
            metric = by_name[sample.name] = scope_metrics.metrics.add(name=sample.name)
            if types.get(sample.name) == "counter":
                metric.sum.aggregation_temporality = AGGREGATION_TEMPORALITY_CUMULATIVE
                metric.sum.is_monotonic = True
        data = metric.sum if metric.HasField("sum") else metric.gauge
        point = data.data_points.add(as_double=sample.value)
        point.time_unix_nano = (sample.timestamp_ms * 1_000_000 if sample.timestamp_ms is not None
                                else scraped_at_ns)
        point.attributes.extend(_kv(k, v) for k, v in sample.labels.items())
    return request


class DcgmScraper:
    """Scrapes every target once per `scrape_all` call; the scheduler calls it each interval."""

    def __init__(self, targets: list[str], submit: Submit, timeout: float = 5.0, project: str = "default",
                 raw_points: bool = True) -> None:
        self.targets = list(targets)
        self.submit = submit
        self.timeout = timeout
        self.project = project
        self.raw_points = raw_points
        self._status = {url: TargetStatus(url) for url in self.targets}
        self._lock = threading.Lock()
        self._client = httpx.Client(timeout=timeout, follow_redirects=True,
                                    headers={"Accept": "text/plain;version=0.0.4"})

    def status(self) -> list[dict[str, Any]]:
        """Per-target status, in configuration order (safe to call from any thread)."""
        with self._lock:
            return [asdict(self._status[url]) for url in self.targets]

    def scrape_all(self, now: datetime | None = None) -> dict[str, int]:
        """Scrape every target; returns counts for the scheduler's job status. Never raises."""
        now = now or datetime.now(timezone.utc)
        with ThreadPoolExecutor(min(MAX_PARALLEL, max(len(self.targets), 1)), "dcgm-scrape") as pool:
            results = list(pool.map(lambda url: self._scrape(url, now), self.targets))
        return {"targets": len(results), "up": sum(1 for r in results if r is not None),
                "rows": sum(r for r in results if r is not None)}

    def close(self) -> None:
        self._client.close()

    def _scrape(self, url: str, now: datetime) -> int | None:
        """One target: the number of rows committed, or None when the scrape failed."""
        attempted = now.isoformat()
        scraped_at_ns = int(now.timestamp() * 1_000_000) * 1000
        started = time.monotonic()
        try:
            response = self._client.get(url)
            response.raise_for_status()
            text = response.text
            samples = dcgm.parse(text)
            gpu_rows = dcgm.rows(text, scraped_at_ns, target_host(url), self.project)
            tables = {"gpu_samples": gpu_rows}
            if self.raw_points:
                raw = metrics.decode(otlp_request(text, samples, scraped_at_ns, url), self.project).tables
                tables.update({name: t for name, t in raw.items() if name.startswith("otel_metrics_")})
            self.submit(tables).result(timeout=max(self.timeout, 30.0))
        except Exception as exc:  # any failure is this target's, reported and retried next interval
            error = _describe(exc)
            with self._lock:
                state = self._status[url]
                state.up, state.last_attempt, state.last_error = False, attempted, error
                state.consecutive_failures += 1
                failures = state.consecutive_failures
            if failures == 1:  # said once when the target goes down, and again when it comes back
                log.warning("dcgm target down target=%s error=%s", url, error)
            return None
        with self._lock:
            state = self._status[url]
            if state.consecutive_failures:
                log.warning("dcgm target back up target=%s after %d failed scrapes", url, state.consecutive_failures)
            state.up, state.last_attempt, state.last_success = True, attempted, attempted
            state.consecutive_failures, state.last_error = 0, ""
            state.samples_last_scrape, state.rows_last_scrape = len(samples), gpu_rows.num_rows
        log.debug("dcgm scrape target=%s samples=%d rows=%d seconds=%.3f", url, len(samples), gpu_rows.num_rows,
                  time.monotonic() - started)
        return gpu_rows.num_rows


def _describe(exc: Exception) -> str:
    """One readable line: what kind of failure, and the detail."""
    if isinstance(exc, httpx.HTTPStatusError):
        return f"HTTP {exc.response.status_code} from the target"
    if isinstance(exc, httpx.TimeoutException):
        return f"timed out: {exc}" if str(exc) else "timed out"
    if isinstance(exc, httpx.TransportError):
        return f"unreachable: {exc}"
    if isinstance(exc, dcgm.ExpositionError):
        return f"malformed exposition text: {exc}"
    return f"{type(exc).__name__}: {exc}"
