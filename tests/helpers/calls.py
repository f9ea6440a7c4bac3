"""`llm_calls` rows written straight into a store, for jobs tested without the collector."""

from __future__ import annotations

from datetime import datetime

from tests.helpers.catalogs import utc

T0 = utc(2026, 11, 20, 12, 0, 0)
COLUMNS = ("timestamp", "trace_id", "span_id", "project", "service_name", "team", "provider", "request_model",
           "input_tokens", "output_tokens", "cache_read_tokens", "cache_write_tokens", "reasoning_tokens",
           "ingested_at", "status", "duration_ns")


def _ts(value: datetime) -> str:
    return value.strftime("%Y-%m-%d %H:%M:%S.%f")


def insert_call(store, span_id: str, ingested_at: datetime, model: str = "gpt-4o", provider: str = "openai",
                tokens: tuple[int, int, int, int, int] = (1000, 500, 200, 0, 100), at: datetime = T0,
                service: str = "svc", status: str = "", duration_ms: int = 0) -> None:
    values = (_ts(at), "t1", span_id, "p", service, "ml", provider, model, *tokens, _ts(ingested_at), status,
              duration_ms * 1_000_000)
    params = {f"v{i}": v for i, v in enumerate(values)}
    types = ["DateTime64(9, 'UTC')", *["String"] * 7, *["Int64"] * 5, "DateTime64(3, 'UTC')", "String", "UInt64"]
    placeholders = ", ".join(f"{{v{i}:{t}}}" for i, t in enumerate(types))
    store.command(f"INSERT INTO llm_calls ({', '.join(COLUMNS)}) VALUES ({placeholders})", params)
