"""Test parts for the alert engine's unit tests: a detector over points the test writes (with the shape of
detectors/base.py's Detector) and an outbox that records what it is given."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

import polars as pl

from alerts.model import Notification
from detectors.base import Detector, DetectorParams, Signal

# A sql rule: a service with 3 calls or more in 3 minutes (backtests replay it over inserted calls).
BURST = """rules:
  - name: burst
    sql: |
      SELECT service_name AS service, toFloat64(count()) AS value FROM llm_calls FINAL
      WHERE timestamp > {now:DateTime64(9)} - INTERVAL 3 MINUTE AND timestamp <= {now:DateTime64(9)}
      GROUP BY service_name HAVING value >= 3
"""


class LevelParams(DetectorParams):
    above: float = 0.0
    window_minutes: int = 5
    service: str | None = None


@dataclass
class LevelDetector:
    """Fires per service whose latest point (within the window, at or before now) is above `above`."""

    name: str = "level"
    summary: str = "a test detector"
    points: list[tuple[datetime, str, float]] = field(default_factory=list)
    calls: list[tuple[Any, datetime, datetime]] = field(default_factory=list)
    fail: str = ""
    Params = LevelParams

    def at(self, when: datetime, **levels: float) -> None:
        self.points.extend((when, service, value) for service, value in levels.items())

    def params(self, raw: dict[str, Any] | None) -> LevelParams:
        return Detector.params(self, raw)  # type: ignore[arg-type]  # a real detector's validation and errors

    def lookback(self, params: LevelParams) -> timedelta:
        return timedelta(minutes=params.window_minutes)

    def merge_params(self, params: Sequence[LevelParams]) -> LevelParams:
        return LevelParams(window_minutes=max(p.window_minutes for p in params))

    def series(self, store: Any, params: LevelParams, since: datetime, until: datetime) -> pl.DataFrame:
        self.calls.append((params, since, until))
        if self.fail:
            raise RuntimeError(self.fail)
        rows = [(t, s, v) for t, s, v in self.points if since < t <= until]
        return pl.DataFrame(rows, schema={"time": pl.Datetime("us", "UTC"), "service": pl.String,
                                          "value": pl.Float64}, orient="row")

    def detect(self, frame: pl.DataFrame, params: LevelParams, now: datetime) -> list[Signal]:
        window = frame.filter((pl.col("time") <= now) & (pl.col("time") > now - self.lookback(params)))
        if params.service:
            window = window.filter(pl.col("service") == params.service)
        latest = window.sort("time").group_by("service").last().sort("service")
        return [Signal({"service": row["service"]}, row["value"], params.above, {"points": window.height})
                for row in latest.iter_rows(named=True) if row["value"] > params.above]


@dataclass
class RecordingOutbox:
    """Keeps every notification once per idempotency key, as the real outbox does; can be told to fail."""

    notifications: list[Notification] = field(default_factory=list)
    failures: int = 0

    def enqueue(self, notifications: Sequence[Notification]) -> None:
        if self.failures:
            self.failures -= 1
            raise ConnectionError("outbox store away")
        known = {n.key for n in self.notifications}
        self.notifications.extend(n for n in notifications if n.key not in known)
