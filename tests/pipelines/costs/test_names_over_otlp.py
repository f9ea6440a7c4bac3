"""Provider and model names as real routes send them, in every convention we read, priced exactly.

Each shape (a provider spelling and a model name: Google's SDK, a Bedrock id with a region
prefix, gateway names, an Azure deployment, dated snapshots) is sent as a span through the real
OpenTelemetry SDK and OTLP exporter in the current GenAI conventions, their deprecated names,
OpenInference and OpenLLMetry. The running service normalises and prices it; each cost row
must carry the exact Decimal cost, the entry, how it was found, or the reason that says what
to add.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal as D

import pytest
from opentelemetry.trace import SpanKind

from tests.helpers.otel_clients import tracer_provider
from tests.helpers.wait import eventually

GATEWAY_PRICES = """entries:
  - {id: openrouter-gpt-4o, provider: openrouter, models: [openai/gpt-4o], input: "2.6", output: "10.5"}
"""
DEPLOYMENTS = {"prod-4o": "gpt-4o-2024-08-06"}


@dataclass(frozen=True)
class Shape:
    provider: str  # as the instrumentation spells it
    model: str
    tokens: tuple[int, int, int, int, int]  # input (cache included), output (reasoning included), cache read, write, reasoning
    stored_provider: str
    entry: str  # "" when unpriced
    basis: str
    priced_as: str
    cost: D | None


SHAPES = {
    # Google GenAI SDK: priced by the Gemini entries. 600 x 1.25 + 400 x 0.125 + 200 x 10 + 300 x 10 per million.
    "google": Shape("google", "gemini-2.5-pro", (1000, 500, 400, 0, 300), "gcp.gen_ai", "gemini-2.5-pro",
                    "provider", "gcp.gemini/gemini-2.5-pro", D("0.0058")),
    # gemini-2.5-flash on Vertex: 1000 x 0.30 + 100 x 2.50 per million.
    "vertexai": Shape("vertexai", "gemini-2.5-flash", (1000, 100, 0, 0, 0), "gcp.vertex_ai", "vertex-gemini-2.5-flash",
                      "provider", "gcp.vertex_ai/gemini-2.5-flash", D("0.00055")),
    # Bedrock with a region prefix the entry does not list: 100 x 3 + 2000 x 0.30 + 300 x 3.75 + 50 x 15.
    "bedrock": Shape("bedrock", "jp.anthropic.claude-sonnet-4-5-20250929-v1:0", (2400, 50, 2000, 300, 0),
                     "aws.bedrock", "bedrock-claude-sonnet-4-5", "provider",
                     "aws.bedrock/anthropic.claude-sonnet-4-5-20250929-v1:0", D("0.002775")),
    # OpenAI SDK pointed at OpenRouter: the vendor's list price under its own spelling, the same numbers.
    "openrouter-vendor": Shape("openai", "anthropic/claude-sonnet-4.5", (2400, 50, 2000, 300, 0), "openai",
                               "anthropic-claude-sonnet-4-5", "vendor", "anthropic/claude-sonnet-4-5", D("0.002775")),
    # The gateway's own entry: 1000 x 2.6 + 500 x 10.5 per million.
    "openrouter-gateway": Shape("openrouter", "openai/gpt-4o", (1000, 500, 0, 0, 0), "openrouter",
                                "openrouter-gpt-4o", "gateway", "openrouter/openai/gpt-4o", D("0.00785")),
    # No gateway entry: the vendor's list price, 1000 x 0.15 + 500 x 0.60 per million.
    "litellm-vendor": Shape("litellm", "openrouter/openai/gpt-4o-mini", (1000, 500, 0, 0, 0), "litellm",
                            "openai-gpt-4o-mini", "vendor", "openai/gpt-4o-mini", D("0.00045")),
    # An Azure deployment mapped to its model: 800 x 2.50 + 200 x 1.25 + 500 x 10 per million.
    "azure": Shape("azure", "prod-4o", (1000, 500, 200, 0, 0), "azure.ai.openai", "azure-gpt-4o", "provider",
                   "azure.ai.openai/gpt-4o-2024-08-06", D("0.00725")),
    "azure-unmapped": Shape("azure", "eu-chat", (1000, 500, 0, 0, 0), "azure.ai.openai", "", "", "", None),
    # A Vertex-style dated snapshot: 1000 x 1 + 100 x 5 per million.
    "snapshot": Shape("anthropic", "claude-haiku-4-5@20251001", (1000, 100, 0, 0, 0), "anthropic",
                      "anthropic-claude-haiku-4-5", "provider", "anthropic/claude-haiku-4-5", D("0.0015")),
}
UNPRICED = {"azure-unmapped": "no price entry for azure.ai.openai model eu-chat: add one with provider: azure.ai.openai, "
                              "models: [eu-chat]; or, if eu-chat is an Azure deployment name, map it to its model in "
                              "`deployments`"}


def attributes(convention: str, s: Shape) -> dict[str, object]:
    """The span attributes of one call in one convention (names as the alias table reads them)."""
    inp, out, read, write, reasoning = s.tokens
    if convention == "current":
        return {"gen_ai.operation.name": "chat", "gen_ai.provider.name": s.provider, "gen_ai.request.model": s.model,
                "gen_ai.usage.input_tokens": inp, "gen_ai.usage.output_tokens": out,
                "gen_ai.usage.cache_read.input_tokens": read, "gen_ai.usage.cache_write.input_tokens": write,
                "gen_ai.usage.reasoning.output_tokens": reasoning}
    if convention == "deprecated":
        return {"gen_ai.system": s.provider, "gen_ai.request.model": s.model, "gen_ai.usage.prompt_tokens": inp,
                "gen_ai.usage.completion_tokens": out, "gen_ai.usage.cache_read_input_tokens": read,
                "gen_ai.usage.cache_creation.input_tokens": write, "gen_ai.usage.reasoning_tokens": reasoning}
    if convention == "openinference":
        return {"openinference.span.kind": "LLM", "llm.provider": s.provider, "llm.model_name": s.model,
                "llm.token_count.prompt": inp, "llm.token_count.completion": out,
                "llm.token_count.prompt_details.cache_read": read, "llm.token_count.prompt_details.cache_write": write,
                "llm.token_count.completion_details.reasoning": reasoning}
    return {"llm.request.type": "chat", "gen_ai.system": s.provider, "gen_ai.request.model": s.model,  # OpenLLMetry
            "gen_ai.usage.prompt_tokens": inp, "gen_ai.usage.completion_tokens": out,
            "gen_ai.usage.cache_read_input_tokens": read, "gen_ai.usage.cache_creation_input_tokens": write,
            "gen_ai.usage.reasoning_tokens": reasoning, "llm.usage.total_tokens": inp + out}


CONVENTIONS = ("current", "deprecated", "openinference", "openllmetry")


@pytest.mark.parametrize("protocol", ["http", "grpc"])
def test_every_shape_in_every_convention_is_priced_exactly(service_factory, tmp_path, protocol):
    prices = tmp_path / "gateway.yaml"
    prices.write_text(GATEWAY_PRICES)
    running = service_factory(costs={"interval_seconds": 0.2, "catalog_files": [str(prices)], "deployments": DEPLOYMENTS})
    provider = tracer_provider(protocol, running)
    tracer = provider.get_tracer("tests.names")
    for convention in CONVENTIONS:
        for name, shape in SHAPES.items():
            with tracer.start_as_current_span(f"{convention} {name}", kind=SpanKind.CLIENT,
                                              attributes=attributes(convention, shape)):
                pass
    provider.shutdown()
    expected = len(CONVENTIONS) * len(SHAPES)
    rows = eventually(lambda: len(found := running.rows("""
SELECT l.span_name AS span, l.provider AS stored, c.* FROM request_costs AS c FINAL
JOIN llm_calls AS l FINAL USING (trace_id, span_id)""")) >= expected and found,
                      timeout=60, interval=0.2, what=f"{expected} calls priced")
    assert len(rows) == expected
    for row in rows:
        shape = SHAPES[row["span"].split(" ", 1)[1]]
        got = (row["stored"], row["entry_id"], row["price_basis"], row["priced_as"], row["cost_total"])
        assert got == (shape.stored_provider, shape.entry, shape.basis, shape.priced_as, shape.cost), row["span"]
        assert row["reason"] == UNPRICED.get(row["span"].split(" ", 1)[1], ""), row["span"]
