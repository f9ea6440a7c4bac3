"""Retention policy: which table belongs to which retention family, by which time column, and the TTL each
family's days give it. Pure: `table_ttls` turns days per family into {table: TTL expression or None}, and
`shorter_rollups` says when a rollup would keep less than its source; `store/ttl.py` applies the result.

Every table the migrations create is either here (`TABLES`) or deliberately left alone (`UNMANAGED`, with the
reason); a test holds the two lists equal to the store's tables, so a new table has to be placed. A table's
family is decided by what its rows are, not by who writes them:

- `raw`: spans, logs and metrics as the OpenTelemetry exporter shapes them (and the trace-id index beside the
  spans); the bulk of the bytes and rarely read after the first days.
- `gpu_samples`: per-GPU readings every few seconds.
- `calls`: one row per model call or about one (typed calls, their prices and superseded prices, their GPU cost,
  quality scores): what cost and quality questions are answered from at the finest grain.
- `rollups`: hourly (and finer) aggregates of calls and GPU samples, and the drift job's results (one row per
  comparison window): small, and what trends over months read.
- `history`: what happened to the fleet (alert transitions, incidents and their timelines, notifications sent,
  changes and their verdicts): the record post-mortems and audits cite, kept forever by default.

Families are days or None (never expire). A rollup is computed from its sources and cannot be recomputed once
they are gone, so its family must keep at least as long as each source family (`ROLLUP_SOURCES`); keeping the
source shorter than its rollup is the point of a rollup.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Literal, get_args

Family = Literal["raw", "gpu_samples", "calls", "rollups", "history"]
FAMILIES: tuple[Family, ...] = get_args(Family)
Days = Mapping[Family, int | None]  # None: never expires


@dataclass(frozen=True)
class Retained:
    """A table under retention: its family, and the column whose time a row's age is counted from (the column the
    table's partition key is computed from, where it has one, so that a whole partition expires at once)."""

    family: Family
    time_column: str


_OTEL_METRICS = ("gauge", "sum", "histogram", "exponential_histogram", "summary")

TABLES: dict[str, Retained] = {
    "otel_traces": Retained("raw", "Timestamp"),
    "otel_traces_trace_id_ts": Retained("raw", "Start"),
    "otel_logs": Retained("raw", "Timestamp"),
    **{f"otel_metrics_{kind}": Retained("raw", "TimeUnix") for kind in _OTEL_METRICS},
    "gpu_samples": Retained("gpu_samples", "timestamp"),
    "llm_calls": Retained("calls", "timestamp"),
    "request_costs": Retained("calls", "timestamp"),
    "request_cost_history": Retained("calls", "timestamp"),
    "request_gpu_costs": Retained("calls", "timestamp"),
    "quality_scores": Retained("calls", "timestamp"),
    "trace_summaries": Retained("calls", "hour"),
    "cost_hourly": Retained("rollups", "hour"),
    "cost_daily": Retained("rollups", "day"),
    "cost_slices": Retained("rollups", "slice"),
    "gpu_samples_1m": Retained("rollups", "period"),
    "gpu_samples_1h": Retained("rollups", "period"),
    "llm_calls_1m": Retained("rollups", "period"),
    "llm_calls_1h": Retained("rollups", "period"),
    "llm_calls_1d": Retained("rollups", "period"),
    "operations_1m": Retained("rollups", "period"),
    "operations_1h": Retained("rollups", "period"),
    "operations_1d": Retained("rollups", "period"),
    "gpu_cost_hourly": Retained("rollups", "hour"),
    "gpu_unknown_host_calls": Retained("rollups", "hour"),
    "drift_results": Retained("rollups", "computed_at"),
    "drift_feature_results": Retained("rollups", "computed_at"),
    "alert_events": Retained("history", "at"),
    "notifications": Retained("history", "created_at"),
    "incidents": Retained("history", "started_at"),
    "incident_events": Retained("history", "at"),
    "changes": Retained("history", "at"),
    "change_verdicts": Retained("history", "run_at"),
}

# Tables retention never touches, and why.
UNMANAGED: dict[str, str] = {
    "schema_migrations": "the schema's ledger",
    "job_watermarks": "one row per job: where it resumes",
    "leases": "the scheduler's claim",
    "alert_states": "the current state of each alert instance (an old firing alert is still firing)",
    "alert_groups": "the current state of each notification group",
    "alert_rule_health": "one row per rule: its last evaluation",
    "silences": "silences in force and their ends; a handful of rows",
    "runbook_versions": "immutable runbook versions that incidents cite",
    "cost_hour_versions": "bookkeeping the cost job needs as long as any cost row of the hour exists; tiny",
    "gpu_cost_runs": "the GPU cost readers keep only rows of an hour's latest run: must outlive those rows; tiny",
    "cost_rollup_queue": "a work queue with its own 7-day TTL (migration 6)",
    "gpu_cost_queue": "a work queue with its own 7-day TTL (migration 18)",
}

# What each rollup family is computed from: it must keep at least as long as each of them.
ROLLUP_SOURCES: dict[Family, tuple[Family, ...]] = {"rollups": ("calls", "gpu_samples")}


def ttl_expression(time_column: str, days: int) -> str:
    """The TTL clause's expression, written exactly as ClickHouse prints it back in the table's definition, so
    that comparing the two says whether the table already has it."""
    return f"toDateTime({time_column}) + toIntervalDay({days})"


def table_ttls(days: Days) -> dict[str, str | None]:
    """{table: its TTL expression, or None for no TTL} for every table under retention."""
    out: dict[str, str | None] = {}
    for table, retained in TABLES.items():
        kept = days[retained.family]
        out[table] = None if kept is None else ttl_expression(retained.time_column, kept)
    return out


def shorter_rollups(days: Days) -> list[tuple[Family, Family]]:
    """(rollup, source) family pairs where `days` would make the rollup lose what its source still has."""
    return [(rollup, source) for rollup, sources in ROLLUP_SOURCES.items() for source in sources
            if _keeps_less(days[rollup], days[source])]


def _keeps_less(kept: int | None, than: int | None) -> bool:
    return kept is not None and (than is None or kept < than)
