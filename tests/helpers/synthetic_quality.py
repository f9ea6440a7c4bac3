"""Synthetic quality-score counts shaped like the `quality_drop` frame (per 5-minute bucket, source, score and
series), with injected drops; and the scenarios that score the detector on each metric."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta, timezone

import numpy as np
import polars as pl

from detectors import quality
from tests.helpers.backtest import Event, Scenario, steps
from tests.helpers.synthetic_calls import traffic

DAY0 = datetime(2026, 11, 9, tzinfo=timezone.utc)
STEP = timedelta(minutes=5)
SCHEMA = {"time": pl.Datetime("us", "UTC"), "source": pl.String, "score": pl.String, "service": pl.String,
          "model": pl.String, "count": pl.Int64, "good": pl.Int64, "valued": pl.Int64, "value_sum": pl.Float64,
          "value_sumsq": pl.Float64}


@dataclass(frozen=True)
class Stream:
    """Scores of one (source, name, service, model): `per_step` at peak traffic, good with probability `good`
    (or values ~ N(mean, 0.15) clipped to [0, 1], good when >= 0.5), `drops` override it for a while."""

    source: str
    score: str
    service: str
    model: str
    per_step: float
    good: float | None = None
    mean: float | None = None
    drops: tuple[tuple[datetime, timedelta, float], ...] = ()
    decline_per_day: float = 0.0

    def level(self, t: datetime) -> float:
        base = self.good if self.good is not None else self.mean
        assert base is not None
        base -= self.decline_per_day * (t - DAY0) / timedelta(days=1)
        return next((v for s, d, v in self.drops if s <= t < s + d), base)


def score_frame(streams: list[Stream], days: int, seed: int) -> pl.DataFrame:
    rng = np.random.default_rng(seed)
    rows = []
    for s in streams:
        for b in range(days * 288):
            t = DAY0 + b * STEP
            n = int(rng.poisson(s.per_step * traffic(t)))
            if not n:
                continue
            if s.good is not None:
                good = int(rng.binomial(n, s.level(t)))
                rows.append((t + STEP, s.source, s.score, s.service, s.model, n, good, n, float(good), float(good)))
            else:
                values = np.clip(rng.normal(s.level(t), 0.15, n), 0, 1)
                rows.append((t + STEP, s.source, s.score, s.service, s.model, n, int((values >= 0.5).sum()), n,
                             float(values.sum()), float((values ** 2).sum())))
    return pl.DataFrame(rows, schema=SCHEMA, orient="row")


def _at(hour: float) -> datetime:
    return DAY0 + timedelta(days=7, hours=hour)


def quality_scenarios() -> list[Scenario]:
    """Eight days of 5-minute counts; the last day judged every 5 minutes, for each metric."""
    h = timedelta(hours=1)
    streams = [
        Stream("eval", "correctness", "chat-api", "gpt-4o", 20, good=0.9, drops=((_at(10), 3 * h, 0.72),)),
        Stream("eval", "correctness", "search", "claude", 2, good=0.85),
        Stream("eval", "relevance", "search", "claude", 10, mean=0.8, decline_per_day=0.01,
               drops=((_at(9), 2 * h, 0.6),)),
        Stream("feedback", "thumbs", "chat-api", "gpt-4o", 6, good=0.95, drops=((_at(15), 4 * h, 0.75),)),
    ]
    frame = score_frame(streams, 8, seed=23)
    judged = steps(_at(0) + STEP, _at(24), STEP)

    def events(source: str, score: str) -> list[Event]:
        return [Event({"model": s.model, "score": s.score}, start, start + length) for s in streams
                if s.source == source and s.score == score for start, length, _ in s.drops]

    return [
        Scenario("pass rate 0.90 -> 0.72 for 3 h on 20 evals/5 min; a noisy 2-eval/5 min series at 0.85 "
                 "beside it", quality.DETECTOR, quality.DETECTOR.params({"scores": ["correctness"]}), frame,
                 judged, events("eval", "correctness"), timedelta(hours=1)),
        Scenario("mean score 0.80 -> 0.60 for 2 h; a slow decline of 0.01/day", quality.DETECTOR,
                 quality.DETECTOR.params({"metric": "mean_score", "scores": ["relevance"]}), frame, judged,
                 events("eval", "relevance"), timedelta(hours=1)),
        Scenario("negative feedback 5 % -> 25 % for 4 h on 6 ratings/5 min", quality.DETECTOR,
                 quality.DETECTOR.params({"metric": "negative_feedback_rate"}), frame, judged,
                 events("feedback", "thumbs"), timedelta(hours=1)),
    ]
