"""Synthetic LLM calls with known distributions, written straight into `llm_calls`, for the drift tests.

Token counts are log-normal, durations gamma-distributed, finish reasons and error types
categorical, time to first token present on half the calls (streaming): shaped like real
traffic so that Evidently picks the tests it would pick in production.
"""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

import numpy as np
import pyarrow as pa

from store.base import Store

NOW = datetime(2026, 11, 20, 12, 0, tzinfo=timezone.utc)


def calls(rng: np.random.Generator, n: int, since: datetime, until: datetime, model: str,
          input_scale: float = 1.0, service: str = "chat-api", feature: str = "answer",
          project: str = "default") -> pa.Table:
    """`n` calls spread uniformly over [since, until); `input_scale` multiplies input tokens (the injected shift)."""
    span_ns = int((until - since).total_seconds() * 1e9)
    start_ns = int(since.timestamp() * 1e9)
    ids = [f"{x:032x}" for x in rng.integers(0, 2**63, n)]
    streaming = rng.random(n) < 0.5
    finish = rng.choice(["stop", "length", "tool_calls"], n, p=[0.8, 0.15, 0.05])
    error = rng.choice(["", "RateLimitError"], n, p=[0.97, 0.03])
    return pa.table({
        "timestamp": pa.array(start_ns + rng.integers(0, span_ns, n), pa.timestamp("ns", "UTC")),
        "trace_id": ids,
        "span_id": [i[:16] for i in ids],
        "project": [project] * n,
        "service_name": [service] * n,
        "request_model": [model] * n,
        "feature": [feature] * n,
        "input_tokens": np.round(rng.lognormal(6, 1, n) * input_scale).astype(np.int64),
        "output_tokens": np.round(rng.lognormal(5, 0.8, n)).astype(np.int64),
        "duration_ns": (rng.gamma(2, 300, n) * 1e6).astype(np.uint64),
        "ttft_ns": pa.array((rng.gamma(2, 50, n) * 1e6).astype(np.uint64), mask=~streaming),
        "finish_reasons": [[f] for f in finish],
        "error_type": error,
        "status": np.where(error == "", "ok", "error"),
    })


def insert_windows(store: Store, rng: np.random.Generator, model: str, rows: tuple[int, int],
                   input_scale: float = 1.0, now: datetime = NOW, **kwargs) -> None:
    """Reference rows in the 7 days before the last 24 h, current rows in the last 24 h (the job's defaults)."""
    day = timedelta(days=1)
    store.insert_arrow("llm_calls", calls(rng, rows[0], now - 8 * day, now - day, model, **kwargs))
    store.insert_arrow("llm_calls", calls(rng, rows[1], now - day, now, model, input_scale=input_scale, **kwargs))


def insert_spans_with_content(store: Store, n: int, since: datetime, until: datetime, words: int,
                              seed: int, model: str = "gpt-4o") -> None:
    """`n` GenAI spans into `otel_traces` (the llm_calls view types them) whose captured
    completion has about `words` words; ids are derived from `seed` and the row number."""
    store.command(f"""
INSERT INTO otel_traces (Timestamp, TraceId, SpanId, SpanName, SpanKind, ServiceName, SpanAttributes, Duration,
                         StatusCode)
SELECT
    toDateTime64({{since:Int64}} + cityHash64(number, {{seed:UInt64}}) % {{span:UInt64}}, 0, 'UTC'),
    lower(hex(cityHash64(number, {{seed:UInt64}}, 1))) || lower(hex(cityHash64(number, {{seed:UInt64}}, 2))),
    lower(hex(cityHash64(number, {{seed:UInt64}}, 3))),
    'chat {model}', 'Client', 'chat-api',
    map('gen_ai.operation.name', 'chat', 'gen_ai.request.model', {{model:String}},
        'gen_ai.usage.input_tokens', toString(100 + cityHash64(number, {{seed:UInt64}}, 4) % 900),
        'gen_ai.usage.output_tokens', toString(50 + cityHash64(number, {{seed:UInt64}}, 5) % 400),
        'spyglass.feature', 'answer',
        'gen_ai.input.messages', '[{{"role": "user", "parts": [{{"type": "text", "content": "' ||
            arrayStringConcat(arrayMap(i -> 'question', range(3 + cityHash64(number, {{seed:UInt64}}, 6) % 10)), ' ')
            || '"}}]}}]',
        'gen_ai.output.messages', '[{{"role": "assistant", "parts": [{{"type": "text", "content": "' ||
            arrayStringConcat(arrayMap(i -> 'answer',
                range({{words:UInt64}} + cityHash64(number, {{seed:UInt64}}, 7) % {{words:UInt64}})), ' ')
            || '"}}]}}]'),
    (200 + cityHash64(number, {{seed:UInt64}}, 8) % 800) * 1000000, 'Ok'
FROM numbers({{n:UInt64}})""", {"since": int(since.timestamp()), "span": int((until - since).total_seconds()),
                                "seed": seed, "n": n, "words": words, "model": model})


def insert_scores(store: Store, name: str, since: datetime, until: datetime, shift: float) -> None:
    """A `name` score for every call in [since, until): uniform in [0, 1) plus `shift`."""
    store.command("""
INSERT INTO quality_scores (timestamp, project, trace_id, span_id, score_id, name, value, source, service_name,
                            model, feature, joined)
SELECT timestamp, project, trace_id, span_id, trace_id || span_id || {name:String}, {name:String},
       (cityHash64(span_id) % 1000) / 1000 + {shift:Float64}, 'heuristic', service_name, model, feature, true
FROM llm_calls FINAL
WHERE timestamp >= {since:DateTime64(9, 'UTC')} AND timestamp < {until:DateTime64(9, 'UTC')}""",
                  {"name": name, "shift": shift, "since": since.strftime("%Y-%m-%d %H:%M:%S"),
                   "until": until.strftime("%Y-%m-%d %H:%M:%S")})
