"""The GPUs page in a real headless Chromium, against `spyglass up` holding GPU telemetry sent over OTLP.

Four GPUs on two hosts report for two hours, ending 30 minutes ago, as the agent does (hw.* metrics
under the agent's meter scope, real OTLP protobuf over HTTP): node-a GPU 0 busy, node-a GPU 1 idle
throughout, node-b GPU 0 half busy, node-b GPU 1 idle for ten minutes only. One dcgm-exporter target
is configured where nothing listens, so the page must report it down.
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
from playwright.sync_api import expect

from collector.normalise.gpu import AGENT_SCOPE
from dashboard.controls import PRESETS
from dashboard.figures.costs import money
from tests.helpers.fleet import wait_for_dashboard
from tests.helpers.service_process import ServiceProcess, free_port
from tests.helpers.wait import eventually

CHART = '[data-testid="stPlotlyChart"] .js-plotly-plot'
MINUTES = 120
DEAD_TARGET = f"http://127.0.0.1:{free_port()}/metrics"


def _utilization(host: str, index: int, minute: int) -> float:
    if (host, index) == ("node-a", 0):
        return 0.8
    if (host, index) == ("node-b", 1):
        return 0.03 if minute < 10 else 0.6
    return 0.5 if host == "node-b" else 0.02


def _kv(key: str, value: str) -> KeyValue:
    return KeyValue(key=key, value=AnyValue(string_value=value))


def _request(end_ns: int) -> ExportMetricsServiceRequest:
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


@pytest.fixture(scope="module")
def gpu_service(tmp_path_factory: pytest.TempPathFactory) -> Iterator[ServiceProcess]:
    service = ServiceProcess(tmp_path_factory.mktemp("gpus") / "data", dashboard=True,
                             env={"SPYGLASS_GPU__DCGM_TARGETS": json.dumps([DEAD_TARGET]),
                                  "SPYGLASS_GPU__HOST_PRICES": json.dumps({"node-a": "2", "node-b": "3"}),
                                  "SPYGLASS_GPU__COST_INTERVAL_SECONDS": "1"}).start()
    try:
        end_ns = (time.time_ns() - 30 * 60_000_000_000) // 60_000_000_000 * 60_000_000_000
        response = httpx.post(f"{service.otlp_http}/v1/metrics", content=_request(end_ns).SerializeToString(),
                              headers={"Content-Type": "application/x-protobuf"}, timeout=30)
        assert response.status_code == 200, response.text
        fleet = httpx.get(f"{service.api}/api/v1/gpu/fleet", params={"since": "6h"}, timeout=30).json()
        assert len(fleet["gpus"]) == 4, fleet
        wait_for_dashboard(service.dashboard_url)
        yield service
    finally:
        service.stop()


def _open_gpus(open_page, url: str, since: str):
    """Start where users start, follow the sidebar link, pick the range."""
    page = open_page(url)
    page.get_by_role("link", name="GPUs").click()
    expect(page.get_by_role("heading", name="GPUs")).to_be_visible(timeout=45_000)
    page.get_by_role("radiogroup", name="Time range").get_by_role("radio", name=since, exact=True).click()
    expect(page.get_by_role("radiogroup", name="Time range").get_by_role("radio", name=since, exact=True)) \
        .to_be_checked()
    expect(page.get_by_text(f"GPUs in the last {PRESETS[since]}")).to_be_visible(timeout=30_000)
    return page


def _idle_dollars(service) -> dict[str, str]:
    """The idle cost per host as the API reports it once the gpu-costs job has run (formatted like the page)."""
    def hosts() -> list[dict] | None:
        found = httpx.get(f"{service.api}/api/v1/gpu/costs", params={"since": "6h"}, timeout=30).json()["hosts"]
        return found if len(found) == 2 and all(h["idle"] for h in found) else None

    return {h["host_name"]: money(h["idle"]) for h in eventually(hosts, timeout=60, interval=0.5,
                                                                  what="GPU cost of both hosts")}


def _tile(page, label: str):
    label_element = page.get_by_test_id("stMetricLabel").get_by_text(label, exact=True)
    return page.locator('[data-testid="stMetric"]').filter(has=label_element).get_by_test_id("stMetricValue")


def test_gpus_page_shows_the_fleet_heatmap_idle_gpus_and_a_down_target(gpu_service, open_page, tmp_path):
    page = _open_gpus(open_page, gpu_service.dashboard_url, "6h")
    expect(page.locator(CHART)).to_have_count(3, timeout=30_000)       # heatmap, memory headroom, power
    expect(_tile(page, "GPUs")).to_have_text("4")
    expect(_tile(page, "Idle GPUs")).to_have_text("1")                  # node-a GPU 1; node-b GPU 1 idled 10 min only
    expect(_tile(page, "Mean utilisation")).to_have_text("46.8%")      # (0.8 + 0.02 + 0.5 + (10×0.03 + 110×0.6)/120) / 4
    for gpu in ("node-a · GPU 0", "node-a · GPU 1", "node-b · GPU 0", "node-b · GPU 1"):
        expect(page.locator(".ytick text", has_text=gpu)).to_have_count(2)   # heatmap row and headroom bar
    expect(page.locator(".legendtext", has_text="node-b")).to_have_count(1)  # a power line per host
    expect(page.get_by_role("heading", name="Fleet")).to_be_visible()
    expect(page.get_by_text("Stretches under 10% mean utilisation in every minute for 30 minutes")).to_be_visible()
    expect(page.get_by_test_id("stAlert").filter(has_text="1 of 1 dcgm-exporter targets are down")).to_be_visible()
    expect(page.get_by_test_id("stException")).to_have_count(0)
    idle = _idle_dollars(gpu_service)
    expect(page.get_by_role("heading", name="Idle cost by host")).to_be_visible()
    for amount in idle.values():  # canvas tables: their accessible cells carry the text
        expect(page.locator('td[role="gridcell"]', has_text=amount).first).to_be_attached(timeout=30_000)
    shot = tmp_path / "gpus.png"
    page.screenshot(path=str(shot), full_page=True)
    assert shot.stat().st_size > 60_000, "a page with three charts and tables, not a blank one"


def test_a_range_without_samples_says_how_to_send_them(gpu_service, open_page):
    page = _open_gpus(open_page, gpu_service.dashboard_url, "15m")
    expect(page.get_by_text("No GPU samples in this range yet")).to_be_visible(timeout=30_000)
    expect(page.get_by_text(f"spyglass gpu-agent --endpoint {gpu_service.otlp_http}")).to_be_visible()
    expect(page.locator(CHART)).to_have_count(0)
    expect(page.get_by_role("heading", name="DCGM scrape targets")).to_be_visible()
