"""LLM calls of versioned services, sent through the real OpenTelemetry SDK and OTLP/HTTP exporter, stamped in the
past, for the changes job and the changes API: a service version as the `service.version` resource attribute, a
prompt's name and version as span attributes (Spyglass's or Langfuse's), a requested and a responded model."""

from __future__ import annotations

import time
from collections.abc import Iterable
from dataclasses import dataclass

from opentelemetry.trace import SpanKind

from tests.helpers.otel_clients import tracer_provider

NS = 1_000_000_000


@dataclass(frozen=True)
class Call:
    """One call `age_s` seconds before it is sent."""

    service: str
    version: str
    age_s: float
    model: str = "gpt-4o"
    response_model: str = ""
    provider: str = "openai"
    prompt: str = ""
    prompt_version: str = ""
    langfuse: bool = False  # the prompt as Langfuse's attributes name it

    def attributes(self) -> dict[str, str]:
        prefix = "langfuse.prompt" if self.langfuse else "spyglass.prompt"
        found = {"gen_ai.operation.name": "chat", "gen_ai.provider.name": self.provider,
                 "gen_ai.request.model": self.model, "gen_ai.response.model": self.response_model,
                 f"{prefix}.name": self.prompt, f"{prefix}.version": self.prompt_version}
        return {name: value for name, value in found.items() if value}


def send(service, calls: Iterable[Call]) -> dict[Call, int]:
    """Send each call as a chat span (one tracer provider per service and version); their start times in ns."""
    now, starts = time.time_ns(), {}
    by_resource: dict[tuple[str, str], list[Call]] = {}
    for call in calls:
        by_resource.setdefault((call.service, call.version), []).append(call)
    for (name, version), group in by_resource.items():
        resource = {"service.name": name, **({"service.version": version} if version else {})}
        provider = tracer_provider("http", service, resource=resource)
        tracer = provider.get_tracer("tests.releases")
        for call in group:
            start = now - int(call.age_s * NS)
            span = tracer.start_span(f"chat {call.model}", kind=SpanKind.CLIENT, start_time=start,
                                     attributes=call.attributes())
            span.end(end_time=start + NS // 5)
            starts[call] = start
        provider.shutdown()
    return starts
