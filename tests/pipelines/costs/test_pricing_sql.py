"""Pricing in the store must give the scalar path's exact Decimal answers, row for row."""

from __future__ import annotations

import random
from datetime import timedelta

import polars as pl
import pytest

from pipelines.costs import job as cost_job
from pipelines.costs.catalog import load_shipped, parse_catalog
from pipelines.costs.job import price_in_store
from pipelines.costs.pricing import Call, price_call
from pipelines.costs.pricing_sql import keys_hash_apart
from store import query_rows
from store.queries.costs import PRICED_INPUT_COLUMNS
from tests.helpers.catalogs import utc

NOW = utc(2026, 1, 1)
SOURCE = f"SELECT {', '.join(PRICED_INPUT_COLUMNS)} FROM llm_calls"

MODELS = [
    ("openai", "gpt-4o"), ("openai", "gpt-4o-mini-2024-07-18"), ("openai", "o3"), ("openai", "o4-mini"),
    ("anthropic", "claude-sonnet-4-5-20250929"), ("anthropic", "claude-3-haiku-20240307"),
    ("gcp.gemini", "gemini-2.5-pro"), ("deepseek", "deepseek-chat"), ("deepseek", "deepseek-reasoner"),
    ("x_ai", "grok-4"), ("openai", "big"), ("openai", "mystery"), ("cohere", "embed-v4.0"),
    # names as real routes send them: priced by the Gemini entries, without the region prefix, by the vendor's
    # list price or the gateway's own entry, through a deployment name, or unpriced with what to add
    ("gcp.gen_ai", "gemini-2.5-pro"), ("google", "gemini-2.5-flash"), ("aws.bedrock", "us.anthropic.claude-sonnet-4-5-20250929-v1:0"),
    ("openai", "anthropic/claude-sonnet-4.5"), ("openrouter", "openai/gpt-4o"), ("openrouter", "google/gemini-2.5-pro"),
    ("azure.ai.openai", "prod-4o"), ("azure.ai.openai", "unmapped-deployment"), ("anthropic", "claude-haiku-4-5@20251001"),
    ("goggle", "gemini-2.5-pro"),
]
SCOPES = ["", "openlit.instrumentation.anthropic", "openlit.instrumentation.google_ai_studio",
          "openinference.instrumentation.anthropic"]
COST_FIELDS = ["input", "cache_read", "cache_write", "output", "reasoning", "request_fee", "total"]


def _catalog():
    user = parse_catalog({"entries": [
        {"id": "team-big", "provider": "openai", "pattern": "big|gpt-4o", "input": "0.7", "output": "2.1",
         "request_fee": "0.0005", "scope": {"team": "ml"}},
        {"id": "big", "provider": "openai", "models": ["big"], "input": "3", "output": "15", "cache_write": "3.75",
         "tiers": [{"above_input_tokens": 50_000, "input": "6"}, {"above_input_tokens": 150_000, "output": "30"}]},
        {"id": "openrouter-gpt-4o", "provider": "openrouter", "models": ["openai/gpt-4o"], "input": "2.6",
         "output": "10.5"},
    ], "deployments": {"prod-4o": "gpt-4o-2024-08-06"}}, origin="user")
    return load_shipped().merged(user)


def _rows(n: int, seed: int = 7) -> list[dict]:
    rnd = random.Random(seed)
    start = utc(2025, 5, 1)
    rows = []
    for _ in range(n):
        provider, model = rnd.choice(MODELS)
        inp = rnd.choice([0, 10, 999, 50_000, 50_001, 150_001, 200_000, 200_001, 260_000, rnd.randint(0, 300_000)])
        cr = rnd.randint(0, inp) if rnd.random() < 0.5 else 0
        cw = rnd.randint(0, inp - cr) if rnd.random() < 0.3 else 0
        out = rnd.randint(0, 20_000)
        rs = rnd.randint(0, out) if rnd.random() < 0.4 else 0
        if rnd.random() < 0.05:  # broken counters
            cr, rs, inp = inp + 5, out + 1, rnd.choice([inp, -3, 20_000_000])
        rows.append({
            "provider": provider, "model": model,
            "timestamp": start + timedelta(seconds=rnd.randint(0, 200 * 86_400)),
            "input_tokens": inp, "output_tokens": out, "cache_read_tokens": cr, "cache_write_tokens": cw,
            "reasoning_tokens": rs, "project": rnd.choice(["p0", "p1"]), "team": rnd.choice(["ml", "web"]),
            "scope": rnd.choice(SCOPES),
        })
    return rows


def insert(store, rows: list[dict]) -> None:
    columns = ["timestamp", "trace_id", "span_id", "provider", "request_model", *TOKEN_COLUMNS, "project", "team",
               "scope_name"]
    values = []
    for i, r in enumerate(rows):
        values.append([r["timestamp"].strftime("%Y-%m-%d %H:%M:%S"), "t", f"{i:06d}", r["provider"], r["model"],
                       *(r[c] for c in TOKEN_COLUMNS), r["project"], r["team"], r["scope"]])
    store.command(f"INSERT INTO llm_calls ({', '.join(columns)}) SETTINGS max_partitions_per_insert_block = 0 "
                  f"SELECT * FROM format(JSONEachRow, "
                  f"'{', '.join(f'c{i} {t}' for i, t in enumerate(TYPES))}', {{rows:String}})",
                  {"rows": "\n".join(__import__("json").dumps({f"c{i}": v for i, v in enumerate(row)})
                                      for row in values)})


TOKEN_COLUMNS = ["input_tokens", "output_tokens", "cache_read_tokens", "cache_write_tokens", "reasoning_tokens"]
TYPES = ["DateTime64(9)", "String", "String", "String", "String", *["Int64"] * 5, "String", "String", "String"]


def priced(store, rows: list[dict], cat) -> list[dict]:
    insert(store, rows)
    counts = price_in_store(store, SOURCE, {}, cat, NOW)
    assert counts.rows == len(rows)
    return query_rows(store, "SELECT * FROM request_costs FINAL ORDER BY span_id")


@pytest.mark.parametrize("hashes_apart", [True, False], ids=["join-on-hash", "join-on-key-columns"])
def test_store_pricing_matches_scalar_on_random_rows(store, monkeypatch, hashes_apart) -> None:
    monkeypatch.setattr(cost_job, "keys_hash_apart", lambda keys: hashes_apart)
    cat = _catalog()
    rows = _rows(600)
    out = priced(store, rows, cat)
    assert {r["catalog_version"] for r in out} == {cat.version}
    seen, bases = set(), set()
    for row, got in zip(rows, out, strict=True):
        _, want = price_call(cat, Call(row["provider"], row["model"], row["timestamp"], row["input_tokens"],
                                       row["output_tokens"], row["cache_read_tokens"], row["cache_write_tokens"],
                                       row["reasoning_tokens"], row["project"], row["team"], row["scope"]))
        assert got["priced"] == want.priced and got["reason"] == want.reason, row
        assert (got["entry_id"] or None) == want.entry_id and got["tier"] == want.tier, row
        assert got["rule"] == want.rule and got["currency"] == want.currency, row
        assert (got["price_basis"], got["priced_as"], got["scope_name"]) == (want.basis, want.priced_as,
                                                                            row["scope"]), row
        assert tuple(got["flags"]) == want.flags, row
        for f in COST_FIELDS:
            assert got[f"cost_{f}"] == getattr(want, f), (f, row)
        seen.add((want.priced, want.reason.split(" ")[0], want.tier))
        bases.add((want.basis, want.rule.split(":")[0]))
    assert {(True, "", None), (False, "no", None), (False, "inconsistent", None)} <= seen
    assert any(t for _, _, t in seen)  # some rows hit a tier
    assert {("provider", "openai"), ("gateway", "convention"), ("vendor", "convention"), ("vendor", "openai"),
            ("provider", "openlit.instrumentation.anthropic anthropic"),
            ("provider", "openlit.instrumentation.google_ai_studio gcp.gemini")} <= bases
    assert {r["reason"] for r in out if r["reason"].startswith("no price entry")} >= {
        "no price entry for openai model mystery: add one with provider: openai, models: [mystery]",
        "no price entry for azure.ai.openai model unmapped-deployment: add one with provider: azure.ai.openai, "
        "models: [unmapped-deployment]; or, if unmapped-deployment is an Azure deployment name, map it to its model "
        "in `deployments`"}


def test_an_empty_catalog_prices_nothing_and_says_so(store) -> None:
    none = parse_catalog({"entries": []}, origin="user")
    out = priced(store, _rows(5), none)
    assert [r["priced"] for r in out] == [False] * 5
    assert {r["reason"] for r in out} == {price_call(none, Call(r["provider"], r["model"], NOW))[1].reason for r in _rows(5)}
    assert all(r["reason"].startswith("no price entry for ") for r in out)
    assert all(r["cost_total"] is None for r in out)


def test_no_calls_writes_nothing(store) -> None:
    assert price_in_store(store, SOURCE, {}, _catalog(), NOW).rows == 0
    assert query_rows(store, "SELECT count() AS n FROM request_costs") == [{"n": 0}]


def test_a_hash_shared_by_two_keys_falls_back_to_joining_on_the_key_columns() -> None:
    keys = pl.DataFrame({"model": ["a", "b", "c"], "_k": [1, 2, 3]}, schema_overrides={"_k": pl.UInt64})
    assert keys_hash_apart(keys)
    assert not keys_hash_apart(keys.with_columns(pl.Series("_k", [1, 2, 1], pl.UInt64)))
