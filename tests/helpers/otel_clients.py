"""The real OpenTelemetry SDK exporters, pointed at a service under test."""

from __future__ import annotations

from opentelemetry.exporter.otlp.proto.grpc._log_exporter import OTLPLogExporter as GrpcLogExporter
from opentelemetry.exporter.otlp.proto.grpc.metric_exporter import OTLPMetricExporter as GrpcMetricExporter
from opentelemetry.exporter.otlp.proto.grpc.trace_exporter import OTLPSpanExporter as GrpcSpanExporter
from opentelemetry.exporter.otlp.proto.http import Compression
from opentelemetry.exporter.otlp.proto.http._log_exporter import OTLPLogExporter as HttpLogExporter
from opentelemetry.exporter.otlp.proto.http.metric_exporter import OTLPMetricExporter as HttpMetricExporter
from opentelemetry.exporter.otlp.proto.http.trace_exporter import OTLPSpanExporter as HttpSpanExporter
from opentelemetry.sdk._logs import LoggerProvider
from opentelemetry.sdk._logs.export import SimpleLogRecordProcessor
from opentelemetry.sdk.metrics import MeterProvider
from opentelemetry.sdk.metrics.export import PeriodicExportingMetricReader
from opentelemetry.sdk.resources import Resource
from opentelemetry.sdk.trace import TracerProvider
from opentelemetry.sdk.trace.export import SimpleSpanProcessor


def span_exporter(protocol: str, service, headers: dict | None = None, gzip: bool = False):
    if protocol == "http":
        return HttpSpanExporter(endpoint=f"{service.otlp_http}/v1/traces", headers=headers,
                                compression=Compression.Gzip if gzip else Compression.NoCompression, timeout=10)
    from grpc import Compression as GrpcCompression

    return GrpcSpanExporter(endpoint=service.otlp_grpc, insecure=True, headers=headers, timeout=10,
                            compression=GrpcCompression.Gzip if gzip else GrpcCompression.NoCompression)


def tracer_provider(protocol: str, service, resource: dict | None = None, **kwargs) -> TracerProvider:
    provider = TracerProvider(resource=Resource.create({"service.name": "chat-api", **(resource or {})}))
    provider.add_span_processor(SimpleSpanProcessor(span_exporter(protocol, service, **kwargs)))
    return provider


def meter_provider(protocol: str, service, resource: dict | None = None) -> MeterProvider:
    exporter = (HttpMetricExporter(endpoint=f"{service.otlp_http}/v1/metrics") if protocol == "http"
                else GrpcMetricExporter(endpoint=service.otlp_grpc, insecure=True))
    reader = PeriodicExportingMetricReader(exporter, export_interval_millis=3_600_000)
    return MeterProvider(metric_readers=[reader],
                         resource=Resource.create({"service.name": "gpu-node", **(resource or {})}))


def logger_provider(protocol: str, service, resource: dict | None = None) -> LoggerProvider:
    exporter = (HttpLogExporter(endpoint=f"{service.otlp_http}/v1/logs") if protocol == "http"
                else GrpcLogExporter(endpoint=service.otlp_grpc, insecure=True))
    provider = LoggerProvider(resource=Resource.create({"service.name": "chat-api", **(resource or {})}))
    provider.add_log_record_processor(SimpleLogRecordProcessor(exporter))
    return provider
