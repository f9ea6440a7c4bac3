"""`alerts:` settings: rule evaluation, routing and receivers (issue 13)."""

from __future__ import annotations

from pydantic import Field, field_validator

from alerts.inhibit import InhibitRuleConfig
from alerts.routing import RouteConfig, check_root
from spyglass.config.section import Section


class AlertsSettings(Section):
    evaluation_interval_seconds: float = Field(30, gt=0, description=(
        "How often every alert rule is evaluated."))
    rule_files: list[str] = Field(default_factory=list, description=(
        "Your alert rule files (YAML with a top-level `rules:` list), loaded beside the shipped rules "
        "(alerts/rules/)."))
    shipped_rules: bool = Field(True, description=(
        "Evaluate the rules shipped in alerts/rules/ beside yours; false: only your rule_files."))
    route: RouteConfig = Field(default_factory=RouteConfig, description=(
        "The routing tree, as Alertmanager's `route:`: receiver, group_by, group_wait, group_interval, "
        "repeat_interval, matchers, continue, routes. Without a receiver nothing is sent (alerts are still "
        "evaluated, stored and shown)."), json_schema_extra={"shown_default": (
            "no receiver; group_by [alertname], group_wait 30s, group_interval 5m, repeat_interval 4h")})
    inhibit_rules: list[InhibitRuleConfig] = Field(default_factory=list, description=(
        "Inhibition rules, each {source_matchers, target_matchers, equal}: while a source alert fires, "
        "targets with the same values of the `equal` labels are not notified."))

    @field_validator("route")
    @classmethod
    def _root(cls, value: RouteConfig) -> RouteConfig:
        return check_root(value)
