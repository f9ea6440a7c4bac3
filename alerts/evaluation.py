"""Evaluating rules at one moment: what is active now, per rule, as `Sample`s for the state machine.

Rules of one detector share one query: the detector merges their params (`merge_params`: every
dimension any of them groups or filters by, the longest look-back), `series` runs once, and
`detect` runs per rule on that frame. `sql:` rules run their own query each. A rule whose
evaluation fails gets an error and no samples, and the engine leaves its instances as they were
(a broken query is not a resolution). The backtest uses the same pieces over a longer range.
"""

from __future__ import annotations

import time
from collections import defaultdict
from collections.abc import Callable, Mapping, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from datetime import datetime
from functools import partial
from typing import Any

import polars as pl

from alerts import sql_rules
from alerts.rules import Rule
from alerts.state import Sample
from alerts.templates import TemplateData, render_all
from detectors import base
from store.base import Store
from store.errors import SpyglassError

Detector = base.Detector[Any]


@dataclass(frozen=True)
class RuleResult:
    """One rule at one evaluation: its active instances, or why it could not be evaluated."""

    rule: Rule
    samples: tuple[Sample, ...] | None  # None: the evaluation failed
    error: str = ""
    seconds: float = 0.0
    started_ns: int = 0  # wall clock (time.time_ns) when its evaluation began: its self-trace span's start


def sample(rule: Rule, labels: Mapping[str, str], value: float, threshold: float | None,
           evidence: Mapping[str, Any]) -> Sample:
    """An instance of `rule`: the found labels plus the rule's (templated) labels, its name and severity, and
    its annotations rendered with those labels."""
    found = TemplateData(dict(labels), value, threshold, evidence)
    full = {**labels, **render_all(rule.labels, found), "alertname": rule.name, "severity": rule.severity}
    annotations = render_all(rule.annotations, TemplateData(full, value, threshold, evidence))
    if rule.runbook:
        annotations.setdefault("runbook", rule.runbook)
    return Sample(rule.name, full, value, annotations, threshold, dict(evidence))


def _unique(rule: Rule, samples: list[Sample]) -> tuple[Sample, ...]:
    seen: dict[str, Sample] = {}
    for s in samples:
        if s.fingerprint in seen:
            raise ValueError(f"two instances with the same labels {dict(s.labels)}: the rule must tell them apart "
                             "(group by another dimension, or add a label column)")
        seen[s.fingerprint] = s
    return tuple(seen.values())


def detected(rule: Rule, detector: Detector, frame: pl.DataFrame, now: datetime) -> tuple[Sample, ...]:
    """The instances a detector rule finds in `frame` at `now` (the frame may reach past `now`: detect ignores it)."""
    signals = detector.detect(frame, rule.params, now)
    return _unique(rule, [sample(rule, s.labels, float(s.value), s.threshold, s.evidence) for s in signals])


def queried(rule: Rule, store: Store, now: datetime, interval_seconds: int) -> tuple[Sample, ...]:
    """The instances a sql rule's query returns at `now`."""
    rows = sql_rules.run(store, rule.sql or "", now, interval_seconds)
    return _unique(rule, [sample(rule, r.labels, r.value, None, r.evidence) for r in rows])


def shared_series(detector: Detector, store: Store, rules: Sequence[Rule], since: datetime,
                  until: datetime) -> pl.DataFrame:
    """One query serving every rule of `detector` from `since` (minus the longest look-back) to `until`."""
    merged = detector.merge_params([r.params for r in rules])
    return detector.series(store, merged, since - detector.lookback(merged), until)


def _failed(rule: Rule, exc: Exception, seconds: float, started_ns: int) -> RuleResult:
    kind = "" if isinstance(exc, SpyglassError | ValueError) else f"{type(exc).__name__}: "
    return RuleResult(rule, None, f"{kind}{exc}", seconds, started_ns)


def _detector_group(detector: Detector, store: Store, rules: Sequence[Rule], now: datetime) -> list[RuleResult]:
    started, started_ns = time.monotonic(), time.time_ns()
    try:
        frame = shared_series(detector, store, rules, now, now)
    except Exception as exc:  # the detector's query failed: every rule that shares it says so
        return [_failed(rule, exc, time.monotonic() - started, started_ns) for rule in rules]
    query_seconds = time.monotonic() - started
    results = []
    for rule in rules:
        began = time.monotonic()
        try:
            samples = detected(rule, detector, frame, now)
        except Exception as exc:  # one rule's detect failing leaves the others
            results.append(_failed(rule, exc, query_seconds + time.monotonic() - began, started_ns))
            continue
        results.append(RuleResult(rule, samples, "", query_seconds + time.monotonic() - began, started_ns))
    return results


def _sql_rule(rule: Rule, store: Store, now: datetime, interval_seconds: int) -> list[RuleResult]:
    started, started_ns = time.monotonic(), time.time_ns()
    try:
        return [RuleResult(rule, queried(rule, store, now, interval_seconds), "", time.monotonic() - started,
                           started_ns)]
    except Exception as exc:  # a broken query or a store away: this rule says so, the others go on
        return [_failed(rule, exc, time.monotonic() - started, started_ns)]


def _unavailable(name: str, rules: Sequence[Rule]) -> list[RuleResult]:
    return [RuleResult(rule, None, f"detector {name} is not available") for rule in rules]


def evaluate(rules: Sequence[Rule], detectors: Mapping[str, Detector], store: Store, now: datetime,
             interval_seconds: int, workers: int = 4) -> list[RuleResult]:
    """Every rule at `now`, in the order given; detector groups and sql rules run on `workers` threads."""
    by_detector: dict[str, list[Rule]] = defaultdict(list)
    tasks: list[Callable[[], list[RuleResult]]] = []
    for rule in rules:
        if rule.detector is not None:
            by_detector[rule.detector].append(rule)
        else:
            tasks.append(partial(_sql_rule, rule, store, now, interval_seconds))
    for name, group in by_detector.items():
        detector = detectors.get(name)
        if detector is None:
            tasks.append(partial(_unavailable, name, group))
        else:
            tasks.append(partial(_detector_group, detector, store, group, now))
    with ThreadPoolExecutor(max(1, workers), thread_name_prefix="alerts-eval") as pool:
        results = {r.rule.name: r for batch in pool.map(lambda task: task(), tasks) for r in batch}
    return [results[rule.name] for rule in rules]
