"""One provider vocabulary for the collector and the price catalog.

Instrumentations name the same provider many ways (`google`, `gemini`, `vertexai`, `bedrock`,
`azure`, `mistralai`, `OpenAI`, ...). The collector writes the canonical name into
`llm_calls.provider` (its alias table renders `ALIASES` into the view's SQL), and the price
catalog, its rules and `spyglass prices explain` read any spelling through `canonical`, so a
price file written with `provider: google` means what the collector stored for such calls.
It lives in `store` because both the collector and the pipelines may import only the store.

Canonical names are the OpenTelemetry GenAI `gen_ai.provider.name` values, plus the gateways
and self-hosted servers Spyglass prices or attributes GPU time to.
"""

from __future__ import annotations

# gen_ai.provider.name well-known values (semantic conventions 1.37+, and moonshot_ai from the GenAI repo).
CONVENTION = frozenset({
    "openai", "anthropic", "aws.bedrock", "azure.ai.inference", "azure.ai.openai", "cohere", "deepseek",
    "gcp.gemini", "gcp.gen_ai", "gcp.vertex_ai", "groq", "ibm.watsonx.ai", "mistral_ai", "moonshot_ai",
    "perplexity", "x_ai",
})
# Gateways that route to other vendors' models (model names such as `anthropic/claude-sonnet-4.5`).
GATEWAYS = frozenset({"openrouter", "litellm"})
# Servers that run open models on your own GPUs (priced by GPU time, pipelines/gpu).
SELF_HOSTED = frozenset({"vllm", "tgi", "sglang", "ollama", "triton", "llama.cpp", "lmdeploy", "self-hosted"})
CANONICAL = CONVENTION | GATEWAYS | SELF_HOSTED

# Other spellings, lower-cased, -> canonical name.
ALIASES: dict[str, str] = {
    # deprecated gen_ai.system values (semconv <= 1.36)
    "az.ai.inference": "azure.ai.inference",
    "az.ai.openai": "azure.ai.openai",
    "vertex_ai": "gcp.vertex_ai",
    "gemini": "gcp.gemini",
    "xai": "x_ai",
    # OpenInference llm.provider / llm.system, OpenLLMetry and OpenLIT vocabularies
    "google": "gcp.gen_ai",
    "google_genai": "gcp.gen_ai",
    "google.genai": "gcp.gen_ai",
    "vertexai": "gcp.vertex_ai",
    "vertex": "gcp.vertex_ai",
    "azure": "azure.ai.openai",
    "azure_openai": "azure.ai.openai",
    "aws": "aws.bedrock",
    "bedrock": "aws.bedrock",
    "aws_bedrock": "aws.bedrock",
    "mistralai": "mistral_ai",
    "mistral": "mistral_ai",
    "watsonx": "ibm.watsonx.ai",
    "ibm": "ibm.watsonx.ai",
    "x-ai": "x_ai",
    "moonshot": "moonshot_ai",
    "moonshotai": "moonshot_ai",
}


def canonical(name: str) -> str:
    """The canonical provider for any known spelling (case-insensitive); an unknown name, lower-cased."""
    lowered = name.strip().lower()
    return ALIASES.get(lowered, lowered)


def is_known(name: str) -> bool:
    """Whether `name` is a canonical provider or a known alias of one."""
    return canonical(name) in CANONICAL
