"""GPU, drift and quality detectors against the real store: GPU samples (priced by the real GPU cost job), drift
comparisons and quality scores, read by each detector's `series` and judged by its `detect`."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

import pytest

from detectors import drift, gpu_idle, gpu_load, quality
from detectors.base import run_rules
from pipelines.gpu.allocation import AllocationConfig
from pipelines.gpu.job import run_gpu_cost_job
from pipelines.gpu.prices import GpuPriceTable
from tests.helpers.catalogs import utc
from tests.helpers.detector_rows import insert_calls, insert_drift, insert_gpu_samples, insert_scores

pytestmark = pytest.mark.xdist_group("detector-store")
MINUTE = timedelta(minutes=1)
GIB = 1 << 30


def test_an_idle_gpu_host_is_priced_waste(shared_store):
    now = utc(2026, 8, 4, 12, 5)
    start = utc(2026, 8, 4, 9, 0)
    samples = [{"timestamp": start + i * timedelta(seconds=30), "host_name": host, "gpu_uuid": f"GPU-{host}",
                "utilization": util} for i in range(360) for host, util in (("node-idle", 0.0), ("node-busy", 0.9))]
    insert_gpu_samples(shared_store, samples)
    insert_calls(shared_store, [{"timestamp": start + m * MINUTE, "span_id": f"busy{m}", "host_name": "node-busy",
                                 "provider": "vllm"} for m in range(0, 180, 20)])   # it serves calls: 10 % idle
    run_gpu_cost_job(shared_store, GpuPriceTable({"H100": Decimal("2.40")}),
                     AllocationConfig(weights={"input": Decimal(1), "output": Decimal(1)},
                                      self_hosted_providers=frozenset({"vllm"})), now)
    params = gpu_idle.DETECTOR.params({"window": "3h", "min_idle_usd": "5"})
    [signals] = run_rules(gpu_idle.DETECTOR, shared_store, [params], now)

    [signal] = signals
    assert signal.labels == {"host": "node-idle"}
    assert signal.evidence["idle_usd"] == "7.2" and signal.evidence["idle_share"] == 1.0   # 3 h x $2.40, no calls
    assert (signal.value, signal.threshold) == (7.2, 5.0)


def test_a_saturated_gpu_with_no_memory_left(shared_store):
    now = utc(2026, 8, 11, 10, 20)
    samples = [{"timestamp": now - timedelta(minutes=20) + i * timedelta(seconds=15), "host_name": "node-hot",
                "gpu_uuid": gpu, "utilization": util, "memory_used_bytes": used}
               for i in range(80) for gpu, util, used in (("GPU-hot", 0.99, 79 * GIB), ("GPU-ok", 0.4, 40 * GIB))]
    insert_gpu_samples(shared_store, samples)
    where = {"where": {"host": ["node-hot"]}}
    [[hot]] = run_rules(gpu_load.SATURATED, shared_store, [gpu_load.SATURATED.params(where)], now)
    [[full]] = run_rules(gpu_load.MEMORY_LOW, shared_store, [gpu_load.MEMORY_LOW.params(where)], now)

    assert hot.labels == full.labels == {"host": "node-hot", "gpu": "GPU-hot"}
    assert hot.value == pytest.approx(0.99) and hot.evidence["window"]["minutes_with_samples"] == 15
    assert full.value == pytest.approx(1 / 80) and full.evidence["memory_used_mean_bytes"] == 79 * GIB


def test_the_latest_drift_comparison_decides(shared_store):
    now = utc(2026, 9, 15, 12, 30)
    insert_drift(shared_store, now - timedelta(hours=1), "c-drifted", True, {"input_tokens": True, "duration_ms": False})
    insert_drift(shared_store, now - timedelta(hours=2), "b-old", True, {"input_tokens": True}, service="batch")
    insert_drift(shared_store, now - timedelta(hours=1), "b-new", False, {"input_tokens": False}, service="batch")
    insert_drift(shared_store, now - timedelta(hours=1), "s-few", None, {"input_tokens": False}, service="search")
    insert_drift(shared_store, now - timedelta(hours=5), "o-stale", True, {"input_tokens": True}, service="old")
    [signals] = run_rules(drift.DETECTOR, shared_store, [drift.DETECTOR.params({})], now)

    [signal] = signals
    assert signal.labels == {"project": "p", "service": "chat-api", "model": "gpt-4o", "feature": "answer"}
    assert (signal.value, signal.threshold) == (0.5, 0.01)
    assert signal.evidence["features"] == [{"name": "input_tokens", "method": "wasserstein", "score": 0.3,
                                            "threshold": 0.1}]
    assert signal.evidence["comparison_id"] == "c-drifted" and signal.evidence["current"]["rows"] == 900


def test_a_pass_rate_drop_and_negative_feedback(shared_store):
    now = utc(2026, 10, 20, 12, 0)
    rows = [{"timestamp": now - timedelta(days=2) + i * timedelta(minutes=10), "score_id": f"b{i}",
             "value": 0.0 if i % 10 == 0 else 1.0} for i in range(250)]                       # 90 % pass
    rows += [{"timestamp": now - timedelta(minutes=55) + i * MINUTE, "score_id": f"w{i}",
              "value": 0.0 if i % 2 else 1.0} for i in range(50)]                              # 50 % pass
    rows += [{"timestamp": now - timedelta(minutes=50) + i * MINUTE, "score_id": f"f{i}", "source": "feedback",
              "name": "thumbs", "label": "thumbs_down" if i % 3 == 0 else "thumbs_up"} for i in range(40)]
    insert_scores(shared_store, rows)
    rules = [quality.DETECTOR.params({}),
             quality.DETECTOR.params({"metric": "negative_feedback_rate", "threshold": 0.2, "min_change": None})]
    pass_rate, feedback = run_rules(quality.DETECTOR, shared_store, rules, now)

    [drop] = pass_rate
    assert drop.labels == {"service": "chat-api", "model": "gpt-4o", "score": "correctness"}
    assert drop.value == 0.5 and drop.threshold == pytest.approx(0.9 - 0.1, abs=0.01)
    assert drop.evidence["reason"] == "baseline" and drop.evidence["window"]["count"] == 50
    [negative] = feedback
    assert negative.labels["score"] == "thumbs" and negative.value == pytest.approx(14 / 40)
    assert negative.evidence["reason"] == "threshold" and negative.threshold == 0.2
