"""Backtest: a rule replayed over stored history through the same state machine, nothing written or sent."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

import pytest

from alerts import sql_rules
from alerts.backtest import Interval, backtest, steps
from alerts.rules import load_rules
from store.base import query_rows
from store.errors import BadInput
from tests.helpers.alerting import BURST, LevelDetector
from tests.helpers.calls import T0, insert_call

pytestmark = pytest.mark.xdist_group("alert-engine")
M = timedelta(minutes=1)


def rule_of(tmp_path: Path, text: str, detectors=None, store=None):
    path = tmp_path / "rules.yaml"
    path.write_text(text)
    [rule] = load_rules([path], detectors or {}, sql_rules.probe(store) if store else None).rules
    return rule


def test_a_detector_rule_replays_pending_and_firing_with_for_and_keep_firing_for(tmp_path):
    detector = LevelDetector()
    for minute in range(61):
        detector.at(T0 + minute * M, chat=12.0 if 10 <= minute <= 30 else 1.0, web=1.0)
    rule = rule_of(tmp_path, "rules:\n  - name: hot\n    detector: level\n    params: {above: 10}\n    for: 5m\n"
                             "    keep_firing_for: 2m\n", {"level": detector})
    report = backtest(rule, {"level": detector}, None, T0, T0 + 60 * M, M)
    [chat] = report.instances
    assert chat.labels == {"service": "chat", "alertname": "hot", "severity": "warning"}
    assert chat.pending == [Interval(T0 + 10 * M, T0 + 15 * M)]
    assert chat.firing == [Interval(T0 + 15 * M, T0 + 33 * M)]  # last active at 30, kept firing for 2 minutes
    assert (report.evaluations, report.fired, report.firing_seconds, chat.max_value) == (61, 1, 18 * 60, 12.0)
    assert len(detector.calls) == 1  # one query for the whole range
    _, since, until = detector.calls[0]
    assert (since, until) == (T0 - 5 * M, T0 + 60 * M)  # the range plus the detector's look-back


def test_an_episode_still_open_at_the_end_is_reported_open(tmp_path):
    detector = LevelDetector()
    for minute in range(11):
        detector.at(T0 + minute * M, chat=12.0 if minute >= 4 else 1.0)
    rule = rule_of(tmp_path, "rules:\n  - name: hot\n    detector: level\n    params: {above: 10}\n    for: 2m\n",
                   {"level": detector})
    report = backtest(rule, {"level": detector}, None, T0, T0 + 10 * M, M)
    assert report.instances[0].firing == [Interval(T0 + 6 * M, None)]
    assert report.firing_seconds == 4 * 60


def test_a_sql_rule_replays_over_stored_calls_and_writes_nothing(store, tmp_path):
    for minute in range(10, 20):
        insert_call(store, f"s{minute}", T0, at=T0 + minute * M)
    rule = rule_of(tmp_path, BURST, store=store)
    report = backtest(rule, {}, store, T0, T0 + 30 * M, M)
    [svc] = report.instances
    assert svc.pending == [] and svc.firing == [Interval(T0 + 12 * M, T0 + 20 * M)]
    assert (report.fired, report.firing_seconds, svc.max_value) == (1, 8 * 60, 3.0)
    assert query_rows(store, "SELECT count() AS n FROM alert_events")[0]["n"] == 0
    assert query_rows(store, "SELECT count() AS n FROM alert_states")[0]["n"] == 0


def test_ranges_that_cannot_be_replayed_are_refused():
    with pytest.raises(BadInput, match="must be before"):
        steps(T0, T0, M)
    assert len(steps(T0, T0 + timedelta(days=7), M)) == 10_081
    with pytest.raises(BadInput, match="more than 10081"):
        steps(T0, T0 + timedelta(days=7, minutes=1), M)
    with pytest.raises(BadInput, match="more than 0"):
        steps(T0, T0 + M, timedelta(0))
