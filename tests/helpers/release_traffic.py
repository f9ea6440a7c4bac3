"""Two versions of a service sending GenAI chat spans through the real OpenTelemetry SDK and OTLP/HTTP.

The version is the `service.version` resource attribute, as an instrumented application sets it; latencies come
from explicit span start and end times (no sleeping); a version may call another model (priced otherwise by the
catalog the service loads).
"""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

import numpy as np
from opentelemetry.sdk.resources import Resource
from opentelemetry.sdk.trace import TracerProvider
from opentelemetry.sdk.trace.export import BatchSpanProcessor
from opentelemetry.trace import SpanKind

from tests.helpers.otel_clients import span_exporter

# Per million tokens: model-b costs 20 % more than model-a, input and output alike.
CATALOG = """entries:
  - {id: a, provider: openai, models: [model-a], input: "1", output: "2"}
  - {id: b, provider: openai, models: [model-b], input: "1.2", output: "2.4"}
"""


def latencies_ms(n: int, seed: int, tail: float = 1.0) -> np.ndarray:
    """Log-normal latencies around 800 ms; `tail` multiplies the slowest tenth (p95 grows, the median stays)."""
    values = np.random.default_rng(seed).lognormal(np.log(800), 0.3, n)
    return np.where(values >= np.quantile(values, 0.9), values * tail, values) if tail != 1.0 else values


def tokens(n: int, seed: int) -> tuple[np.ndarray, np.ndarray]:
    rng = np.random.default_rng(seed + 1)
    return rng.integers(100, 2000, n), rng.integers(50, 500, n)


def send_version(running, service: str, version: str, model: str, latency_ms: np.ndarray,
                 input_tokens: np.ndarray, output_tokens: np.ndarray, start: datetime | None = None) -> None:
    """One call per latency, a few seconds apart from `start` (default: 40 minutes ago), in one export."""
    provider = TracerProvider(resource=Resource.create({"service.name": service, "service.version": version}))
    provider.add_span_processor(BatchSpanProcessor(span_exporter("http", running), max_export_batch_size=512))
    tracer = provider.get_tracer("tests.releases")
    begin = start or datetime.now(timezone.utc) - timedelta(minutes=40)
    for i, latency in enumerate(latency_ms):
        at = begin + timedelta(seconds=5 * i)
        span = tracer.start_span(f"chat {model}", kind=SpanKind.CLIENT, start_time=_ns(at), attributes={
            "gen_ai.operation.name": "chat", "gen_ai.provider.name": "openai", "gen_ai.request.model": model,
            "gen_ai.usage.input_tokens": int(input_tokens[i]), "gen_ai.usage.output_tokens": int(output_tokens[i])})
        span.end(end_time=_ns(at) + int(latency * 1_000_000))
    provider.shutdown()


def _ns(at: datetime) -> int:
    return int(at.timestamp() * 1_000_000) * 1000
