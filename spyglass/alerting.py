"""The alert engine's parts, built from the settings for the service and the API.

The engine has two neighbours with packages of their own: the detectors (looked up by the name
a rule gives) and the outbox (where notifications go, and which receivers send resolved
messages). The service passes both in; everything else comes from `alerts:` settings.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

from alerts.engine import Engine, Outbox
from alerts.evaluation import Detector, RuleResult
from alerts.incidents.desk import IncidentDesk
from alerts.incidents.opener import IncidentOpener
from alerts.inhibit import InhibitRule
from alerts.routing import Route, compile_route
from alerts.rule_source import RuleSource
from detectors import registry
from runbooks.source import RunbookSource
from spyglass.config import Settings
from store.base import Store
from store.queries.quality import QualityRules

# The detectors rules may name.
DETECTORS: Mapping[str, Detector] = registry.DETECTORS


def param_defaults(s: Settings) -> dict[str, dict[str, Any]]:
    """Detector params that come from other settings, so that one value has one place: the budgets of
    `costs.budgets` for `budget` rules, what passing and positive mean for `quality_drop` rules, the providers
    priced by GPU time for `unpriced_model` rules."""
    return {"budget": {"budgets": [b.model_dump() for b in s.costs.budgets]},
            "unpriced_model": {"self_hosted": list(s.gpu.self_hosted_providers)},
            "quality_drop": {"pass_threshold": s.quality.pass_threshold, "pass_labels": list(s.quality.pass_labels),
                             "positive_labels": list(s.quality.feedback_positive_labels)}}


def rule_source(s: Settings, store: Store | None, detectors: Mapping[str, Detector]) -> RuleSource:
    """The shipped rules (unless turned off) and the user's files; a bad file raises with every file:line."""
    return RuleSource(s.alerts.rule_files, detectors, store, s.alerts.shipped_rules, param_defaults(s))


def route(s: Settings) -> Route:
    return compile_route(s.alerts.route)


def inhibit_rules(s: Settings) -> tuple[InhibitRule, ...]:
    return tuple(InhibitRule.of(rule) for rule in s.alerts.inhibit_rules)


def quality_rules(s: Settings) -> QualityRules:
    return QualityRules(tuple(s.quality.pass_labels), s.quality.pass_threshold,
                        tuple(s.quality.feedback_positive_labels))


def incident_desk(s: Settings, store: Store, runbooks: RunbookSource | None, rules: RuleSource | None) -> IncidentDesk:
    """The one incident desk of a process: the API and the engine's hook both change incidents through it."""
    return IncidentDesk(store, runbooks, (lambda: rules.current().rules) if rules else tuple, quality_rules(s))


def engine(s: Settings, store: Store, rules: RuleSource, detectors: Mapping[str, Detector], outbox: Outbox,
           send_resolved: Callable[[str], bool] = lambda receiver: True, desk: IncidentDesk | None = None,
           on_result: Callable[[RuleResult], None] = lambda result: None) -> Engine:
    """The engine; with a desk, alerts at or above `alerts.incident_min_severity` open incidents (unless off)."""
    opener = None if desk is None or s.alerts.incident_min_severity == "off" else IncidentOpener(
        desk, route(s), s.alerts.incident_min_severity)
    return Engine(store, rules, detectors, outbox, route(s), inhibit_rules(s), s.alerts.evaluation_interval_seconds,
                  send_resolved, incidents=opener, on_result=on_result)
