"""Scraping dcgm-exporter over real HTTP: rows land in gpu_samples, bad targets are reported, never fatal."""

from __future__ import annotations

import socket
import threading
from collections.abc import Iterator
from datetime import datetime, timedelta, timezone
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import httpx
import pytest

from collector.batcher import Batcher
from collector.receivers.dcgm_scrape import DcgmScraper, target_host
from spyglass.config import Settings, load
from store import query_rows
from store.errors import ConfigError
from tests.helpers.wait import eventually

DATA = Path(__file__).parents[1] / "data"
PAGES = {
    "/node7/metrics": (DATA / "dcgm_node7_mig_k8s.txt").read_text(),
    "/node8/metrics": (DATA / "dcgm_node8_hostname.txt").read_text(),
    "/broken/metrics": "DCGM_FI_DEV_GPU_TEMP{gpu=\"0\" 44\n",
}
MIB = 1 << 20
GPU0 = "GPU-5a3c1e7b-9d2f-4c8a-b1e6-0f9a2d7c4e01"


class _Exporter(BaseHTTPRequestHandler):
    def do_GET(self) -> None:  # noqa: N802 (http.server's name)
        body = PAGES.get(self.path)
        if body is None:
            self.send_error(404)
            return
        data = body.encode()
        self.send_response(200)
        self.send_header("Content-Type", "text/plain; version=0.0.4; charset=utf-8")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def log_message(self, *args) -> None:
        pass


@pytest.fixture
def exporter() -> Iterator[str]:
    """A dcgm-exporter stand-in on 127.0.0.1 serving the fixture pages; yields its base URL."""
    server = ThreadingHTTPServer(("127.0.0.1", 0), _Exporter)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}"
    server.shutdown()
    server.server_close()


@pytest.fixture
def down() -> Iterator[str]:
    """A target URL whose port is bound but not listening: connections are refused, and no other
    process can take the port during the test (as a merely 'free' port could)."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        yield f"http://127.0.0.1:{sock.getsockname()[1]}/metrics"



def test_scraper_commits_good_targets_and_reports_the_bad(store, exporter, down):
    batcher = Batcher(store, linger=0.005)
    targets = [f"{exporter}/node7/metrics", down, f"{exporter}/broken/metrics", f"{exporter}/missing"]
    scraper = DcgmScraper(targets, batcher.submit, timeout=2.0)
    try:
        now = datetime(2026, 11, 21, 7, 0, tzinfo=timezone.utc)
        assert scraper.scrape_all(now) == {"targets": 4, "up": 1, "rows": 4}
        later = now + timedelta(seconds=15)
        scraper.scrape_all(later)
        good, closed, broken, missing = scraper.status()
    finally:
        scraper.close()
        batcher.close()
    assert good["up"] and good["consecutive_failures"] == 0 and good["last_error"] == ""
    assert good["samples_last_scrape"] == 40 and good["rows_last_scrape"] == 4
    assert good["last_success"] == good["last_attempt"] == later.isoformat()
    assert not closed["up"] and closed["consecutive_failures"] == 2 and closed["last_success"] is None
    assert closed["last_error"].startswith("unreachable")
    assert broken["consecutive_failures"] == 2 and "malformed exposition text: line 1" in broken["last_error"]
    assert missing["last_error"] == "HTTP 404 from the target"

    rows = query_rows(store, "SELECT gpu_uuid, mig_instance, utilization, memory_used_bytes, energy_joules, "
                             "toUnixTimestamp(timestamp) AS t, source FROM gpu_samples "
                             "WHERE gpu_uuid = {u:String} AND mig_instance = '' ORDER BY t", {"u": GPU0})
    assert [r["t"] for r in rows] == [int(now.timestamp()), int(later.timestamp())]  # one row per scrape
    assert rows[0]["utilization"] == pytest.approx(0.87) and rows[0]["memory_used_bytes"] == 61440 * MIB
    assert rows[0]["energy_joules"] == pytest.approx(123456789.012) and rows[0]["source"] == "dcgm"
    # The raw points reach the OTel tables too: counters as sums, the rest as gauges.
    [energy] = query_rows(store, "SELECT count() AS n, any(IsMonotonic) AS mono, any(ServiceName) AS svc "
                                 "FROM otel_metrics_sum WHERE MetricName = 'DCGM_FI_DEV_TOTAL_ENERGY_CONSUMPTION'")
    assert energy["n"] >= 1 and energy["mono"] and energy["svc"] == "dcgm-exporter"
    [temp] = query_rows(store, "SELECT count() AS n FROM otel_metrics_gauge WHERE MetricName = 'DCGM_FI_DEV_GPU_TEMP'")
    assert temp["n"] >= 2


def test_the_service_scrapes_on_its_interval_and_stays_healthy(service_factory, exporter, down):
    targets = [f"{exporter}/node8/metrics", down, f"{exporter}/broken/metrics"]
    service = service_factory(gpu={"dcgm_targets": targets, "dcgm_scrape_interval_seconds": 0.2})

    [row] = eventually(lambda: service.rows(
        "SELECT host_name, utilization, memory_total_bytes, energy_joules, sm_active, k8s_pod, source "
        "FROM gpu_samples ORDER BY timestamp DESC LIMIT 1"))
    assert (row["host_name"], row["k8s_pod"], row["source"]) == ("gpu-node-8", "reranker-7c9f-abcde", "dcgm")
    assert row["utilization"] == pytest.approx(0.12) and row["energy_joules"] == pytest.approx(5000.0)
    assert row["memory_total_bytes"] == (2048 + 20475 + 507) * MIB and row["sm_active"] is None

    def down_twice():
        targets_now = httpx.get(f"{service.api}/api/v1/gpu/scrape-targets", timeout=5).json()["targets"]
        return targets_now if targets_now[1]["consecutive_failures"] >= 2 else None

    good, closed, broken = eventually(down_twice)
    assert [t["url"] for t in (good, closed, broken)] == targets
    assert good["up"] and good["rows_last_scrape"] == 1 and good["samples_last_scrape"] == 8
    assert not closed["up"] and closed["last_error"].startswith("unreachable") and closed["last_success"] is None
    assert not broken["up"] and broken["last_error"].startswith("malformed exposition text")

    ready = httpx.get(f"{service.api}/readyz", timeout=5)
    assert ready.status_code == 200  # a down exporter is reported, not a reason to be unready
    body = ready.json()
    assert [t["url"] for t in body["dcgm_targets"]] == targets
    assert body["dcgm_targets"][1]["consecutive_failures"] >= 2
    assert body["jobs"]["dcgm-scrape"]["failures"] == 0  # the job itself never fails
    assert httpx.get(f"{service.api}/healthz", timeout=5).status_code == 200


def test_without_targets_there_is_no_scrape_job(service_factory):
    service = service_factory()
    assert httpx.get(f"{service.api}/api/v1/gpu/scrape-targets", timeout=5).json() == {"targets": []}
    body = httpx.get(f"{service.api}/readyz", timeout=5).json()
    assert "dcgm_targets" not in body and "dcgm-scrape" not in body["jobs"]


@pytest.mark.parametrize("targets", [["gpu-node-1:9400/metrics"], ["ftp://gpu-node-1/metrics"], ["http:///metrics"]])
def test_targets_must_be_http_urls(targets):
    with pytest.raises(ConfigError, match="gpu.dcgm_targets.*not an http\\(s\\) URL"):
        load(gpu={"dcgm_targets": targets})


def test_targets_from_a_comma_separated_string():
    settings = Settings(gpu={"dcgm_targets": "http://a:9400/metrics, https://b/metrics"})
    assert settings.gpu.dcgm_targets == ["http://a:9400/metrics", "https://b/metrics"]
    assert target_host("http://gpu-node-3:9400/metrics") == "gpu-node-3"


def test_a_target_going_down_and_coming_back_is_logged_once_each(store, exporter, caplog):
    PAGES["/flaky/metrics"] = PAGES["/node8/metrics"]
    batcher = Batcher(store, linger=0.005)
    scraper = DcgmScraper([f"{exporter}/flaky/metrics"], batcher.submit, timeout=2.0)
    now = datetime(2026, 11, 21, 7, 0, tzinfo=timezone.utc)
    try:
        with caplog.at_level("INFO", logger="collector.receivers.dcgm_scrape"):
            scraper.scrape_all(now)
            del PAGES["/flaky/metrics"]
            for i in range(1, 4):
                scraper.scrape_all(now + timedelta(seconds=15 * i))
            PAGES["/flaky/metrics"] = PAGES["/node8/metrics"]
            scraper.scrape_all(now + timedelta(minutes=1))
            scraper.scrape_all(now + timedelta(minutes=2))
    finally:
        PAGES.pop("/flaky/metrics", None)
        scraper.close()
        batcher.close()
    lines = [r.getMessage() for r in caplog.records if r.name == "collector.receivers.dcgm_scrape"]
    assert lines == [f"dcgm target down target={exporter}/flaky/metrics error=HTTP 404 from the target",
                     f"dcgm target back up target={exporter}/flaky/metrics after 3 failed scrapes"]
