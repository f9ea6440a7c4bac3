"""budget on synthetic hourly spend: forecast, soft and hard checks, complete hours only, nothing without budgets."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone
from decimal import Decimal

import pytest

from detectors import budget
from tests.helpers.synthetic_costs import hourly_scope_frame

D = budget.DETECTOR
START = datetime(2026, 9, 1, tzinfo=timezone.utc)
FRAME = hourly_scope_frame("team", "search", [100.0] * 61, START, seed=3)   # $100 a day, September and October
BUDGET = {"name": "search", "scope": "team", "value": "search", "monthly": "3500", "soft": "0.5"}


def at(day: int, hour: int = 0, minute: int = 0) -> datetime:
    return datetime(2026, 10, day, hour, minute, tzinfo=timezone.utc)


def crossing(threshold: Decimal) -> datetime:
    """The end of the hour in which October's spend reached `threshold`."""
    total = Decimal(0)
    for time, cost in FRAME.filter(FRAME["time"] > at(1)).sort("time").select("time", "cost").iter_rows():
        total += cost
        if total >= threshold:
            return time
    raise AssertionError("never crossed")


@pytest.mark.parametrize("check, monthly", [("soft", "3500"), ("hard", "1000")])
def test_month_to_date_counts_complete_hours_and_fires_from_the_crossing(check, monthly):
    params = D.params({"budgets": [{**BUDGET, "monthly": monthly}], "check": check})
    threshold = Decimal(monthly) * (Decimal("0.5") if check == "soft" else 1)
    crossed = crossing(threshold)
    assert D.detect(FRAME, params, crossed - timedelta(minutes=1)) == []   # that hour is not complete yet
    [signal] = D.detect(FRAME, params, crossed + timedelta(minutes=1))
    assert signal.labels == {"budget": "search", "scope": "team", "team": "search"}
    assert signal.threshold == float(threshold) and signal.value >= signal.threshold
    assert signal.evidence["as_of"] == crossed.isoformat().replace("+00:00", "Z")
    assert signal.evidence["state"] == check


def test_the_forecast_warns_weeks_ahead_once_it_has_history():
    ahead = D.params({"budgets": [{**BUDGET, "monthly": "2900"}]})   # the month will cost $3,100
    [signal] = D.detect(FRAME, ahead, at(5))
    assert signal.value == pytest.approx(3100, rel=0.02) and signal.threshold == 2900.0
    assert signal.evidence["forecast_state"] == "hard" and signal.evidence["state"] == "ok"
    assert D.detect(FRAME, D.params({"budgets": [{**BUDGET, "monthly": "3300"}]}), at(5)) == []
    no_history = FRAME.filter(FRAME["time"] > at(3))
    assert D.detect(no_history, ahead, at(5)) == []   # two days of history: not trusted yet


def test_rules_share_the_budgets_of_all_and_no_budget_means_no_query_and_no_signal():
    a, b = D.params({"budgets": [BUDGET]}), D.params({"budgets": [{**BUDGET, "name": "other"}], "check": "hard"})
    assert [x.name for x in D.merge_params([a, b]).budgets] == ["search", "other"]
    assert D.series(None, D.params({}), at(1), at(2)).is_empty()   # never touches the store
    with pytest.raises(ValueError, match="soft threshold 2 is above hard threshold 1"):
        D.params({"budgets": [{**BUDGET, "soft": "2"}]})
