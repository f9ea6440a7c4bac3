"""`alerts:` settings: rule evaluation, routing and receivers (issue 13)."""

from __future__ import annotations

from typing import Literal

from pydantic import Field, field_validator, model_validator

from alerts.inhibit import InhibitRuleConfig
from alerts.notifiers import ReceiverConfig, check_unique
from alerts.retry import DeliveryPolicy
from alerts.routing import RouteConfig, check_root, route_receivers
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
    incident_min_severity: Literal["critical", "warning", "info", "off"] = Field("critical", description=(
        "Alerts of this severity or worse open an incident when their alert group has no open one, and join it "
        "when it has (critical opens SEV2, warning SEV3, info SEV4); off: incidents are opened by hand only."))

    receivers: list[ReceiverConfig] = Field(default_factory=list, description=(
        "Where notifications go: a list of {name, type, ...} with type webhook, alertmanager, slack, pagerduty or "
        "email (README, Receivers); secrets may be written ${SPYGLASS_...} to come from the environment."),
        json_schema_extra={"shown_type": "list of receiver objects (keys by type)"})
    delivery_max_attempts: int = Field(10, ge=1, description=(
        "Attempts per notification before it is dead-lettered (a permanent refusal dead-letters at once)."))
    delivery_backoff_base_seconds: float = Field(1, gt=0, description=(
        "Wait after the first failed attempt; it doubles with each further one, with jitter."))
    delivery_backoff_cap_seconds: float = Field(300, gt=0, description=(
        "Longest wait between two attempts (a receiver's Retry-After may ask for more, up to an hour)."))
    delivery_workers_per_receiver: int = Field(4, ge=1, le=64, description=(
        "Concurrent deliveries per receiver; a receiver that hangs holds only its own."))
    delivery_timeout_seconds: float = Field(10, gt=0, description=(
        "Per-request timeout of a delivery (connect, and each read and write); also the shutdown deadline."))
    delivery_poll_seconds: float = Field(5, gt=0, description=(
        "How often the delivery worker looks for notifications queued or replayed by another process."))
    delivery_max_queued_per_receiver: int = Field(10_000, ge=1, description=(
        "Pending notifications the worker holds in memory per receiver; more wait in the store."))

    @field_validator("route")
    @classmethod
    def _root(cls, value: RouteConfig) -> RouteConfig:
        return check_root(value)

    @field_validator("receivers")
    @classmethod
    def _unique_names(cls, value: list[ReceiverConfig]) -> list[ReceiverConfig]:
        check_unique(value)
        return value

    @model_validator(mode="after")
    def _backoff(self) -> AlertsSettings:
        if self.delivery_backoff_cap_seconds < self.delivery_backoff_base_seconds:
            raise ValueError("delivery_backoff_cap_seconds must be at least delivery_backoff_base_seconds")
        return self

    @model_validator(mode="after")
    def _routes_name_receivers(self) -> AlertsSettings:
        known = {r.name for r in self.receivers}
        unknown = sorted(route_receivers(self.route) - known)
        if unknown:
            raise ValueError(f"route names receivers that are not in alerts.receivers: {', '.join(unknown)}"
                             f" (known: {', '.join(sorted(known)) or 'none'})")
        return self

    def delivery_policy(self) -> DeliveryPolicy:
        return DeliveryPolicy(
            max_attempts=self.delivery_max_attempts, backoff_base_seconds=self.delivery_backoff_base_seconds,
            backoff_cap_seconds=self.delivery_backoff_cap_seconds,
            workers_per_receiver=self.delivery_workers_per_receiver, timeout_seconds=self.delivery_timeout_seconds,
            poll_seconds=self.delivery_poll_seconds, max_queued_per_receiver=self.delivery_max_queued_per_receiver)
