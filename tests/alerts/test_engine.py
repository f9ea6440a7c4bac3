"""Evaluation cycles end to end on a real store: states and transitions persisted, notifications enqueued once,
a restart that resumes timers and re-sends nothing, failures that resolve nothing."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

import pytest

from alerts.engine import Engine
from alerts.inhibit import InhibitRule, InhibitRuleConfig
from alerts.persistence import AlertStore
from alerts.routing import RouteConfig, compile_route
from alerts.rule_source import RuleSource
from alerts.silences import new_silence
from store.base import query_rows
from tests.helpers.alerting import LevelDetector, RecordingOutbox

pytestmark = pytest.mark.xdist_group("alert-engine")

T0 = datetime(2026, 3, 1, 12, tzinfo=timezone.utc)
S, M = timedelta(seconds=1), timedelta(minutes=1)
ROUTE = compile_route(RouteConfig(receiver="team", group_wait=30 * S, group_interval=5 * M))

RULES = """\
rules:
  - name: chat-cost
    detector: level
    params: {above: 10}
    for: 2m
    severity: critical
    annotations:
      summary: "{{ $labels.service }} spends {{ $value }}"
    runbook: cost-spike
  - name: chat-cost-warning
    detector: level
    params: {above: 5}
    severity: warning
"""


@pytest.fixture
def setup(store, tmp_path):
    path = tmp_path / "rules.yaml"
    path.write_text(RULES)
    detector, outbox = LevelDetector(), RecordingOutbox()

    def engine(**overrides) -> Engine:
        args = {"route": ROUTE, "interval_seconds": 30}
        args.update(overrides)
        return Engine(store, RuleSource([path], {"level": detector}, store, include_shipped=False),
                      {"level": detector}, outbox, **args)

    return engine, detector, outbox, path


def run(engine, detector, start, steps, **levels):
    """Evaluate every 30 s for `steps` cycles with the detector seeing `levels` at each."""
    report = None
    for k in range(steps):
        now = start + k * 30 * S
        if levels:
            detector.at(now, **levels)
        report = engine.evaluate(now)
    return report


def events(store) -> list[tuple[str, str, str]]:
    rows = query_rows(store, "SELECT rule, from_status, to_status FROM alert_events ORDER BY at, rule")
    return [(r["rule"], r["from_status"], r["to_status"]) for r in rows]


def test_a_rule_goes_pending_then_firing_and_its_group_is_notified_once(setup, store):
    make, detector, outbox, _ = setup
    engine = make()
    report = run(engine, detector, T0, 6, chat=12.0)  # T0 .. T0+2m30s
    assert (report.firing, report.pending, report.failed) == (2, 0, 0)
    assert events(store) == [("chat-cost", "inactive", "pending"), ("chat-cost-warning", "inactive", "firing"),
                             ("chat-cost", "pending", "firing")]
    state = AlertStore(store).states()
    firing = {s.rule: s for s in state.values()}["chat-cost"]
    assert firing.firing_since == T0 + 2 * M and firing.active_since == T0 and firing.value == 12.0
    assert firing.annotations == {"summary": "chat spends 12", "runbook": "cost-spike"}
    assert firing.labels == {"service": "chat", "alertname": "chat-cost", "severity": "critical"}
    keys = [(n.group_key, n.sequence, n.status, [a.labels["alertname"] for a in n.alerts]) for n in outbox.notifications]
    assert keys == [('{}:{alertname="chat-cost-warning"}', 1, "firing", ["chat-cost-warning"]),
                    ('{}:{alertname="chat-cost"}', 1, "firing", ["chat-cost"])]
    assert len(detector.calls) == 6  # one query per cycle for both rules of the detector


def test_a_restart_resumes_a_pending_timer_and_does_not_send_again(setup, store):
    make, detector, outbox, _ = setup
    run(make(), detector, T0, 3, chat=12.0)  # chat-cost pending since T0; the warning notified at T0+30s
    assert [n.group_key for n in outbox.notifications] == ['{}:{alertname="chat-cost-warning"}']
    restarted = make()  # a new process: everything comes from the store
    run(restarted, detector, T0 + 90 * S, 2, chat=12.0)  # T0+1m30, T0+2m
    assert events(store)[-1] == ("chat-cost", "pending", "firing")
    assert [s.firing_since for s in AlertStore(store).states().values() if s.rule == "chat-cost"] == [T0 + 2 * M]
    run(restarted, detector, T0 + 150 * S, 12, chat=12.0)  # ~6 minutes more: no repeat, no duplicate
    sent = [(n.group_key, n.sequence) for n in outbox.notifications]
    assert sent == [('{}:{alertname="chat-cost-warning"}', 1), ('{}:{alertname="chat-cost"}', 1)]


def test_resolution_is_notified_and_the_instance_forgotten_later(setup, store):
    make, detector, outbox, _ = setup
    engine = make()
    run(engine, detector, T0, 2, chat=7.0)  # the warning fires and is notified at T0+30s
    report = engine.evaluate(T0 + M)  # no point in the window any more? the 5-minute window still has them
    assert report.firing == 1
    resolved_at = T0 + 6 * M
    engine.evaluate(resolved_at)  # the last point (T0+30s) is now more than 5 minutes old
    assert events(store)[-1] == ("chat-cost-warning", "firing", "resolved")
    engine.evaluate(T0 + 30 * S + 5 * M + 30 * S)  # the next group_interval tick after the first flush
    last = outbox.notifications[-1]
    assert (last.status, last.sequence, last.alerts[0].ends_at) == ("resolved", 2, resolved_at)
    engine.evaluate(resolved_at + 20 * M)  # past the retention: written as inactive, read no more
    assert AlertStore(store).states() == {}


def test_a_failing_detector_query_resolves_nothing_and_says_why(setup, store):
    make, detector, outbox, _ = setup
    engine = make()
    run(engine, detector, T0, 2, chat=7.0)
    detector.fail = "series table is gone"
    report = engine.evaluate(T0 + 10 * M)
    assert report.failed == 2 and report.firing == 1
    assert [s.status for s in AlertStore(store).states().values()] == ["firing"]
    health = {r["rule"]: r for r in query_rows(store, "SELECT rule, error, instances FROM alert_rule_health FINAL")}
    assert health["chat-cost"]["error"] == "RuntimeError: series table is gone"


def test_an_outbox_that_refuses_gets_the_same_notification_next_cycle(setup, store):
    make, detector, outbox, _ = setup
    engine = make()
    detector.at(T0, chat=7.0)
    engine.evaluate(T0)
    outbox.failures = 1
    with pytest.raises(ConnectionError):
        engine.evaluate(T0 + 30 * S)
    assert AlertStore(store).states() != {}  # the evaluation itself was kept
    engine.evaluate(T0 + 60 * S)
    assert [(n.group_key, n.sequence) for n in outbox.notifications] == [('{}:{alertname="chat-cost-warning"}', 1)]


def test_a_removed_rule_resolves_its_instances(setup, store):
    make, detector, outbox, path = setup
    engine = make()
    run(engine, detector, T0, 2, chat=7.0)
    path.write_text("rules: []\n")
    engine.evaluate(T0 + M)
    assert events(store)[-1] == ("chat-cost-warning", "firing", "resolved")


def test_a_silence_in_the_store_mutes_the_notification(setup, store):
    make, detector, outbox, _ = setup
    AlertStore(store).save_silence(new_silence(['alertname="chat-cost-warning"'], T0, T0 + M * 60, "ana",
                                               "known", T0))
    run(make(), detector, T0, 3, chat=7.0)
    assert outbox.notifications == []


def test_a_firing_critical_inhibits_the_warning_of_the_same_service(setup, store):
    make, detector, outbox, _ = setup
    inhibit = [InhibitRule.of(InhibitRuleConfig(source_matchers=['severity="critical"'],
                                                target_matchers=['severity="warning"'], equal=["service"]))]
    engine = make(inhibit_rules=inhibit, route=compile_route(RouteConfig(receiver="team", group_wait=5 * M)))
    run(engine, detector, T0, 16, chat=12.0)  # both fire by T0+2m; the groups flush at T0+5m and T0+7m
    assert [n.group_key for n in outbox.notifications] == ['{}:{alertname="chat-cost"}']
