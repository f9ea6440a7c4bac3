"""Pricing millions of calls inside the store, with results identical to `pricing.price`.

The cost job must price at least a million calls a second, faster than calls can be
moved out of ClickHouse and back. So the work is split where it is cheap:
- matching depends only on (provider, model, project, team, instrumentation scope) and on
  which side of each catalog date a call falls (its `_bucket`), so the job reads those few
  distinct keys, matches each once with the scalar `pricing.match` (model-name forms,
  gateways and accounting rules included) and resolves its tier prices with
  `pricing.unit_prices`: a small price table (`price_table`), which also carries each
  key's unpriced reason, price basis and matched name;
- the per-call arithmetic runs in ClickHouse: `cost_select` joins the calls to that table
  (passed as a JSONEachRow parameter, so no temporary table) and computes flags, the tier,
  and each amount as tokens x per-token price in Decimal(38, 12): exact, never a float.
  The join is on one 64-bit hash of the key (a third cheaper per call than five columns)
  whenever the batch's keys hash apart, which Python checks; otherwise on the columns.
A test holds this path to the scalar path's Decimal answers on random calls.
"""

from __future__ import annotations

import json
from datetime import timezone
from decimal import Decimal

import polars as pl

from pipelines.costs.catalog import Catalog
from pipelines.costs.model_names import missing_entry
from pipelines.costs.pricing import ABSURD_TOKENS, MILLION, SCALE, match, unit_prices
from store.params import time_param
from store.queries.cost_rollup import SLICE_SQL

KINDS = ("input", "cache_read", "cache_write", "output", "reasoning")
TOKENS = ("input_tokens", "output_tokens", "cache_read_tokens", "cache_write_tokens", "reasoning_tokens")
KEY = ("provider", "model", "project", "team", "scope_name", "_bucket")
FLAGS = ("negative_tokens", "absurd_tokens", "cache_exceeds_input", "reasoning_exceeds_output")
_MONEY = "Decimal(38, 12)"


def breakpoints(catalog: Catalog) -> list[str]:
    """Every catalog date, sorted: a call's `_bucket` is how many of them are <= its time."""
    stamps = {e.effective_from for e in catalog.entries}
    stamps |= {e.effective_to for e in catalog.entries if e.effective_to is not None}
    return [time_param(s) for s in sorted(stamps)]


def bucket_sql(catalog: Catalog) -> tuple[str, dict[str, str]]:
    """SQL of a call's `_bucket` (how many catalog dates are <= its `timestamp`) and its parameters.

    A sum of comparisons, one parameter per date: cheaper per call than a lambda over an array.
    """
    stamps = breakpoints(catalog)
    terms = [f"(timestamp >= {{_b{i}:DateTime64(6, 'UTC')}})" for i in range(len(stamps))]
    return f"toUInt32({' + '.join(terms) or 0})", {f"_b{i}": stamp for i, stamp in enumerate(stamps)}


KEY_HASH = f"cityHash64({', '.join(KEY)})"


def keys_hash_apart(keys: pl.DataFrame) -> bool:
    """Do the batch's distinct keys (from `matched_keys_sql`) have distinct hashes, so a join on `_k` is exact?"""
    return keys["_k"].n_unique() == keys.height


def tier_depth(catalog: Catalog) -> int:
    return max((len(e.tiers) for e in catalog.entries), default=0)


def _text(value: object) -> object:
    return format(value, "f") if isinstance(value, Decimal) else value


def price_table(keys: pl.DataFrame, catalog: Catalog) -> str:
    """One JSONEachRow line per key (KEY columns + `at`, any time of the key): its entry, rule,
    fee and, per tier level j, the threshold `_t{j}`, tier `_tier{j}` and per-token `_p{j}_{kind}`.

    Per-token prices (per-million / 1e6) are exact at scale 12 because catalog prices carry
    at most 6 decimals. Level 0 is the base; level j applies when the prompt exceeds `_t{j}`.
    """
    depth = tier_depth(catalog)
    lines = []
    for provider, model, project, team, scope, bucket, key, at in keys.select(*KEY, "_k", "at").iter_rows():
        at = at if at.tzinfo else at.replace(tzinfo=timezone.utc)
        m = match(catalog, provider, model, at, project, team, scope)
        rule = m.rule if m else catalog.rule_for(provider, scope)
        row: dict[str, object] = {
            "provider": provider, "model": model, "project": project, "team": team, "scope_name": scope,
            "_bucket": bucket, "_k": key,
            "_entry": m.entry.id if m else None, "_rule": rule.label if m else "",
            "_reason": "" if m else missing_entry(provider, model, catalog.deployments),
            "_basis": m.basis if m else "", "_as": m.priced_as if m else "",
            "_currency": m.entry.currency if m else "USD", "_iic": rule.input_includes_cache,
            "_oir": rule.output_includes_reasoning,
            "_fee": ((m.entry.request_fee or Decimal(0)) if m else Decimal(0)).quantize(SCALE),
        }
        bounds = [t.above_input_tokens for t in m.entry.tiers] if m else []
        for j in range(depth + 1):
            level = min(j, len(bounds))
            tier, prices = unit_prices(m.entry, -1 if level == 0 else bounds[level - 1] + 1) if m else (None, {})
            row[f"_t{j}"] = bounds[j - 1] if 0 < j <= len(bounds) else None
            row[f"_tier{j}"] = tier
            for k in KINDS:
                row[f"_p{j}_{k}"] = (prices[k] / MILLION).quantize(SCALE) if m else None
        lines.append(json.dumps({k: _text(v) for k, v in row.items()}))
    return "\n".join(lines)


def price_structure(depth: int) -> str:
    """The ClickHouse structure of `price_table`'s rows."""
    # LowCardinality like their request_costs columns: every call copies them, so no per-row string.
    cols = ["provider String", "model String", "project String", "team String", "scope_name String",
            "_bucket UInt32", "_k UInt64", "_entry LowCardinality(Nullable(String))", "_rule LowCardinality(String)",
            "_reason LowCardinality(String)", "_basis LowCardinality(String)", "_as LowCardinality(String)",
            "_currency LowCardinality(String)", "_iic Bool", "_oir Bool",
            f"_fee {_MONEY}"]
    for j in range(depth + 1):
        cols += [f"_t{j} Nullable(Int64)", f"_tier{j} Nullable(Int64)"]
        cols += [f"_p{j}_{k} Nullable({_MONEY})" for k in KINDS]
    return ", ".join(cols)


def _by_tier(depth: int, column: str) -> str:
    """The value of `column` (with a `{}` for the level) at the highest tier the prompt exceeds."""
    branches = [f"_prompt > _t{j}, {column.format(j)}" for j in range(depth, 0, -1)]
    return f"multiIf({', '.join(branches)}, {column.format(0)})" if branches else column.format(0)


def cost_select(source: str, depth: int, copied: tuple[str, ...], by_hash: bool) -> str:
    """SELECT of request_costs rows: the `copied` call columns, the pricing, `catalog_version` and
    `priced_at` (parameters `version`, `priced_at`, `prices`), from the calls of `source` (which has
    `_bucket`); joined to the prices on `_k` when `by_hash` (see `keys_hash_apart`), else on KEY. A call
    whose key is not in the price table (it arrived after the keys were read) is left out, not mispriced.

    Mirrors `pricing.price`: flags only for matched calls; a flagged or unmatched call has
    NULL amounts; quantities never overlap (cache out of input, reasoning out of output).
    """
    tokens = [f"c.{t}" for t in TOKENS]
    inp, outp, cr, cw, rs = tokens
    checks = [
        f"least({', '.join(tokens)}) < 0",
        f"greatest({', '.join(tokens)}) > {ABSURD_TOKENS}",
        f"_iic AND {cr} + {cw} > {inp}",
        f"_oir AND {rs} > {outp}",
    ]
    # Plain comparisons for every call; the flag list is built (short-circuit `if`) only for the few flagged.
    flagged = f"_entry IS NOT NULL AND ({' OR '.join(checks)})"
    flags = (f"if({flagged}, arrayFilter(x -> x != '', ["
             + ", ".join(f"if({e}, '{name}', '')" for e, name in zip(checks, FLAGS, strict=True)) + "]), CAST([], 'Array(String)'))")
    qty = {"input": f"if(_iic, {inp} - {cr} - {cw}, {inp})", "cache_read": cr, "cache_write": cw,
           "output": f"if(_oir, {outp} - {rs}, {outp})", "reasoning": rs}
    amounts = {k: f"toDecimal128(least(greatest({q}, 0), {ABSURD_TOKENS}), 0) * assumeNotNull({_by_tier(depth, '_p{}_' + k)})"
               for k, q in qty.items()}
    amounts["request_fee"] = "_fee"
    total = " + ".join(amounts.values())
    money = ",\n    ".join(f"CAST(if(priced, {v}, NULL), 'Nullable({_MONEY})') AS cost_{k}"
                           for k, v in (*amounts.items(), ("total", total)))
    return f"""
SELECT {", ".join(f"c.{col} AS {col}" for col in copied)},
    ifNull(_entry, '') AS entry_id, _rule AS rule, _currency AS currency, _basis AS price_basis, _as AS priced_as,
    if(_iic, {inp}, {inp} + {cr} + {cw}) AS _prompt,
    {flags} AS flags,
    _entry IS NOT NULL AND NOT ({' OR '.join(checks)}) AS priced,
    if(priced, {_by_tier(depth, "_tier{}")}, NULL) AS tier,
    if(priced, '', if(_entry IS NULL, _reason, concat('inconsistent tokens: ', arrayStringConcat(flags, ','))))
        AS reason,
    {money},
    toLowCardinality({{version:String}}) AS catalog_version, {{priced_at:DateTime64(3, 'UTC')}} AS priced_at
FROM (SELECT *{f", {KEY_HASH} AS _k" if by_hash else ""} FROM ({source})) AS c
INNER JOIN format(JSONEachRow, '{price_structure(depth)}', {{prices:String}}) AS p
USING ({"_k" if by_hash else ", ".join(KEY)})"""


def matched_keys_sql(source: str) -> str:
    """The distinct pricing keys of `source`'s calls with their hash `_k`, their first and last times and the
    five-minute slices they touch (as epoch seconds: cheaper to collect than datetimes)."""
    return f"""
SELECT {", ".join(KEY)}, {KEY_HASH} AS _k, min(timestamp) AS at, max(timestamp) AS last,
    groupUniqArray({SLICE_SQL}) AS slices
FROM ({source})
GROUP BY {", ".join(KEY)}"""


