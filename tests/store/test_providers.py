"""The provider vocabulary the collector and the price catalog share."""

from __future__ import annotations

import pytest

from collector.normalise.genai_aliases import ALIASES as COLUMNS
from store import providers


@pytest.mark.parametrize(("spelling", "canonical"), [
    ("google", "gcp.gen_ai"), ("Gemini", "gcp.gemini"), ("vertexai", "gcp.vertex_ai"), ("vertex_ai", "gcp.vertex_ai"),
    ("bedrock", "aws.bedrock"), ("AWS", "aws.bedrock"), ("azure", "azure.ai.openai"), ("az.ai.openai", "azure.ai.openai"),
    ("mistral", "mistral_ai"), ("mistralai", "mistral_ai"), ("xai", "x_ai"), ("OpenAI", "openai"),
    (" anthropic ", "anthropic"), ("openrouter", "openrouter"),
])
def test_every_known_spelling_means_one_canonical_provider(spelling: str, canonical: str) -> None:
    assert providers.canonical(spelling) == canonical and providers.is_known(spelling)


def test_an_unknown_name_stays_itself_and_is_not_known() -> None:
    assert providers.canonical("Goggle") == "goggle" and not providers.is_known("goggle")


def test_aliases_point_at_canonical_names_and_the_collector_uses_them() -> None:
    assert set(providers.ALIASES.values()) <= providers.CANONICAL
    assert not set(providers.ALIASES) & providers.CANONICAL, "an alias must not shadow a canonical name"
    [provider] = [a for a in COLUMNS if a.column == "provider"]
    assert provider.values is providers.ALIASES and provider.lower
