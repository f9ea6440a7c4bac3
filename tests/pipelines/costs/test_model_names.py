"""Model names as they arrive: what is looked up, in which order, and what an unpriced call says to add."""

from __future__ import annotations

from pipelines.costs.model_names import candidates, missing_entry


def _looked_up(provider: str, model: str, deployments: dict[str, str] | None = None) -> list[tuple[str, str, str]]:
    return [(c.provider, c.model, c.basis) for c in candidates(provider, model, deployments)]


def test_a_plain_name_is_looked_up_as_sent_then_without_its_snapshot() -> None:
    assert _looked_up("openai", "gpt-4o") == [("openai", "gpt-4o", "provider")]
    assert _looked_up("OpenAI", "gpt-4o-2024-08-06") == [("openai", "gpt-4o-2024-08-06", "provider"),
                                                         ("openai", "gpt-4o", "provider")]
    assert _looked_up("anthropic", "claude-haiku-4-5@20251001")[1] == ("anthropic", "claude-haiku-4-5", "provider")
    assert _looked_up("anthropic", "claude-sonnet-4-5-20250929")[1] == ("anthropic", "claude-sonnet-4-5", "provider")


def test_google_genai_calls_fall_back_to_the_gemini_entries() -> None:
    assert _looked_up("google", "gemini-2.5-pro") == [("gcp.gen_ai", "gemini-2.5-pro", "provider"),
                                                      ("gcp.gemini", "gemini-2.5-pro", "provider")]
    assert _looked_up("gcp.vertex_ai", "gemini-2.5-pro") == [("gcp.vertex_ai", "gemini-2.5-pro", "provider")]


def test_bedrock_ids_are_looked_up_with_then_without_their_region_prefix() -> None:
    for region in ("us.", "eu.", "apac.", "global.", "jp."):
        assert _looked_up("bedrock", f"{region}anthropic.claude-sonnet-4-5-20250929-v1:0") == [
            ("aws.bedrock", f"{region}anthropic.claude-sonnet-4-5-20250929-v1:0", "provider"),
            ("aws.bedrock", "anthropic.claude-sonnet-4-5-20250929-v1:0", "provider")]
    assert _looked_up("anthropic", "us.claude-x") == [("anthropic", "us.claude-x", "provider")]  # Bedrock only


def test_gateway_names_try_the_gateway_then_the_vendor_under_its_own_spelling() -> None:
    assert _looked_up("openrouter", "anthropic/claude-sonnet-4.5") == [
        ("openrouter", "anthropic/claude-sonnet-4.5", "gateway"),
        ("anthropic", "claude-sonnet-4.5", "vendor"), ("anthropic", "claude-sonnet-4-5", "vendor")]
    assert _looked_up("litellm", "openrouter/google/gemini-2.5-pro") == [
        ("litellm", "openrouter/google/gemini-2.5-pro", "gateway"), ("openrouter", "google/gemini-2.5-pro", "gateway"),
        ("gcp.gen_ai", "gemini-2.5-pro", "vendor"), ("gcp.gemini", "gemini-2.5-pro", "vendor")]
    # The OpenAI SDK pointed at a gateway says "openai": the name's vendor still finds the list price.
    assert _looked_up("openai", "openai/gpt-4.1")[1] == ("openai", "gpt-4.1", "vendor")
    # A first segment that names no provider is part of the model's name (Groq's Llama 4 ids).
    assert _looked_up("groq", "meta-llama/llama-4-scout-17b-16e-instruct") == [
        ("groq", "meta-llama/llama-4-scout-17b-16e-instruct", "provider")]


def test_an_azure_deployment_is_looked_up_as_the_model_it_serves() -> None:
    assert _looked_up("azure", "prod-4o", {"prod-4o": "gpt-4o-2024-08-06"}) == [
        ("azure.ai.openai", "gpt-4o-2024-08-06", "provider"), ("azure.ai.openai", "gpt-4o", "provider")]
    assert _looked_up("openai", "prod-4o", {"prod-4o": "gpt-4o"}) == [("openai", "prod-4o", "provider")]


def test_the_unpriced_reason_says_what_to_add() -> None:
    assert missing_entry("bedrock", "us.anthropic.claude-haiku-4-5-20251001-v1:0") == (
        "no price entry for aws.bedrock model us.anthropic.claude-haiku-4-5-20251001-v1:0: add one with provider: "
        "aws.bedrock, models: [anthropic.claude-haiku-4-5-20251001-v1:0]")
    assert missing_entry("openrouter", "qwen/qwen3-max") == (
        "no price entry for openrouter model qwen/qwen3-max: add one with provider: openrouter, models: [qwen/qwen3-max]")
    assert missing_entry("openrouter", "mistralai/magistral-x") == (
        "no price entry for openrouter model mistralai/magistral-x: add one with provider: mistral_ai, models: "
        "[magistral-x] (the vendor's list price), or provider: openrouter, models: [mistralai/magistral-x] (the "
        "gateway's own price)")
    assert missing_entry("google", "gemini-9") == ("no price entry for gcp.gen_ai model gemini-9: add one with "
                                                   "provider: gcp.gemini, models: [gemini-9]")
    assert missing_entry("azure", "eu-chat").endswith("or, if eu-chat is an Azure deployment name, map it to its "
                                                      "model in `deployments`")
    assert missing_entry("goggle", "m").endswith("'goggle' is not a provider name Spyglass knows (store/providers.py)")
    assert missing_entry("openai", "") == "no price entry: the call names no model (request or response model)"
