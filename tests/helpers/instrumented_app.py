"""An application instrumented by one real GenAI instrumentation, making one call with a real SDK.

Run as `python -m tests.helpers.instrumented_app INSTRUMENTATION API BASE_URL OTLP_HTTP_URL`:
the provider SDK (`openai`, `anthropic` or `gemini` through google-genai) calls the local
endpoint at BASE_URL (tests/helpers/provider_endpoints.py), the instrumentation records the
span, and the real OTLP/HTTP exporter sends it to the service. A process of its own per run:
instrumentations patch the SDKs and set global providers, so two of them must never share
a process (nor patch the test process's own HTTP clients).
"""

from __future__ import annotations

import json
import sys
import tempfile
from collections.abc import Callable

from opentelemetry import trace
from opentelemetry.exporter.otlp.proto.http.trace_exporter import OTLPSpanExporter
from opentelemetry.sdk.resources import Resource
from opentelemetry.sdk.trace import TracerProvider
from opentelemetry.sdk.trace.export import SimpleSpanProcessor

from tests.helpers.provider_endpoints import MODELS

# Which instrumentor class each package has for each API (module, class).
INSTRUMENTORS: dict[str, dict[str, tuple[str, str]]] = {
    "openinference": {
        "openai": ("openinference.instrumentation.openai", "OpenAIInstrumentor"),
        "anthropic": ("openinference.instrumentation.anthropic", "AnthropicInstrumentor"),
        "gemini": ("openinference.instrumentation.google_genai", "GoogleGenAIInstrumentor"),
    },
    "openllmetry": {
        "openai": ("opentelemetry.instrumentation.openai", "OpenAIInstrumentor"),
        "anthropic": ("opentelemetry.instrumentation.anthropic", "AnthropicInstrumentor"),
    },
    "contrib": {
        "openai": ("opentelemetry.instrumentation.openai_v2", "OpenAIInstrumentor"),
        "gemini": ("opentelemetry.instrumentation.google_genai", "GoogleGenAiSdkInstrumentor"),
    },
}
OPENLIT_INSTRUMENTORS = {"openai": "openai", "anthropic": "anthropic", "gemini": "google-ai-studio"}
PAIRS = [("openlit", api) for api in ("openai", "anthropic", "gemini")] + [
    (name, api) for name, apis in INSTRUMENTORS.items() for api in apis]


def service_name(instrumentation: str, api: str) -> str:
    """The `service.name` of the app's spans, so a test can tell the runs apart."""
    return f"{instrumentation}-{api}"


def _instrument(instrumentation: str, api: str, otlp_http: str) -> Callable[[], None]:
    """Set up the instrumentation; returns what flushes its spans."""
    service = service_name(instrumentation, api)
    if instrumentation == "openlit":
        import openlit
        from openlit._instrumentors import MODULE_NAME_MAP

        with tempfile.NamedTemporaryFile("w", suffix=".json", delete=False) as prices:
            json.dump({}, prices)  # OpenLIT fetches its own price list from the internet unless given one
        wanted = OPENLIT_INSTRUMENTORS[api]  # the others would only slow the start (each imports its SDK)
        openlit.init(otlp_endpoint=otlp_http, service_name=service, application_name=service, disable_batch=True,
                     disable_metrics=True, capture_message_content=False, pricing_json=prices.name,
                     disabled_instrumentors=[name for name in MODULE_NAME_MAP if name != wanted])
        return lambda: trace.get_tracer_provider().force_flush()  # type: ignore[attr-defined]
    provider = TracerProvider(resource=Resource.create({"service.name": service}))
    provider.add_span_processor(SimpleSpanProcessor(OTLPSpanExporter(endpoint=f"{otlp_http}/v1/traces", timeout=10)))
    trace.set_tracer_provider(provider)
    module, name = INSTRUMENTORS[instrumentation][api]
    instrumentor = getattr(__import__(module, fromlist=[name]), name)
    # OpenLIT needs anthropic < 1.0 and OpenInference declares >= 1.8 for the same SDK calls: one venv
    # holds one version, so the declared range is not checked (the spans below show it works).
    instrumentor().instrument(tracer_provider=provider, skip_dep_check=True)
    return provider.shutdown


def _call(api: str, base_url: str) -> None:
    question = [{"role": "user", "content": "Capital of France?"}]
    if api == "openai":
        from openai import OpenAI

        OpenAI(base_url=f"{base_url}/v1", api_key="sk-local", max_retries=0).chat.completions.create(
            model=MODELS["openai"], messages=question)  # type: ignore[arg-type]
    elif api == "anthropic":
        from anthropic import Anthropic

        Anthropic(base_url=base_url, api_key="sk-ant-local", max_retries=0).messages.create(
            model=MODELS["anthropic"], max_tokens=256, messages=question)  # type: ignore[arg-type]
    else:
        from google import genai
        from google.genai import types

        client = genai.Client(api_key="local", http_options=types.HttpOptions(base_url=base_url))
        client.models.generate_content(model=MODELS["gemini"], contents="Capital of France?")


def main(argv: list[str]) -> None:
    instrumentation, api, base_url, otlp_http = argv
    flush = _instrument(instrumentation, api, otlp_http)
    _call(api, base_url)
    flush()


if __name__ == "__main__":
    main(sys.argv[1:])
