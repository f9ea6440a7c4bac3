"""The Costs page's pure shapes: money as people read it, breakdown and GPU cost rows, budget bars."""

from __future__ import annotations

from decimal import Decimal

from client.models.costs import Budgets, CostBreakdown, CostTimeseries
from client.models.gpu import GpuCosts
from dashboard.figures.costs import breakdown_rows, budget_burn, gpu_cost_rows, gpu_idle_total, money, spend_over_time
from tests.helpers.wire import make


def test_money_keeps_small_amounts_readable_and_never_rounds_to_zero():
    assert money("1234.5678") == "$1,234.57"
    assert money("0.0045") == "$0.0045" and money(Decimal("0.000012500000")) == "$0.0000125"
    assert money("0.00399285") == "$0.003993"
    assert money("0") == "$0.00" and money(None) == "–" and money("3", "EUR") == "EUR 3.00"


def test_gpu_cost_rows_put_the_most_idle_host_first_and_keep_unpriced_visible():
    body = make(GpuCosts, hosts=[
        {"host_name": "a", "gpu_cost": "10", "allocated": "8", "idle": "2", "idle_share": 0.2, "calls": 5,
         "unknown_host_calls": 0},
        {"host_name": "b", "gpu_cost": "10", "allocated": "1", "idle": "9", "idle_share": 0.9, "calls": 1,
         "unknown_host_calls": 0},
        {"host_name": "c", "gpu_cost": None, "allocated": None, "idle": None, "idle_share": None, "calls": 0,
         "unknown_host_calls": 3}])
    rows = gpu_cost_rows(body)
    assert [r["host"] for r in rows] == ["b", "a", "c"]
    assert rows[0]["idle"] == "$9.00" and rows[2]["GPU cost"] == "–" and rows[2]["unknown-host calls"] == 3
    assert gpu_idle_total(body) == (Decimal(11), Decimal(20)), "an unpriced host adds nothing"


def test_breakdown_rows_name_empty_groups_and_format_unit_economics():
    body = make(CostBreakdown, by=["team"], rows=[
        {"team": "", "cost": "0.004", "share": "0.5", "calls": 2, "successful_calls": 1, "unpriced_calls": 0,
         "cost_per_request": "0.002", "cost_per_1k_tokens": "0.001", "cost_per_successful_request": "0.004",
         "users": 2, "cost_per_user": "0.002"},
        {"team": "ml", "cost": "0", "share": "0"}])
    row, free = breakdown_rows(body)
    assert row["team"] == "(none)" and row["spend"] == "$0.004" and row["share"] == 0.5
    assert row["per successful"] == "$0.004" and row["users"] == 2
    assert (free["team"], free["share"], free["per request"]) == ("ml", 0.0, "–"), "a zero share is 0, not unknown"


def test_spend_is_stacked_costliest_first_and_budget_bars_are_shares():
    series = make(CostTimeseries, points=[{"bucket": "2026-11-21T00:00:00Z", "group": "a", "cost": "1"},
                                          {"bucket": "2026-11-21T00:00:00Z", "group": "b", "cost": "3"},
                                          {"bucket": "2026-11-21T01:00:00Z", "group": "a", "cost": "1"}])
    fig = spend_over_time(series)
    assert [t.name for t in fig.data] == ["b", "a"] and fig.layout.barmode == "stack"
    budgets = make(Budgets, budgets=[{"name": "ml", "monthly": "100", "month_to_date": "25",
                                      "forecast_month_end": "120", "soft_threshold": "0.8"}])
    fig = budget_burn(budgets)
    assert list(fig.data[0].x) == [0.25] and list(fig.data[1].x) == [1.2]
