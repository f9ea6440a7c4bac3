"""The month-end forecast on synthetic series whose true month-end is known."""

from __future__ import annotations

import random
from datetime import date, datetime, timedelta, timezone
from decimal import Decimal

import pytest

from pipelines.costs.budgets import Budget, evaluate, state_of
from pipelines.costs.forecast import forecast_month_end, weekday_factors

WEEK = [Decimal(x) for x in ("1.3", "1.3", "1.2", "1.2", "1.1", "0.45", "0.45")]  # Mon..Sun, mean 1


def series(start: date, end: date, base: Decimal, slope: Decimal, noise: float = 0.0, seed: int = 0):
    rng = random.Random(seed)
    out = {}
    for i in range((end - start).days + 1):
        d = start + timedelta(days=i)
        jitter = Decimal(str(round(1 + rng.uniform(-noise, noise), 4)))
        out[d] = ((base + slope * i) * WEEK[d.weekday()] * jitter).quantize(Decimal("0.0001"))
    return out


def error(forecast: Decimal, truth: Decimal) -> Decimal:
    return abs(forecast - truth) / truth


@pytest.mark.parametrize("noise", [0.0, 0.1])
def test_seasonal_trend_forecast_is_close_to_the_known_month_end(noise):
    truth_days = series(date(2026, 10, 1), date(2026, 11, 30), Decimal(100), Decimal(2), noise)
    now = datetime(2026, 11, 12, 0, 0, tzinfo=timezone.utc)  # the 12th has not started: no partial day
    known = {d: v for d, v in truth_days.items() if d < now.date()}
    truth = sum((v for d, v in truth_days.items() if d.month == 11), Decimal(0))
    f = forecast_month_end(known, now)
    assert f.method == "seasonal-trend" and f.history_days == 28
    assert error(f.month_end, truth) < (Decimal("0.01") if noise == 0 else Decimal("0.05"))


def test_seasonality_beats_a_straight_line_after_a_weekend():
    truth_days = series(date(2026, 10, 1), date(2026, 11, 30), Decimal(100), Decimal(0))
    now = datetime(2026, 11, 9, 0, 0, tzinfo=timezone.utc)  # a Monday, after a cheap weekend
    known = {d: v for d, v in truth_days.items() if d < now.date()}
    truth = sum((v for d, v in truth_days.items() if d.month == 11), Decimal(0))
    mtd = sum((v for d, v in known.items() if d.month == 11), Decimal(0))
    naive = mtd / 8 * 30
    assert error(forecast_month_end(known, now).month_end, truth) < error(naive, truth) / 2


def test_partial_today_and_short_histories():
    now = datetime(2026, 11, 3, 12, 0, tzinfo=timezone.utc)
    daily = {date(2026, 11, 1): Decimal(10), date(2026, 11, 2): Decimal(10), date(2026, 11, 3): Decimal(5)}
    f = forecast_month_end(daily, now)
    # Two complete days at 10 a day: flat; half of today left (5) + 27 more days (270).
    assert f.method == "flat" and f.month_to_date == Decimal("25.00") and f.month_end == Decimal("300.00")
    assert forecast_month_end({}, now).method == "none"


def test_weekday_factors_average_to_one():
    days = series(date(2026, 10, 5), date(2026, 11, 1), Decimal(50), Decimal(0))
    factors = weekday_factors(days)
    assert abs(sum(factors.values()) / 7 - 1) < Decimal("0.0001")
    assert factors[0] > factors[6]


def test_budget_states_from_spend_and_forecast():
    b = Budget(name="ml", scope="team", value="ml", monthly=Decimal(1000))
    assert [state_of(Decimal(x), b) for x in ("799.99", "800", "1000")] == ["ok", "soft", "hard"]
    now = datetime(2026, 11, 16, 0, 0, tzinfo=timezone.utc)
    daily = {date(2026, 11, 1) + timedelta(days=i): Decimal(40) for i in range(15)}  # 600 by the 15th
    out = evaluate(b, daily, now)
    assert out.month_to_date == Decimal("600.00") and out.state == "ok"
    assert out.forecast_month_end == Decimal("1200.00") and out.forecast_state == "hard"
    assert (out.used, out.remaining, out.forecast_method) == (Decimal("0.6000"), Decimal(400), "seasonal-trend")
    with pytest.raises(ValueError, match="soft"):
        Budget(name="x", scope="team", value="t", monthly=Decimal(1), soft=Decimal(2), hard=Decimal(1))
