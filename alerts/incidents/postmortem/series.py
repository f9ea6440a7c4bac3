"""The post-mortem's charts' data: which stretch of time they cover, in buckets of what size, and the numbers of
every bucket (pure; the rows come from store/queries/incident_impact.py).

The charts show the incident window (started -> resolved, or -> now while it is not resolved) with a margin on
both sides, so the reader sees what normal looked like before and after: a quarter of the window, at least half
an hour. The bucket is the smallest of a fixed ladder that keeps the chart at no more than 120 points, and the
edges fall on whole buckets (as ClickHouse's `toStartOfInterval` counts them, from the epoch), so the same
incident always asks for the same buckets. Buckets without calls are zeros (no p95: there was no call).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from decimal import Decimal
from typing import Any

MIN_MARGIN = timedelta(minutes=30)
STEPS = (60, 120, 300, 600, 900, 1800, 3600, 7200, 10800, 21600, 43200, 86400)  # seconds
MAX_BUCKETS = 120
_EPOCH = datetime(1970, 1, 1, tzinfo=timezone.utc)


@dataclass(frozen=True)
class ChartWindow:
    since: datetime
    until: datetime
    step_seconds: int

    @property
    def starts(self) -> list[datetime]:
        """The start of every bucket in [since, until)."""
        step = timedelta(seconds=self.step_seconds)
        return [self.since + i * step for i in range(int((self.until - self.since) / step))]


@dataclass(frozen=True)
class Bucket:
    start: datetime
    requests: int = 0
    errors: int = 0
    p95_ms: float | None = None
    cost_usd: Decimal = Decimal(0)


@dataclass(frozen=True)
class Series:
    window: ChartWindow
    buckets: tuple[Bucket, ...]


def chart_window(started: datetime, ended: datetime) -> ChartWindow:
    """The stretch the charts cover for an incident from `started` to `ended`, on whole buckets."""
    ended = max(ended, started)
    margin = max(MIN_MARGIN, (ended - started) / 4)
    for step in STEPS:
        window = ChartWindow(_floor(started - margin, step), _ceil(ended + margin, step), step)
        if (window.until - window.since).total_seconds() / step <= MAX_BUCKETS:
            break
    return window


def _floor(at: datetime, step: int) -> datetime:
    return _EPOCH + timedelta(seconds=(at - _EPOCH).total_seconds() // step * step)


def _ceil(at: datetime, step: int) -> datetime:
    floor = _floor(at, step)
    return floor if floor == at else floor + timedelta(seconds=step)


def series(window: ChartWindow, calls: Iterable[Mapping[str, Any]], spend: Iterable[Mapping[str, Any]]) -> Series:
    """Every bucket of `window`, from the per-bucket rows of calls (requests, errors, p95_ms) and spend
    (cost_usd); a bucket without rows is zeros."""
    by_start = {row["bucket"]: row for row in calls}
    cost = {row["bucket"]: Decimal(row["cost_usd"]) for row in spend}
    buckets = []
    for start in window.starts:
        row = by_start.get(start, {})
        buckets.append(Bucket(start, int(row.get("requests", 0)), int(row.get("errors", 0)), row.get("p95_ms"),
                              cost.get(start, Decimal(0))))
    return Series(window, tuple(buckets))
