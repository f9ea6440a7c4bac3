"""Call detectors against the real store: rows in llm_calls (and otel_traces, gpu_samples for silence), read by
each detector's `series` and judged by its `detect`."""

from __future__ import annotations

from datetime import timedelta

import numpy as np
import pytest

from detectors import burn_rate, latency, no_data
from detectors.base import run_rules
from tests.helpers.catalogs import utc
from tests.helpers.detector_rows import insert_calls, insert_gpu_samples, insert_spans

pytestmark = pytest.mark.xdist_group("detector-store")
MINUTE = timedelta(minutes=1)


def test_p95_latency_and_time_to_first_token_regressions(shared_store):
    now = utc(2026, 5, 12, 15, 0)
    rng = np.random.default_rng(1)
    baseline = rng.uniform(400, 600, 400)
    window = rng.uniform(1500, 2500, 100)
    rows = [{"timestamp": now - timedelta(hours=23) + i * timedelta(minutes=3), "span_id": f"b{i}",
             "service_name": "svc-slow", "duration_ns": int(ms * 1e6), "ttft_ns": int(ms * 1e5)}
            for i, ms in enumerate(baseline)]
    rows += [{"timestamp": now - timedelta(minutes=29) + i * timedelta(seconds=15), "span_id": f"w{i}",
              "service_name": "svc-slow", "duration_ns": int(ms * 1e6), "ttft_ns": int(ms * 1e5)}
             for i, ms in enumerate(window)]
    rows += [{"timestamp": now - timedelta(minutes=10), "span_id": f"e{i}", "service_name": "svc-slow",
              "status": "error", "duration_ns": 1_000_000} for i in range(50)]   # failed fast: not latency
    insert_calls(shared_store, rows)
    where = {"where": {"service": ["svc-slow"]}}

    [[slow]] = run_rules(latency.LATENCY, shared_store, [latency.LATENCY.params(where)], now)
    [[slow_ttft]] = run_rules(latency.TTFT, shared_store, [latency.TTFT.params(where)], now)

    assert slow.labels == {"provider": "openai", "model": "gpt-4o"}
    assert slow.value == pytest.approx(np.quantile(window, 0.95), rel=0.03)
    assert slow.threshold == pytest.approx(1.5 * np.quantile(baseline, 0.95), rel=0.03)
    assert slow.evidence["window"]["calls"] == 100 and slow.evidence["baseline"]["calls"] == 400
    assert slow_ttft.value == pytest.approx(np.quantile(window, 0.95) / 10, rel=0.03)


def test_an_error_burst_burns_the_fast_tiers_and_unset_status_counts_as_ok(shared_store):
    now = utc(2026, 6, 3, 12, 0)
    rows = []
    for service, status in (("svc-burn", "ok"), ("svc-unset", "unset")):
        rows += [{"timestamp": now - timedelta(days=2) + i * MINUTE, "span_id": f"{service}-{i}",
                  "service_name": service, "status": status} for i in range(2 * 1440)]
    rows += [{"timestamp": now - timedelta(minutes=50) + i * timedelta(seconds=20), "span_id": f"err{i}",
              "service_name": "svc-burn", "status": "error"} for i in range(150)]
    insert_calls(shared_store, rows)
    [signals] = run_rules(burn_rate.DETECTOR, shared_store, [burn_rate.DETECTOR.params({
        "objective": 0.999, "where": {"service": ["svc-burn", "svc-unset"]}})], now)

    tiers = {s.labels["burn_window"]: s for s in signals}
    assert {s.labels["service"] for s in signals} == {"svc-burn"}
    assert {"1h/5m", "6h/30m"} <= set(tiers)
    fast = tiers["1h/5m"]
    # The last hour: 60 ok calls and 150 errors; the budget is 0.1 %.
    assert fast.evidence["long"]["calls"] == 210 and fast.evidence["long"]["errors"] == 150
    assert fast.value == pytest.approx(150 / 210 / 0.001) and fast.threshold == 14.4


def test_silence_of_a_service_a_gpu_host_and_the_whole_ingest(shared_store):
    now = utc(2026, 7, 8, 12, 0)
    active = [now - timedelta(hours=5) + i * MINUTE for i in range(240)]   # until an hour ago
    insert_calls(shared_store, [{"timestamp": t, "span_id": f"q{i}", "service_name": "svc-quiet"}
                                for i, t in enumerate(active)])
    insert_calls(shared_store, [{"timestamp": t, "span_id": f"l{i}", "service_name": "svc-alive"}
                                for i, t in enumerate(active + [now - MINUTE * 3])])
    insert_gpu_samples(shared_store, [{"timestamp": t, "host_name": "node-quiet"} for t in active])
    insert_spans(shared_store, active)
    insert_spans(shared_store, [now - timedelta(minutes=m) for m in range(1, 60)], service="spyglass")

    [signals] = run_rules(no_data.DETECTOR, shared_store, [no_data.DETECTOR.params({})], now)

    assert [s.labels for s in signals] == [
        {"subject": "gpu_host", "project": "p", "host": "node-quiet", "source": "agent"},
        {"subject": "ingest"},
        {"subject": "service", "project": "p", "service": "svc-quiet"}]
    assert signals[2].evidence["last_seen"] == "2026-07-08T11:00:00Z" and signals[2].value == 3600.0
