"""`retention:` settings: how long each family of tables keeps its rows (store/retention.py says which table is in
which family). Applied as ClickHouse TTLs by the process that runs the scheduler, at its start (store/ttl.py)."""

from __future__ import annotations

from typing import Annotated, Any

from pydantic import Field, JsonValue, field_validator, model_validator

from spyglass.config.section import Section
from store.retention import Family, shorter_rollups, table_ttls

Days = Annotated[int, Field(ge=1)] | None
_SHOWN: dict[str, JsonValue] = {"shown_type": "integer (≥ 1) or never"}


def _days(default: int | None, description: str) -> Any:
    extra: dict[str, JsonValue] = _SHOWN if default is not None else {**_SHOWN, "shown_default": "never"}
    return Field(default, description=description, json_schema_extra=extra)


class RetentionSettings(Section):
    raw_days: Days = _days(30, (
        "Days spans, logs and metrics are kept (otel_traces, otel_logs, otel_metrics_*), counted from their time; "
        "never: forever."))
    gpu_samples_days: Days = _days(30, "Days GPU samples (gpu_samples) are kept; never: forever.")
    calls_days: Days = _days(400, (
        "Days per-call rows are kept: llm_calls, request_costs (and superseded prices), request_gpu_costs, "
        "quality_scores; never: forever."))
    rollups_days: Days = _days(730, (
        "Days rollups are kept: cost_hourly/_daily, cost_slices, llm_calls_1m/_1h/_1d, operations_1m/_1h/_1d, "
        "gpu_samples_1m/_1h, gpu_cost_hourly, gpu_unknown_host_calls, drift results. At least calls_days and "
        "gpu_samples_days; never: forever."))
    history_days: Days = _days(None, (
        "Days alert and incident history is kept: alert_events, notifications, incidents, incident_events, changes, "
        "change_verdicts; never (the default): forever."))

    @field_validator("*", mode="before")
    @classmethod
    def _never(cls, value: Any) -> Any:
        """`never` (any case) is no expiry; a number of days passes to the type check."""
        if not isinstance(value, str):
            return value
        if value.strip().lower() == "never":
            return None
        if not value.strip().isdigit():
            raise ValueError("expected a whole number of days (at least 1) or never")
        return value

    @model_validator(mode="after")
    def _rollups_outlive_sources(self) -> RetentionSettings:
        problems = [f"{rollup}_days ({_shown(self.days()[rollup])}) is shorter than {source}_days "
                    f"({_shown(self.days()[source])}): a rollup cannot be recomputed once its source is gone, so it "
                    "must keep at least as long" for rollup, source in shorter_rollups(self.days())]
        if problems:
            raise ValueError("; ".join(problems))
        return self

    def days(self) -> dict[Family, int | None]:
        """Days kept per family (None: forever)."""
        return {"raw": self.raw_days, "gpu_samples": self.gpu_samples_days, "calls": self.calls_days,
                "rollups": self.rollups_days, "history": self.history_days}

    def table_ttls(self) -> dict[str, str | None]:
        """{table: its TTL expression, or None for none}: what these settings make of every table under retention."""
        return table_ttls(self.days())


def _shown(days: int | None) -> str:
    return "never" if days is None else str(days)
