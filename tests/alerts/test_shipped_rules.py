"""The shipped rules: one per family, each naming its runbook, only the fast SLO burn pages."""

from __future__ import annotations

from alerts.rules import load_rules, shipped_files
from alerts.templates import TemplateData
from detectors.registry import DETECTORS

FAMILIES = {  # rule -> (detector, runbook)
    "cost-spike": ("cost_anomaly", "cost-spike"), "budget-forecast": ("budget", "budget-forecast"),
    "unpriced-model": ("unpriced_model", "unpriced-model"),
    "latency-regression": ("latency_regression", "latency-regression"),
    "ttft-regression": ("ttft_regression", "ttft-regression"), "slo-burn": ("error_burn_rate", "slo-burn"),
    "slo-burn-slow": ("error_burn_rate", "slo-burn"), "ingest-stopped": ("no_data", "ingest-stopped"),
    "gpu-idle": ("gpu_idle", "gpu-idle"), "gpu-saturation": ("gpu_saturated", "gpu-saturation"),
    "gpu-memory-pressure": ("gpu_memory_low", "gpu-saturation"), "input-drift": ("drift", "input-drift"),
    "quality-drop": ("quality_drop", "quality-drop"),
    "change-regression": ("change_regression", "change-regression"),
}


def test_every_family_has_its_rule_with_its_runbook():
    rules = load_rules(shipped_files(), DETECTORS).rules
    assert {r.name: (r.detector, r.runbook) for r in rules} == FAMILIES


def test_only_the_fast_slo_burn_pages_and_every_rule_says_what_happened():
    rules = load_rules(shipped_files(), DETECTORS).rules
    assert {r.name for r in rules if r.severity == "critical"} == {"slo-burn"}
    data = TemplateData({"service": "chat-api", "provider": "openai", "model": "gpt-4o", "kind": "deploy",
                         "version": "1.5.0"}, 2.5, 1.0, {})
    for rule in rules:
        assert set(rule.annotations) == {"summary", "description"}, rule.name
        summary = rule.annotations["summary"].render(data)
        assert summary and "<error" not in summary, (rule.name, summary)


def test_the_rollback_signal_names_the_change():
    [rule] = [r for r in load_rules(shipped_files(), DETECTORS).rules if r.name == "change-regression"]
    data = TemplateData({"service": "chat-api", "kind": "deploy", "version": "1.5.0"}, 2.0, 0.0,
                        {"change": {"from": "1.4.0"}})
    assert rule.annotations["summary"].render(data) == "deploy of chat-api to 1.5.0 made things worse"
    assert rule.annotations["description"].render(data).startswith(
        "2 metric(s) worse than the version it replaced (1.4.0)")


def test_money_and_latency_in_the_shipped_descriptions_are_rounded_for_people():
    rules = {r.name: r for r in load_rules(shipped_files(), DETECTORS).rules}
    spike = TemplateData({"service": "chat-api", "project": "default"}, 48.9850971, None,
                         {"spend_usd": "48.9850971", "expected_usd": "1.951851"})
    assert rules["cost-spike"].annotations["description"].render(spike) == \
        "$48.99 in the last hour against an expected $1.95."
    slow = TemplateData({"provider": "openai", "model": "gpt-4o"}, 1234.5678, 612.3, {})
    assert rules["latency-regression"].annotations["description"].render(slow) == "p95 is 1235 ms against 612 ms before."
