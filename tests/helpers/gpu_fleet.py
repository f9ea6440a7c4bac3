"""A GPU fleet for the dashboard tests: `spyglass up` holding two hours of GPU telemetry sent over OTLP, LLM calls
that two of its GPUs served, and one API call (`gpu_fleet`: a session fixture, registered as a plugin by
tests/conftest.py, on the dashboard services' worker).

Four GPUs on two hosts report for two hours, ending 30 minutes ago, as the agent does (hw.* metrics
under the agent's meter scope, real OTLP protobuf over HTTP): node-a GPU 0 busy, node-a GPU 1 idle
throughout, node-b GPU 0 half busy, node-b GPU 1 idle for ten minutes only. One dcgm-exporter target
is configured where nothing listens, so the GPUs page must report it down. An hour ago team platform's
assistant made three vLLM calls on node-a (priced through node-a's GPU time) and team search one gpt-4o
call through the OpenAI API (4,000 input and 500 output tokens: $0.015 at list price).
"""

from __future__ import annotations

import json
import time
from collections.abc import Iterator

import httpx
import pytest
from opentelemetry.proto.collector.metrics.v1.metrics_service_pb2 import ExportMetricsServiceRequest
from opentelemetry.proto.common.v1.common_pb2 import AnyValue, InstrumentationScope, KeyValue
from opentelemetry.proto.metrics.v1.metrics_pb2 import Gauge, Metric, NumberDataPoint, ResourceMetrics, ScopeMetrics
from opentelemetry.proto.resource.v1.resource_pb2 import Resource

from collector.normalise.gpu import AGENT_SCOPE
from tests.helpers.fleet import FAST_COSTS, Call, send_fleet, wait_for_dashboard
from tests.helpers.service_process import ServiceProcess, free_port

MINUTES = 120
DEAD_TARGET = f"http://127.0.0.1:{free_port()}/metrics"
HOST_PRICES = {"node-a": "2", "node-b": "3"}
GPU_CALLS = (Call("llama-3.1-8b", "vllm", 300, 200, 400),) * 3
API_CALL = (Call("gpt-4o", "openai", 4000, 500, 900),)
CALLS_AGE_S = 3600


def _utilization(host: str, index: int, minute: int) -> float:
    if (host, index) == ("node-a", 0):
        return 0.8
    if (host, index) == ("node-b", 1):
        return 0.03 if minute < 10 else 0.6
    return 0.5 if host == "node-b" else 0.02


def _kv(key: str, value: str) -> KeyValue:
    return KeyValue(key=key, value=AnyValue(string_value=value))


def gpu_metrics_request(end_ns: int) -> ExportMetricsServiceRequest:
    resources = []
    for host in ("node-a", "node-b"):
        points: dict[str, list[NumberDataPoint]] = {"hw.gpu.utilization": [], "hw.gpu.memory.usage": [],
                                                    "hw.gpu.memory.limit": [], "hw.power": []}
        for index in (0, 1):
            ident = [_kv("hw.id", f"GPU-{host}-{index}"), _kv("hw.gpu.index", str(index)),
                     _kv("hw.model", "NVIDIA L4"), _kv("hw.vendor", "NVIDIA")]
            for minute in range(MINUTES):
                t = end_ns - (MINUTES - minute) * 60_000_000_000
                busy = _utilization(host, index, minute)
                points["hw.gpu.utilization"].append(NumberDataPoint(time_unix_nano=t, as_double=busy, attributes=ident))
                points["hw.gpu.memory.usage"].append(NumberDataPoint(time_unix_nano=t, as_int=int(busy * 20 * 2**30),
                                                                     attributes=ident))
                points["hw.gpu.memory.limit"].append(NumberDataPoint(time_unix_nano=t, as_int=24 * 2**30,
                                                                     attributes=ident))
                points["hw.power"].append(NumberDataPoint(time_unix_nano=t, as_double=30 + 40 * busy,
                                                          attributes=[*ident, _kv("hw.type", "gpu")]))
        metrics = [Metric(name=name, gauge=Gauge(data_points=data)) for name, data in points.items()]
        resources.append(ResourceMetrics(resource=Resource(attributes=[_kv("host.name", host)]), scope_metrics=[
            ScopeMetrics(scope=InstrumentationScope(name=AGENT_SCOPE), metrics=metrics)]))
    return ExportMetricsServiceRequest(resource_metrics=resources)


@pytest.fixture(scope="session")
def gpu_fleet(tmp_path_factory: pytest.TempPathFactory) -> Iterator[ServiceProcess]:
    service = ServiceProcess(tmp_path_factory.mktemp("gpus") / "data", dashboard=True,
                             env={**FAST_COSTS, "SPYGLASS_GPU__DCGM_TARGETS": json.dumps([DEAD_TARGET]),
                                  "SPYGLASS_GPU__HOST_PRICES": json.dumps(HOST_PRICES),
                                  "SPYGLASS_GPU__COST_INTERVAL_SECONDS": "3"}).start()
    try:
        end_ns = (time.time_ns() - 30 * 60_000_000_000) // 60_000_000_000 * 60_000_000_000
        response = httpx.post(f"{service.otlp_http}/v1/metrics", content=gpu_metrics_request(end_ns).SerializeToString(),
                              headers={"Content-Type": "application/x-protobuf"}, timeout=30)
        assert response.status_code == 200, response.text
        fleet = httpx.get(f"{service.api}/api/v1/gpu/fleet", params={"since": "6h"}, timeout=30).json()
        assert len(fleet["gpus"]) == 4, fleet
        send_fleet(service.otlp_http, GPU_CALLS, CALLS_AGE_S,
                   {"service.name": "assistant", "host.name": "node-a", "spyglass.team": "platform"})
        send_fleet(service.otlp_http, API_CALL, CALLS_AGE_S, {"service.name": "search", "spyglass.team": "search"})
        wait_for_dashboard(service.dashboard_url)
        yield service
    finally:
        service.stop()
