"""Spyglass observes itself: its own metrics, made with the OpenTelemetry SDK, stored in its
own `otel_metrics_*` tables like any service's (service.name `spyglass`, project `spyglass`).

The exporter does not go over the network to our own receiver: it encodes the SDK's
metrics as an OTLP request and hands the decoded rows to the writer directly, so the
numbers describe ingest without adding to it. Each Service has its own MeterProvider
(not the global one), so several services in one process (tests) do not share meters.
"""

from __future__ import annotations

from collections.abc import Callable
from concurrent.futures import Future

import pyarrow as pa
from opentelemetry.exporter.otlp.proto.common.metrics_encoder import encode_metrics
from opentelemetry.sdk.metrics import MeterProvider
from opentelemetry.sdk.metrics.export import (
    MetricExporter,
    MetricExportResult,
    MetricReader,
    MetricsData,
    PeriodicExportingMetricReader,
)
from opentelemetry.sdk.resources import Resource

from collector.decode import metrics

SELF = "spyglass"


class StoreMetricExporter(MetricExporter):
    """Writes the SDK's metrics into the store through the collector's writer."""

    def __init__(self, submit: Callable[[dict[str, pa.Table]], Future]) -> None:
        super().__init__()
        self._submit = submit

    def export(self, metrics_data: MetricsData, timeout_millis: float = 10_000, **kwargs) -> MetricExportResult:
        decoded = metrics.decode(encode_metrics(metrics_data), SELF)
        try:
            self._submit(decoded.tables).result(timeout_millis / 1000)
        except Exception:  # the store is down or the queue is full: the SDK keeps counting
            return MetricExportResult.FAILURE
        return MetricExportResult.SUCCESS

    def force_flush(self, timeout_millis: float = 10_000) -> bool:
        return True

    def shutdown(self, timeout_millis: float = 30_000, **kwargs) -> None:
        return None


def self_meter_provider(submit: Callable[[dict[str, pa.Table]], Future], interval_seconds: float,
                        *readers: MetricReader) -> MeterProvider:
    """Our meter provider: its periodic reader writes into the store; `readers` read the same instruments too
    (the in-memory one GET /metrics renders)."""
    reader = PeriodicExportingMetricReader(StoreMetricExporter(submit),
                                           export_interval_millis=interval_seconds * 1000)
    return MeterProvider(metric_readers=[reader, *readers],
                         resource=Resource.create({"service.name": SELF, "spyglass.project": SELF}))
