"""Synthetic spend, shaped like the cost detectors' frames, with anomalies injected; and the scenarios
that score the cost, budget and unpriced-model detectors (tests/helpers/backtest.py).

Hourly spend of a series is `peak` x a day curve (low at night, high in the afternoon) x a week
curve (weekends at 35 %) x a trend x log-normal noise, split over models and features by fixed
shares. Injections multiply chosen hours of one model. Seeded: the same arguments give the same frame.
"""

from __future__ import annotations

import math
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime, timedelta, timezone
from decimal import Decimal

import numpy as np
import polars as pl

from detectors import budget, cost_anomaly, unpriced
from pipelines.costs.budgets import Budget
from tests.helpers.backtest import Event, Scenario, steps

HOUR = timedelta(hours=1)
MINUTE = timedelta(minutes=1)
START = datetime(2026, 9, 7, tzinfo=timezone.utc)  # a Monday
COST_SCHEMA = {"time": pl.Datetime("us", "UTC"), "project": pl.String, "model": pl.String, "feature": pl.String,
               "user": pl.String, "cost": pl.Float64}


def day_curve(hour: int) -> float:
    return 1 + 0.6 * math.sin(2 * math.pi * (hour - 8) / 24)


def week_curve(weekday: int) -> float:
    return 0.35 if weekday >= 5 else 1.0


@dataclass(frozen=True)
class Injection:
    """Multiply `model`'s spend by `factor` for the hours in [start, start + hours)."""

    start: datetime
    hours: int
    factor: float
    model: str = "gpt-4o"

    def applies(self, at: datetime, model: str) -> bool:
        return model == self.model and self.start <= at < self.start + self.hours * HOUR


@dataclass(frozen=True)
class Spend:
    """One project's spend: level, shape and what is injected into it."""

    project: str
    peak: float
    noise: float = 0.12
    growth_per_day: float = 0.0
    models: dict[str, float] = field(default_factory=lambda: {"gpt-4o": 0.6, "gpt-4o-mini": 0.4})
    features: dict[str, float] = field(default_factory=lambda: {"answer": 0.7, "summarise": 0.3})
    injections: tuple[Injection, ...] = ()
    outages: tuple[tuple[datetime, int], ...] = ()   # (start, hours) with no spend at all

    def silent(self, at: datetime) -> bool:
        return any(s <= at < s + h * HOUR for s, h in self.outages)


def spend_frame(series: Iterable[Spend], hours: int, seed: int, start: datetime = START) -> pl.DataFrame:
    """Rows (time = the hour's end, project, model, feature, user null, cost Decimal) for `hours` hours."""
    rng = np.random.default_rng(seed)
    rows = []
    for s in series:
        for h in range(hours):
            at = start + h * HOUR
            level = (s.peak * day_curve(at.hour) * week_curve(at.weekday()) * (1 + s.growth_per_day) ** (h / 24))
            for model, share in s.models.items():
                noise = rng.lognormal(0, s.noise)
                factor = math.prod(i.factor for i in s.injections if i.applies(at, model))
                for feature, part in s.features.items():
                    cost = 0.0 if s.silent(at) else level * share * part * noise * factor
                    rows.append((at + HOUR, s.project, model, feature, None, round(cost, 6)))
    frame = pl.DataFrame(rows, schema=COST_SCHEMA, orient="row")
    return frame.with_columns(pl.col("cost").cast(pl.Decimal(38, 12)))


def hourly_scope_frame(scope: str, value: str, daily: list[float], start: datetime, seed: int) -> pl.DataFrame:
    """A budget scope's spend per hour (the budget detector's frame): each day's total spread over its hours
    by the day curve, with a little noise."""
    rng = np.random.default_rng(seed)
    weights = [day_curve(h) for h in range(24)]
    rows = []
    for d, total in enumerate(daily):
        parts = np.array(weights) * rng.lognormal(0, 0.05, 24)
        for h, part in enumerate(parts / parts.sum()):
            rows.append((start + timedelta(days=d, hours=h + 1), value, round(total * part, 6), scope))
    frame = pl.DataFrame(rows, schema={"time": pl.Datetime("us", "UTC"), "value": pl.String, "cost": pl.Float64,
                                       "scope": pl.String}, orient="row")
    return frame.with_columns(pl.col("cost").cast(pl.Decimal(38, 12)))


def unpriced_frame(minutes: list[tuple[datetime, str, str, int]]) -> pl.DataFrame:
    """Unpriced calls per minute: (minute end, provider, model, calls)."""
    rows = [(t, "p", "chat-api", provider, model, f"no price entry for {provider} model {model}", calls,
             t - timedelta(seconds=50), t - timedelta(seconds=5)) for t, provider, model, calls in minutes]
    return pl.DataFrame(rows, schema={"time": pl.Datetime("us", "UTC"), "project": pl.String, "service": pl.String,
                                      "provider": pl.String, "model": pl.String, "reason": pl.String,
                                      "calls": pl.Int64, "first_seen": pl.Datetime("us", "UTC"),
                                      "last_seen": pl.Datetime("us", "UTC")}, orient="row")


def _day(d: int, hour: int = 0) -> datetime:
    return START + timedelta(days=d, hours=hour)


def cost_scenarios() -> list[Scenario]:
    """Six weeks of hourly spend, the last two judged every hour."""
    search = Spend("search", 40, injections=(Injection(_day(30, 14), 1, 5), Injection(_day(33, 11), 2, 3),
                                              Injection(_day(36, 3), 1, 4)))
    chat = Spend("chat", 150, injections=(Injection(_day(38, 9), 24, 2.2),))
    growing = Spend("agents", 60, growth_per_day=0.01, outages=((_day(34, 10), 8),))
    tiny = Spend("tiny", 0.3, injections=(Injection(_day(31, 15), 2, 20),))
    events = [Event({"project": p}, i.start, i.start + i.hours * HOUR) for p, s in (("search", search), ("chat", chat))
              for i in s.injections]
    params = cost_anomaly.DETECTOR.params({})
    every_hour = steps(_day(28, 0) + timedelta(minutes=5), _day(42, 0), HOUR)
    noisy = Spend("noisy", 30, noise=0.35, injections=tuple(Injection(_day(29 + 2 * k, 10 + k), 1, 2.5)
                                                            for k in range(6)))
    noisy_events = [Event({"project": "noisy"}, i.start, i.start + HOUR) for i in noisy.injections]
    return [
        Scenario("spikes (x2-x3.4 for 1-2 h) and a 24 h step (x1.7) on seasonal spend with 12 % noise; 1 %/day "
                 "growth, an 8 h outage and a $0.30/h project spiking x20 beside them", cost_anomaly.DETECTOR, params,
                 spend_frame([search, chat, growing, tiny], 42 * 24, seed=13), every_hour, events, 70 * MINUTE),
        Scenario("six 1 h spikes (x1.9) on spend with 35 % noise", cost_anomaly.DETECTOR, params,
                 spend_frame([noisy], 42 * 24, seed=29), every_hour, noisy_events, 70 * MINUTE),
    ]


def budget_scenarios() -> list[Scenario]:
    """September as history, October judged every six hours: one budget that trends over, one that spikes
    over late, one that stays under."""
    start = datetime(2026, 9, 1, tzinfo=timezone.utc)
    october = datetime(2026, 10, 1, tzinfo=timezone.utc)
    end = datetime(2026, 11, 1, tzinfo=timezone.utc)
    days = (end - start).days

    def weekly(d: int, level: float) -> float:
        return level * week_curve((start + timedelta(days=d)).weekday())

    series = {
        "growing": [weekly(d, 100 * 1.02 ** d) for d in range(days)],
        "late-spike": [weekly(d, 100) * (3 if d >= 49 else 1) for d in range(days)],
        "steady": [weekly(d, 100) for d in range(days)],
    }
    frame = pl.concat([hourly_scope_frame("team", name, daily, start, seed=i)
                       for i, (name, daily) in enumerate(series.items())])
    month = {name: sum(daily[30:]) for name, daily in series.items()}
    budgets = [Budget(name=name, scope="team", value=name, monthly=Decimal(round(month[name] / ratio)))
               for name, ratio in (("growing", 1.15), ("late-spike", 1.2), ("steady", 0.8))]
    forecast_events = [Event({"budget": "growing"}, october, end), Event({"budget": "late-spike"}, october + timedelta(days=19), end)]
    hard_events = [Event({"budget": b.name}, _crossing(frame, b, october), end) for b in budgets[:2]]
    every = steps(october + timedelta(hours=6), end - HOUR, timedelta(hours=6))
    hourly = steps(october + HOUR, end - HOUR, HOUR)
    return [
        Scenario("forecast: a team growing 2 %/day to 115 % of its budget, one tripling on the 20th to 120 %, "
                 "one steady at 80 %", budget.DETECTOR, budget.DETECTOR.params({"budgets": budgets}), frame, every,
                 forecast_events, timedelta(0)),
        Scenario("hard threshold crossed, same teams", budget.DETECTOR,
                 budget.DETECTOR.params({"budgets": budgets, "check": "hard"}), frame, hourly, hard_events, HOUR),
    ]


def _crossing(frame: pl.DataFrame, b: Budget, month: datetime) -> datetime:
    """When month-to-date spend of `b` reached its hard threshold (the end of that hour)."""
    rows = frame.filter((pl.col("value") == b.value) & (pl.col("time") > month)).sort("time")
    total = Decimal(0)
    for t, cost in rows.select("time", "cost").iter_rows():
        total += cost
        if total >= b.monthly * b.hard:
            return t
    raise ValueError(f"{b.name} never crosses")


def unpriced_scenarios() -> list[Scenario]:
    day = datetime(2026, 11, 20, tzinfo=timezone.utc)
    burst = [(day + timedelta(hours=10, minutes=m + 1), "openai", "gpt-5-preview", 3) for m in range(30)]
    single = [(day + timedelta(hours=15, minutes=1), "aws.bedrock", "anthropic.claude-9", 1)]
    events = [Event({"model": "gpt-5-preview"}, day + timedelta(hours=10), day + timedelta(hours=10, minutes=30)),
              Event({"model": "anthropic.claude-9"}, day + timedelta(hours=15), day + timedelta(hours=15, minutes=1))]
    return [Scenario("a new model unpriced for 30 min, another for one call", unpriced.DETECTOR,
                     unpriced.DETECTOR.params({}), unpriced_frame(burst + single),
                     steps(day + MINUTE, day + timedelta(days=1), 5 * MINUTE), events, timedelta(hours=1))]
