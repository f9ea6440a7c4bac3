"""FOCUS rows from cost groups: periods, tags, unpriced groups, idle rows, the exact JSON round trip."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal

from pipelines.costs import focus
from tests.helpers.catalogs import utc

HOUR = datetime(2026, 12, 31, 23)  # as the store returns it: naive UTC


def _api(**over) -> dict:
    return {"hour": HOUR, "provider": "openai", "model": "gpt-4o", "project": "p", "service_name": "chat",
            "environment": "", "team": "search", "feature": "", "currency": "USD", "entry_id": "openai-gpt-4o",
            "catalog_version": "abc", "cost": Decimal("0.123456789012"), "priced_calls": 2, "unpriced_calls": 1,
            "input_tokens": 1_234_567, "output_tokens": 1, **over}


def _host(**over) -> dict:
    return {"hour": HOUR, "host_name": "gpu-a", "project": "p", "currency": "USD", "price_source": "shipped:H100",
            "price_version": "v1", "priced": True, "idle": Decimal("0.5"), "idle_gpu_seconds": 1800.0, **over}


def test_api_row_periods_tags_and_quantities():
    [row] = focus.api_rows([_api()])
    assert (row["ChargePeriodStart"], row["ChargePeriodEnd"]) == (utc(2026, 12, 31, 23), utc(2027, 1, 1, 0))
    assert (row["BillingPeriodStart"], row["BillingPeriodEnd"]) == (utc(2026, 12, 1), utc(2027, 1, 1))
    assert row["Tags"] == '{"project": "p", "service": "chat", "team": "search"}'  # empty values left out
    assert row["BilledCost"] == Decimal("0.123456789012") and row["SkuPriceId"] == "openai-gpt-4o@abc"
    assert (row["PricingQuantity"], row["x_RequestCount"], row["x_UnpricedCalls"]) == (Decimal("1.234568"), 3, 1)


def test_api_row_account_charge_and_invoice_columns():
    [row] = focus.api_rows([_api()])
    assert (row["BillingAccountId"], row["BillingAccountName"]) == ("p", "p")
    assert (row["ChargeClass"], row["InvoiceId"]) == (None, None)  # not a correction; no invoice
    assert row["ChargeDescription"] == ("gpt-4o (openai): 3 calls, 1,234,568 tokens; 1 of the calls have no price "
                                        "(no catalog entry or inconsistent tokens) and are not in the cost")


def test_a_group_without_priced_calls_costs_zero_and_says_the_price_is_unknown():
    # FOCUS costs must not be null: the missing price shows in the description, SkuPriceId and x_UnpricedCalls.
    [row] = focus.api_rows([_api(cost=None, priced_calls=0, entry_id="")])
    assert [row[c] for c in ("BilledCost", "EffectiveCost", "ListCost", "ContractedCost")] == [Decimal(0)] * 4
    assert (row["SkuId"], row["SkuPriceId"], row["x_UnpricedCalls"]) == (None, None, 1)
    assert "price unknown" in row["ChargeDescription"] and row["ChargeDescription"].startswith("gpt-4o (openai): 1 calls")


def test_idle_rows_for_idle_or_unpriced_host_hours_only():
    rows = focus.gpu_idle_rows([_host(), _host(host_name="busy", idle=Decimal(0)),
                                _host(host_name="t4", priced=False, idle=None, price_source="unpriced: T4")])
    assert [(r["ResourceId"], r["BilledCost"], r["x_IdleCost"]) for r in rows] == [
        ("gpu-host/gpu-a", Decimal("0.5"), Decimal("0.5")), ("gpu-host/t4", Decimal(0), None)]
    assert rows[0]["ChargeDescription"] == "Idle GPU time of gpu-a: 0.5 GPU-hours no call used"
    assert rows[1]["ChargeDescription"].endswith("no price for the host's GPUs, counted as 0")
    assert (rows[0]["ConsumedQuantity"], rows[0]["Tags"]) == (Decimal("0.5"), '{"project": "p"}')


def test_json_round_trip_is_exact_and_the_frame_has_the_focus_columns_in_order():
    rows = [*focus.api_rows([_api()]), *focus.gpu_idle_rows([_host()])]
    back = focus.from_json(focus.to_json(rows))
    assert back == rows
    frame = focus.frame(back)
    assert frame.columns == list(focus.SCHEMA) and frame.height == 2
    assert frame["BilledCost"].sum() == Decimal("0.623456789012")
    assert focus.frame([]).columns == list(focus.SCHEMA)


def test_gpu_allocated_rows_say_why_a_call_has_no_price():
    group = {"hour": HOUR, "gpu_host": "t4", "provider": "vllm", "model": "llama", "project": "p", "service_name": "",
             "environment": "", "team": "", "feature": "", "currency": "USD", "price_source": "unpriced: T4",
             "price_version": "v1", "cost": None, "priced_calls": 0, "unpriced_calls": 2, "input_tokens": 200,
             "output_tokens": 100}
    [row] = focus.gpu_allocated_rows([group])
    assert (row["ResourceId"], row["BilledCost"], row["x_UnpricedCalls"]) == ("gpu-host/t4", Decimal(0), 2)
    assert row["ChargeDescription"] == ("GPU time of t4 allocated to llama: 2 calls, 300 tokens; price unknown "
                                        "(no price for the host's GPUs), counted as 0")
