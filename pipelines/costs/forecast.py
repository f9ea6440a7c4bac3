"""Month-end spend forecast with day-of-week seasonality and a linear trend.

AI spend follows the work week (weekdays cost several times a weekend day) and grows or
shrinks with adoption. A straight-line extrapolation of month-to-date spend is wrong
both ways: after a quiet weekend it under-forecasts, after a busy week it over-forecasts.
So the recent complete days are split into a weekday profile (each weekday's mean over the
overall mean) and a deseasonalised level with a least-squares trend; each remaining day
of the month is forecast as trend x its weekday factor, and today's remaining part by the
share of the day still to come. Exact Decimal arithmetic, quantised at the end.
"""

from __future__ import annotations

import calendar
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from decimal import Decimal
from typing import Literal

ZERO = Decimal(0)
CENT = Decimal("0.01")
# "seasonal-trend"; "trend" with under two weeks of history; "flat" with under three days; "none" without history.
ForecastMethod = Literal["seasonal-trend", "trend", "flat", "none"]


@dataclass(frozen=True)
class Forecast:
    month_to_date: Decimal
    month_end: Decimal
    method: ForecastMethod
    history_days: int


def weekday_factors(days: Mapping[date, Decimal], level: Mapping[date, Decimal] | None = None) -> dict[int, Decimal]:
    """Each weekday's mean ratio of spend to `level` (default: the overall mean), normalised to average 1."""
    overall = sum(days.values(), ZERO) / len(days)
    ratios: dict[int, list[Decimal]] = {wd: [] for wd in range(7)}
    for d, v in days.items():
        base = level[d] if level is not None else overall
        if base > 0:
            ratios[d.weekday()].append(v / base)
    raw = {wd: sum(r, ZERO) / len(r) if r else Decimal(1) for wd, r in ratios.items()}
    mean = sum(raw.values(), ZERO) / 7
    return {wd: f / mean if mean > 0 else Decimal(1) for wd, f in raw.items()}


def _trend(points: list[tuple[int, Decimal]]) -> tuple[Decimal, Decimal]:
    """Least-squares intercept and slope of value over day index."""
    n = Decimal(len(points))
    mean_x = sum((Decimal(x) for x, _ in points), ZERO) / n
    mean_y = sum((y for _, y in points), ZERO) / n
    var = sum(((Decimal(x) - mean_x) ** 2 for x, _ in points), ZERO)
    if var == 0:
        return mean_y, ZERO
    slope = sum(((Decimal(x) - mean_x) * (y - mean_y) for x, y in points), ZERO) / var
    return mean_y - slope * mean_x, slope


def _deseasonalised_trend(history: Mapping[date, Decimal], first: date,
                          factors: Mapping[int, Decimal]) -> tuple[Decimal, Decimal]:
    return _trend([((d - first).days, v / factors[d.weekday()] if factors[d.weekday()] > 0 else v)
                   for d, v in history.items()])


def forecast_month_end(daily: Mapping[date, Decimal], now: datetime, history_days: int = 28) -> Forecast:
    """Month-end spend given spend per UTC day (today's partial included) at `now` (UTC).

    Uses up to `history_days` complete days before today, across month boundaries.
    """
    today = now.date()
    month_start = today.replace(day=1)
    mtd = sum((v for d, v in daily.items() if month_start <= d <= today), ZERO)
    history = {d: v for d, v in daily.items() if today - timedelta(days=history_days) <= d < today}
    first = min(history, default=today)
    history = {first + timedelta(days=i): history.get(first + timedelta(days=i), ZERO)
               for i in range((today - first).days)}  # days without spend are zero, not missing
    last_day = today.replace(day=calendar.monthrange(today.year, today.month)[1])
    if not history:
        return Forecast(mtd.quantize(CENT), mtd.quantize(CENT), "none", 0)
    seasonal = len(history) >= 14
    flat = {wd: Decimal(1) for wd in range(7)}
    factors = weekday_factors(history) if seasonal else flat
    method: ForecastMethod
    if len(history) < 3:
        intercept, slope, method = sum(history.values(), ZERO) / len(history), ZERO, "flat"
    else:
        intercept, slope = _deseasonalised_trend(history, first, factors)
        method = "seasonal-trend" if seasonal else "trend"
        if seasonal:  # second pass: weekday factors against the trend, not the mean, then refit
            level = {d: intercept + slope * (d - first).days for d in history}
            factors = weekday_factors(history, level)
            intercept, slope = _deseasonalised_trend(history, first, factors)

    def expected(d: date) -> Decimal:
        return max(ZERO, (intercept + slope * (d - first).days) * factors[d.weekday()])

    seconds_left = Decimal((datetime.combine(today + timedelta(days=1), datetime.min.time(), now.tzinfo)
                            - now).total_seconds())
    rest_of_today = expected(today) * seconds_left / Decimal(86400)
    remaining = sum((expected(today + timedelta(days=i)) for i in range(1, (last_day - today).days + 1)), ZERO)
    return Forecast(mtd.quantize(CENT), (mtd + rest_of_today + remaining).quantize(CENT), method, len(history))
