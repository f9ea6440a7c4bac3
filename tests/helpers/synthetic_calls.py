"""Synthetic LLM-call series shaped like the call detectors' frames (latency histograms, calls and errors
per minute), with injected regressions and incidents; and the scenarios that score those detectors.

Traffic follows the day (nights at 30 %), call counts are Poisson, latencies log-normal (the
histogram bins are the query's: floor(log2(ms) x 16)). Seeded: same arguments, same frame.
"""

from __future__ import annotations

import math
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone

import numpy as np
import polars as pl

from detectors import burn_rate, latency
from detectors.durations import format_duration
from store.queries.detectors_calls import BINS_PER_OCTAVE
from tests.helpers.backtest import Event, Scenario, steps

START = datetime(2026, 11, 2, tzinfo=timezone.utc)
MINUTE = timedelta(minutes=1)
STEP = timedelta(minutes=5)


def traffic(at: datetime) -> float:
    """Share of peak traffic at `at`: 30 % at night, 100 % mid-afternoon."""
    return 0.3 + 0.7 * max(0.0, math.sin(math.pi * (at.hour + at.minute / 60 - 6) / 18)) if 6 <= at.hour else 0.3


@dataclass(frozen=True)
class Slow:
    """Latencies of calls in [start, start + duration) multiplied by `factor`."""

    start: datetime
    duration: timedelta
    factor: float

    def at(self, t: datetime) -> float:
        return self.factor if self.start <= t < self.start + self.duration else 1.0


@dataclass(frozen=True)
class Model:
    provider: str
    model: str
    median_ms: float
    calls_per_step: float            # at peak traffic
    sigma: float = 0.5
    slow: tuple[Slow, ...] = ()
    drift_per_day: float = 0.0       # latency growth, compounded


def histogram_frame(models: Iterable[Model], buckets: int, seed: int, start: datetime = START) -> pl.DataFrame:
    """Calls per 5-minute bucket (time = its end), provider, model and latency bin."""
    rng = np.random.default_rng(seed)
    rows = []
    for m in models:
        for b in range(buckets):
            at = start + b * STEP
            n = rng.poisson(m.calls_per_step * traffic(at))
            factor = math.prod(s.at(at) for s in m.slow) * (1 + m.drift_per_day) ** (b * 5 / 1440)
            ms = rng.lognormal(math.log(m.median_ms * factor), m.sigma, n)
            bins, counts = np.unique(np.floor(np.log2(np.maximum(ms, 1e-6)) * BINS_PER_OCTAVE), return_counts=True)
            rows += [(at + STEP, m.provider, m.model, int(k), int(c)) for k, c in zip(bins, counts, strict=True)]
    return pl.DataFrame(rows, schema={"time": pl.Datetime("us", "UTC"), "provider": pl.String, "model": pl.String,
                                      "bin": pl.Int32, "calls": pl.Int64}, orient="row")


@dataclass(frozen=True)
class Service:
    name: str
    calls_per_minute: float          # at peak traffic
    error_rate: float
    incidents: tuple[tuple[datetime, timedelta, float], ...] = ()   # (start, duration, error rate)

    def rate(self, t: datetime) -> float:
        return next((r for s, d, r in self.incidents if s <= t < s + d), self.error_rate)


def error_frame(services: Iterable[Service], minutes: int, seed: int, start: datetime = START) -> pl.DataFrame:
    """Calls and errors per minute (time = its end) and service; minutes without calls have no row."""
    rng = np.random.default_rng(seed)
    rows = []
    for s in services:
        times = [start + i * MINUTE for i in range(minutes)]
        calls = rng.poisson([s.calls_per_minute * traffic(t) for t in times])
        errors = rng.binomial(calls, [s.rate(t) for t in times])
        rows += [(t + MINUTE, s.name, int(c), int(e)) for t, c, e in zip(times, calls, errors, strict=True) if c]
    return pl.DataFrame(rows, schema={"time": pl.Datetime("us", "UTC"), "service": pl.String, "calls": pl.Int64,
                                      "errors": pl.Int64}, orient="row")


def _at(day: int, hour: int, minute: int = 0) -> datetime:
    return START + timedelta(days=day, hours=hour, minutes=minute)


def latency_scenarios() -> list[Scenario]:
    """Three days of 5-minute histograms; the last two judged every 5 minutes."""
    h, m = timedelta(hours=1), timedelta(minutes=20)
    duration = [Model("openai", "gpt-4o", 800, 60, slow=(Slow(_at(1, 14), 2 * h, 2),), drift_per_day=0.12),
                Model("anthropic", "claude-sonnet-4-5", 1500, 40, slow=(Slow(_at(2, 10), m, 3),)),
                Model("vllm", "llama-3.1-8b", 300, 4, slow=(Slow(_at(2, 3), 3 * h, 4),))]
    ttft = [Model("openai", "gpt-4o", 300, 60, sigma=0.4, slow=(Slow(_at(1, 20), h, 2.5),)),
            Model("anthropic", "claude-sonnet-4-5", 600, 40, sigma=0.4, slow=(Slow(_at(2, 15), 2 * h, 1.8),))]
    judged = steps(_at(1, 0, 5), _at(3, 0), STEP)
    scenarios = []
    for detector, models, drift in ((latency.LATENCY, duration, "12 %/day slow drift, "), (latency.TTFT, ttft, "")):
        events = [Event({"model": x.model}, s.start, s.start + s.duration) for x in models for s in x.slow
                  if x.calls_per_step >= 10]
        slow = [s for x in models for s in x.slow if x.calls_per_step >= 10]
        name = (f"{' and '.join(f'x{s.factor:g} for {format_duration(s.duration)}' for s in slow)} regressions "
                f"on diurnal traffic; {drift}nights at 30 %"
                + (", a 4-call/5 min model slowing x4 (too few calls to judge)" if detector is latency.LATENCY else ""))
        scenarios.append(Scenario(name, detector, detector.params({}), histogram_frame(models, 3 * 288, seed=7),
                                  judged, events, 35 * MINUTE))
    return scenarios


def burn_rate_scenarios() -> list[Scenario]:
    """Six days of minutes; the last three judged every 5 minutes against a 99 % objective."""
    chat = Service("chat-api", 200, 0.003, ((_at(3, 14), timedelta(minutes=45), 0.3),
                                            (_at(4, 20), timedelta(hours=10), 0.08),
                                            (_at(5, 9), timedelta(minutes=2), 0.5)))
    batch = Service("batch-api", 20, 0.005, ((_at(4, 0), timedelta(hours=36), 0.022),))
    tiny = Service("tiny-api", 0.1, 0.005)
    events = [Event({"service": s.name}, start, start + length) for s in (chat, batch)
              for start, length, rate in s.incidents if length >= timedelta(minutes=30)]
    return [Scenario("99 % SLO: 45 min at 30 % errors, 10 h at 8 %, 36 h at 2.2 % (slow burn); a 2 min blip at "
                     "50 % and a 1-call/10 min service at 0.5 % beside them", burn_rate.DETECTOR,
                     burn_rate.DETECTOR.params({}), error_frame((chat, batch, tiny), 6 * 1440, seed=3),
                     steps(_at(3, 0, 5), _at(6, 0), STEP), events, timedelta(hours=6))]
