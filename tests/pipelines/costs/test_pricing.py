"""Hand-computed costs: every expected number below is worked out in the comment beside it."""

from __future__ import annotations

from decimal import Decimal as D

import pytest

from pipelines.costs.catalog import parse_catalog
from pipelines.costs.pricing import Call, match, price, price_call, specificity
from tests.helpers.catalogs import catalog, utc

AT = utc(2025, 7, 1)
SHIPPED_BIG = {
    "id": "shipped-big", "provider": "openai", "models": ["big"], "input": "3", "output": "15",
    "cache_read": "0.30", "cache_write": "3.75", "source": "https://example.test", "checked": "2025-01-01",
}


def cost_of(cat, **kw):
    return price_call(cat, Call(**{"provider": "openai", "at": AT, **kw}))[1]


def test_cached_input_read_and_write_are_not_double_counted() -> None:
    cat = catalog({**SHIPPED_BIG, "id": "big"})
    c = cost_of(cat, model="big", input_tokens=10_000, cache_read_tokens=6_000,
                cache_write_tokens=2_000, output_tokens=1_000)
    assert c.priced and c.entry_id == "big" and c.reason == ""
    assert c.input == D("0.006")          # (10000-6000-2000) x 3 / 1e6
    assert c.cache_read == D("0.0018")    # 6000 x 0.30 / 1e6
    assert c.cache_write == D("0.0075")   # 2000 x 3.75 / 1e6
    assert c.output == D("0.015")         # 1000 x 15 / 1e6
    assert c.reasoning == 0 and c.request_fee == 0
    assert c.total == D("0.0303")
    assert c.rule == "convention: input_includes_cache=true,output_includes_reasoning=true"
    assert (c.basis, c.priced_as) == ("provider", "openai/big")


def test_disjoint_cache_buckets_when_the_provider_declares_them() -> None:
    cat = catalog({**SHIPPED_BIG, "id": "big"}, rules={"openai": {"input_includes_cache": False}})
    c = cost_of(cat, model="big", input_tokens=2_000, cache_read_tokens=6_000,
                cache_write_tokens=2_000, output_tokens=1_000)
    assert c.input == D("0.006") and c.total == D("0.0303")  # same call, other convention
    assert c.rule.startswith("openai: input_includes_cache=false")


def test_cache_without_a_cache_price_is_billed_as_input() -> None:
    cat = catalog({"id": "plain", "provider": "openai", "models": ["plain"], "input": "2", "output": "8"})
    c = cost_of(cat, model="plain", input_tokens=1_000, cache_read_tokens=500, output_tokens=0)
    assert c.input == D("0.001") and c.cache_read == D("0.001") and c.total == D("0.002")


def test_reasoning_tokens_priced_as_output_by_default_and_not_twice() -> None:
    cat = catalog({"id": "o", "provider": "openai", "models": ["o"], "input": "1.10", "output": "4.40"})
    c = cost_of(cat, model="o", input_tokens=1_000, output_tokens=5_000, reasoning_tokens=4_000)
    assert c.input == D("0.0011")         # 1000 x 1.10 / 1e6
    assert c.output == D("0.0044")        # (5000-4000) x 4.40 / 1e6
    assert c.reasoning == D("0.0176")     # 4000 x 4.40 / 1e6
    assert c.total == D("0.0231")         # = 1000 x 1.10 + 5000 x 4.40, per 1e6


def test_reasoning_with_its_own_price() -> None:
    cat = catalog({"id": "o", "provider": "openai", "models": ["o"], "input": "1.10", "output": "4.40",
                   "reasoning": "2"})
    c = cost_of(cat, model="o", input_tokens=1_000, output_tokens=5_000, reasoning_tokens=4_000)
    assert c.reasoning == D("0.008") and c.total == D("0.0135")  # 0.0011 + 0.0044 + 0.008


def test_reasoning_outside_output_when_declared() -> None:
    cat = catalog({"id": "o", "provider": "openai", "models": ["o"], "input": "1.10", "output": "4.40"},
                  rules={"openai": {"output_includes_reasoning": False}})
    c = cost_of(cat, model="o", input_tokens=1_000, output_tokens=1_000, reasoning_tokens=4_000)
    assert c.priced and c.output == D("0.0044") and c.reasoning == D("0.0176") and c.total == D("0.0231")


LONG = {"id": "long", "provider": "openai", "models": ["long"], "input": "1.25", "output": "10", "cache_read": "0.125",
        "tiers": [{"above_input_tokens": 200_000, "input": "2.50", "output": "15", "cache_read": "0.25"}]}


def test_tier_boundary_exactly_at_n_uses_base_prices() -> None:
    c = cost_of(catalog(LONG), model="long", input_tokens=200_000, output_tokens=1_000)
    assert c.tier is None
    assert c.input == D("0.25") and c.output == D("0.01") and c.total == D("0.26")


def test_tier_boundary_just_above_n_uses_tier_prices_for_the_whole_call() -> None:
    c = cost_of(catalog(LONG), model="long", input_tokens=200_001, output_tokens=1_000)
    assert c.tier == 200_000
    assert c.input == D("0.5000025")      # 200001 x 2.50 / 1e6
    assert c.output == D("0.015")         # 1000 x 15 / 1e6
    assert c.total == D("0.5150025")


def test_tier_counts_cached_prompt_tokens() -> None:
    c = cost_of(catalog(LONG), model="long", input_tokens=300_000, cache_read_tokens=100_000)
    assert c.tier == 200_000 and c.input == D("0.5") and c.cache_read == D("0.025")
    disjoint = catalog(LONG, rules={"openai": {"input_includes_cache": False}})
    c = cost_of(disjoint, model="long", input_tokens=150_000, cache_read_tokens=60_000)
    assert c.tier == 200_000 and c.input == D("0.375")  # prompt 210000 > 200000: 150000 x 2.50


def test_price_change_in_the_middle_of_a_window() -> None:
    cat = catalog(
        {"id": "o3-old", "provider": "openai", "models": ["o3"], "input": "10", "output": "40",
         "effective_to": "2025-06-10T00:00:00Z"},
        {"id": "o3-new", "provider": "openai", "models": ["o3"], "input": "2", "output": "8",
         "effective_from": "2025-06-10T00:00:00Z"},
    )
    before = price_call(cat, Call("openai", "o3", utc(2025, 6, 9, 23, 59, 59), 1_000, 1_000))[1]
    after = price_call(cat, Call("openai", "o3", utc(2025, 6, 10), 1_000, 1_000))[1]
    assert (before.entry_id, before.total) == ("o3-old", D("0.05"))   # 0.01 + 0.04
    assert (after.entry_id, after.total) == ("o3-new", D("0.010"))    # 0.002 + 0.008


def test_exact_name_beats_regex_and_longer_regex_beats_shorter() -> None:
    cat = catalog(
        {"id": "short-re", "provider": "openai", "pattern": "gpt-4o.*", "input": "1", "output": "1"},
        {"id": "long-re", "provider": "openai", "pattern": "gpt-4o-mini.*", "input": "2", "output": "2"},
        {"id": "exact", "provider": "openai", "models": ["gpt-4o-mini"], "input": "3", "output": "3"},
    )
    assert match(cat, "openai", "GPT-4o-mini", AT).entry.id == "exact"
    assert match(cat, "openai", "gpt-4o-mini-2024-07-18", AT).entry.id == "long-re"
    assert match(cat, "openai", "gpt-4o-2024-08-06", AT).entry.id == "short-re"
    assert match(cat, "anthropic", "gpt-4o", AT) is None  # provider must match too
    assert cost_of(cat, model="gpt-4o-mini-2024-07-18", input_tokens=1_000_000).total == D("2")


def test_specificity_counts_literal_characters() -> None:
    assert specificity("gpt-4o.*") == 6
    assert specificity("gpt-4o-mini.*") == 11
    assert specificity(r"gpt-4\.1-\d{4}") == 8  # escaped dot is literal, \d and {4} are not
    assert specificity("[a-z]+") == 0


def _layers():
    shipped = parse_catalog({"entries": [SHIPPED_BIG]}, origin="shipped")
    user = catalog(
        {"id": "user-global", "provider": "openai", "models": ["big"], "input": "2", "output": "10"},
        {"id": "user-project", "provider": "openai", "pattern": "b.g", "input": "1.5", "output": "7.5",
         "scope": {"project": "p1"}},
        {"id": "user-team", "provider": "openai", "pattern": "b.g", "input": "1", "output": "5",
         "scope": {"team": "ml"}},
        {"id": "user-both", "provider": "openai", "pattern": "b.g", "input": "0.5", "output": "2.5",
         "scope": {"project": "p1", "team": "ml"}},
    )
    return shipped, shipped.merged(user)


@pytest.mark.parametrize(
    ("project", "team", "entry", "total"),
    [
        ("p0", "web", "user-global", D("0.012")),   # 1000 x 2 + 1000 x 10, per 1e6
        ("p1", "web", "user-project", D("0.009")),  # 1000 x 1.5 + 1000 x 7.5
        ("p0", "ml", "user-team", D("0.006")),      # team beats project, and a regex beats
        ("p1", "ml", "user-both", D("0.003")),      # nothing scoped: scope outranks kind
    ],
)
def test_user_and_scoped_overrides_take_precedence(project: str, team: str, entry: str, total: D) -> None:
    shipped, merged = _layers()
    assert cost_of(shipped, model="big", input_tokens=1_000, output_tokens=1_000, project=project,
                   team=team).total == D("0.018")  # shipped alone: 0.003 + 0.015
    m, c = price_call(merged, Call("openai", "big", AT, 1_000, 1_000, project=project, team=team))
    assert (m.entry.id, c.total) == (entry, total)
    assert m.entry.origin == "user" and entry in m.reason


def test_unknown_model_is_unpriced_never_zero() -> None:
    m, c = price_call(catalog({**SHIPPED_BIG, "id": "big"}), Call("openai", "mystery-9", AT, 100, 100))
    assert m is None
    assert (c.priced, c.entry_id, c.total, c.basis) == (False, None, None, "")
    assert c.reason == "no price entry for openai model mystery-9: add one with provider: openai, models: [mystery-9]"


@pytest.mark.parametrize(
    ("tokens", "flags"),
    [
        ({"input_tokens": 100, "cache_read_tokens": 80, "cache_write_tokens": 30}, ("cache_exceeds_input",)),
        ({"input_tokens": -1}, ("negative_tokens", "cache_exceeds_input")),  # 0 > -1 as well
        ({"output_tokens": 10, "reasoning_tokens": 11}, ("reasoning_exceeds_output",)),
        ({"input_tokens": 10_000_001}, ("absurd_tokens",)),
        ({"input_tokens": 5, "cache_read_tokens": -10}, ("negative_tokens",)),
    ],
)
def test_inconsistent_tokens_are_flagged_not_priced(tokens: dict[str, int], flags: tuple[str, ...]) -> None:
    c = cost_of(catalog({**SHIPPED_BIG, "id": "big"}), model="big", **tokens)
    assert not c.priced and c.flags == flags and c.total is None
    assert c.reason == "inconsistent tokens: " + ",".join(flags) and c.entry_id == "big"


def test_request_fee_is_added_once() -> None:
    cat = catalog({"id": "fee", "provider": "openai", "models": ["f"], "input": "1", "output": "1",
                   "request_fee": "0.001"})
    c = cost_of(cat, model="f", input_tokens=1_000, output_tokens=0)
    assert c.request_fee == D("0.001") and c.total == D("0.002")


def test_price_without_entry_is_unpriced() -> None:
    c = price(Call("openai", "x", AT), None)
    assert not c.priced and c.reason == "no price entry" and c.total is None


def test_shipped_catalog_prices_real_price_history_and_tiers() -> None:
    from pipelines.costs.catalog import load_shipped

    cat = load_shipped()
    call = dict(input_tokens=1_000_000, cache_read_tokens=400_000, output_tokens=100_000)
    m, c = price_call(cat, Call("deepseek", "deepseek-chat", utc(2025, 9, 5, 15, 59), **call))
    assert (m.entry.id, c.total) == ("deepseek-chat-v3", D("0.3"))  # 0.162 + 0.028 + 0.110
    m, c = price_call(cat, Call("deepseek", "deepseek-chat", utc(2025, 9, 5, 16), **call))
    assert (m.entry.id, c.total) == ("deepseek-v3.1", D("0.532"))  # 0.336 + 0.028 + 0.168
    m, c = price_call(cat, Call("deepseek", "deepseek-chat", utc(2026, 1, 1), **call))
    assert (m.entry.id, c.total) == ("deepseek-v3.2", D("0.2212"))  # 0.168 + 0.0112 + 0.042
    _, c = price_call(cat, Call("gcp.gemini", "gemini-2.5-pro", utc(2026, 1, 1), 250_000, 10_000))
    assert (c.tier, c.total) == (200_000, D("0.775"))  # 250000 x 2.50 + 10000 x 15, per 1e6
