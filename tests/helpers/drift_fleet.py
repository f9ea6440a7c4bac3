"""LLM calls whose drift is known, sent through the real OpenTelemetry SDK, for the drift page tests.

Three models of the service `chat-api`, calls spread over the 8 days before now: gpt-4o's input
tokens double in the last 24 hours (drift), claude-sonnet-4 is steady (no drift), and tiny-model
has too few calls in the last 24 hours for a verdict (insufficient data).
"""

from __future__ import annotations

import time

import numpy as np
from opentelemetry.exporter.otlp.proto.http.trace_exporter import OTLPSpanExporter
from opentelemetry.sdk.resources import Resource
from opentelemetry.sdk.trace import TracerProvider
from opentelemetry.sdk.trace.export import BatchSpanProcessor
from opentelemetry.trace import SpanKind

DAY_NS = 86_400 * 1_000_000_000
# model -> (reference calls, current calls, input token scale in the current window)
DRIFT_FLEET = {"gpt-4o": (150, 120, 2.0), "claude-sonnet-4": (150, 120, 1.0), "tiny-model": (150, 10, 1.0)}
MIN_ROWS = 100  # the service's drift.min_rows for these tests (fewer spans to send than the default 200)


def send_drift_fleet(otlp_http: str, seed: int = 4) -> None:
    provider = TracerProvider(resource=Resource.create({"service.name": "chat-api"}))
    provider.add_span_processor(BatchSpanProcessor(OTLPSpanExporter(endpoint=f"{otlp_http}/v1/traces", timeout=10),
                                                   max_export_batch_size=512, schedule_delay_millis=200))
    tracer = provider.get_tracer("tests.dashboard.drift")
    rng = np.random.default_rng(seed)
    # An hour's margin from every window edge: the windows slide with the clock while the test
    # runs, and a call crossing an edge would change the data (and possibly the verdict).
    now, hour = time.time_ns(), 3_600 * 1_000_000_000
    for model, (reference, current, scale) in DRIFT_FLEET.items():
        for count, since, until, factor in ((reference, now - 8 * DAY_NS + hour, now - DAY_NS - hour, 1.0),
                                            (current, now - DAY_NS + hour, now - hour, scale)):
            for begin in rng.integers(since, until, count):
                span = tracer.start_span(f"chat {model}", kind=SpanKind.CLIENT, start_time=int(begin), attributes={
                    "gen_ai.operation.name": "chat", "gen_ai.provider.name": "openai",
                    "gen_ai.request.model": model,
                    "gen_ai.usage.input_tokens": int(rng.lognormal(6, 1) * factor),
                    "gen_ai.usage.output_tokens": int(rng.lognormal(5, 0.8)),
                    "gen_ai.response.finish_reasons": [str(rng.choice(["stop", "length"], p=[0.85, 0.15]))]})
                span.end(end_time=int(begin + rng.gamma(2, 300) * 1e6))
    provider.shutdown()
