"""Rows written into the real tables for the detectors' integration tests: calls, priced costs (rolled up by the
real rollup code), quality scores, drift comparisons, GPU samples and spans."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime, timedelta
from decimal import Decimal
from typing import Any

import polars as pl

from store.base import Store
from store.queries import cost_rollup

TIME = pl.Datetime("ns", "UTC")
MONEY = pl.Decimal(38, 12)


def _insert(store: Store, table: str, rows: Sequence[dict[str, Any]], schema: dict[str, Any]) -> None:
    store.insert_arrow(table, pl.DataFrame(list(rows), schema=schema, orient="row").to_arrow())


def insert_calls(store: Store, rows: Sequence[dict[str, Any]]) -> None:
    """Into llm_calls: each row gives timestamp, span_id and what differs from a successful gpt-4o chat call."""
    base = {"trace_id": "t", "project": "p", "service_name": "chat-api", "provider": "openai",
            "request_model": "gpt-4o", "status": "ok", "duration_ns": 500_000_000, "ttft_ns": None,
            "input_tokens": 100, "output_tokens": 50, "usage_reported": True, "host_name": ""}
    schema = {"timestamp": TIME, "span_id": pl.String, **{k: pl.String for k in ("trace_id", "project", "service_name",
              "provider", "request_model", "status", "host_name")}, "duration_ns": pl.UInt64, "ttft_ns": pl.UInt64,
              "input_tokens": pl.Int64, "output_tokens": pl.Int64, "usage_reported": pl.Boolean}
    _insert(store, "llm_calls", [{**base, **r} for r in rows], schema)


def insert_costs(store: Store, rows: Sequence[dict[str, Any]], now: datetime) -> None:
    """Priced (or not) cost rows, then `cost_hourly` recomputed for their hours as the rollup job does."""
    base = {"trace_id": "t", "project": "p", "service_name": "chat-api", "team": "", "feature": "", "user_id": "",
            "provider": "openai", "model": "gpt-4o", "status": "ok", "priced": True, "reason": "", "currency": "USD",
            "catalog_version": "v1", "priced_at": now}
    schema = {"timestamp": TIME, "span_id": pl.String, **{k: pl.String for k in (
        "trace_id", "project", "service_name", "team", "feature", "user_id", "provider", "model", "status", "reason",
        "currency", "catalog_version")}, "priced": pl.Boolean, "cost_total": MONEY, "priced_at": pl.Datetime("ms", "UTC")}
    full = [{**base, **r} for r in rows]
    for r in full:
        r["cost_total"] = None if r["cost_total"] is None else Decimal(r["cost_total"])
    _insert(store, "request_costs", full, schema)
    hours = sorted({r["timestamp"].replace(minute=0, second=0, microsecond=0) for r in full})
    for i in range(0, len(hours), 200):
        cost_rollup.recompute(store, "cost_hourly", hours[i:i + 200], now)


def insert_scores(store: Store, rows: Sequence[dict[str, Any]]) -> None:
    """Into quality_scores: each row gives timestamp, score_id and what differs from a joined correctness eval."""
    base = {"project": "p", "trace_id": "t", "span_id": "s", "name": "correctness", "value": None, "label": "",
            "source": "eval", "service_name": "chat-api", "model": "gpt-4o", "joined": True}
    schema = {"timestamp": TIME, "score_id": pl.String, **{k: pl.String for k in (
        "project", "trace_id", "span_id", "name", "label", "source", "service_name", "model")}, "value": pl.Float64,
        "joined": pl.Boolean}
    _insert(store, "quality_scores", [{**base, **r} for r in rows], schema)


def insert_drift(store: Store, at: datetime, comparison: str, drifted: bool | None, features: dict[str, bool],
                 service: str = "chat-api") -> None:
    """One drift comparison of (p, service, gpt-4o, answer) computed at `at`, with its features' verdicts."""
    day = timedelta(days=1)
    status = "ok" if drifted is not None else "insufficient_data"
    _insert(store, "drift_results", [{
        "id": comparison, "run_id": "r", "computed_at": at, "project": "p", "service_name": service, "model": "gpt-4o",
        "feature": "answer", "reference_since": at - 8 * day, "reference_until": at - day, "current_since": at - day,
        "current_until": at, "reference_rows": 5000, "current_rows": 900, "status": status, "drifted": drifted,
        "drifted_features": sum(features.values()), "compared_features": len(features),
        "drift_share": sum(features.values()) / len(features) if drifted is not None else None,
        "drift_share_threshold": 0.01}], {
        "id": pl.String, "run_id": pl.String, "computed_at": pl.Datetime("ms", "UTC"), "project": pl.String,
        "service_name": pl.String, "model": pl.String, "feature": pl.String,
        **dict.fromkeys(("reference_since", "reference_until", "current_since", "current_until"),
                        pl.Datetime("ms", "UTC")),
        "reference_rows": pl.UInt64, "current_rows": pl.UInt64, "status": pl.String, "drifted": pl.Boolean,
        "drifted_features": pl.UInt32, "compared_features": pl.UInt32, "drift_share": pl.Float64,
        "drift_share_threshold": pl.Float64})
    _insert(store, "drift_feature_results", [
        {"id": comparison, "computed_at": at, "name": name, "kind": "numerical", "status": "ok", "method": "wasserstein",
         "score": 0.3 if drifted_ else 0.01, "threshold": 0.1, "direction": "distance", "drifted": drifted_}
        for name, drifted_ in features.items()], {
        "id": pl.String, "computed_at": pl.Datetime("ms", "UTC"), "name": pl.String, "kind": pl.String,
        "status": pl.String, "method": pl.String, "score": pl.Float64, "threshold": pl.Float64,
        "direction": pl.String, "drifted": pl.Boolean})


def insert_gpu_samples(store: Store, rows: Sequence[dict[str, Any]]) -> None:
    """Into gpu_samples: each row gives timestamp and what differs from an 80 GiB H100 on node-1 (agent)."""
    base = {"project": "p", "host_name": "node-1", "gpu_uuid": "GPU-a", "gpu_index": 0, "gpu_model": "NVIDIA H100",
            "mig_instance": "", "source": "agent", "utilization": 0.5, "memory_used_bytes": 40 << 30,
            "memory_total_bytes": 80 << 30}
    schema = {"timestamp": TIME, **{k: pl.String for k in ("project", "host_name", "gpu_uuid", "gpu_model",
              "mig_instance", "source")}, "gpu_index": pl.Int32, "utilization": pl.Float64,
              "memory_used_bytes": pl.UInt64, "memory_total_bytes": pl.UInt64}
    _insert(store, "gpu_samples", [{**base, **r} for r in rows], schema)


def insert_spans(store: Store, times: Sequence[datetime], service: str = "chat-api") -> None:
    """Plain (non-GenAI) spans into otel_traces, one per time."""
    _insert(store, "otel_traces", [{"Timestamp": t, "TraceId": f"{i:032x}", "SpanId": f"{i:016x}", "SpanName": "GET",
                                    "ServiceName": service} for i, t in enumerate(times)],
            {"Timestamp": TIME, "TraceId": pl.String, "SpanId": pl.String, "SpanName": pl.String,
             "ServiceName": pl.String})

