"""GET /metrics: Spyglass's own instruments and the business gauges in the Prometheus text format, parsed by
prometheus_client's parser and scraped by Debian's real Prometheus (`make test` installs it), queried in PromQL."""

from __future__ import annotations

import json
import shutil
import subprocess
from datetime import datetime, timedelta, timezone
from decimal import Decimal
from pathlib import Path

import httpx
import pytest
from prometheus_client.parser import text_string_to_metric_families

from store.queries.alerts import write_states
from tests.helpers.detector_rows import insert_costs
from tests.helpers.otlp_json import post, span_json, traces_json
from tests.helpers.service_process import free_port
from tests.helpers.wait import eventually

BINARY = "/usr/bin/prometheus"
ROLES = {"roles": ["collector", "api"]}  # no scheduler: nothing moves the seeded costs and alerts under the test


def _seed(service) -> datetime:
    """Two priced calls and one unpriced of acme/gpt-4o today, and firing alerts: 2 critical, 1 warning."""
    now = datetime.now(timezone.utc)
    at = now.replace(minute=0, second=0, microsecond=0)
    insert_costs(service.store, [
        {"timestamp": at, "span_id": "a1", "project": "acme", "cost_total": "0.125"},
        {"timestamp": at, "span_id": "a2", "project": "acme", "cost_total": "0.25"},
        {"timestamp": at, "span_id": "a3", "project": "acme", "cost_total": None, "priced": False,
         "reason": "no price"},
        {"timestamp": at - timedelta(days=1), "span_id": "y1", "project": "acme", "cost_total": "9"},
    ], now)
    write_states(service.store, [
        {"rule": f"r{i}", "fingerprint": f"f{i}", "labels": {}, "status": "firing", "severity": severity,
         "active_since": now, "firing_since": now, "last_active_at": now, "keep_firing_since": None,
         "resolved_at": None, "value": 1.0, "threshold": None, "annotations": {}, "evidence": "{}", "runbook": "",
         "updated_at": now} for i, severity in enumerate(("critical", "critical", "warning"))])
    return now


def _scrape(service) -> dict[str, dict[tuple, float]]:
    answer = httpx.get(f"{service.api}/metrics")
    assert answer.status_code == 200 and answer.headers["content-type"].startswith("text/plain; version=0.0.4")
    samples: dict[str, dict[tuple, float]] = {}
    for family in text_string_to_metric_families(answer.text):
        for s in family.samples:
            samples.setdefault(s.name, {})[tuple(sorted(s.labels.items()))] = s.value
    return samples


def test_metrics_hold_the_instruments_and_the_business_gauges(service_factory):
    service = service_factory(**ROLES)
    _seed(service)
    body = json.dumps(traces_json(span_json("00000000000000A1"))).encode()
    assert post(service, "traces", body).status_code == 200
    assert post(service, "traces", b"\x0a\xff\xff", "application/x-protobuf").status_code == 400
    samples = _scrape(service)

    requests = samples["spyglass_receiver_requests_total"]
    ok = (("outcome", "ok"), ("signal", "traces"), ("status", "200"), ("transport", "http"))
    bad = (("outcome", "BadInput"), ("signal", "traces"), ("status", "400"), ("transport", "http"))
    assert requests[ok] == 1 and requests[bad] == 1
    assert samples["spyglass_receiver_bytes_total"][(("signal", "traces"), ("transport", "http"))] == len(body) + 3
    assert samples["spyglass_receiver_items_total"][(("outcome", "accepted"), ("signal", "traces"))] == 1
    assert samples["spyglass_writer_batch_rows_count"][()] >= 1
    assert samples["spyglass_writer_commit_duration_seconds_count"][(("outcome", "committed"),)] >= 1
    assert samples["spyglass_writer_queue_rows"][()] == 0

    spend = samples["spyglass_spend_today_usd"]
    assert spend == {(("model", "gpt-4o"), ("project", "acme")): float(Decimal("0.375"))}
    assert samples["spyglass_unpriced_calls_today"] == {(("model", "gpt-4o"), ("project", "acme")): 1}
    assert samples["spyglass_alerts_firing"] == {(("severity", "critical"),): 2, (("severity", "warning"),): 1}
    assert samples["spyglass_business_gauges_ok"] == {(): 1}


def test_metrics_take_a_read_key_when_read_keys_are_configured(service_factory):
    service = service_factory(read_keys=["r-key"], **ROLES)
    assert httpx.get(f"{service.api}/metrics").status_code == 401
    answer = httpx.get(f"{service.api}/metrics", headers={"authorization": "Bearer r-key"})
    assert answer.status_code == 200 and "spyglass_business_gauges_ok 1.0" in answer.text


def test_job_and_rule_metrics_are_exposed(service_factory):
    service = service_factory(telemetry={"jobs_trace_ratio": 0.0})

    def rule_series():
        samples = _scrape(service)
        return samples.get("spyglass_alerts_rule_evaluations_total") and samples

    samples = eventually(rule_series, what="an alert evaluation cycle counted")
    assert any(dict(labels)["rule"] == "cost-spike" for labels in samples["spyglass_alerts_rule_evaluations_total"])
    assert any(dict(labels)["rule"] == "cost-spike" for labels in samples["spyglass_alerts_rule_duration_seconds_count"])
    runs = samples["spyglass_job_runs_total"]
    assert any(dict(labels) == {"job": "alerts", "outcome": "ok"} for labels in runs)
    assert (("job", "alerts"),) in samples["spyglass_job_duration_seconds_count"]


@pytest.fixture
def prometheus(tmp_path: Path):
    """Start Debian's Prometheus scraping the given API every second; yields its URL."""
    binary = shutil.which("prometheus") or BINARY
    if not Path(binary).exists():
        pytest.fail(f"{BINARY} is missing: `make test` installs Debian's prometheus")
    processes: list[subprocess.Popen] = []

    def start(target: str) -> str:
        (tmp_path / "prometheus.yml").write_text(f"""
global: {{scrape_interval: 1s, evaluation_interval: 1s}}
scrape_configs:
  - job_name: spyglass
    static_configs: [{{targets: ["{target}"]}}]
""")
        port = free_port()
        processes.append(subprocess.Popen(
            [binary, f"--config.file={tmp_path / 'prometheus.yml'}", f"--storage.tsdb.path={tmp_path / 'data'}",
             f"--web.listen-address=127.0.0.1:{port}"],
            stdout=subprocess.DEVNULL, stderr=(tmp_path / "prometheus.log").open("w")))
        return f"http://127.0.0.1:{port}"

    yield start
    for process in processes:
        process.terminate()
        process.wait(10)


def _query(url: str, promql: str) -> list[dict]:
    try:
        answer = httpx.get(f"{url}/api/v1/query", params={"query": promql}, timeout=2)
    except httpx.TransportError:
        return []
    return answer.json()["data"]["result"] if answer.status_code == 200 else []


def test_prometheus_scrapes_the_service_and_answers_promql(service_factory, prometheus):
    service = service_factory(**ROLES)
    _seed(service)
    assert post(service, "traces", json.dumps(traces_json(span_json("00000000000000A1"))).encode()).status_code == 200
    url = prometheus(service.api.removeprefix("http://"))

    requests = eventually(lambda: _query(url, 'sum by (signal) (spyglass_receiver_requests_total{status="200"})'),
                          timeout=60, what="Prometheus scraping the receiver's request counter")
    assert [(r["metric"], r["value"][1]) for r in requests] == [({"signal": "traces"}, "1")]
    [spend] = _query(url, 'spyglass_spend_today_usd{project="acme", model="gpt-4o"}')
    assert spend["metric"]["job"] == "spyglass" and Decimal(spend["value"][1]) == Decimal("0.375")
    [firing] = _query(url, 'sum(spyglass_alerts_firing)')
    assert firing["value"][1] == "3"
    [up] = _query(url, 'up{job="spyglass"}')
    assert up["value"][1] == "1"
