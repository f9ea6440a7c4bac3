"""`maintenance:` settings: the store's housekeeping jobs."""

from __future__ import annotations

from pydantic import Field

from spyglass.config.section import Section


class MaintenanceSettings(Section):
    compaction_interval_seconds: int = Field(600, gt=0, description=(
        "How often closed days of the FINAL-read tables are merged into one part each, so reads stay fast."))
    call_rollup_interval_seconds: float = Field(30, gt=0, description=(
        "How often the per-minute and per-hour rollups of llm_calls (llm_calls_1m/_1h) take the minutes that closed "
        "or received late calls; the dashboard reads what they do not hold yet from llm_calls, so this bounds "
        "how much of it is read raw, not how fresh the answers are."))
    operation_rollup_interval_seconds: float = Field(30, gt=0, description=(
        "How often the per-minute and per-hour rollups of agent, tool and retrieval spans (operations_1m/_1h) take "
        "the minutes that closed or received late spans; the operations view reads what they do not hold yet from "
        "otel_traces, so this bounds how much of it is read raw, not how fresh the answers are."))
