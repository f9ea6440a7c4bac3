"""`telemetry:` settings: how Spyglass observes itself (its metrics, its sampled self-traces)."""

from __future__ import annotations

from pydantic import Field

from spyglass.config.section import Section


class TelemetrySettings(Section):
    metrics_interval_seconds: float = Field(30, gt=0, description=(
        "How often Spyglass writes its own metrics (service.name spyglass) into the otel_metrics_* tables."))
    ingest_trace_ratio: float = Field(0.01, ge=0, le=1, description=(
        "Share of OTLP export requests (HTTP and gRPC) Spyglass traces into its own store (service.name "
        "spyglass); 0 traces none."))
    api_trace_ratio: float = Field(0.1, ge=0, le=1, description=(
        "Share of REST API requests traced into Spyglass's own store (the probes and /metrics never are)."))
    jobs_trace_ratio: float = Field(1.0, ge=0, le=1, description=(
        "Share of scheduled job runs (alert evaluations with one span per rule) and notification deliveries traced "
        "into Spyglass's own store."))
