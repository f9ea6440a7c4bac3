"""Inhibition: a firing source mutes matching targets that share the `equal` labels (Alertmanager's rules)."""

from __future__ import annotations

from alerts.inhibit import Inhibitor, InhibitRule, InhibitRuleConfig
from alerts.model import fingerprint

CRITICAL_MUTES_WARNING = InhibitRule.of(InhibitRuleConfig(
    source_matchers=['severity="critical"'], target_matchers=['severity="warning"'], equal=["service"]))
DOWN = {"alertname": "slo-burn", "severity": "critical", "service": "chat"}


def test_a_firing_critical_mutes_warnings_of_the_same_service_only():
    inhibitor = Inhibitor([CRITICAL_MUTES_WARNING], [DOWN])
    assert inhibitor.inhibited_by({"alertname": "cost-spike", "severity": "warning", "service": "chat"}) == \
        [fingerprint(DOWN)]
    assert inhibitor.inhibited_by({"alertname": "cost-spike", "severity": "warning", "service": "web"}) == []
    assert inhibitor.inhibited_by({"alertname": "x", "severity": "info", "service": "chat"}) == []


def test_a_label_missing_on_both_sides_counts_as_equal():
    source = {"alertname": "a", "severity": "critical"}
    assert Inhibitor([CRITICAL_MUTES_WARNING], [source]).inhibited_by({"alertname": "b", "severity": "warning"}) \
        == [fingerprint(source)]


def test_nothing_is_inhibited_without_a_firing_source():
    assert Inhibitor([CRITICAL_MUTES_WARNING], []).inhibited_by({"severity": "warning", "service": "chat"}) == []


def test_alerts_matching_both_sides_do_not_inhibit_each_other():
    rule = InhibitRule.of(InhibitRuleConfig(source_matchers=['team="ml"'], target_matchers=['team="ml"'],
                                            equal=["service"]))
    a = {"alertname": "a", "team": "ml", "service": "chat"}
    b = {"alertname": "b", "team": "ml", "service": "chat"}
    assert Inhibitor([rule], [a, b]).inhibited_by(a) == []
