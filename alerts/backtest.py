"""Backtest: replay a rule over stored history with the same detectors and the same state machine, sending
nothing, and report when each instance would have been pending and firing.

A detector rule loads its series once for the whole range (plus its look-back) and detects at
every step: `detect` reads only rows up to the step's time, so each step sees what a live
evaluation at that moment would have seen. A `sql:` rule runs its query at every step, with
`{now}` the step's time and `{interval}` the step. Instances go through `state.step` exactly as
in the engine (`for`, `keep_firing_for`, labels, templates); nothing is written or sent.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from alerts.evaluation import Detector, detected, queried, shared_series
from alerts.rules import Rule
from alerts.state import AlertState, Sample, Transition, step
from store.base import Store
from store.errors import BadInput, SpyglassError

MAX_STEPS = 7 * 24 * 60 + 1  # seven days at one minute, both ends included


@dataclass(frozen=True)
class Interval:
    start: datetime
    end: datetime | None  # None: still open when the backtest ended

    def seconds(self, until: datetime) -> float:
        return ((self.end or until) - self.start).total_seconds()


@dataclass
class InstanceReport:
    """One instance over the range: its pending and firing intervals and how often it fired."""

    fingerprint: str
    labels: Mapping[str, str]
    pending: list[Interval] = field(default_factory=list)
    firing: list[Interval] = field(default_factory=list)
    max_value: float | None = None

    @property
    def fired(self) -> int:
        return len(self.firing)

    def firing_seconds(self, until: datetime) -> float:
        return sum(i.seconds(until) for i in self.firing)


@dataclass(frozen=True)
class BacktestReport:
    rule: str
    since: datetime
    until: datetime
    step: timedelta
    evaluations: int
    instances: tuple[InstanceReport, ...]

    @property
    def fired(self) -> int:
        return sum(i.fired for i in self.instances)

    @property
    def firing_seconds(self) -> float:
        return sum(i.firing_seconds(self.until) for i in self.instances)


def steps(since: datetime, until: datetime, every: timedelta) -> list[datetime]:
    """The evaluation times from `since` to `until` (both included when on the grid); refuses an absurd count."""
    if every <= timedelta(0):
        raise BadInput("the step must be more than 0")
    if since >= until:
        raise BadInput(f"since ({since.isoformat()}) must be before until ({until.isoformat()})")
    count = int((until - since) / every) + 1
    if count > MAX_STEPS:
        raise BadInput(f"{count} evaluations is more than {MAX_STEPS}: use a larger step or a shorter range")
    return [since + k * every for k in range(count)]


def _record(reports: dict[str, InstanceReport], edges: list[Transition]) -> None:
    for t in edges:
        report = reports.setdefault(t.fingerprint, InstanceReport(t.fingerprint, dict(t.labels)))
        for status, intervals in (("pending", report.pending), ("firing", report.firing)):
            if t.from_status == status and intervals and intervals[-1].end is None:
                intervals[-1] = Interval(intervals[-1].start, t.at)
            if t.to_status == status:
                intervals.append(Interval(t.at, None))


def replay(rule: Rule, samples_at: Mapping[datetime, tuple[Sample, ...]], since: datetime, until: datetime,
           every: timedelta) -> BacktestReport:
    """The state machine over samples already computed per step (pure: the backtest's core)."""
    states: dict[str, AlertState] = {}
    reports: dict[str, InstanceReport] = {}
    times = sorted(samples_at)
    for now in times:
        seen = {s.fingerprint: s for s in samples_at[now]}
        for fp in sorted(set(seen) | set(states)):
            new, edges = step(states.get(fp), seen.get(fp), now, rule.for_, rule.keep_firing_for)
            _record(reports, edges)
            if new is None or new.status == "resolved":
                states.pop(fp, None)
            else:
                states[fp] = new
        for fp, sample in seen.items():
            report = reports.get(fp)
            if report is not None:
                report.max_value = sample.value if report.max_value is None else max(report.max_value, sample.value)
    ordered = sorted(reports.values(), key=lambda r: sorted(r.labels.items()))
    return BacktestReport(rule.name, since, until, every, len(times), tuple(ordered))


def backtest(rule: Rule, detectors: Mapping[str, Detector], store: Store, since: datetime, until: datetime,
             every: timedelta) -> BacktestReport:
    """Replay `rule` from `since` to `until`, one evaluation every `every`."""
    times = steps(since, until, every)
    samples_at: dict[datetime, tuple[Sample, ...]] = {}
    try:
        if rule.detector is not None:
            detector = detectors.get(rule.detector)
            if detector is None:
                raise BadInput(f"rule {rule.name}: detector {rule.detector} is not available")
            frame = shared_series(detector, store, [rule], since, until)
            for now in times:
                samples_at[now] = detected(rule, detector, frame, now)
        else:
            seconds = max(1, int(every.total_seconds()))
            for now in times:
                samples_at[now] = queried(rule, store, now, seconds)
    except BadInput:
        raise
    except (SpyglassError, ValueError) as exc:
        raise BadInput(f"rule {rule.name}: {exc}") from exc
    return replay(rule, samples_at, since, until, every)

