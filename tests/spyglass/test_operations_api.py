"""GET /api/v1/operations: agent, tool and retrieval spans sent through the real OpenTelemetry SDK, in the
conventions real instrumentations speak, counted once each, with errors and latency; model calls stay out."""

from __future__ import annotations

import time

import httpx
import pytest
from opentelemetry.sdk.resources import Resource
from opentelemetry.sdk.trace import TracerProvider
from opentelemetry.sdk.trace.export import SimpleSpanProcessor
from opentelemetry.trace import SpanKind, Status, StatusCode

from tests.helpers.otel_clients import span_exporter

MS = 1_000_000


def _send(service, spans: list[tuple[str, dict, int, bool]], resource: dict, copies: int = 1) -> None:
    """Each (span name, attributes, duration ms, failed) as a span; `copies` exporters deliver every span again."""
    provider = TracerProvider(resource=Resource.create(resource))
    for _ in range(copies):
        provider.add_span_processor(SimpleSpanProcessor(span_exporter("http", service)))
    tracer = provider.get_tracer("tests.operations")
    start = time.time_ns() - 600_000 * MS
    for i, (name, attributes, duration_ms, failed) in enumerate(spans):
        begin = start + i * 1000 * MS
        span = tracer.start_span(name, kind=SpanKind.INTERNAL, start_time=begin, attributes=attributes)
        if failed:
            span.set_status(Status(StatusCode.ERROR, "tool failed"))
        span.end(end_time=begin + duration_ms * MS)
    provider.shutdown()


AGENT_APP = [
    ("invoke_agent planner", {"gen_ai.operation.name": "invoke_agent", "gen_ai.agent.name": "planner"}, 900, False),
    *[(f"execute_tool web_search {i}", {"gen_ai.operation.name": "execute_tool", "gen_ai.tool.name": "web_search"},
       ms, i == 2) for i, ms in enumerate((100, 200, 300))],
    ("calculator", {"openinference.span.kind": "TOOL", "tool.name": "calculator"}, 5, False),
    ("retrieve docs", {"openinference.span.kind": "RETRIEVER"}, 40, False),
    ("rag chain", {"openinference.span.kind": "CHAIN"}, 1200, False),
    ("answer_question.workflow", {"traceloop.span.kind": "workflow", "traceloop.entity.name": "answer_question"},
     1500, False),
    # Not operations of this summary: a model call (in /summary) and a plain HTTP span.
    ("chat gpt-4o", {"gen_ai.operation.name": "chat", "gen_ai.request.model": "gpt-4o",
                     "gen_ai.usage.input_tokens": 10}, 700, False),
    ("GET /health", {"http.request.method": "GET"}, 1, False),
]


def _rows(running, **params) -> list[dict]:
    response = httpx.get(f"{running.api}/api/v1/operations", params={"since": "1h", **params}, timeout=30)
    assert response.status_code == 200, response.text
    return response.json()["rows"]


def test_agent_tool_and_retrieval_spans_are_summarised_per_operation_and_name(service):
    _send(service, AGENT_APP, {"service.name": "agent-app"}, copies=2)  # every span delivered twice
    _send(service, [("execute_tool web_search", {"gen_ai.operation.name": "execute_tool",
                                                 "gen_ai.tool.name": "web_search"}, 50, True)],
          {"service.name": "support-bot", "spyglass.project": "support"})

    rows = _rows(service)
    assert [(r["operation"], r["name"], r["service"], r["calls"], r["errors"]) for r in rows] == [
        ("execute_tool", "web_search", "agent-app", 3, 1),
        ("chain", "rag chain", "agent-app", 1, 0),
        ("execute_tool", "calculator", "agent-app", 1, 0),
        ("execute_tool", "web_search", "support-bot", 1, 1),
        ("invoke_agent", "planner", "agent-app", 1, 0),
        ("invoke_workflow", "answer_question", "agent-app", 1, 0),
        ("retrieval", "retrieve docs", "agent-app", 1, 0),
    ]
    search = rows[0]
    assert search["error_rate"] == 1 / 3
    # Within the percentile estimates' value tolerance: once the operation rollup job has run, they are its sketch.
    assert search["latency_ms"]["p50"] == pytest.approx(200, rel=0.012)
    assert 200 < search["latency_ms"]["p95"] <= 300 * 1.012
    assert rows[4]["latency_ms"] == pytest.approx({"p50": 900, "p95": 900, "p99": 900}, rel=0.012)

    tools = _rows(service, operation="execute_tool")
    assert {(r["name"], r["service"]) for r in tools} == {("web_search", "agent-app"), ("calculator", "agent-app"),
                                                          ("web_search", "support-bot")}
    assert [(r["service"], r["errors"]) for r in _rows(service, project="support")] == [("support-bot", 1)]
    assert [r["name"] for r in _rows(service, service="agent-app", name="planner")] == ["planner"]
    assert _rows(service, since="2h", until="1h") == []


def test_model_operations_are_pointed_elsewhere(service):
    response = httpx.get(f"{service.api}/api/v1/operations", params={"operation": "chat"}, timeout=30)
    assert response.status_code == 400 and "/api/v1/summary" in response.json()["error"]
    response = httpx.get(f"{service.api}/api/v1/llm-calls", params={"operation": "execute_tool"}, timeout=30)
    assert response.status_code == 400 and "/api/v1/operations" in response.json()["error"]
