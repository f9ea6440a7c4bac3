"""Vectorised pricing of many calls at once, with results identical to `pricing.price`.

The cost job prices millions of `llm_calls` rows, so the per-row work must be columnar.
Matching is not: the answer depends only on (provider, model, project, team) and on which
side of each catalog date a timestamp falls, so the frame is cut into those few distinct
keys, each key is matched once with the scalar `pricing.match`, and prices are joined
back. Tier prices come from `pricing.unit_prices`, one wide row per entry, and are picked
per row by comparing the prompt size with each threshold. Money stays
`pl.Decimal(38, 12)` end to end; never a float.
"""

from __future__ import annotations

from datetime import datetime, timezone
from decimal import Decimal

import polars as pl

from pipelines.catalog import Catalog
from pipelines.pricing import ABSURD_TOKENS, MILLION, NO_ENTRY, SCALE, match, unit_prices

MONEY = pl.Decimal(38, 12)
TOKENS = ("input_tokens", "output_tokens", "cache_read_tokens", "cache_write_tokens", "reasoning_tokens")
KINDS = ("input", "cache_read", "cache_write", "output", "reasoning")
_KEY = ["provider", "model", "project", "team", "_bucket"]
OUTPUT_COLUMNS = (
    "project", "team", "entry_id", "rule", "tier", "currency", "priced", "reason", "flags",
    *(f"cost_{k}" for k in (*KINDS, "request_fee", "total")), "catalog_version",
)


def _breakpoints(catalog: Catalog) -> pl.Series:
    stamps = {e.effective_from for e in catalog.entries}
    stamps |= {e.effective_to for e in catalog.entries if e.effective_to is not None}
    return pl.Series("b", sorted(stamps), dtype=pl.Datetime("us", "UTC"))


def _matches(keys: pl.DataFrame, catalog: Catalog) -> pl.DataFrame:
    """Match each distinct key once with the scalar rule; one row per key."""
    rows = []
    for provider, model, project, team, bucket, at in keys.iter_rows():
        at = at if at.tzinfo else at.replace(tzinfo=timezone.utc)
        m = match(catalog, provider, model, at, project, team)
        rule = m.rule if m else catalog.rule_for(provider)
        fee = (m.entry.request_fee or Decimal(0)) if m else Decimal(0)
        rows.append((
            provider, model, project, team, bucket,
            m.entry.id if m else None, rule.label if m else "", m.entry.currency if m else "USD",
            rule.input_includes_cache, rule.output_includes_reasoning, fee.quantize(SCALE),
        ))
    schema = {
        "provider": pl.String, "model": pl.String, "project": pl.String, "team": pl.String,
        "_bucket": pl.UInt32, "entry_id": pl.String, "rule": pl.String, "currency": pl.String,
        "_iic": pl.Boolean, "_oir": pl.Boolean, "_fee": MONEY,
    }
    return pl.DataFrame(rows, schema=schema, orient="row")


def _tier_table(catalog: Catalog, entry_ids: set[str]) -> pl.DataFrame:
    """One wide row per entry: tier thresholds `_t{j}` and per-token prices `_p{j}_{kind}`.

    Level 0 is the base; level j applies when the prompt exceeds `_t{j}`. Per-token
    prices (per-million / 1e6) are exact at scale 12 because catalog prices carry at
    most 6 decimals. Wide columns avoid sorting millions of rows for an as-of join.
    """
    entries = [e for e in catalog.entries if e.id in entry_ids]
    depth = max((len(e.tiers) for e in entries), default=0)
    schema: dict[str, pl.DataType] = {"entry_id": pl.String()}
    schema |= {f"_t{j}": pl.Int64() for j in range(1, depth + 1)}
    schema |= {f"_p{j}_{k}": MONEY for j in range(depth + 1) for k in KINDS}
    schema |= {f"_tier{j}": pl.Int64() for j in range(depth + 1)}
    rows = []
    for e in entries:
        bounds = [t.above_input_tokens for t in e.tiers]
        levels = [unit_prices(e, -1)] + [unit_prices(e, b + 1) for b in bounds]
        pad = depth - len(bounds)
        row: list[object] = [e.id, *bounds, *[None] * pad]
        for j in range(depth + 1):
            _, p = levels[min(j, len(bounds))]
            row += [(p[k] / MILLION).quantize(SCALE) for k in KINDS]
        row += [None, *bounds, *[None] * pad]
        rows.append(row)
    return pl.DataFrame(rows, schema=schema, orient="row")


def _by_tier(depth: int, column: str) -> pl.Expr:
    """The value of `_{j}{column}`-style columns at the highest tier the prompt exceeds."""
    expr = pl.col(column.format(0))
    for j in range(1, depth + 1):
        expr = pl.when(pl.col("_prompt") > pl.col(f"_t{j}")).then(pl.col(column.format(j))).otherwise(expr)
    return expr


def price_frame(df: pl.DataFrame, catalog: Catalog) -> pl.DataFrame:
    """Price every row of `df` (llm_calls columns); adds entry, rule, flags and cost columns.

    Needs provider, model, timestamp and the five `*_tokens` columns; `project` and `team`
    default to "". Output columns: entry_id, rule, tier, currency, priced, reason, flags,
    cost_input, cost_cache_read, cost_cache_write, cost_output, cost_reasoning,
    cost_request_fee, cost_total, catalog_version. Row order is kept.
    """
    ts = pl.col("timestamp")
    if df.schema["timestamp"].time_zone is None:  # type: ignore[union-attr]
        ts = ts.dt.replace_time_zone("UTC")
    base = df.with_columns(
        *[pl.lit("").alias(c) for c in ("project", "team") if c not in df.columns],
    ).with_columns(
        _ts=ts.dt.convert_time_zone("UTC").dt.cast_time_unit("us"),
        **{c: pl.col(c).cast(pl.Int64) for c in TOKENS},
    )
    base = base.with_columns(_bucket=_breakpoints(catalog).search_sorted(base["_ts"], side="right"))
    keys = base.group_by(_KEY).agg(pl.col("_ts").first())
    matched = _matches(keys.select(*_KEY, "_ts"), catalog)
    tiers = _tier_table(catalog, {i for i in matched["entry_id"] if i is not None})
    depth = sum(1 for c in tiers.columns if c.startswith("_t") and not c.startswith("_tier"))
    matched = matched.join(tiers, on="entry_id", how="left")
    out = base.join(matched, on=_KEY, how="left", maintain_order="left").with_columns(
        _prompt=pl.when("_iic").then(pl.col("input_tokens")).otherwise(
            pl.col("input_tokens") + pl.col("cache_read_tokens") + pl.col("cache_write_tokens")
        ),
    )
    out = out.with_columns(
        tier=_by_tier(depth, "_tier{}"),
        **{f"_p_{k}": _by_tier(depth, "_p{}_" + k) for k in KINDS},
    )
    added = [c for c in OUTPUT_COLUMNS if c not in df.columns]
    return _costs(out, catalog.version).select(*df.columns, *added)


_FLAGS = ("negative_tokens", "absurd_tokens", "cache_exceeds_input", "reasoning_exceeds_output")


def _flag_table() -> pl.DataFrame:
    """Every flag combination as a bitmask, with its list and reason (same order as scalar)."""
    lists = [[f for bit, f in enumerate(_FLAGS) if mask >> bit & 1] for mask in range(1 << len(_FLAGS))]
    return pl.DataFrame(
        {
            "_mask": range(len(lists)),
            "flags": lists,
            "_flag_reason": ["inconsistent tokens: " + ",".join(f) if f else "" for f in lists],
        },
        schema={"_mask": pl.UInt8, "flags": pl.List(pl.String), "_flag_reason": pl.String},
    )


def _costs(out: pl.DataFrame, version: str) -> pl.DataFrame:
    """Flags, then amounts; a bitmask joined to a 16-row table beats building lists per row."""
    inp, outp = pl.col("input_tokens"), pl.col("output_tokens")
    cr, cw, rs = pl.col("cache_read_tokens"), pl.col("cache_write_tokens"), pl.col("reasoning_tokens")
    tokens = [inp, outp, cr, cw, rs]
    bits = [
        pl.any_horizontal([t < 0 for t in tokens]),
        pl.any_horizontal([t > ABSURD_TOKENS for t in tokens]),
        pl.col("_iic") & (cr + cw > inp),
        pl.col("_oir") & (rs > outp),
    ]
    mask = pl.sum_horizontal([b.cast(pl.UInt8) * (1 << i) for i, b in enumerate(bits)])
    matched = pl.col("entry_id").is_not_null()
    out = out.with_columns(_mask=pl.when(matched).then(mask).otherwise(0).cast(pl.UInt8))
    out = out.join(_flag_table(), on="_mask", how="left", maintain_order="left")
    ok = matched & (pl.col("_mask") == 0)
    qty = {
        "input": pl.when("_iic").then(inp - cr - cw).otherwise(inp),
        "cache_read": cr,
        "cache_write": cw,
        "output": pl.when("_oir").then(outp - rs).otherwise(outp),
        "reasoning": rs,
    }
    money = {
        f"cost_{k}": pl.when(ok).then(q.clip(0, ABSURD_TOKENS).cast(pl.Decimal(38, 0)) * pl.col(f"_p_{k}"))
        for k, q in qty.items()
    }
    money["cost_request_fee"] = pl.when(ok).then(pl.col("_fee"))
    out = out.with_columns(**{k: v.cast(MONEY) for k, v in money.items()})
    total = pl.col("cost_input")
    for k in ("cache_read", "cache_write", "output", "reasoning", "request_fee"):
        total = total + pl.col(f"cost_{k}")
    return out.with_columns(
        cost_total=total.cast(MONEY),
        priced=ok,
        reason=pl.when(matched).then(pl.col("_flag_reason")).otherwise(pl.lit(NO_ENTRY)),
        tier=pl.when(ok).then(pl.col("tier")),
        catalog_version=pl.lit(version),
    )
