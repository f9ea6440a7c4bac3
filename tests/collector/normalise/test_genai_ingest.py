"""GenAI spans from the real OpenTelemetry SDK, over OTLP/HTTP and OTLP/gRPC, become typed
`llm_calls` rows: current conventions, their deprecated names, OpenInference and OpenLLMetry."""

from __future__ import annotations

import httpx
import pytest
from opentelemetry.sdk.trace.export import SimpleSpanProcessor

from tests.helpers.genai_dialects import EXPECTED, send_dialects
from tests.helpers.otel_clients import span_exporter, tracer_provider


@pytest.mark.parametrize("protocol", ["http", "grpc"])
def test_every_dialect_becomes_a_typed_llm_call(protocol, service):
    ids = send_dialects(protocol, service)
    rows = {r["span_name"]: r for r in service.rows("SELECT * FROM llm_calls FINAL")}

    assert set(rows) == set(EXPECTED), "tool, chain and plain HTTP spans are not model calls"
    traces = service.rows("SELECT SpanName, TraceId, SpanId, ParentSpanId, Duration FROM otel_traces")
    by_name = {t["SpanName"]: t for t in traces}
    assert len(traces) == 8, "every span, model call or not, is kept in otel_traces"
    for name, expected in EXPECTED.items():
        row = rows[name]
        assert {k: row[k] for k in expected} == expected, name
        assert row["span_id"] == ids[name]
        assert row["trace_id"] == by_name[name]["TraceId"] and len(row["trace_id"]) == 32
        assert row["parent_span_id"] == by_name["handle request"]["SpanId"]
        assert row["duration_ns"] == by_name[name]["Duration"] > 0
        assert (row["project"], row["service_name"], row["environment"]) == ("assistant", "chat-api", "prod")
        assert row["scope_name"] == "test", "the instrumentation scope picks the accounting rule"
        assert row["timestamp"].year >= 2024


@pytest.mark.parametrize("protocol", ["http", "grpc"])
def test_gzip_requests_are_accepted(protocol, service):
    provider = tracer_provider(protocol, service, gzip=True)
    with provider.get_tracer("t").start_as_current_span("chat m", attributes={
            "gen_ai.operation.name": "chat", "gen_ai.request.model": "m", "gen_ai.usage.input_tokens": 5}):
        pass
    provider.shutdown()
    assert service.rows("SELECT request_model, input_tokens FROM llm_calls FINAL") == [
        {"request_model": "m", "input_tokens": 5}]


def test_a_span_delivered_twice_counts_once(service):
    """At-least-once delivery: the same span arriving again (a retry) must not add requests or tokens."""
    provider = tracer_provider("http", service)
    for protocol in ("grpc", "http"):
        provider.add_span_processor(SimpleSpanProcessor(span_exporter(protocol, service)))
    with provider.get_tracer("t").start_as_current_span("chat m", attributes={
            "gen_ai.operation.name": "chat", "gen_ai.request.model": "m", "gen_ai.usage.input_tokens": 7}):
        pass
    provider.shutdown()
    assert service.count("otel_traces") == 3, "the raw table keeps every delivery"
    assert service.rows("SELECT count() AS n, sum(input_tokens) AS t FROM llm_calls FINAL") == [{"n": 1, "t": 7}]
    summary = httpx.get(f"{service.api}/api/v1/summary").json()["overall"]
    assert (summary["requests"], summary["tokens"]["input"]) == (1, 7)


def test_attribution_from_baggage(service):
    """Team, feature and user set once as baggage by the app's edge reach every LLM call below it."""
    from opentelemetry import baggage, context
    from opentelemetry.processor.baggage import ALLOW_ALL_BAGGAGE_KEYS, BaggageSpanProcessor

    provider = tracer_provider("http", service)
    provider.add_span_processor(BaggageSpanProcessor(ALLOW_ALL_BAGGAGE_KEYS))  # copies baggage at span start
    ctx = baggage.set_baggage("spyglass.team", "support")
    ctx = baggage.set_baggage("spyglass.feature", "ticket-summary", ctx)
    ctx = baggage.set_baggage("user.id", "u-baggage", ctx)
    token = context.attach(ctx)
    try:
        with provider.get_tracer("t").start_as_current_span("chat m", attributes={
                "gen_ai.operation.name": "chat", "gen_ai.request.model": "m"}):
            pass
    finally:
        context.detach(token)
    provider.shutdown()
    assert service.rows("SELECT team, feature, user_id FROM llm_calls FINAL") == [
        {"team": "support", "feature": "ticket-summary", "user_id": "u-baggage"}]


@pytest.mark.parametrize(("attributes", "prompt"), [
    ({"spyglass.prompt.name": "triage", "spyglass.prompt.version": "7"}, ("triage", "7")),
    ({"langfuse.observation.prompt.name": "triage", "langfuse.observation.prompt.version": 3}, ("triage", "3")),
    ({"langfuse.prompt.name": "triage", "langfuse.prompt.version": "4"}, ("triage", "4")),
    ({"llm.prompt_template.version": "v2"}, ("", "v2")),
    ({}, ("", "")),
])
def test_the_versions_a_call_ran_under(attributes, prompt, service):
    """Releases compare calls by service version (resource) and prompt version (span), as each SDK names them."""
    provider = tracer_provider("http", service, resource={"service.version": "1.5.0"})
    with provider.get_tracer("t").start_as_current_span("chat m", attributes={
            "gen_ai.operation.name": "chat", "gen_ai.request.model": "m", **attributes}):
        pass
    provider.shutdown()
    assert service.rows("SELECT service_version, prompt_name, prompt_version FROM llm_calls FINAL") == [
        {"service_version": "1.5.0", "prompt_name": prompt[0], "prompt_version": prompt[1]}]
