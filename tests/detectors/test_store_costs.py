"""Cost detectors against the real store: rows in request_costs, rolled up into cost_hourly by the rollup code,
read by each detector's `series` and judged by its `detect`."""

from __future__ import annotations

import math
from datetime import timedelta
from decimal import Decimal

import pytest

from detectors import budget, cost_anomaly, unpriced
from detectors.base import run_rules
from tests.helpers.catalogs import utc
from tests.helpers.detector_rows import insert_costs

pytestmark = pytest.mark.xdist_group("detector-store")
HOUR = timedelta(hours=1)


def test_a_spend_spike_is_found_with_its_model_and_user(shared_store):
    now = utc(2026, 3, 25, 10, 20)
    first = now.replace(minute=0) - timedelta(days=22)
    rows = []
    for h in range(22 * 24):
        at = first + h * HOUR + timedelta(minutes=10)
        wobble = Decimal(repr(round(1 + 0.05 * math.sin(h), 4)))
        rows += [{"timestamp": at, "span_id": f"a{h}", "project": "p-cost", "model": "gpt-4o", "feature": "answer",
                  "user_id": "u1", "cost_total": str(2 * wobble)},
                 {"timestamp": at, "span_id": f"b{h}", "project": "p-cost", "model": "gpt-4o-mini", "feature": "answer",
                  "user_id": "u2", "cost_total": str(wobble)}]
    spike = now.replace(minute=0) - HOUR + timedelta(minutes=30)
    rows += [{"timestamp": spike, "span_id": f"s{i}", "project": "p-cost", "model": "gpt-4o", "feature": "agent",
              "user_id": "u-9", "cost_total": "3.000000000001"} for i in range(10)]
    insert_costs(shared_store, rows, now)

    by_project = cost_anomaly.DETECTOR.params({"where": {"project": ["p-cost"]}})
    by_model = cost_anomaly.DETECTOR.params({"group_by": ["model"], "where": {"project": ["p-cost"]},
                                             "top_users": 0})
    [project_signals, model_signals] = run_rules(cost_anomaly.DETECTOR, shared_store, [by_project, by_model], now)

    [signal] = project_signals
    spent = sum(Decimal(r["cost_total"]) for r in rows if r["timestamp"] >= spike - timedelta(minutes=30))
    assert signal.labels == {"project": "p-cost"}
    assert signal.evidence["spend_usd"] == str(spent.normalize()) and signal.value == float(spent)
    assert signal.threshold < signal.value
    assert signal.evidence["window"] == {"start": "2026-03-25T09:00:00Z", "end": "2026-03-25T10:00:00Z"}
    assert signal.evidence["baseline"]["method"] == "hour-of-week"
    assert signal.evidence["contributors"]["model"][0]["model"] == "gpt-4o"
    assert signal.evidence["contributors"]["feature"][0] == {
        "feature": "agent", "spend_usd": "30.00000000001", "expected_usd": "0", "excess_usd": "30.00000000001"}
    assert signal.evidence["top_users"][0] == {"user": "u-9", "spend_usd": "30.00000000001"}
    assert [s.labels for s in model_signals] == [{"model": "gpt-4o"}]


def test_budgets_read_the_rollup_or_the_cost_rows_for_users(shared_store):
    now = utc(2026, 4, 20, 12, 30)
    rows = [{"timestamp": utc(2026, 3, 20, 10) + timedelta(days=d), "span_id": f"d{d}", "project": "p-budget",
             "team": "t-budget", "user_id": "u-budget", "cost_total": "100"} for d in range(32)]
    insert_costs(shared_store, rows, now)
    budgets = [{"name": "team-over", "scope": "team", "value": "t-budget", "monthly": "1500"},
               {"name": "team-pace", "scope": "team", "value": "t-budget", "monthly": "2500"},
               {"name": "user-over", "scope": "user", "value": "u-budget", "monthly": "1000", "soft": "0.5"},
               {"name": "nobody", "scope": "project", "value": "p-none", "monthly": "10"}]
    rules = [budget.DETECTOR.params({"budgets": budgets, "check": check}) for check in ("hard", "forecast", "soft")]
    hard, forecast, soft = run_rules(budget.DETECTOR, shared_store, rules, now)

    assert [(s.labels, s.value, s.threshold) for s in hard] == [
        ({"budget": "team-over", "scope": "team", "team": "t-budget"}, 2000.0, 1500.0),
        ({"budget": "user-over", "scope": "user", "user": "u-budget"}, 2000.0, 1000.0)]
    assert hard[0].evidence["month_to_date"] == "2000.00" and hard[0].evidence["state"] == "hard"
    # $100 a day: about $3,000 by the 30th, over both team budgets; the forecast of the $10 one has no spend.
    assert [s.labels["budget"] for s in forecast] == ["team-over", "team-pace", "user-over"]
    assert Decimal(forecast[1].evidence["forecast_month_end"]) == pytest.approx(Decimal(3000), rel=Decimal("0.02"))
    assert [s.labels["budget"] for s in soft] == ["team-over", "team-pace", "user-over"]


def test_unpriced_calls_are_named_by_model_with_their_reason(shared_store):
    now = utc(2026, 11, 3, 9, 0)
    reason = "no price entry for openai model gpt-9: add one with provider: openai, models: [gpt-9]"
    rows = [{"timestamp": now - timedelta(minutes=m), "span_id": f"u{m}", "project": "p-unpriced", "model": "gpt-9",
             "priced": False, "reason": reason, "cost_total": None} for m in (5, 15, 25)]
    rows.append({"timestamp": now - timedelta(hours=2), "span_id": "old", "project": "p-unpriced", "model": "gpt-8",
                 "priced": False, "reason": reason, "cost_total": None})
    rows.append({"timestamp": now - timedelta(minutes=5), "span_id": "ok", "project": "p-unpriced",
                 "cost_total": "0.01"})
    insert_costs(shared_store, rows, now)
    [signals] = run_rules(unpriced.DETECTOR, shared_store,
                          [unpriced.DETECTOR.params({"where": {"project": ["p-unpriced"]}})], now)

    [signal] = signals
    assert signal.labels == {"provider": "openai", "model": "gpt-9"}
    assert (signal.value, signal.threshold) == (3.0, 1.0)
    assert signal.evidence["reasons"] == [reason] and signal.evidence["services"] == ["chat-api"]
    assert signal.evidence["first_seen"] == "2026-11-03T08:35:00Z"
