"""Send planned traces through the real OpenTelemetry SDK, over OTLP/HTTP, with their own ids and times.

Each distinct resource (service, version, environment, team) gets its own `TracerProvider`, as each
deployment of a real application has one. Spans are started and ended with explicit timestamps
(the SDK's `start_time`/`end_time`), so a week of history goes out with past times, and the ids are
the planned ones through the SDK's `IdGenerator` seam, so feedback can name a call's span.
A `BatchSpanProcessor` with a queue large enough for one window batches the export; `flush()` ends a
window (the backfill flushes every simulated hour) and is the point where everything sent is acknowledged.
"""

from __future__ import annotations

from collections.abc import Iterable

from opentelemetry import trace
from opentelemetry.context import Context
from opentelemetry.exporter.otlp.proto.http import Compression
from opentelemetry.exporter.otlp.proto.http.trace_exporter import OTLPSpanExporter
from opentelemetry.sdk.resources import Resource
from opentelemetry.sdk.trace import TracerProvider
from opentelemetry.sdk.trace.export import BatchSpanProcessor
from opentelemetry.sdk.trace.id_generator import IdGenerator
from opentelemetry.trace import SpanKind, Status, StatusCode

from demo.spans import SpanPlan, TracePlan

SCOPE = "spyglass.demo"
QUEUE_SPANS = 200_000     # one backfill window of the busiest hour fits many times over
BATCH_SPANS = 2_000       # spans per OTLP request
_KINDS = {"server": SpanKind.SERVER, "client": SpanKind.CLIENT, "internal": SpanKind.INTERNAL}


class PlannedIds(IdGenerator):
    """Hands the SDK the ids the plan chose: set `trace_id`/`span_id` before starting each span."""

    def __init__(self) -> None:
        self.trace_id = 0
        self.span_id = 0

    def generate_trace_id(self) -> int:
        return self.trace_id

    def generate_span_id(self) -> int:
        return self.span_id


class TraceEmitter:
    """Spans out to `<endpoint>/v1/traces`; `headers` carry an ingest key when the service wants one."""

    def __init__(self, endpoint: str, headers: dict[str, str] | None = None) -> None:
        self.endpoint = endpoint.rstrip("/")
        self.headers = headers or {}
        self._providers: dict[tuple[tuple[str, str], ...], tuple[TracerProvider, PlannedIds]] = {}
        self.sent_spans = 0

    def _provider(self, resource: dict) -> tuple[TracerProvider, PlannedIds]:
        key = tuple(sorted((k, str(v)) for k, v in resource.items()))
        if key not in self._providers:
            ids = PlannedIds()
            provider = TracerProvider(resource=Resource.create(resource), id_generator=ids)
            exporter = OTLPSpanExporter(endpoint=f"{self.endpoint}/v1/traces", headers=self.headers, timeout=30,
                                        compression=Compression.Gzip)
            provider.add_span_processor(BatchSpanProcessor(exporter, max_queue_size=QUEUE_SPANS,
                                                           max_export_batch_size=BATCH_SPANS,
                                                           schedule_delay_millis=1000))
            self._providers[key] = (provider, ids)
        return self._providers[key]

    def emit(self, traces: Iterable[TracePlan]) -> None:
        for plan in traces:
            provider, ids = self._provider(plan.resource)
            tracer = provider.get_tracer(SCOPE)
            ids.trace_id = int(plan.trace_id, 16)
            started: dict[str, trace.Span] = {}
            for span in plan.spans:
                started[span.span_id] = self._start(tracer, ids, span, started)
            for span in reversed(plan.spans):  # children end before their parents, as in a live process
                self._end(started[span.span_id], span)
            self.sent_spans += len(plan.spans)

    @staticmethod
    def _start(tracer: trace.Tracer, ids: PlannedIds, span: SpanPlan, started: dict[str, trace.Span]) -> trace.Span:
        ids.span_id = int(span.span_id, 16)
        parent = trace.set_span_in_context(started[span.parent_id]) if span.parent_id else Context()
        return tracer.start_span(span.name, context=parent, kind=_KINDS[span.kind], attributes=span.attributes,
                                 start_time=span.start_ns)

    @staticmethod
    def _end(live: trace.Span, span: SpanPlan) -> None:
        for event in span.events:
            live.add_event(event.name, event.attributes, timestamp=event.time_ns)
        if span.error:
            live.set_status(Status(StatusCode.ERROR, span.error))
        live.end(end_time=span.end_ns)

    def flush(self, timeout_millis: int = 120_000) -> bool:
        """Export everything queued; True when every provider's export finished in time."""
        return all([provider.force_flush(timeout_millis) for provider, _ in self._providers.values()])

    def shutdown(self) -> None:
        for provider, _ in self._providers.values():
            provider.shutdown()
