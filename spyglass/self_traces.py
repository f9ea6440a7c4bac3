"""Spyglass traces itself: OTLP receive requests, API requests, job runs (alert evaluations with a span per
rule) and notification deliveries, as spans of service.name `spyglass` (project `spyglass`) in its own store.

No recursion, by construction: the exporter does not send OTLP to our receiver. It encodes the SDK's spans as
an OTLP request, decodes them with the collector's own trace decoder and hands the rows to the writer (the
batcher) directly, the way our own metrics go (spyglass/telemetry.py). The receivers and their spans are not on
that path, so a traced ingest request never causes another ingest request, traced or not.

Sampling is per kind of work, each a ratio of `telemetry:` (ingest 0.01, API 0.1, jobs 1.0 by default): one
TracerProvider per kind, each with a parent-based trace-id-ratio sampler, all feeding one batch span processor
and exporter. A kind's code holds only its tracer, so no attribute contract is needed between the packages
that make spans and the sampler; an unsampled span is a non-recording one and costs next to nothing.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Mapping, Sequence
from concurrent.futures import Future
from typing import Any

import pyarrow as pa
from opentelemetry.exporter.otlp.proto.common.trace_encoder import encode_spans
from opentelemetry.sdk.resources import Resource
from opentelemetry.sdk.trace import ReadableSpan, TracerProvider
from opentelemetry.sdk.trace.export import BatchSpanProcessor, SpanExporter, SpanExportResult
from opentelemetry.sdk.trace.sampling import ParentBased, TraceIdRatioBased
from opentelemetry.trace import SpanKind, Status, StatusCode, Tracer
from opentelemetry.util.types import AttributeValue
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from collector.decode import traces
from spyglass.telemetry import SELF

KINDS = ("ingest", "api", "jobs")
# Polled by orchestrators and Prometheus every few seconds: traces of them would only bury the interesting ones.
UNTRACED_PATHS = frozenset({"/healthz", "/readyz", "/metrics"})


class StoreSpanExporter(SpanExporter):
    """Writes the SDK's spans into the store through the collector's writer, never through a receiver."""

    def __init__(self, submit: Callable[[dict[str, pa.Table]], Future], timeout_seconds: float = 10.0) -> None:
        self._submit = submit
        self._timeout = timeout_seconds

    def export(self, spans: Sequence[ReadableSpan]) -> SpanExportResult:
        decoded = traces.decode(encode_spans(spans), SELF)
        try:
            self._submit(decoded.tables).result(self._timeout)
        except Exception:  # the store is down or the queue is full: these spans are dropped, the service goes on
            return SpanExportResult.FAILURE
        return SpanExportResult.SUCCESS

    def shutdown(self) -> None:
        return None


class SelfTracing:
    """The service's tracers, one per kind of work, over one exporter into its own store."""

    def __init__(self, submit: Callable[[dict[str, pa.Table]], Future], ratios: Mapping[str, float]) -> None:
        resource = Resource.create({"service.name": SELF, "spyglass.project": SELF})
        self._processor = BatchSpanProcessor(StoreSpanExporter(submit), schedule_delay_millis=1000)
        self._providers = {}
        for kind in KINDS:
            provider = TracerProvider(sampler=ParentBased(TraceIdRatioBased(ratios[kind])), resource=resource,
                                      shutdown_on_exit=False)
            provider.add_span_processor(self._processor)
            self._providers[kind] = provider

    def tracer(self, kind: str) -> Tracer:
        return self._providers[kind].get_tracer("spyglass")

    def force_flush(self, timeout_millis: int = 30_000) -> bool:
        return self._processor.force_flush(timeout_millis)

    def shutdown(self) -> None:
        """Export what is held (before the writer drains), then stop."""
        self._processor.shutdown()


class TracedRequests:
    """ASGI middleware: one server span per API request, named by its route (`GET /api/v1/traces/{trace_id}`)
    once routing has found it, with the status code; 5xx answers are errors."""

    def __init__(self, app: ASGIApp, tracer: Tracer) -> None:
        self.app, self.tracer = app, tracer

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope["path"] in UNTRACED_PATHS:
            await self.app(scope, receive, send)
            return
        method = scope["method"]
        with self.tracer.start_as_current_span(f"{method} {scope['path']}", kind=SpanKind.SERVER, attributes={
                "http.request.method": method, "url.path": scope["path"]}) as span:

            async def sending(message: Message) -> None:
                if message["type"] == "http.response.start":
                    status = message["status"]
                    span.set_attribute("http.response.status_code", status)
                    if status >= 500:
                        span.set_status(Status(StatusCode.ERROR, f"HTTP {status}"))
                await send(message)

            try:
                await self.app(scope, receive, sending)
            finally:
                route = getattr(scope.get("route"), "path", None)
                if route:
                    span.update_name(f"{method} {route}")
                    span.set_attribute("http.route", route)


def record_span(tracer: Tracer, name: str, seconds: float, attributes: Mapping[str, AttributeValue],
                error: str = "", start_ns: int = 0) -> None:
    """A span for work that took `seconds` (measured by the caller's own monotonic clock) from `start_ns` (wall
    clock; 0: it has just ended): for parts that time their work already (a rule's evaluation, a delivery
    attempt) where a context manager around the work would reach into their internals. Its parent is the
    current span (the job's), if any."""
    start = start_ns or time.time_ns() - int(seconds * 1e9)
    end = start + int(seconds * 1e9)
    span = tracer.start_span(name, attributes=dict(attributes), start_time=start)
    if error:
        span.set_status(Status(StatusCode.ERROR, error))
    span.end(end_time=end)


def ratios(telemetry: Any) -> dict[str, float]:
    """The sampling ratio of each kind, from the `telemetry:` settings."""
    return {kind: getattr(telemetry, f"{kind}_trace_ratio") for kind in KINDS}
