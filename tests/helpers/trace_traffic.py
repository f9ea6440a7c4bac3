"""Whole traces sent through the real OpenTelemetry SDK (OTLP/HTTP), shaped like the applications the trace
explorer serves: a RAG search (root, retrieval, embeddings, chat), an agent with tool spans and nested calls,
and a request that fails. Times are given, so a test knows every span's start and end."""

from __future__ import annotations

from dataclasses import dataclass

from opentelemetry import trace
from opentelemetry.exporter.otlp.proto.http.trace_exporter import OTLPSpanExporter
from opentelemetry.sdk.resources import Resource
from opentelemetry.sdk.trace import TracerProvider
from opentelemetry.sdk.trace.export import SimpleSpanProcessor
from opentelemetry.trace import SpanKind, Status, StatusCode

MS = 1_000_000
PROMPT = "My email is jane@example.com, what is my order status?"


@dataclass
class Sender:
    """One service's tracer, exporting each span as it ends."""

    provider: TracerProvider
    tracer: trace.Tracer

    def span(self, name: str, start_ns: int, end_ns: int, parent: trace.Span | None = None,
             kind: SpanKind = SpanKind.INTERNAL, error: str | None = None, **attributes) -> trace.Span:
        context = trace.set_span_in_context(parent) if parent is not None else None
        span = self.tracer.start_span(name, context=context, kind=kind, start_time=start_ns,
                                      attributes={k.replace("__", "."): v for k, v in attributes.items()})
        if error:
            span.set_status(Status(StatusCode.ERROR, error))
        span.end(end_time=end_ns)
        return span


def sender(otlp_http: str, service: str, project: str = "default") -> Sender:
    provider = TracerProvider(resource=Resource.create({"service.name": service, "spyglass.project": project}))
    provider.add_span_processor(SimpleSpanProcessor(OTLPSpanExporter(endpoint=f"{otlp_http}/v1/traces",
                                                                     timeout=10)))
    return Sender(provider, provider.get_tracer("tests.traces"))


def _open(s: Sender, name: str, start_ns: int, parent: trace.Span | None = None, **attributes) -> trace.Span:
    """A parent span left open: its children end first, as in an application; the caller ends it."""
    return s.tracer.start_span(name, context=trace.set_span_in_context(parent) if parent is not None else None,
                               kind=SpanKind.INTERNAL if parent is not None else SpanKind.SERVER, start_time=start_ns,
                               attributes={k.replace("__", "."): v for k, v in attributes.items()})


def chat(model: str, provider: str, inputs: int, outputs: int, **extra) -> dict:
    return {"gen_ai__operation__name": "chat", "gen_ai__provider__name": provider, "gen_ai__request__model": model,
            "gen_ai__usage__input_tokens": inputs, "gen_ai__usage__output_tokens": outputs, **extra}


def rag_trace(otlp_http: str, t0: int, project: str = "default", user: str = "user-rag") -> str:
    """POST /search: retrieval (0-120 ms), embeddings (10-60 ms inside it), chat gpt-4o (150-1150 ms)."""
    s = sender(otlp_http, "rag-search", project)
    root = _open(s, "POST /search", t0, user__id=user)
    retrieval = _open(s, "retrieve documents", t0 + 5 * MS, root, gen_ai__operation__name="retrieval")
    s.span("embeddings text-embedding-3-small", t0 + 10 * MS, t0 + 60 * MS, retrieval, SpanKind.CLIENT,
           gen_ai__operation__name="embeddings", gen_ai__provider__name="openai",
           gen_ai__request__model="text-embedding-3-small", gen_ai__usage__input_tokens=12, user__id=user)
    retrieval.end(end_time=t0 + 120 * MS)
    s.span("chat gpt-4o", t0 + 150 * MS, t0 + 1150 * MS, root, SpanKind.CLIENT, user__id=user,
           gen_ai__input__messages=f'[{{"role": "user", "parts": [{{"type": "text", "content": "{PROMPT}"}}]}}]',
           **chat("gpt-4o", "openai", 1200, 300, gen_ai__usage__cache_read__input_tokens=1000,
                  gen_ai__server__time_to_first_token=0.25))
    root.end(end_time=t0 + 1200 * MS)
    s.provider.shutdown()
    return format(root.get_span_context().trace_id, "032x")


def agent_trace(otlp_http: str, t0: int) -> str:
    """invoke_agent support: chat, a tool, a nested agent with its own chat, then a final chat."""
    s = sender(otlp_http, "support-agent")
    root = _open(s, "invoke_agent support", t0, gen_ai__operation__name="invoke_agent", user__id="user-agent")
    s.span("chat claude-sonnet-4", t0 + 10 * MS, t0 + 400 * MS, root, SpanKind.CLIENT,
           **chat("claude-sonnet-4", "anthropic", 800, 60, user__id="user-agent"))
    s.span("execute_tool lookup_order", t0 + 410 * MS, t0 + 500 * MS, root,
           gen_ai__operation__name="execute_tool", gen_ai__tool__name="lookup_order")
    nested = _open(s, "invoke_agent refunds", t0 + 510 * MS, root, gen_ai__operation__name="invoke_agent")
    s.span("chat gpt-4o-mini", t0 + 520 * MS, t0 + 700 * MS, nested, SpanKind.CLIENT,
           **chat("gpt-4o-mini", "openai", 300, 40))
    nested.end(end_time=t0 + 720 * MS)
    s.span("chat claude-sonnet-4", t0 + 730 * MS, t0 + 1000 * MS, root, SpanKind.CLIENT,
           **chat("claude-sonnet-4", "anthropic", 900, 120, user__id="user-agent"))
    root.end(end_time=t0 + 1010 * MS)
    s.provider.shutdown()
    return format(root.get_span_context().trace_id, "032x")


def error_trace(otlp_http: str, t0: int) -> str:
    """POST /chat failing: its chat call was rate limited."""
    s = sender(otlp_http, "chat-api")
    root = _open(s, "POST /chat", t0)
    s.span("chat gpt-4o", t0 + 5 * MS, t0 + 45 * MS, root, SpanKind.CLIENT, error="rate limited",
           error__type="RateLimitError", **chat("gpt-4o", "openai", 0, 0))
    root.set_status(Status(StatusCode.ERROR, "upstream failed"))
    root.end(end_time=t0 + 50 * MS)
    s.provider.shutdown()
    return format(root.get_span_context().trace_id, "032x")
