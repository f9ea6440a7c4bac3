"""Backtests of detectors on synthetic series with injected anomalies: precision and recall.

A scenario is a frame shaped like the detector's `series`, the params of one rule, the times
to evaluate at, and the injected anomalies (`Event`: which series, from when to when). `detect`
runs at every step over the whole frame (it reads only rows up to `now`), as a backtest of the
alert engine would. Consecutive firing steps of one label set make an *episode* (one page):
- an episode is a true positive when it overlaps an event of its series, extended by `grace`
  (the detector's inherent delay: a window must fill, an hour must complete);
- an event is detected (recall) when some step inside it (plus grace) fired for its series.
Precision = true episodes / episodes; recall = detected events / events. Delay is the time from
an event's start to its first firing step.
"""

from __future__ import annotations

import statistics
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

import polars as pl

from detectors.base import Detector


@dataclass(frozen=True)
class Event:
    """An injected anomaly: the series it is in (labels a signal must carry) and when it is anomalous."""

    labels: dict[str, str]
    start: datetime
    end: datetime

    def covers(self, labels: dict[str, str], at: datetime, grace: timedelta) -> bool:
        return self.labels.items() <= labels.items() and self.start <= at <= self.end + grace


@dataclass(frozen=True)
class Scenario:
    name: str
    detector: Detector[Any]
    params: Any
    frame: pl.DataFrame
    steps: list[datetime]
    events: list[Event]
    grace: timedelta
    notes: str = ""


@dataclass
class Score:
    scenario: Scenario
    episodes: int = 0
    true_episodes: int = 0
    detected: int = 0
    delays: list[timedelta] = field(default_factory=list)

    @property
    def precision(self) -> float | None:
        return self.true_episodes / self.episodes if self.episodes else None

    @property
    def recall(self) -> float | None:
        return self.detected / len(self.scenario.events) if self.scenario.events else None


def steps(start: datetime, end: datetime, every: timedelta) -> list[datetime]:
    out, at = [], start
    while at <= end:
        out.append(at)
        at += every
    return out


def firing(s: Scenario) -> dict[tuple, list[datetime]]:
    """Label set -> the steps at which it fired."""
    fired: dict[tuple, list[datetime]] = {}
    for now in s.steps:
        for signal in s.detector.detect(s.frame, s.params, now):
            fired.setdefault(tuple(sorted(signal.labels.items())), []).append(now)
    return fired


def score(s: Scenario) -> Score:
    result = Score(s)
    fired = firing(s)
    index = {now: i for i, now in enumerate(s.steps)}
    for key, times in fired.items():
        labels = dict(key)
        runs: list[list[datetime]] = []
        for t in times:
            if runs and index[t] == index[runs[-1][-1]] + 1:
                runs[-1].append(t)
            else:
                runs.append([t])
        result.episodes += len(runs)
        result.true_episodes += sum(any(e.covers(labels, t, s.grace) for t in run for e in s.events) for run in runs)
    for event in s.events:
        hits = [t for key, times in fired.items() for t in times if event.covers(dict(key), t, s.grace)]
        if hits:
            result.detected += 1
            result.delays.append(min(hits) - event.start)
    return result


def _fmt(value: float | None) -> str:
    return "n/a" if value is None else f"{value:.2f}"


def _delay(delays: list[timedelta]) -> str:
    if not delays:
        return "n/a"
    minutes = statistics.median(d.total_seconds() for d in delays) / 60
    return f"{minutes / 60:.1f} h" if minutes >= 120 else f"{minutes:.0f} min"


def table(scores: list[Score]) -> str:
    """The markdown table docs/detectors.md publishes."""
    lines = ["| detector | scenario | steps | events | episodes | precision | recall | median delay |",
             "|---|---|---|---|---|---|---|---|"]
    for r in scores:
        s = r.scenario
        lines.append(f"| `{s.detector.name}` | {s.name} | {len(s.steps)} | {len(s.events)} | {r.episodes} | "
                     f"{_fmt(r.precision)} | {_fmt(r.recall)} | {_delay(r.delays)} |")
    return "\n".join(lines)
