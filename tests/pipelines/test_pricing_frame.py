"""The vectorised path must give the scalar path's exact Decimal answers, row for row."""

from __future__ import annotations

import random
from datetime import timedelta

import polars as pl

from pipelines.catalog import load_shipped, parse_catalog
from pipelines.pricing import Call, price_call
from pipelines.pricing_frame import MONEY, price_frame
from tests.pipelines.helpers import utc

MODELS = [
    ("openai", "gpt-4o"), ("openai", "gpt-4o-mini-2024-07-18"), ("openai", "o3"), ("openai", "o4-mini"),
    ("anthropic", "claude-sonnet-4-5-20250929"), ("anthropic", "claude-3-haiku-20240307"),
    ("gcp.gemini", "gemini-2.5-pro"), ("deepseek", "deepseek-chat"), ("deepseek", "deepseek-reasoner"),
    ("x_ai", "grok-4"), ("openai", "big"), ("openai", "mystery"), ("cohere", "embed-v4.0"),
]
COST_FIELDS = ["input", "cache_read", "cache_write", "output", "reasoning", "request_fee", "total"]


def _catalog():
    user = parse_catalog({"entries": [
        {"id": "team-big", "provider": "openai", "pattern": "big|gpt-4o", "input": "0.7", "output": "2.1",
         "request_fee": "0.0005", "scope": {"team": "ml"}},
        {"id": "big", "provider": "openai", "models": ["big"], "input": "3", "output": "15", "cache_write": "3.75",
         "tiers": [{"above_input_tokens": 50_000, "input": "6"}, {"above_input_tokens": 150_000, "output": "30"}]},
    ]}, origin="user")
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
        })
    return rows


def test_frame_matches_scalar_on_random_rows() -> None:
    cat = _catalog()
    rows = _rows(400)
    df = pl.DataFrame(rows).with_columns(pl.col("timestamp").dt.cast_time_unit("ns"))
    out = price_frame(df, cat)
    assert out.height == len(rows)
    assert all(out.schema[f"cost_{f}"] == MONEY for f in COST_FIELDS)
    assert out["catalog_version"].unique().to_list() == [cat.version]
    seen = set()
    for row, got in zip(rows, out.iter_rows(named=True), strict=True):
        _, want = price_call(cat, Call(row["provider"], row["model"], row["timestamp"], row["input_tokens"],
                                       row["output_tokens"], row["cache_read_tokens"], row["cache_write_tokens"],
                                       row["reasoning_tokens"], row["project"], row["team"]))
        assert got["priced"] == want.priced and got["reason"] == want.reason, row
        assert got["entry_id"] == want.entry_id and got["tier"] == want.tier and got["rule"] == want.rule, row
        assert tuple(got["flags"]) == want.flags and got["currency"] == want.currency, row
        for f in COST_FIELDS:
            assert got[f"cost_{f}"] == getattr(want, f), (f, row)
        seen.add((want.priced, want.reason.split(":")[0], want.tier))
    assert {(True, "", None), (False, "no price entry", None), (False, "inconsistent tokens", None)} <= seen
    assert any(t for _, _, t in seen)  # some rows hit a tier
    assert out["model"].to_list() == [r["model"] for r in rows]  # original order kept


def test_frame_without_project_team_columns_and_naive_timestamps() -> None:
    cat = _catalog()
    df = pl.DataFrame({"provider": ["openai"], "model": ["gpt-4o"], "timestamp": [utc(2025, 7, 1).replace(tzinfo=None)],
                       "input_tokens": [1_000_000], "output_tokens": [0], "cache_read_tokens": [0],
                       "cache_write_tokens": [0], "reasoning_tokens": [0]})
    out = price_frame(df, cat)
    assert out["cost_total"].to_list() == [__import__("decimal").Decimal("2.5")]
    assert out.columns[: len(df.columns)] == df.columns


def test_empty_frame_and_empty_catalog() -> None:
    cat = _catalog()
    empty = pl.DataFrame(_rows(1)).clear()
    assert price_frame(empty, cat).height == 0
    none = parse_catalog({"entries": []}, origin="user")
    out = price_frame(pl.DataFrame(_rows(5)), none)
    assert out["priced"].to_list() == [False] * 5 and set(out["reason"]) == {"no price entry"}
    assert out["cost_total"].null_count() == 5
