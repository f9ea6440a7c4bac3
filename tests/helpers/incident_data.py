"""A store populated as it is when alerts fire: a cost spike, a slow and failing provider, an idle and a
saturated GPU, a drifted model, a quality drop, unpriced calls and a service gone silent, written straight
into the tables the diagnostic queries read (the jobs that normally fill them are tested elsewhere).

Every fact a test asserts is a constant here, so the numbers in a test trace back to one row.
"""

from __future__ import annotations

from datetime import datetime, timedelta, timezone
from decimal import Decimal
from typing import Any

import pyarrow as pa

from store import Store

UNTIL = datetime(2026, 11, 20, 12, 0, tzinfo=timezone.utc)
SINCE = UNTIL - timedelta(hours=2)
WEEK, DAY = timedelta(days=7), timedelta(days=1)
PROJECT, SERVICE, QUIET = "shop", "chat-api", "batch-api"
SPIKE_MODEL, STEADY_MODEL, UNPRICED_MODEL, SELF_HOSTED = "gpt-4o", "claude-sonnet-4", "gpt-9-preview", "llama-3.1-70b"
SPIKE_PER_HOUR, USUAL_PER_HOUR, STEADY_PER_HOUR = Decimal("30"), Decimal("5"), Decimal("2")
SLOW_HOST, FAST_HOST, GPU_HOST = "eastus.api.example.com", "westus.api.example.com", "gpu-node-1"
IDLE_GPU, HOT_GPU = "GPU-idle-0", "GPU-hot-1"
HEAVY_USER, UNPRICED_REASON = "u-heavy", "no price entry for openai model gpt-9-preview"
EVAL = "correctness"


def _insert(store: Store, table: str, rows: list[dict[str, Any]]) -> None:
    store.insert_arrow(table, pa.Table.from_pylist(rows))


def _hours(start: datetime, end: datetime) -> list[datetime]:
    return [start + timedelta(hours=i) for i in range(int((end - start) / timedelta(hours=1)))]


def _cost_hours() -> list[dict[str, Any]]:
    """gpt-4o at $30/h for 100 bigger calls an hour in the window, $5/h for 50 calls a week before; claude flat."""
    rows = []
    for hour in _hours(SINCE, UNTIL) + _hours(SINCE - WEEK, UNTIL - WEEK):
        spike = hour >= SINCE
        for model, provider, feature, cost, calls, tokens in (
                (SPIKE_MODEL, "openai", "summarise", SPIKE_PER_HOUR if spike else USUAL_PER_HOUR, 100 if spike else 50,
                 4000 if spike else 1500),
                (STEADY_MODEL, "anthropic", "chat", STEADY_PER_HOUR, 20, 800)):
            rows.append({"hour": hour, "project": PROJECT, "service_name": SERVICE, "environment": "prod",
                         "team": "search", "feature": feature, "provider": provider, "model": model,
                         "currency": "USD", "calls": calls, "successful_calls": calls, "priced_calls": calls,
                         "unpriced_calls": 0, "flagged_calls": 0, "input_tokens": calls * tokens,
                         "output_tokens": 0, "cost_total": cost, "successful_cost": cost, "computed_at": UNTIL})
    return rows


def _cost_rows() -> list[dict[str, Any]]:
    """Per-call costs: the heavy user's calls in the window, light use a week before, and unpriced calls."""
    rows = []
    for i in range(6):
        at = SINCE + timedelta(minutes=10 * i)
        rows.append(_cost(at, f"w{i}", HEAVY_USER, SPIKE_MODEL, Decimal("1.5")))
        rows.append(_cost(at - WEEK, f"b{i}", HEAVY_USER, SPIKE_MODEL, Decimal("0.1")))
        rows.append(_cost(at, f"u{i}", "u-light", UNPRICED_MODEL, None, UNPRICED_REASON))
    return rows


def _cost(at: datetime, span: str, user: str, model: str, cost: Decimal | None, reason: str = "") -> dict[str, Any]:
    return {"timestamp": at, "trace_id": f"t-{span}", "span_id": span, "project": PROJECT, "service_name": SERVICE,
            "team": "search", "feature": "summarise", "user_id": user, "provider": "openai", "model": model,
            "input_tokens": 1000, "output_tokens": 100, "priced": cost is not None, "reason": reason,
            "currency": "USD", "cost_total": cost, "catalog_version": "v1", "priced_at": UNTIL, "status": "ok",
            "ingested_at": at}


def _calls() -> list[dict[str, Any]]:
    """gpt-4o: 2 s on the slow host (timeouts among them) in the window, 0.5 s the day before; the fast host
    stays at 0.5 s; self-hosted calls on the GPU node; the quiet service's last call 110 minutes before UNTIL."""
    rows = []
    for i in range(40):
        at = SINCE + timedelta(minutes=3 * i)
        slow = i % 2 == 0
        rows.append(_call(at, f"n{i}", SERVICE, SPIKE_MODEL, SLOW_HOST if slow else FAST_HOST,
                          2000 if slow else 500, error=slow and i % 4 == 0, ttft_ms=900 if slow else 150))
        rows.append(_call(at - DAY, f"d{i}", SERVICE, SPIKE_MODEL, SLOW_HOST if slow else FAST_HOST, 500,
                          ttft_ms=150))
        rows.append(_call(at, f"g{i}", SERVICE, SELF_HOSTED, GPU_HOST, 800, provider="vllm"))
    rows.append(_call(SINCE + timedelta(minutes=10), "q0", QUIET, STEADY_MODEL, FAST_HOST, 300, provider="anthropic"))
    rows.append(_call(SINCE - DAY + timedelta(minutes=90), "q1", QUIET, STEADY_MODEL, FAST_HOST, 300,
                      provider="anthropic"))
    return rows


def _call(at: datetime, span: str, service: str, model: str, host: str, ms: int, provider: str = "openai",
          error: bool = False, ttft_ms: int | None = None) -> dict[str, Any]:
    return {"timestamp": at, "trace_id": f"t-{span}", "span_id": span, "project": PROJECT, "service_name": service,
            "operation": "chat", "provider": provider, "request_model": model,
            "response_model": f"{model}-2024-08-06" if model == SPIKE_MODEL else model, "input_tokens": 1000,
            "output_tokens": 100, "usage_reported": True, "duration_ns": ms * 1_000_000,
            "ttft_ns": ttft_ms * 1_000_000 if ttft_ms else None, "status": "error" if error else "ok",
            "error_type": "timeout" if error else "", "team": "search", "feature": "summarise",
            "host_name": host, "ingested_at": at}


def _gpu_samples() -> list[dict[str, Any]]:
    """Two GPUs of one host sampled every 30 s for the window: one idle, one saturated with memory nearly full."""
    rows = []
    total = 80 * 2**30
    for i in range(int((UNTIL - SINCE) / timedelta(seconds=30))):
        at = SINCE + timedelta(seconds=30 * i)
        for gpu, utilization, used in ((IDLE_GPU, 0.02, 2 * 2**30), (HOT_GPU, 0.99, 79 * 2**30)):
            rows.append({"timestamp": at, "project": PROJECT, "host_name": GPU_HOST, "gpu_uuid": gpu,
                         "gpu_model": "NVIDIA H100 80GB HBM3", "utilization": utilization, "memory_used_bytes": used,
                         "memory_total_bytes": total, "power_watts": 100.0 + 500 * utilization, "source": "dcgm"})
    return rows


def _gpu_costs() -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    """Per hour of the window: $4.2 of GPU time, $0.7 allocated, $3.5 idle; and the run markers."""
    hourly = [{"hour": hour, "project": PROJECT, "host_name": GPU_HOST, "gpu_count": 2, "gpu_seconds": Decimal(7200),
               "idle_gpu_seconds": 3528.0, "priced": True, "cost": Decimal("4.2"), "allocated": Decimal("0.7"),
               "idle": Decimal("3.5"), "calls": 20, "weighted_tokens": Decimal(0), "price_source": "shipped",
               "price_version": "v1", "currency": "USD", "computed_at": UNTIL} for hour in _hours(SINCE, UNTIL)]
    runs = [{"hour": hour, "computed_at": UNTIL} for hour in _hours(SINCE, UNTIL)]
    return hourly, runs


def _scores() -> list[dict[str, Any]]:
    """20 evaluations of gpt-4o in the window (8 pass) and 20 a week before (18 pass)."""
    rows = []
    for i in range(20):
        for at, passed, tag in ((SINCE + timedelta(minutes=5 * i), i < 8, "w"),
                                (SINCE - WEEK + timedelta(minutes=5 * i), i < 18, "b")):
            rows.append({"timestamp": at, "project": PROJECT, "trace_id": f"t-s{tag}{i}", "span_id": f"s{tag}{i}",
                         "score_id": f"{tag}{i}", "name": EVAL, "value": 1.0 if passed else 0.1,
                         "label": "pass" if passed else "fail", "source": "eval", "evaluator": "judge",
                         "comment": "" if passed else "cites the wrong order", "service_name": SERVICE,
                         "model": SPIKE_MODEL, "team": "search", "feature": "summarise", "joined": True})
    return rows


def _drift() -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    """One comparison half an hour before UNTIL: input tokens drifted, output tokens did not."""
    at = UNTIL - timedelta(minutes=30)
    result = {"id": "a" * 32, "run_id": "r1", "computed_at": at, "project": PROJECT, "service_name": SERVICE,
              "model": SPIKE_MODEL, "feature": "summarise", "reference_since": at - 8 * DAY,
              "reference_until": at - DAY, "current_since": at - DAY, "current_until": at, "reference_rows": 5000,
              "current_rows": 900, "reference_sample": 5000, "current_sample": 900, "status": "ok", "drifted": True,
              "drifted_features": 1, "compared_features": 2, "drift_share": 0.5, "drift_share_threshold": 0.01,
              "report_file": "", "seconds": 1.0}
    features = [{"id": "a" * 32, "computed_at": at, "name": name, "kind": "numerical", "status": "ok",
                 "method": "wasserstein", "score": score, "threshold": 0.1, "direction": "distance",
                 "drifted": score >= 0.1, "reference_values": 5000, "current_values": 900,
                 "reference_mean": reference, "current_mean": current}
                for name, score, reference, current in (("input_tokens", 0.8, 1500.0, 4000.0),
                                                        ("output_tokens", 0.02, 100.0, 101.0))]
    return [result], features


def _spans() -> list[dict[str, Any]]:
    """Non-GenAI spans: the chat service up to the end of the window, the quiet service stopping early."""
    return [{"Timestamp": at, "TraceId": f"{i:032x}", "SpanId": f"{i:016x}", "SpanName": "GET /", "ServiceName": name}
            for i, (name, at) in enumerate(((SERVICE, UNTIL - timedelta(minutes=1)),
                                            (QUIET, SINCE + timedelta(minutes=10))))]


def populate(store: Store) -> None:
    """Write every table the diagnostics read, around the window [SINCE, UNTIL)."""
    _insert(store, "cost_hourly", _cost_hours())
    _insert(store, "request_costs", _cost_rows())
    _insert(store, "llm_calls", _calls())
    _insert(store, "gpu_samples", _gpu_samples())
    hourly, runs = _gpu_costs()
    _insert(store, "gpu_cost_hourly", hourly)
    _insert(store, "gpu_cost_runs", runs)
    _insert(store, "quality_scores", _scores())
    results, features = _drift()
    _insert(store, "drift_results", results)
    _insert(store, "drift_feature_results", features)
    _insert(store, "otel_traces", _spans())


def error_call(i: int) -> dict[str, Any]:
    """A failed gpt-4o call of the chat service in the window (a test varies its error type)."""
    return _call(SINCE + timedelta(seconds=i), f"e{i}", SERVICE, SPIKE_MODEL, SLOW_HOST, 100, error=True)


def insert_calls(store: Store, rows: list[dict[str, Any]]) -> None:
    _insert(store, "llm_calls", rows)
