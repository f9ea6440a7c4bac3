"""`telemetry:` settings: how Spyglass observes itself."""

from __future__ import annotations

from pydantic import Field

from spyglass.config.section import Section


class TelemetrySettings(Section):
    metrics_interval_seconds: float = Field(30, gt=0, description=(
        "How often Spyglass writes its own metrics (service.name spyglass) into the otel_metrics_* tables."))
