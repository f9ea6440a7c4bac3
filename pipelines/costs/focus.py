"""FOCUS 1.2 usage rows from Spyglass's costs: pure functions from summed cost groups to rows.

One row per charge period (an hour) x resource x tag set:
- an API model (`ResourceId` provider/model), per price entry and catalog version, from
  `request_costs`: the cost of its priced calls; its unpriced calls are counted in
  `x_UnpricedCalls` and named in `ChargeDescription`. FOCUS requires every cost to be a number,
  so a group with no priced call costs 0 and says why (no `SkuPriceId`, "price unknown").
- a GPU host (`ResourceId` gpu-host/<host>) per model and tag set of the calls it served:
  the GPU cost allocated to them (`x_CostKind` gpu-allocated);
- the same GPU host once per hour for what no call used (`x_CostKind` gpu-idle, tags:
  the host's project), its cost also in `x_IdleCost`.
So BilledCost summed over the export equals the priced `request_costs` plus the GPU hosts'
cost (allocated + idle) for the period, exactly. Prices are list prices (no contracts or
commitments are known), so BilledCost = EffectiveCost = ListCost = ContractedCost.
The billing account is the project (the scope Spyglass charges back to); no row has an
invoice (`InvoiceId` null) or is a correction (`ChargeClass` null). Custom columns are
prefixed `x_` as the spec requires. The FinOps Foundation's focus-validator for FOCUS 1.2
passes the rows on every rule but one it evaluates without its condition (docs/architecture.md).
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from datetime import datetime, timedelta, timezone
from decimal import Decimal
from typing import Any

import polars as pl

MONEY = pl.Decimal(38, 12)
TIME = pl.Datetime("us", "UTC")
MILLION = Decimal(1_000_000)
SERVICE_CATEGORY = "AI and Machine Learning"
SELF_HOSTED = "Self-hosted"
SCHEMA: dict[str, Any] = {
    "BilledCost": MONEY, "EffectiveCost": MONEY, "ListCost": MONEY, "ContractedCost": MONEY,
    "BillingAccountId": pl.String, "BillingAccountName": pl.String,
    "BillingCurrency": pl.String, "BillingPeriodStart": TIME, "BillingPeriodEnd": TIME,
    "ChargePeriodStart": TIME, "ChargePeriodEnd": TIME, "ChargeCategory": pl.String, "ChargeClass": pl.String,
    "ChargeDescription": pl.String, "ChargeFrequency": pl.String,
    "ServiceCategory": pl.String, "ServiceSubcategory": pl.String, "ServiceName": pl.String,
    "ProviderName": pl.String, "PublisherName": pl.String, "InvoiceIssuerName": pl.String, "InvoiceId": pl.String,
    "ResourceId": pl.String, "ResourceName": pl.String, "ResourceType": pl.String,
    "SkuId": pl.String, "SkuPriceId": pl.String,
    "ConsumedQuantity": MONEY, "ConsumedUnit": pl.String, "PricingQuantity": MONEY, "PricingUnit": pl.String,
    "Tags": pl.String,
    "x_CostKind": pl.String, "x_Model": pl.String, "x_CatalogVersion": pl.String, "x_PriceSource": pl.String,
    "x_RequestCount": pl.Int64, "x_UnpricedCalls": pl.Int64, "x_InputTokens": pl.Int64, "x_OutputTokens": pl.Int64,
    "x_IdleCost": MONEY,
}
DECIMAL_COLUMNS = tuple(name for name, dtype in SCHEMA.items() if dtype == MONEY)
TIME_COLUMNS = tuple(name for name, dtype in SCHEMA.items() if dtype == TIME)
_TAG_COLUMNS = (("project", "project"), ("service", "service_name"), ("environment", "environment"),
                ("team", "team"), ("feature", "feature"))


def tags(row: dict[str, Any]) -> str:
    """FOCUS Tags: a JSON object of the non-empty attribution values, keys sorted."""
    return json.dumps({key: row[column] for key, column in _TAG_COLUMNS if row.get(column)}, sort_keys=True)


def _utc(value: datetime) -> datetime:
    return value.replace(tzinfo=timezone.utc) if value.tzinfo is None else value.astimezone(timezone.utc)


def _periods(hour: datetime) -> dict[str, datetime]:
    hour = _utc(hour)
    month = hour.replace(day=1, hour=0)
    next_month = (month + timedelta(days=32)).replace(day=1)
    return {"ChargePeriodStart": hour, "ChargePeriodEnd": hour + timedelta(hours=1),
            "BillingPeriodStart": month, "BillingPeriodEnd": next_month}


def _costs(amount: Decimal | None) -> dict[str, Decimal]:
    """The four FOCUS costs (list prices only, so all equal); no price is 0, said in ChargeDescription."""
    amount = Decimal(0) if amount is None else amount
    return {"BilledCost": amount, "EffectiveCost": amount, "ListCost": amount, "ContractedCost": amount}


def _usage(row: dict[str, Any], **fields: Any) -> dict[str, Any]:
    return {"ChargeCategory": "Usage", "ChargeClass": None, "ChargeFrequency": "Usage-Based",
            "ServiceCategory": SERVICE_CATEGORY,
            "BillingAccountId": row["project"], "BillingAccountName": row["project"],
            "BillingCurrency": row["currency"], "InvoiceId": None, **_periods(row["hour"]), **fields}


_NO_TOKEN_PRICE = "no catalog entry or inconsistent tokens"
_NO_GPU_PRICE = "no price for the host's GPUs"


def _calls(priced: int, unpriced: int, tokens: int, why: str) -> str:
    said = f"{priced + unpriced:,} calls, {tokens:,} tokens"
    if not unpriced:
        return said
    if not priced:
        return f"{said}; price unknown ({why}), counted as 0"
    return f"{said}; {unpriced:,} of the calls have no price ({why}) and are not in the cost"


def api_rows(groups: Iterable[dict[str, Any]]) -> list[dict[str, Any]]:
    """One row per API cost group (store/queries/focus.py api_usage)."""
    out = []
    for g in groups:
        tokens = g["input_tokens"] + g["output_tokens"]
        out.append(_usage(
            g, **_costs(g["cost"] if g["priced_calls"] else None),
            ChargeDescription=f"{g['model']} ({g['provider']}): "
                              f"{_calls(g['priced_calls'], g['unpriced_calls'], tokens, _NO_TOKEN_PRICE)}",
            ServiceSubcategory="Generative AI", ServiceName=g["provider"], ProviderName=g["provider"],
            PublisherName=g["provider"], InvoiceIssuerName=g["provider"],
            ResourceId=f"{g['provider']}/{g['model']}", ResourceName=g["model"], ResourceType="Model",
            SkuId=g["entry_id"] or None, SkuPriceId=f"{g['entry_id']}@{g['catalog_version']}" if g["entry_id"] else None,
            ConsumedQuantity=Decimal(tokens), ConsumedUnit="Tokens", PricingQuantity=Decimal(tokens) / MILLION,
            PricingUnit="1000000 Tokens", Tags=tags(g), x_CostKind="api", x_Model=g["model"],
            x_CatalogVersion=g["catalog_version"], x_PriceSource=g["entry_id"],
            x_RequestCount=g["priced_calls"] + g["unpriced_calls"], x_UnpricedCalls=g["unpriced_calls"],
            x_InputTokens=g["input_tokens"], x_OutputTokens=g["output_tokens"], x_IdleCost=None))
    return out


def _gpu(row: dict[str, Any], host: str, **fields: Any) -> dict[str, Any]:
    return _usage(row, ServiceSubcategory="AI Platforms", ServiceName="Self-hosted GPU inference",
                  ProviderName=SELF_HOSTED, InvoiceIssuerName=SELF_HOSTED, ResourceId=f"gpu-host/{host}",
                  ResourceName=host, ResourceType="GPU Host", SkuId="gpu-time",
                  SkuPriceId=f"{row['price_source']}@{row['price_version']}", x_CatalogVersion=row["price_version"],
                  x_PriceSource=row["price_source"], **fields)


def gpu_allocated_rows(groups: Iterable[dict[str, Any]]) -> list[dict[str, Any]]:
    """One row per GPU host x model x tag set: the GPU cost allocated to those calls."""
    out = []
    for g in groups:
        tokens = g["input_tokens"] + g["output_tokens"]
        out.append(_gpu(
            g, g["gpu_host"], **_costs(g["cost"] if g["priced_calls"] else None), PublisherName=g["provider"],
            ChargeDescription=f"GPU time of {g['gpu_host']} allocated to {g['model']}: "
                              f"{_calls(g['priced_calls'], g['unpriced_calls'], tokens, _NO_GPU_PRICE)}",
            ConsumedQuantity=Decimal(tokens), ConsumedUnit="Tokens", PricingQuantity=Decimal(tokens),
            PricingUnit="Tokens", Tags=tags(g), x_CostKind="gpu-allocated", x_Model=g["model"],
            x_RequestCount=g["priced_calls"] + g["unpriced_calls"], x_UnpricedCalls=g["unpriced_calls"],
            x_InputTokens=g["input_tokens"], x_OutputTokens=g["output_tokens"], x_IdleCost=None))
    return out


def gpu_idle_rows(hosts: Iterable[dict[str, Any]]) -> list[dict[str, Any]]:
    """One row per GPU host-hour with idle cost (or without a price): what no call used."""
    out = []
    for h in hosts:
        if h["priced"] and not h["idle"]:
            continue
        idle = h["idle"] if h["priced"] else None
        hours = Decimal(repr(round(h["idle_gpu_seconds"] / 3600, 6)))
        unknown = "" if h["priced"] else f"; {_NO_GPU_PRICE}, counted as 0"
        out.append(_gpu(
            h, h["host_name"], **_costs(idle), PublisherName=SELF_HOSTED, ConsumedQuantity=hours,
            ChargeDescription=f"Idle GPU time of {h['host_name']}: {hours} GPU-hours no call used{unknown}",
            ConsumedUnit="GPU-Hours", PricingQuantity=hours, PricingUnit="Hours", Tags=tags(h),
            x_CostKind="gpu-idle", x_Model=None, x_RequestCount=0, x_UnpricedCalls=0, x_InputTokens=0,
            x_OutputTokens=0, x_IdleCost=idle))
    return out


def frame(rows: list[dict[str, Any]]) -> pl.DataFrame:
    """The rows as a frame with the FOCUS column order and types, ordered by period then resource."""
    return (pl.DataFrame(rows, schema=SCHEMA, orient="row") if rows else pl.DataFrame(schema=SCHEMA)).sort(
        ["ChargePeriodStart", "ResourceId", "x_CostKind", "Tags", "SkuPriceId"], nulls_last=True)


def to_json(rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """JSON-ready rows: money and quantities as decimal strings (exact), times as RFC 3339."""
    def encode(value: Any) -> Any:
        if isinstance(value, Decimal):  # plain text without trailing zeros: "0.0075", "0"
            text = format(value.normalize(), "f")
            return "0" if text == "-0" else text
        if isinstance(value, datetime):
            return _utc(value).isoformat().replace("+00:00", "Z")
        return value
    return [{k: encode(v) for k, v in row.items()} for row in rows]


def from_json(rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """The inverse of `to_json`."""
    def decode(name: str, value: Any) -> Any:
        if value is None:
            return None
        if name in DECIMAL_COLUMNS:
            return Decimal(value)
        if name in TIME_COLUMNS:
            return datetime.fromisoformat(value.replace("Z", "+00:00"))
        return value
    return [{k: decode(k, v) for k, v in row.items()} for row in rows]
