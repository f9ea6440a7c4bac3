"""One OTLP request as the service sees itself: a server span (sampled by the service's ingest ratio) and the
request's counts by signal, transport and status (`spyglass.receiver.requests`, `spyglass.receiver.bytes`).

Both transports wrap their handler in `RequestObserver.request`, so a request refused before the pipeline (no
key 401, too large 413, wrong media type 415) is counted and traced like one the pipeline answered.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass

from opentelemetry.metrics import Meter, NoOpMeter
from opentelemetry.trace import NoOpTracer, SpanKind, Status, StatusCode, Tracer


@dataclass
class Request:
    """What the handler learns as it goes: the body's size, then the answer (HTTP status) and the outcome
    (`ok`, or the error's type: BadInput, Unauthorized, QueueFull ...)."""

    bytes: int = 0
    status: int = 200
    outcome: str = "ok"

    def failed(self, error: BaseException, status: int) -> None:
        self.status, self.outcome = status, type(error).__name__


class RequestObserver:
    def __init__(self, meter: Meter | None = None, tracer: Tracer | None = None) -> None:
        meter = meter or NoOpMeter("spyglass")
        self._tracer = tracer or NoOpTracer()
        self._requests = meter.create_counter(
            "spyglass.receiver.requests", unit="{request}",
            description="OTLP export requests, by signal, transport, status (HTTP code) and outcome")
        self._bytes = meter.create_counter(
            "spyglass.receiver.bytes", unit="By", description="OTLP request bodies received (as sent: compressed "
                                                              "when the client compressed), by signal and transport")

    @contextmanager
    def request(self, signal: str, transport: str) -> Iterator[Request]:
        record = Request()
        with self._tracer.start_as_current_span(f"otlp {transport} export {signal}", kind=SpanKind.SERVER,
                                                attributes={"otlp.signal": signal, "otlp.transport": transport}
                                                ) as span:
            try:
                yield record
            finally:
                span.set_attributes({"http.response.status_code": record.status, "otlp.body.bytes": record.bytes,
                                     "spyglass.outcome": record.outcome})
                if record.status >= 500:
                    span.set_status(Status(StatusCode.ERROR, record.outcome))
                attributes = {"signal": signal, "transport": transport}
                self._bytes.add(record.bytes, attributes)
                self._requests.add(1, {**attributes, "status": str(record.status), "outcome": record.outcome})
