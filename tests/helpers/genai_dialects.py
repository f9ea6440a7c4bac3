"""One span of each GenAI dialect we read (current conventions, deprecated names, OpenInference,
OpenLLMetry), sent with the real SDK, and the typed `llm_calls` row each must become."""

from __future__ import annotations

from opentelemetry.trace import SpanKind, Status, StatusCode

from tests.helpers.otel_clients import tracer_provider

RESOURCE = {"deployment.environment.name": "prod", "host.name": "client-host-1", "spyglass.team": "search",
            "spyglass.project": "assistant"}


def send_dialects(protocol: str, service) -> dict[str, str]:
    """Send one span of each dialect; returns span name -> span id (hex)."""
    provider = tracer_provider(protocol, service, RESOURCE)
    tracer = provider.get_tracer("test")
    ids = {}

    def span(name: str, attributes: dict, error: bool = False, kind: SpanKind = SpanKind.CLIENT) -> None:
        with tracer.start_as_current_span(name, kind=kind, attributes=attributes) as s:
            if error:
                s.set_status(Status(StatusCode.ERROR, "rate limited"))
            ids[name] = format(s.get_span_context().span_id, "016x")

    with tracer.start_as_current_span("handle request", kind=SpanKind.SERVER):
        span("chat gpt-4o", {
            "gen_ai.operation.name": "chat", "gen_ai.provider.name": "openai",
            "gen_ai.request.model": "gpt-4o", "gen_ai.response.model": "gpt-4o-2024-08-06",
            "gen_ai.usage.input_tokens": 1200, "gen_ai.usage.output_tokens": 300,
            "gen_ai.usage.cache_read.input_tokens": 1000, "gen_ai.usage.cache_write.input_tokens": 50,
            "gen_ai.usage.reasoning.output_tokens": 120, "gen_ai.response.finish_reasons": ["stop", "length"],
            "gen_ai.response.time_to_first_chunk": 0.25, "gen_ai.response.id": "chatcmpl-123",
            "server.address": "api.openai.com", "spyglass.team": "growth", "spyglass.feature": "autocomplete",
            "user.id": "u-42", "gen_ai.conversation.id": "conv-7",
        })
        span("chat legacy", {
            "gen_ai.system": "az.ai.openai", "gen_ai.request.model": "gpt-35-turbo",
            "gen_ai.usage.prompt_tokens": 80, "gen_ai.usage.completion_tokens": 20,
            "gen_ai.usage.cache_creation.input_tokens": 7, "enduser.id": "u-legacy",
            "error.type": "RateLimitError",
        }, error=True)
        span("ChatAnthropic", {
            "openinference.span.kind": "LLM", "llm.model_name": "claude-sonnet-4", "llm.provider": "anthropic",
            "llm.token_count.prompt": 500, "llm.token_count.completion": 60,
            "llm.token_count.prompt_details.cache_read": 400,
            "llm.token_count.completion_details.reasoning": 10, "session.id": "sess-oi", "user.id": "u-oi",
        }, kind=SpanKind.INTERNAL)
        span("openai.chat", {
            "llm.request.type": "chat", "gen_ai.system": "OpenAI", "gen_ai.request.model": "gpt-4o-mini",
            "gen_ai.usage.prompt_tokens": 33, "gen_ai.usage.completion_tokens": 11, "llm.usage.total_tokens": 44,
            "gen_ai.usage.cache_read_input_tokens": 3, "llm.response.finish_reason": "stop",
        })
        span("execute_tool search", {"gen_ai.operation.name": "execute_tool", "gen_ai.tool.name": "search",
                                     "gen_ai.usage.input_tokens": 999}, kind=SpanKind.INTERNAL)
        span("RunnableSequence", {"openinference.span.kind": "CHAIN", "llm.model_name": "claude-sonnet-4"},
             kind=SpanKind.INTERNAL)
        span("GET /health", {"http.request.method": "GET"})
    provider.shutdown()
    return ids


EXPECTED = {
    "chat gpt-4o": dict(
        operation="chat", provider="openai", request_model="gpt-4o", response_model="gpt-4o-2024-08-06",
        input_tokens=1200, output_tokens=300, cache_read_tokens=1000, cache_write_tokens=50, reasoning_tokens=120,
        usage_reported=True, ttft_ns=250_000_000, status="unset", error_type="", finish_reasons=["stop", "length"],
        team="growth", feature="autocomplete", user_id="u-42", session_id="conv-7", host_name="api.openai.com",
        response_id="chatcmpl-123"),
    "chat legacy": dict(
        operation="", provider="azure.ai.openai", request_model="gpt-35-turbo", response_model="",
        input_tokens=80, output_tokens=20, cache_read_tokens=0, cache_write_tokens=7, reasoning_tokens=0,
        usage_reported=True, ttft_ns=None, status="error", error_type="RateLimitError", finish_reasons=[],
        team="search", feature="", user_id="u-legacy", session_id="", host_name="client-host-1", response_id=""),
    "ChatAnthropic": dict(
        operation="chat", provider="anthropic", request_model="claude-sonnet-4", response_model="",
        input_tokens=500, output_tokens=60, cache_read_tokens=400, cache_write_tokens=0, reasoning_tokens=10,
        usage_reported=True, ttft_ns=None, status="unset", error_type="", finish_reasons=[],
        team="search", feature="", user_id="u-oi", session_id="sess-oi", host_name="client-host-1",
        response_id=""),
    "openai.chat": dict(
        operation="chat", provider="openai", request_model="gpt-4o-mini", response_model="",
        input_tokens=33, output_tokens=11, cache_read_tokens=3, cache_write_tokens=0, reasoning_tokens=0,
        usage_reported=True, ttft_ns=None, status="unset", error_type="", finish_reasons=["stop"],
        team="search", feature="", user_id="", session_id="", host_name="client-host-1", response_id=""),
}
