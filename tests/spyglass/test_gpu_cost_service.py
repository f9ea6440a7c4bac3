"""The service runs the GPU cost job with the GPU settings: host prices, host mapping, token weights."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone
from decimal import Decimal

import httpx
import pytest

from spyglass import config
from store.errors import ConfigError
from tests.helpers.gpu_data import call, insert_calls, insert_samples, samples
from tests.helpers.wait import eventually


def test_the_scheduled_job_uses_the_gpu_settings(service_factory):
    service = service_factory(gpu={"cost_interval_seconds": 0.2, "host_prices": {"node-1": "3.60"},
                                   "host_map": {"vllm-pod-1": "node-1"}, "token_weights": {"input": 0, "output": 1}})
    now = datetime.now(timezone.utc)
    start = now.replace(minute=0, second=0, microsecond=0) - timedelta(hours=1)  # the previous, closed hour
    insert_samples(service.store, samples("node-1", "g0", "NVIDIA T4", start, 60, timedelta(minutes=1), 1.0))
    insert_calls(service.store, [call(start + timedelta(minutes=1), "a", "vllm-pod-1", 1000, 10),
                                 call(start + timedelta(minutes=2), "b", "vllm-pod-1", 0, 30)])
    params = {"since": start.isoformat(), "until": (start + timedelta(hours=1)).isoformat()}

    def node() -> dict | None:
        hosts = httpx.get(f"{service.api}/api/v1/gpu/costs", params=params).json()["hosts"]
        return next((h for h in hosts if h["host_name"] == "node-1" and h["calls"] == 2), None)

    host = eventually(node, timeout=20, what="a gpu-costs run that priced node-1's two calls")
    # A T4 has no shipped price, but the host price covers it: 3.60 for the hour, all used.
    assert (Decimal(host["gpu_cost"]), Decimal(host["allocated"]), host["price_source"]) == (
        Decimal("3.6"), Decimal("3.6"), "host:node-1")
    rows = service.rows("SELECT span_id, gpu_cost FROM request_gpu_costs FINAL ORDER BY span_id, computed_at DESC "
                        "LIMIT 1 BY span_id")
    # Output tokens only: 10 and 30 -> 0.90 and 2.70.
    assert [(r["span_id"], r["gpu_cost"]) for r in rows] == [("a", Decimal("0.9")), ("b", Decimal("2.7"))]
    jobs = httpx.get(f"{service.api}/readyz").json()["jobs"]
    assert jobs["gpu-costs"]["runs"] >= 1 and jobs["gpu-costs"]["last_error"] == ""
    assert set(jobs["gpu-costs"]["last_result"]) >= {"hours", "host_hours", "calls_allocated", "cost", "idle"}


@pytest.mark.parametrize("overrides, fragment", [
    ({"token_weights": {"prompt": 1}}, "unknown token kinds ['prompt']"),
    ({"token_weights": {"input": 0, "output": 0}}, "at least one token kind"),
    ({"host_prices": {"node-1": "-1"}}, "gpu.host_prices.node-1"),
    ({"sample_max_gap_seconds": 7200}, "gpu.sample_max_gap_seconds"),
])
def test_bad_gpu_settings_are_clear_config_errors(overrides, fragment):
    with pytest.raises(ConfigError, match="invalid configuration") as err:
        config.load(gpu=overrides)
    assert fragment in str(err.value)
