"""gpu_idle, gpu_saturated and gpu_memory_low on synthetic series: waste in dollars and share, sustained load over
covered minutes, grouping per host."""

from __future__ import annotations

from datetime import timedelta

import pytest

from detectors import gpu_idle, gpu_load
from tests.helpers.synthetic_ops import DAY0, gpu_idle_scenarios, gpu_minutes_frame

IDLE = gpu_idle_scenarios()[0].frame
MINUTES = gpu_minutes_frame()


def test_idle_dollars_fire_only_with_a_large_enough_share():
    night = DAY0 + timedelta(hours=5)
    [signal] = gpu_idle.DETECTOR.detect(IDLE, gpu_idle.DETECTOR.params({}), night)
    assert signal.labels == {"host": "node-batch"} and signal.evidence["idle_share"] > 0.9
    busy = gpu_idle.DETECTOR.params({"min_idle_share": 0.1, "where": {"host": ["node-busy"]}})
    [busy_signal] = gpu_idle.DETECTOR.detect(IDLE, busy, night)
    assert busy_signal.evidence["gpu_cost_usd"] == "80" and 0.1 < busy_signal.evidence["idle_share"] < 0.25
    cheap = gpu_idle.DETECTOR.params({"min_idle_usd": "1", "where": {"host": ["node-small", "node-unpriced"]}})
    [small] = gpu_idle.DETECTOR.detect(IDLE, cheap, night)   # the unpriced host has no idle dollars, never 0
    assert small.labels == {"host": "node-small"} and small.evidence["hours"] == 5
    with pytest.raises(ValueError, match="whole number of hours"):
        gpu_idle.DETECTOR.params({"window": "30m"})


def test_saturation_needs_the_whole_window_and_enough_sampled_minutes():
    params = gpu_load.SATURATED.params({})
    [signal] = gpu_load.SATURATED.detect(MINUTES, params, DAY0 + timedelta(hours=10, minutes=30))
    assert signal.labels == {"host": "node-1", "gpu": "GPU-a"} and signal.value == pytest.approx(0.99)
    assert gpu_load.SATURATED.detect(MINUTES, params, DAY0 + timedelta(hours=15, minutes=5)) == []   # a burst
    sparse = gpu_load.SATURATED.params({"min_coverage": 0.5, "where": {"gpu": ["GPU-c"]}})
    assert len(gpu_load.SATURATED.detect(MINUTES, sparse, DAY0 + timedelta(hours=3))) == 1


def test_memory_headroom_per_gpu_or_per_host():
    leak = DAY0 + timedelta(hours=17, minutes=20)
    [signal] = gpu_load.MEMORY_LOW.detect(MINUTES, gpu_load.MEMORY_LOW.params({}), leak)
    assert signal.labels["gpu"] == "GPU-a" and signal.value < 0.05
    assert signal.evidence["memory_total_mean_bytes"] == 80 << 30
    per_host = gpu_load.MEMORY_LOW.params({"group_by": ["host"], "min_headroom": 0.06})
    [host] = gpu_load.MEMORY_LOW.detect(MINUTES, per_host, leak)   # node-1: 1 % and 10 % free of 2 x 80 GiB
    assert host.labels == {"host": "node-1"} and host.value == pytest.approx(0.055, abs=0.005)
