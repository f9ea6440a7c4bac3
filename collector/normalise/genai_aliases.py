"""The alias table: which span attributes mean which `llm_calls` column.

One table drives GenAI normalisation (collector/normalise/genai_view.py renders it as the SQL of
the `llm_calls` view). For each column, the attribute names in order of preference:
the current OpenTelemetry GenAI conventions first, then their deprecated names, then
OpenInference (Arize) and OpenLLMetry (Traceloop) names. Span attributes win over
resource attributes. Baggage reaches us as span attributes (the OpenTelemetry
BaggageSpanProcessor copies each entry under its own key), so `spyglass.team` set as
baggage is found like any span attribute. Provider names are rewritten to the canonical
spelling of `store/providers.py`, the vocabulary the price catalog reads too.

To support a new instrumentation, add its names here; nothing else changes.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Literal

from store import providers

Kind = Literal["string", "int", "seconds", "string_list"]


@dataclass(frozen=True)
class Alias:
    """Where one `llm_calls` column comes from."""

    column: str
    kind: Kind
    span: tuple[str, ...] = ()
    resource: tuple[str, ...] = ()
    # Values rewritten after lower-casing (legacy vocabularies -> current ones).
    values: dict[str, str] = field(default_factory=dict)
    lower: bool = False
    default: str = ""


# Operations that are a call to a model (priced, counted). Agent, tool, workflow and
# retrieval spans also carry gen_ai.* names but are not calls: some frameworks put the
# summed usage of their children on them, which would count tokens twice.
MODEL_OPERATIONS = ("chat", "generate_content", "text_completion", "embeddings", "rerank")


_OPERATION_VALUES = {
    # OpenLLMetry llm.request.type
    "completion": "text_completion",
    "embedding": "embeddings",
    # OpenInference openinference.span.kind (lower-cased); non-model kinds keep a name so
    # that they are recognised as "not a call" rather than "unknown"
    "llm": "chat",
    "retriever": "retrieval",
    "tool": "execute_tool",
    "agent": "invoke_agent",
    "reranker": "rerank",
    # OpenLLMetry traceloop.span.kind
    "workflow": "invoke_workflow",
    "task": "invoke_workflow",
}

ALIASES: tuple[Alias, ...] = (
    Alias("operation", "string", lower=True, values=_OPERATION_VALUES,
          span=("gen_ai.operation.name", "llm.request.type", "openinference.span.kind", "traceloop.span.kind")),
    Alias("provider", "string", lower=True, values=providers.ALIASES,
          span=("gen_ai.provider.name", "gen_ai.system", "llm.provider", "llm.system"),
          resource=("gen_ai.provider.name", "gen_ai.system")),
    Alias("request_model", "string",
          span=("gen_ai.request.model", "llm.request.model", "llm.request.model_name", "llm.model_name")),
    Alias("response_model", "string",
          span=("gen_ai.response.model", "llm.response.model", "llm.response.model_name")),
    Alias("prompt_name", "string",
          span=("spyglass.prompt.name", "gen_ai.prompt.name", "langfuse.observation.prompt.name",
                "langfuse.prompt.name")),
    Alias("prompt_version", "string",
          span=("spyglass.prompt.version", "llm.prompt_template.version", "langfuse.observation.prompt.version",
                "langfuse.prompt.version")),
    Alias("input_tokens", "int",
          span=("gen_ai.usage.input_tokens", "gen_ai.usage.prompt_tokens", "llm.token_count.prompt",
                "llm.usage.prompt_tokens")),
    Alias("output_tokens", "int",
          span=("gen_ai.usage.output_tokens", "gen_ai.usage.completion_tokens", "llm.token_count.completion",
                "llm.usage.completion_tokens")),
    Alias("cache_read_tokens", "int",
          span=("gen_ai.usage.cache_read.input_tokens", "gen_ai.usage.cache_read_input_tokens",
                "llm.token_count.prompt_details.cache_read", "gen_ai.usage.input_tokens.cached",
                "llm.token_count.prompt_details.cache_input")),
    Alias("cache_write_tokens", "int",
          span=("gen_ai.usage.cache_write.input_tokens", "gen_ai.usage.cache_creation.input_tokens",
                "gen_ai.usage.cache_creation_input_tokens", "llm.token_count.prompt_details.cache_write")),
    Alias("reasoning_tokens", "int",
          span=("gen_ai.usage.reasoning.output_tokens", "llm.token_count.completion_details.reasoning",
                "gen_ai.usage.reasoning_tokens")),
    Alias("ttft_ns", "seconds",
          span=("gen_ai.response.time_to_first_chunk", "gen_ai.server.time_to_first_token",
                "llm.response.time_to_first_token")),
    Alias("error_type", "string", span=("error.type",)),
    Alias("finish_reasons", "string_list",
          span=("gen_ai.response.finish_reasons", "llm.response.finish_reason", "llm.response.stop_reason",
                "llm.finish_reason", "gen_ai.response.finish_reason")),
    Alias("response_id", "string", span=("gen_ai.response.id",)),
    Alias("project", "string", span=(), resource=("spyglass.project",), default="default"),
    Alias("environment", "string", span=(),
          resource=("deployment.environment.name", "deployment.environment")),
    Alias("team", "string", span=("spyglass.team",), resource=("spyglass.team",)),
    Alias("feature", "string", span=("spyglass.feature",), resource=("spyglass.feature",)),
    Alias("user_id", "string", span=("user.id", "enduser.id", "spyglass.user"), resource=("user.id", "enduser.id")),
    Alias("session_id", "string", span=("session.id", "gen_ai.conversation.id"), resource=("session.id",)),
    Alias("service_version", "string", span=(), resource=("service.version",)),
    Alias("host_name", "string", span=("server.address",), resource=("host.name",)),
)

# The name of a span that is not a model call, by operation (the span name when none is set):
# GenAI conventions first, then OpenInference, then OpenLLMetry's entity name.
_AGENT_NAMES = ("gen_ai.agent.name", "agent.name", "traceloop.entity.name")
OPERATION_NAMES: dict[str, tuple[str, ...]] = {
    "execute_tool": ("gen_ai.tool.name", "tool.name", "traceloop.entity.name"),
    "invoke_agent": _AGENT_NAMES,
    "create_agent": _AGENT_NAMES,
    "retrieval": ("gen_ai.data_source.id", "traceloop.entity.name"),
}
OTHER_OPERATION_NAMES = ("traceloop.entity.name",)

# Columns whose attributes, when present, mark a span as a model call even if it names no
# operation: old instrumentations (semconv <= 1.26) sent only gen_ai.system, model and usage.
USAGE_COLUMNS = ("input_tokens", "output_tokens", "cache_read_tokens", "cache_write_tokens", "reasoning_tokens")

