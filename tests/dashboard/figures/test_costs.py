"""The Costs page's pure shapes: breakdown, unpriced, idle and GPU cost rows, spend and budget bars."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from urllib.parse import parse_qsl

from client.api import Query
from client.models.costs import Budgets, CostBreakdown, CostTimeseries, IdleCost, Unpriced
from client.models.gpu import GpuCosts
from dashboard.figures.costs import (
    IDLE,
    breakdown_rows,
    budget_burn,
    gpu_cost_rows,
    gpu_idle_total,
    idle_rows,
    spend_over_time,
    traces_link,
    unpriced_hours,
    unpriced_rows,
)
from tests.helpers.wire import make


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
        {"team": "", "cost": "0.0142", "token_cost": "0.0042", "gpu_cost": "0.01", "share": "0.5", "calls": 2,
         "gpu_calls": 1, "successful_calls": 1, "unpriced_calls": 0, "cost_per_request": "0.0071",
         "cost_per_1k_tokens": "0.001", "cost_per_successful_request": "0.0142", "users": 2,
         "cost_per_user": "0.0071"},
        {"team": "ml", "cost": "0", "share": "0"}])
    row, free = breakdown_rows(body)
    assert row["team"] == "(none)" and row["share"] == 0.5
    assert (row["spend"], row["token"], row["GPU"], row["on GPUs"]) == ("$0.0142", "$0.0042", "$0.01", 1)
    assert row["per successful"] == "$0.0142" and row["users"] == 2 and row["per user"] == "$0.0071"
    assert (free["team"], free["share"], free["per request"]) == ("ml", 0.0, "–"), "a zero share is 0, not unknown"
    assert "users" not in free, "users not counted: no column, rather than a column of None"
    assert None not in [value for r in breakdown_rows(body) for name, value in r.items() if name != "share"]


def test_unpriced_and_idle_rows_format_times_and_money():
    body = make(Unpriced, groups=[{"provider": "openai", "model": "m", "reason": "no price", "calls": 3,
                                   "first_seen": "2026-11-21T05:41:15.914210513Z",
                                   "last_seen": "2026-11-21T06:00:00.000000000Z", "services": ["a", "b"]}])
    [row] = unpriced_rows(body)
    assert (row["first seen (UTC)"], row["last seen (UTC)"], row["services"]) == (
        "2026-11-21 05:41:15", "2026-11-21 06:00:00", "a, b")
    idle = make(IdleCost, cost="2.4", hosts=[{"host_name": "gpu-a", "gpu_cost": "4.8", "idle": "2.4",
                                              "unpriced_hours": 0},
                                             {"host_name": "gpu-c", "gpu_cost": None, "idle": None,
                                              "unpriced_hours": 2}])
    assert idle_rows(idle) == [
        {"host": "gpu-a", "idle": "$2.40", "GPU cost": "$4.80", "hours without a GPU price": 0},
        {"host": "gpu-c", "idle": "–", "GPU cost": "–", "hours without a GPU price": 2}]


def test_the_hours_without_a_gpu_price_are_counted_by_reason():
    assert unpriced_hours(make(GpuCosts, unpriced_hours_total=0)) == ""
    hour = {"hour": "2026-11-21T05:00:00Z", "host_name": "", "detail": "", "calls": 0}
    body = make(GpuCosts, unpriced_hours_total=3, unpriced_hours=[
        {**hour, "reason": "queued"}, {**hour, "reason": "queued"}, {**hour, "reason": "no_gpu_price"}])
    assert unpriced_hours(body) == ("GPU time not priced: 1 host-hours with a GPU without a price; "
                                    "2 waiting for the gpu-costs job")


def test_spend_is_stacked_costliest_first_and_budget_bars_are_shares():
    window = {"since": "2026-11-20T22:00:00Z", "until": "2026-11-21T04:00:00Z"}
    series = make(CostTimeseries, **window, points=[{"bucket": "2026-11-21T00:00:00Z", "group": "a", "cost": "1"},
                                          {"bucket": "2026-11-21T00:00:00Z", "group": "b", "cost": "3"},
                                          {"bucket": "2026-11-21T01:00:00Z", "group": "a", "cost": "1"}])
    fig = spend_over_time(series)
    assert [t.name for t in fig.data] == ["b", "a"] and fig.layout.barmode == "stack"
    assert list(fig.layout.xaxis.range) == [datetime(2026, 11, 20, 22), datetime(2026, 11, 21, 4)], "the whole range"
    with_idle = make(CostTimeseries, **window, points=series.model_dump()["points"],
                     idle=[{"bucket": "2026-11-21T00:00:00Z", "idle": "2.5"}])
    idle = spend_over_time(with_idle).data[-1]
    assert (idle.name, idle.type, list(idle.y)) == (IDLE, "scatter", [2.5]), "idle is a line apart, not a stacked bar"
    budgets = make(Budgets, budgets=[{"name": "ml", "monthly": "100", "month_to_date": "25",
                                      "forecast_month_end": "120", "soft_threshold": "0.8"}])
    fig = budget_burn(budgets)
    assert list(fig.data[0].x) == [0.25] and list(fig.data[1].x) == [1.2]


def test_a_breakdown_row_links_to_its_traces_costliest_first():
    query = Query(since="7d", projects=("web",), models=("gpt-4o", "gpt-4o-mini"))
    link = traces_link(query, [("team", "search"), ("model", "gpt-4o")])
    assert link is not None and link.startswith("requests?")
    assert parse_qsl(link.split("?", 1)[1]) == [("range", "7d"), ("project", "web"), ("team", "search"),
                                                 ("model", "gpt-4o"), ("sort", "cost")], \
        "the row's model replaces the sidebar's two; the sidebar's project stays"
    assert traces_link(query, [("provider", "openai")]) is None, "the trace list has no provider filter"
    assert traces_link(query, [("team", "")]) is None, "'(none)' is no filter"
    body = make(CostBreakdown, by=["team"], rows=[{"team": "search", "cost": "1"}])
    assert breakdown_rows(body, [link])[0]["traces"] == link
    assert "traces" not in breakdown_rows(body)[0]
