"""Rows that an external OpenTelemetry Collector's ClickHouse exporter writes into
`otel_traces` reach `llm_calls` the same way our own spans do."""

from __future__ import annotations

from collector.normalise.genai_view import VIEW
from spyglass.schema import migrate
from store import query_rows

# The exporter's INSERT: its 22 columns, attributes as strings, ids as lower-case hex.
EXPORTER_INSERT = """
INSERT INTO otel_traces (Timestamp, TraceId, SpanId, ParentSpanId, TraceState, SpanName, SpanKind, ServiceName,
    ResourceAttributes, ScopeName, ScopeVersion, SpanAttributes, Duration, StatusCode, StatusMessage,
    `Events.Timestamp`, `Events.Name`, `Events.Attributes`, `Links.TraceId`, `Links.SpanId`, `Links.TraceState`,
    `Links.Attributes`)
VALUES
('2026-11-20 10:00:00.123456789', 'aa00000000000000000000000000000a', 'bb0000000000000a', '', '', 'chat claude',
 'Client', 'otelcol-app', {'service.name': 'otelcol-app', 'spyglass.team': 'ml', 'host.name': 'pod-1'},
 'opentelemetry.instrumentation.anthropic', '0.1', {'gen_ai.operation.name': 'chat',
 'gen_ai.provider.name': 'anthropic', 'gen_ai.request.model': 'claude-opus-4', 'gen_ai.usage.input_tokens': '2000',
 'gen_ai.usage.output_tokens': '150', 'gen_ai.usage.cache_creation.input_tokens': '1800',
 'gen_ai.response.finish_reasons': '["end_turn"]', 'spyglass.feature': 'search'}, 2500000000, 'Ok', '',
 [], [], [], [], [], [], []),
('2026-11-20 10:00:01', 'aa00000000000000000000000000000b', 'bb0000000000000b', '', '', 'completion',
 'SPAN_KIND_CLIENT', 'legacy-app', {}, '', '', {'gen_ai.system': 'vertex_ai', 'gen_ai.request.model': 'gemini-pro',
 'gen_ai.usage.prompt_tokens': '12.0', 'gen_ai.usage.completion_tokens': 'not-a-number'}, 10, 'STATUS_CODE_ERROR',
 'quota', [], [], [], [], [], [], []),
('2026-11-20 10:00:02', 'aa00000000000000000000000000000c', 'bb0000000000000c', '', '', 'GET /', 'Server', 'web',
 {}, '', '', {'http.request.method': 'GET'}, 10, 'Unset', '', [], [], [], [], [], [], [])
"""


def test_exporter_shaped_rows_reach_llm_calls(store):
    store.command(EXPORTER_INSERT)
    rows = query_rows(store, "SELECT * FROM llm_calls FINAL ORDER BY timestamp")
    assert [r["span_name"] for r in rows] == ["chat claude", "completion"]
    claude, legacy = rows
    assert {k: claude[k] for k in ("provider", "request_model", "input_tokens", "output_tokens",
                                   "cache_write_tokens", "finish_reasons", "team", "feature", "host_name",
                                   "status", "duration_ns", "service_name", "project")} == {
        "provider": "anthropic", "request_model": "claude-opus-4", "input_tokens": 2000, "output_tokens": 150,
        "cache_write_tokens": 1800, "finish_reasons": ["end_turn"], "team": "ml", "feature": "search",
        "host_name": "pod-1", "status": "ok", "duration_ns": 2_500_000_000, "service_name": "otelcol-app",
        "project": "default"}
    assert claude["timestamp"].nanosecond == 789
    assert {k: legacy[k] for k in ("provider", "input_tokens", "output_tokens", "status", "error_type")} == {
        "provider": "gcp.vertex_ai", "input_tokens": 12, "output_tokens": 0, "status": "error",
        "error_type": "_OTHER"}


def test_spans_written_before_the_view_existed_are_normalised_when_it_is_created(store):
    store.command(f"DROP VIEW {VIEW}")
    store.command("TRUNCATE TABLE llm_calls")
    store.command("ALTER TABLE schema_migrations DELETE WHERE key = 'R:llm_calls view'")
    store.command(EXPORTER_INSERT)
    assert query_rows(store, "SELECT count() AS n FROM llm_calls") == [{"n": 0}]
    assert migrate(store) == ["R:llm_calls view"]
    assert query_rows(store, "SELECT count() AS n FROM llm_calls FINAL") == [{"n": 2}]
    store.command(EXPORTER_INSERT)
    assert query_rows(store, "SELECT count() AS n FROM llm_calls FINAL") == [{"n": 2}], "re-sent rows collapse"

