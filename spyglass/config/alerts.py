"""`alerts:` settings: rule evaluation, routing and receivers (issue 13)."""

from __future__ import annotations

from pydantic import Field

from spyglass.config.section import Section


class AlertsSettings(Section):
    evaluation_interval_seconds: float = Field(30, gt=0, description=(
        "How often every alert rule is evaluated."))
    rule_files: list[str] = Field(default_factory=list, description=(
        "Your alert rule files (YAML with a top-level `rules:` list), loaded beside the shipped rules "
        "(alerts/rules/)."))
