"""Content capture: stripped unless the project opts in, redacted when it does (real SDK, real store)."""

from __future__ import annotations

import json

import pyarrow as pa
from opentelemetry import trace
from opentelemetry.trace import SpanKind

from collector.normalise.content import ContentPolicy, normalise
from tests.helpers.otel_clients import logger_provider, tracer_provider
from tests.helpers.wait import eventually

MESSAGES = json.dumps([{"role": "user", "parts": [{"type": "text", "content": "I am jane@example.com"}]}])
OUTPUT = json.dumps([{"role": "assistant", "parts": [{"type": "text", "content": "Hi, call +44 20 7946 0958"}],
                      "finish_reason": "stop"}])
CONTENT_ATTRIBUTES = {
    "gen_ai.input.messages": MESSAGES, "gen_ai.output.messages": OUTPUT,
    "gen_ai.system_instructions": "You are helpful. Admin: root@example.com",
    "gen_ai.prompt.0.content": "legacy prompt from jane@example.com", "gen_ai.prompt.0.role": "user",
    "gen_ai.completion.0.content": "legacy completion", "input.value": "openinference input",
}


def _send(running, project: str) -> None:
    traces = tracer_provider("http", running, resource={"spyglass.project": project})
    logs = logger_provider("http", running, resource={"spyglass.project": project})
    tracer = traces.get_tracer("test")
    with tracer.start_as_current_span("chat gpt-4o", kind=SpanKind.CLIENT, attributes={
            "gen_ai.operation.name": "chat", "gen_ai.request.model": "gpt-4o", "gen_ai.usage.input_tokens": 10,
            "gen_ai.usage.output_tokens": 5, **CONTENT_ATTRIBUTES}) as span:
        span.add_event("gen_ai.user.message", {"gen_ai.system": "openai", "content": "my card 4111 1111 1111 1111"})
        span.add_event("gen_ai.content.completion", {"gen_ai.completion": "done for 10.0.0.7"})
        span.add_event("gen_ai.evaluation.result", {"gen_ai.evaluation.name": "relevance",
                                                    "gen_ai.evaluation.score.value": 0.9})
        logger = logs.get_logger("app")
        logger.emit(event_name="gen_ai.user.message", body={"content": "hello from jane@example.com"},
                    attributes={"gen_ai.system": "openai"}, context=trace.set_span_in_context(span))
        logger.emit(event_name="gen_ai.client.inference.operation.details", body="details",
                    attributes={"gen_ai.input.messages": MESSAGES, "gen_ai.request.model": "gpt-4o"})
    traces.shutdown()
    logs.shutdown()


def _stored(running) -> tuple[dict, list[dict]]:
    def stored() -> tuple[dict, list[dict]] | None:
        spans = running.rows("SELECT SpanAttributes AS a, Events.Name AS en, Events.Attributes AS ea FROM otel_traces")
        logs = running.rows("SELECT EventName AS name, Body AS body, LogAttributes AS a FROM otel_logs "
                            "ORDER BY EventName DESC")
        return (spans[0], logs) if spans and len(logs) == 2 else None

    return eventually(stored, timeout=20, what="the span and two log records stored")


def _attrs(pairs) -> dict[str, str]:
    return dict(pairs)


def test_content_is_stripped_when_capture_is_off(service_factory):
    running = service_factory(content={"capture_projects": ["other"]})
    _send(running, "acme")
    span, logs = _stored(running)
    attributes = _attrs(span["a"])
    assert not set(CONTENT_ATTRIBUTES) & set(attributes)
    assert attributes["gen_ai.request.model"] == "gpt-4o" and attributes["spyglass.content"] == "stripped"
    events = dict(zip(span["en"], (_attrs(a) for a in span["ea"]), strict=True))
    assert events["gen_ai.user.message"] == {"gen_ai.system": "openai"}  # who spoke, not what was said
    assert events["gen_ai.content.completion"] == {}
    assert events["gen_ai.evaluation.result"]["gen_ai.evaluation.name"] == "relevance"  # not content
    user_message, details = logs
    assert user_message["name"] == "gen_ai.user.message" and user_message["body"] == ""
    assert _attrs(user_message["a"]) == {"gen_ai.system": "openai", "spyglass.content": "stripped"}
    assert "gen_ai.input.messages" not in _attrs(details["a"]) and details["body"] == "details"
    assert running.rows("SELECT model FROM llm_calls FINAL") == [{"model": "gpt-4o"}]  # the call itself is kept


def test_captured_project_keeps_content_after_redaction(service_factory):
    running = service_factory(content={"capture_projects": ["acme"]})
    _send(running, "acme")
    span, logs = _stored(running)
    attributes = _attrs(span["a"])
    assert set(CONTENT_ATTRIBUTES) <= set(attributes)
    assert json.loads(attributes["gen_ai.input.messages"])[0]["parts"][0]["content"] == "I am [REDACTED:email]"
    assert "[REDACTED:phone]" in attributes["gen_ai.output.messages"]
    assert attributes["gen_ai.prompt.0.content"] == "legacy prompt from [REDACTED:email]"
    assert attributes["input.value"] == "openinference input"
    # span attributes 3 emails + 1 phone; span events 1 card + 1 IPv4
    assert attributes["spyglass.content"] == "redacted" and attributes["spyglass.redactions"] == "6"
    counts = {kind: attributes[f"spyglass.redactions.{kind}"] for kind in ("email", "phone", "card_number", "ipv4")}
    assert counts == {"email": "3", "phone": "1", "card_number": "1", "ipv4": "1"}
    events = dict(zip(span["en"], (_attrs(a) for a in span["ea"]), strict=True))
    assert events["gen_ai.user.message"]["content"] == "my card [REDACTED:card_number]"
    user_message, details = logs
    assert json.loads(user_message["body"]) == {"content": "hello from [REDACTED:email]"}
    assert _attrs(user_message["a"])["spyglass.redactions.email"] == "1"
    assert "[REDACTED:email]" in _attrs(details["a"])["gen_ai.input.messages"]
    assert _attrs(details["a"])["spyglass.redactions"] == "1"


def test_tables_without_content_pass_through_untouched():
    table = pa.table({"ResourceAttributes": pa.array([[("service.name", "a")]], pa.map_(pa.string(), pa.string())),
                      "SpanAttributes": pa.array([[("gen_ai.request.model", "m")]], pa.map_(pa.string(), pa.string())),
                      "Events.Name": pa.array([["gen_ai.evaluation.result"]], pa.list_(pa.string())),
                      "Events.Attributes": pa.array([[[("gen_ai.evaluation.name", "x")]]],
                                                    pa.list_(pa.map_(pa.string(), pa.string())))})
    assert normalise({"otel_traces": table}, ContentPolicy())["otel_traces"] is table
