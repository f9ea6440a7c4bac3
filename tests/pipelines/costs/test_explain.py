"""`prices explain`: the canonical provider, the names looked up, the winner first with one reason for
every loser, and the per-token prices the winner applies."""

from __future__ import annotations

from decimal import Decimal as D

from pipelines.costs.catalog import load_shipped
from pipelines.costs.explain import explain
from tests.helpers.catalogs import catalog, utc

E = {"provider": "openai", "input": "1", "output": "2"}


def test_explain_lists_winner_then_each_losers_reason() -> None:
    cat = catalog(
        {**E, "id": "old", "models": ["o3"], "effective_to": "2025-06-10T00:00:00Z"},
        {**E, "id": "new", "models": ["o3"], "effective_from": "2025-06-10T00:00:00Z"},
        {**E, "id": "team", "models": ["o3"], "scope": {"team": "ml"}},
        {**E, "id": "any-o", "pattern": "o.*"},
        {**E, "id": "other", "models": ["gpt-4o"]},
    )
    got = explain(cat, "openai", "o3", utc(2025, 7, 1), project="p", team="web").verdicts
    assert [(c.entry.id, c.applies) for c in got] == [("new", True), ("old", False), ("team", False), ("any-o", False)]
    assert got[0].why == "user entry new (global) by exact name 'o3', effective from 2025-06-10T00:00:00+00:00"
    assert got[1].why == "not effective at 2025-07-01T00:00:00+00:00 (until 2025-06-10T00:00:00+00:00)"
    assert got[2].why == "scope {'team': 'ml'} does not match project='p' team='web'"
    assert got[3].why.startswith("outranked by new")
    missing = explain(cat, "openai", "mystery", utc(2025, 7, 1))
    assert missing.verdicts == [] and missing.winner is None and missing.prices == []
    assert missing.unpriced == "no price entry for openai model mystery: add one with provider: openai, models: [mystery]"


def test_explain_names_the_canonical_provider_and_says_always_for_an_open_entry() -> None:
    x = explain(load_shipped(), "google", "gemini-2.5-pro", utc(2026, 1, 1))
    assert (x.asked, x.provider, x.priced_as, x.known_provider) == ("google", "gcp.gen_ai",
                                                                  ("gcp.gen_ai", "gcp.gemini"), True)
    assert [(f.provider, f.model) for f in x.forms] == [("gcp.gen_ai", "gemini-2.5-pro"), ("gcp.gemini", "gemini-2.5-pro")]
    assert x.winner is not None and x.winner.entry.id == "gemini-2.5-pro"
    assert x.verdicts[0].why.endswith("effective always") and "1970" not in x.verdicts[0].why
    assert x.rule.label == "gcp.gen_ai: input_includes_cache=true,output_includes_reasoning=true"
    assert not explain(load_shipped(), "goggle", "x", utc(2026, 1, 1)).known_provider


def test_explain_prints_the_per_token_prices_of_each_tier() -> None:
    base, tier = explain(load_shipped(), "gcp.gemini", "gemini-2.5-pro", utc(2026, 1, 1)).prices
    assert base.applies_above is None and tier.applies_above == 200_000
    # Unset cache_write falls back to the input price; unset reasoning to the output price.
    assert base.per_million == {"input": D("1.25"), "cache_read": D("0.125"), "cache_write": D("1.25"),
                                "output": D("10.00"), "reasoning": D("10.00")}
    assert base.per_token["input"] == D("0.00000125") and tier.per_token["output"] == D("0.000015")
